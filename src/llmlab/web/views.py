"""What each lab page shows, as typed views over the engine: one input model and one result per view.

The numbers all come from engine functions; this module only gathers them for a page. Views are pure
functions of their (frozen, hashable) input, so the costly ones are cached.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from pydantic import Field

from llmlab import catalog
from llmlab.arch.config import from_hf
from llmlab.arch.flops import flops_per_token
from llmlab.arch.memory import kv_bytes_per_token, kv_cache_bytes, kv_cache_bytes_if_all_full, weights_bytes
from llmlab.arch.params import ParamCount, count_params
from llmlab.arch.patterns import KINDS, AttentionPattern
from llmlab.arch.throughput import throughput
from llmlab.laws.allocation import Allocation, InferenceAwarePlan, compute_optimal, inference_aware, isoflop_curve
from llmlab.laws.compute import training_flops
from llmlab.laws.cost import RunCost, training_cost
from llmlab.laws.emergence import EmergenceCurves, emergence_curves
from llmlab.laws.fitter import loss_interval
from llmlab.laws.parametric import extrapolation_warnings, get_law
from llmlab.plan.request import OPTIONS, SERVED_PRECISIONS
from llmlab.schema import (
    CHINCHILLA_FITS,
    FITS,
    GPUS,
    MODELS,
    MOE_MODELS,
    USE_CASES,
    Amount,
    CatalogChoice,
    ChinchillaFitName,
    ContextLength,
    Count,
    FitName,
    Fraction,
    GpuName,
    Input,
    ModelName,
    NonNegativeCount,
    Result,
    Seed,
)
from llmlab.web.frontier import ModelSummary, frontier_table, model_summary
from llmlab.web.routing import Routing, route

MASK_CELLS = 64
KV_CONTEXTS = (4096, 8192, 32768, 131072, 262144, 1048576)
FIT = Field("chinchilla", description="published fit")
GPU = Field("h100", description="accelerator")


class Choice(Result):
    value: str
    label: str


class Choices(Result):
    """Every choice list the pages offer, read from the catalog so a new entry appears everywhere."""

    gpus: list[Choice]
    fits: list[Choice]
    chinchilla_fits: list[Choice]
    models: list[Choice]
    moe_models: list[Choice]
    use_cases: list[Choice]
    plan_options: list[Choice]
    precisions: list[Choice]
    attention_patterns: list[str]


def choices() -> Choices:
    def listed(choice: CatalogChoice) -> list[Choice]:
        return [Choice(value=key, label=label) for key, label in choice.labelled()]

    return Choices(gpus=listed(GPUS), fits=listed(FITS), chinchilla_fits=listed(CHINCHILLA_FITS),
                   models=listed(MODELS), moe_models=listed(MOE_MODELS), use_cases=listed(USE_CASES),
                   plan_options=listed(OPTIONS), precisions=listed(SERVED_PRECISIONS),
                   attention_patterns=list(KINDS))


# ------------------------------------------------------------------ scaling laws

class ScalingInput(Input):
    log_n: float = Field(10.0, ge=6, le=14, description="log10 of parameters")
    log_d: float = Field(11.5, ge=8, le=15, description="log10 of training tokens")
    fit: FitName = FIT
    gpu: GpuName = GPU
    gpus: Count = Field(1024, le=100_000)
    mfu: Fraction | None = Field(None, description="training MFU (default: what published runs of this size reached)")
    price: float | None = Field(None, ge=0, le=1000, description="$/GPU-hour (default: the catalog's)")
    inference_tokens: Amount = Field(0.0, le=1e17, description="lifetime inference tokens")


class ScalingView(Result):
    params: float
    tokens: float
    fit: str
    loss: float
    flops: float
    tokens_per_param: float
    losses: dict[str, float]
    loss_data: dict[str, str] = Field(description="the text and tokenizer each fit's loss is measured on")
    loss_scale_note: str
    epoch_band: list[float] = Field(description="95% interval of Epoch's predicted loss over bootstrap refits")
    optimum: Allocation
    cost: RunCost
    params_convention: str
    warnings: list[str]
    inference_aware: InferenceAwarePlan | None = None


LOSS_SCALE_NOTE = ("losses are only comparable between fits measured on the same text and tokenizer: Kaplan et "
                   "al.'s are on WebText2 with GPT-2's tokenizer and count non-embedding parameters, so their level "
                   "is not on the scale of the MassiveText fits (Chinchilla, Epoch); compare shapes, not values")


def loss_data() -> dict[str, str]:
    return {name: entry["loss_data"] for name, entry in catalog.fits().items()}


def epoch_band(params: ArrayLike, tokens: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The 95% interval of the loss Epoch's fit predicts, over bootstrap refits of its 240 points."""
    return loss_interval(catalog.fit_bootstrap("epoch2024")["samples"], params, tokens)


