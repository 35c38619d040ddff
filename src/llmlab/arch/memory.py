"""Memory: weights at a precision, the KV cache, and training state.

KV cache per layer and token: 2·KV_heads·head_dim values for standard/GQA attention, or the
compressed latent (kv_lora_rank + qk_rope_head_dim) for MLA, the form DeepSeek serves.
Sliding-window layers keep only their last W tokens (a rolling cache), so at long contexts they
stop growing: counting them at full context is the over-estimate users keep reporting. Chunked
layers (Llama 4) attend only within their current chunk, so they hold at most attention_chunk_size
tokens. Linear-attention layers (Qwen3-Next's Gated DeltaNet) add nothing per token: each sequence
keeps a fixed recurrent state instead, value_heads × key_head_dim × value_head_dim values plus the
convolution's last kernel − 1 inputs over q, k and v, whatever the context.
"""

from __future__ import annotations

import json
from collections import Counter
from importlib import resources

from pydantic import computed_field

from llmlab import catalog
from llmlab.arch.config import CHUNKED, LINEAR, SLIDING, ArchConfig
from llmlab.arch.params import count_params
from llmlab.errors import LlmlabError
from llmlab.schema import Result

# Bytes per value of each precision, scales included (int4 group-128 scales: 4.125 bits; MXFP4 one 8-bit
# scale per 32: 4.25 bits; NVFP4 one FP8 scale per 16: 4.5 bits). The numbers live in the catalog
# (catalog/data/precisions.json, with sources); this is the packaged table, read once.
_PACKAGED_PRECISIONS = resources.files("llmlab.catalog").joinpath("data", "precisions.json").read_text("utf-8")
BYTES_PER_VALUE = {name: float(entry["bytes_per_param"]) for name, entry in json.loads(_PACKAGED_PRECISIONS).items()}
# What a quantised checkpoint quantises (precisions.json ``applies_to``): "all" parameters, the "linear"
# layers (attention, dense MLP and expert projections; embeddings, output head, norms and router stay
# BF16, as in ModelOpt FP8/NVFP4, AWQ/GPTQ and W8A8 checkpoints), or the MoE "experts" only (gpt-oss's
# MXFP4, which keeps attention in BF16; on a dense model that rule quantises the linear layers).
LINEAR_COMPONENTS = ("attention", "mlp", "shared_experts", "experts")
UNQUANTISED = "bf16"

# Mixed-precision AdamW (Rajbhandari et al. 2020, ZeRO §3): 16-bit weights and gradients plus
# fp32 master weights, first and second moments.
TRAINING_BYTES_PER_PARAM = {"weights": 2, "gradients": 2, "master_weights": 4, "adam_m": 4, "adam_v": 4}
# Korthikanti et al. 2022 (arXiv 2205.05198) eq. 1: activation bytes per layer = s·b·h·(34 + 5·a·s/h)
# with 16-bit activations and no recomputation; FlashAttention does not store the 5·a·s² scores.
ACTIVATION_BYTES_PER_TOKEN_PER_HIDDEN = 34
ATTENTION_SCORE_BYTES = 5


def bytes_per_value(dtype: str) -> float:
    """Bytes one value takes at a catalog precision (``$LLMLAB_CATALOG/precisions.json`` included)."""
    entries = catalog.precisions()
    if dtype not in entries:
        raise LlmlabError(f"unknown dtype {dtype!r}: choose one of {', '.join(entries)}")
    return float(entries[dtype]["bytes_per_param"])


def quantised_components(cfg: ArchConfig, precision: str) -> tuple[str, ...]:
    """The parameter groups (``count_params`` breakdown keys) a ``precision`` checkpoint stores at that
    precision; the rest stay BF16. See ``LINEAR_COMPONENTS``."""
    rule = catalog.precision(precision)["applies_to"]
    if rule == "all":
        return tuple(count_params(cfg).breakdown)
    if rule == "experts" and cfg.is_moe:
        return ("experts",)
    return LINEAR_COMPONENTS


def served_bytes_per_param(cfg: ArchConfig, precision: str) -> dict[str, float]:
    """Bytes per parameter of each parameter group when ``precision`` weights are served (groups left
    unquantised are BF16, or the precision itself where it is wider, e.g. FP32)."""
    size = bytes_per_value(precision)
    quantised = quantised_components(cfg, precision)
    keep = max(size, bytes_per_value(UNQUANTISED))
    return {group: size if group in quantised else keep for group in count_params(cfg).breakdown}


def weights_bytes(cfg: ArchConfig, dtype: str = "bf16", active_only: bool = False, as_served: bool = False) -> float:
    """Weight bytes at ``dtype``: every parameter at that precision, or ``as_served`` the way quantised
    checkpoints store it (only the groups ``quantised_components`` names; the rest BF16)."""
    counts = count_params(cfg)
    if not as_served:
        params = counts.active_without_embedding if active_only else counts.total
        return params * bytes_per_value(dtype)
    sizes = served_bytes_per_param(cfg, dtype)
    groups = counts.active_breakdown if active_only else counts.breakdown
    skipped = ("embeddings",) if active_only else ()
    return sum(count * sizes[group] for group, count in groups.items() if group not in skipped)


def kv_values_per_token_per_layer(cfg: ArchConfig) -> int:
    if cfg.uses_mla:
        return cfg.kv_lora_rank + cfg.qk_rope_head_dim
    return 2 * cfg.num_key_value_heads * cfg.head_dim


