"""Fit L(N, D) = E + A/N^alpha + B/D^beta to training runs, Hoffmann et al. 2022 App. D.2 style.

Objective: sum of Huber_delta( LSE(a - alpha·log N, b - beta·log D, e) - log L ), delta = 1e-3,
with A = e^a, B = e^b, E = e^e. The paper runs L-BFGS from each of 4,500 grid starts. Most of
those runs end in the same basin, so here the whole grid is scored in vectorised chunks, only
the most promising few starts are refined, and every refinement uses the analytic gradient.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from pydantic import Field, computed_field
from scipy.optimize import minimize
from scipy.special import logsumexp, softmax

from llmlab.errors import LlmlabError
from llmlab.laws.parametric import ChinchillaLaw
from llmlab.laws.runs import MIN_RUNS, Runs
from llmlab.schema import Result

HUBER_DELTA = 1e-3
PARAM_NAMES = ("E", "A", "B", "alpha", "beta")
MAX_BOOTSTRAP = 1000
# Grid starts × runs scored at once: ~1 MB per array (~25 MB peak, whatever the number of runs),
# and small enough to stay in cache, which is as fast as scoring the whole grid in one pass.
SCORE_CHUNK = 2**17
SAME_RATIO_RTOL = 1e-9


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


def loss_interval(samples: Sequence[Sequence[float]], params: ArrayLike,
                  tokens: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The 95% percentile interval of the predicted loss over bootstrap refits (E, A, B, alpha, beta each):
    an interval of the prediction itself, the constants' correlations kept (not the corners of their box)."""
    losses = np.array([ChinchillaLaw(E=e, A=a, B=b, alpha=alpha, beta=beta).loss(params, tokens)
                       for e, a, b, alpha, beta in samples])
    low, high = np.percentile(losses, [2.5, 97.5], axis=0)
    return low, high


class Fit(Result):
    """The fitted constants of L = E + A/N^alpha + B/D^beta, with percentile-bootstrap 95% intervals."""

    E: float
    A: float
    B: float
    alpha: float
    beta: float
    objective: float
    points: int
    intervals: dict[str, tuple[float, float]] = {}
    bootstrap: int = 0
    samples: list[tuple[float, float, float, float, float]] = Field(
        default=[], description="each bootstrap refit's (E, A, B, alpha, beta)")

    def loss_interval(self, params: ArrayLike, tokens: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        if not self.samples:
            raise LlmlabError("this fit has no bootstrap refits: fit with bootstrap > 0")
        return loss_interval(self.samples, params, tokens)

    @computed_field
    @property
    def a(self) -> float:
        """N* ∝ C^a at the compute-optimal frontier: a = beta / (alpha + beta)."""
        return self.beta / (self.alpha + self.beta)

    @property
    def law(self) -> ChinchillaLaw:
        return ChinchillaLaw(E=self.E, A=self.A, B=self.B, alpha=self.alpha, beta=self.beta, name="fitted",
                             source="fitted here (Hoffmann et al. 2022 App. D.2 procedure)")


def _refine(theta0: np.ndarray, data: tuple[np.ndarray, ...], delta: float) -> tuple[np.ndarray, float]:
    result = minimize(
        objective_and_gradient, theta0, args=(*data, delta), jac=True, method="L-BFGS-B",
        options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-12},
    )
    return result.x, float(result.fun)


