"""The training loop: AdamW (β = 0.9, 0.95), warmup + cosine or warmup-stable-decay, clipping at 1.0,
gradient accumulation, optional bf16 autocast, periodic validation loss and bits per byte,
atomic checkpoints, and exact resumption from the latest one. Data-parallel under torchrun."""

from __future__ import annotations

import math
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable, Protocol

import numpy as np
import torch
from tqdm import tqdm

from llmlab.errors import LlmlabError
from llmlab.nn.config import ModelConfig
from llmlab.nn.model import LlmlabForCausalLM
from llmlab.train import distributed
from llmlab.train.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
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
    model.eval()
    losses = []
    for x, y in evaluation_batches(tokens, cfg.seq_len, cfg.batch_size, cfg.eval_batches):
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
            logits, _, _ = model(x)
        losses.append(torch.nn.functional.cross_entropy(logits.float().flatten(0, 1), y.flatten()).item())
    model.train()
    return float(np.mean(losses))


def _optimizer(model: LlmlabForCausalLM, cfg: TrainConfig) -> torch.optim.AdamW:
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    vectors = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{"params": matrices, "weight_decay": cfg.weight_decay},
                              {"params": vectors, "weight_decay": 0.0}], lr=cfg.lr, betas=(0.9, 0.95))


class Batches(Protocol):
    """A source of (inputs, targets) batches whose position can be saved and restored exactly."""

    def next(self) -> tuple[torch.Tensor, torch.Tensor]: ...
    def state(self) -> dict: ...
    def restore(self, state: dict) -> None: ...


def train(name: str, store: RunStore, model_cfg: ModelConfig, cfg: TrainConfig, load_text: Callable[[], Split],
          preset: str = "custom", progress: bool = True) -> dict:
    """Pretrain run ``name`` on text to ``cfg.steps``, resuming from its latest checkpoint if it has one."""
    rank, world = distributed.setup()
    run_dir = store.run_dir(name)
    if distributed.is_main(rank):
        store.create(name, preset, {"model": asdict(model_cfg), "train": asdict(cfg)})
        prepare_data(run_dir, load_text, model_cfg.vocab_size)  # once, before the other processes read it
    distributed.barrier(world)
    train_tokens, val_tokens, tokens_per_byte = prepare_data(run_dir, load_text, model_cfg.vocab_size)
    tokenizer_vocab = load_tokenizer(run_dir / "data" / "tokenizer.json").get_vocab_size()
    if tokenizer_vocab > model_cfg.vocab_size:
        raise LlmlabError(f"tokenizer has {tokenizer_vocab} tokens but the model only {model_cfg.vocab_size}")

    def validate(model: LlmlabForCausalLM) -> dict[str, float]:
        loss = evaluate(model, val_tokens, cfg)
        return {"val": loss, "val_bpb": loss * tokens_per_byte / math.log(2)}

    batches = PackedBatches(train_tokens, cfg.seq_len, cfg.batch_size, cfg.seed, rank, world)
    return fit(name, store, model_cfg, cfg, batches, validate, progress, rank, world)


def fit(name: str, store: RunStore, model_cfg: ModelConfig, cfg: TrainConfig, batches: Batches,
        validate: Callable[[LlmlabForCausalLM], dict[str, float]], progress: bool = True,
        rank: int = 0, world: int = 1) -> dict:
    """The optimisation loop shared by pretraining and fine-tuning: resume, step, log, validate, checkpoint."""
    run_dir = store.run_dir(name)
    checkpoint_dir = latest_checkpoint(run_dir)
    if checkpoint_dir is not None:
        checkpoint = load_checkpoint(checkpoint_dir)
        model, start = checkpoint.model, checkpoint.step
        optimizer = _optimizer(model, cfg)
        optimizer.load_state_dict(checkpoint.optimizer_state)
        batches.restore(checkpoint.trainer_state["data"])
        torch.set_rng_state(checkpoint.trainer_state["torch_rng"])
    else:
        torch.manual_seed(cfg.seed)
        model, start = LlmlabForCausalLM(model_cfg), 0
        optimizer = _optimizer(model, cfg)
    wrapped = distributed.wrap(model, world, sparse=model_cfg.is_moe)
    model.train()

    tokens_per_step = cfg.batch_size * cfg.seq_len * cfg.grad_accum * world
    bar = tqdm(total=cfg.steps, initial=start, desc=name, unit="step", disable=not (progress and distributed.is_main(rank)),
               dynamic_ncols=True)
    last_train = float("nan")
    for step in range(start, cfg.steps):
        began = time.perf_counter()
        lr = learning_rate(step, cfg)
        for group in optimizer.param_groups:
            group["lr"] = lr
        total = 0.0
        for _ in range(cfg.grad_accum):
            x, y = batches.next()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
                _, loss, _ = wrapped(x, y)
            (loss / cfg.grad_accum).backward()
            total += loss.item() / cfg.grad_accum
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        model.update_expert_biases()
        last_train = distributed.mean(total, world)
        speed = tokens_per_step / (time.perf_counter() - began)
        done = step + 1
        if distributed.is_main(rank):
            store.log(name, done, "train", last_train, speed, lr)
            bar.update(1)
            bar.set_postfix(loss=f"{last_train:.3f}", tok_s=f"{speed:,.0f}")
            if done % cfg.eval_every == 0 or done == cfg.steps:
                for kind, value in validate(model).items():
                    store.log(name, done, kind, value)
            if done % cfg.checkpoint_every == 0 or done == cfg.steps:
                path = save_checkpoint(run_dir, done, model, optimizer,
                                       {"data": batches.state(), "train_config": asdict(cfg)})
                store.checkpoint(name, done, path)
        distributed.barrier(world)
    bar.close()
    if distributed.is_main(rank):
        store.set_status(name, "done")
    distributed.teardown(world)
    val = store.metrics(name, "val")
    return {"run": name, "steps": cfg.steps, "train_loss": last_train,
            "val_loss": val[-1][1] if val else None, "run_dir": str(run_dir)}
