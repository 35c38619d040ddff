"""The training loop: AdamW (β = 0.9, 0.95), warmup + cosine or warmup-stable-decay, clipping at 1.0,
gradient accumulation, optional bf16 autocast, periodic validation loss, bits per byte and MFU,
atomic checkpoints, and exact resumption from the newest valid one. On CUDA, MPS or the CPU;
data-parallel under torchrun.

A run never lies about its state: anything that stops it after it was recorded marks it failed (or
diverged, for a non-finite loss) with the reason, and a resume that would silently train something
other than what the run was (different settings, or nothing left to do) is refused up front."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from tqdm import tqdm

from llmlab.errors import LlmlabError
from llmlab.nn.config import ModelConfig
from llmlab.nn.device import resolve_device
from llmlab.nn.model import LlmlabForCausalLM
from llmlab.train import distributed
from llmlab.train.checkpoint import Checkpoint, load_latest, save_checkpoint
from llmlab.train.corpus import Split
from llmlab.train.data import PackedBatches, encode, evaluation_batches
from llmlab.train.files import atomic_write_text
from llmlab.train.presets import TrainConfig
from llmlab.train.runs import RunStore
from llmlab.train.tokenizer import load_tokenizer, train_tokenizer


def learning_rate(step: int, cfg: TrainConfig) -> float:
    floor = cfg.lr * cfg.min_lr_ratio
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    if cfg.schedule == "wsd":
        decay_start = int(cfg.steps * (1 - cfg.decay_fraction))
        if step < decay_start:
            return cfg.lr
        return cfg.lr - (cfg.lr - floor) * (step - decay_start) / max(1, cfg.steps - decay_start)
    progress = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return floor + 0.5 * (cfg.lr - floor) * (1 + math.cos(math.pi * min(1.0, progress)))


def prepare_data(run_dir: Path, load_text: Callable[[], Split], vocab: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Tokenizer and token arrays, built once per run; returns train, validation, validation tokens per byte."""
    data = run_dir / "data"
    files = [data / "tokenizer.json", data / "train.npy", data / "validation.npy", data / "bytes_per_token.txt"]
    if not all(f.exists() for f in files):
        text = load_text()
        tokenizer = train_tokenizer([text.train], vocab, data / "tokenizer.json")
        train, validation = encode(tokenizer, text.train), encode(tokenizer, text.validation)
        for path, array in ((files[1], train), (files[2], validation)):
            with open(path.with_suffix(".tmp"), "wb") as handle:
                np.save(handle, array)
            path.with_suffix(".tmp").replace(path)
        atomic_write_text(files[3], str(len(text.validation.encode("utf-8")) / len(validation)))
    return np.load(files[1]), np.load(files[2]), 1 / float(files[3].read_text())


@torch.no_grad()
def evaluate(model: LlmlabForCausalLM, tokens: np.ndarray, cfg: TrainConfig) -> float:
    """Mean validation loss over the fixed evaluation windows, on the model's device."""
    device = next(model.parameters()).device
    model.eval()
    losses = []
    for x, y in evaluation_batches(tokens, cfg.seq_len, cfg.batch_size, cfg.eval_batches):
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg.bf16):
            logits, _, _ = model(x.to(device))
        losses.append(torch.nn.functional.cross_entropy(logits.float().flatten(0, 1), y.to(device).flatten()).item())
    model.train()
    return float(np.mean(losses))


def _optimizer(model: LlmlabForCausalLM, cfg: TrainConfig, state: dict | None = None) -> torch.optim.AdamW:
    """AdamW with weight decay on matrices only; ``state`` restores the moments of a resumed run."""
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    vectors = [p for p in model.parameters() if p.dim() < 2]
    decay = (cfg.weight_decay, 0.0)
    optimizer = torch.optim.AdamW([{"params": matrices, "weight_decay": decay[0]},
                                   {"params": vectors, "weight_decay": decay[1]}], lr=cfg.lr, betas=(0.9, 0.95))
    if state is not None:
        optimizer.load_state_dict(state)  # moves the moments to the parameters' device
        for group, weight_decay in zip(optimizer.param_groups, decay):
            group["weight_decay"] = weight_decay  # the saved value would win over a forced new setting
    return optimizer


