"""The reasoning features' typed requests, importable without torch: what `llmlab reason`,
`reason-train`, `reason-eval` and the lab's reasoning page send."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from llmlab.schema import Count, Input, NonNegativeCount, Seed
from llmlab.train.requests import RunName, RunsInput

Effort = Literal["none", "low", "medium", "high"]
MAX_QUESTION_CHARS = 400


class ReasonInput(Input):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, json_schema_extra={"cli": "positional"},
                          description="a bat-and-ball-family problem")
    effort: Effort = Field("medium", description="how much the model thinks")
    budget: NonNegativeCount | None = Field(None, le=1024, description="thinking-token cap (default: the effort's)")
    votes: Count | None = Field(None, le=32, description="self-consistency samples (default: 5 at high, else 1)")
    seed: Seed = 0


class ReasonRunInput(ReasonInput, RunsInput):
    """A question for a reasoning run in a runs folder (the CLI's way to name the model)."""

    run: RunName = Field("reasoner", description="the reasoning run")


class ReasonTrainInput(RunsInput):
    name: RunName = Field("reasoner", description="run name")
    steps: Count | None = Field(None, le=1_000_000, description="training steps (default: the recipe's)")
    problems: Count | None = Field(None, le=1_000_000, description="training problems (default 40,000)")
    eval_problems: NonNegativeCount = Field(60, le=10_000, description="held-out problems to measure on (0: skip)")
    seed: Seed = 0


class ReasonEvalInput(RunsInput):
    run: RunName = Field("reasoner", description="the reasoning run")
    problems: Count = Field(60, le=10_000, description="held-out problems per measurement")
