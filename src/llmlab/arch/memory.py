"""Memory: weights at a precision, the KV cache, and training state.

KV cache per layer and token: 2·KV_heads·head_dim values for standard/GQA attention, or the
compressed latent (kv_lora_rank + qk_rope_head_dim) for MLA, the form DeepSeek serves.
Sliding-window layers keep only their last W tokens (a rolling cache), so at long contexts they
stop growing: counting them at full context is the over-estimate users keep reporting.
"""

from __future__ import annotations

from pydantic import computed_field

from llmlab.arch.config import SLIDING, ArchConfig
from llmlab.arch.params import count_params
from llmlab.errors import LlmlabError
from llmlab.schema import Result

BYTES_PER_VALUE = {"fp32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5}

# Mixed-precision AdamW (Rajbhandari et al. 2020, ZeRO §3): 16-bit weights and gradients plus
# fp32 master weights, first and second moments.
TRAINING_BYTES_PER_PARAM = {"weights": 2, "gradients": 2, "master_weights": 4, "adam_m": 4, "adam_v": 4}
# Korthikanti et al. 2022 (arXiv 2205.05198) eq. 1: activation bytes per layer = s·b·h·(34 + 5·a·s/h)
# with 16-bit activations and no recomputation; FlashAttention does not store the 5·a·s² scores.
ACTIVATION_BYTES_PER_TOKEN_PER_HIDDEN = 34
ATTENTION_SCORE_BYTES = 5


def bytes_per_value(dtype: str) -> float:
    if dtype not in BYTES_PER_VALUE:
        raise LlmlabError(f"unknown dtype {dtype!r}: choose one of {', '.join(BYTES_PER_VALUE)}")
    return BYTES_PER_VALUE[dtype]


def weights_bytes(cfg: ArchConfig, dtype: str = "bf16", active_only: bool = False) -> float:
    counts = count_params(cfg)
    params = counts.active_without_embedding if active_only else counts.total
    return params * bytes_per_value(dtype)


def kv_values_per_token_per_layer(cfg: ArchConfig) -> int:
    if cfg.uses_mla:
        return cfg.kv_lora_rank + cfg.qk_rope_head_dim
    return 2 * cfg.num_key_value_heads * cfg.head_dim


def kv_bytes_per_token(cfg: ArchConfig, dtype: str = "bf16") -> float:
    """What one new token adds to the cache across all layers (before any window evicts it)."""
    return cfg.num_hidden_layers * kv_values_per_token_per_layer(cfg) * bytes_per_value(dtype)


def kv_cache_bytes(cfg: ArchConfig, context: int, batch: int = 1, dtype: str = "bf16") -> float:
    """Cache for ``batch`` sequences of ``context`` tokens, sliding layers capped at their window."""
    if context < 1 or batch < 1:
        raise LlmlabError("context and batch must be at least 1")
    per_layer = kv_values_per_token_per_layer(cfg) * bytes_per_value(dtype)
    tokens = sum(
        min(context, cfg.sliding_window) if kind == SLIDING and cfg.sliding_window else context
        for kind in cfg.layer_types
    )
    return tokens * per_layer * batch


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


def inference_memory(cfg: ArchConfig, context: int, batch: int = 1, dtype: str = "bf16",
                     kv_dtype: str | None = None) -> InferenceMemory:
    """Weights (ALL parameters, experts included: they must all be resident) plus the KV cache."""
    kv_dtype = kv_dtype or ("bf16" if dtype in ("int8", "int4") else dtype)
    return InferenceMemory(
        dtype=dtype, kv_dtype=kv_dtype, context=context, batch=batch,
        weights=weights_bytes(cfg, dtype),
        kv_cache=kv_cache_bytes(cfg, context, batch, kv_dtype),
        kv_bytes_per_token=kv_bytes_per_token(cfg, kv_dtype),
    )


def kv_cache_bytes_if_all_full(cfg: ArchConfig, context: int, batch: int = 1, dtype: str = "bf16") -> float:
    """The cache if every layer kept every token: what calculators that ignore sliding windows report."""
    return kv_bytes_per_token(cfg, dtype) * context * batch


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
    state = {name: total * size for name, size in TRAINING_BYTES_PER_PARAM.items()}
    per_layer = context * batch * cfg.hidden_size * ACTIVATION_BYTES_PER_TOKEN_PER_HIDDEN
    if not flash_attention:
        per_layer += ATTENTION_SCORE_BYTES * cfg.num_attention_heads * context * context * batch
    state["activations"] = per_layer * cfg.num_hidden_layers
    return TrainingMemory(breakdown=state, context=context, batch=batch, flash_attention=flash_attention)
