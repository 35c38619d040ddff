"""The reasoning features behind the CLI: ask the trained reasoner, train it, measure it."""

from __future__ import annotations

from dataclasses import replace

import torch

from llmlab.errors import LlmlabError
from llmlab.reasoning.features import ReasonEvalInput, ReasonRunInput, ReasonTrainInput
from llmlab.reasoning.inference import solve
from llmlab.reasoning.tasks import parse
from llmlab.reasoning.training import REASONER_TRAINING, TRAIN_PROBLEMS, measure, train_reasoner
from llmlab.train.commands import load_run
from llmlab.train.requests import RunInput


def _load_reasoner(run: str, runs_dir: str | None):
    """The reasoning run's model and tokenizer; a run of another kind is refused by name."""
    request = RunInput(run=run, runs_dir=runs_dir)
    store = request.store()
    try:
        kind = store.config(run).get("kind")
    except LlmlabError as error:
        raise LlmlabError(f"{error} (train the reasoning model with `llmlab reason-train`)") from None
    if kind != "reasoner":
        raise LlmlabError(f"run {run!r} is not a reasoning model (it is a {kind or 'pretraining'} run): "
                          "pass --run with a run made by `llmlab reason-train`")
    model, tokenizer, _, _ = load_run(request)
    return model, tokenizer, store


def reason(request: ReasonRunInput) -> dict:
    """Solve a bat-and-ball-family problem at an effort: the model's real trace, answer and latency."""
    parse(request.question)  # outside the task family: said before anything loads
    torch.set_num_threads(1)
    model, tokenizer, _ = _load_reasoner(request.run, request.runs_dir)
    return solve(model, tokenizer, request.question, request.effort, request.budget, request.votes,
                 request.seed).as_dict()


def reason_train(request: ReasonTrainInput) -> dict:
    """Train the reasoner from scratch, then measure it on the held-out split (unless eval_problems is 0)."""
    store = request.store()
    cfg = replace(REASONER_TRAINING, steps=request.steps or REASONER_TRAINING.steps, seed=request.seed)
    result = train_reasoner(request.name, store, cfg, request.seed, request.problems or TRAIN_PROBLEMS)
    if request.eval_problems:
        model, _, _ = _load_reasoner(request.name, request.runs_dir)
        result["measurements"] = measure(request.name, store, model, request.eval_problems, progress=True)
    return result


def reason_eval(request: ReasonEvalInput) -> dict:
    """Accuracy, thinking tokens and latency per effort on held-out problems, stored in the run store."""
    model, _, store = _load_reasoner(request.run, request.runs_dir)
    return measure(request.run, store, model, request.problems, progress=True)
