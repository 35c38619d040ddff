"""The lab in headless Chromium: each page loads, its controls drive the numbers shown, the shown
numbers equal the API's (and so the engine's), and no request leaves 127.0.0.1."""

import json
import re
import urllib.request

import pytest
from playwright.sync_api import Page, expect

from llmlab import catalog
from llmlab.arch.patterns import AttentionPattern
from llmlab.laws.allocation import compute_optimal
from llmlab.laws.parametric import get_law

pytestmark = pytest.mark.browser

PAGES = ["/", "/scaling", "/moe", "/attention", "/planner", "/reasoning", "/emergence", "/frontier"]


def api(base_url: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base_url + path, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_index_lists_every_demo(page: Page, base_url, offsite, screenshot):
    page.goto(base_url + "/")
    links = page.locator("#demos a")
    expect(links).to_have_count(7)
    expect(page.get_by_role("navigation", name="Demos").get_by_role("link")).to_have_count(7)
    screenshot("index")
    assert offsite == []


def test_scaling_sliders_drive_the_numbers(page: Page, base_url, offsite, screenshot):
    page.goto(base_url + "/scaling?log_n=10&log_d=11.5&fit=chinchilla")
    expected = api(base_url, "/api/scaling?log_n=10&log_d=11.5&fit=chinchilla")
    expect(page.get_by_test_id("loss")).to_have_attribute("data-value", f"{expected['loss']:.4f}")
    page.get_by_test_id("log_n").fill("11")
    expected = api(base_url, "/api/scaling?log_n=11&log_d=11.5&fit=chinchilla")
    expect(page.get_by_test_id("loss")).to_have_attribute("data-value", f"{expected['loss']:.4f}")
    expect(page.get_by_test_id("tpp")).to_have_attribute("data-value", f"{expected['tokens_per_param']:.3g}")
    # Keyboard: focus the D slider and step it with the arrow keys.
    slider = page.get_by_test_id("log_d")
    slider.focus()
    for _ in range(10):
        slider.press("ArrowRight")
    expect(slider).to_have_value("11.6")
    law = get_law("chinchilla")
    expect(page.get_by_test_id("loss")).to_have_attribute("data-value", f"{float(law.loss(1e11, 10**11.6)):.4f}")
    # Another fit, and the state is in the URL.
    page.get_by_test_id("fit").select_option("epoch2024")
    expected = api(base_url, "/api/scaling?log_n=11&log_d=11.6&fit=epoch2024")
    expect(page.get_by_test_id("loss")).to_have_attribute("data-value", f"{expected['loss']:.4f}")
    expect(page).to_have_url(re.compile(r"log_d=11\.6.*fit=epoch2024"))
    page.get_by_role("button", name="Chinchilla").click()
    expect(page.get_by_test_id("log_n")).to_have_value("10.85")
    preset = api(base_url, "/api/scaling?log_n=10.85&log_d=12.15&fit=epoch2024")
    expect(page.get_by_test_id("loss")).to_have_attribute("data-value", f"{preset['loss']:.4f}")
    best = compute_optimal(get_law("epoch2024"), 6 * 10**10.85 * 10**12.15)
    assert float(page.get_by_test_id("optimum").get_attribute("data-value")) == pytest.approx(best.params)
    expect(page.locator("#isoflop .scatterlayer .trace")).not_to_have_count(0)
    screenshot("scaling")
    assert offsite == []


def test_scaling_fits_an_uploaded_csv(page: Page, base_url, tmp_path):
    rows = ["N,D,loss"]
    for n in (1e8, 3e8, 1e9, 3e9, 1e10):
        for d in (1e9, 1e10, 1e11):
            rows.append(f"{n},{d},{1.8 + 500 / n ** 0.35 + 2000 / d ** 0.37}")
    path = tmp_path / "runs.csv"
    path.write_text("\n".join(rows))
    page.goto(base_url + "/scaling")
    page.get_by_test_id("csv").set_input_files(str(path))
    # The fit is CPU-bound (a grid of starts, then L-BFGS): allow for a busy machine.
    expect(page.get_by_test_id("fit_result")).to_contain_text("from 15 runs", timeout=30_000)
    assert float(page.get_by_test_id("fit_result").get_attribute("data-value")) == pytest.approx(1.8, rel=1e-3)


def test_moe_routing_shows_the_engines_computation(page: Page, base_url, offsite, screenshot):
    page.goto(base_url + "/moe")
    page.get_by_test_id("text").fill("experts route every token")
    page.get_by_test_id("k").select_option("3")
    expected = api(base_url, "/api/moe/route?text=experts%20route%20every%20token&k=3&seed=0")
    expect(page.locator("#words button")).to_have_count(4)
    expect(page.get_by_test_id("load")).to_have_attribute("data-value", ",".join(map(str, expected["load"])))
    page.locator("#words button", has_text="route").click()
    expect(page.get_by_test_id("word")).to_have_text("route")
    chosen = ",".join(map(str, expected["tokens"][1]["experts"]))
    expect(page.get_by_test_id("chosen")).to_have_attribute("data-value", chosen)
    page.get_by_test_id("model").select_option("deepseek-v3")
    model = api(base_url, "/api/moe/model?model=deepseek-v3&gpu=h100")
    expect(page.get_by_test_id("total")).to_have_attribute("data-value", str(model["total"]))
    expect(page.get_by_test_id("meaning")).to_contain_text("decodes like a")
    screenshot("moe")
    assert offsite == []


def test_long_context_mask_and_costs(page: Page, base_url, offsite, screenshot):
    page.goto(base_url + "/attention?pattern=sliding&n=24&window=6")
    pattern = AttentionPattern("sliding", window=6)
    expect(page.get_by_test_id("pairs")).to_have_attribute("data-value", str(pattern.pairs(24)))
    expect(page.get_by_test_id("mask")).to_have_attribute("data-cells", str(pattern.pairs(24)))
    page.get_by_test_id("pattern").select_option("strided")
    page.get_by_test_id("stride").fill("4")
    strided = AttentionPattern("strided", stride=4)
    expect(page.get_by_test_id("pairs")).to_have_attribute("data-value", str(strided.pairs(24)))
    page.get_by_test_id("pattern").select_option("sliding")
    page.get_by_test_id("n").fill("100000")
    expected = api(base_url, "/api/attention?pattern=sliding&n=100000&window=6&stride=4&n_global=2&model=llama-3.1-8b")
    expect(page.get_by_test_id("pairs")).to_have_attribute("data-value", str(expected["pairs"]))
    expect(page.locator("#mask_note")).to_contain_text("density picture")
    page.get_by_test_id("kv_model").select_option("deepseek-v3")
    expect(page.get_by_test_id("kv_line")).to_contain_text("MLA, 70,272 bytes per token")
    expect(page.locator("#kv tbody tr")).to_have_count(6)
    screenshot("attention")
    assert offsite == []


def planned(base_url: str, body: dict) -> dict:
    """POST /api/plan (a plan takes seconds: a longer timeout than api's)."""
    request = urllib.request.Request(base_url + "/api/plan", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)


PLAN = 60_000  # ms: a plan takes seconds, more on a busy machine
CODING = {"use_case": "coding-agent", "requests_per_day": 200000, "input_tokens": 8000, "output_tokens": 1000,
          "context": 16384, "latency": 120}
CODING_URL = "/planner?" + "&".join(f"{key}={value}" for key, value in CODING.items())


def fresh_plan(page: Page) -> None:
    expect(page.locator("#results")).to_have_attribute("data-state", "fresh", timeout=PLAN)


def test_planner_recommends_from_the_engine(page: Page, base_url, offsite, screenshot):
    page.goto(base_url + "/planner")
    expect(page.get_by_test_id("summary")).to_have_attribute("data-tier", "small", timeout=PLAN)
    page.get_by_test_id("requests_per_day").fill("5000000")
    page.get_by_test_id("private").check()
    expect(page.get_by_test_id("summary")).to_have_attribute("data-tier", "self-hosted", timeout=PLAN)
    fresh_plan(page)
    expected = planned(base_url, {"use_case": "chat", "requests_per_day": 5e6, "private": True, "input_tokens": 500,
                                  "output_tokens": 300, "latency": 10, "context": 8192, "gpu": "any"})
    expect(page.get_by_test_id("summary")).to_have_text(expected["summary"])
    best = expected["recommendation"]["key"]
    expect(page.locator("#options tbody tr.recommended")).to_have_attribute("data-key", best)
    page.get_by_test_id("private").uncheck()
    page.get_by_test_id("requests_per_day").fill("2000")
    page.get_by_test_id("use_case").select_option("math-reasoning")
    page.get_by_test_id("latency").fill("120")
    fresh_plan(page)
    expected = planned(base_url, {"use_case": "math-reasoning", "requests_per_day": 2000, "input_tokens": 500,
                                  "output_tokens": 300, "latency": 120, "context": 8192})
    expect(page.get_by_test_id("summary")).to_have_attribute("data-tier", expected["recommendation"]["tier"])
    expect(page.get_by_test_id("bar")).to_contain_text(f"{expected['bar']['score']:g} on {expected['bar']['label']}")
    page.locator("#training_budget").fill("1000000")
    expect(page.get_by_test_id("train_n")).to_be_visible(timeout=PLAN)
    expect(page).to_have_url(re.compile(r"use_case=math-reasoning.*private=false"))
    fresh_plan(page)
    screenshot("planner")
    page.locator("#input_tokens").fill("9000")
    expect(page.get_by_test_id("error")).to_contain_text("exceed the context")
    assert offsite == []


def test_planner_draws_the_cost_quality_frontier(page: Page, base_url, offsite, screenshot):
    page.goto(base_url + CODING_URL)
    fresh_plan(page)
    expected = planned(base_url, CODING)
    chart = page.get_by_test_id("frontier-chart")
    expect(chart.locator(".xtitle")).to_have_text("monthly cost ($/month, log scale)")
    expect(chart.locator(".ytitle")).to_have_text(f"score on {expected['bar']['label']}")
    # The bar: a horizontal line across the plot, labelled, at the bar's score.
    expect(chart.locator(".shapelayer path")).to_have_count(1)
    expect(chart.locator(".annotation-text")).to_have_text(f"your bar: {expected['bar']['score']:g}")
    expect(chart).to_have_attribute("data-bar", f"{expected['bar']['score']:g}")
    expect(page.get_by_test_id("bar")).to_contain_text(f"{expected['bar']['score']:g} on {expected['bar']['label']}")
    # Points: every scored option that fits; the frontier's markers; the recommendation as its own trace.
    scored = [o for o in expected["options"] if o["fits"] and o["quality"] and o["monthly_cost"]]
    expect(chart).to_have_attribute("data-points", str(len(scored)))
    expect(chart).to_have_attribute("data-recommendation", expected["recommendation"]["key"])
    expect(chart.locator(".legendtext", has_text="recommended")).to_have_count(1)
    points = chart.locator(".scatterlayer .trace .points path")
    expect(points).to_have_count(len(scored) + len(expected["frontier"]) + 1)
    expect(page.get_by_test_id("unscored")).to_contain_text(f"Unscored (no published {expected['bar']['label']} score)")
    expect(page.get_by_test_id("summary")).to_have_text(expected["summary"])
    rows = page.locator("#options tbody tr")
    expect(rows).to_have_count(len(expected["options"]))
    best = expected["recommendation"]
    row = page.locator("#options tbody tr.recommended")
    expect(row).to_have_attribute("data-key", best["key"])
    expect(row.locator('td[data-label="GPUs"]')).to_contain_text(
        f"{best['replicas']} replica{'s' if best['replicas'] > 1 else ''} × {best['tensor_parallel']} GPU")
    screenshot("planner-frontier")
    # "As good as" a scored API tier: the page re-plans and recommends something at least that good.
    tier = "anthropic-claude-haiku-4-5"
    page.get_by_test_id("as_good_as").select_option(tier)
    expect(page.locator("#results")).to_have_attribute("data-state", "computing")
    expect(page.locator("#results")).to_have_class(re.compile(r"\bstale\b"))
    expect(page.get_by_test_id("stale")).to_contain_text("Computing")
    fresh_plan(page)
    expected = planned(base_url, {**CODING, "as_good_as": tier})
    reference = next(o for o in expected["options"] if o["key"] == tier)["quality"]["score"]
    assert expected["bar"]["score"] == reference
    assert expected["recommendation"]["quality"]["score"] >= reference
    expect(page).to_have_url(re.compile(f"as_good_as={tier}"))
    expect(page.get_by_test_id("summary")).to_have_text(expected["summary"])
    expect(page.get_by_test_id("summary")).to_have_attribute("data-tier", expected["recommendation"]["tier"])
    expect(page.locator("#options tbody tr.recommended")).to_have_attribute("data-key",
                                                                           expected["recommendation"]["key"])
    expect(chart.locator(".annotation-text")).to_have_text(f"your bar: {reference:g}")
    # A minimum score replaces "as good as" (the planner takes one bar).
    page.get_by_test_id("min_score").fill("50")
    expect(page.get_by_test_id("as_good_as")).to_have_value("")
    fresh_plan(page)
    expect(page.get_by_test_id("bar")).to_contain_text("50 on")
    assert offsite == []


def test_planner_marks_a_refused_plan_stale(page: Page, base_url, offsite, screenshot):
    page.goto(base_url + "/planner?use_case=chat")
    fresh_plan(page)
    before = page.get_by_test_id("summary").text_content()
    page.get_by_test_id("batch_api").check()
    results = page.locator("#results")
    expect(results).to_have_attribute("data-state", "refused", timeout=PLAN)
    expect(results).to_have_class(re.compile(r"\bstale\b"))
    expect(page.get_by_test_id("stale")).to_be_visible()
    expect(page.get_by_test_id("stale")).to_contain_text("Not re-planned")
    expect(page.get_by_test_id("stale")).to_contain_text("chat cannot wait for")
    expect(page.get_by_test_id("error")).to_contain_text("batch API")
    expect(page.get_by_test_id("summary")).to_have_text(before)  # the old result stays, marked stale
    opacity = page.locator("#results .card").first.evaluate("el => getComputedStyle(el).opacity")
    assert float(opacity) < 1
    screenshot("planner-refused")
    page.get_by_test_id("use_case").select_option("batch-extraction")
    fresh_plan(page)
    expect(results).not_to_have_class(re.compile(r"\bstale\b"))
    expect(page.get_by_test_id("stale")).to_be_hidden()
    expect(page.get_by_test_id("error")).to_have_text("")
    assert offsite == []


def test_planner_fits_a_phone(page: Page, base_url, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(base_url + CODING_URL)
    fresh_plan(page)
    assert page.evaluate("document.scrollingElement.scrollWidth <= innerWidth")
    # The options stack as cards: each row's "why" lies inside the screen.
    why = page.locator("#options tbody tr").first.locator("td.why")
    box = why.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390
    chart = page.get_by_test_id("frontier-chart").bounding_box()
    assert chart and chart["x"] + chart["width"] <= 390
    screenshot("planner-phone")


def test_reasoning_page_without_a_model_offers_training(page: Page, base_url, offsite, screenshot):
    page.goto(base_url + "/reasoning")
    expect(page.get_by_test_id("model_status")).to_have_attribute("data-state", "untrained")
    expect(page.get_by_test_id("train")).to_be_visible()
    page.get_by_label("high").check()
    expected = api(base_url, "/api/reasoning/projection?effort=high")
    expect(page.get_by_test_id("thinking")).to_have_attribute("data-value", str(expected["thinking_tokens"]))
    expect(page.locator("#rows tbody tr")).to_have_count(len(expected["rows"]))
    expect(page.get_by_text("Projection", exact=True)).to_be_visible()
    page.get_by_label("none").check()
    expect(page.get_by_test_id("thinking")).to_have_attribute("data-value", "0")
    expect(page).to_have_url(re.compile(r"effort=none"))
    screenshot("reasoning")
    assert offsite == []


def test_emergence_metric_and_k(page: Page, base_url, offsite, screenshot):
    page.goto(base_url + "/emergence")
    page.get_by_test_id("k").fill("20")
    expected = api(base_url, "/api/emergence?k=20&fit=chinchilla")
    expect(page.get_by_test_id("k_label")).to_have_text("20")
    crossing = next((n for n, v in zip(expected["params"], expected["exact_match"]) if v >= 0.5), None)
    shown = page.get_by_test_id("cross").get_attribute("data-value")
    assert (shown == "") if crossing is None else float(shown) == pytest.approx(crossing)
    page.get_by_test_id("k").fill("3")
    expected = api(base_url, "/api/emergence?k=3&fit=chinchilla")
    crossing = next(n for n, v in zip(expected["params"], expected["exact_match"]) if v >= 0.5)
    expect(page.get_by_test_id("cross")).to_have_text(re.compile(r"\d"))
    expect(page.get_by_test_id("k_label")).to_have_text("3")
    assert float(page.get_by_test_id("cross").get_attribute("data-value")) == pytest.approx(crossing)
    page.get_by_test_id("metric").select_option("per_token")
    expect(page.locator("#chart")).to_have_attribute("data-value", repr(expected["per_token"][-1]))
    screenshot("emergence")
    assert offsite == []


def test_frontier_table_sorts(page: Page, base_url, offsite, screenshot):
    page.goto(base_url + "/frontier")
    rows = page.locator("#table tbody tr")
    totals = {row["model"]: row["total_params"] for row in api(base_url, "/api/frontier?gpu=h100")["rows"]}
    expect(rows).to_have_count(len(catalog.models()))
    expect(rows.first).to_have_attribute("data-model", max(totals, key=totals.get))  # largest total first
    page.get_by_role("button", name="total").click()
    expect(rows.first).to_have_attribute("data-model", min(totals, key=totals.get))  # ascending
    page.get_by_role("button", name="KV bytes/token").click()
    expect(rows.first).to_have_attribute("data-model", "olmo-2-7b")  # MHA: the largest cache per token
    screenshot("frontier")
    assert offsite == []


@pytest.mark.parametrize("path", PAGES)
def test_pages_fit_a_narrow_screen(browser, base_url, path):
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    page.goto(base_url + path)
    page.wait_for_load_state("networkidle")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    context.close()
    assert overflow <= 1


@pytest.mark.parametrize("path", ["/scaling", "/emergence"])
def test_every_chart_titles_both_axes(page: Page, base_url, path):
    """The bundled plotly.js ignores plain-string titles: each drawn chart must show both, with their units."""
    page.goto(base_url + path)
    charts = page.locator(".js-plotly-plot")
    expect(charts.first).to_be_visible()
    for index in range(charts.count()):
        chart = charts.nth(index)
        if not chart.is_visible():
            continue
        expect(chart.locator(".xtitle")).to_have_text(re.compile(r"\w"))
        expect(chart.locator(".ytitle")).to_have_text(re.compile(r"\w"))
