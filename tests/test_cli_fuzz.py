"""A fuzz of the CLI's input handling, built from the parser itself.

Every option and positional of every command gets about thirty kinds of bad value (empty, NaN,
infinities, overflowing and huge numbers, odd text, directories, device files, traversal paths,
binary and JSON files...), the other arguments valid. Whatever the value, ``llmlab.cli.main``:

- ends with status 0 or 2 (argparse's usage errors arrive as ``SystemExit(2)``: the console script
  exits the same way), never raises, never prints a traceback or a Python warning;
- on status 2 writes exactly one line to stderr;
- on status 0 with ``--json`` writes strict JSON (no NaN or Infinity), and the same request without
  ``--json`` succeeds too;
- refuses (status 2) non-numbers and non-finite numbers for numeric fields, and fractions for
  whole-number fields.

Commands that start long work on a valid request (train, serve, reason-train) get a stub engine: only
their validation is fuzzed. The others run for real, in-process, on a tiny trained run, each case
under a 20-second alarm. Command modules not written yet (``llmlab.cli.COMMANDS``) are skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import importlib
import io
import json
import signal
import traceback
import typing
import warnings
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest

import llmlab.cli as cli

CASE_TIMEOUT_S = 20
# Module names whose engine would train or serve for as long as it is allowed to on a valid request.
STUBBED = {"train", "serve", "reason_train"}
CLASSIC = "A bat and a ball cost $1.10 in total. The bat costs $1.00 more than the ball. How much does the ball cost?"


# ------------------------------------------------------------------------------------------ the commands

def _load_modules() -> tuple[dict[str, object], list[str]]:
    modules, missing = {}, []
    for name in cli.COMMANDS:
        try:
            modules[name] = importlib.import_module(f"llmlab.cli.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"llmlab.cli.{name}":
                raise  # the module exists but imports something missing: a real error
            missing.append(name)
    return modules, missing


MODULES, MISSING = _load_modules()
MODULE_OF = {getattr(getattr(module, "COMMAND", None), "name", name): name for name, module in MODULES.items()}

with mock.patch.object(cli, "COMMANDS", tuple(MODULES)):
    _PARSER = cli.build_parser()
SUBPARSERS: dict[str, argparse.ArgumentParser] = next(
    action.choices for action in _PARSER._actions if isinstance(action, argparse._SubParsersAction))


def _arguments(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if not isinstance(a, (argparse._HelpAction, argparse._StoreTrueAction))]


def _flags(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if isinstance(a, argparse._StoreTrueAction)]


# One valid request per command, by argparse dest. <name> is a path in the workspace (see `workspace`).
VALID: dict[str, dict[str, str]] = {
    "loss": {"params": "70B", "tokens": "1.4T"},
    "optimal": {"flops": "5.76e23"},
    "inference-optimal": {"inference_tokens": "2T", "loss": "2.0"},
    "isoflop": {"flops": "1e21"},
    "fit": {"runs": "<small_csv>"},
    "cost": {"flops": "1e21"},
    "params": {"config": "llama-3.1-8b"},
    "flops": {"config": "llama-3.1-8b"},
    "memory": {"config": "llama-3.1-8b"},
    "throughput": {"config": "llama-3.1-8b"},
    "catalog": {"table": "fits"},
    "plan": {},
    "serve": {},
    "train": {"runs_dir": "<runs>", "steps": "1"},
    "generate": {"runs_dir": "<runs>", "run": "fz", "prompt": "The cat", "max_new_tokens": "8"},
    "export": {"runs_dir": "<runs>", "run": "fz", "hf": "<fresh>"},
    "runs": {"runs_dir": "<runs>"},
    "reason": {"runs_dir": "<runs>", "question": CLASSIC},
    "reason-train": {"runs_dir": "<runs>"},
    "reason-eval": {"runs_dir": "<runs>"},
}
# The valid request's status where it is not 0: no reasoning model is trained in the workspace.
VALID_STATUS = {"reason": 2, "reason-eval": 2}

BAD_VALUES: dict[str, str] = {
    "empty": "", "spaces": "   ", "minus-one": "-1", "zero": "0", "minus-zero": "-0", "half": "0.5",
    "nan": "nan", "NaN": "NaN", "inf": "inf", "minus-inf": "-inf", "1e400": "1e400", "1e309": "1e309",
    "1e-400": "1e-400", "denormal": "5e-324", "tiny": "1e-300", "max-float": "1.7976931348623157e308",
    "1e12": "1e12", "huge-int": "1" * 5000,
    "abc": "abc", "unicode": "é中", "arabic-digits": "١٢", "padded": " 12 ", "newline": "line1\nline2",
    "format": "%s%n{}", "null": "null",
    "dir": "<dir>", "dev-null": "/dev/null", "proc-environ": "/proc/self/environ", "name-300-bytes": "n" * 300,
    "traversal": "../../etc/passwd", "binary-file": "<binary>", "json-list": "<json_list>",
    "json-number": "<json_number>", "missing-file": "<missing>",
}
# Values no numeric field may accept.
NOT_NUMBERS = {"empty", "spaces", "nan", "NaN", "inf", "minus-inf", "1e400", "1e309", "abc", "unicode", "newline",
               "format", "null", "dir", "dev-null", "proc-environ", "name-300-bytes", "traversal", "binary-file",
               "json-list", "json-number", "missing-file"}


def _cases() -> Iterator:
    for command, parser in SUBPARSERS.items():
        if command not in VALID:
            yield pytest.param(command, "valid", None, "", id=f"{command}-no-valid-argv",
                               marks=pytest.mark.skip(reason=f"add a valid argv for '{command}' to VALID"))
            continue
        yield pytest.param(command, "valid", None, "", id=f"{command}-valid")
        yield pytest.param(command, "unknown-flag", None, "", id=f"{command}-unknown-flag")
        for action in _arguments(parser):
            name = action.option_strings[0] if action.option_strings else action.dest
            if action.required:
                yield pytest.param(command, "missing", action.dest, "", id=f"{command}-{name}-missing")
            for kind in BAD_VALUES:
                yield pytest.param(command, "value", action.dest, kind, id=f"{command}-{name}-{kind}")
        for action in _flags(parser):
            flag = action.option_strings[0]
            yield pytest.param(command, "flag-with-value", flag, "", id=f"{command}-{flag}=x")


# ------------------------------------------------------------------------------------------ the workspace

@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """Files the bad values name, a small CSV for `fit`, and a runs folder holding a tiny trained run `fz`."""
    root = tmp_path_factory.mktemp("cli-fuzz")
    cwd = root / "cwd" / "a" / "b"  # so ../../etc/passwd stays inside the workspace
    cwd.mkdir(parents=True)
    (root / "cwd" / "etc").mkdir()
    (root / "cwd" / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (root / "dir").mkdir()
    (root / "dir" / "file.txt").write_text("not empty\n")
    (root / "binary.bin").write_bytes(bytes(range(1, 256)) * 8)
    (root / "list.json").write_text("[1, 2, 3]\n")
    (root / "number.json").write_text("42\n")
    rows = ["N,D,loss"] + [f"{n:g},{d:g},{1.7 + 400 / n ** 0.34 + 400 / d ** 0.28:.5f}"
                           for n in (1e7, 3e7, 1e8, 3e8, 1e9) for d in (1e9, 4e9, 2e10)]
    (root / "small.csv").write_text("\n".join(rows) + "\n")
    paths = {"<dir>": root / "dir", "<binary>": root / "binary.bin", "<json_list>": root / "list.json",
             "<json_number>": root / "number.json", "<missing>": root / "missing" / "nothing.txt",
             "<small_csv>": root / "small.csv", "<runs>": root / "runs"}
    if {"generate", "export"} & set(SUBPARSERS) and "train" in MODULES:
        _train_tiny_run(root, paths["<runs>"])
    return {"root": root, "cwd": cwd, "paths": {k: str(v) for k, v in paths.items()}, "fresh": iter(range(10**9))}


def _train_tiny_run(root: Path, runs: Path) -> None:
    from textgen import corpus

    (root / "corpus.txt").write_text(corpus(800))
    model = {"vocab_size": 300, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
             "num_attention_heads": 2, "num_key_value_heads": 1, "max_position_embeddings": 64}
    (root / "model.json").write_text(json.dumps(model))
    argv = ["train", "--runs-dir", str(runs), "--model-json", str(root / "model.json"), "--data",
            str(root / "corpus.txt"), "--name", "fz", "--steps", "2", "--batch-size", "2", "--seq-len", "16",
            "--eval-every", "1", "--checkpoint-every", "1", "--json"]
    with mock.patch.object(cli, "COMMANDS", tuple(MODULES)), contextlib.redirect_stderr(io.StringIO()) as err, \
            contextlib.redirect_stdout(io.StringIO()):
        assert cli.main(argv) == 0, err.getvalue()[-2000:]


class _Accepted(BaseException):
    """A stubbed engine was called: the request passed validation."""


def _accepted(request):
    raise _Accepted


class _Timeout(BaseException):
    pass


@pytest.fixture(autouse=True)
def _isolated(workspace, monkeypatch):
    monkeypatch.chdir(workspace["cwd"])
    monkeypatch.setenv("LLMLAB_HOME", workspace["paths"]["<runs>"])
    if MISSING:
        monkeypatch.setattr(cli, "COMMANDS", tuple(MODULES))
    for name in STUBBED & set(MODULES):
        module = MODULES[name]
        monkeypatch.setattr(module, "COMMAND", dataclasses.replace(module.COMMAND, run=_accepted))


# ------------------------------------------------------------------------------------------ running a case

def _argv(workspace, command: str, values: dict[str, str | None], json_output: bool, extra: list[str]) -> list[str]:
    parser = SUBPARSERS[command]
    options, positionals = [], []
    for action in _arguments(parser):
        if action.dest not in values or values[action.dest] is None:
            continue
        value = values[action.dest]
        if value == "<fresh>":
            value = str(workspace["root"] / f"fresh-{next(workspace['fresh'])}")
        value = workspace["paths"].get(value, value)
        if action.option_strings:
            options.append(f"{action.option_strings[0]}={value}")
        else:
            positionals.append(value)
    # After "--" a positional may start with "-"; argparse refuses a "--" with nothing after it.
    tail = ["--", *positionals] if positionals else []
    return [command, *options, *extra, *(["--json"] if json_output else []), *tail]


def _on_alarm(signum, frame):
    raise _Timeout


@contextlib.contextmanager
def _alarm(seconds: int):
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _run(argv: list[str]) -> tuple[object, str, str, list[str]]:
    """(status or 'accepted', stdout, stderr, warnings shown) of one in-process `llmlab` call."""
    out, err = io.StringIO(), io.StringIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), _alarm(CASE_TIMEOUT_S):
                status: object = cli.main(argv)
        except SystemExit as exit_:
            status = exit_.code
        except _Accepted:
            status = "accepted"
        except _Timeout:
            pytest.fail(f"still running after {CASE_TIMEOUT_S} s: {argv!r:.300}", pytrace=False)
        except Exception as error:  # noqa: BLE001 - the point of the test
            frame = traceback.extract_tb(error.__traceback__)[-1]
            pytest.fail(f"main() raised {type(error).__name__}: {str(error)[:300]} "
                        f"(at {frame.filename}:{frame.lineno}) for {argv!r:.300}", pytrace=False)
    # Python shows these categories only in __main__ by default; anything else reaches the user's terminal.
    hidden = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)
    shown = [f"{w.category.__name__}: {w.message} ({w.filename}:{w.lineno})"
             for w in caught if not issubclass(w.category, hidden)]
    return status, out.getvalue(), err.getvalue(), shown


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _check(argv: list[str], json_output: bool) -> object:
    status, out, err, shown = _run(argv)
    where = f"{argv!r:.300}"
    assert status in (0, 2, "accepted"), f"status {status!r} for {where}; stderr: {err[-500:]!r}"
    assert "Traceback" not in out + err, f"traceback printed for {where}: {err[-1500:]}"
    assert not shown, f"warnings printed for {where}: {shown}"
    if status == 2:
        assert err.endswith("\n") and err.count("\n") == 1, f"stderr is not one line for {where}: {err[-800:]!r}"
    if status == 0 and json_output:
        try:
            json.loads(out, parse_constant=_reject_constant)
        except ValueError as error:
            pytest.fail(f"--json output is not strict JSON ({error}) for {where}: {out[:300]!r}", pytrace=False)
    return status


def _field_type(command: str, dest: str) -> type | None:
    model = getattr(getattr(MODULES.get(MODULE_OF.get(command, "")), "COMMAND", None), "input", None)
    field = getattr(model, "model_fields", {}).get(dest)
    if field is None:
        return None
    annotation = field.annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if args and len(args) == 1:
        annotation = args[0]
    return annotation if annotation in (int, float) else None


@pytest.mark.parametrize("command, case, dest, kind", list(_cases()))
def test_cli_input(workspace, command, case, dest, kind):
    values: dict[str, str | None] = dict(VALID[command])
    extra: list[str] = []
    if case == "unknown-flag":
        extra = ["--no-such-flag=1"]
    elif case == "missing":
        values[dest] = None
    elif case == "flag-with-value":
        extra = [f"{dest}=x"]
    elif case == "value":
        values[dest] = BAD_VALUES[kind]

    status = _check(_argv(workspace, command, values, True, extra), json_output=True)

    if case == "valid":
        assert status == VALID_STATUS.get(command, "accepted" if MODULE_OF.get(command) in STUBBED else 0)
    elif case in ("unknown-flag", "missing", "flag-with-value"):
        assert status == 2
    elif case == "value":
        kind_of_field = _field_type(command, dest)
        if kind_of_field is not None and (kind in NOT_NUMBERS or (kind_of_field is int and kind == "half")):
            assert status == 2, f"{kind!r} accepted for {kind_of_field.__name__} field {dest!r} of {command}"
    if status == 0:  # the same request, read by a person
        assert _check(_argv(workspace, command, values, False, extra), json_output=False) == 0
