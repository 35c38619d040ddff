"""Quality beside cost: each option's published score on the one benchmark its use case is judged on.

An option without a published score is unscored, never guessed. A reasoning model's score is taken at
the effort the use case runs at when the publisher gives scores by effort.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from llmlab import catalog
from llmlab.errors import LlmlabError
from llmlab.schema import Result


class Quality(Result):
    benchmark: str
    label: str
    score: float
    setting: str
    source: str
    date: str


class Bar(Result):
    """The score an option must reach, on which benchmark, and why that number."""

    benchmark: str
    label: str
    score: float
    why: str
    unscored_note: str = Field(description="which kinds of option the benchmark does not cover")


def use_case(name: str) -> dict[str, Any]:
    return catalog.planning()["use_cases"][name]


def quality(option: str, use_case_name: str) -> Quality | None:
    """``option``'s score (an API tier or catalog model key) on the use case's benchmark, or None."""
    case = use_case(use_case_name)
    benchmark = case["benchmark"]
    entry = catalog.benchmarks()["scores"].get(option, {}).get(benchmark)
    if entry is None:
        return None
    effort = case["reasoning_effort"]
    by_effort = entry.get("by_effort", {})
    score, setting = (by_effort[effort], f"reasoning {effort}") if effort in by_effort else (entry["score"],
                                                                                          entry["setting"])
    return Quality(benchmark=benchmark, label=catalog.benchmarks()["benchmarks"][benchmark]["label"], score=score,
                   setting=setting, source=entry["source"], date=str(entry["date"]))


def bar(use_case_name: str, min_score: float | None, as_good_as: str | None) -> Bar:
    """The bar: the user's score, the score of the option they name, or the use case's stated default."""
    case = use_case(use_case_name)
    benchmark = case["benchmark"]
    label = catalog.benchmarks()["benchmarks"][benchmark]["label"]
    note = case.get("coverage_note", "")
    if as_good_as is not None:
        reference = quality(as_good_as, use_case_name)
        if reference is None:
            scored = sorted(key for key, scores in catalog.benchmarks()["scores"].items() if benchmark in scores)
            raise LlmlabError(f"{as_good_as} has no published {label} score, the benchmark {use_case_name} is judged "
                              f"on: name one that has ({', '.join(scored)}) or give a minimum score")
        return Bar(benchmark=benchmark, label=label, score=reference.score,
                   why=f"as good as {as_good_as} ({reference.score:g} on {label}, {reference.setting})",
                   unscored_note=note)
    if min_score is not None:
        return Bar(benchmark=benchmark, label=label, score=min_score, why="your --min-score", unscored_note=note)
    return Bar(benchmark=benchmark, label=label, score=case["default_min_score"],
               why=f"the default for {use_case_name}: {case['bar_why']}", unscored_note=note)
