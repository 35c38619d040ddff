"""The planner on six realistic scenarios: every figure of each recommendation recomputed here by hand from
the catalog's prices, scores and the engine's serving figures; thinking tokens for every reasoning model."""

from __future__ import annotations

import math

import pytest

from llmlab import catalog
from llmlab.arch.config import from_hf
from llmlab.arch.throughput import serving_estimate
from llmlab.laws.allocation import compute_optimal
from llmlab.laws.cost import default_training_mfu
from llmlab.laws.parametric import get_law
from llmlab.plan.planner import Plan, plan
from llmlab.plan.request import PlanRequest

SCENARIOS = {
    "private chat": dict(use_case="chat", requests_per_day=5e6, private=True),
    "coding agent": dict(use_case="coding-agent", requests_per_day=2e5, input_tokens=8000, output_tokens=1000,
                         context=16384, latency=120),
    "rag": dict(use_case="rag", requests_per_day=1e6, input_tokens=4000, output_tokens=300, latency=5),
    "batch extraction": dict(use_case="batch-extraction", requests_per_day=2e7, input_tokens=1000, output_tokens=100,
                             latency=60, batch_api=True, cached_input_fraction=0.5),
    "private math reasoning": dict(use_case="math-reasoning", requests_per_day=5e4, private=True, input_tokens=300,
                                   output_tokens=500, latency=300, context=32768),
    # RULER's 85.6 is met only by models that do not serve 128K natively: this reader accepts 75.
    "100k-token documents": dict(use_case="long-document", requests_per_day=2000, input_tokens=100_000,
                                 output_tokens=2000, context=131072, latency=120, min_score=75),
}
HOURS, DAYS = (catalog.planning()["assumptions"][key] for key in ("hours_per_month", "days_per_month"))


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    return {name: plan(PlanRequest(**fields)) for name, fields in SCENARIOS.items()}


def expected_thinking(reasoning: str, use_case: str) -> int:
    """The stated assumption, looked up by hand: the use case's effort, at least 'low' for models that
    always think."""
    planning = catalog.planning()
    effort = planning["use_cases"][use_case]["reasoning_effort"]
    if reasoning == "none":
        return 0
    if reasoning == "always" and effort == "none":
        effort = "low"
    return planning["assumptions"]["thinking_tokens"][use_case][effort]


def reasoning_of(option) -> str:
    if option.tier == "self-hosted":
        return catalog.model(option.details.get("model", option.key))["reasoning"]
    return catalog.api_tiers()[option.key]["reasoning"]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_reasoning_model_is_costed_and_timed_with_its_thinking_tokens(plans, scenario):
    result = plans[scenario]
    for option in result.options:
        if option.tier == "train":
            continue
        expected = expected_thinking(reasoning_of(option), result.request.use_case)
        assert option.thinking_tokens == expected, option.name
        if reasoning_of(option) == "always":
            assert expected > 0


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_recommendation_recomputed_by_hand(plans, scenario):
    result = plans[scenario]
    request, best = result.request, result.recommendation
    assert best is not None, result.summary
    assert best.fits and best.quality.score >= result.bar.score
    benchmark = catalog.planning()["use_cases"][request.use_case]["benchmark"]
    key = best.details.get("model", best.key)
    published = catalog.benchmarks()["scores"][key][benchmark]
    assert best.quality.score in (published["score"], *published.get("by_effort", {}).values())
    output = request.output_tokens + best.thinking_tokens
    if best.tier == "self-hosted":
        check_self_hosted(request, best, output)
    else:
        check_api(request, best, output)
    # Nothing cheaper that fits clears the bar.
    cheaper = [o for o in result.options if o.fits and o.quality and o.monthly_cost is not None
               and o.monthly_cost < best.monthly_cost]
    assert all(o.quality.score < result.bar.score for o in cheaper)


def check_self_hosted(request: PlanRequest, best, output: int) -> None:
    d = best.details
    cfg = from_hf(catalog.model(d["model"])["config"])
    tp, replicas, batch = d["gpus_per_replica"], best.replicas, d["max_concurrency_per_replica"]
    estimate = serving_estimate(cfg, d["gpu"], tp, best.precision, "bf16", batch, request.input_tokens, output)
    assert estimate.fits
    requests_per_s = estimate.expected.output_tokens_per_s / output
    peak = request.requests_per_day / 86_400 * catalog.planning()["assumptions"]["peak_to_mean_traffic"]
    assert replicas == max(1, math.ceil(peak / requests_per_s))
    price = catalog.accelerator(d["gpu"])["price_per_hour"]
    assert price["default"] == pytest.approx(math.sqrt(price["low"] * price["high"]), abs=0.005)  # to the cent
    assert best.monthly_cost == pytest.approx(replicas * tp * price["default"] * HOURS)

    def latency(concurrency: int) -> tuple[float, float]:
        served = serving_estimate(cfg, d["gpu"], tp, best.precision, "bf16", concurrency, request.input_tokens,
                                  output).expected
        return served.ttft_s + output * served.time_per_output_token_s, served.output_tokens_per_s / output

    for load, seen in ((peak, best.latency_s.peak), (peak / catalog.planning()["assumptions"]["peak_to_mean_traffic"],
                                                     best.latency_s.mean)):
        concurrency = 1
        while latency(concurrency)[1] < load / replicas and concurrency < batch:
            concurrency *= 2
        assert seen == pytest.approx(latency(concurrency)[0])
    assert best.latency_s.peak <= request.latency


