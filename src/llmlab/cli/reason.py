"""`llmlab reason "QUESTION" --effort E`: solve a problem with the trained reasoning model."""

from llmlab.cli.command import Command
from llmlab.reasoning.features import ReasonRunInput


def run(request: ReasonRunInput) -> dict:
    from llmlab.reasoning.commands import reason  # torch loads only when a model is asked

    return reason(request)


def render_reason(result: dict) -> str:
    votes = "" if sum(result["votes"].values()) == 1 else f"  votes: {result['votes']}"
    return (f"thinking ({result['thinking_tokens']} tokens{', budget reached' if result['forced'] else ''}): "
            f"{result['trace'] or '(none)'}\nanswer: {result['answer']}  [{result['verdict']}; expected "
            f"{result['expected']}]{votes}\nlatency: {result['latency_s'] * 1000:.0f} ms")


COMMAND = Command("reason", "Solve a bat-and-ball-family problem with the trained reasoning model.", ReasonRunInput,
                  run, render=render_reason)
