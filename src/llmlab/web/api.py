"""The JSON API: thin, validated wrappers over the engine. Bad parameters answer 422 with a message."""

from __future__ import annotations

import itertools
import math
from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from llmlab import catalog
from llmlab.arch.config import from_hf
from llmlab.arch.flops import flops_per_token
from llmlab.arch.memory import kv_bytes_per_token, kv_cache_bytes, weights_bytes
from llmlab.arch.params import count_params
from llmlab.arch.patterns import AttentionPattern
from llmlab.arch.routing import route
from llmlab.arch.summary import frontier_table, model_summary
from llmlab.arch.throughput import throughput
from llmlab.errors import LlmlabError
from llmlab.laws.allocation import compute_optimal, inference_aware, isoflop_curve
from llmlab.laws.compute import training_flops
from llmlab.laws.cost import training_cost
from llmlab.laws.emergence import emergence_curves
from llmlab.laws.fitter import fit_runs
from llmlab.laws.parametric import ChinchillaLaw, get_law
from llmlab.laws.runs import parse_runs
from llmlab.plan.planner import plan
from llmlab.plan.request import PlanRequest
from llmlab.plan.reasoning import reasoning_projection
from llmlab.train.runs import default_runs_dir
from llmlab.web.reasoner import Reasoner

router = APIRouter(prefix="/api")

FitName = Literal["chinchilla", "chinchilla-rounded", "epoch2024", "kaplan2020"]
GpuName = Literal["h100", "h200", "a100", "b200", "l4", "mi300x"]
ModelName = Literal[tuple(catalog.models())]  # type: ignore[valid-type]
Effort = Literal["none", "low", "medium", "high"]
MASK_CELLS = 64
DENSITY_SAMPLES = 8
KV_CONTEXTS = [4096, 8192, 32768, 131072, 262144, 1048576]


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


@router.get("/health")
def health() -> dict:
    return {"ok": True}


@router.get("/catalog/{table}")
def catalog_table(table: Literal["models", "gpus", "fits", "apis", "historical"]) -> dict:
    return {"models": catalog.models, "gpus": catalog.accelerators, "fits": catalog.fits,
            "apis": catalog.api_tiers, "historical": catalog.historical}[table]()


# ------------------------------------------------------------------ scaling laws

def _epoch_band(params: float, tokens: float) -> list[float]:
    """Envelope of the loss over the corners of Epoch's 95% marginal intervals (ignores correlations)."""
    intervals = catalog.fit("epoch2024")["intervals95"]
    corners = itertools.product(*(intervals[k] for k in ("E", "A", "B", "alpha", "beta")))
    losses = [float(ChinchillaLaw(*corner).loss(params, tokens)) for corner in corners]
    return [min(losses), max(losses)]


@router.get("/scaling")
async def scaling(
    log_n: Annotated[float, Query(ge=6, le=14)] = 10.0,
    log_d: Annotated[float, Query(ge=8, le=15)] = 11.5,
    fit: FitName = "chinchilla",
    gpu: GpuName = "h100",
    gpus: Annotated[int, Query(ge=1, le=100_000)] = 1024,
    mfu: Annotated[float, Query(gt=0, le=1)] = 0.4,
    price: Annotated[float | None, Query(ge=0, le=1000)] = None,
    inference_tokens: Annotated[float, Query(ge=0, le=1e17)] = 0.0,
) -> dict:
    params, tokens = 10.0**log_n, 10.0**log_d
    law = get_law(fit)
    flops = training_flops(params, tokens)
    loss = float(law.loss(params, tokens))
    optimum = compute_optimal(law, flops)
    result = {
        "params": params, "tokens": tokens, "fit": fit, "loss": loss, "flops": flops,
        "tokens_per_param": tokens / params,
        "losses": {name: float(get_law(name).loss(params, tokens)) for name in catalog.fits()},
        "epoch_band": _epoch_band(params, tokens),
        "optimum": optimum.as_dict(),
        "cost": training_cost(flops, gpu, gpus, mfu, price).as_dict(),
        "params_convention": law.params_convention,
    }
    if inference_tokens > 0:
        result["inference_aware"] = inference_aware(law, loss, inference_tokens).as_dict()
    return result


@router.get("/isoflop")
def isoflop(fit: FitName = "chinchilla") -> dict:
    law = get_law(fit)
    budgets = [10.0**e for e in range(18, 27)]
    curves = []
    for flops in budgets:
        best = compute_optimal(law, flops)
        sizes = best.params * np.logspace(-1.2, 1.2, 41)
        curves.append({"flops": flops, "params": sizes.tolist(), "loss": isoflop_curve(law, flops, sizes).tolist()})
    frontier = [compute_optimal(law, 10.0**e).as_dict() for e in np.arange(17, 27.01, 0.25)]
    landmarks = [{**entry, "key": key, "loss": float(law.loss(entry["params"], entry["tokens"])),
                  "flops": training_flops(entry["params"], entry["tokens"])}
                 for key, entry in catalog.historical().items()]
    return {"fit": fit, "curves": curves, "frontier": frontier, "landmarks": landmarks,
            "source": law.source, "params_convention": law.params_convention}


