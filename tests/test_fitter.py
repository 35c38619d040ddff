"""The Hoffmann-style fitter: correctness of the gradient, recovery of known constants, and
agreement with the exact procedure's refit of Chinchilla's Figure 4 data."""

import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import check_grad, minimize

from llmlab.errors import LlmlabError
from llmlab.laws import fitter
from llmlab.laws.fitter import MAX_BOOTSTRAP, fit_runs, grid_scores, hoffmann_grid, objective, objective_and_gradient
from llmlab.laws.runs import MAX_CSV_CHARS, MAX_RUNS, Runs, parse_runs, read_runs

# The exact-procedure refit of Epoch AI's 240 points (tests/data/README.md).
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


# --- data that cannot determine the law ----------------------------------------------------------

def _generated(count: int, seed: int = 0) -> Runs:
    rng = np.random.default_rng(seed)
    params, tokens = 10 ** rng.uniform(7.5, 10.5, count), 10 ** rng.uniform(9, 12, count)
    return Runs(params, tokens, 1.8 + 500 / params**0.35 + 2000 / tokens**0.37)


@pytest.mark.parametrize(
    "params, tokens, message",
    [
        ([1e9] * 6, [2e10] * 6, "same N"),  # six identical runs fit with objective 0 before
        ([1e9] * 6, [1e10, 2e10, 4e10, 8e10, 1.6e11, 3.2e11], "same N"),
        ([1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9], [2e10] * 6, "same D"),
        ([1e8, 2e8, 4e8, 8e8, 1.6e9, 3.2e9], [2e9, 4e9, 8e9, 1.6e10, 3.2e10, 6.4e10], "tokens-per-parameter"),
        ([1e8, 1e8, 2e8, 1e8, 1e8, 2e8], [1e9, 2e9, 1e9, 1e9, 2e9, 1e9], "distinct \\(N, D\\) points, got 3"),
    ],
)
def test_data_that_cannot_determine_the_law_is_refused(params, tokens, message):
    runs = Runs(np.array(params), np.array(tokens), np.linspace(2.5, 3.0, len(params)))
    with pytest.raises(LlmlabError, match=message):
        fit_runs(runs)


@pytest.mark.parametrize("bootstrap", [-1, MAX_BOOTSTRAP + 1, 2.5, True])
def test_bootstrap_is_bounded(bootstrap):
    with pytest.raises(LlmlabError, match="bootstrap.*1,000"):
        fit_runs(_generated(20), bootstrap=bootstrap)


def test_seed_must_be_a_whole_number():
    with pytest.raises(LlmlabError, match="seed"):
        fit_runs(_generated(20), bootstrap=2, seed=-1)


# --- the grid is scored in chunks: same answer, bounded memory ------------------------------------

def test_chunked_grid_gives_the_same_fit(monkeypatch):
    runs = _generated(120, seed=4)
    data = (np.log(runs.params), np.log(runs.tokens), np.log(runs.loss))
    whole = objective(hoffmann_grid(), *data)
    for chunk in (1, 1000, 2**17, 10**9):
        monkeypatch.setattr(fitter, "SCORE_CHUNK", chunk)
        assert np.array_equal(grid_scores(hoffmann_grid(), data), whole), chunk
    one_pass = fit_runs(runs)
    monkeypatch.setattr(fitter, "SCORE_CHUNK", 1000)
    assert fit_runs(runs) == one_pass


def test_scoring_the_grid_on_many_runs_stays_small():
    runs = _generated(MAX_RUNS)
    data = (np.log(runs.params), np.log(runs.tokens), np.log(runs.loss))
    tracemalloc.start()
    try:
        grid_scores(hoffmann_grid(), data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100e6  # one pass over all 4,500 starts took 8.5 GB at 10,000 runs


# --- runs CSV files ---------------------------------------------------------------------------

CSV = "N,D,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n4e8,2e10,2.6\n8e8,1e10,2.55\n1.6e9,3e10,2.4\n"


def test_excel_csv_with_a_byte_order_mark_blank_lines_and_padding_is_read(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_bytes(b"\xef\xbb\xbfN , D ,loss \r\n\r\n 1e8 , 2e9 ,3.1 \r\n   \r\n2e8,4e9,2.9\r\n")
    runs = read_runs(path)
    assert runs.params.tolist() == [1e8, 2e8] and runs.tokens.tolist() == [2e9, 4e9]
    assert runs.loss.tolist() == [3.1, 2.9]
    assert len(parse_runs("\ufeff" + CSV)) == 5


@pytest.mark.parametrize(
    "text, message",
    [
        ("N,D,loss\n" + "1e9,2e10,2.5\n" * (MAX_RUNS + 1), "more than 10,000 runs"),
        ("N,D,loss\n" + "1" * (MAX_CSV_CHARS + 1), "the limit is 4,194,304"),
        ("N,D,loss\n1e9,2e10\n", "line 2: loss is missing"),
        ("N,D,loss\n1e9,2e10,2.5\n1e9,lots,2.5\n", "line 3: D is 'lots', not a number"),
        ("N,D,loss\n1e9,2e10,nan\n", "loss must be a positive finite number"),
        ("N,D,loss\n0,2e10,2.5\n", "N must be a positive"),
        ("Model Size,Training FLOP,loss\n1e9,1e308,2.5\n1e-300,1e300,2\n", "D = C / 6N"),
        ("N,loss\n1e9,2.5\n", "needs a header"),
        ("N,D,loss\n1e9,\x00,2.5\n", "D is '\\\\x00', not a number"),
        ('N,D,loss\n"' + "1" * 200_000 + '",1,1\n', "not a readable CSV"),
    ],
)
def test_bad_runs_csv_text_is_refused_in_one_line(text, message):
    with pytest.raises(LlmlabError, match=message) as error:
        parse_runs(text)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("runs.bin", bytes(range(256)) * 4, "binary"),
        ("latin1.csv", "N,D,loss\n1e9,2e10,2.5 \xb5\n".encode("latin-1"), "UTF-8"),
        ("huge.csv", b"N,D,loss\n" + b"1e9,2e10,2.5\n" * (MAX_CSV_CHARS // 10), "limit is 4,194,304"),
    ],
)
def test_bad_runs_files_are_refused(tmp_path, name, content, message):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(LlmlabError, match=message):
        read_runs(tmp_path / name)


@pytest.mark.parametrize(
    "path, message",
    [("/dev/null", "not a regular file"), ("/proc/self/environ", "not a regular file"), ("/tmp", "not a regular file"),
     ("/tmp/" + "r" * 300 + ".csv", "longer than 255 bytes"), ("/nonexistent/runs.csv", "does not exist")],
)
def test_system_files_folders_and_long_names_are_not_runs(path, message):
    with pytest.raises(LlmlabError, match=message):
        read_runs(path)


def test_unreadable_runs_file_is_refused(tmp_path, monkeypatch):
    (tmp_path / "runs.csv").write_text(CSV)

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)  # chmod 000 does not stop root
    with pytest.raises(LlmlabError, match="not readable"):
        read_runs(tmp_path / "runs.csv")


def test_dropping_too_many_runs_says_how_many_remain_and_are_needed():
    runs = parse_runs(CSV + "3.2e9,6e10,2.3\n")
    assert len(runs.without_highest_losses(1)) == 5
    with pytest.raises(LlmlabError, match="leaves 4, and a fit needs at least 5: drop at most 1"):
        runs.without_highest_losses(2)
    with pytest.raises(LlmlabError, match="zero or more"):
        runs.without_highest_losses(-1)