def kv_bytes_per_token(cfg: ArchConfig, dtype: str = "bf16") -> float:
    """What one new token adds to the cache across the layers that keep one (before any window or chunk
    evicts it); linear-attention layers keep none."""
    return cfg.kv_layers * kv_values_per_token_per_layer(cfg) * bytes_per_value(dtype)


def cached_tokens(cfg: ArchConfig, kind: str, context: int) -> int:
    """Tokens one layer of this kind holds at ``context``: sliding and chunked layers cap, linear ones keep none."""
    if kind == SLIDING and cfg.sliding_window:
        return min(context, cfg.sliding_window)
    if kind == CHUNKED and cfg.attention_chunk_size:
        return min(context, cfg.attention_chunk_size)
    return 0 if kind == LINEAR else context


def recurrent_state_values_per_layer(cfg: ArchConfig) -> int:
    """One linear-attention layer's state per sequence: the delta-rule matrix of each value head
    (key_head_dim × value_head_dim) and the conv1d's last kernel − 1 inputs over q, k and v."""
    matrix = cfg.linear_num_value_heads * cfg.linear_key_head_dim * cfg.linear_value_head_dim
    return matrix + cfg.linear_conv_dim * max(cfg.linear_conv_kernel_dim - 1, 0)


def recurrent_state_bytes(cfg: ArchConfig, batch: int = 1, dtype: str = "bf16") -> float:
    """The fixed state of every linear-attention layer for ``batch`` sequences, independent of context.
    Kept at 16 bits or more even under an 8- or 4-bit KV cache (serving engines keep this state in the
    model's dtype or fp32; an fp32 cache keeps it in fp32)."""
    size = max(bytes_per_value(dtype), 2.0)
    return cfg.layer_types.count(LINEAR) * recurrent_state_values_per_layer(cfg) * size * batch


def kv_cache_bytes(cfg: ArchConfig, context: int, batch: int = 1, dtype: str = "bf16") -> float:
    """Cache for ``batch`` sequences of ``context`` tokens: sliding layers capped at their window, chunked
    layers at their chunk, linear-attention layers at their fixed recurrent state."""
    if context < 1 or batch < 1:
        raise LlmlabError("context and batch must be at least 1")
    per_layer = kv_values_per_token_per_layer(cfg) * bytes_per_value(dtype)
    tokens = sum(count * cached_tokens(cfg, kind, context) for kind, count in Counter(cfg.layer_types).items())
    return tokens * per_layer * batch + recurrent_state_bytes(cfg, batch, dtype)


class InferenceMemory(Result):
    dtype: str
    kv_dtype: str
    context: int
    batch: int
    weights: float
    kv_cache: float
    kv_bytes_per_token: float

    @computed_field
    @property
    def total(self) -> float:
        return self.weights + self.kv_cache


def default_kv_dtype(dtype: str) -> str:
    """The KV cache's precision when none is given: the weights' own for 16/32-bit and FP8 weights, else BF16
    (integer and FP4 formats quantise weights, not the cache)."""
    return dtype if dtype in ("fp32", "bf16", "fp16", "fp8") else UNQUANTISED


def inference_memory(cfg: ArchConfig, context: int, batch: int = 1, dtype: str = "bf16",
                     kv_dtype: str | None = None, as_served: bool = False) -> InferenceMemory:
    """Weights (ALL parameters, experts included: they must all be resident) plus the KV cache; with
    ``as_served`` the weights are counted as quantised checkpoints store them (see ``weights_bytes``)."""
    kv_dtype = kv_dtype or default_kv_dtype(dtype)
    return InferenceMemory(
        dtype=dtype, kv_dtype=kv_dtype, context=context, batch=batch,
        weights=weights_bytes(cfg, dtype, as_served=as_served),
        kv_cache=kv_cache_bytes(cfg, context, batch, kv_dtype),
        kv_bytes_per_token=kv_bytes_per_token(cfg, kv_dtype),
    )


def kv_cache_bytes_if_all_full(cfg: ArchConfig, context: int, batch: int = 1, dtype: str = "bf16") -> float:
    """The cache if every layer kept every token: what calculators that ignore sliding windows, chunks and
    linear-attention layers report (a hybrid's linear layers billed as attention layers)."""
    per_layer = kv_values_per_token_per_layer(cfg) * bytes_per_value(dtype)
    return cfg.num_hidden_layers * per_layer * context * batch


class TrainingMemory(Result):
    breakdown: dict[str, float]
    context: int
    batch: int
    flash_attention: bool
    assumptions: str = ("bf16 weights/grads, fp32 master + AdamW moments (16 B/param); "
                        "activations per Korthikanti et al. 2022 eq. 1, no recomputation")

    @computed_field
    @property
    def total(self) -> float:
        return sum(self.breakdown.values())


def training_memory(cfg: ArchConfig, context: int, batch: int = 1, flash_attention: bool = True) -> TrainingMemory:
    """Bytes for mixed-precision AdamW training without sharding or recomputation."""
    if context < 1 or batch < 1:
        raise LlmlabError("context and batch must be at least 1")
    total = count_params(cfg).total
    state: dict[str, float] = {name: total * size for name, size in TRAINING_BYTES_PER_PARAM.items()}
    per_layer = context * batch * cfg.hidden_size * ACTIVATION_BYTES_PER_TOKEN_PER_HIDDEN
    if not flash_attention:
        per_layer += ATTENTION_SCORE_BYTES * cfg.num_attention_heads * context * context * batch
    state["activations"] = per_layer * cfg.num_hidden_layers
    return TrainingMemory(breakdown=state, context=context, batch=batch, flash_attention=flash_attention)
