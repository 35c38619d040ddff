"""API tiers as planning options: tokens × the tier's dated prices, with its long-context tier, prompt-cache
reads and writes, and the batch discount applied as the vendor bills them; thinking tokens billed as output."""

from __future__ import annotations

from typing import Any

from llmlab import catalog
from llmlab.plan.option import Latency, Option
from llmlab.plan.quality import quality
from llmlab.plan.request import PlanRequest
from llmlab.plan.thinking import thinking_tokens


def prices(tier: dict[str, Any], input_tokens: int) -> dict[str, Any]:
    """The $/Mtok that apply to a request of ``input_tokens``: a long prompt moves the whole request to the
    long-context tier where the vendor has one."""
    long = tier.get("long_context")
    if long and input_tokens > long["above_tokens"]:
        return {**tier, **{key: value for key, value in long.items() if key.endswith("per_mtok")}}
    return tier


def cost_per_request(tier: dict[str, Any], request: PlanRequest, thinking: int) -> float:
    """Dollars for one request: uncached and cached input, the cache writes that keep the cache warm, and
    output with thinking, less the batch discount when the batch API is used."""
    a = catalog.planning()["assumptions"]
    p = prices(tier, request.input_tokens)
    cached_share = request.cached_input_fraction
    cached_price = p["cached_input_per_mtok"] if p.get("cached_input_per_mtok") is not None else p["input_per_mtok"]
    write_price = p["cache_write_per_mtok"] if p.get("cache_write_per_mtok") is not None else p["input_per_mtok"]
    input_cost = request.input_tokens * ((1 - cached_share) * p["input_per_mtok"] + cached_share * cached_price
                                         + cached_share * write_price / a["cache_reads_per_write"])
    dollars = (input_cost + (request.output_tokens + thinking) * p["output_per_mtok"]) / 1e6
    if request.batch_api and tier.get("batch_discount"):
        dollars *= 1 - tier["batch_discount"]
    return dollars


def api_option(key: str, tier: dict[str, Any], request: PlanRequest) -> Option:
    a = catalog.planning()["assumptions"]
    thinking = thinking_tokens(tier["reasoning"], request.use_case)
    per_request = cost_per_request(tier, request, thinking)
    monthly = per_request * request.requests_per_day * a["days_per_month"]
    speed = a["api_output_tokens_per_s"][tier["tier"]]
    seconds = a["api_time_to_first_token_s"] + (request.output_tokens + thinking) / speed
    batch = request.batch_api and bool(tier.get("batch_discount"))
    option = Option(
        key=key, tier=tier["tier"], name=f"{tier['vendor']} {tier['model']}", quality=quality(key, request.use_case),
        thinking_tokens=thinking, monthly_cost=monthly,
        latency_s=None if batch else Latency(mean=seconds, peak=seconds),
        details={"prices": prices(tier, request.input_tokens), "price_source": tier["source"],
                 "price_date": tier["date"], "status": tier["status"], "context_window": tier["context_window"]},
    )
    long = prices(tier, request.input_tokens) is not tier
    option.reasons.append(
        f"${per_request * 1000:.3g} per 1,000 requests (${tier['input_per_mtok']:g} in / ${tier['output_per_mtok']:g} "
        f"out per Mtok" + (", long-context tier" if long else "")
        + (f", {request.cached_input_fraction:.0%} of input from cache" if request.cached_input_fraction else "")
        + (f", {thinking:,} thinking tokens billed as output" if thinking else "")
        + (f", batch {tier['batch_discount']:.0%} off" if batch else "") + ")")
    option.reasons.append("batch API: results within 24 hours" if batch else
                          f"≈{seconds:.1f} s per response at an assumed {speed} tokens/s")
    for change in tier.get("price_changes", []):
        option.reasons.append(f"announced: ${change['input_per_mtok']:g} in / ${change['output_per_mtok']:g} out "
                              f"from {change['from']}")
    if tier["status"] == "deprecated":
        option.problems.append(f"deprecated: retires {tier.get('retires') or 'soon'}")
    if request.private:
        option.problems.append("data must stay in-house: a third-party API is ruled out")
    option.check(tier["context_window"], request)
    return option


def api_options(request: PlanRequest) -> list[Option]:
    return [api_option(key, tier, request) for key, tier in catalog.api_tiers().items()]
