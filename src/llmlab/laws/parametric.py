"""Loss as a function of parameters N and training tokens D, with the published fits.

Two functional forms cover the literature this package uses:

* Chinchilla (Hoffmann et al. 2022): L = E + A / N^alpha + B / D^beta, N = all parameters.
* Kaplan et al. 2020 eq. (1.5): L = [(N_c / N)^(alpha_N / alpha_D) + D_c / D]^alpha_D,
  where N counts NON-embedding parameters only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import numpy as np
from numpy.typing import ArrayLike

from llmlab import catalog
from llmlab.errors import LlmlabError


@dataclass(frozen=True)
class ChinchillaLaw:
    E: float
    A: float
    B: float
    alpha: float
    beta: float
    name: str = "custom"
    source: str = ""
    params_convention: str = "total parameters including embeddings"

    def loss(self, params: ArrayLike, tokens: ArrayLike) -> np.ndarray:
        n, d = np.asarray(params, float), np.asarray(tokens, float)
        return self.E + self.A / n**self.alpha + self.B / d**self.beta

    def tokens_for_loss(self, params: ArrayLike, target: float) -> np.ndarray:
        """Tokens that bring a model of ``params`` to ``target`` loss (inf where unreachable)."""
        gap = target - self.E - self.A / np.asarray(params, float) ** self.alpha
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(gap > 0, (self.B / gap) ** (1 / self.beta), np.inf)

    def min_params_for_loss(self, target: float) -> float:
        """Below this size no amount of data reaches ``target``."""
        if target <= self.E:
            raise LlmlabError(f"target loss {target} is at or below the irreducible loss E = {self.E}")
        return (self.A / (target - self.E)) ** (1 / self.alpha)


@dataclass(frozen=True)
class KaplanLaw:
    alpha_N: float
    alpha_D: float
    N_c: float
    D_c: float
    name: str = "kaplan2020"
    source: str = ""
    params_convention: str = "non-embedding parameters"

    def loss(self, params: ArrayLike, tokens: ArrayLike) -> np.ndarray:
        n, d = np.asarray(params, float), np.asarray(tokens, float)
        return ((self.N_c / n) ** (self.alpha_N / self.alpha_D) + self.D_c / d) ** self.alpha_D

    def tokens_for_loss(self, params: ArrayLike, target: float) -> np.ndarray:
        gap = target ** (1 / self.alpha_D) - (self.N_c / np.asarray(params, float)) ** (
            self.alpha_N / self.alpha_D
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(gap > 0, self.D_c / gap, np.inf)

    def min_params_for_loss(self, target: float) -> float:
        if target <= 0:
            raise LlmlabError(f"target loss must be positive, got {target}")
        return self.N_c / target ** (1 / self.alpha_N)


Law = Union[ChinchillaLaw, KaplanLaw]


def get_law(name: str) -> Law:
    """A published fit by catalog name (``chinchilla``, ``chinchilla-rounded``, ``epoch2024``, ``kaplan2020``)."""
    entry = catalog.fit(name)
    key = name.strip().lower()
    if entry["form"] == "kaplan":
        return KaplanLaw(
            alpha_N=entry["alpha_N"], alpha_D=entry["alpha_D"], N_c=entry["N_c"], D_c=entry["D_c"],
            name=key, source=entry["source"], params_convention=entry["params_convention"],
        )
    return ChinchillaLaw(
        E=entry["E"], A=entry["A"], B=entry["B"], alpha=entry["alpha"], beta=entry["beta"],
        name=key, source=entry["source"], params_convention=entry["params_convention"],
    )


def fit_names() -> list[str]:
    return sorted(catalog.fits())
