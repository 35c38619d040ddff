"""Model and training settings sized for a 2-core CPU (see README for measured times)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from llmlab.errors import LlmlabError
from llmlab.nn.config import ModelConfig


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 600
    batch_size: int = 16
    seq_len: int = 128
    grad_accum: int = 1
    lr: float = 3e-3
    min_lr_ratio: float = 0.1
    warmup: int = 40
    schedule: str = "cosine"          # cosine | wsd (warmup-stable-decay)
    decay_fraction: float = 0.2       # wsd: the final share of steps spent decaying
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    eval_every: int = 100
    eval_batches: int = 8
    checkpoint_every: int = 100
    seed: int = 0
    bf16: bool = False

    def __post_init__(self) -> None:
        if self.schedule not in ("cosine", "wsd"):
            raise LlmlabError(f"schedule must be cosine or wsd, got {self.schedule!r}")
        for name in ("steps", "batch_size", "seq_len", "grad_accum", "eval_every", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise LlmlabError(f"{name} must be at least 1")


TINY = ModelConfig(vocab_size=4096, hidden_size=128, intermediate_size=352, num_hidden_layers=4,
                   num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512)
PRESETS: dict[str, tuple[ModelConfig, TrainConfig]] = {
    "tiny": (TINY, TrainConfig(steps=700)),
    "small": (ModelConfig(vocab_size=4096, hidden_size=384, intermediate_size=1024, num_hidden_layers=6,
                          num_attention_heads=6, num_key_value_heads=3, max_position_embeddings=512),
              TrainConfig(steps=1200, batch_size=16, seq_len=256, lr=1.5e-3, eval_every=200, checkpoint_every=200,
                          bf16=True)),
    "moe-tiny": (replace(TINY, num_local_experts=4, num_experts_per_tok=2, router_aux_loss_coef=0.01),
                 TrainConfig(steps=700)),
}


def preset(name: str) -> tuple[ModelConfig, TrainConfig]:
    if name not in PRESETS:
        raise LlmlabError(f"unknown preset {name!r}: choose one of {', '.join(PRESETS)}")
    return PRESETS[name]