def scaling(request: ScalingInput) -> ScalingView:
    params, tokens = 10.0**request.log_n, 10.0**request.log_d
    law = get_law(request.fit)
    flops = training_flops(params, tokens)
    loss = float(law.loss(params, tokens))
    aware = inference_aware(law, loss, request.inference_tokens) if request.inference_tokens > 0 else None
    return ScalingView(
        params=params, tokens=tokens, fit=request.fit, loss=loss, flops=flops, tokens_per_param=tokens / params,
        losses={name: float(get_law(name).loss(params, tokens)) for name in catalog.fits()},
        epoch_band=[float(bound) for bound in epoch_band(params, tokens)], optimum=compute_optimal(law, flops),
        cost=training_cost(flops, request.gpu, request.gpus, request.mfu, request.price, params=params),
        loss_data=loss_data(), loss_scale_note=LOSS_SCALE_NOTE,
        params_convention=law.params_convention, inference_aware=aware,
        warnings=extrapolation_warnings(law, params, tokens),
    )


class IsoflopChartInput(Input):
    fit: FitName = FIT


class IsoflopCurve(Result):
    flops: float
    params: list[float]
    loss: list[float]


class IsoflopChart(Result):
    fit: str
    curves: list[IsoflopCurve]
    frontier: list[Allocation]
    landmarks: list[dict[str, Any]]
    source: str
    params_convention: str


@lru_cache(maxsize=32)
def isoflop_chart(request: IsoflopChartInput) -> IsoflopChart:
    """Iso-FLOP curves at 1e18..1e26, the compute-optimal frontier and landmark runs for one fit."""
    law = get_law(request.fit)
    curves = []
    for flops in (10.0**e for e in range(18, 27)):
        sizes = compute_optimal(law, flops).params * np.logspace(-1.2, 1.2, 41)
        curves.append(IsoflopCurve(flops=flops, params=sizes.tolist(), loss=isoflop_curve(law, flops, sizes).tolist()))
    landmarks = [{**entry, "key": key, "loss": float(law.loss(entry["params"], entry["tokens"])),
                  "flops": training_flops(entry["params"], entry["tokens"])}
                 for key, entry in catalog.historical().items()]
    return IsoflopChart(fit=request.fit, curves=curves,
                        frontier=[compute_optimal(law, 10.0**e) for e in np.arange(17, 27.01, 0.25)],
                        landmarks=landmarks, source=law.source, params_convention=law.params_convention)


class CompareInput(Input):
    tokens_per_param: float = Field(20.0, ge=0.1, le=1e6, description="D / N along the comparison")


class CompareView(Result):
    params: list[float]
    tokens_per_param: float
    losses: dict[str, list[float]]
    loss_data: dict[str, str]
    loss_scale_note: str
    epoch_low: list[float]
    epoch_high: list[float]


@lru_cache(maxsize=64)
def compare(request: CompareInput) -> CompareView:
    """Each fit's loss along D = r·N, with the envelope of Epoch AI's intervals."""
    sizes = np.logspace(7, 13, 49)
    tokens = request.tokens_per_param * sizes
    low, high = epoch_band(sizes, tokens)
    return CompareView(params=sizes.tolist(), tokens_per_param=request.tokens_per_param,
                       losses={name: get_law(name).loss(sizes, tokens).tolist() for name in catalog.fits()},
                       loss_data=loss_data(), loss_scale_note=LOSS_SCALE_NOTE,
                       epoch_low=low.tolist(), epoch_high=high.tolist())


class EmergenceInput(Input):
    k: Count = Field(10, le=100, description="answer length in tokens")
    fit: ChinchillaFitName = FIT


def emergence(request: EmergenceInput) -> EmergenceCurves:
    return emergence_curves(get_law(request.fit), request.k, np.logspace(7, 13, 61))


# ------------------------------------------------------------------ MoE

class MoeModelInput(Input):
    model: ModelName = Field("mixtral-8x7b", description="catalog model")
    gpu: GpuName = GPU


class MoeCard(ParamCount):
    summary: ModelSummary
    memory_gb_bf16: float
    active_gb_bf16: float
    decode_tokens_per_s: float
    gpus: int
    gpu: str
    is_moe: bool


def moe_card(request: MoeModelInput) -> MoeCard:
    """Total vs active parameters, the memory all experts need and the speed the active ones allow."""
    cfg = from_hf(catalog.model(request.model)["config"])
    summary = model_summary(request.model, request.gpu)
    speed = throughput(cfg, request.gpu, summary.gpus_for_bf16, "bf16", 4096)
    return MoeCard(**count_params(cfg).model_dump(include=set(ParamCount.model_fields)), summary=summary,
                   memory_gb_bf16=weights_bytes(cfg, "bf16") / 1e9,
                   active_gb_bf16=weights_bytes(cfg, "bf16", active_only=True) / 1e9,
                   decode_tokens_per_s=speed.decode_tokens_per_s, gpus=summary.gpus_for_bf16,
                   gpu=request.gpu, is_moe=cfg.is_moe)


class RouteInput(Input):
    text: str = Field(min_length=1, max_length=500, description="words to route")
    k: Count = Field(2, le=8, description="experts per word")
    seed: Seed = 0


def moe_route(request: RouteInput) -> Routing:
    return route(request.text, request.k, request.seed)


