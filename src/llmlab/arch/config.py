"""A validated architecture read from a Hugging Face ``config.json``.

Field names follow Hugging Face's keys; everything else (head sizes, which layers slide, attend
in chunks or run linear attention, which route to experts) is derived here once, so parameter,
FLOP and memory accounting never have to know which model family they are looking at.

Multimodal checkpoints (``llama4``, ``gemma3``, ``mistral3``) nest the language model under
``text_config`` and the image encoder under ``vision_config``: the text part is read like a
text-only config and the vision tower is kept for the parameter count (its weights are resident
when the checkpoint is served). Any config with a ``text_config`` is read the same way.
"""

from __future__ import annotations

import os
import reprlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llmlab import catalog
from llmlab.arch.patterns import AttentionPattern
from llmlab.errors import LlmlabError
from llmlab.userfiles import read_text

FULL, SLIDING = "full_attention", "sliding_attention"
CHUNKED = "chunked_attention"  # Llama 4: a query attends only the keys of its own attention_chunk_size chunk
LINEAR = "linear_attention"    # Qwen3-Next: Gated DeltaNet, a fixed recurrent state instead of a KV cache


@dataclass(frozen=True)
class VisionTower:
    """An image encoder and its projector into the language model, in Hugging Face's fields."""

    kind: str  # "siglip" (Gemma 3) | "llama4" | "pixtral" (Mistral 3)
    hidden_size: int
    intermediate_size: int
    num_hidden_layers: int
    patch_size: int
    num_channels: int = 3
    image_size: int = 0
    projector_input_dim: int = 0   # Llama 4's pixel-shuffle adapter
    projector_output_dim: int = 0
    vision_output_dim: int = 0
    projector_bias: bool = False
    spatial_merge_size: int = 1    # Mistral 3's patch merger