def check_api(request: PlanRequest, best, output: int) -> None:
    tier = catalog.api_tiers()[best.key]
    cached = request.cached_input_fraction
    cache_price = tier["cached_input_per_mtok"] if tier["cached_input_per_mtok"] is not None else tier["input_per_mtok"]
    write = tier["cache_write_per_mtok"] if tier["cache_write_per_mtok"] is not None else tier["input_per_mtok"]
    per_request = (request.input_tokens * ((1 - cached) * tier["input_per_mtok"] + cached * cache_price
                                           + cached * write / 10) + output * tier["output_per_mtok"]) / 1e6
    if request.batch_api:
        per_request *= 1 - tier["batch_discount"]
    assert best.monthly_cost == pytest.approx(per_request * request.requests_per_day * DAYS)


def test_as_good_as_never_recommends_a_lower_score():
    reference = "anthropic-claude-haiku-4-5"
    result = plan(PlanRequest(use_case="coding-agent", requests_per_day=2e5, input_tokens=8000, output_tokens=1000,
                              context=16384, latency=120, as_good_as=reference))
    score = catalog.benchmarks()["scores"][reference]["swe-bench-verified"]["score"]
    assert result.bar.score == score
    assert result.recommendation is not None and result.recommendation.quality.score >= score
    assert all(p.score < score for p in result.frontier if p.monthly_cost < result.recommendation.monthly_cost)


def test_frontier_is_monotone_and_says_what_better_costs(plans):
    result = plans["coding agent"]
    costs = [p.monthly_cost for p in result.frontier]
    scores = [p.score for p in result.frontier]
    assert costs == sorted(costs) and scores == sorted(scores) and len(set(scores)) == len(scores)
    above = [p for p in result.frontier if p.monthly_cost > result.recommendation.monthly_cost]
    assert all(p.note.startswith("+") and "for +$" in p.note for p in above)


def test_robustness_is_stated(plans):
    for result in plans.values():
        assert result.robustness.startswith(("Robust", "Not robust"))


def test_a_model_with_no_score_is_never_recommended_and_shown_unscored(plans):
    result = plans["private chat"]
    unscored = [o for o in result.options if o.quality is None]
    assert unscored and all(o.clears_bar is None for o in unscored)
    assert result.recommendation.quality is not None


def test_training_budget_buys_flops_at_the_mfu_of_its_size():
    budget = 1e6
    result = plan(PlanRequest(use_case="chat", training_budget=budget, gpu="h100"))
    training = result.training
    hours = budget / catalog.accelerator("h100")["price_per_hour"]["default"]
    flops = hours * 3600 * 989.4e12 * training["mfu"]
    assert training["flops"] == pytest.approx(flops)
    expected = compute_optimal(get_law("chinchilla"), flops)
    assert training["mfu"] == pytest.approx(default_training_mfu(expected.params), rel=1e-3)
    assert training["compute_optimal"]["params"] == pytest.approx(expected.params)
    assert not next(o for o in result.options if o.tier == "train").fits


def test_a_serving_budget_rules_out_what_it_cannot_pay_for():
    result = plan(PlanRequest(use_case="chat", requests_per_day=5e6, private=True, monthly_budget=100))
    assert result.recommendation is None
    assert all(not o.fits for o in result.options)
    assert "No option" in result.summary


@pytest.mark.parametrize(
    "fields, message",
    [
        (dict(use_case="poetry"), "unknown use case"),
        (dict(requests_per_day=0), "requests_per_day"),
        (dict(output_tokens=-5), "output_tokens"),
        (dict(monthly_budget=-1.0), "monthly_budget"),
        (dict(gpu="tpu"), "unknown GPU"),
        (dict(input_tokens=9000, context=8192), "context"),
        (dict(min_score=50, as_good_as="gpt-oss-20b"), "one quality bar"),
        (dict(use_case="chat", batch_api=True), "batch API"),
        (dict(as_good_as="gpt-9"), "unknown API tier or model"),
        (dict(precision="fp3"), "unknown precision"),
    ],
)
def test_bad_requests_are_clear_errors(fields, message):
    with pytest.raises(ValueError, match=message):  # pydantic's ValidationError, or LlmlabError
        PlanRequest(**fields)


def test_as_good_as_an_unscored_option_says_which_are_scored():
    with pytest.raises(ValueError, match="has no published"):
        plan(PlanRequest(use_case="chat", as_good_as="olmo-2-7b"))
