"""Emergence as a choice of metric (Wei et al. 2022 vs Schaeffer et al. 2023).

Per-token accuracy from the scaling law: on a task with one right answer the text's irreducible
entropy E does not apply, so take the reducible loss L(N, D) − E as the answer tokens' cross-entropy
and p = exp(−(L − E)) as the chance of each answer token being right (smooth in N). Scored over a
k-token answer: exact match ≈ p^k (looks like a sudden jump on a log-N axis), token edit distance
≈ k·(1 − p) (smooth again). Models are trained compute-optimally at 20 tokens per parameter.
"""

from __future__ import annotations

import numpy as np

from llmlab.errors import LlmlabError
from llmlab.laws.parametric import ChinchillaLaw, Law
from llmlab.schema import Result

METRICS = ("exact_match", "per_token", "edit_distance")


class EmergenceCurves(Result):
    params: list[float]
    loss: list[float]
    per_token: list[float]
    exact_match: list[float]
    edit_distance: list[float]
    answer_tokens: int
    tokens_per_param: float
    fit: str


def emergence_curves(law: Law, answer_tokens: int, sizes: np.ndarray,
                     tokens_per_param: float = 20.0) -> EmergenceCurves:
    if not isinstance(law, ChinchillaLaw):
        raise LlmlabError("emergence needs a law with an irreducible term E: use chinchilla or epoch2024")
    if not 1 <= answer_tokens <= 100:
        raise LlmlabError(f"answer length k must be 1-100 tokens, got {answer_tokens}")
    sizes = np.asarray(sizes, float)
    loss = law.loss(sizes, tokens_per_param * sizes)
    per_token = np.exp(-(loss - law.E))
    return EmergenceCurves(
        params=sizes.tolist(), loss=loss.tolist(), per_token=per_token.tolist(),
        exact_match=(per_token ** answer_tokens).tolist(), edit_distance=(answer_tokens * (1 - per_token)).tolist(),
        answer_tokens=answer_tokens, tokens_per_param=tokens_per_param, fit=law.name,
    )
