"""Pick the cheapest option that meets every constraint, and explain the choice in numbers."""

from __future__ import annotations

from pydantic import computed_field

from llmlab import catalog
from llmlab.plan.options import TIER_LABELS, Option, api_options, self_hosted_options, training_option
from llmlab.plan.request import PlanRequest
from llmlab.schema import Result


class Plan(Result):
    """Every option costed and checked, the cheapest that meets every constraint, and why."""

    request: PlanRequest
    recommended: Option | None
    options: list[Option]
    training: dict | None
    assumptions: dict

    @computed_field
    @property
    def needs(self) -> str:
        return self.request.needs

    @computed_field
    @property
    def recommended_tier(self) -> str | None:
        return self.recommended.tier if self.recommended else None

    @computed_field
    @property
    def summary(self) -> str:
        if self.recommended is None:
            return "No option meets every constraint: relax the latency target, budget or context, or see the rows."
        best = self.recommended
        label = TIER_LABELS[best.tier]
        return (f"{label[0].upper()}{label[1:]}: {best.name} at ${best.monthly_cost:,.0f}/month, "
                f"≈{best.latency_s:.1f} s per response. {best.reasons[0]}")


def plan(request: PlanRequest) -> Plan:
    options = api_options(request) + self_hosted_options(request)
    trained = training_option(request)
    training = None
    if trained:
        options.append(trained[0])
        training = trained[1]
    options.sort(key=lambda option: option.sort_key)
    recommended = options[0] if options and options[0].fits else None
    return Plan(request=request, recommended=recommended, options=options, training=training,
                assumptions=catalog.planning()["assumptions"])
