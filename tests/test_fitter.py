"""The Hoffmann-style fitter: correctness of the gradient, recovery of known constants, and
agreement with the exact procedure's refit of Chinchilla's Figure 4 data."""

import numpy as np
import pytest
from scipy.optimize import check_grad, minimize

from llmlab.errors import LlmlabError
from llmlab.laws.fitter import fit_runs, hoffmann_grid, objective, objective_and_gradient
from llmlab.laws.runs import Runs, read_runs

# The exact-procedure refit of Epoch AI's 240 points (shared/data/README.md).
REFIT = {"E": 1.8172, "A": 477.7, "B": 2143.8, "alpha": 0.3473, "beta": 0.3672}


def _data(runs: Runs):
    return np.log(runs.params), np.log(runs.tokens), np.log(runs.loss)


def test_grid_is_the_papers_4500_starts():
    grid = hoffmann_grid()
    assert grid.shape == (4500, 5)
    assert sorted(set(grid[:, 0])) == [0, 5, 10, 15, 20, 25]
    assert sorted(set(grid[:, 3])) == [0, 0.5, 1, 1.5, 2]


def test_analytic_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    log_n, log_d = rng.uniform(18, 24, 50), rng.uniform(20, 27, 50)
    log_loss = np.log(2 + rng.uniform(0, 1, 50))
    data = (log_n, log_d, log_loss)
    for theta in ([6.0, 7.0, 0.5, 0.34, 0.28], [5.0, 8.0, 0.6, 0.4, 0.35]):
        error = check_grad(lambda t: objective_and_gradient(t, *data)[0],
                           lambda t: objective_and_gradient(t, *data)[1], np.array(theta), epsilon=1e-7)
        assert error < 1e-6


def test_recovers_known_constants_from_generated_runs():
    rng = np.random.default_rng(0)
    params = 10 ** rng.uniform(7.5, 10.5, 120)
    tokens = 10 ** rng.uniform(9, 12, 120)
    truth = dict(E=1.8, A=500.0, B=2000.0, alpha=0.35, beta=0.37)
    loss = truth["E"] + truth["A"] / params ** truth["alpha"] + truth["B"] / tokens ** truth["beta"]
    fit = fit_runs(Runs(params, tokens, loss))
    for key, value in truth.items():
        assert getattr(fit.law, key) == pytest.approx(value, rel=1e-3), key


def test_chinchilla_figure_4_refit(chinchilla_csv):
    runs = read_runs(chinchilla_csv)
    assert len(runs) == 245 and runs.default_drop == 5
    fit = fit_runs(runs.without_highest_losses(5))
    assert fit.points == 240
    for key in ("E", "alpha", "beta"):
        assert getattr(fit.law, key) == pytest.approx(REFIT[key], rel=0.01), key
    for key in ("A", "B"):
        assert getattr(fit.law, key) == pytest.approx(REFIT[key], rel=0.05), key
    assert fit.objective == pytest.approx(0.0010183, rel=1e-3)  # the notebook's optimum


def test_reaches_the_naive_procedures_optimum(chinchilla_csv):
    """Naive: scipy L-BFGS-B with finite-difference gradients from grid starts (a spread sample,
    to keep the test short; bench/fit_speed.py runs all 4,500)."""
    runs = read_runs(chinchilla_csv).without_highest_losses(5)
    data = _data(runs)
    grid = hoffmann_grid()[::45]
    naive = min(minimize(objective, start, args=data, method="L-BFGS-B").fun for start in grid)
    ours = fit_runs(runs).objective
    assert ours <= naive * 1.001


def test_bootstrap_intervals_bracket_the_fit_and_repeat_with_the_seed(chinchilla_csv):
    runs = read_runs(chinchilla_csv).without_highest_losses(5)
    first = fit_runs(runs, bootstrap=40, seed=3)
    again = fit_runs(runs, bootstrap=40, seed=3)
    assert first.intervals == again.intervals
    for key in ("E", "A", "B", "alpha", "beta"):
        low, high = first.intervals[key]
        assert low < getattr(first.law, key) < high, key
    # Epoch AI's 95% interval for beta is 0.331-0.415: ours overlaps it substantially.
    low, high = first.intervals["beta"]
    assert low < 0.36 and high > 0.39


def test_rounded_hoffmann_constants_fit_the_data_worse(chinchilla_csv):
    runs = read_runs(chinchilla_csv).without_highest_losses(5)
    data = _data(runs)
    fitted = fit_runs(runs).objective
    rounded = objective(np.array([np.log(406.4), np.log(410.7), np.log(1.69), 0.34, 0.28]), *data)
    assert float(rounded[0]) > 2 * fitted


def test_too_few_runs_is_an_error():
    with pytest.raises(LlmlabError, match="at least 5"):
        fit_runs(Runs(np.ones(3) * 1e9, np.ones(3) * 1e10, np.ones(3) * 2.5))
