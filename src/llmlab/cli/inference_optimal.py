"""`llmlab inference-optimal`: Cheapest model reaching a loss once lifetime inference is paid for
(Sardana et al. 2024)."""

from llmlab.cli.command import Command
from llmlab.laws.features import InferenceOptimalInput, inference_optimal

COMMAND = Command("inference-optimal",
                  "Cheapest model reaching a loss once lifetime inference is paid for (Sardana et al. 2024).",
                  InferenceOptimalInput, inference_optimal)
