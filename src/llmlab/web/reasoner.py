"""The lab's link to the trained reasoning model: load it once, train it in the background on
request, and report progress. torch is imported only when a model is used or trained."""

from __future__ import annotations

import threading
from pathlib import Path

from llmlab.errors import LlmlabError

RUN = "reasoner"


class Reasoner:
    def __init__(self, runs_dir: Path) -> None:
        self.runs_dir = runs_dir
        self._model = None
        self._checkpoint = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.error: str | None = None

    def _store(self):
        from llmlab.train.runs import RunStore

        return RunStore(self.runs_dir)

    def status(self) -> dict:
        from llmlab.infer.reasoning import THINKING_BUDGET, VOTES
        from llmlab.train.reasoner import EVALUATION, REASONER_TRAINING

        training = self._thread is not None and self._thread.is_alive()
        store = self._store()
        steps = [s for s, _ in store.metrics(RUN, "train")]
        measured = store.result(RUN, EVALUATION)
        return {"trained": measured is not None and not training, "training": training, "error": self.error,
                "step": max(steps, default=0), "steps": REASONER_TRAINING.steps, "measurements": measured,
                "runs_dir": str(self.runs_dir), "budgets": THINKING_BUDGET, "votes": VOTES}

    def model(self):
        from llmlab.train.checkpoint import latest_checkpoint, load_checkpoint
        from llmlab.train.tokenizer import load_tokenizer

        path = latest_checkpoint(self.runs_dir / RUN)
        if path is None or (self._thread is not None and self._thread.is_alive()):
            raise LlmlabError("no trained reasoning model yet: train one first (button above, or `llmlab reason-train`)")
        with self._lock:
            if self._checkpoint != path:
                self._model = (load_checkpoint(path, with_optimizer=False).model,
                               load_tokenizer(self.runs_dir / RUN / "data" / "tokenizer.json"))
                self._checkpoint = path
        return self._model

    def start_training(self) -> dict:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self.error = None
                self._thread = threading.Thread(target=self._train, daemon=True)
                self._thread.start()
        return self.status()

    def _train(self) -> None:
        from llmlab.train.checkpoint import latest_checkpoint, load_checkpoint
        from llmlab.train.reasoner import measure, train_reasoner

        try:
            store = self._store()
            train_reasoner(RUN, store, progress=False)
            model = load_checkpoint(latest_checkpoint(store.run_dir(RUN)), with_optimizer=False).model
            measure(RUN, store, model)
        except Exception as error:  # reported to the page; the server keeps running
            self.error = f"training failed: {error}"
