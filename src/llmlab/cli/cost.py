"""`llmlab cost`: GPU-hours and dollars for a training run."""

from llmlab.cli.command import Command
from llmlab.laws.features import CostInput, cost

COMMAND = Command("cost", "GPU-hours and dollars for a training run.", CostInput, cost)
