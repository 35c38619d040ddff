"""`llmlab loss`: Predicted loss for N parameters trained on D tokens."""

from llmlab.cli.command import Command
from llmlab.laws.features import LossInput, predict_loss

COMMAND = Command("loss", "Predicted loss for N parameters trained on D tokens.", LossInput, predict_loss)
