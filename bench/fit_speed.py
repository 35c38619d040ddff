"""Fitter speed: llmlab's fit against the naive Hoffmann procedure (and the `chinchilla` package)
on Epoch AI's reconstruction of Chinchilla Figure 4, in one run.

Naive = scipy L-BFGS-B with finite-difference gradients from each of the paper's 4,500 grid starts,
keeping the best. `chinchilla` (PyPI, kyo-takano) = its BFGS grid fit with its own log-Huber loss
(delta = 1e-3, mean instead of sum: same optimum), if installed (`pip install chinchilla==0.2.0`).
With --starts K < 4500 the peers run an evenly spaced subset of the grid and their full-grid time
is extrapolated (and labelled so).

    python bench/fit_speed.py [CSV] [--starts 4500] [--skip-chinchilla]
"""

from __future__ import annotations

import argparse
import functools
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from llmlab.laws.fitter import HUBER_DELTA, fit_runs, hoffmann_grid, objective
from llmlab.laws.runs import read_runs

DEFAULT_CSV = Path(__file__).resolve().parents[1] / "tests" / "data" / "chinchilla_fig4_points.csv"


def naive_fit(data: tuple[np.ndarray, ...], starts: np.ndarray) -> tuple[np.ndarray, float]:
    best = min((minimize(objective, start, args=data, method="L-BFGS-B") for start in starts),
               key=lambda result: result.fun)
    return best.x, float(best.fun)


def chinchilla_fit(runs, starts: np.ndarray) -> tuple[dict, float] | None:
    try:
        from chinchilla import Chinchilla
        from chinchilla._metrics import log_huber
    except ImportError:
        return None
    grid = {"a": sorted(set(starts[:, 0])), "b": sorted(set(starts[:, 1])), "e": sorted(set(starts[:, 2])),
            "alpha": sorted(set(starts[:, 3])), "beta": sorted(set(starts[:, 4]))}
    with tempfile.TemporaryDirectory() as project:
        model = Chinchilla(project, param_grid=grid, loss_fn=functools.partial(log_huber, delta=HUBER_DELTA),
                           log_level=logging.ERROR)
        for n, d, loss in zip(runs.params, runs.tokens, runs.loss):
            model.database.append(N=float(n), D=float(d), loss=float(loss))
        model.visualizer.optim = lambda *args, **kwargs: None  # skip its plots
        model.fit(parallel=False)
        params = model.get_params()
    theta = np.array([np.log(params["A"]), np.log(params["B"]), np.log(params["E"]), params["alpha"], params["beta"]])
    return params, theta, len(grid["a"]) * len(grid["b"]) * len(grid["e"]) * len(grid["alpha"]) * len(grid["beta"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", default=str(DEFAULT_CSV))
    parser.add_argument("--starts", type=int, default=4500, help="grid starts the peers run (extrapolated to 4500)")
    parser.add_argument("--skip-chinchilla", action="store_true")
    args = parser.parse_args()

    runs = read_runs(args.csv)
    runs = runs.without_highest_losses(runs.default_drop)
    data = (np.log(runs.params), np.log(runs.tokens), np.log(runs.loss))
    grid = hoffmann_grid()
    subset = grid[np.linspace(0, len(grid) - 1, min(args.starts, len(grid))).astype(int)]

    timings = []
    for _ in range(5):  # cheap, so take the median of five
        t0 = time.perf_counter()
        ours = fit_runs(runs)
        timings.append(time.perf_counter() - t0)
    ours_s = sorted(timings)[2]

    t0 = time.perf_counter()
    _, naive_objective = naive_fit(data, subset)
    naive_s = (time.perf_counter() - t0) * len(grid) / len(subset)
    note = "" if len(subset) == len(grid) else f" (extrapolated from {len(subset)} starts)"

    print(f"data: {args.csv} ({len(runs)} points)")
    print(f"llmlab fit:        {ours_s:8.2f} s (median of 5)  objective {ours.objective:.7e}  "
          f"E={ours.law.E:.4f} A={ours.law.A:.1f} B={ours.law.B:.1f} "
          f"alpha={ours.law.alpha:.4f} beta={ours.law.beta:.4f}")
    print(f"naive L-BFGS-B:    {naive_s:8.2f} s{note}  objective {naive_objective:.7e}")
    print(f"speed-up vs naive: {naive_s / ours_s:8.1f}x   "
          f"objective ratio (ours/naive) {ours.objective / naive_objective:.6f}")

    if not args.skip_chinchilla:
        t0 = time.perf_counter()
        peer = chinchilla_fit(runs, subset if len(subset) == len(grid) else grid[:: max(1, len(grid) // len(subset))])
        if peer is None:
            print("chinchilla package: not installed (pip install chinchilla==0.2.0) - skipped")
        else:
            params, theta, starts = peer
            elapsed = (time.perf_counter() - t0) * len(grid) / starts
            peer_objective = float(objective(theta, *data)[0])
            extra = "" if starts == len(grid) else f" (extrapolated from {starts} starts)"
            print(f"chinchilla 0.2.0:  {elapsed:8.2f} s{extra}  objective {peer_objective:.7e}  "
                  + " ".join(f"{k}={v:.4g}" for k, v in params.items()))
            print(f"speed-up vs chinchilla: {elapsed / ours_s:8.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
