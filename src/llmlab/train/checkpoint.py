"""Checkpoints: weights as safetensors, the model config, optimizer and RNG state and the data
position, each checkpoint written to a temporary folder and renamed into place, with a `latest`
pointer replaced atomically last. A crash at any moment leaves the previous checkpoint intact.

Every file is covered by a hash: state.json records those of the others, and state.sha256 that of
state.json itself, so a flipped bit anywhere, the data position included, is caught at load time.
Loading scans the step folders newest first and falls back past a corrupt one to the previous
(KEEP are kept); the `latest` pointer is for people and tools, so losing it loses nothing.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from llmlab.errors import LlmlabError
from llmlab.nn.config import ModelConfig
from llmlab.nn.model import LlmlabForCausalLM
from llmlab.train.files import atomic_write_bytes, atomic_write_text, sha256

KEEP = 2
STATE, STATE_HASH = "state.json", "state.sha256"

T = TypeVar("T")


@dataclass
class Checkpoint:
    step: int
    model: LlmlabForCausalLM
    optimizer_state: dict | None
    trainer_state: dict
    path: Path


def model_tensors(model: LlmlabForCausalLM) -> dict[str, torch.Tensor]:
    """The state dict as saved, on the CPU: tied output weights stored once (under the embedding's name)."""
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    if model.config.tie_word_embeddings:
        tensors.pop("lm_head.weight")
    return tensors


def save_checkpoint(run_dir: Path, step: int, model: LlmlabForCausalLM, optimizer: torch.optim.Optimizer,
                    trainer_state: dict) -> Path:
    root = run_dir / "checkpoints"
    final = root / f"step-{step:07d}"
    tmp = root / f".tmp-step-{step:07d}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file(model_tensors(model), str(tmp / "model.safetensors"), metadata={"format": "pt"})
    buffer = io.BytesIO()
    torch.save({"optimizer": optimizer.state_dict(), "rng": torch.get_rng_state()}, buffer)
    atomic_write_bytes(tmp / "optimizer.pt", buffer.getvalue())
    atomic_write_text(tmp / "config.json", model.config.to_json())
    hashes = {name: sha256(tmp / name) for name in ("model.safetensors", "optimizer.pt", "config.json")}
    atomic_write_text(tmp / STATE, json.dumps({"step": step, "trainer": trainer_state, "sha256": hashes}))
    atomic_write_text(tmp / STATE_HASH, sha256(tmp / STATE))
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    atomic_write_text(root / "latest", final.name)
    # Newer folders can only be corrupt ones a resume passed over; they would shadow this one.
    kept = [p for p in checkpoint_dirs(run_dir) if p.name <= final.name][:KEEP]
    for old in set(checkpoint_dirs(run_dir)) - set(kept):
        shutil.rmtree(old, ignore_errors=True)
    return final


def checkpoint_dirs(run_dir: Path) -> list[Path]:
    """The complete checkpoint folders (renamed into place), newest first."""
    root = run_dir / "checkpoints"
    return sorted((p for p in root.glob("step-*") if p.is_dir()), reverse=True) if root.is_dir() else []


def _corrupt(path: Path, why: str) -> LlmlabError:
    return LlmlabError(f"checkpoint {path} is corrupted or truncated: {why}")


def verify(path: Path) -> dict:
    """The checkpoint's state after checking every file against the hashes written at save time."""
    try:
        if sha256(path / STATE) != (path / STATE_HASH).read_text("utf-8").strip():
            raise _corrupt(path, f"{STATE} does not match its hash")
        state = json.loads((path / STATE).read_text("utf-8"))
        for name, expected in state["sha256"].items():
            if sha256(path / name) != expected:
                raise _corrupt(path, f"{name} does not match its hash")
    except (OSError, KeyError, TypeError, json.JSONDecodeError) as error:
        raise _corrupt(path, f"{type(error).__name__}: {error}") from None
    return state


def load_checkpoint(path: Path, with_optimizer: bool = True) -> Checkpoint:
    """Verify, then load onto the CPU (the caller moves the model to its device; optimizer state
    follows the parameters when loaded into an optimizer)."""
    state = verify(path)
    try:
        config = ModelConfig.load(path / "config.json")
        model = LlmlabForCausalLM(config)
        tensors = load_file(str(path / "model.safetensors"), device="cpu")
        if config.tie_word_embeddings:
            tensors["lm_head.weight"] = tensors["model.embed_tokens.weight"]
        model.load_state_dict(tensors)
        extra = torch.load(path / "optimizer.pt", map_location="cpu", weights_only=False) if with_optimizer else None
    except (OSError, KeyError, SafetensorError, RuntimeError) as error:
        raise _corrupt(path, f"{type(error).__name__}: {error}") from None
    trainer_state = dict(state["trainer"])
    if extra is not None:
        trainer_state["torch_rng"] = extra["rng"]
    return Checkpoint(step=state["step"], model=model, optimizer_state=extra["optimizer"] if extra else None,
                      trainer_state=trainer_state, path=path)


def _newest(run_dir: Path, attempt: Callable[[Path], T]) -> T | None:
    """``attempt`` on the newest checkpoint it succeeds on, warning on stderr about each corrupt one
    passed over; None if there are none, an error if none is valid."""
    failures = []
    for path in checkpoint_dirs(run_dir):
        try:
            found = attempt(path)
        except LlmlabError as error:
            failures.append(str(error))
            continue
        for failure in failures:
            print(f"warning: {failure}; using {path.name} instead", file=sys.stderr)
        return found
    if failures:
        raise LlmlabError(f"no valid checkpoint in {run_dir / 'checkpoints'}: all {len(failures)} are corrupted "
                          f"({failures[0]}); move that folder aside to train the run from step 0")
    return None


def _verified(path: Path) -> Path:
    verify(path)
    return path


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest checkpoint folder that verifies, or None if the run has none yet."""
    return _newest(run_dir, _verified)


def load_latest(run_dir: Path, with_optimizer: bool = True) -> Checkpoint | None:
    """The newest valid checkpoint, loaded, or None if the run has none yet."""
    return _newest(run_dir, lambda path: load_checkpoint(path, with_optimizer))