@router.get("/compare")
def compare(tokens_per_param: Annotated[float, Query(gt=0, le=1e6)] = 20.0) -> dict:
    """Each fit's loss along D = r·N, with the envelope of Epoch AI's intervals."""
    sizes = np.logspace(7, 13, 49)
    tokens = tokens_per_param * sizes
    bands = [_epoch_band(n, d) for n, d in zip(sizes, tokens)]
    return {"params": sizes.tolist(), "tokens_per_param": tokens_per_param,
            "losses": {name: get_law(name).loss(sizes, tokens).tolist() for name in catalog.fits()},
            "epoch_low": [b[0] for b in bands], "epoch_high": [b[1] for b in bands]}


class CsvUpload(BaseModel):
    model_config = ConfigDict(extra="forbid")
    csv: str
    bootstrap: int = 0
    drop_highest: int | None = None


@router.post("/fit")
def fit_upload(upload: CsvUpload) -> dict:
    if not 0 <= upload.bootstrap <= 500:
        raise LlmlabError("bootstrap must be between 0 and 500 in the lab")
    runs = parse_runs(upload.csv, "the uploaded CSV")
    drop = runs.default_drop if upload.drop_highest is None else upload.drop_highest
    if drop:
        runs = runs.without_highest_losses(drop)
    fit = fit_runs(runs, bootstrap=upload.bootstrap)
    return {**fit.as_dict(), "dropped_highest_losses": drop,
            "runs": {"params": runs.params.tolist(), "tokens": runs.tokens.tolist(), "loss": runs.loss.tolist(),
                     "predicted": fit.law.loss(runs.params, runs.tokens).tolist()}}


# ------------------------------------------------------------------ MoE

@router.get("/moe/route")
def moe_route(
    text: Annotated[str, Query(min_length=1, max_length=500)],
    k: Annotated[int, Query(ge=1, le=8)] = 2,
    seed: Annotated[int, Query(ge=0, le=2**31)] = 0,
) -> dict:
    return route(text, k, seed)


@router.get("/moe/model")
def moe_model(model: ModelName = "mixtral-8x7b", gpu: GpuName = "h100") -> dict:
    cfg = from_hf(catalog.model(model)["config"])
    counts = count_params(cfg)
    summary = model_summary(model, gpu)
    dense_equivalent = throughput(cfg, gpu, summary["gpus_for_bf16"], "bf16", 4096)
    return {**counts.as_dict(), "summary": summary,
            "memory_gb_bf16": weights_bytes(cfg, "bf16") / 1e9,
            "active_gb_bf16": weights_bytes(cfg, "bf16", active_only=True) / 1e9,
            "decode_tokens_per_s": dense_equivalent.decode_tokens_per_s,
            "gpus": summary["gpus_for_bf16"], "gpu": gpu, "is_moe": cfg.is_moe}


# ------------------------------------------------------------------ attention and KV cache

@router.get("/attention")
def attention(
    pattern: Literal["causal", "sliding", "strided", "global_local"] = "sliding",
    n: Annotated[int, Query(ge=1, le=1_048_576)] = 32,
    window: Annotated[int, Query(ge=0, le=1_048_576)] = 8,
    stride: Annotated[int, Query(ge=0, le=1_048_576)] = 8,
    n_global: Annotated[int, Query(ge=0, le=1_048_576)] = 2,
    model: ModelName = "llama-3.1-8b",
) -> dict:
    shape = AttentionPattern(pattern, window=window if pattern in ("sliding", "global_local") else 0,
                             stride=stride if pattern == "strided" else 0,
                             n_global=n_global if pattern == "global_local" else 0)
    if n <= MASK_CELLS:
        picture = {"kind": "cells", "size": n, "cells": shape.mask(n).astype(int).tolist()}
    else:
        samples = MASK_CELLS * DENSITY_SAMPLES
        positions = np.linspace(0, n - 1, samples).round().astype(np.int64)
        visible = shape.visible(positions[:, None], positions[None, :]).astype(float)
        density = visible.reshape(MASK_CELLS, DENSITY_SAMPLES, MASK_CELLS, DENSITY_SAMPLES).mean(axis=(1, 3))
        picture = {"kind": "density", "size": MASK_CELLS, "cells": density.round(4).tolist(),
                   "note": f"each cell: share of {DENSITY_SAMPLES}×{DENSITY_SAMPLES} sampled query/key pairs attended"}
    cfg = from_hf(catalog.model(model)["config"])
    pairs, causal_pairs = shape.pairs(n), n * (n + 1) // 2
    chosen = flops_per_token(cfg, n, shape)
    full = flops_per_token(cfg, n, AttentionPattern("causal"))
    return {
        "pattern": pattern, "n": n, "window": shape.window, "stride": shape.stride, "n_global": shape.n_global,
        "mask": picture, "pairs": pairs, "causal_pairs": causal_pairs, "full_pairs": n * n,
        "fraction_of_causal": pairs / causal_pairs, "mean_keys_per_query": pairs / n,
        "model": model, "attention_flops_per_token": chosen.attention,
        "causal_attention_flops_per_token": full.attention,
        "flops_per_token": chosen.forward, "causal_flops_per_token": full.forward,
        "complexity": {"causal": "O(n²)", "sliding": "O(n·w)", "strided": "O(n·(s + n/s))",
                       "global_local": "O(n·(w + g))"}[pattern],
    }


