# One command sets up and runs each job; the virtual environment lives in .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export GOMP_SPINCOUNT := 0

.PHONY: setup test bench clean

$(BIN)/llmlab: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/llmlab

test: setup
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/pip install --quiet chinchilla==0.2.0
	$(BIN)/python bench/fit_speed.py

clean:
	rm -rf $(VENV) .pytest_cache test-results src/*.egg-info
