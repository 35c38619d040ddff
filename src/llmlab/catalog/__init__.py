"""Sourced data: model configs, accelerators, API prices, published scaling-law fits.

Each entry in ``data/*.json`` carries a ``source`` and a ``date``; these functions only
read and look up, so the numbers live in one place.

A folder named by the environment variable ``LLMLAB_CATALOG`` overrides tables one by one: its
``<table>.json``, when present, is read instead of the packaged file (a GPU added there is then
selectable everywhere). Tables are read once; ``reload()`` reads them again.

GPU prices: each accelerator's ``price_per_hour`` is a dated range (``low``, ``high``, ``source``, ``date``)
and its ``default`` is not stored but computed on loading as ``PRICE_STATISTIC`` of that range — the
same statistic for every GPU, so no GPU's default is picked by hand (an override table's ``default`` is
replaced too).
"""

from __future__ import annotations

import json
import math
import os
import reprlib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from llmlab.errors import LlmlabError
from llmlab.userfiles import read_text

OVERRIDE_VARIABLE = "LLMLAB_CATALOG"
# How a GPU's default $/hour is read off its dated price range, for every GPU alike: the geometric mean
# of the cheapest and dearest listed rate (ranges run from spot or long-tail clouds to hyperscalers, a
# factor of 2-4, so the ratio-symmetric middle is used; the arithmetic midpoint leans to the hyperscaler).
PRICE_STATISTIC = "geometric mean of low and high"


def price_default(low: float, high: float) -> float:
    """``PRICE_STATISTIC`` of a price range: sqrt(low · high), rounded to the cent."""
    return round(math.sqrt(low * high), 2)


def parse_json(text: str, origin: str, expected: str) -> Any:
    """JSON as the standard defines it (Python's json also takes NaN and Infinity: refused here);
    a failure is one line naming ``origin`` and saying what was ``expected``."""

    def refuse(constant: str) -> float:
        raise LlmlabError(f"{origin} holds {constant}, which is not a JSON number: write a finite number")

    try:
        return json.loads(text, parse_constant=refuse)
    except LlmlabError:
        raise
    except json.JSONDecodeError as error:
        raise LlmlabError(
            f"{origin} is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno}): pass {expected}"
        ) from None
    except (ValueError, RecursionError):  # an integer of over 4,300 digits, or nesting deeper than the stack
        raise LlmlabError(f"{origin} holds a number too long or nesting too deep: pass {expected}") from None


def _packaged(name: str) -> dict[str, Any]:
    return json.loads(resources.files(__package__).joinpath("data", f"{name}.json").read_text("utf-8"))


def _kind(value: Any) -> str:
    """The JSON type of a value, as a user writing the file would name it."""
    if isinstance(value, bool):
        return "true/false"
    return {int: "number", float: "number", str: "string", list: "list", dict: "object"}.get(type(value), "null")


def _check_shape(value: Any, samples: list[Any], where: str) -> None:
    """Refuse ``value`` unless it has the JSON type all ``samples`` share and, for an object, every field
    they all have, each shaped alike in turn (a field whose type varies between samples is not checked)."""
    kinds = {_kind(sample) for sample in samples}
    if len(kinds) != 1:
        return
    kind = kinds.pop()
    if _kind(value) != kind:
        raise LlmlabError(f"{where} must be a JSON {kind}, got {reprlib.repr(value)}")
    if kind == "object":
        for field in sorted(set.intersection(*(set(sample) for sample in samples))):
            if field not in value:
                raise LlmlabError(f"{where} lacks the field {field!r}, which the packaged table always has")
            _check_shape(value[field], [sample[field] for sample in samples], f"{where}, field {field!r}")


def _check_like(table: Any, packaged: dict[str, Any], origin: str) -> dict[str, Any]:
    """An override table, refused unless shaped like the packaged one, so that lookups never fail later:
    a named table's entries (under lower-case names) are checked against the packaged entries, any
    other table (planning) against the packaged table itself."""
    if not all(isinstance(entry, dict) for entry in packaged.values()):
        _check_shape(table, [packaged], origin)
        return table
    if not isinstance(table, dict):
        raise LlmlabError(f"{origin} must hold a JSON object, but holds {reprlib.repr(table)}")
    for name, entry in table.items():
        if name != name.strip().lower():
            raise LlmlabError(f"{origin}: entry {reprlib.repr(name)} needs a lower-case name (lookups lower-case)")
        _check_shape(entry, list(packaged.values()), f"{origin}: entry {reprlib.repr(name)}")
    return table