@dataclass(frozen=True)
class ArchConfig:
    model_type: str
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    num_key_value_heads: int
    head_dim: int
    vocab_size: int
    intermediate_size: int
    layer_types: tuple[str, ...]
    moe_layers: tuple[bool, ...]
    tie_word_embeddings: bool = False
    max_position_embeddings: int = 0
    sliding_window: int | None = None
    num_experts: int = 0
    num_experts_per_tok: int = 0
    moe_intermediate_size: int = 0
    n_shared_experts: int = 0
    qkv_bias: bool = False
    o_bias: bool = False
    mlp_bias: bool = False
    expert_bias: bool = False
    router_bias: bool = False
    attention_sinks: bool = False
    qk_norm: str = "none"  # "none" | "per_head" (Qwen3) | "per_projection" (OLMo 2)
    norms_per_layer: int = 2
    # Multi-head latent attention (DeepSeek-V3); kv_lora_rank > 0 switches it on.
    q_lora_rank: int | None = None
    kv_lora_rank: int = 0
    qk_nope_head_dim: int = 0
    qk_rope_head_dim: int = 0
    v_head_dim: int = 0
    # Llama 4 chunked local attention: the chunk size of CHUNKED layers.
    attention_chunk_size: int | None = None
    # Qwen3-Next gated attention: q_proj also emits a per-channel output gate (doubling its width).
    attn_output_gate: bool = False
    # A shared expert of its own width (Qwen2-MoE, Qwen3-Next, Llama 4); 0: moe_intermediate_size.
    shared_expert_intermediate_size: int = 0
    shared_expert_gate: bool = False  # Qwen2-MoE / Qwen3-Next: a d×1 sigmoid gate on the shared expert
    # Gated DeltaNet (LINEAR layers): key/value heads and sizes, and the short causal convolution.
    linear_num_key_heads: int = 0
    linear_num_value_heads: int = 0
    linear_key_head_dim: int = 0
    linear_value_head_dim: int = 0
    linear_conv_kernel_dim: int = 0
    vision: VisionTower | None = None

    @property
    def uses_mla(self) -> bool:
        return self.kv_lora_rank > 0

    @property
    def is_moe(self) -> bool:
        return any(self.moe_layers)

    @property
    def qk_head_dim(self) -> int:
        return self.qk_nope_head_dim + self.qk_rope_head_dim if self.uses_mla else self.head_dim

    @property
    def value_head_dim(self) -> int:
        return self.v_head_dim if self.uses_mla else self.head_dim

    @property
    def attention_kind(self) -> str:
        if self.uses_mla:
            return "MLA"
        if self.num_key_value_heads == self.num_attention_heads:
            return "MHA"
        return "MQA" if self.num_key_value_heads == 1 else "GQA"

    @property
    def kv_layers(self) -> int:
        """Layers that keep a KV cache: every layer but the linear-attention ones."""
        return self.num_hidden_layers - self.layer_types.count(LINEAR)

    @property
    def linear_key_dim(self) -> int:
        return self.linear_num_key_heads * self.linear_key_head_dim

    @property
    def linear_value_dim(self) -> int:
        return self.linear_num_value_heads * self.linear_value_head_dim

    @property
    def linear_conv_dim(self) -> int:
        """Channels of Gated DeltaNet's depthwise convolution: q, k and v."""
        return 2 * self.linear_key_dim + self.linear_value_dim

    def layer_mix(self) -> str:
        """The layer kinds in words: "all full", "12 sliding (window 128) / 12 full",
        "36 chunked (chunk 8192) / 12 full", "36 linear (Gated DeltaNet) / 12 full"."""
        labels = {SLIDING: f"sliding (window {self.sliding_window})",
                  CHUNKED: f"chunked (chunk {self.attention_chunk_size})",
                  LINEAR: "linear (Gated DeltaNet)", FULL: "full"}
        counts = {kind: self.layer_types.count(kind) for kind in labels if self.layer_types.count(kind)}
        if len(counts) == 1:
            return f"all {labels[next(iter(counts))]}"
        return " / ".join(f"{count} {labels[kind]}" for kind, count in counts.items())

    def layer_pattern(self, layer: int) -> AttentionPattern | None:
        """The layer's attention mask, or None for a linear-attention layer (no mask, no KV cache)."""
        kind = self.layer_types[layer]
        if kind == LINEAR:
            return None
        if kind == SLIDING and self.sliding_window:
            return AttentionPattern("sliding", window=self.sliding_window)
        if kind == CHUNKED and self.attention_chunk_size:
            return AttentionPattern("chunked", window=self.attention_chunk_size)
        return AttentionPattern("causal")


SUPPORTED_MODEL_TYPES = (
    "llama", "mistral", "mixtral", "qwen2", "qwen3", "qwen3_moe", "deepseek_v3", "gpt_oss", "gemma2", "olmo2",
    "llama4", "llama4_text", "gemma3", "gemma3_text", "qwen3_next", "glm4_moe", "deepseek_v2", "kimi_k2", "phi3",
    "qwen2_moe", "mistral3",
)
# The family whose rules read a model type: text-only variants and renamed checkpoints.
FAMILY = {"llama4_text": "llama4", "gemma3_text": "gemma3", "kimi_k2": "deepseek_v3"}
# Multimodal wrappers: the text_config's model_type when it does not say, and the vision tower's kind.
TEXT_MODEL_TYPE = {"llama4": "llama4_text", "gemma3": "gemma3_text", "mistral3": "mistral"}
VISION_KIND = {"llama4": "llama4", "gemma3": "siglip", "mistral3": "pixtral"}
# Hugging Face's defaults for fields the released configs leave out (transformers' config classes).
FAMILY_DEFAULTS: dict[str, dict[str, Any]] = {
    # Gemma3TextConfig: the released text_configs omit the vocabulary, positions and window pattern.
    "gemma3": {"vocab_size": 262_208, "max_position_embeddings": 131_072, "head_dim": 256,
               "sliding_window": 4096, "sliding_window_pattern": 6},
    # Llama4TextConfig.
    "llama4": {"attention_chunk_size": 8192, "intermediate_size_mlp": 16384, "interleave_moe_layer_step": 1,
               "no_rope_layer_interval": 4, "num_experts_per_tok": 1, "head_dim": 128},
    "qwen3_next": {"full_attention_interval": 4},
}
VISION_DEFAULTS: dict[str, dict[str, Any]] = {  # SiglipVisionConfig, Llama4VisionConfig, PixtralVisionConfig
    "siglip": {"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12, "num_channels": 3,
               "image_size": 224, "patch_size": 16},
    "llama4": {"hidden_size": 768, "intermediate_size": 5632, "num_hidden_layers": 34, "num_channels": 3,
               "image_size": 448, "patch_size": 14, "vision_output_dim": 7680, "projector_input_dim": 4096,
               "projector_output_dim": 4096},
    "pixtral": {"hidden_size": 1024, "intermediate_size": 4096, "num_hidden_layers": 24, "num_channels": 3,
                "image_size": 1024, "patch_size": 16},
}


