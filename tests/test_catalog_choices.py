"""A GPU added only to the catalog's JSON (through $LLMLAB_CATALOG) is selectable everywhere: in the
CLI, in the API and on every lab page that offers a GPU, with no other edit.

The choice lists are read from the catalog when they are needed, never written out a second time;
these tests would fail on any hard-coded GPU list (a page's <select>, a flag's choices, an enum)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from conftest import lab_env, serving_lab
from llmlab.web.app import PAGES

REPO = Path(__file__).resolve().parents[1]
ACCELERATORS = REPO / "src" / "llmlab" / "catalog" / "data" / "accelerators.json"
GPU, LABEL = "test-gpu", "Test GPU 9000"
# The pages known to offer a GPU; any other page that offers one is checked too.
GPU_PAGES = {"scaling", "moe", "planner", "frontier"}


@pytest.fixture(scope="module")
def catalog_env(tmp_path_factory) -> dict[str, str]:
    """The environment of a process whose catalog has one more GPU, known only to its JSON."""
    folder = tmp_path_factory.mktemp("catalog")
    gpus = json.loads(ACCELERATORS.read_text("utf-8"))
    assert GPU not in gpus
    gpus[GPU] = {**gpus["h100"], "label": LABEL}
    (folder / "accelerators.json").write_text(json.dumps(gpus, indent=1), "utf-8")
    return lab_env(tmp_path_factory.mktemp("lab-runs"), LLMLAB_CATALOG=str(folder))


@pytest.fixture(scope="module")
def catalog_url(catalog_env):
    """`llmlab serve` on a free loopback port, reading the extended catalog."""
    with serving_lab(catalog_env) as url:
        yield url


def cli(env: dict[str, str], *argv: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "llmlab.cli", *argv, "--json"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def api(url: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_the_cli_accepts_the_new_gpu(catalog_env):
    cost = cli(catalog_env, "cost", "--params", "7B", "--tokens", "1T", "--gpu", GPU)
    assert cost["gpu"] == GPU and cost["dollars"] > 0
    speed = cli(catalog_env, "throughput", "llama-3.1-8b", "--gpu", GPU)
    assert json.dumps(speed)  # a JSON answer, exit status 0


def test_the_api_offers_and_accepts_the_new_gpu(catalog_url):
    status, choices = api(catalog_url, "/api/choices")
    assert status == 200
    assert {"value": GPU, "label": LABEL} in choices["gpus"]
    status, frontier = api(catalog_url, f"/api/frontier?gpu={GPU}")
    assert status == 200, frontier
    assert frontier["gpu"] == GPU and frontier["rows"]
    status, plan = api(catalog_url, "/api/plan", {"gpu": GPU})
    assert status == 200, plan
    status, cost = api(catalog_url, "/api/cost", {"params": 7e9, "tokens": 1e12, "gpu": GPU})
    assert status == 200 and cost["gpu"] == GPU
    status, _ = api(catalog_url, "/api/frontier?gpu=no-such-gpu")
    assert status == 422


@pytest.fixture
def lab_page(browser: Browser):
    """A fresh page in the conftest's chromium (the `page` fixture would start the default server too)."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


def gpu_selects(page: Page) -> list[str]:
    """Ids of the page's selects that offer a GPU (an option h100), however their options were written."""
    return page.evaluate("""() => [...document.querySelectorAll("select")]
        .filter((s) => [...s.options].some((o) => o.value === "h100")).map((s) => s.id)""")


def mentions_gpu(request) -> bool:
    return "/api/" in request.url and (GPU in request.url or GPU in (request.post_data or ""))


@pytest.mark.browser
@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_offers_the_new_gpu(lab_page: Page, catalog_url, name):
    page = lab_page
    path = "/" if name == "index" else f"/{name}"
    page.goto(catalog_url + path)
    page.wait_for_load_state("networkidle")
    selects = gpu_selects(page)
    if name in GPU_PAGES:
        assert selects, f"{path} offers no GPU"
    for select_id in selects:
        select = page.locator(f"select#{select_id}")
        expect(select.locator(f'option[value="{GPU}"]')).to_have_text(LABEL)
        with page.expect_response(lambda response: mentions_gpu(response.request)) as answer:
            select.select_option(GPU)
        assert answer.value.ok, f"{path}: {answer.value.url} answered {answer.value.status}"
        expect(page.locator("main")).to_contain_text(re.compile(GPU, re.IGNORECASE))  # the answer is shown
        for error in page.locator(".error").all():
            expect(error).to_be_empty()
        # The choice is kept in the URL, and a reload selects it again from there.
        expect(page).to_have_url(re.compile(f"{select_id}={GPU}"))
        page.reload()
        expect(page.locator(f"select#{select_id}")).to_have_value(GPU)
        page.wait_for_load_state("networkidle")
        for error in page.locator(".error").all():
            expect(error).to_be_empty()
