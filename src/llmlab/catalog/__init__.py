"""Sourced data: model configs, accelerators, API prices, published scaling-law fits.

Each entry in ``data/*.json`` carries a ``source`` and a ``date``; these functions only
read and look up, so the numbers live in one place.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from llmlab.errors import LlmlabError


@cache
def _load(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath("data", f"{name}.json").read_text("utf-8")
    return json.loads(text)


def _lookup(table: str, key: str, kind: str) -> dict[str, Any]:
    entries = _load(table)
    normalised = key.strip().lower()
    if normalised not in entries:
        raise LlmlabError(f"unknown {kind} {key!r}: choose one of {', '.join(sorted(entries))}")
    return entries[normalised]


def fits() -> dict[str, Any]:
    """Published scaling-law fits by name."""
    return _load("fits")


def fit(name: str) -> dict[str, Any]:
    return _lookup("fits", name, "fit")


def models() -> dict[str, Any]:
    """Catalog models by name: Hugging Face config fields plus published parameter counts."""
    return _load("models")


def model(name: str) -> dict[str, Any]:
    return _lookup("models", name, "model")


def accelerators() -> dict[str, Any]:
    return _load("accelerators")


def accelerator(name: str) -> dict[str, Any]:
    return _lookup("accelerators", name, "GPU")


def api_tiers() -> dict[str, Any]:
    """API models with $/Mtok in and out, grouped by tier: small, frontier, reasoning."""
    return _load("api_tiers")


def historical() -> dict[str, Any]:
    """Landmark training runs (parameters, tokens) for marking on scaling-law charts."""
    return _load("historical")


def planning() -> dict[str, Any]:
    """Use cases, capability classes and the planner's stated assumptions."""
    return _load("planning")