# ------------------------------------------------------------------ attention and KV cache

class AttentionInput(Input):
    pattern: Literal[KINDS] = "sliding"  # type: ignore[valid-type]
    n: ContextLength = Field(32, le=1_048_576, description="sequence length")
    window: NonNegativeCount = Field(8, le=1_048_576)
    stride: NonNegativeCount = Field(8, le=1_048_576)
    n_global: NonNegativeCount = Field(2, le=1_048_576)
    model: ModelName = Field("llama-3.1-8b", description="model whose FLOPs are shown")


class MaskPicture(Result):
    kind: Literal["cells", "density"]
    size: int
    cells: list[list[float]]
    note: str | None = None


class AttentionView(Result):
    pattern: str
    n: int
    window: int
    stride: int
    n_global: int
    mask: MaskPicture
    pairs: int
    causal_pairs: int
    full_pairs: int
    fraction_of_causal: float
    mean_keys_per_query: float
    model: str
    attention_flops_per_token: float
    causal_attention_flops_per_token: float
    flops_per_token: float
    causal_flops_per_token: float
    complexity: str


COMPLEXITY = {"causal": "O(n²)", "sliding": "O(n·w)", "strided": "O(n·(s + n/s))", "global_local": "O(n·(w + g))"}


@lru_cache(maxsize=256)
def attention(request: AttentionInput) -> AttentionView:
    """The mask (cells, or a density picture for long sequences), pairs attended and FLOPs per token."""
    kind, n = request.pattern, request.n
    shape = AttentionPattern(kind, window=request.window if kind in ("sliding", "global_local") else 0,
                             stride=request.stride if kind == "strided" else 0,
                             n_global=request.n_global if kind == "global_local" else 0)
    if n <= MASK_CELLS:
        picture = MaskPicture(kind="cells", size=n, cells=shape.mask(n).astype(int).tolist())
    else:
        picture = MaskPicture(kind="density", size=MASK_CELLS, cells=shape.density(n, MASK_CELLS).round(4).tolist(),
                              note="each cell: share of sampled query/key pairs attended")
    cfg = from_hf(catalog.model(request.model)["config"])
    pairs, causal_pairs = shape.pairs(n), n * (n + 1) // 2
    chosen = flops_per_token(cfg, n, shape)
    full = flops_per_token(cfg, n, AttentionPattern("causal"))
    return AttentionView(
        pattern=kind, n=n, window=shape.window, stride=shape.stride, n_global=shape.n_global, mask=picture,
        pairs=pairs, causal_pairs=causal_pairs, full_pairs=n * n, fraction_of_causal=pairs / causal_pairs,
        mean_keys_per_query=pairs / n, model=request.model, attention_flops_per_token=chosen.attention,
        causal_attention_flops_per_token=full.attention, flops_per_token=chosen.forward,
        causal_flops_per_token=full.forward, complexity=COMPLEXITY[kind],
    )


class KvInput(Input):
    model: ModelName = Field("gpt-oss-20b", description="catalog model")
    batch: Count = Field(1, le=4096)
    dtype: Literal["fp32", "bf16", "fp8"] = "bf16"


class KvRow(Result):
    context: int
    bytes: float
    naive_bytes: float


class KvView(Result):
    model: str
    attention: str
    batch: int
    dtype: str
    kv_bytes_per_token: float
    max_context: int
    sliding_layers: int
    sliding_window: int | None
    weights_gb: float
    contexts: list[KvRow]


def kv(request: KvInput) -> KvView:
    """KV-cache bytes across contexts, with sliding layers capped, beside the every-layer-full figure."""
    cfg = from_hf(catalog.model(request.model)["config"])
    batch, dtype = request.batch, request.dtype
    return KvView(
        model=request.model, attention=cfg.attention_kind, batch=batch, dtype=dtype,
        kv_bytes_per_token=kv_bytes_per_token(cfg, dtype), max_context=cfg.max_position_embeddings,
        sliding_layers=cfg.layer_types.count("sliding_attention"), sliding_window=cfg.sliding_window,
        weights_gb=weights_bytes(cfg, "bf16") / 1e9,
        contexts=[KvRow(context=c, bytes=kv_cache_bytes(cfg, c, batch, dtype),
                        naive_bytes=kv_cache_bytes_if_all_full(cfg, c, batch, dtype)) for c in KV_CONTEXTS],
    )


# ------------------------------------------------------------------ frontier

class FrontierInput(Input):
    gpu: GpuName = GPU
    context: ContextLength = Field(4096, le=1_048_576)


class FrontierView(Result):
    gpu: str
    context: int
    rows: list[ModelSummary]
    note: str


@lru_cache(maxsize=64)
def frontier(request: FrontierInput) -> FrontierView:
    return FrontierView(gpu=request.gpu, context=request.context, rows=frontier_table(request.gpu, request.context),
                        note=f"decode bound at batch 1 over the fewest {request.gpu.upper()}s holding the bf16 "
                             "weights (ideal tensor parallelism, 100% bandwidth)")
