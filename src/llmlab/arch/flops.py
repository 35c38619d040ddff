"""FLOPs per token for the forward pass and for training, with the context-length attention term.

Matmuls cost 2 FLOPs per active weight (the input embedding is a lookup and is not counted).
Attention scores and the weighted sum of values cost 2·H·(d_qk + d_v) FLOPs per attended key
per layer; how many keys a query attends depends on each layer's pattern (full causal, sliding
window, ...). Training = 3 × forward (backward costs twice the forward; Kaplan et al. 2020 §2.1).
"""

from __future__ import annotations

from pydantic import computed_field

from llmlab.arch.config import ArchConfig
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
    mean_keys: dict[AttentionPattern, float] = {}
    total = 0.0
    for layer in range(cfg.num_hidden_layers):
        layer_pattern = pattern or cfg.layer_pattern(layer)
        if layer_pattern not in mean_keys:
            mean_keys[layer_pattern] = layer_pattern.mean_keys(context)
        total += per_key * mean_keys[layer_pattern]
    return total


def flops_per_token(cfg: ArchConfig, context: int, pattern: AttentionPattern | None = None) -> FlopsPerToken:
    return FlopsPerToken(
        context=context,
        matmul=2.0 * matmul_params(cfg),
        attention=attention_flops_per_token(cfg, context, pattern),
    )
