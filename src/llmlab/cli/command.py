"""A CLI command is a thin adapter: flags built from the feature's input model, the engine function
called with the validated model, the result printed as text or ``--json``.

Every flag takes its name, help, default, choices and bounds from the input model's field, so the
CLI and the API can never disagree about what a valid request is.
"""

from __future__ import annotations

import argparse
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from llmlab.cli.render import render_mapping
from llmlab.errors import LlmlabError
from llmlab.schema import CatalogChoice, Input, describe, finite_json


@dataclass(frozen=True)
class Command:
    name: str
    summary: str
    input: type[Input]
    run: Callable[[Any], Any]
    render: Callable[[dict], str] = render_mapping
    # Fields whose CLI value names something to read first (a file): the loader gives the model's value.
    loaders: dict[str, Callable[[str], Any]] = field(default_factory=dict)

    def add_to(self, commands: argparse._SubParsersAction) -> None:
        sub = commands.add_parser(self.name, help=self.summary, description=self.summary)
        for name, info in self.input.model_fields.items():
            _add_flag(sub, name, info)
        sub.add_argument("--json", action="store_true", help="print the result as JSON")
        sub.set_defaults(command=self)

    def execute(self, args: argparse.Namespace) -> str:
        """Validate the flags through the input model, run the feature, and format its result."""
        values = {name: getattr(args, name) for name in self.input.model_fields if hasattr(args, name)}
        for name, load in self.loaders.items():
            if name in values:
                values[name] = load(values[name])
        try:
            request = self.input.model_validate(values)
        except ValidationError as error:
            raise LlmlabError(describe(error.errors(), flags=True)) from None
        result = self.run(request)
        if args.json:
            return finite_json(result)
        data = result.model_dump() if isinstance(result, BaseModel) else result
        return self.render(data)


def unwrap_optional(annotation: Any) -> Any:
    """The annotation without ``| None`` (a flag left out keeps the model's default)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _choices(annotation: Any, info: FieldInfo) -> list[str] | None:
    if typing.get_origin(annotation) is Literal:
        return [str(choice) for choice in typing.get_args(annotation)]
    for meta in info.metadata:
        if isinstance(meta, CatalogChoice):
            return meta.choices()
    return None


def _add_flag(parser: argparse.ArgumentParser, name: str, info: FieldInfo) -> None:
    annotation = unwrap_optional(info.annotation)
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    help_text = info.description or ""
    if annotation is bool:
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, action="store_true",
                            default=argparse.SUPPRESS, help=help_text)
        return
    choices = _choices(annotation, info)
    if not info.is_required() and info.default is not None and not callable(info.default):
        help_text += f" (default: {info.default})"
    options: dict[str, Any] = {"help": help_text, "default": argparse.SUPPRESS}
    if choices is not None and typing.get_origin(annotation) is Literal:
        options["choices"] = choices
    elif choices is not None:  # catalog choices: listed in the help, checked by the model with its message
        options["help"] = f"{help_text}; one of {', '.join(choices)}"
        options["metavar"] = name.upper()
    if extra.get("cli") == "positional":
        if not info.is_required():
            options["nargs"] = "?"
        parser.add_argument(name, **options)
    else:
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, required=info.is_required(), **options)
