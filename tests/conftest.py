"""Shared fixtures. The shared data folder sits beside the checkout (../shared) unless
LLMLAB_SHARED points elsewhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GOMP_SPINCOUNT", "0")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("LLMLAB_SHARED", REPO.parent / "shared"))
CHINCHILLA_CSV = SHARED / "data" / "chinchilla_fig4_points.csv"


@pytest.fixture
def chinchilla_csv() -> Path:
    if not CHINCHILLA_CSV.is_file():
        pytest.skip(f"{CHINCHILLA_CSV} not present (set LLMLAB_SHARED to the shared folder)")
    return CHINCHILLA_CSV