MAX_LAYERS = 10_000
# Upper bounds on every integer field: far above any released model (16k hidden, 128 layers, 256k
# vocabulary, 256 experts) yet small enough that per-layer tuples and parameter products stay cheap.
# A field past its bound is a typo or a hostile file, never a model.
MAXIMUM = {
    "hidden_size": 2**20, "num_hidden_layers": MAX_LAYERS, "num_attention_heads": 2**14,
    "num_key_value_heads": 2**14, "head_dim": 2**14, "vocab_size": 2**24, "intermediate_size": 2**22,
    "moe_intermediate_size": 2**22, "max_position_embeddings": 2**27, "sliding_window": 2**27,
    "max_window_layers": MAX_LAYERS, "num_local_experts": 2**16, "num_experts": 2**16, "n_routed_experts": 2**16,
    "num_experts_per_tok": 2**16, "n_shared_experts": 2**16, "decoder_sparse_step": MAX_LAYERS,
    "first_k_dense_replace": MAX_LAYERS, "moe_layer_freq": MAX_LAYERS, "q_lora_rank": 2**20, "kv_lora_rank": 2**20,
    "qk_nope_head_dim": 2**14, "qk_rope_head_dim": 2**14, "v_head_dim": 2**14,
    "attention_chunk_size": 2**27, "interleave_moe_layer_step": MAX_LAYERS, "intermediate_size_mlp": 2**22,
    "no_rope_layer_interval": MAX_LAYERS, "sliding_window_pattern": MAX_LAYERS, "full_attention_interval": MAX_LAYERS,
    "shared_expert_intermediate_size": 2**22, "linear_num_key_heads": 2**14, "linear_num_value_heads": 2**14,
    "linear_key_head_dim": 2**14, "linear_value_head_dim": 2**14, "linear_conv_kernel_dim": 2**10,
    "num_channels": 2**6, "image_size": 2**16, "patch_size": 2**12, "projector_input_dim": 2**20,
    "projector_output_dim": 2**20, "vision_output_dim": 2**20, "spatial_merge_size": 2**6,
}
CONFIG_MAX_BYTES = 4 * 2**20  # real config.json files are a few kB


def _shown(value: Any) -> str:
    """A value for an error message, cut short so that a hostile config cannot flood the terminal."""
    if isinstance(value, int) and value.bit_length() > 64:
        return f"a {value.bit_length()}-bit number"
    return reprlib.repr(value)


def _int(cfg: dict[str, Any], key: str, default: int | None = None, minimum: int = 1, where: str = "") -> int:
    """A whole-number field within its bound; ``where`` prefixes the name of a nested field ("vision_config.")."""
    value = cfg.get(key, default)
    name = repr(where + key)
    if value is None:
        raise LlmlabError(f"config field {name} is missing: add it to config.json")
    if isinstance(value, float) and value.is_integer():  # NaN and infinities are not
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise LlmlabError(f"config field {name} must be a whole number, got {_shown(value)}")
    if not minimum <= value <= MAXIMUM[key]:
        raise LlmlabError(
            f"config field {name} must be from {minimum} to {MAXIMUM[key]:,}, got {_shown(value)}"
        )
    return value


def _optional_int(cfg: dict[str, Any], key: str) -> int | None:
    return _int(cfg, key) if cfg.get(key) is not None else None