class Batches(Protocol):
    """A source of (inputs, targets) batches whose position can be saved and restored exactly."""

    def next(self) -> tuple[torch.Tensor, torch.Tensor]: ...
    def state(self) -> dict: ...
    def restore(self, state: dict) -> None: ...


def train(name: str, store: RunStore, model_cfg: ModelConfig, cfg: TrainConfig, load_text: Callable[[], Split],
          preset: str = "custom", progress: bool = True, *, device: str | torch.device = "auto",
          force: bool = False) -> dict:
    """Pretrain run ``name`` on text to ``cfg.steps``, resuming from its newest valid checkpoint if it
    has one. ``device``: see `resolve_device`; ``force``: see `fit`."""
    rank, world, target = distributed.setup(resolve_device(device))
    main = distributed.is_main(rank)
    run_dir = store.run_dir(name)
    if main:
        store.create(name, preset, {"model": asdict(model_cfg), "train": asdict(cfg)})
    try:
        with store.recording(name, enabled=main):
            if main:
                prepare_data(run_dir, load_text, model_cfg.vocab_size)  # once, before the other processes read it
            distributed.barrier(world, target)
            train_tokens, val_tokens, tokens_per_byte = prepare_data(run_dir, load_text, model_cfg.vocab_size)
            tokenizer_vocab = load_tokenizer(run_dir / "data" / "tokenizer.json").get_vocab_size()
            if tokenizer_vocab > model_cfg.vocab_size:
                raise LlmlabError(f"tokenizer has {tokenizer_vocab} tokens but the model only {model_cfg.vocab_size}")

            def validate(model: LlmlabForCausalLM) -> dict[str, float]:
                loss = evaluate(model, val_tokens, cfg)
                return {"val": loss, "val_bpb": loss * tokens_per_byte / math.log(2)}

            batches = PackedBatches(train_tokens, cfg.seq_len, cfg.batch_size, cfg.seed, rank, world)
            return fit(name, store, model_cfg, cfg, batches, validate, progress, rank, world, device=target,
                       force=force)
    finally:
        distributed.teardown(world)


def _resumed_model(name: str, checkpoint: Checkpoint, model_cfg: ModelConfig, cfg: TrainConfig,
                   force: bool) -> LlmlabForCausalLM:
    """The model to go on training from ``checkpoint``, if the settings asked for are the ones it was
    trained with (``steps`` aside); with ``force``, the settings asked for, the weights carried over."""
    if cfg.steps <= checkpoint.step:
        raise LlmlabError(f"run {name!r} is already at step {checkpoint.step}: pass --steps above "
                          f"{checkpoint.step} to train it further")
    was = {"model": asdict(checkpoint.model.config), "train": {**checkpoint.trainer_state["train_config"],
                                                               "steps": cfg.steps}}
    asked = {"model": asdict(model_cfg), "train": asdict(cfg)}
    changes = [f"{part}.{key} {was[part].get(key)!r} -> {value!r}"
               for part, settings in asked.items() for key, value in settings.items() if was[part].get(key) != value]
    if changes and not force:
        raise LlmlabError(f"run {name!r} was trained with other settings ({'; '.join(changes)}): pass the same "
                          "ones to resume it, --force to go on with these, or a new --name")
    if model_cfg == checkpoint.model.config:
        return checkpoint.model
    model = LlmlabForCausalLM(model_cfg)
    try:
        model.load_state_dict(checkpoint.model.state_dict())
    except RuntimeError:
        raise LlmlabError(f"run {name!r} cannot go on as a model of another shape ({'; '.join(changes)}): "
                          "train it under a new --name") from None
    return model


