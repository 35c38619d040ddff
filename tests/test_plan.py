"""The planner on scenarios whose right answer is clear from the numbers."""

import pytest

from llmlab import catalog
from llmlab.errors import LlmlabError
from llmlab.laws.allocation import compute_optimal
from llmlab.laws.cost import training_cost
from llmlab.laws.parametric import get_law
from llmlab.plan.options import capable
from llmlab.plan.planner import plan
from llmlab.plan.request import PlanRequest


def test_low_volume_chat_goes_to_a_small_api_tier():
    result = plan(PlanRequest(use_case="chat", requests_per_day=1000, input_tokens=500, output_tokens=300))
    assert result.recommended.tier == "small"
    cheapest_self_hosted = min(o.monthly_cost for o in result.options if o.tier == "self-hosted" and o.monthly_cost is not None)
    assert result.recommended.monthly_cost < cheapest_self_hosted / 100


def test_heavy_traffic_with_private_data_is_self_hosted():
    result = plan(PlanRequest(use_case="chat", requests_per_day=5e6, private=True))
    assert result.recommended.tier == "self-hosted"
    assert all(not o.fits for o in result.options if o.tier in ("small", "frontier", "reasoning"))
    details = result.recommended.details
    assert details["replicas"] >= 2  # 5M requests a day do not fit on one replica
    assert any("GB for bf16 weights" in reason for reason in result.recommended.reasons)


def test_hard_math_goes_to_a_reasoning_tier():
    result = plan(PlanRequest(use_case="math-reasoning", requests_per_day=2000, input_tokens=200,
                              output_tokens=500, latency=120))
    assert result.recommended.tier in ("reasoning", "self-hosted")
    assert capable(result.recommended.capability, "reasoning")
    assert result.recommended.tier == "reasoning"
    small = [o for o in result.options if o.tier == "small"]
    assert small and all(not o.fits for o in small)


def test_coding_agent_needs_at_least_a_frontier_model():
    result = plan(PlanRequest(use_case="coding-agent", requests_per_day=10_000, input_tokens=4000,
                              output_tokens=1000, latency=60, context=32_000))
    assert result.recommended.tier == "frontier"


def test_long_documents_need_a_long_window():
    result = plan(PlanRequest(use_case="long-document", requests_per_day=500, input_tokens=400_000,
                              output_tokens=2000, latency=120, context=500_000))
    assert result.recommended.details["context_window"] >= 500_000
    too_short = [o for o in result.options if o.details.get("context_window", 0) < 500_000 and o.tier != "self-hosted"]
    assert too_short and all(any("context window" in p for p in o.problems) for o in too_short)


def test_very_heavy_batch_extraction_is_cheaper_self_hosted():
    result = plan(PlanRequest(use_case="batch-extraction", requests_per_day=5e7, input_tokens=1000,
                              output_tokens=50, latency=30))
    assert result.recommended.tier == "self-hosted"
    cheapest_api = min(o.monthly_cost for o in result.options if o.tier == "small")
    assert result.recommended.monthly_cost < cheapest_api


def test_training_budget_gives_the_expected_n_and_d():
    budget = 1e6
    result = plan(PlanRequest(use_case="chat", training_budget=budget, gpu="h100"))
    hour = training_cost(3600 * 989.4e12 * 0.4, "h100", mfu=0.4)  # one GPU-hour of work
    assert hour.gpu_hours == pytest.approx(1.0)
    flops = budget / catalog.accelerator("h100")["price_per_hour"]["default"] * 3600 * 989.4e12 * 0.4
    expected = compute_optimal(get_law("chinchilla"), flops)
    assert result.training["flops"] == pytest.approx(flops)
    assert result.training["compute_optimal"]["params"] == pytest.approx(expected.params)
    assert result.training["compute_optimal"]["tokens"] == pytest.approx(expected.tokens)
    # $1M at $2.50/H100-hour is ~5.7e23 FLOPs: about Gopher's budget -> ~40B params on ~2.4T tokens.
    assert 35e9 < expected.params < 45e9


def test_a_serving_budget_rules_out_what_it_cannot_pay_for():
    result = plan(PlanRequest(use_case="chat", requests_per_day=5e6, private=True, monthly_budget=100))
    assert result.recommended is None
    assert all(not o.fits for o in result.options)
    assert "No option" in result.summary


def test_mixtral_reason_quotes_memory_and_active_size():
    result = plan(PlanRequest(use_case="chat", requests_per_day=1e6, gpu="h100"))
    mixtral = next(o for o in result.options if o.name.startswith("mixtral-8x7b"))
    assert mixtral.details["gpus_per_replica"] == 2
    assert any("≈93 GB" in r and "2 H100" in r and "decodes like a 12.7B" in r for r in mixtral.reasons)


@pytest.mark.parametrize(
    "fields, message",
    [
        (dict(use_case="poetry"), "unknown use case"),
        (dict(requests_per_day=0), "requests_per_day"),
        (dict(output_tokens=-5), "output_tokens"),
        (dict(monthly_budget=-1.0), "monthly_budget"),
        (dict(gpu="tpu"), "unknown GPU"),
        (dict(input_tokens=9000, context=8192), "context"),
    ],
)
def test_bad_requests_are_clear_errors(fields, message):
    with pytest.raises(ValueError, match=message):  # pydantic's ValidationError, or LlmlabError
        PlanRequest(**fields)
