"""Reading (N, D, loss) training runs from CSV.

Two layouts are accepted: columns ``N, D, loss`` (aliases: params/tokens), or Epoch AI's
Chinchilla file with ``Model Size``, ``Training FLOP`` and ``loss`` (then D = C / 6N).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from llmlab.errors import LlmlabError

_PARAM_COLUMNS = ("n", "params", "parameters", "model size")
_TOKEN_COLUMNS = ("d", "tokens")
_FLOP_COLUMNS = ("c", "flops", "training flop")
EPOCH_LAYOUT_COLUMNS = ("model size", "training flop")
EPOCH_PROTOCOL_DROP = 5


@dataclass(frozen=True)
class Runs:
    params: np.ndarray
    tokens: np.ndarray
    loss: np.ndarray
    epoch_layout: bool = False

    def __len__(self) -> int:
        return len(self.loss)

    def without_highest_losses(self, count: int) -> "Runs":
        """Drop the ``count`` highest-loss runs (Epoch AI's protocol drops 5 on Chinchilla's data)."""
        if count < 0 or count >= len(self):
            raise LlmlabError(f"cannot drop {count} of {len(self)} runs")
        keep = np.sort(np.argsort(self.loss, kind="stable")[: len(self) - count])
        return Runs(self.params[keep], self.tokens[keep], self.loss[keep], self.epoch_layout)

    @property
    def default_drop(self) -> int:
        """Epoch AI's Chinchilla-figure file drops its 5 highest losses (their protocol); others drop none."""
        return EPOCH_PROTOCOL_DROP if self.epoch_layout else 0


def _column(header: dict[str, str], names: tuple[str, ...]) -> str | None:
    return next((header[name] for name in names if name in header), None)


def read_runs(path: str | Path) -> Runs:
    path = Path(path)
    if not path.is_file():
        raise LlmlabError(f"runs file {str(path)!r} does not exist: pass a CSV with columns N, D, loss")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise LlmlabError(f"{path} is not a readable CSV ({error})") from None
    return parse_runs(text, str(path))


def parse_runs(text: str, path: str = "the CSV") -> Runs:
    """Runs from CSV text (an uploaded file or a file's contents); ``path`` names it in errors."""
    try:
        rows = list(csv.DictReader(io.StringIO(text)))
        fieldnames = rows and list(rows[0].keys()) or []
    except csv.Error as error:
        raise LlmlabError(f"{path} is not a readable CSV ({error})") from None
    header = {name.strip().lower(): name for name in fieldnames if name}
    n_col, d_col, c_col = (_column(header, names) for names in (_PARAM_COLUMNS, _TOKEN_COLUMNS, _FLOP_COLUMNS))
    loss_col = header.get("loss")
    if not rows or n_col is None or loss_col is None or (d_col is None and c_col is None):
        raise LlmlabError(
            f"{path} needs a header with columns N, D, loss (or 'Model Size', 'Training FLOP', loss) "
            f"and at least one row; found {fieldnames or 'no header'}"
        )
    try:
        params = np.array([float(row[n_col]) for row in rows])
        loss = np.array([float(row[loss_col]) for row in rows])
        if d_col is not None:
            tokens = np.array([float(row[d_col]) for row in rows])
        else:
            tokens = np.array([float(row[c_col]) for row in rows]) / (6 * params)
    except (TypeError, ValueError) as error:
        raise LlmlabError(f"{path} has a non-numeric value ({error}); every N, D and loss must be a number") from None
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(tokens)) and np.all(np.isfinite(loss))):
        raise LlmlabError(f"{path} has missing or infinite values")
    if np.any(params <= 0) or np.any(tokens <= 0) or np.any(loss <= 0):
        raise LlmlabError(f"{path}: N, D and loss must all be positive")
    epoch_layout = all(name in header for name in EPOCH_LAYOUT_COLUMNS) and d_col is None
    return Runs(params, tokens, loss, epoch_layout)
