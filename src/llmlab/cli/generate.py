"""`llmlab generate RUN --prompt TEXT`: generate text from a trained run (KV cache)."""

from llmlab.cli.command import Command
from llmlab.train.requests import GenerateInput


def run(request: GenerateInput) -> dict:
    from llmlab.train.commands import run_generation

    return run_generation(request)


COMMAND = Command("generate", "Generate text from a trained run (KV cache).", GenerateInput, run,
                  render=lambda result: result["prompt"] + result["text"])
