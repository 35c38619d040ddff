"""Training compute: C = 6·N·D, plus the context-dependent attention term when the shape is known.

Kaplan et al. 2020 (§2.1, Table 1): forward FLOPs per token = 2·N + 2·n_layer·n_ctx·d_attn;
training is three forward passes' worth (backward = 2× forward).
"""

from __future__ import annotations

FLOPS_PER_PARAM_PER_TOKEN_TRAIN = 6
FLOPS_PER_PARAM_PER_TOKEN_FORWARD = 2


def training_flops(params: float, tokens: float) -> float:
    """The 6ND approximation used by Chinchilla's Table 3."""
    return FLOPS_PER_PARAM_PER_TOKEN_TRAIN * params * tokens


def attention_flops_per_token(n_layer: int, n_ctx: int, d_attn: int) -> float:
    """Kaplan's forward attention term 2·n_layer·n_ctx·d_attn (causal QK^T and AV, averaged)."""
    return 2.0 * n_layer * n_ctx * d_attn


def training_flops_with_attention(
    params: float, tokens: float, n_layer: int, n_ctx: int, d_attn: int
) -> float:
    """6ND plus three times the forward attention term, per training token."""
    return training_flops(params, tokens) + 3 * attention_flops_per_token(n_layer, n_ctx, d_attn) * tokens