def _override(name: str) -> Path | None:
    folder = os.environ.get(OVERRIDE_VARIABLE)
    if not folder:
        return None
    if not os.path.isdir(folder):
        raise LlmlabError(f"{OVERRIDE_VARIABLE} names {reprlib.repr(folder)}, which is not a folder: fix or unset it")
    path = Path(folder) / f"{name}.json"
    return path if os.path.lexists(path) else None


@cache
def _load(name: str) -> dict[str, Any]:
    """A table: ``$LLMLAB_CATALOG/<name>.json`` when that file exists, else the packaged file."""
    path = _override(name)
    if path is None:
        return _derived(name, _packaged(name))
    origin = f"catalog table {path}"
    table = parse_json(read_text(path, "catalog table"), origin, f"a table shaped like the packaged {name}.json")
    return _derived(name, _check_like(table, _packaged(name), origin))


def _derived(name: str, table: dict[str, Any]) -> dict[str, Any]:
    """Fields computed from a table's data on loading: each GPU's default price from its range."""
    if name != "accelerators":
        return table
    filled = {}
    for key, entry in table.items():
        price = dict(entry["price_per_hour"])
        price["default"] = price_default(price["low"], price["high"])
        price["statistic"] = PRICE_STATISTIC
        filled[key] = {**entry, "price_per_hour": price}
    return filled


def reload() -> None:
    """Forget the tables read so far: the next lookup reads ``$LLMLAB_CATALOG`` and the packaged files again."""
    _load.cache_clear()


def _lookup(table: str, key: str, kind: str) -> dict[str, Any]:
    entries = _load(table)
    normalised = key.strip().lower()
    if normalised not in entries:
        raise LlmlabError(f"unknown {kind} {reprlib.repr(key)}: choose one of {', '.join(sorted(entries))}")
    return entries[normalised]


def fits() -> dict[str, Any]:
    """Published scaling-law fits by name."""
    return _load("fits")


def fit(name: str) -> dict[str, Any]:
    return _lookup("fits", name, "fit")


def fit_bootstrap(name: str) -> dict[str, Any]:
    """Bootstrap refits of a fit's data (E, A, B, alpha, beta per resample), for intervals of predictions."""
    return _lookup("fit_bootstrap", name, "fit with bootstrap refits")


def models() -> dict[str, Any]:
    """Catalog models by name: Hugging Face config fields plus published parameter counts."""
    return _load("models")


def model(name: str) -> dict[str, Any]:
    return _lookup("models", name, "model")


def accelerators() -> dict[str, Any]:
    return _load("accelerators")


def accelerator(name: str) -> dict[str, Any]:
    return _lookup("accelerators", name, "GPU")


def precisions() -> dict[str, Any]:
    """Number formats weights and KV caches are served in: bytes per parameter, which GPU architectures
    have tensor cores for them, and the published quality change of serving in them."""
    return _load("precisions")


def precision(name: str) -> dict[str, Any]:
    return _lookup("precisions", name, "precision")


def serving_measurements() -> dict[str, Any]:
    """Published measured serving results (engine, GPUs, model, precision, load, measured tokens/s, TTFT,
    time per output token), each with its source: what llmlab's serving estimate is fitted to and checked on."""
    return _load("serving_measurements")


def api_tiers() -> dict[str, Any]:
    """API models by ``<vendor>-<model_id>``: $/Mtok in and out (cached input, cache write, batch discount and a
    long-context tier where found; null means not found, never zero), context window, tier (small, frontier, or
    reasoning: the vendor's top reasoning model), whether it can answer without thinking (reasoning: none, optional,
    always), status (current, legacy, deprecated with a retirement date) and announced price changes."""
    return _load("api_tiers")


def benchmarks() -> dict[str, Any]:
    """Published benchmark scores: ``benchmarks`` (what each measures, its unit, version and source) and ``scores``
    by option (an api_tiers key or a catalog model key), then by benchmark: score, setting (reasoning on/off, effort,
    scaffold), source and date. An absent score is unscored, never zero."""
    return _load("benchmarks")


def historical() -> dict[str, Any]:
    """Landmark training runs (parameters, tokens) for marking on scaling-law charts."""
    return _load("historical")


def planning() -> dict[str, Any]:
    """Use cases (each with its benchmark, default bar, batch tolerance and reasoning effort), capability classes
    and the planner's stated assumptions (thinking tokens per use case and effort among them)."""
    return _load("planning")
