"""Self-hosting each open-weight model at each precision on each GPU, sized by queueing.

For a replica of tp GPUs (a tensor-parallel size an engine accepts, holding all weights and the KV cache), the
engine's expected serving figures (fitted to published measurements) give, at each concurrency b, the latency
of a request and the requests/s the replica completes. The fewest replicas that carry the peak traffic with
every request inside the latency target set the cost; the latency users see at mean and at peak load is the
latency at the concurrency that load needs (Little's law: concurrency = arrival rate × time in the system).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from llmlab import catalog
from llmlab.arch.config import ArchConfig, from_hf
from llmlab.arch.params import count_params
from llmlab.arch.throughput import (
    FITTED_FACTORS,
    ServingFactors,
    figures,
    memory_per_gpu,
    serving_work,
    valid_tensor_parallel,
)
from llmlab.plan.option import Latency, Option
from llmlab.plan.quality import Quality, quality
from llmlab.plan.request import PlanRequest
from llmlab.plan.thinking import thinking_tokens
from llmlab.units import human

KV_PRECISION = "bf16"  # the cache as engines keep it by default; fp8 KV is an engine option, not assumed


@dataclass(frozen=True)
class Point:
    """One concurrency of a replica: its latency per request and the requests/s it completes."""

    batch: int
    latency_s: float
    requests_per_s: float


@dataclass(frozen=True)
class Setup:
    """One replica shape and how many of it the traffic needs."""

    gpu: str
    tp: int
    precision: str
    replicas: int
    points: tuple[Point, ...]
    weights_gb: float

    def latency_at(self, requests_per_s: float) -> float:
        """The latency at the least concurrency that carries ``requests_per_s`` on each replica."""
        per_replica = requests_per_s / self.replicas
        return next((p.latency_s for p in self.points if p.requests_per_s >= per_replica), self.points[-1].latency_s)

    def monthly_cost(self, price_per_gpu_hour: float) -> float:
        return self.replicas * self.tp * price_per_gpu_hour * catalog.planning()["assumptions"]["hours_per_month"]


@lru_cache(maxsize=8192)  # the robustness check re-prices the same curves
def curve(cfg: ArchConfig, gpu: str, tp: int, precision: str, input_tokens: int, output: int, target_s: float,
          factors: ServingFactors) -> tuple[Point, ...]:
    """Concurrencies 1, 2, 4, … while the weights and every sequence's cache fit and latency meets the target."""
    a = catalog.planning()["assumptions"]
    context = input_tokens + output
    points = []
    batch = 1
    while batch <= a["max_batch"]:
        memory = memory_per_gpu(cfg, gpu, tp, precision, KV_PRECISION, batch, context)
        if memory.total_gb > memory.available_gb:
            break
        served = figures(serving_work(cfg, gpu, tp, precision, KV_PRECISION, batch, input_tokens, output), factors)
        latency = served.ttft_s + output * served.time_per_output_token_s
        if latency > target_s:
            break
        points.append(Point(batch, latency, served.output_tokens_per_s / output))
        batch *= 2
    return tuple(points)


def best_setup(cfg: ArchConfig, gpu: str, precision: str, request: PlanRequest, output: int,
               factors: ServingFactors = FITTED_FACTORS) -> Setup | None:
    """The cheapest replica shape on ``gpu`` at ``precision`` (the two smallest TP sizes that hold the model)."""
    context = request.input_tokens + output
    setups = []
    for tp in [tp for tp in valid_tensor_parallel(cfg, gpu)
               if memory_per_gpu(cfg, gpu, tp, precision, KV_PRECISION, 1, context).total_gb
               <= catalog.accelerator(gpu)["memory_gb"]][:2]:
        points = curve(cfg, gpu, tp, precision, request.input_tokens, output, request.latency, factors)
        if points:
            replicas = max(1, math.ceil(request.peak_requests_per_s / points[-1].requests_per_s))
            weights = memory_per_gpu(cfg, gpu, tp, precision, KV_PRECISION, 1, context).weights_gb * tp
            setups.append(Setup(gpu, tp, precision, replicas, points, weights))
    return min(setups, key=lambda s: (s.replicas * s.tp, s.points[0].latency_s), default=None)


def precisions_for(entry: dict[str, Any], request: PlanRequest) -> list[str]:
    """The weight precisions people serve the model at: the one it ships in, bf16, fp8 and int4."""
    if request.precision:
        return [request.precision]
    native = entry.get("native_precision", "bf16")
    return list(dict.fromkeys([native, "bf16", "fp8", "int4"]))


