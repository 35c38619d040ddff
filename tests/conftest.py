"""Shared fixtures. Test data lives in tests/data (see its README.md for sources)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("GOMP_SPINCOUNT", "0")

REPO = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
CHINCHILLA_CSV = DATA / "chinchilla_fig4_points.csv"


@pytest.fixture
def chinchilla_csv() -> Path:
    """Epoch AI's 245 points read off Chinchilla's Figure 4 (tests/data/README.md)."""
    return CHINCHILLA_CSV


# ---------------------------------------------------------------- the lab in a real browser

import shlex  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO / "test-results"
# pytest-playwright's options, as defaults (an explicit command-line flag wins). They are set here rather
# than in pyproject's addopts so that `pytest tests/test_laws.py -p no:playwright` works: addopts would
# pass flags that only the playwright plugin knows. Its --output folder is deleted at every session start,
# so it must not be test-results itself (the screenshots below live there).
PLAYWRIGHT_DEFAULTS = {
    "--browser": ("browser", ["chromium"]),
    "--output": ("output", str(SCREENSHOTS / "playwright")),
    "--screenshot": ("screenshot", "only-on-failure"),
}


def _playwright_loaded(config: pytest.Config) -> bool:
    return config.pluginmanager.has_plugin("playwright")


def pytest_configure(config: pytest.Config) -> None:
    if not _playwright_loaded(config):
        return
    given = [*config.invocation_params.args, *shlex.split(os.environ.get("PYTEST_ADDOPTS", ""))]
    for flag, (dest, value) in PLAYWRIGHT_DEFAULTS.items():
        if not any(arg == flag or arg.startswith(flag + "=") for arg in given):
            setattr(config.option, dest, value)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _playwright_loaded(config):
        return
    skip = pytest.mark.skip(reason="the playwright plugin is disabled (-p no:playwright)")
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@contextlib.contextmanager
def serving_lab(env: dict[str, str]) -> Iterator[str]:
    """`llmlab serve` on a free loopback port with ``env``; yields its URL once it answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "llmlab.cli", "serve", "--port", str(port)], env=env,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(url + "/api/health", timeout=1)
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(f"the lab server exited with status {server.returncode}") from None
                time.sleep(0.1)
        else:
            raise RuntimeError("the lab server did not start")
        yield url
    finally:
        server.terminate()
        server.wait(10)


def lab_env(runs: Path, **extra: str) -> dict[str, str]:
    """This process's environment for a lab subprocess, with its own runs folder."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    return {**env, "LLMLAB_HOME": str(runs), **extra}


@pytest.fixture(scope="session")
def base_url(tmp_path_factory):
    """The lab for the whole session, with an empty runs folder (no reasoning model trained)."""
    with serving_lab(lab_env(tmp_path_factory.mktemp("lab-runs"))) as url:
        yield url


@pytest.fixture
def offsite(page):
    """Every request the page makes that does not go to 127.0.0.1 (must stay empty)."""
    requests: list[str] = []
    page.on("request", lambda request: request.url.startswith("http://127.0.0.1") or requests.append(request.url))
    return requests


@pytest.fixture
def screenshot(page):
    SCREENSHOTS.mkdir(exist_ok=True)
    return lambda name: page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
