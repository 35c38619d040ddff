"""`llmlab reason-eval`: measure the reasoning model per effort on the held-out split."""

from llmlab.cli.command import Command
from llmlab.reasoning.features import ReasonEvalInput


def run(request: ReasonEvalInput) -> dict:
    from llmlab.reasoning.commands import reason_eval

    return reason_eval(request)


COMMAND = Command("reason-eval", "Measure the reasoning model per effort on the held-out split.", ReasonEvalInput, run)