def price(gpu: str, statistic: str = "default") -> float:
    return float(catalog.accelerator(gpu)["price_per_hour"][statistic])


def self_hosted_options(request: PlanRequest, factors: ServingFactors = FITTED_FACTORS,
                        price_statistic: str = "default") -> list[Option]:
    """One option per model and precision: its cheapest GPU setup (GPUs priced at ``price_statistic`` of their
    ranges: "default", "low" or "high"), or one option saying none works."""
    mean_rps = request.requests_per_day / 86_400
    options = []
    for name, entry in catalog.models().items():
        cfg = from_hf(entry["config"])
        reasoning = entry.get("reasoning", "none")
        thinking = thinking_tokens(reasoning, request.use_case)
        output = request.output_tokens + thinking
        score = quality(name, request.use_case)
        found = False
        for precision in precisions_for(entry, request):
            setups = [s for s in (best_setup(cfg, gpu, precision, request, output, factors) for gpu in request.gpus)
                      if s]
            if not setups:
                continue
            found = True
            best = min(setups, key=lambda s: s.monthly_cost(price(s.gpu, price_statistic)))
            options.append(_option(name, entry, cfg, best, request, thinking, score, mean_rps, price_statistic))
        if not found:
            option = Option(key=name, tier="self-hosted", name=name, quality=score, thinking_tokens=thinking,
                            monthly_cost=None, latency_s=None)
            option.problems.append(
                f"no setup on {', '.join(request.gpus)} at {', '.join(precisions_for(entry, request))} serves "
                f"{request.input_tokens:,} + {output:,} tokens within {request.latency:g} s")
            option.check(cfg.max_position_embeddings, request)
            options.append(option)
    return options


def _option(name: str, entry: dict[str, Any], cfg: ArchConfig, setup: Setup, request: PlanRequest, thinking: int,
            score: Quality | None, mean_rps: float, price_statistic: str) -> Option:
    precision_entry = catalog.precision(setup.precision)
    native = setup.precision == entry.get("native_precision", "bf16")
    peak_latency = setup.latency_at(request.peak_requests_per_s)
    hourly = price(setup.gpu, price_statistic)
    cost = setup.monthly_cost(hourly)
    gpu_label = setup.gpu.upper()
    option = Option(
        key=f"{name}@{setup.precision}", tier="self-hosted",
        name=f"{name} {setup.precision} on {setup.replicas} × {setup.tp} {gpu_label}",
        quality=score, thinking_tokens=thinking, precision=setup.precision, tensor_parallel=setup.tp,
        replicas=setup.replicas, monthly_cost=cost,
        latency_s=Latency(mean=setup.latency_at(mean_rps), peak=peak_latency),
        details={"model": name, "gpu": setup.gpu, "gpus_per_replica": setup.tp, "native_precision": native,
                 "weights_gb": setup.weights_gb, "max_concurrency_per_replica": setup.points[-1].batch,
                 "requests_per_s_per_replica": setup.points[-1].requests_per_s,
                 "price_per_gpu_hour": {key: price(setup.gpu, key) for key in ("low", "default", "high")},
                 "precision_quality": precision_entry["quality"]},
    )
    moe = f"; decodes like a {human(count_params(cfg).active_without_embedding)} model" if cfg.is_moe else ""
    option.reasons.append(
        f"{setup.replicas} replica(s), each {setup.tp} {gpu_label} in tensor parallel holding "
        f"{setup.weights_gb:.0f} GB of {setup.precision} weights{' (as shipped)' if native else ''}{moe}")
    option.reasons.append(
        f"{setup.points[-1].requests_per_s:.2g} requests/s per replica at up to {setup.points[-1].batch} concurrent; "
        f"≈{peak_latency:.1f} s per response at peak" + (f" ({thinking:,} thinking tokens)" if thinking else ""))
    option.reasons.append(
        f"{setup.replicas * setup.tp} GPU(s) × ${hourly:.2f}/h × "
        f"{catalog.planning()['assumptions']['hours_per_month']} h = ${cost:,.0f}/month, whatever the traffic")
    if not native:
        option.reasons.append(f"quality at {setup.precision}: {precision_entry['quality']}")
    option.check(cfg.max_position_embeddings, request)
    return option
