"""The decision: every option costed and scored, the cost–quality frontier over them, the cheapest option that
clears the quality bar, what a better (or cheaper) one would cost, and whether the choice survives the ends of
the price and utilisation ranges it rests on."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pydantic import computed_field

from llmlab import catalog
from llmlab.plan.api_tiers import api_options
from llmlab.plan.option import TIER_LABELS, Latency, Option
from llmlab.plan.quality import Bar, bar
from llmlab.plan.request import PlanRequest
from llmlab.plan.self_hosted import self_hosted_options
from llmlab.plan.training import training_option
from llmlab.schema import Result

# The utilisation range the robustness check spans: the calibration holds measured serving within ±25%.
UTILISATION_RANGE = (0.75, 1.25)


class FrontierPoint(Result):
    """An option on the cost–quality frontier (no cheaper option scores as well), against the recommendation."""

    key: str
    name: str
    monthly_cost: float
    score: float
    points_over_recommendation: float | None
    cost_over_recommendation: float | None
    clears_bar: bool
    note: str


class Plan(Result):
    request: PlanRequest
    bar: Bar
    recommendation: Option | None
    frontier: list[FrontierPoint]
    robustness: str
    options: list[Option]
    training: dict | None
    assumptions: dict

    @computed_field
    @property
    def summary(self) -> str:
        best = self.recommendation
        if best is None or best.quality is None:
            return (f"No option meets every constraint and scores {self.bar.score:g} or more on {self.bar.label}: "
                    "lower the bar, relax the latency target, budget or context, or see the rows.")
        label = TIER_LABELS[best.tier]
        latency = "results within 24 h (batch)" if best.latency_s is None else \
            f"≈{best.latency_s.mean:.1f} s per response ({best.latency_s.peak:.1f} s at peak)"
        return (f"{label[0].upper()}{label[1:]}: {best.name} at ${best.monthly_cost or 0:,.0f}/month, {latency}; "
                f"{best.quality.score:g} on {best.quality.label} (bar {self.bar.score:g}). {self.robustness}")


@dataclass(frozen=True)
class Scored:
    """An option that can serve (it has a cost) and has a published score."""

    option: Option
    cost: float
    score: float


def scored(options: list[Option], feasible_only: bool = True) -> list[Scored]:
    return [Scored(o, o.monthly_cost, o.quality.score) for o in options
            if o.monthly_cost is not None and o.quality is not None and (o.fits or not feasible_only)]


def choose(options: list[Option], the_bar: Bar) -> Option | None:
    """The cheapest option that meets every constraint and clears the bar (an unscored option cannot)."""
    eligible = [s for s in scored(options) if s.score >= the_bar.score]
    best = min(eligible, key=lambda s: (s.cost, -s.score, s.option.name), default=None)
    return best.option if best else None


def frontier(options: list[Option], recommendation: Option | None, the_bar: Bar) -> list[FrontierPoint]:
    """Feasible scored options with no cheaper option scoring as high, cheapest first."""
    reference = next(iter(scored([recommendation]))) if recommendation else None
    points, best_score = [], float("-inf")
    for item in sorted(scored(options), key=lambda s: (s.cost, -s.score)):
        if item.score > best_score:
            best_score = item.score
            points.append(_point(item, reference, the_bar))
    return points


def _point(item: Scored, reference: Scored | None, the_bar: Bar) -> FrontierPoint:
    clears = item.score >= the_bar.score
    extra_points = extra_cost = None
    note = "clears the bar" if clears else f"below the bar ({the_bar.score:g})"
    if reference is not None:
        extra_points, extra_cost = item.score - reference.score, item.cost - reference.cost
        if item.option.key == reference.option.key:
            note = "recommended: the cheapest option that clears the bar"
        elif extra_cost >= 0:
            note = f"{extra_points:+.3g} points for +${extra_cost:,.0f}/month"
        else:
            note = f"{extra_points:+.3g} points, saves ${-extra_cost:,.0f}/month" + ("" if clears else
                                                                                     " (below the bar)")
    return FrontierPoint(key=item.option.key, name=item.option.name, monthly_cost=item.cost, score=item.score,
                         points_over_recommendation=extra_points, cost_over_recommendation=extra_cost,
                         clears_bar=clears, note=note)


def options_for(request: PlanRequest, the_bar: Bar, price_statistic: str = "default") -> list[Option]:
    options = api_options(request) + self_hosted_options(request, price_statistic=price_statistic)
    for option in options:
        option.clears_bar = None if option.quality is None else option.quality.score >= the_bar.score
    return options


def at_speed(option: Option, speed: float, request: PlanRequest) -> Option:
    """A self-hosted option if serving ran ``speed``× as fast as expected: each replica carries ``speed``× the
    requests at 1/``speed`` the latency (engine time scales with the efficiency factors), so the replicas and
    the cost follow; an option too slow for the target at that speed stops fitting. APIs are unchanged."""
    if option.tier != "self-hosted" or option.latency_s is None or option.replicas is None:
        return option
    d = option.details
    replicas = max(1, math.ceil(request.peak_requests_per_s / (d["requests_per_s_per_replica"] * speed)))
    latency = Latency(mean=option.latency_s.mean / speed, peak=option.latency_s.peak / speed)
    hours = catalog.planning()["assumptions"]["hours_per_month"]
    cost = replicas * d["gpus_per_replica"] * d["price_per_gpu_hour"]["default"] * hours
    moved = option.model_copy(update={"replicas": replicas, "latency_s": latency, "problems": [], "monthly_cost": cost})
    moved.check(0, request)
    return moved


def robustness(request: PlanRequest, the_bar: Bar, recommendation: Option | None, options: list[Option]) -> str:
    """Whether the recommendation holds with every GPU at the low and the high end of its price range, and with
    serving at the ends of the calibration's ±25%; else what it changes to, and when."""
    if recommendation is None:
        return "No recommendation to test."
    variants = {f"GPU prices are at the {end} end of their ranges": options_for(request, the_bar,
                                                                               price_statistic=end)
                for end in ("low", "high")}
    for speed in UTILISATION_RANGE:
        variants[f"serving runs {abs(speed - 1):.0%} {'slower' if speed < 1 else 'faster'} than expected"] = \
            [at_speed(option, speed, request) for option in options]
    changes = []
    for when, variant in variants.items():
        chosen = choose(variant, the_bar)
        if chosen is None or chosen.key != recommendation.key:
            changes.append(f"changes to {chosen.name if chosen else 'nothing'} when {when}")
    if not changes:
        return "Robust: the same choice with GPU prices at either end of their ranges and serving ±25%."
    return "Not robust: it " + "; ".join(changes) + "."


def plan(request: PlanRequest) -> Plan:
    the_bar = bar(request.use_case, request.min_score, request.as_good_as)
    options = options_for(request, the_bar)
    trained = training_option(request)
    if trained:
        options.append(trained)
    options.sort(key=lambda o: (not (o.fits and o.clears_bar), o.cost_or_inf, o.name))
    recommendation = choose(options, the_bar)
    return Plan(request=request, bar=the_bar, recommendation=recommendation,
                frontier=frontier(options, recommendation, the_bar),
                robustness=robustness(request, the_bar, recommendation, options), options=options,
                training=trained.details if trained else None, assumptions=catalog.planning()["assumptions"])
