"""Loss as a function of parameters N and training tokens D, with the published fits.

Two functional forms cover the literature this package uses:

* Chinchilla (Hoffmann et al. 2022): L = E + A / N^alpha + B / D^beta, N = all parameters.
* Kaplan et al. 2020 eq. (1.5): L = [(N_c / N)^(alpha_N / alpha_D) + D_c / D]^alpha_D,
  where N counts NON-embedding parameters only.

A fit is measured on runs of limited size; ``extrapolation_warnings`` says when a question lies far
outside them, where the power law is an assumption rather than a measurement.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from llmlab import catalog
from llmlab.errors import LlmlabError
from llmlab.units import human

EXTRAPOLATION_FACTOR = 10  # warn when N or D lies this far outside the fitted range


@dataclass(frozen=True)
class FittedRange:
    """The model sizes and token counts a fit was measured on, with where that is stated."""

    params: tuple[float, float]
    tokens: tuple[float, float]
    source: str = ""


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
    fitted_range: FittedRange | None = None

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
    fitted_range: FittedRange | None = None
    # Kaplan's own compute-efficient frontier (Table 6), N_opt = coefficient · (C / unit)^exponent: not the
    # minimum of L(N, C/6N), which Kaplan's frontier is not (their runs stop before convergence).
    optimal_params_coefficient: float = 1.3e9
    optimal_params_exponent: float = 0.73
    flops_unit: float = 8.64e19  # one PF-day

    def optimal_params(self, flops: float) -> float:
        return self.optimal_params_coefficient * (flops / self.flops_unit) ** self.optimal_params_exponent

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
        return float(np.exp(np.log(self.N_c) - np.log(target) / self.alpha_N))  # logs: tiny targets give inf


Law = ChinchillaLaw | KaplanLaw


def get_law(name: str) -> Law:
    """A published fit by catalog name (``chinchilla``, ``chinchilla-rounded``, ``epoch2024``, ``kaplan2020``)."""
    entry = catalog.fit(name)
    key = name.strip().lower()
    fitted = entry["fitted_range"]
    common = dict(name=key, source=entry["source"], params_convention=entry["params_convention"],
                  fitted_range=FittedRange(tuple(fitted["params"]), tuple(fitted["tokens"]), fitted["source"]))
    if entry["form"] == "kaplan":
        frontier = entry["allocation"]
        return KaplanLaw(alpha_N=entry["alpha_N"], alpha_D=entry["alpha_D"], N_c=entry["N_c"], D_c=entry["D_c"],
                         optimal_params_coefficient=frontier["params_coefficient"],
                         optimal_params_exponent=frontier["params_exponent"], flops_unit=frontier["flops_unit"],
                         **common)
    return ChinchillaLaw(E=entry["E"], A=entry["A"], B=entry["B"], alpha=entry["alpha"], beta=entry["beta"], **common)


def extrapolation_warnings(law: Law | str, params: float, tokens: float) -> list[str]:
    """One warning for N and one for D when it lies over 10× outside the range the fit was measured on.

    A law with no recorded range (a custom one) gets none: there is nothing to compare with.
    """
    law = get_law(law) if isinstance(law, str) else law
    if law.fitted_range is None:
        return []
    warnings: list[str] = []
    for symbol, value, (low, high), small, large in (
        ("N", params, law.fitted_range.params, "smallest model", "largest model"),
        ("D", tokens, law.fitted_range.tokens, "fewest tokens", "most tokens"),
    ):
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (math.isfinite(value) and value > 0):
            raise LlmlabError(f"{symbol} must be a positive finite number, got {value!r}")
        if value > EXTRAPOLATION_FACTOR * high:
            ratio, where, edge, bound = value / high, "above", large, high
        elif value < low / EXTRAPOLATION_FACTOR:
            ratio, where, edge, bound = low / value, "below", small, low
        else:
            continue
        warnings.append(
            f"{symbol} = {value:.3g} is {ratio:,.0f}× {where} the {edge} fit {law.name!r} was fitted on "
            f"({human(bound)}): treat the prediction as an extrapolation"
        )
    return warnings


def fit_names() -> list[str]:
    return sorted(catalog.fits())
