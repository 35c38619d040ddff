"""`llmlab export RUN --hf DIR`: export a run as a Hugging Face model folder."""

from llmlab.cli.command import Command
from llmlab.train.requests import ExportInput


def run(request: ExportInput) -> dict:
    from llmlab.train.commands import run_export

    return run_export(request)


COMMAND = Command("export", "Export a run as a Hugging Face model folder.", ExportInput, run)