def _flag(cfg: dict[str, Any], key: str, default: bool) -> bool:
    """A true/false field; a string such as "false" would otherwise read as true."""
    value = cfg.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise LlmlabError(f"config field {key!r} must be true or false, got {_shown(value)}")
    return value


def _layer_types(cfg: dict[str, Any], layers: int, default: Callable[[int], str],
                 allowed: tuple[str, ...] = (FULL, SLIDING)) -> tuple[str, ...]:
    given = cfg.get("layer_types")
    if given is None:
        return tuple(default(i) for i in range(layers))
    if not isinstance(given, list) or len(given) != layers or any(t not in allowed for t in given):
        raise LlmlabError(
            f"config field 'layer_types' must list {layers} entries of {' or '.join(map(repr, allowed))}, "
            f"got {_shown(given)}"
        )
    return tuple(given)


def _no_rope_layers(cfg: dict[str, Any], layers: int) -> list[int]:
    """Llama 4's per-layer RoPE flags (1 = RoPE, chunked attention; 0 = NoPE, global attention);
    absent or empty, a NoPE layer every ``no_rope_layer_interval`` layers (transformers' default)."""
    given = cfg.get("no_rope_layers")
    if not given:
        interval = _int(cfg, "no_rope_layer_interval")
        return [int((i + 1) % interval != 0) for i in range(layers)]
    if not isinstance(given, list) or len(given) < layers or any(
        isinstance(flag, bool) or flag not in (0, 1) for flag in given
    ):
        raise LlmlabError(
            f"config field 'no_rope_layers' must list at least {layers} flags of 0 or 1, got {_shown(given)}"
        )
    return [int(flag) for flag in given[:layers]]


def _layer_numbers(cfg: dict[str, Any], key: str, layers: int) -> frozenset[int]:
    given = cfg.get(key)
    if given is None:
        return frozenset()
    if not isinstance(given, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 <= i < layers for i in given
    ):
        raise LlmlabError(
            f"config field {key!r} must list layer numbers from 0 to {layers - 1}, got {_shown(given)}"
        )
    return frozenset(given)


