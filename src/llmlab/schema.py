"""The typed vocabulary every feature's input and result are written in.

Each feature is an engine function taking one ``Input`` model and returning one ``Result`` model.
That input model is the only place the feature's validation lives: the CLI builds its flags from it
(``llmlab.cli.command``) and the lab's API uses it as the request (``llmlab.web.api``), so a bound or
a choice list is written once. Choices that come from the catalog (GPUs, models, fits) are read
from the catalog when validating and when describing the schema, so a GPU added to the catalog's
JSON is selectable everywhere with no other edit.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonDict
from pydantic_core import core_schema

from llmlab import catalog
from llmlab.errors import LlmlabError
from llmlab.units import parse_size


class Input(BaseModel):
    """A feature's validated request: unknown fields, NaN and infinities are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Result(BaseModel):
    """A feature's answer. Non-finite numbers serialise as null, so JSON output is always valid."""

    model_config = ConfigDict(ser_json_inf_nan="null")

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)


def _size(value: Any) -> Any:
    """Accept ``7B``, ``1.4T``, ``128k`` or ``7e9`` wherever a number is expected."""
    if isinstance(value, str):
        text = value.strip()
        if text and text[-1].lower() in "kmbgtp":
            return parse_size(text, "value")
    return value


def _whole(value: Any) -> Any:
    """``1e6`` and ``128k`` are whole numbers too; 2.5 is not."""
    value = _size(value)
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    return value


def _context(value: Any) -> Any:
    """Context lengths use the binary K of model configs: ``128k`` is 131,072 tokens, ``1M`` 1,048,576."""
    if isinstance(value, str):
        text = value.strip().lower()
        for suffix, scale in (("k", 2**10), ("m", 2**20)):
            if text.endswith(suffix):
                return _whole(parse_size(text[:-1], "context") * scale)
    return _whole(value)


Size = Annotated[float, BeforeValidator(_size), Field(gt=0, allow_inf_nan=False)]
Amount = Annotated[float, BeforeValidator(_size), Field(ge=0, allow_inf_nan=False)]
Count = Annotated[int, BeforeValidator(_whole), Field(ge=1)]
NonNegativeCount = Annotated[int, BeforeValidator(_whole), Field(ge=0)]
ContextLength = Annotated[int, BeforeValidator(_context), Field(ge=1)]
Fraction = Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)]
Seed = Annotated[int, BeforeValidator(_whole), Field(ge=0, le=2**32 - 1, description="random seed")]
Positional: JsonDict = {"cli": "positional"}


class CatalogChoice:
    """A string that must name an entry of a catalog table (plus any fixed extras such as ``any``).

    Both validation and the JSON schema's ``enum`` read the catalog when they run, never at import.
    """

    def __init__(self, entries: Callable[[], dict[str, Any]], kind: str, extra: tuple[str, ...] = (),
                 where: Callable[[dict], bool] | None = None):
        self.entries, self.kind, self.extra, self.where = entries, kind, extra, where

    def choices(self) -> list[str]:
        entries = self.entries()
        return [*self.extra, *(key for key, entry in entries.items() if self.where is None or self.where(entry))]

    def labelled(self) -> list[tuple[str, str]]:
        """(key, label) pairs for a page's select: the entry's ``label`` where it has one."""
        entries = self.entries()
        def label(entry: dict[str, Any], key: str) -> str:
            named = " ".join(str(entry[part]) for part in ("vendor", "model") if entry.get(part))
            return str(entry.get("label") or named or key)

        return [(key, label(entries.get(key, {}), key)) for key in self.choices()]

    def validate(self, value: str) -> str:
        key = value.strip().lower()
        choices = self.choices()
        if key not in choices:
            raise LlmlabError(f"unknown {self.kind} {value[:60]!r}: choose one of {', '.join(choices)}")
        return key

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.validate, handler(source))

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> dict:
        described = handler(schema)
        described["enum"] = self.choices()
        return described


def _is_moe(entry: dict) -> bool:
    return any(key in entry["config"] for key in ("num_local_experts", "num_experts", "n_routed_experts"))


GPUS = CatalogChoice(catalog.accelerators, "GPU")
FITS = CatalogChoice(catalog.fits, "fit")
CHINCHILLA_FITS = CatalogChoice(catalog.fits, "fit with an irreducible term E",
                                where=lambda entry: entry["form"] == "chinchilla")
MODELS = CatalogChoice(catalog.models, "model")
MOE_MODELS = CatalogChoice(catalog.models, "MoE model", where=_is_moe)
USE_CASES = CatalogChoice(lambda: catalog.planning()["use_cases"], "use case")

GpuName = Annotated[str, GPUS]
AnyGpu = Annotated[str, CatalogChoice(catalog.accelerators, "GPU", extra=("any",))]
FitName = Annotated[str, FITS]
ChinchillaFitName = Annotated[str, CHINCHILLA_FITS]
ModelName = Annotated[str, MODELS]
MoeModelName = Annotated[str, MOE_MODELS]
UseCase = Annotated[str, USE_CASES]


# Pydantic's wording, said the way a user fixes it; the rest keep pydantic's own message.
PLAIN_WORDS: dict[str, Callable[[dict], str]] = {
    "greater_than": lambda ctx: "must be positive" if ctx["gt"] == 0 else f"must be greater than {ctx['gt']}",
    "greater_than_equal": lambda ctx: f"must be at least {ctx['ge']}",
    "less_than": lambda ctx: f"must be less than {ctx['lt']}",
    "less_than_equal": lambda ctx: f"must be at most {ctx['le']}",
    "finite_number": lambda ctx: "must be a finite number",
    "float_parsing": lambda ctx: "is not a number: write it like 7e9, 7B, 1.4T or 128k",
    "int_parsing": lambda ctx: "is not a whole number: write it like 4096, 128k or 1e6",
    "int_from_float": lambda ctx: "must be a whole number",
    "extra_forbidden": lambda ctx: "is not an input of this request: remove it",
    "missing": lambda ctx: "is required",
    "string_too_long": lambda ctx: f"is longer than {ctx['max_length']:,} characters",
    "string_too_short": lambda ctx: "must not be empty",
}


def describe(errors: Sequence[Any], flags: bool) -> str:
    """A validation error's first problem as one line, naming the flag (CLI) or the field (API)."""
    if not errors:
        return "invalid request"
    problem = errors[0]
    if problem.get("type") == "json_invalid":
        return "request body is not valid JSON"
    location = [str(part) for part in problem.get("loc", ()) if part not in ("query", "body", "path", "header")]
    plain = PLAIN_WORDS.get(problem.get("type", ""))
    message = plain(problem.get("ctx", {})) if plain else str(problem.get("msg", "invalid value"))
    message = " ".join(message.removeprefix("Value error, ").split())
    if not location:
        return f"request body: {message}" if list(problem.get("loc", ()))[:1] == ["body"] else message
    where = f"--{location[0].replace('_', '-')}" if flags else ".".join(location)
    given = problem.get("input")
    shown = f" (got {str(given)[:40]!r})" if isinstance(given, (str, int, float)) and plain else ""
    return f"{where} {message}{shown}" if plain else f"{where}: {message}"


def finite_json(value: Any, indent: int | None = 2) -> str:
    """JSON text of a result (model or plain data) with every NaN or infinity written as null."""
    if isinstance(value, BaseModel):
        return value.model_dump_json(indent=indent)
    return json.dumps(_finite(value), indent=indent)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
