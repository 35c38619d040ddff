"""Training and measuring the small reasoning model: supervised fine-tuning from scratch on the task
family, a mix of direct answers and worked traces keyed by effort, with the loss on the response
(thinking and answer) only; then accuracy, intuitive-wrong rate, thinking tokens and latency per
effort on the held-out split, and accuracy against thinking budget and number of votes."""

from __future__ import annotations

import random
import statistics
from dataclasses import asdict, dataclass

import numpy as np
import torch
from tqdm import tqdm

from llmlab.nn.config import ModelConfig
from llmlab.nn.model import LlmlabForCausalLM
from llmlab.reasoning.inference import EFFORTS, SPECIAL_TOKENS, prompt_text, response_text, solve
from llmlab.reasoning.tasks import problems
from llmlab.train.loop import fit
from llmlab.train.presets import TrainConfig
from llmlab.train.runs import RunStore
from llmlab.train.tokenizer import load_tokenizer, train_tokenizer

REASONER = ModelConfig(vocab_size=512, hidden_size=128, intermediate_size=352, num_hidden_layers=4,
                       num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=256)
REASONER_TRAINING = TrainConfig(steps=1200, batch_size=32, seq_len=176, lr=3e-3, warmup=60, eval_every=250,
                                checkpoint_every=250)
TRAIN_PROBLEMS, VALIDATION_PROBLEMS = 40_000, 400
IGNORE = -100


@dataclass(frozen=True)
class Example:
    ids: list[int]
    prompt_length: int


def _examples(data_dir, split: str, count: int, seed: int) -> list[Example]:
    tokenizer = load_tokenizer(data_dir / "tokenizer.json")
    rng = random.Random(f"effort-{seed}-{split}")
    out = []
    for problem in problems(count, split, seed):
        effort = rng.choice(EFFORTS)
        prompt = tokenizer.encode(prompt_text(problem.question, effort)).ids
        out.append(Example(prompt + tokenizer.encode(response_text(problem, effort)).ids, len(prompt)))
    return out


def prepare(run_dir, seed: int, vocab_size: int = REASONER.vocab_size) -> None:
    """The tokenizer (digits split, effort and thinking markers as special tokens), once per run."""
    data = run_dir / "data"
    if (data / "tokenizer.json").exists():
        return
    sample = problems(4000, "train", seed)
    texts = [prompt_text(p.question, e) + response_text(p, e) for p in sample for e in EFFORTS]
    train_tokenizer(texts, vocab_size, data / "tokenizer.json", special_tokens=SPECIAL_TOKENS,
                    split_digits=True)


class SFTBatches:
    """Padded batches of whole examples; targets are -100 on the prompt and the padding."""

    def __init__(self, examples: list[Example], seq_len: int, batch_size: int, seed: int) -> None:
        self.examples = [e for e in examples if len(e.ids) <= seq_len + 1]
        self.seq_len, self.batch_size, self.seed = seq_len, batch_size, seed
        self.epoch, self.index = 0, 0

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self.index + self.batch_size > len(self.examples):
            self.epoch, self.index = self.epoch + 1, 0
        order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.examples))
        chosen = [self.examples[i] for i in order[self.index:self.index + self.batch_size]]
        self.index += self.batch_size
        return collate(chosen, self.seq_len)

    def state(self) -> dict:
        return {"epoch": self.epoch, "index": self.index}

    def restore(self, state: dict) -> None:
        self.epoch, self.index = state["epoch"], state["index"]


def collate(examples: list[Example], seq_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.zeros(len(examples), seq_len, dtype=torch.long)
    y = torch.full((len(examples), seq_len), IGNORE, dtype=torch.long)
    for row, example in enumerate(examples):
        ids = torch.tensor(example.ids[:seq_len + 1])
        x[row, :len(ids) - 1] = ids[:-1]
        y[row, example.prompt_length - 1:len(ids) - 1] = ids[example.prompt_length:]
    return x, y


@torch.no_grad()
def response_loss(model: LlmlabForCausalLM, examples: list[Example], seq_len: int) -> float:
    model.eval()
    device = next(model.parameters()).device
    losses = [model(*(t.to(device) for t in collate(examples[i:i + 32], seq_len)))[1].item()
              for i in range(0, len(examples), 32)]
    model.train()
    return float(np.mean(losses))


def train_reasoner(name: str, store: RunStore, cfg: TrainConfig = REASONER_TRAINING, seed: int = 0,
                   train_problems: int = TRAIN_PROBLEMS, progress: bool = True,
                   model_cfg: ModelConfig = REASONER) -> dict:
    run_dir = store.run_dir(name)
    store.create(name, "reasoner", {"model": asdict(model_cfg), "train": asdict(cfg), "kind": "reasoner"})
    prepare(run_dir, seed, model_cfg.vocab_size)
    batches = SFTBatches(_examples(run_dir / "data", "train", train_problems, seed), cfg.seq_len, cfg.batch_size, seed)
    validation = _examples(run_dir / "data", "test", VALIDATION_PROBLEMS, seed)
    return fit(name, store, model_cfg, cfg, batches, lambda m: {"val": response_loss(m, validation, cfg.seq_len)},
               progress)


EVALUATION = "reasoning_eval"
BUDGETS, VOTE_COUNTS = (0, 16, 32, 64, 96, 144), (1, 3, 5, 9)


def measure(name: str, store: RunStore, model: LlmlabForCausalLM, count: int = 60, seed: int = 1,
            progress: bool = False) -> dict:
    """Per effort on held-out bat-and-ball-family problems, plus accuracy against budget and votes;
    stored in the run store, where the lab reads it."""
    tokenizer = load_tokenizer(store.run_dir(name) / "data" / "tokenizer.json")
    held_out = problems(count, "test", seed, families=("bat_ball", "bat_ball", "ages", "sum_difference"))
    torch.set_num_threads(1)
    bar = tqdm(total=len(EFFORTS) + len(BUDGETS) + len(VOTE_COUNTS), desc="measuring", disable=not progress)

    def run(effort: str, **options) -> dict:
        solutions = [solve(model, tokenizer, p.question, effort, seed=seed, **options) for p in held_out]
        bar.update(1)
        verdicts = [s.verdict for s in solutions]
        errors = len(verdicts) - verdicts.count("correct")
        return {"accuracy": verdicts.count("correct") / len(verdicts),
                "intuitive_rate": verdicts.count("intuitive") / len(verdicts),
                "intuitive_share_of_errors": verdicts.count("intuitive") / errors if errors else 0.0,
                "thinking_tokens": statistics.mean(s.thinking_tokens for s in solutions),
                "forced_rate": statistics.mean(s.forced for s in solutions),
                "latency_s": statistics.mean(s.latency_s for s in solutions)}

    efforts = {effort: run(effort) for effort in EFFORTS}
    result = {"problems": count, "efforts": efforts,
              "budget_curve": [{"budget": b, **run("high", budget=b, votes=1)} for b in BUDGETS],
              "vote_curve": [{"votes": k, **run("high", votes=k)} for k in VOTE_COUNTS]}
    bar.close()
    store.put_result(name, EVALUATION, result)
    step = max((s for s, _ in store.metrics(name, "train")), default=0)
    for effort, figures in efforts.items():
        store.log(name, step, f"accuracy_{effort}", figures["accuracy"])
        store.log(name, step, f"intuitive_{effort}", figures["intuitive_rate"])
    return result
