"""The architecture features as typed requests: what the CLI's ``params``, ``flops``, ``memory``
and ``throughput`` commands and the lab's API call.

A model is named from the catalog or given as a Hugging Face ``config.json`` object; the CLI also
accepts a path to one (its adapter reads the file), the API never reads the server's files.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from llmlab import catalog
from llmlab.arch.config import ArchConfig, check_context, from_hf
from llmlab.arch.flops import FlopsPerToken, flops_per_token
from llmlab.arch.memory import InferenceMemory, TrainingMemory, inference_memory, training_memory
from llmlab.arch.params import ParamCount, count_params
from llmlab.arch.patterns import KINDS, AttentionPattern
from llmlab.arch.throughput import FITTED_FACTORS, ServingEstimate, serving_estimate
from llmlab.schema import CatalogChoice, ContextLength, Count, Fraction, GpuName, Input, NonNegativeCount, Positional

# 2^27 tokens is past every published context window (10M); beyond it the numbers mean nothing.
MAX_CONTEXT = 2**27
Dtype = Literal["fp32", "bf16", "fp16", "fp8", "int8", "int4"]
ConfigSource = str | dict[str, Any]
CONFIG = Field(json_schema_extra=Positional,
               description="a catalog model (see 'llmlab catalog models') or a path to a config.json")
CONTEXT = Field(4096, le=MAX_CONTEXT, description="context length in tokens")


def resolve(config: ConfigSource) -> tuple[ArchConfig, str]:
    """A validated architecture and its display name, from a catalog name or a config object."""
    if isinstance(config, dict):
        return from_hf(config), str(config.get("_name_or_path") or config.get("model_type"))
    return from_hf(catalog.model(config)["config"]), config.strip().lower()


class ParamsInput(Input):
    config: ConfigSource = CONFIG


class ParamsResult(ParamCount):
    model: str
    model_type: str


def params(request: ParamsInput) -> ParamsResult:
    """Total and active parameters with a breakdown."""
    cfg, name = resolve(request.config)
    return ParamsResult(**count_params(cfg).model_dump(include=set(ParamCount.model_fields)), model=name,
                        model_type=cfg.model_type)


class FlopsInput(Input):
    config: ConfigSource = CONFIG
    context: ContextLength = CONTEXT
    pattern: Literal[KINDS] | None = Field(None, description="override every layer's attention pattern")  # type: ignore[valid-type]
    window: NonNegativeCount = Field(0, le=MAX_CONTEXT, description="sliding / local window in tokens")
    stride: NonNegativeCount = Field(0, le=MAX_CONTEXT, description="strided pattern's stride")
    n_global: NonNegativeCount = Field(0, le=MAX_CONTEXT, description="global prefix tokens (global_local)")


class FlopsResult(FlopsPerToken):
    model: str
    pattern: str


def flops(request: FlopsInput) -> FlopsResult:
    """Forward and training FLOPs per token at a context length."""
    cfg, name = resolve(request.config)
    check_context(cfg, request.context, name)
    pattern = None
    if request.pattern:
        pattern = AttentionPattern(request.pattern, window=request.window, stride=request.stride,
                                   n_global=request.n_global)
    counted = flops_per_token(cfg, request.context, pattern)
    return FlopsResult(**counted.model_dump(include=set(FlopsPerToken.model_fields)), model=name,
                       pattern=request.pattern or "per-layer from config")


class MemoryInput(Input):
    config: ConfigSource = CONFIG
    context: ContextLength = CONTEXT
    batch: Count = Field(1, le=1_000_000, description="sequences held at once")
    dtype: Dtype = Field("bf16", description="weight precision")
    training: bool = Field(False, description="add mixed-precision AdamW training memory")


class MemoryResult(InferenceMemory):
    model: str
    training: TrainingMemory | None = None


def memory(request: MemoryInput) -> MemoryResult:
    """Weights and KV-cache memory, and training memory when asked."""
    cfg, name = resolve(request.config)
    check_context(cfg, request.context, name)
    needed = inference_memory(cfg, request.context, request.batch, request.dtype)
    return MemoryResult(**needed.model_dump(include=set(InferenceMemory.model_fields)), model=name,
                        training=training_memory(cfg, request.context, request.batch) if request.training else None)


# Precisions people serve, from the catalog (catalog/data/precisions.json): weights, and the KV cache on its own.
PrecisionName = Annotated[str, CatalogChoice(catalog.precisions, "precision", where=lambda e: e.get("served", True))]
KvPrecisionName = Annotated[str, CatalogChoice(catalog.precisions, "KV-cache precision",
                                               where=lambda e: bool(e.get("kv_cache")) and e.get("served", True))]


class ThroughputInput(Input):
    config: ConfigSource = CONFIG
    gpu: GpuName = Field("h100", description="accelerator (see 'llmlab catalog gpus')")
    gpus: Count = Field(1, le=1024, description="GPUs in one tensor-parallel replica (a size engines accept)")
    precision: PrecisionName = Field("bf16", description="weight precision")
    kv_precision: KvPrecisionName = Field("bf16", description="KV-cache precision")
    batch: Count = Field(1, le=1_000_000, description="sequences decoded together (concurrency)")
    input_tokens: ContextLength = Field(1024, le=MAX_CONTEXT, description="prompt tokens per request")
    output_tokens: ContextLength = Field(256, le=MAX_CONTEXT, description="generated tokens per request")
    bandwidth_util: Fraction | None = Field(None, description="override the fitted bandwidth efficiency of 'expected'")
    mfu: Fraction | None = Field(None, description="override the fitted MFU of 'expected' (16- and 8/4-bit alike)")


class ThroughputResult(ServingEstimate):
    model: str


def serving_throughput(request: ThroughputInput) -> ThroughputResult:
    """Bound and expected serving speed (output tokens/s, TTFT, time per output token) on an accelerator."""
    cfg, name = resolve(request.config)
    check_context(cfg, request.input_tokens + request.output_tokens, name)
    factors = FITTED_FACTORS
    if request.bandwidth_util is not None or request.mfu is not None:
        changes: dict[str, Any] = {"fitted_rows": 0, "procedure": "given in the request (--bandwidth-util / --mfu)"}
        if request.bandwidth_util is not None:
            changes["bandwidth_efficiency"] = request.bandwidth_util
        if request.mfu is not None:
            changes.update(mfu=request.mfu, mfu_low_precision=request.mfu)
        factors = factors.model_copy(update=changes)
    estimate = serving_estimate(cfg, request.gpu, request.gpus, request.precision, request.kv_precision,
                                request.batch, request.input_tokens, request.output_tokens, factors)
    return ThroughputResult(**dict(estimate), model=name)

