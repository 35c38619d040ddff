"""A toy Mixture-of-Experts router you can watch: word → hashed embedding → logits → top-k.

Each word becomes a 16-d vector by the hashing trick over its character trigrams (so words that
share spelling share direction); a seeded 16×8 matrix W gives 8 expert logits; softmax in float64,
top-k, and the chosen probabilities renormalised to sum to one (Mixtral's routing). The load
balance loss is Switch/Mixtral's E · Σ_i f_i · P_i (f_i: fraction of assignments to expert i,
P_i: mean router probability). The weights are random, not trained: this shows the mechanism.
"""

from __future__ import annotations

import hashlib
import re

import numpy as np

from llmlab.errors import LlmlabError
from llmlab.schema import Result

EMBED_DIM = 16
NUM_EXPERTS = 8
MAX_WORDS = 64
_WORD = re.compile(r"[\w']+")  # Unicode words: "émigré", "naïve" and Japanese route whole


def word_embedding(word: str) -> np.ndarray:
    """Signed feature hashing of the padded word's character trigrams, L2-normalised."""
    padded = f"<{word.lower()}>"
    vector = np.zeros(EMBED_DIM)
    for i in range(len(padded) - 2):
        digest = hashlib.blake2b(padded[i:i + 3].encode(), digest_size=8).digest()
        bucket, sign = digest[0] % EMBED_DIM, 1.0 if digest[1] % 2 else -1.0
        vector[bucket] += sign
    norm = np.linalg.norm(vector)
    return vector / norm if norm else vector


def router_matrix(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((EMBED_DIM, NUM_EXPERTS))


class RoutedWord(Result):
    word: str
    embedding: list[float]
    logits: list[float]
    probs: list[float]
    experts: list[int]
    gates: list[float]


class Routing(Result):
    tokens: list[RoutedWord]
    top_k: int
    seed: int
    router: list[list[float]]
    load: list[int]
    load_fraction: list[float]
    balance_loss: float
    note: str = "random seeded router weights, not a trained model: the mechanism, not a real routing"


def route(text: str, top_k: int = 2, seed: int = 0) -> Routing:
    if not 1 <= top_k <= NUM_EXPERTS:
        raise LlmlabError(f"top_k must be between 1 and {NUM_EXPERTS}, got {top_k}")
    words = _WORD.findall(text)[:MAX_WORDS]
    if not words:
        raise LlmlabError("type at least one word to route")
    weights = router_matrix(seed)
    tokens = []
    assignments = np.zeros(NUM_EXPERTS)
    prob_sum = np.zeros(NUM_EXPERTS)
    for word in words:
        x = word_embedding(word)
        logits = x @ weights
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        chosen = np.argsort(-probs, kind="stable")[:top_k]
        gates = probs[chosen] / probs[chosen].sum()
        assignments[chosen] += 1
        prob_sum += probs
        tokens.append(RoutedWord(word=word, embedding=x.tolist(), logits=logits.tolist(), probs=probs.tolist(),
                                 experts=chosen.tolist(), gates=gates.tolist()))
    fraction = assignments / assignments.sum()
    mean_prob = prob_sum / len(words)
    return Routing(tokens=tokens, top_k=top_k, seed=seed, router=weights.tolist(),
                   load=assignments.astype(int).tolist(), load_fraction=fraction.tolist(),
                   balance_loss=float(NUM_EXPERTS * np.dot(fraction, mean_prob)))
