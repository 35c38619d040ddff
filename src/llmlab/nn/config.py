"""One frozen configuration for the mini-LLM. Field names are Hugging Face's config keys; what can be
derived (head size, parameter and FLOP counts) is computed, never configured.

A few fields have no Hugging Face equivalent and are marked so: the strided and global+local
attention patterns, aux-loss-free expert balancing, and shared experts. Models that use them train
and generate here but cannot be exported to a Hugging Face architecture.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from llmlab.arch.config import from_hf
from llmlab.arch.flops import flops_per_token
from llmlab.arch.patterns import AttentionPattern
from llmlab.errors import LlmlabError


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int = 4096
    hidden_size: int = 128
    intermediate_size: int = 352
    num_hidden_layers: int = 4
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    max_position_embeddings: int = 512
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    tie_word_embeddings: bool = True
    initializer_range: float = 0.02
    sliding_window: int | None = None       # HF Mistral: key j visible to query i iff i - W < j <= i
    num_local_experts: int = 0              # HF Mixtral; 0 means a dense SwiGLU MLP
    num_experts_per_tok: int = 2
    router_aux_loss_coef: float = 0.001
    # Not Hugging Face keys:
    attention_pattern: str = "causal"       # causal | sliding | strided | global_local
    attention_stride: int = 0               # strided pattern
    attention_global_tokens: int = 0        # global_local pattern: this many leading tokens are global
    n_shared_experts: int = 0               # DeepSeek-style always-on experts
    expert_bias_update_rate: float = 0.0    # DeepSeek-V3 aux-loss-free balancing step (gamma); 0 = off

    def __post_init__(self) -> None:
        for name in ("vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
                     "num_key_value_heads", "max_position_embeddings"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise LlmlabError(f"model config field {name!r} must be a positive integer, got {value!r}")
        if self.hidden_size % self.num_attention_heads:
            raise LlmlabError(
                f"num_attention_heads ({self.num_attention_heads}) must divide hidden_size ({self.hidden_size})")
        if self.num_attention_heads % self.num_key_value_heads:
            raise LlmlabError(
                f"num_key_value_heads ({self.num_key_value_heads}) must divide "
                f"num_attention_heads ({self.num_attention_heads})")
        if self.head_dim % 2:
            raise LlmlabError(f"head size hidden_size/num_attention_heads = {self.head_dim} must be even for RoPE")
        if self.num_local_experts and not 1 <= self.num_experts_per_tok <= self.num_local_experts:
            raise LlmlabError(f"num_experts_per_tok ({self.num_experts_per_tok}) must be between 1 and "
                              f"num_local_experts ({self.num_local_experts})")
        if self.sliding_window is not None and self.attention_pattern == "causal":
            object.__setattr__(self, "attention_pattern", "sliding")
        _ = self.pattern  # built only to validate the pattern's own parameters

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    @property
    def is_moe(self) -> bool:
        return self.num_local_experts > 0

    @property
    def pattern(self) -> AttentionPattern:
        """The mask every layer uses: the same definition `arch/` counts FLOPs with."""
        return AttentionPattern(self.attention_pattern, window=self.sliding_window or 0,
                                stride=self.attention_stride, n_global=self.attention_global_tokens)

    @property
    def hf_model_type(self) -> str | None:
        """The Hugging Face architecture this model exports as, or None if it has no equivalent."""
        if (self.n_shared_experts or self.expert_bias_update_rate
                or self.attention_pattern in ("strided", "global_local", "chunked")):
            return None
        if self.is_moe:
            return "mixtral"
        return "mistral" if self.sliding_window else "llama"

    def to_hf_dict(self) -> dict[str, Any]:
        """The config.json a Hugging Face loader expects (for exportable models)."""
        model_type = self.hf_model_type or "llama"
        hf = {
            "architectures": [{"llama": "LlamaForCausalLM", "mistral": "MistralForCausalLM",
                               "mixtral": "MixtralForCausalLM"}[model_type]],
            "model_type": model_type, "vocab_size": self.vocab_size, "hidden_size": self.hidden_size,
            "intermediate_size": self.intermediate_size, "num_hidden_layers": self.num_hidden_layers,
            "num_attention_heads": self.num_attention_heads, "num_key_value_heads": self.num_key_value_heads,
            "head_dim": self.head_dim, "hidden_act": "silu", "max_position_embeddings": self.max_position_embeddings,
            "rms_norm_eps": self.rms_norm_eps, "rope_theta": self.rope_theta,
            "tie_word_embeddings": self.tie_word_embeddings, "initializer_range": self.initializer_range,
            "attention_bias": False, "torch_dtype": "float32",
        }
        if model_type in ("mistral", "mixtral"):
            hf["sliding_window"] = self.sliding_window
        if model_type == "mixtral":
            hf.update(num_local_experts=self.num_local_experts, num_experts_per_tok=self.num_experts_per_tok,
                      router_aux_loss_coef=self.router_aux_loss_coef)
        return hf

    def training_flops_per_token(self, context: int) -> float:
        """arch/'s count (matmuls plus this pattern's attention at ``context`` tokens), shared experts added."""
        flops = flops_per_token(from_hf(self.to_hf_dict()), context, self.pattern).training
        shared = self.n_shared_experts * 3 * self.hidden_size * self.intermediate_size * self.num_hidden_layers
        return flops + 6 * shared

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelConfig:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise LlmlabError(f"unknown model config field(s): {', '.join(sorted(unknown))}")
        return cls(**data)

    @classmethod
    def load(cls, path: str | Path) -> ModelConfig:
        try:
            return cls.from_dict(json.loads(Path(path).read_text("utf-8")))
        except (OSError, json.JSONDecodeError) as error:
            raise LlmlabError(f"cannot read model config {path}: {error}") from None
