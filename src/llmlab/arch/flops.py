"""FLOPs per token for the forward pass and for training, with the context-length attention term.

Matmuls cost 2 FLOPs per active weight (the input embedding is a lookup and is not counted).
Attention scores and the weighted sum of values cost 2·H·(d_qk + d_v) FLOPs per attended key
per layer; how many keys a query attends depends on each layer's pattern (full causal, sliding
window, chunked, ...). Training = 3 × forward (backward costs twice the forward; Kaplan et al. 2020 §2.1).

Linear-attention layers (Gated DeltaNet) attend no keys: each token updates and reads a fixed
d_k × d_v state per value head, so their cost per token does not grow with the context. Counted:
6·H_v·d_k·d_v per token — 2 for the prediction S·k, 2 for the rank-1 delta-rule write k ⊗ β(v − S·k)
and 2 for the readout S·q, per state element (the decay, the gates and the norm are lower order).
Their projections and convolution are weights, counted with the matmuls. An override ``pattern``
applies to the softmax-attention layers only; linear layers stay linear.
"""

from __future__ import annotations

from collections import Counter

from pydantic import computed_field

from llmlab.arch.config import LINEAR, ArchConfig
from llmlab.arch.params import count_params
from llmlab.arch.patterns import AttentionPattern
from llmlab.schema import Result

TRAINING_MULTIPLIER = 3


class FlopsPerToken(Result):
    context: int
    matmul: float
    attention: float

    @computed_field
    @property
    def forward(self) -> float:
        return self.matmul + self.attention

    @computed_field
    @property
    def training(self) -> float:
        return TRAINING_MULTIPLIER * self.forward


def matmul_params(cfg: ArchConfig) -> int:
    """Active weights a token multiplies by: everything active but the embedding lookup and norms, with
    the output projection counted even when it shares the embedding's weights (tied: no head params)."""
    active = count_params(cfg).active_breakdown
    output_projection = cfg.vocab_size * cfg.hidden_size
    return sum(active.values()) - active["embeddings"] - active["norms"] - active["head"] + output_projection


def attention_flops_per_token(cfg: ArchConfig, context: int, pattern: AttentionPattern | None = None) -> float:
    """Mean over a ``context``-token sequence; ``pattern`` overrides every layer's own pattern."""
    per_key = 2 * cfg.num_attention_heads * (cfg.qk_head_dim + cfg.value_head_dim)
    total = 0.0
    for kind, layers in Counter(cfg.layer_types).items():  # layers of one kind share a pattern
        if kind == LINEAR:
            total += layers * linear_attention_flops_per_token(cfg)
            continue
        layer_pattern = pattern or cfg.layer_pattern(cfg.layer_types.index(kind)) or AttentionPattern("causal")
        total += layers * per_key * layer_pattern.mean_keys(context)
    return total


def linear_attention_flops_per_token(cfg: ArchConfig) -> float:
    """One Gated DeltaNet layer's state work per token: 6 FLOPs per element of each value head's d_k × d_v state."""
    return 6.0 * cfg.linear_num_value_heads * cfg.linear_key_head_dim * cfg.linear_value_head_dim


def flops_per_token(cfg: ArchConfig, context: int, pattern: AttentionPattern | None = None) -> FlopsPerToken:
    return FlopsPerToken(
        context=context,
        matmul=2.0 * matmul_params(cfg),
        attention=attention_flops_per_token(cfg, context, pattern),
    )
