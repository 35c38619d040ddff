"""`llmlab isoflop`: Loss against model size at a fixed FLOP budget."""

from llmlab.cli.command import Command
from llmlab.laws.features import IsoflopInput, isoflop

COMMAND = Command("isoflop", "Loss against model size at a fixed FLOP budget.", IsoflopInput, isoflop)