@router.get("/kv")
def kv(model: ModelName = "gpt-oss-20b", batch: Annotated[int, Query(ge=1, le=4096)] = 1,
       dtype: Literal["fp32", "bf16", "fp8"] = "bf16") -> dict:
    cfg = from_hf(catalog.model(model)["config"])
    per_token = kv_bytes_per_token(cfg, dtype)
    return {
        "model": model, "attention": cfg.attention_kind, "batch": batch, "dtype": dtype,
        "kv_bytes_per_token": per_token, "max_context": cfg.max_position_embeddings,
        "sliding_layers": cfg.layer_types.count("sliding_attention"), "sliding_window": cfg.sliding_window,
        "weights_gb": weights_bytes(cfg, "bf16") / 1e9,
        "contexts": [{"context": c, "bytes": kv_cache_bytes(cfg, c, batch, dtype),
                      "naive_bytes": per_token * c * batch} for c in KV_CONTEXTS],
    }


# ------------------------------------------------------------------ planner, reasoning, emergence, frontier

class PlanBody(BaseModel):
    """The planner's inputs, as in ``PlanRequest``; unknown fields are rejected."""

    model_config = ConfigDict(extra="forbid")
    use_case: Literal["chat", "coding-agent", "rag", "batch-extraction", "long-document", "math-reasoning"] = "chat"
    requests_per_day: float = Field(1000.0, gt=0, le=1e12)
    input_tokens: int = Field(500, gt=0, le=10_000_000)
    output_tokens: int = Field(300, gt=0, le=1_000_000)
    latency_s: float = Field(10.0, gt=0, le=86_400)
    context_tokens: int = Field(8192, gt=0, le=10_000_000)
    private: bool = False
    monthly_budget: float | None = Field(None, gt=0)
    training_budget: float | None = Field(None, gt=0, le=1e12)
    gpu: Literal["any", "h100", "h200", "a100", "b200", "l4", "mi300x"] = "any"


@router.post("/plan")
def plan_endpoint(body: PlanBody) -> dict:
    result = plan(PlanRequest(**body.model_dump())).as_dict()
    for option in result["options"]:
        option["monthly_cost"] = _finite(option["monthly_cost"])
        option["latency_s"] = _finite(option["latency_s"])
    return result


REASONER = Reasoner(default_runs_dir())


@router.get("/reasoning/model")
def reasoning_model() -> dict:
    return REASONER.status()


@router.post("/reasoning/train")
def reasoning_train() -> dict:
    return REASONER.start_training()


@router.get("/reasoning/solve")
def reasoning_solve(question: Annotated[str, Query(min_length=1, max_length=400)], effort: Effort = "medium") -> dict:
    from llmlab.infer.reasoning import solve
    from llmlab.infer.tasks import parse

    parse(question)  # outside the task family: a 422 before any model is loaded
    model, tokenizer = REASONER.model()
    return solve(model, tokenizer, question, effort).as_dict()


@router.get("/reasoning/projection")
def reasoning(effort: Effort = "medium") -> dict:
    return reasoning_projection(effort)


@router.get("/emergence")
def emergence(k: Annotated[int, Query(ge=1, le=100)] = 10,
              fit: Literal["chinchilla", "chinchilla-rounded", "epoch2024"] = "chinchilla") -> dict:
    return emergence_curves(get_law(fit), k, np.logspace(7, 13, 61))


@router.get("/frontier")
def frontier(gpu: GpuName = "h100", context: Annotated[int, Query(ge=1, le=1_048_576)] = 4096) -> dict:
    return {"gpu": gpu, "context": context, "rows": frontier_table(gpu, context),
            "note": f"decode bound at batch 1 over the fewest {gpu.upper()}s holding the bf16 weights "
                    "(ideal tensor parallelism, 100% bandwidth)"}
