"""Parameter counts, total and active per token, broken down by component.

"Active" conventions differ between publishers, so both are reported:
* ``active`` counts everything a token touches: the input embedding row, attention, dense MLPs,
  shared experts, the top-k routed experts, routers, norms and the output head (DeepSeek, Mistral,
  Qwen count this way).
* ``active_without_embedding`` drops the input embedding table (OpenAI's gpt-oss convention;
  the embedding is a lookup, not a matmul).
"""

from __future__ import annotations

from pydantic import computed_field

from llmlab.arch.config import ArchConfig
from llmlab.schema import Result

COMPONENTS = ("embeddings", "attention", "mlp", "shared_experts", "experts", "router", "norms", "head")


class ParamCount(Result):
    breakdown: dict[str, int]
    active_breakdown: dict[str, int]
    active_convention: str = ("active counts the input embedding and output head; "
                              "active_without_embedding drops the input embedding")

    @computed_field
    @property
    def total(self) -> int:
        return sum(self.breakdown.values())

    @computed_field
    @property
    def active(self) -> int:
        """Everything a token touches, the input embedding row and output head included."""
        return sum(self.active_breakdown.values())

    @computed_field
    @property
    def active_without_embedding(self) -> int:
        """The gpt-oss convention: the input embedding is a lookup, not a matmul."""
        return self.active - self.active_breakdown["embeddings"]

    @computed_field
    @property
    def non_embedding(self) -> int:
        """Kaplan et al.'s N: everything but the embedding and output tables."""
        return self.total - self.breakdown["embeddings"] - self.breakdown["head"]


def attention_params(cfg: ArchConfig) -> int:
    """One layer's attention projections, biases, sinks and QK norms."""
    d, h, kv, hd = cfg.hidden_size, cfg.num_attention_heads, cfg.num_key_value_heads, cfg.head_dim
    if cfg.uses_mla:
        q_out = h * cfg.qk_head_dim
        q = d * q_out if cfg.q_lora_rank is None else d * cfg.q_lora_rank + cfg.q_lora_rank + cfg.q_lora_rank * q_out
        kv_down = d * (cfg.kv_lora_rank + cfg.qk_rope_head_dim) + cfg.kv_lora_rank  # + its RMSNorm
        kv_up = cfg.kv_lora_rank * h * (cfg.qk_nope_head_dim + cfg.v_head_dim)
        return q + kv_down + kv_up + h * cfg.v_head_dim * d
    count = d * h * hd + 2 * d * kv * hd + h * hd * d
    if cfg.qkv_bias:
        count += h * hd + 2 * kv * hd
    if cfg.o_bias:
        count += d
    if cfg.attention_sinks:
        count += h
    if cfg.qk_norm == "per_head":
        count += 2 * hd
    elif cfg.qk_norm == "per_projection":
        count += h * hd + kv * hd
    return count


def gated_mlp_params(d: int, ff: int, bias: bool) -> int:
    """SwiGLU / GeGLU: gate, up and down projections."""
    return 3 * d * ff + (2 * ff + d if bias else 0)


def count_params(cfg: ArchConfig) -> ParamCount:
    d = cfg.hidden_size
    total = dict.fromkeys(COMPONENTS, 0)
    active = dict.fromkeys(COMPONENTS, 0)
    embedding = cfg.vocab_size * d
    total["embeddings"] = active["embeddings"] = embedding
    total["head"] = active["head"] = 0 if cfg.tie_word_embeddings else embedding
    total["norms"] = active["norms"] = cfg.num_hidden_layers * cfg.norms_per_layer * d + d
    attention = attention_params(cfg)
    expert = gated_mlp_params(d, cfg.moe_intermediate_size, cfg.expert_bias)
    for moe in cfg.moe_layers:
        total["attention"] += attention
        active["attention"] += attention
        if not moe:
            mlp = gated_mlp_params(d, cfg.intermediate_size, cfg.mlp_bias)
            total["mlp"] += mlp
            active["mlp"] += mlp
            continue
        router = d * cfg.num_experts + (cfg.num_experts if cfg.router_bias else 0)
        shared = cfg.n_shared_experts * expert
        total["router"] += router
        active["router"] += router
        total["shared_experts"] += shared
        active["shared_experts"] += shared
        total["experts"] += cfg.num_experts * expert
        active["experts"] += cfg.num_experts_per_tok * expert
    return ParamCount(breakdown=total, active_breakdown=active)