def _text_and_vision(cfg: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The language model's fields (a ``text_config`` merged over the top level) and the vision_config."""
    outer = cfg.get("model_type")
    text = cfg.get("text_config")
    if text is None:
        if outer in TEXT_MODEL_TYPE:
            raise LlmlabError(f"config field 'text_config' is missing: a {outer} config nests its language model there")
        return cfg, None
    if not isinstance(text, dict):
        raise LlmlabError(
            f"config field 'text_config' must be a JSON object of Hugging Face fields, got {_shown(text)}"
        )
    merged = {key: value for key, value in cfg.items() if key not in ("text_config", "vision_config")}
    merged.update(text)
    if text.get("model_type") is None:
        merged["model_type"] = TEXT_MODEL_TYPE.get(str(outer), outer)
    vision = cfg.get("vision_config")
    if vision is not None and not isinstance(vision, dict):
        raise LlmlabError(f"config field 'vision_config' must be a JSON object, got {_shown(vision)}")
    return merged, vision


def _vision_tower(outer: str, vision: dict[str, Any], top: dict[str, Any]) -> VisionTower:
    kind = VISION_KIND.get(outer)
    if kind is None:
        raise LlmlabError(
            f"the vision_config of model_type {outer!r} is not modelled: pass its text_config as the config "
            f"(vision towers are counted for {', '.join(VISION_KIND)})"
        )
    v = {**VISION_DEFAULTS[kind], **vision}
    field = lambda key: _int(v, key, where="vision_config.")  # noqa: E731
    tower: dict[str, Any] = dict(
        kind=kind, hidden_size=field("hidden_size"), intermediate_size=field("intermediate_size"),
        num_hidden_layers=field("num_hidden_layers"), patch_size=field("patch_size"),
        num_channels=field("num_channels"), image_size=field("image_size"),
    )
    if kind == "llama4":
        tower.update(projector_input_dim=field("projector_input_dim"),
                     projector_output_dim=field("projector_output_dim"), vision_output_dim=field("vision_output_dim"),
                     projector_bias=_flag(v, "multi_modal_projector_bias", False))
    elif kind == "pixtral":
        tower.update(spatial_merge_size=_int(top, "spatial_merge_size", 2),
                     projector_bias=_flag(top, "multimodal_projector_bias", False))
    return VisionTower(**tower)


def from_hf(cfg: dict[str, Any]) -> ArchConfig:
    """Validate a Hugging Face config dict and derive the per-layer structure."""
    if not isinstance(cfg, dict):
        raise LlmlabError(f"a model config must be a JSON object of Hugging Face fields, got {_shown(cfg)}")
    outer_type = cfg.get("model_type")
    if outer_type not in SUPPORTED_MODEL_TYPES:
        raise LlmlabError(
            f"config field 'model_type' is {_shown(outer_type)}, which is not supported: "
            f"use one of {', '.join(SUPPORTED_MODEL_TYPES)}"
        )
    text, vision = _text_and_vision(cfg)
    text_type = text.get("model_type")
    if text_type not in SUPPORTED_MODEL_TYPES or text_type in TEXT_MODEL_TYPE:
        raise LlmlabError(
            f"config field 'text_config.model_type' is {_shown(text_type)}, which is not supported: "
            f"use a text model type such as {', '.join(t for t in SUPPORTED_MODEL_TYPES if t not in TEXT_MODEL_TYPE)}"
        )
    family = FAMILY.get(text_type, text_type)
    cfg = {**FAMILY_DEFAULTS.get(family, {}), **text}
    hidden = _int(cfg, "hidden_size")
    layers = _int(cfg, "num_hidden_layers")
    heads = _int(cfg, "num_attention_heads")
    kv_heads = _int(cfg, "num_key_value_heads", heads)
    if heads % kv_heads:
        raise LlmlabError(
            f"config field 'num_key_value_heads' ({kv_heads}) must divide num_attention_heads ({heads})"
        )
    if cfg.get("head_dim") is None and hidden % heads:
        raise LlmlabError(
            f"config field 'num_attention_heads' ({heads}) must divide hidden_size ({hidden}), "
            "or give head_dim explicitly"
        )
    head_dim = _int(cfg, "head_dim", hidden // heads)
    window = _optional_int(cfg, "sliding_window")

    fields: dict[str, Any] = dict(
        model_type=outer_type, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
        num_key_value_heads=kv_heads, head_dim=head_dim, vocab_size=_int(cfg, "vocab_size"),
        intermediate_size=_int(cfg, "intermediate_size"),
        tie_word_embeddings=_flag(cfg, "tie_word_embeddings", family in ("gemma2", "gemma3")),
        max_position_embeddings=_int(cfg, "max_position_embeddings", 0, minimum=0),
        sliding_window=window,
        qkv_bias=_flag(cfg, "attention_bias", False), o_bias=_flag(cfg, "attention_bias", False),
        mlp_bias=_flag(cfg, "mlp_bias", False),
    )
    all_sliding = lambda i: SLIDING if window else FULL  # noqa: E731 - Mistral/Mixtral/Phi-3: every layer
    alternating = lambda i: SLIDING if i % 2 == 0 else FULL  # noqa: E731 - Gemma 2, gpt-oss: even layers slide
    all_full = lambda i: FULL  # noqa: E731
    dense = tuple(False for _ in range(layers))

    if family in ("llama", "olmo2"):
        fields.update(layer_types=_layer_types(cfg, layers, all_full), moe_layers=dense)
        if family == "olmo2":
            fields.update(qk_norm="per_projection")
    elif family in ("mistral", "mixtral", "phi3"):  # Phi-3: fused qkv / gate_up, the same weights as Llama's
        fields.update(layer_types=_layer_types(cfg, layers, all_sliding), moe_layers=dense)
    elif family in ("qwen2", "qwen3", "qwen3_moe", "qwen2_moe"):
        use_window = _flag(cfg, "use_sliding_window", False) and window is not None
        first_sliding = _int(cfg, "max_window_layers", layers, minimum=0)
        fields.update(
            layer_types=_layer_types(cfg, layers, lambda i: SLIDING if use_window and i >= first_sliding else FULL),
            moe_layers=dense,
        )
        if not use_window:
            fields.update(sliding_window=None)
        if family in ("qwen2", "qwen2_moe"):
            fields.update(qkv_bias=True, o_bias=False)
        else:
            fields.update(qk_norm="per_head")
    elif family == "qwen3_next":
        interval = _int(cfg, "full_attention_interval")
        fields.update(
            layer_types=_layer_types(cfg, layers, lambda i: LINEAR if (i + 1) % interval else FULL, (FULL, LINEAR)),
            sliding_window=None, qk_norm="per_head", attn_output_gate=_flag(cfg, "attn_output_gate", True),
        )
        if LINEAR in fields["layer_types"]:
            fields.update({key: _int(cfg, key) for key in (
                "linear_num_key_heads", "linear_num_value_heads", "linear_key_head_dim", "linear_value_head_dim",
                "linear_conv_kernel_dim")})
            if fields["linear_num_value_heads"] % fields["linear_num_key_heads"]:
                raise LlmlabError(
                    f"config field 'linear_num_key_heads' ({fields['linear_num_key_heads']}) must divide "
                    f"linear_num_value_heads ({fields['linear_num_value_heads']})"
                )
    elif family == "gemma2":
        fields.update(layer_types=_layer_types(cfg, layers, alternating), moe_layers=dense, norms_per_layer=4)
    elif family == "gemma3":  # local:global, a global layer every sliding_window_pattern layers
        pattern = _int(cfg, "sliding_window_pattern")
        fields.update(layer_types=_layer_types(cfg, layers, lambda i: SLIDING if (i + 1) % pattern else FULL),
                      moe_layers=dense, norms_per_layer=4, qk_norm="per_head")
    elif family == "llama4":  # RoPE layers attend in chunks, every no_rope_layer_interval-th (NoPE) layer globally
        chunk = _optional_int(cfg, "attention_chunk_size")
        flags = _no_rope_layers(cfg, layers) if cfg.get("layer_types") is None else []
        types = _layer_types(cfg, layers, lambda i: CHUNKED if flags[i] else FULL, (FULL, CHUNKED))
        fields.update(layer_types=tuple(t if chunk else FULL for t in types), attention_chunk_size=chunk,
                      sliding_window=None, intermediate_size=_int(cfg, "intermediate_size_mlp"))
    elif family == "gpt_oss":
        fields.update(layer_types=_layer_types(cfg, layers, alternating), attention_sinks=True,
                      expert_bias=True, router_bias=True)
    elif family == "glm4_moe":  # q/k/v biases but none on o_proj; optional per-head QK-norm
        fields.update(layer_types=_layer_types(cfg, layers, all_full), o_bias=False, router_bias=True,
                      qk_norm="per_head" if _flag(cfg, "use_qk_norm", False) else "none")
    elif family in ("deepseek_v3", "deepseek_v2"):
        fields.update(layer_types=_layer_types(cfg, layers, all_full))
        fields.update(
            q_lora_rank=_optional_int(cfg, "q_lora_rank"),  # null in DeepSeek-V2-Lite: a plain q_proj
            kv_lora_rank=_int(cfg, "kv_lora_rank"), qk_nope_head_dim=_int(cfg, "qk_nope_head_dim"),
            qk_rope_head_dim=_int(cfg, "qk_rope_head_dim"), v_head_dim=_int(cfg, "v_head_dim"),
            router_bias=cfg.get("topk_method") == "noaux_tc",  # e_score_correction_bias
        )

    fields.update(_experts(cfg, family, layers))
    if vision is not None:
        fields.update(vision=_vision_tower(outer_type, vision, text))
    return ArchConfig(**fields)


def _experts(cfg: dict[str, Any], family: str, layers: int) -> dict[str, Any]:
    """Expert counts and which layers route, in each family's own keys."""
    experts_key = {"mixtral": "num_local_experts", "gpt_oss": "num_local_experts", "llama4": "num_local_experts",
                   "qwen3_moe": "num_experts", "qwen2_moe": "num_experts", "qwen3_next": "num_experts",
                   "deepseek_v3": "n_routed_experts", "deepseek_v2": "n_routed_experts",
                   "glm4_moe": "n_routed_experts"}.get(family)
    if experts_key is None:
        return {"moe_layers": tuple(False for _ in range(layers))}
    experts = _int(cfg, experts_key)
    top_k = _int(cfg, "num_experts_per_tok")
    if top_k > experts:
        raise LlmlabError(
            f"config field 'num_experts_per_tok' ({top_k}) exceeds the number of experts {experts_key} ({experts})"
        )
    result: dict[str, Any] = {"num_experts": experts, "num_experts_per_tok": top_k}
    if family in ("mixtral", "gpt_oss"):
        result.update(moe_layers=tuple(True for _ in range(layers)),
                      moe_intermediate_size=_int(cfg, "intermediate_size"))
    elif family == "llama4":  # routed experts and one shared expert of intermediate_size; dense layers use _mlp
        given = cfg.get("moe_layers")
        routed = (_layer_numbers(cfg, "moe_layers", layers) if given is not None
                  else frozenset(range(_int(cfg, "interleave_moe_layer_step") - 1, layers,
                                       _int(cfg, "interleave_moe_layer_step"))))
        size = _int(cfg, "intermediate_size")
        result.update(moe_layers=tuple(i in routed for i in range(layers)), moe_intermediate_size=size,
                      n_shared_experts=1, shared_expert_intermediate_size=size)
    elif family in ("qwen3_moe", "qwen2_moe", "qwen3_next"):
        step = _int(cfg, "decoder_sparse_step", 1)
        dense_only = _layer_numbers(cfg, "mlp_only_layers", layers)
        result.update(
            moe_layers=tuple(i not in dense_only and (i + 1) % step == 0 for i in range(layers)),
            moe_intermediate_size=_int(cfg, "moe_intermediate_size"),
        )
        if family != "qwen3_moe":  # one gated shared expert of its own width
            shared = _int(cfg, "shared_expert_intermediate_size", 0, minimum=0)
            result.update(n_shared_experts=int(shared > 0), shared_expert_intermediate_size=shared,
                          shared_expert_gate=shared > 0)
    else:  # deepseek_v3, deepseek_v2, glm4_moe: the first first_k_dense_replace layers stay dense
        first_dense = _int(cfg, "first_k_dense_replace", 0, minimum=0)
        freq = _int(cfg, "moe_layer_freq", 1)
        result.update(
            moe_layers=tuple(i >= first_dense and i % freq == 0 for i in range(layers)),
            moe_intermediate_size=_int(cfg, "moe_intermediate_size"),
            n_shared_experts=_int(cfg, "n_shared_experts", 0, minimum=0),
        )
    return result


def check_context(cfg: ArchConfig, context: int, name: str) -> None:
    """Refuse a context past the model's ``max_position_embeddings`` (0: unknown, not checked)."""
    limit = cfg.max_position_embeddings
    if limit and context > limit:
        raise LlmlabError(f"context {context} exceeds {name}'s {limit} positions")


def read_config(source: str) -> str | dict[str, Any]:
    """The CLI's config argument: a catalog model name stays a name; a config.json, or a folder holding
    one, is read into its JSON object (named by its path)."""
    if not (source.endswith(".json") or "/" in source or os.path.lexists(source)):
        catalog.model(source)  # an unknown name: the error lists the catalog's models
        return source
    path = Path(source)
    if os.path.isdir(path):
        path = path / "config.json"
        if not os.path.lexists(path):
            raise LlmlabError(
                f"folder {_shown(source)} has no config.json: pass a Hugging Face model folder or its config.json"
            )
    raw = catalog.parse_json(read_text(path, "config file", CONFIG_MAX_BYTES), str(path), "a Hugging Face config.json")
    if not isinstance(raw, dict):
        raise LlmlabError(f"{path} must hold a JSON object of Hugging Face config fields, but holds {_shown(raw)}")
    return {**raw, "_name_or_path": str(path)}
