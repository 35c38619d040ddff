"""`llmlab reason-train`: train the small reasoning model from scratch, then measure it."""

from llmlab.cli.command import Command
from llmlab.reasoning.features import ReasonTrainInput


def run(request: ReasonTrainInput) -> dict:
    from llmlab.reasoning.commands import reason_train

    return reason_train(request)


COMMAND = Command("reason-train",
                  "Train the small reasoning model from scratch (about 10 minutes here), then measure it.",
                  ReasonTrainInput, run)
