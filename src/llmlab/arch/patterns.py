"""Attention patterns as mask predicates, and how many query/key pairs each one attends.

``visible(q, k)`` uses only comparison, arithmetic and ``&``/``|``, so the same predicate builds
a numpy mask here and a torch mask in the mini-LLM. Conventions (0-based positions):

* causal:        k <= q
* sliding(W):    q - W < k <= q            (Hugging Face / Mistral: W keys including itself)
* strided(s):    k <= q and ((q - k) < s or (q - k) % s == 0)   (Child et al. 2019, both heads)
* global_local:  k <= q and ((q - k) < W or k < G)  (local window plus G global prefix tokens)
* chunked(C):    k <= q and k // C == q // C  (Llama 4's chunked local attention: a query sees only
                 the keys of its own C-token chunk, so the first query of each chunk sees one key)

Pair counts are closed forms in exact integers, so a 10-billion-token context costs nothing;
only the pictures (``mask``, ``keys_per_query``, ``density``) build arrays, and their sizes are bounded.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

import numpy as np

from llmlab.errors import LlmlabError

KINDS = ("causal", "sliding", "strided", "global_local")
# Every kind a model's layer can have. "chunked" is a per-layer pattern read from a config
# (``attention_chunk_size``); it stays out of KINDS, the override choices offered to users.
LAYER_KINDS = (*KINDS, "chunked")
MAX_SPAN = 2**27  # longest window, stride or global prefix, and longest sequence ``density`` samples
MAX_MASK = 2**12  # longest sequence ``mask`` draws: an n×n array
MAX_PER_QUERY = 2**22  # longest sequence ``keys_per_query`` lists
MAX_DENSITY_SAMPLES = 2**12  # cells × samples: the sampled positions per side of ``density``


def _whole(value: Any, what: str, minimum: int, maximum: int | None = None) -> int:
    """``value`` as a Python int (exact arithmetic), refused outside [minimum, maximum]."""
    try:
        number = operator.index(value)
    except TypeError:
        raise LlmlabError(f"{what} must be a whole number, got {value!r}") from None
    if isinstance(value, bool) or number < minimum or (maximum is not None and number > maximum):
        bound = f"from {minimum:,} to {maximum:,}" if maximum is not None else f"at least {minimum:,}"
        raise LlmlabError(f"{what} must be a whole number {bound}, got {value!r}")
    return number


def _capped_sum(n: int, cap: int) -> int:
    """sum of min(i, cap) for i = 1..n: the keys n queries see through a window of ``cap`` keys."""
    m = min(n, cap)
    return m * (m + 1) // 2 + (n - m) * cap


@dataclass(frozen=True)
class AttentionPattern:
    kind: str = "causal"
    window: int = 0
    stride: int = 0
    n_global: int = 0

    def __post_init__(self) -> None:
        if self.kind not in LAYER_KINDS:
            raise LlmlabError(f"unknown attention pattern {self.kind!r}: choose one of {', '.join(LAYER_KINDS)}")
        needs = {"sliding": ("window",), "strided": ("stride",), "global_local": ("window", "n_global"),
                 "chunked": ("window",)}  # a chunked pattern's window is its chunk size
        for name in ("window", "stride", "n_global"):
            minimum = 1 if name in needs.get(self.kind, ()) else 0
            value = _whole(getattr(self, name), f"the {name} of attention pattern {self.kind!r}", minimum, MAX_SPAN)
            object.__setattr__(self, name, value)  # a Python int: pair counts stay exact

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
        if self.kind == "chunked":
            return causal & (k // self.window == q // self.window)
        return causal & ((distance < self.window) | (k < self.n_global))

    def mask(self, n: int) -> np.ndarray:
        """The (n, n) boolean mask, rows are queries."""
        positions = np.arange(_whole(n, "mask length", 1, MAX_MASK))
        return self.visible(positions[:, None], positions[None, :])

    def density(self, n: int, cells: int = 64, samples: int = 8) -> np.ndarray:
        """A cells×cells picture of the n×n mask, for n too long to draw (use ``mask`` when n <= cells).

        Each cell is the share of its samples×samples query/key pairs, on evenly spaced positions, attended.
        """
        n = _whole(n, "sequence length", 1, MAX_SPAN)
        cells = _whole(cells, "cells", 1, MAX_DENSITY_SAMPLES)
        samples = _whole(samples, "samples", 1, MAX_DENSITY_SAMPLES // cells)
        positions = np.linspace(0, n - 1, cells * samples).round().astype(np.int64)
        visible = self.visible(positions[:, None], positions[None, :])
        return visible.reshape(cells, samples, cells, samples).mean(axis=(1, 3))

    def keys_per_query(self, n: int) -> np.ndarray:
        """How many keys each of n queries sees, without building the n×n mask."""
        q = np.arange(_whole(n, "sequence length", 1, MAX_PER_QUERY), dtype=np.int64)
        if self.kind == "causal":
            return q + 1
        if self.kind == "sliding":
            return np.minimum(q + 1, self.window)
        if self.kind == "strided":
            return np.minimum(q + 1, self.stride) + q // self.stride
        if self.kind == "chunked":
            return q % self.window + 1
        far_globals = np.clip(q - self.window + 1, 0, self.n_global)
        return np.minimum(q + 1, self.window) + far_globals

    def pairs(self, n: int) -> int:
        """Query/key pairs attended in an n-token sequence: ``keys_per_query(n).sum()`` in closed form."""
        n = _whole(n, "sequence length", 1)
        if self.kind == "causal":
            return n * (n + 1) // 2
        if self.kind == "sliding":
            return _capped_sum(n, self.window)
        if self.kind == "strided":
            blocks, rest = divmod(n, self.stride)  # sum of q // stride over q < n
            return _capped_sum(n, self.stride) + self.stride * blocks * (blocks - 1) // 2 + blocks * rest
        if self.kind == "chunked":
            chunks, rest = divmod(n, self.window)  # whole chunks, then the last partial one
            return chunks * self.window * (self.window + 1) // 2 + rest * (rest + 1) // 2
        return _capped_sum(n, self.window) + _capped_sum(max(n - self.window, 0), self.n_global)

    def mean_keys(self, n: int) -> float:
        return self.pairs(n) / n

    def fraction_of_causal(self, n: int) -> float:
        """Pairs attended relative to full causal attention, the cost ratio of the score matrices."""
        return self.pairs(n) / (n * (n + 1) // 2)
