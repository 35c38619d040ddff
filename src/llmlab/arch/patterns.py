"""Attention patterns as mask predicates, and how many query/key pairs each one attends.

``visible(q, k)`` uses only comparison, arithmetic and ``&``/``|``, so the same predicate builds
a numpy mask here and a torch mask in the mini-LLM. Conventions (0-based positions):

* causal:        k <= q
* sliding(W):    q - W < k <= q            (Hugging Face / Mistral: W keys including itself)
* strided(s):    k <= q and ((q - k) < s or (q - k) % s == 0)   (Child et al. 2019, both heads)
* global_local:  k <= q and ((q - k) < W or k < G)  (local window plus G global prefix tokens)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from llmlab.errors import LlmlabError

KINDS = ("causal", "sliding", "strided", "global_local")


@dataclass(frozen=True)
class AttentionPattern:
    kind: str = "causal"
    window: int = 0
    stride: int = 0
    n_global: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise LlmlabError(f"unknown attention pattern {self.kind!r}: choose one of {', '.join(KINDS)}")
        needs = {"sliding": ("window",), "strided": ("stride",), "global_local": ("window", "n_global")}
        for name in needs.get(self.kind, ()):
            if getattr(self, name) < 1:
                raise LlmlabError(f"attention pattern {self.kind!r} needs a positive {name}")

    def visible(self, q: Any, k: Any) -> Any:
        """Elementwise: may query position q attend to key position k?"""
        causal = k <= q
        if self.kind == "causal":
            return causal
        distance = q - k
        if self.kind == "sliding":
            return causal & (distance < self.window)
        if self.kind == "strided":
            return causal & ((distance < self.stride) | (distance % self.stride == 0))
        return causal & ((distance < self.window) | (k < self.n_global))

    def mask(self, n: int) -> np.ndarray:
        """The (n, n) boolean mask, rows are queries."""
        positions = np.arange(n)
        return self.visible(positions[:, None], positions[None, :])

    def keys_per_query(self, n: int) -> np.ndarray:
        """How many keys each of n queries sees, without building the n×n mask."""
        q = np.arange(n, dtype=np.int64)
        if self.kind == "causal":
            return q + 1
        if self.kind == "sliding":
            return np.minimum(q + 1, self.window)
        if self.kind == "strided":
            return np.minimum(q + 1, self.stride) + q // self.stride
        far_globals = np.clip(q - self.window + 1, 0, self.n_global)
        return np.minimum(q + 1, self.window) + far_globals

    def pairs(self, n: int) -> int:
        return int(self.keys_per_query(n).sum())

    def mean_keys(self, n: int) -> float:
        return self.pairs(n) / n

    def fraction_of_causal(self, n: int) -> float:
        """Pairs attended relative to full causal attention, the cost ratio of the score matrices."""
        return self.pairs(n) / (n * (n + 1) / 2)
