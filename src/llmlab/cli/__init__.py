"""``llmlab``: one entry point for every feature, one module per command in this package.

Each command module defines ``COMMAND``: its input model, the engine function it calls and how its
result reads as text. Bad input exits with status 2 and one line on stderr saying what is wrong
and how to fix it; ``--json`` output is always valid JSON.
"""

from __future__ import annotations

import os

# libgomp's default spin-wait makes 2-thread torch 4-10x slower here; set before torch can load.
os.environ.setdefault("GOMP_SPINCOUNT", "0")

import argparse  # noqa: E402
import importlib  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from typing import NoReturn  # noqa: E402

from llmlab.errors import LlmlabError  # noqa: E402

COMMANDS = (
    "loss", "optimal", "inference_optimal", "isoflop", "fit", "cost",
    "params", "flops", "memory", "throughput", "catalog", "plan", "serve",
    "train", "generate", "export", "runs", "reason", "reason_train", "reason_eval",
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="llmlab", description="The numbers behind choosing, training and serving an LLM.")
    commands = parser.add_subparsers(dest="command_name", required=True, parser_class=_Parser)
    for module in COMMANDS:
        importlib.import_module(f"llmlab.cli.{module}").COMMAND.add_to(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    name = args.command_name
    try:
        text = args.command.execute(args)
    except LlmlabError as error:
        print(f"llmlab {name}: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"llmlab {name}: interrupted", file=sys.stderr)
        return 130
    except OSError as error:  # the disk or a file the user named: their problem to fix, not a bug
        print(f"llmlab {name}: error: {error.strerror or error} ({error.filename or 'no file'})", file=sys.stderr)
        return 2
    try:
        if text:
            print(text, flush=True)
    except BrokenPipeError:  # `llmlab plan | head`: the reader left; end quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0
