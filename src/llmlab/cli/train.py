"""`llmlab train`: train the mini-LLM (resumes the named run from its newest valid checkpoint)."""

from llmlab.cli.command import Command
from llmlab.train.requests import TrainInput


def run(request: TrainInput) -> dict:
    from llmlab.train.commands import run_training  # torch loads only for the commands that need it

    return run_training(request)


COMMAND = Command("train", "Train the mini-LLM (resumes the named run from its newest valid checkpoint).", TrainInput,
                  run)