def grid_scores(starts: np.ndarray, data: tuple[np.ndarray, ...], delta: float = HUBER_DELTA) -> np.ndarray:
    """``objective`` at every start, a chunk of starts at a time so memory stays flat however many runs."""
    log_n, log_d, log_loss = data
    rows = max(1, SCORE_CHUNK // log_n.size)
    return np.concatenate([objective(starts[i:i + rows], log_n, log_d, log_loss, delta)
                           for i in range(0, len(starts), rows)])


def _best_theta(data: tuple[np.ndarray, ...], delta: float, starts: np.ndarray,
                refine: int) -> tuple[np.ndarray, float]:
    order = np.argsort(grid_scores(starts, data, delta), kind="stable")[:refine]
    return min((_refine(starts[i], data, delta) for i in order), key=lambda pair: pair[1])


def _law(theta: np.ndarray, name: str) -> ChinchillaLaw:
    a, b, e, alpha, beta = theta
    return ChinchillaLaw(E=float(np.exp(e)), A=float(np.exp(a)), B=float(np.exp(b)),
                         alpha=float(alpha), beta=float(beta), name=name,
                         source="fitted here (Hoffmann et al. 2022 App. D.2 procedure)")


def _check_identifiable(runs: Runs) -> None:
    """Refuse runs that cannot determine all five constants: any 'optimum' would be arbitrary."""
    if len(runs) < MIN_RUNS:
        raise LlmlabError(f"fitting five constants needs at least {MIN_RUNS} runs, got {len(runs)}")
    for values, symbol, what in ((runs.params, "N", "model sizes"), (runs.tokens, "D", "token counts")):
        if np.unique(values).size < 2:
            raise LlmlabError(
                f"every run has the same {symbol} = {values[0]:.4g}, so the data cannot determine how loss "
                f"falls with {symbol}: add runs at two or more {what}"
            )
    ratio = runs.tokens / runs.params
    if np.all(np.abs(ratio - ratio[0]) <= SAME_RATIO_RTOL * ratio[0]):
        raise LlmlabError(
            f"every run has the same {ratio[0]:.4g} tokens per parameter (D/N), so alpha and beta cannot be "
            "separated: add runs at several tokens-per-parameter ratios (e.g. 5, 20 and 100 for one model size)"
        )
    points = np.unique(np.column_stack([runs.params, runs.tokens]), axis=0).shape[0]
    if points < MIN_RUNS:
        raise LlmlabError(
            f"fitting five constants needs runs at {MIN_RUNS} or more distinct (N, D) points, got {points}: "
            "add runs at other model sizes and token counts"
        )


def fit_runs(runs: Runs, bootstrap: int = 0, seed: int = 0, delta: float = HUBER_DELTA,
             refine: int = 16) -> Fit:
    """Best fit over the Hoffmann grid, plus percentile bootstrap 95% intervals if ``bootstrap > 0``."""
    _check_identifiable(runs)
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, int) or not 0 <= bootstrap <= MAX_BOOTSTRAP:
        raise LlmlabError(
            f"bootstrap must be a whole number of resamples from 0 to {MAX_BOOTSTRAP:,}, got {bootstrap!r}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise LlmlabError(f"seed must be a whole number, zero or more, got {seed!r}")
    data = (np.log(runs.params), np.log(runs.tokens), np.log(runs.loss))
    starts = hoffmann_grid()
    theta, value = _best_theta(data, delta, starts, refine)
    intervals: dict[str, tuple[float, float]] = {}
    samples: list[tuple[float, float, float, float, float]] = []
    if bootstrap:
        rng = np.random.default_rng(seed)
        # A resample's optimum lies near the full-data one, so that is where each refit starts.
        for _ in range(bootstrap):
            pick = rng.integers(0, len(runs), len(runs))
            t, _ = _refine(theta, tuple(column[pick] for column in data), delta)
            law = _law(t, "bootstrap")
            samples.append((law.E, law.A, law.B, law.alpha, law.beta))
        constants = np.array(samples)
        with_a = np.column_stack([constants, constants[:, 4] / (constants[:, 3] + constants[:, 4])])
        low, high = np.percentile(with_a, [2.5, 97.5], axis=0)
        intervals = {name: (float(lo), float(hi)) for name, lo, hi in zip((*PARAM_NAMES, "a"), low, high)}
    law = _law(theta, "fitted")
    return Fit(E=law.E, A=law.A, B=law.B, alpha=law.alpha, beta=law.beta, objective=value, points=len(runs),
               intervals=intervals, bootstrap=bootstrap, samples=samples)
