"""Shared fixtures. The shared data folder sits beside the checkout (../shared) unless
LLMLAB_SHARED points elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GOMP_SPINCOUNT", "0")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LLMLAB_SHARED", REPO.parent / "shared"))
CHINCHILLA_CSV = SHARED / "data" / "chinchilla_fig4_points.csv"


@pytest.fixture
def chinchilla_csv() -> Path:
    if not CHINCHILLA_CSV.is_file():
        pytest.skip(f"{CHINCHILLA_CSV} not present (set LLMLAB_SHARED to the shared folder)")
    return CHINCHILLA_CSV


# ---------------------------------------------------------------- the lab in a real browser

import socket  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO / "test-results"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def base_url(tmp_path_factory):
    """The lab served by `llmlab serve` on a free loopback port for the whole session, with an
    empty runs folder (no reasoning model trained)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env["LLMLAB_HOME"] = str(tmp_path_factory.mktemp("lab-runs"))
    server = subprocess.Popen([sys.executable, "-m", "llmlab.cli", "serve", "--port", str(port)], env=env,
                              stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/api/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        raise RuntimeError("the lab server did not start")
    yield url
    server.terminate()
    server.wait(10)


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
