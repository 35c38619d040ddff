"""A validated architecture read from a Hugging Face ``config.json``.

Field names follow Hugging Face's keys; everything else (head sizes, which layers slide or
route to experts) is derived here once, so parameter, FLOP and memory accounting never have to
know which model family they are looking at.
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

    def layer_pattern(self, layer: int) -> AttentionPattern:
        if self.layer_types[layer] == SLIDING and self.sliding_window:
            return AttentionPattern("sliding", window=self.sliding_window)
        return AttentionPattern("causal")


SUPPORTED_MODEL_TYPES = (
    "llama", "mistral", "mixtral", "qwen2", "qwen3", "qwen3_moe", "deepseek_v3", "gpt_oss", "gemma2", "olmo2",
)


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
}
CONFIG_MAX_BYTES = 4 * 2**20  # real config.json files are a few kB


def _shown(value: Any) -> str:
    """A value for an error message, cut short so that a hostile config cannot flood the terminal."""
    if isinstance(value, int) and value.bit_length() > 64:
        return f"a {value.bit_length()}-bit number"
    return reprlib.repr(value)


def _int(cfg: dict[str, Any], key: str, default: int | None = None, minimum: int = 1) -> int:
    value = cfg.get(key, default)
    if value is None:
        raise LlmlabError(f"config field {key!r} is missing: add it to config.json")
    if isinstance(value, float) and value.is_integer():  # NaN and infinities are not
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise LlmlabError(f"config field {key!r} must be a whole number, got {_shown(value)}")
    if not minimum <= value <= MAXIMUM[key]:
        raise LlmlabError(
            f"config field {key!r} must be from {minimum} to {MAXIMUM[key]:,}, got {_shown(value)}"
        )
    return value


def _flag(cfg: dict[str, Any], key: str, default: bool) -> bool:
    """A true/false field; a string such as "false" would otherwise read as true."""
    value = cfg.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise LlmlabError(f"config field {key!r} must be true or false, got {_shown(value)}")
    return value


def _layer_types(cfg: dict[str, Any], layers: int, default: Callable[[int], str]) -> tuple[str, ...]:
    given = cfg.get("layer_types")
    if given is None:
        return tuple(default(i) for i in range(layers))
    if not isinstance(given, list) or len(given) != layers or any(t not in (FULL, SLIDING) for t in given):
        raise LlmlabError(
            f"config field 'layer_types' must list {layers} entries of {FULL!r} or {SLIDING!r}, "
            f"got {_shown(given)}"
        )
    return tuple(given)


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


def from_hf(cfg: dict[str, Any]) -> ArchConfig:
    """Validate a Hugging Face config dict and derive the per-layer structure."""
    if not isinstance(cfg, dict):
        raise LlmlabError(f"a model config must be a JSON object of Hugging Face fields, got {_shown(cfg)}")
    model_type = cfg.get("model_type")
    if model_type not in SUPPORTED_MODEL_TYPES:
        raise LlmlabError(
            f"config field 'model_type' is {_shown(model_type)}, which is not supported: "
            f"use one of {', '.join(SUPPORTED_MODEL_TYPES)}"
        )
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
    window = cfg.get("sliding_window")
    window = _int(cfg, "sliding_window") if window is not None else None

    fields: dict[str, Any] = dict(
        model_type=model_type, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
        num_key_value_heads=kv_heads, head_dim=head_dim, vocab_size=_int(cfg, "vocab_size"),
        intermediate_size=_int(cfg, "intermediate_size"),
        tie_word_embeddings=_flag(cfg, "tie_word_embeddings", model_type == "gemma2"),
        max_position_embeddings=_int(cfg, "max_position_embeddings", 0, minimum=0),
        sliding_window=window,
        qkv_bias=_flag(cfg, "attention_bias", False), o_bias=_flag(cfg, "attention_bias", False),
        mlp_bias=_flag(cfg, "mlp_bias", False),
    )
    all_sliding = lambda i: SLIDING if window else FULL  # noqa: E731 - Mistral/Mixtral: every layer
    alternating = lambda i: SLIDING if i % 2 == 0 else FULL  # noqa: E731 - Gemma 2, gpt-oss: even layers slide
    dense = tuple(False for _ in range(layers))

    if model_type in ("llama", "olmo2"):
        fields.update(layer_types=_layer_types(cfg, layers, lambda i: FULL), moe_layers=dense)
        if model_type == "olmo2":
            fields.update(qk_norm="per_projection")
    elif model_type in ("mistral", "mixtral"):
        fields.update(layer_types=_layer_types(cfg, layers, all_sliding), moe_layers=dense)
    elif model_type in ("qwen2", "qwen3", "qwen3_moe"):
        use_window = _flag(cfg, "use_sliding_window", False) and window is not None
        first_sliding = _int(cfg, "max_window_layers", layers, minimum=0)
        fields.update(
            layer_types=_layer_types(cfg, layers, lambda i: SLIDING if use_window and i >= first_sliding else FULL),
            moe_layers=dense,
        )
        if not use_window:
            fields.update(sliding_window=None)
        if model_type == "qwen2":
            fields.update(qkv_bias=True, o_bias=False)
        else:
            fields.update(qk_norm="per_head")
    elif model_type == "gemma2":
        fields.update(layer_types=_layer_types(cfg, layers, alternating), moe_layers=dense, norms_per_layer=4)
    elif model_type == "gpt_oss":
        fields.update(layer_types=_layer_types(cfg, layers, alternating), attention_sinks=True,
                      expert_bias=True, router_bias=True)
    elif model_type == "deepseek_v3":
        fields.update(layer_types=_layer_types(cfg, layers, lambda i: FULL))
        q_rank = cfg.get("q_lora_rank")
        fields.update(
            q_lora_rank=_int(cfg, "q_lora_rank") if q_rank is not None else None,
            kv_lora_rank=_int(cfg, "kv_lora_rank"), qk_nope_head_dim=_int(cfg, "qk_nope_head_dim"),
            qk_rope_head_dim=_int(cfg, "qk_rope_head_dim"), v_head_dim=_int(cfg, "v_head_dim"),
            router_bias=cfg.get("topk_method") == "noaux_tc",  # e_score_correction_bias
        )

    fields.update(_experts(cfg, model_type, layers))
    return ArchConfig(**fields)


def _experts(cfg: dict[str, Any], model_type: str, layers: int) -> dict[str, Any]:
    """Expert counts and which layers route, in each family's own keys."""
    experts_key = {"mixtral": "num_local_experts", "gpt_oss": "num_local_experts",
                   "qwen3_moe": "num_experts", "deepseek_v3": "n_routed_experts"}.get(model_type)
    if experts_key is None:
        return {"moe_layers": tuple(False for _ in range(layers))}
    experts = _int(cfg, experts_key)
    top_k = _int(cfg, "num_experts_per_tok")
    if top_k > experts:
        raise LlmlabError(
            f"config field 'num_experts_per_tok' ({top_k}) exceeds the number of experts {experts_key} ({experts})"
        )
    result: dict[str, Any] = {"num_experts": experts, "num_experts_per_tok": top_k}
    if model_type in ("mixtral", "gpt_oss"):
        result.update(moe_layers=tuple(True for _ in range(layers)),
                      moe_intermediate_size=_int(cfg, "intermediate_size"))
    elif model_type == "qwen3_moe":
        step = _int(cfg, "decoder_sparse_step", 1)
        dense_only = _layer_numbers(cfg, "mlp_only_layers", layers)
        result.update(
            moe_layers=tuple(i not in dense_only and (i + 1) % step == 0 for i in range(layers)),
            moe_intermediate_size=_int(cfg, "moe_intermediate_size"),
        )
    else:  # deepseek_v3
        first_dense = _int(cfg, "first_k_dense_replace", 0, minimum=0)
        freq = _int(cfg, "moe_layer_freq", 1)
        result.update(
            moe_layers=tuple(i >= first_dense and i % freq == 0 for i in range(layers)),
            moe_intermediate_size=_int(cfg, "moe_intermediate_size"),
            n_shared_experts=_int(cfg, "n_shared_experts", 0, minimum=0),
        )
    return result


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
