"""Parameter counts, total and active per token, broken down by component.

"Active" conventions differ between publishers, so both are reported:
* ``active`` counts everything a token touches: the input embedding row, attention, dense MLPs,
  shared experts, the top-k routed experts, routers, norms and the output head (DeepSeek, Mistral,
  Qwen count this way).
* ``active_without_embedding`` drops the input embedding table (OpenAI's gpt-oss convention;
  the embedding is a lookup, not a matmul).

A multimodal checkpoint's vision tower and projector are counted in ``total`` (their weights are
resident) but not in ``active``: they run on image patches, not on text tokens.

Linear-attention (Gated DeltaNet) layers are counted from their own fields, under "attention" (the
token mixer): the q/k/v/z input projection, the β/α (write strength, decay) projection, the depthwise
causal convolution over q, k and v, the per-head decay parameters A_log and dt_bias, the gated
RMSNorm over each value head, and the output projection.
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import computed_field

from llmlab.arch.config import LINEAR, ArchConfig, VisionTower
from llmlab.schema import Result

COMPONENTS = ("embeddings", "attention", "mlp", "shared_experts", "experts", "router", "norms", "head", "vision")


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
    if cfg.attn_output_gate:  # Qwen3-Next: q_proj emits the query and a sigmoid gate of the same width
        count += d * h * hd
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


def linear_attention_params(cfg: ArchConfig) -> int:
    """One Gated DeltaNet layer (Qwen3-Next): in_proj_qkvz (d → 2·key_dim + 2·value_dim), in_proj_ba
    (d → 2·value heads), a depthwise conv1d over q, k, v without bias, A_log and dt_bias per value head,
    a gated RMSNorm of one value head's width, and out_proj (value_dim → d)."""
    d, value_heads = cfg.hidden_size, cfg.linear_num_value_heads
    in_proj = d * (2 * cfg.linear_key_dim + 2 * cfg.linear_value_dim) + d * 2 * value_heads
    conv = cfg.linear_conv_dim * cfg.linear_conv_kernel_dim
    return in_proj + conv + 2 * value_heads + cfg.linear_value_head_dim + cfg.linear_value_dim * d


