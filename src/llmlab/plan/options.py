"""The alternatives the planner weighs, each costed per month and checked against the constraints.

* API tiers: tokens × the catalog's $/Mtok (reasoning tiers also pay for thinking tokens).
* Self-hosted open-weight models: the smallest GPU count that holds ALL weights, the largest batch
  whose latency meets the target, then enough replicas for peak traffic (engine throughput bounds
  at stated utilisation).
* Training your own: the budget buys FLOPs; the engine's laws give N, D and the loss.
"""

from __future__ import annotations

import math
from pydantic import computed_field

from llmlab import catalog
from llmlab.arch.config import from_hf
from llmlab.arch.params import count_params
from llmlab.arch.throughput import throughput
from llmlab.laws.allocation import compute_optimal, inference_aware
from llmlab.laws.cost import training_cost
from llmlab.laws.parametric import get_law
from llmlab.plan.request import PlanRequest
from llmlab.schema import Result
from llmlab.units import human

TIER_LABELS = {"small": "small fast API", "frontier": "frontier API", "reasoning": "frontier reasoning API",
               "self-hosted": "self-hosted open-weight model", "train": "train your own"}


class Option(Result):
    """One way to do the job. ``monthly_cost`` and ``latency_s`` are None when no setup of it works."""

    tier: str
    name: str
    monthly_cost: float | None
    latency_s: float | None
    capability: str
    fits: bool = True
    problems: list[str] = []
    reasons: list[str] = []
    details: dict = {}

    @computed_field
    @property
    def tier_label(self) -> str:
        return TIER_LABELS[self.tier]

    @property
    def sort_key(self) -> tuple[bool, float, str]:
        return (not self.fits, math.inf if self.monthly_cost is None else self.monthly_cost, self.name)


def _assumptions() -> dict:
    return catalog.planning()["assumptions"]


def capable(have: str, need: str) -> bool:
    """Reasoning models cover frontier needs; nothing below the needed class does."""
    order = catalog.planning()["class_order"]
    return order.index(have) >= order.index(need)


def _check_common(option: Option, request: PlanRequest, context_window: int) -> None:
    if not capable(option.capability, request.needs):
        option.problems.append(f"{request.use_case} needs a {request.needs}-class model; this is {option.capability}-class")
    if context_window < request.context:
        option.problems.append(f"context window {human(context_window)} < the {human(request.context)} tokens needed")
    if option.latency_s is not None and option.latency_s > request.latency:
        option.problems.append(f"≈{option.latency_s:.1f} s per response exceeds the {request.latency:g} s target")
    if request.monthly_budget is not None and (option.monthly_cost or 0) > request.monthly_budget:
        option.problems.append(f"${option.monthly_cost:,.0f}/month exceeds the ${request.monthly_budget:,.0f} budget")
    option.fits = not option.problems


def api_options(request: PlanRequest) -> list[Option]:
    a = _assumptions()
    options = []
    for key, tier in catalog.api_tiers().items():
        thinking = a["reasoning_tokens_per_request"] if tier["tier"] == "reasoning" else 0
        per_request = (request.input_tokens * tier["input_per_mtok"]
                       + (request.output_tokens + thinking) * tier["output_per_mtok"]) / 1e6
        monthly = per_request * request.requests_per_day * a["days_per_month"]
        speed = a["api_output_tokens_per_s"][tier["tier"]]
        latency = a["api_time_to_first_token_s"] + (request.output_tokens + thinking) / speed
        option = Option(
            tier=tier["tier"], name=f"{tier['vendor']} {tier['model']}", monthly_cost=monthly, latency_s=latency,
            capability=tier["tier"],
            details={"key": key, "input_per_mtok": tier["input_per_mtok"], "output_per_mtok": tier["output_per_mtok"],
                     "thinking_tokens": thinking, "context_window": tier["context_window"],
                     "price_source": tier["source"], "price_date": tier["date"]},
        )
        option.reasons.append(
            f"${per_request * 1000:.3g} per 1,000 requests (${tier['input_per_mtok']:g} in / "
            f"${tier['output_per_mtok']:g} out per Mtok"
            + (f", {thinking:,} thinking tokens billed as output" if thinking else "") + ")"
        )
        option.reasons.append(f"≈{latency:.1f} s per response at an assumed {speed} tokens/s")
        if request.private:
            option.problems.append("data must stay in-house: a third-party API is ruled out")
        _check_common(option, request, tier["context_window"])
        options.append(option)
    return options


def _serving_plan(cfg, request: PlanRequest, gpu: str) -> dict | None:
    """Fewest GPUs that hold the weights, then the largest batch meeting the latency target."""
    a = _assumptions()
    context = request.input_tokens + request.output_tokens
    spec = catalog.accelerator(gpu)
    weights_gb = count_params(cfg).total * 2 / 1e9
    fewest = max(1, math.ceil(weights_gb / (0.9 * spec["memory_gb"])))
    for gpus in range(fewest, 2 * fewest + 2):
        best = None
        batch = 1
        while batch <= a["max_batch"]:
            bound = throughput(cfg, gpu, gpus, "bf16", context, batch, a["serving_bandwidth_util"], a["serving_mfu"])
            latency = request.input_tokens / bound.prefill_tokens_per_s + \
                request.output_tokens / bound.decode_tokens_per_s_per_sequence
            if not bound.fits or latency > request.latency:
                break
            best = (batch, bound, latency)
            batch *= 2
        if best:
            batch, bound, latency = best
            seconds_per_request = (request.input_tokens / bound.prefill_tokens_per_s
                                   + request.output_tokens / bound.decode_tokens_per_s)
            peak_rps = request.requests_per_day / 86400 * a["peak_to_mean_traffic"]
            replicas = max(1, math.ceil(peak_rps * seconds_per_request))
            return {"gpu": gpu, "gpus_per_replica": gpus, "replicas": replicas, "batch": batch,
                    "latency_s": latency, "decode_tokens_per_s_per_sequence": bound.decode_tokens_per_s_per_sequence,
                    "weights_gb": weights_gb, "memory_needed_gb": bound.memory_needed_gb,
                    "price_per_gpu_hour": spec["price_per_hour"]["default"],
                    "monthly_cost": replicas * gpus * spec["price_per_hour"]["default"] * a["hours_per_month"]}
    return None


