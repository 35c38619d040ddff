"""Reading (N, D, loss) training runs from CSV.

Two layouts are accepted: columns ``N, D, loss`` (aliases: params/tokens), or Epoch AI's
Chinchilla file with ``Model Size``, ``Training FLOP`` and ``loss`` (then D = C / 6N).
Files saved by Excel (a byte-order mark), blank lines and padded values are read as meant.
"""

from __future__ import annotations

import csv
import io
import itertools
import reprlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from llmlab.errors import LlmlabError
from llmlab.userfiles import read_text

_PARAM_COLUMNS = ("n", "params", "parameters", "model size")
_TOKEN_COLUMNS = ("d", "tokens")
_FLOP_COLUMNS = ("c", "flops", "training flop")
EPOCH_LAYOUT_COLUMNS = ("model size", "training flop")
EPOCH_PROTOCOL_DROP = 5
MIN_RUNS = 5  # the fit has five constants
# Fitting time grows with the runs (each grid start is scored on every run, each bootstrap resample
# refits them all): past 10,000 a fit takes minutes, not seconds.
MAX_RUNS = 10_000
MAX_CSV_CHARS = 4 * 2**20  # 400 characters a run at the cap: far wider than any runs table


@dataclass(frozen=True)
class Runs:
    params: np.ndarray
    tokens: np.ndarray
    loss: np.ndarray
    epoch_layout: bool = False

    def __len__(self) -> int:
        return len(self.loss)

    def without_highest_losses(self, count: int) -> Runs:
        """Drop the ``count`` highest-loss runs (Epoch AI's protocol drops 5 on Chinchilla's data)."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise LlmlabError(f"the number of highest-loss runs to drop must be zero or more, got {count!r}")
        if len(self) - count < MIN_RUNS:
            raise LlmlabError(
                f"dropping the {count} highest-loss runs of {len(self)} leaves {max(len(self) - count, 0)}, "
                f"and a fit needs at least {MIN_RUNS}: drop at most {max(len(self) - MIN_RUNS, 0)}"
            )
        keep = np.sort(np.argsort(self.loss, kind="stable")[: len(self) - count])
        return Runs(self.params[keep], self.tokens[keep], self.loss[keep], self.epoch_layout)

    @property
    def default_drop(self) -> int:
        """Epoch AI's Chinchilla-figure file drops its 5 highest losses (their protocol); others drop none."""
        return EPOCH_PROTOCOL_DROP if self.epoch_layout else 0


def _column(header: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((header[name] for name in names if name in header), None)


def read_runs(path: str | Path) -> Runs:
    """Runs from a CSV file (see ``parse_runs``)."""
    return parse_runs(read_text(path, "runs file", MAX_CSV_CHARS), str(path))


def _values(rows: list[tuple[int, dict[str, str]]], column: str, path: str) -> np.ndarray:
    """One column as floats; a missing or non-numeric cell is named by its line."""
    values = np.empty(len(rows))
    for i, (line, row) in enumerate(rows):
        cell = row.get(column) or ""  # None when the row is shorter than the header
        try:
            values[i] = float(cell)
        except ValueError:
            found = f"{cell[:30]!r}, not a number" if cell.strip() else "missing"
            raise LlmlabError(
                f"{path} line {line}: {column.strip()} is {found}; every N, D and loss must be a number"
            ) from None
    return values


def _positive(values: np.ndarray, name: str, path: str) -> np.ndarray:
    if not np.all(np.isfinite(values) & (values > 0)):
        raise LlmlabError(f"{path}: every {name} must be a positive finite number (no NaN, inf, zero or negative)")
    return values


def parse_runs(text: str, path: str = "the CSV") -> Runs:
    """Runs from CSV text (an uploaded file or a file's contents); ``path`` names it in errors."""
    if len(text) > MAX_CSV_CHARS:
        raise LlmlabError(f"{path} is {len(text):,} characters; the limit is {MAX_CSV_CHARS:,} ({MAX_RUNS:,} runs)")
    try:
        reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
        fieldnames = reader.fieldnames or []
        filled = ((reader.line_num, row) for row in reader
                  if any(isinstance(cell, str) and cell.strip() for cell in row.values()))
        rows = list(itertools.islice(filled, MAX_RUNS + 1))
    except csv.Error as error:
        raise LlmlabError(f"{path} is not a readable CSV ({error})") from None
    if len(rows) > MAX_RUNS:
        raise LlmlabError(f"{path} has more than {MAX_RUNS:,} runs: fit at most {MAX_RUNS:,} (a sample of them)")
    header = {name.strip().lower(): name for name in fieldnames if name}
    n_col, d_col, c_col = (_column(header, names) for names in (_PARAM_COLUMNS, _TOKEN_COLUMNS, _FLOP_COLUMNS))
    loss_col = header.get("loss")
    amount_col = d_col or c_col  # D itself, or C to derive it from
    if not rows or n_col is None or loss_col is None or amount_col is None:
        raise LlmlabError(
            f"{path} needs a header with columns N, D, loss (or 'Model Size', 'Training FLOP', loss) "
            f"and at least one row; found {reprlib.repr(fieldnames) if fieldnames else 'no header'}"
        )
    params = _positive(_values(rows, n_col, path), "N", path)
    loss = _positive(_values(rows, loss_col, path), "loss", path)
    tokens = _positive(_values(rows, amount_col, path), "D" if d_col else "C", path)
    if d_col is None:  # Epoch AI's layout
        with np.errstate(over="ignore", under="ignore"):  # a D that over- or underflows is refused here
            tokens = _positive(tokens / (6 * params), "D = C / 6N", path)
    epoch_layout = all(name in header for name in EPOCH_LAYOUT_COLUMNS) and d_col is None
    return Runs(params, tokens, loss, epoch_layout)