def vision_params(tower: VisionTower, text_hidden: int) -> int:
    """The image encoder and its projector into the language model, as transformers builds them.

    * siglip (Gemma 3): ViT layers with biased q/k/v/o and GELU fc1/fc2, two LayerNorms each; a biased patch
      conv, a learned position per patch, a post-LayerNorm; projector: a vision×text matrix and an RMSNorm.
    * llama4: the same layer shape; an unbiased patch linear, a class embedding, positions for the patches
      and the class token, pre and post LayerNorms; the pixel-shuffle adapter (intermediate → projector_input,
      projector_output → projector_output, no biases) and a vision_output × text projector.
    * pixtral (Mistral 3): unbiased attention and SwiGLU, RMSNorms; unbiased patch conv and ln_pre; projector:
      an RMSNorm, the patch merger (merge²·h → h), then h → text and text → text linears.
    """
    h, ff, patches = tower.hidden_size, tower.intermediate_size, tower.num_channels * tower.patch_size ** 2
    grid = (tower.image_size // tower.patch_size) ** 2
    if tower.kind == "pixtral":
        layer = 4 * h * h + 3 * h * ff + 2 * h
        merge = tower.spatial_merge_size ** 2 * h * h
        bias = 2 * text_hidden if tower.projector_bias else 0
        projector = h + merge + h * text_hidden + text_hidden * text_hidden + bias
        return tower.num_hidden_layers * layer + patches * h + h + projector
    layer = 4 * h * h + 4 * h + 2 * h * ff + ff + h + 4 * h
    if tower.kind == "siglip":
        embeddings = patches * h + h + grid * h
        return tower.num_hidden_layers * layer + embeddings + 2 * h + h * text_hidden + h
    embeddings = patches * h + h + (grid + 1) * h  # llama4: patch linear, class embedding, positions
    adapter = ff * tower.projector_input_dim + tower.projector_output_dim ** 2
    projector = tower.vision_output_dim * text_hidden + (text_hidden if tower.projector_bias else 0)
    return tower.num_hidden_layers * layer + embeddings + 4 * h + adapter + projector


def gated_mlp_params(d: int, ff: int, bias: bool) -> int:
    """SwiGLU / GeGLU: gate, up and down projections."""
    return 3 * d * ff + (2 * ff + d if bias else 0)


@lru_cache(maxsize=512)  # a pure function of a frozen config, asked for many times per plan
def count_params(cfg: ArchConfig) -> ParamCount:
    d = cfg.hidden_size
    total = dict.fromkeys(COMPONENTS, 0)
    active = dict.fromkeys(COMPONENTS, 0)
    embedding = cfg.vocab_size * d
    total["embeddings"] = active["embeddings"] = embedding
    total["head"] = active["head"] = 0 if cfg.tie_word_embeddings else embedding
    total["norms"] = active["norms"] = cfg.num_hidden_layers * cfg.norms_per_layer * d + d
    attention = attention_params(cfg)
    linear = linear_attention_params(cfg) if LINEAR in cfg.layer_types else 0
    expert = gated_mlp_params(d, cfg.moe_intermediate_size, cfg.expert_bias)
    shared_expert = gated_mlp_params(d, cfg.shared_expert_intermediate_size or cfg.moe_intermediate_size, False)
    shared_expert += d if cfg.shared_expert_gate else 0
    if cfg.vision is not None:
        total["vision"] = vision_params(cfg.vision, d)
    for kind, moe in zip(cfg.layer_types, cfg.moe_layers, strict=True):
        mixer = linear if kind == LINEAR else attention
        total["attention"] += mixer
        active["attention"] += mixer
        if not moe:
            mlp = gated_mlp_params(d, cfg.intermediate_size, cfg.mlp_bias)
            total["mlp"] += mlp
            active["mlp"] += mlp
            continue
        router = d * cfg.num_experts + (cfg.num_experts if cfg.router_bias else 0)
        shared = cfg.n_shared_experts * shared_expert
        total["router"] += router
        active["router"] += router
        total["shared_experts"] += shared
        active["shared_experts"] += shared
        total["experts"] += cfg.num_experts * expert
        active["experts"] += cfg.num_experts_per_tok * expert
    return ParamCount(breakdown=total, active_breakdown=active)


def mtp_params(cfg: ArchConfig, layers: int = 1) -> int:
    """Multi-token-prediction modules as DeepSeek-V3 and GLM-4.5 build them, ``layers`` of them (the HF
    config's ``num_nextn_predict_layers``, which ArchConfig does not carry): per module the enorm and hnorm
    RMSNorms, the eh_proj (2d → d), one decoder layer shaped like the last (MoE) layer, and the shared
    head's final RMSNorm. The embedding and output head are shared with the main model, so not counted.
    Not in ``count_params``: publishers differ on whether a total includes them (DeepSeek-V3's 671B
    excludes its module; GLM-4.5's 355B includes its one)."""
    d = cfg.hidden_size
    layer = attention_params(cfg) + cfg.norms_per_layer * d
    if cfg.moe_layers and cfg.moe_layers[-1]:
        layer += d * cfg.num_experts + (cfg.num_experts if cfg.router_bias else 0)
        shared = gated_mlp_params(d, cfg.shared_expert_intermediate_size or cfg.moe_intermediate_size, False)
        layer += cfg.n_shared_experts * (shared + (d if cfg.shared_expert_gate else 0))
        layer += cfg.num_experts * gated_mlp_params(d, cfg.moe_intermediate_size, cfg.expert_bias)
    else:
        layer += gated_mlp_params(d, cfg.intermediate_size, cfg.mlp_bias)
    return layers * (2 * d + 2 * d * d + layer + d)
