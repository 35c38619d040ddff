"""Fit L(N, D) = E + A/N^alpha + B/D^beta to training runs, Hoffmann et al. 2022 App. D.2 style.

Objective: sum of Huber_delta( LSE(a - alpha·log N, b - beta·log D, e) - log L ), delta = 1e-3,
with A = e^a, B = e^b, E = e^e. The paper runs L-BFGS from each of 4,500 grid starts. Most of
those runs end in the same basin, so here the whole grid is scored in one vectorised pass, only
the most promising few starts are refined, and every refinement uses the analytic gradient.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax

from llmlab.errors import LlmlabError
from llmlab.laws.parametric import ChinchillaLaw
from llmlab.laws.runs import Runs

HUBER_DELTA = 1e-3
PARAM_NAMES = ("E", "A", "B", "alpha", "beta")


def hoffmann_grid() -> np.ndarray:
    """The paper's 4,500 initialisations as rows (a, b, e, alpha, beta)."""
    alphas = betas = np.arange(0.0, 2.01, 0.5)
    es = np.arange(-1.0, 1.01, 0.5)
    abs_ = np.arange(0.0, 25.1, 5.0)
    return np.array([(a, b, e, al, be) for a, b, e, al, be in itertools.product(abs_, abs_, es, alphas, betas)])


def _log_predictions(theta: np.ndarray, log_n: np.ndarray, log_d: np.ndarray) -> np.ndarray:
    """Log predicted loss for one theta (5,) or many thetas (k, 5); shape (..., points)."""
    theta = np.atleast_2d(theta)
    terms = np.stack(
        [
            theta[:, [0]] - theta[:, [3]] * log_n,
            theta[:, [1]] - theta[:, [4]] * log_d,
            np.broadcast_to(theta[:, [2]], (theta.shape[0], log_n.size)),
        ]
    )
    return logsumexp(terms, axis=0)


def _huber(r: np.ndarray, delta: float) -> np.ndarray:
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))


def objective(theta: np.ndarray, log_n: np.ndarray, log_d: np.ndarray, log_loss: np.ndarray,
              delta: float = HUBER_DELTA) -> np.ndarray:
    """Summed Huber loss of log-residuals; vectorised over rows of theta."""
    residual = _log_predictions(theta, log_n, log_d) - log_loss
    return _huber(residual, delta).sum(axis=-1)


def objective_and_gradient(theta: np.ndarray, log_n: np.ndarray, log_d: np.ndarray,
                           log_loss: np.ndarray, delta: float = HUBER_DELTA) -> tuple[float, np.ndarray]:
    a, b, e, alpha, beta = theta
    terms = np.stack([a - alpha * log_n, b - beta * log_d, np.full_like(log_n, e)])
    weights = softmax(terms, axis=0)  # d LSE / d term
    residual = logsumexp(terms, axis=0) - log_loss
    dr = np.clip(residual, -delta, delta)  # Huber'(r)
    grad = np.array(
        [
            dr @ weights[0],
            dr @ weights[1],
            dr @ weights[2],
            -(dr * weights[0]) @ log_n,
            -(dr * weights[1]) @ log_d,
        ]
    )
    return float(_huber(residual, delta).sum()), grad


@dataclass(frozen=True)
class Fit:
    law: ChinchillaLaw
    objective: float
    points: int
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    bootstrap: int = 0

    def as_dict(self) -> dict:
        law = self.law
        result = {
            "E": law.E, "A": law.A, "B": law.B, "alpha": law.alpha, "beta": law.beta,
            "a": law.beta / (law.alpha + law.beta),
            "objective": self.objective, "points": self.points,
        }
        if self.intervals:
            result["intervals"] = {k: list(v) for k, v in self.intervals.items()}
            result["bootstrap"] = self.bootstrap
        return result


def _refine(theta0: np.ndarray, data: tuple[np.ndarray, ...], delta: float) -> tuple[np.ndarray, float]:
    result = minimize(
        objective_and_gradient, theta0, args=(*data, delta), jac=True, method="L-BFGS-B",
        options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-12},
    )
    return result.x, float(result.fun)


def _best_theta(data: tuple[np.ndarray, ...], delta: float, starts: np.ndarray, refine: int) -> tuple[np.ndarray, float]:
    scores = objective(starts, *data, delta=delta)
    order = np.argsort(scores, kind="stable")[:refine]
    return min((_refine(starts[i], data, delta) for i in order), key=lambda pair: pair[1])


def _law(theta: np.ndarray, name: str) -> ChinchillaLaw:
    a, b, e, alpha, beta = theta
    return ChinchillaLaw(E=float(np.exp(e)), A=float(np.exp(a)), B=float(np.exp(b)),
                         alpha=float(alpha), beta=float(beta), name=name,
                         source="fitted here (Hoffmann et al. 2022 App. D.2 procedure)")


def fit_runs(runs: Runs, bootstrap: int = 0, seed: int = 0, delta: float = HUBER_DELTA,
             refine: int = 16) -> Fit:
    """Best fit over the Hoffmann grid, plus percentile bootstrap 95% intervals if ``bootstrap > 0``."""
    if len(runs) < 5:
        raise LlmlabError(f"fitting five constants needs at least 5 runs, got {len(runs)}")
    if bootstrap < 0:
        raise LlmlabError(f"--bootstrap must be zero or more, got {bootstrap}")
    data = (np.log(runs.params), np.log(runs.tokens), np.log(runs.loss))
    starts = hoffmann_grid()
    theta, value = _best_theta(data, delta, starts, refine)
    intervals: dict[str, tuple[float, float]] = {}
    if bootstrap:
        rng = np.random.default_rng(seed)
        samples = []
        # A resample's optimum lies near the full-data one, so that is where each refit starts.
        for _ in range(bootstrap):
            pick = rng.integers(0, len(runs), len(runs))
            t, _ = _refine(theta, tuple(column[pick] for column in data), delta)
            law = _law(t, "bootstrap")
            samples.append([law.E, law.A, law.B, law.alpha, law.beta, law.beta / (law.alpha + law.beta)])
        low, high = np.percentile(np.array(samples), [2.5, 97.5], axis=0)
        intervals = {name: (float(lo), float(hi)) for name, lo, hi in zip((*PARAM_NAMES, "a"), low, high)}
    return Fit(law=_law(theta, "fitted"), objective=value, points=len(runs), intervals=intervals,
               bootstrap=bootstrap)
