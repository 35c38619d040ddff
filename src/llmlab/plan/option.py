"""One way to do the job, costed per month and checked against the request, in one shape for every tier."""

from __future__ import annotations

import math

from pydantic import Field, computed_field

from llmlab.plan.quality import Quality
from llmlab.plan.request import PlanRequest
from llmlab.schema import Result
from llmlab.units import human

TIER_LABELS = {"small": "small fast API", "frontier": "frontier API", "reasoning": "frontier reasoning API",
               "self-hosted": "self-hosted open-weight model", "train": "train your own"}


class Latency(Result):
    """Seconds per full response (thinking included) at mean and at peak traffic."""

    mean: float
    peak: float


class Option(Result):
    key: str
    tier: str
    name: str
    quality: Quality | None = Field(description="published score on the use case's benchmark; None = unscored")
    thinking_tokens: int = Field(description="thinking tokens billed and generated per request")
    precision: str | None = None
    tensor_parallel: int | None = None
    replicas: int | None = None
    monthly_cost: float | None = Field(description="$/month; None when no setup of this option works")
    latency_s: Latency | None = Field(description="None for batch jobs and options that cannot serve")
    fits: bool = True
    clears_bar: bool | None = Field(None, description="None when unscored")
    problems: list[str] = []
    reasons: list[str] = []
    details: dict = {}

    @computed_field
    @property
    def tier_label(self) -> str:
        return TIER_LABELS[self.tier]

    @property
    def cost_or_inf(self) -> float:
        return math.inf if self.monthly_cost is None else self.monthly_cost

    def check(self, context_window: int, request: PlanRequest) -> None:
        """The constraints every tier shares: context window, latency at peak, budget."""
        if context_window and context_window < request.context:
            self.problems.append(f"context window {human(context_window)} < the {human(request.context)} tokens "
                                 "needed")
        if self.latency_s is not None and self.latency_s.peak > request.latency:
            self.problems.append(f"≈{self.latency_s.peak:.1f} s per response at peak exceeds the "
                                 f"{request.latency:g} s target")
        if request.monthly_budget is not None and (self.monthly_cost or 0) > request.monthly_budget:
            self.problems.append(f"${self.monthly_cost:,.0f}/month exceeds the ${request.monthly_budget:,.0f} budget")
        self.fits = not self.problems
