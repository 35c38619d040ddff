"""The lab's link to the trained reasoning model: load it once, train it in the background on
request, and report progress. torch is imported only when a model is used or trained."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from llmlab.errors import LlmlabError
from llmlab.reasoning.features import ReasonInput

if TYPE_CHECKING:
    from tokenizers import Tokenizer

    from llmlab.nn.model import LlmlabForCausalLM

RUN = "reasoner"


class Reasoner:
    def __init__(self, runs_dir: Path) -> None:
        self.runs_dir = runs_dir
        self._model: tuple[LlmlabForCausalLM, Tokenizer] | None = None
        self._checkpoint: Path | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.error: str | None = None

    def _store(self, create: bool = False):
        """Reading the status creates nothing; only training makes the runs folder and its database."""
        from llmlab.train.runs import RunStore

        return RunStore(self.runs_dir, create=create)

    def status(self) -> dict:
        from llmlab.reasoning.inference import THINKING_BUDGET, VOTES
        from llmlab.reasoning.training import EVALUATION, REASONER_TRAINING

        training = self._thread is not None and self._thread.is_alive()
        store = self._store()
        steps = [s for s, _ in store.metrics(RUN, "train")]
        measured = store.result(RUN, EVALUATION)
        return {"trained": measured is not None and not training, "training": training, "error": self.error,
                "step": max(steps, default=0), "steps": REASONER_TRAINING.steps, "measurements": measured,
                "runs_dir": str(self.runs_dir), "budgets": THINKING_BUDGET, "votes": VOTES}

    def model(self) -> tuple[LlmlabForCausalLM, Tokenizer]:
        """The newest valid checkpoint's model and tokenizer, loaded again only when a newer one appears."""
        from llmlab.train.checkpoint import checkpoint_dirs, load_latest
        from llmlab.train.tokenizer import load_tokenizer

        run_dir = self.runs_dir / RUN
        newest = checkpoint_dirs(run_dir)[:1]
        if not newest or (self._thread is not None and self._thread.is_alive()):
            raise LlmlabError(
                "no trained reasoning model yet: train one first (button above, or `llmlab reason-train`)")
        with self._lock:
            if self._model is None or self._checkpoint != newest[0]:
                checkpoint = load_latest(run_dir, with_optimizer=False)
                if checkpoint is None:
                    raise LlmlabError("the reasoning run has no valid checkpoint: train it again "
                                      "(button above, or `llmlab reason-train`)")
                self._model = (checkpoint.model, load_tokenizer(run_dir / "data" / "tokenizer.json"))
                self._checkpoint = newest[0]
            return self._model

    def solve(self, request: ReasonInput) -> dict:
        """The model's trace and answer; a question outside the task family is refused before any loading."""
        from llmlab.reasoning.inference import solve
        from llmlab.reasoning.tasks import parse

        parse(request.question)
        model, tokenizer = self.model()
        return solve(model, tokenizer, request.question, request.effort, request.budget, request.votes,
                     request.seed).as_dict()

    def start_training(self) -> dict:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self.error = None
                self._thread = threading.Thread(target=self._train, daemon=True)
                self._thread.start()
        return self.status()

    def _train(self) -> None:
        from llmlab.reasoning.training import measure, train_reasoner
        from llmlab.train.checkpoint import load_latest

        try:
            store = self._store(create=True)
            train_reasoner(RUN, store, progress=False)
            checkpoint = load_latest(store.run_dir(RUN), with_optimizer=False)
            if checkpoint is None:
                raise LlmlabError("no valid checkpoint was written")
            measure(RUN, store, checkpoint.model)
        except Exception as error:  # reported to the page; the server keeps running
            self.error = f"training failed: {error}"
