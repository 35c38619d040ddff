"""`llmlab optimal`: Compute-optimal N and D for a FLOP budget (C = 6ND)."""

from llmlab.cli.command import Command
from llmlab.laws.features import OptimalInput, optimal

COMMAND = Command("optimal", "Compute-optimal N and D for a FLOP budget (C = 6ND).", OptimalInput, optimal)
