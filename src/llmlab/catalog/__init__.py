"""Sourced data: model configs, accelerators, API prices, published scaling-law fits.

Each entry in ``data/*.json`` carries a ``source`` and a ``date``; these functions only
read and look up, so the numbers live in one place.

A folder named by the environment variable ``LLMLAB_CATALOG`` overrides tables one by one: its
``<table>.json``, when present, is read instead of the packaged file (a GPU added there is then
selectable everywhere). Tables are read once; ``reload()`` reads them again.
"""

from __future__ import annotations

import json
import os
import reprlib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from llmlab.errors import LlmlabError
from llmlab.userfiles import read_text

OVERRIDE_VARIABLE = "LLMLAB_CATALOG"


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
        return _packaged(name)
    origin = f"catalog table {path}"
    table = parse_json(read_text(path, "catalog table"), origin, f"a table shaped like the packaged {name}.json")
    return _check_like(table, _packaged(name), origin)


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