def self_hosted_options(request: PlanRequest) -> list[Option]:
    options = []
    for name, entry in catalog.models().items():
        cfg = from_hf(entry["config"])
        counts = count_params(cfg)
        capability = entry["capability"]["class"]
        plans = [p for p in (_serving_plan(cfg, request, gpu) for gpu in request.gpus) if p]
        arch = f"{'MoE ' + str(cfg.num_experts) + ' experts top-' + str(cfg.num_experts_per_tok) if cfg.is_moe else 'dense'}, " \
               f"{cfg.attention_kind}, {human(cfg.max_position_embeddings)} context"
        if not plans:
            option = Option(tier="self-hosted", name=name, monthly_cost=None, latency_s=None, capability=capability,
                            details={"architecture": arch})
            option.problems.append(f"no GPU setup ({', '.join(request.gpus)}) meets the {request.latency:g} s latency target")
            _check_common(option, request, cfg.max_position_embeddings)
            options.append(option)
            continue
        best = min(plans, key=lambda p: p["monthly_cost"])
        option = Option(tier="self-hosted",
                        name=f"{name} on {best['replicas']}×{best['gpus_per_replica']} {best['gpu'].upper()}",
                        monthly_cost=best["monthly_cost"], latency_s=best["latency_s"], capability=capability,
                        details={**best, "model": name, "architecture": arch, "total_params": counts.total,
                                 "active_params": counts.active})
        moe_note = (f", although it decodes like a {human(counts.active_without_embedding)} model"
                    if cfg.is_moe else "")
        option.reasons.append(
            f"{name} needs ≈{best['weights_gb']:.0f} GB for bf16 weights ({human(counts.total)} parameters), so "
            f"{best['gpus_per_replica']} {best['gpu'].upper()} per replica{moe_note}"
        )
        option.reasons.append(
            f"batch {best['batch']} at ≈{best['decode_tokens_per_s_per_sequence']:.0f} tokens/s per sequence gives "
            f"≈{best['latency_s']:.1f} s per response; {best['replicas']} replica(s) cover peak traffic"
        )
        option.reasons.append(
            f"{best['replicas'] * best['gpus_per_replica']} GPU(s) × ${best['price_per_gpu_hour']:.2f}/h × 730 h = "
            f"${best['monthly_cost']:,.0f}/month, whatever the traffic"
        )
        _check_common(option, request, cfg.max_position_embeddings)
        options.append(option)
    return options


def training_option(request: PlanRequest) -> tuple[Option, dict] | None:
    """What the training budget buys, compute-optimally and inference-aware, against Llama-3-8B."""
    if request.training_budget is None:
        return None
    a = _assumptions()
    law = get_law("chinchilla")
    gpu = request.training_gpu
    one_gpu_hour = training_cost(1e18, gpu, mfu=a["training_mfu"])
    flops = request.training_budget / one_gpu_hour.price_per_gpu_hour * 1e18 / one_gpu_hour.gpu_hours
    best = compute_optimal(law, flops)
    lifetime_tokens = (request.requests_per_day * a["days_per_month"] * a["inference_lifetime_months"]
                       * (request.input_tokens + request.output_tokens))
    aware = inference_aware(law, best.loss, lifetime_tokens)
    reference = catalog.historical()["llama-3-8b"]
    reference_loss = float(law.loss(reference["params"], reference["tokens"]))
    training = {"budget": request.training_budget, "flops": flops, "gpu": gpu, "mfu": a["training_mfu"],
                "compute_optimal": best.model_dump(), "inference_aware": aware.model_dump(),
                "lifetime_inference_tokens": lifetime_tokens, "reference": reference["label"],
                "reference_loss": reference_loss}
    model = aware.inference_aware
    option = Option(tier="train", name=f"train a {human(model.params)} model on {human(model.tokens)} tokens",
                    monthly_cost=0.0, latency_s=None, capability="small", details=training)
    option.reasons.append(
        f"${request.training_budget:,.0f} buys {flops:.3g} FLOPs on {gpu.upper()} at MFU {a['training_mfu']}: "
        f"compute-optimal {human(best.params)} parameters on {human(best.tokens)} tokens (predicted loss {best.loss:.3f})"
    )
    option.reasons.append(
        f"with {human(lifetime_tokens)} lifetime inference tokens the inference-aware choice is {human(model.params)} "
        f"on {human(model.tokens)} tokens, {aware.saving_fraction:.0%} less lifetime compute at the same loss"
    )
    if best.loss > reference_loss:
        option.problems.append(
            f"predicted loss {best.loss:.3f} is worse than {reference['label']}'s {reference_loss:.3f} "
            f"(open weights, 15T tokens): fine-tune an open model instead"
        )
    option.problems.append("serving cost comes on top: see the self-hosted rows")
    option.fits = False
    return option, training
