"""The mini-LLM's features behind the CLI: train, generate, export and list runs. Each takes its typed
request from ``llmlab.train.requests`` and returns plain data for the terminal or JSON."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import torch
from tokenizers import Tokenizer

from llmlab.errors import LlmlabError
from llmlab.infer.generate import generate
from llmlab.nn.config import ModelConfig
from llmlab.nn.model import LlmlabForCausalLM
from llmlab.train.checkpoint import load_latest
from llmlab.train.corpus import Split, default_corpus, user_corpus
from llmlab.train.export import export_hf
from llmlab.train.loop import train
from llmlab.train.presets import TrainConfig, preset
from llmlab.train.requests import ExportInput, GenerateInput, RunInput, TrainInput
from llmlab.train.runs import RunStore
from llmlab.train.tokenizer import END_OF_TEXT, load_tokenizer

TRAIN_OVERRIDES = ("steps", "batch_size", "seq_len", "lr", "schedule", "seed", "grad_accum", "eval_every",
                   "checkpoint_every")


def load_run(request: RunInput) -> tuple[LlmlabForCausalLM, Tokenizer, Path, RunStore]:
    """The run's newest valid checkpoint and its tokenizer."""
    store = request.store()
    store.config(request.run)  # an unknown run gets a clear error
    checkpoint = load_latest(store.run_dir(request.run), with_optimizer=False)
    if checkpoint is None:
        raise LlmlabError(f"run {request.run!r} has no checkpoint yet: train it first")
    tokenizer = load_tokenizer(store.run_dir(request.run) / "data" / "tokenizer.json")
    return checkpoint.model, tokenizer, checkpoint.path, store


def _settings(request: TrainInput, store: RunStore, name: str) -> tuple[str, ModelConfig, TrainConfig]:
    """The preset asked for; or, resuming a run without naming a preset, the settings it was trained with."""
    recorded = store.recorded(name) if request.preset is None else None
    if recorded and {"model", "train"} <= set(recorded[1]):
        return recorded[0], ModelConfig(**recorded[1]["model"]), TrainConfig(**recorded[1]["train"])
    name_of_preset = request.preset or "tiny"
    return name_of_preset, *preset(name_of_preset)


def run_training(request: TrainInput, progress: bool = True) -> dict:
    """Train the mini-LLM, resuming the named run from its newest valid checkpoint."""
    store = request.store()
    name = request.name or f"{request.preset or 'tiny'}-{time.strftime('%Y%m%d-%H%M%S')}"
    preset_name, model_cfg, train_cfg = _settings(request, store, name)
    if request.model_json:
        model_cfg = ModelConfig.load(request.model_json)
    overrides = {key: getattr(request, key) for key in TRAIN_OVERRIDES if getattr(request, key) is not None}
    train_cfg = replace(train_cfg, **overrides, bf16=request.bf16 or train_cfg.bf16)
    if train_cfg.seq_len > model_cfg.max_position_embeddings:
        raise LlmlabError(f"--seq-len {train_cfg.seq_len} exceeds the model's {model_cfg.max_position_embeddings} "
                          "positions: lower it or raise max_position_embeddings in --model-json")
    if request.data:
        data = request.data
        load_text = lambda: user_corpus(data)  # noqa: E731
    else:
        def load_text() -> Split:
            train_path, val_path, _ = default_corpus(store.root / "corpus")
            return Split(train_path.read_text("utf-8"), val_path.read_text("utf-8"))
    return train(name, store, model_cfg, train_cfg, load_text, preset=preset_name, progress=progress,
                 force=request.force, device=request.device)


def run_generation(request: GenerateInput) -> dict:
    """Continue a prompt with a trained run (KV cache; one thread is fastest for batch-1 decoding)."""
    torch.set_num_threads(1)
    model, tokenizer, path, _ = load_run(request)
    prompt = tokenizer.encode(request.prompt).ids
    if len(prompt) + request.max_new_tokens > model.config.max_position_embeddings:
        raise LlmlabError(f"prompt ({len(prompt)} tokens) + --max-new-tokens exceed the model's "
                          f"{model.config.max_position_embeddings} positions: shorten one")
    began = time.perf_counter()
    ids = generate(model, prompt, request.max_new_tokens, request.temperature, request.top_k, request.top_p,
                   stop_id=tokenizer.token_to_id(END_OF_TEXT), seed=request.seed, device=request.device)
    seconds = time.perf_counter() - began
    return {"run": request.run, "checkpoint": str(path), "prompt": request.prompt, "text": tokenizer.decode(ids),
            "new_tokens": len(ids), "tokens_per_s": len(ids) / seconds if seconds else None}


def run_export(request: ExportInput) -> dict:
    """Write a run as a Hugging Face model folder (llama, mistral or mixtral)."""
    model, _, path, store = load_run(request)
    tokenizer = store.run_dir(request.run) / "data" / "tokenizer.json"
    model_type = export_hf(model, tokenizer, request.hf, force=request.force)
    return {"run": request.run, "checkpoint": str(path), "hf_dir": request.hf, "model_type": model_type}
