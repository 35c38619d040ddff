"""Checkpoints: weights as safetensors, the model config, optimizer and RNG state and the data
position, each checkpoint written to a temporary folder and renamed into place, with a `latest`
pointer replaced atomically last. A crash at any moment leaves the previous checkpoint intact;
hashes recorded at save time catch a truncated or corrupted file at load time."""

from __future__ import annotations

import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from llmlab.errors import LlmlabError
from llmlab.nn.config import ModelConfig
from llmlab.nn.model import LlmlabForCausalLM
from llmlab.train.files import atomic_write_bytes, atomic_write_text, sha256

KEEP = 2


@dataclass
class Checkpoint:
    step: int
    model: LlmlabForCausalLM
    optimizer_state: dict | None
    trainer_state: dict


def model_tensors(model: LlmlabForCausalLM) -> dict[str, torch.Tensor]:
    """The state dict as saved: tied output weights stored once (under the embedding's name)."""
    tensors = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
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
    atomic_write_text(tmp / "state.json", json.dumps({"step": step, "trainer": trainer_state, "sha256": hashes}))
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    atomic_write_text(root / "latest", final.name)
    for old in sorted(p for p in root.glob("step-*") if p.name != final.name)[:-(KEEP - 1) or None]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def latest_checkpoint(run_dir: Path) -> Path | None:
    pointer = run_dir / "checkpoints" / "latest"
    if not pointer.exists():
        return None
    return run_dir / "checkpoints" / pointer.read_text().strip()


def load_checkpoint(path: Path, with_optimizer: bool = True) -> Checkpoint:
    """Verify every file against the hashes written at save time, then load."""
    try:
        state = json.loads((path / "state.json").read_text("utf-8"))
        for name, expected in state["sha256"].items():
            if sha256(path / name) != expected:
                raise LlmlabError(f"checkpoint {path} is corrupted or truncated: {name} does not match its hash")
        config = ModelConfig.load(path / "config.json")
        model = LlmlabForCausalLM(config)
        tensors = load_file(str(path / "model.safetensors"))
        if config.tie_word_embeddings:
            tensors["lm_head.weight"] = tensors["model.embed_tokens.weight"]
        model.load_state_dict(tensors)
        extra = torch.load(path / "optimizer.pt", weights_only=False) if with_optimizer else None
    except (OSError, KeyError, json.JSONDecodeError, SafetensorError, RuntimeError) as error:
        raise LlmlabError(f"checkpoint {path} is corrupted or truncated ({type(error).__name__}: {error}); "
                          "delete it to fall back to the previous one") from None
    trainer_state = dict(state["trainer"])
    if extra is not None:
        trainer_state["torch_rng"] = extra["rng"]
    return Checkpoint(step=state["step"], model=model,
                      optimizer_state=extra["optimizer"] if extra else None, trainer_state=trainer_state)