def fit(name: str, store: RunStore, model_cfg: ModelConfig, cfg: TrainConfig, batches: Batches,
        validate: Callable[[LlmlabForCausalLM], dict[str, float]], progress: bool = True,
        rank: int = 0, world: int = 1, *, device: str | torch.device = "auto", force: bool = False) -> dict:
    """The optimisation loop shared by pretraining and fine-tuning: resume, step, log, validate, checkpoint.

    Resuming is refused, before the run is touched, when the run is already at ``cfg.steps`` or the
    settings differ from those it was trained with (``steps`` aside) unless ``force``: then the run
    goes on with the new settings, and the store records them and keeps the old ones in its history.
    A non-finite loss stops the run as 'diverged'."""
    target = resolve_device(device)
    main = distributed.is_main(rank)
    run_dir = store.run_dir(name)
    checkpoint = load_latest(run_dir)
    if checkpoint is None:
        torch.manual_seed(cfg.seed)
        model, start = LlmlabForCausalLM(model_cfg), 0
    else:
        model, start = _resumed_model(name, checkpoint, model_cfg, cfg, force), checkpoint.step
        batches.restore(checkpoint.trainer_state["data"])
        torch.set_rng_state(checkpoint.trainer_state["torch_rng"])
    model.to(target)
    optimizer = _optimizer(model, cfg, checkpoint.optimizer_state if checkpoint else None)
    if main:
        store.start(name, {"model": asdict(model.config), "train": asdict(cfg)})
    with store.recording(name, enabled=main):
        wrapped = distributed.wrap(model, world, target, sparse=model.config.is_moe)
        model.train()
        tokens_per_step = cfg.batch_size * cfg.seq_len * cfg.grad_accum * world
        flops_per_step = model.config.training_flops_per_token(cfg.seq_len) * tokens_per_step
        dtype = torch.bfloat16 if cfg.bf16 else torch.float32
        bar = tqdm(total=cfg.steps, initial=start, desc=name, unit="step", disable=not (progress and main),
                   dynamic_ncols=True)
        shown: dict[str, str] = {}
        last_train, mfu = float("nan"), None
        timed_steps, timed_seconds = 0, 0.0  # since the last evaluation, for MFU
        for step in range(start, cfg.steps):
            began = time.perf_counter()
            lr = learning_rate(step, cfg)
            for group in optimizer.param_groups:
                group["lr"] = lr
            total = 0.0
            for _ in range(cfg.grad_accum):
                x, y = batches.next()
                with torch.autocast(target.type, dtype=torch.bfloat16, enabled=cfg.bf16):
                    _, loss, _ = wrapped(x.to(target), y.to(target))
                (loss / cfg.grad_accum).backward()
                total += loss.item() / cfg.grad_accum
            last_train = distributed.mean(total, world, target)
            done = step + 1
            if not math.isfinite(last_train):
                message = (f"loss became {last_train} at step {done}: lower --lr (it was {cfg.lr:g}) and resume "
                           "with --force, or start a new run")
                if main:
                    store.fail(name, message, "diverged")
                raise LlmlabError(message)
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            model.update_expert_biases()
            seconds = time.perf_counter() - began
            timed_steps, timed_seconds = timed_steps + 1, timed_seconds + seconds
            if main:
                store.log(name, done, "train", last_train, tokens_per_step / seconds, lr)
                if done % cfg.eval_every == 0 or done == cfg.steps:
                    peak = distributed.peak_flops(target, dtype) * world
                    mfu = flops_per_step * timed_steps / timed_seconds / peak
                    timed_steps, timed_seconds = 0, 0.0
                    store.log(name, done, "mfu", mfu)
                    shown["mfu"] = f"{mfu:.1%}"
                    for kind, value in validate(model).items():
                        store.log(name, done, kind, value)
                if done % cfg.checkpoint_every == 0 or done == cfg.steps:
                    path = save_checkpoint(run_dir, done, model, optimizer,
                                           {"data": batches.state(), "train_config": asdict(cfg)})
                    store.checkpoint(name, done, path)
                bar.update(1)
                bar.set_postfix(loss=f"{last_train:.3f}", tok_s=f"{tokens_per_step / seconds:,.0f}", **shown)
            distributed.barrier(world, target)
        bar.close()
    if main:
        store.set_status(name, "done")
    val = store.metrics(name, "val")
    return {"run": name, "steps": cfg.steps, "train_loss": last_train, "val_loss": val[-1][1] if val else None,
            "mfu": mfu, "device": str(target), "run_dir": str(run_dir)}
