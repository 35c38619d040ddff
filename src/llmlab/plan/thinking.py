"""Thinking tokens: one stated assumption per use case and effort, applied to every reasoning model alike —
an API tier or a self-hosted model is billed and timed for the same thinking."""

from __future__ import annotations

from llmlab import catalog


def thinking_tokens(reasoning: str, use_case: str) -> int:
    """Per request, for a model that thinks ``reasoning`` ("none", "optional" or "always") on ``use_case``.

    An optional thinker runs at the use case's effort; one that always thinks runs at least at the stated
    minimum effort even where the use case needs none."""
    planning = catalog.planning()
    assumptions = planning["assumptions"]
    effort = planning["use_cases"][use_case]["reasoning_effort"]
    if reasoning == "none":
        return 0
    if reasoning == "always" and effort == "none":
        effort = assumptions["always_reasoning_min_effort"]
    return int(assumptions["thinking_tokens"][use_case][effort])
