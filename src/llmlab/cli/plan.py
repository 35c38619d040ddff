"""`llmlab plan`: the cost–quality frontier of every way to do a job, and the cheapest that clears the bar."""

from llmlab.cli.command import Command
from llmlab.plan.planner import plan
from llmlab.plan.request import PlanRequest


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def render_plan(result: dict) -> str:
    bar = result["bar"]
    lines = [f"Recommended: {result['summary']}", "",
             f"Quality bar: {bar['score']:g} on {bar['label']} ({bar['why']})", "",
             "Cost-quality frontier (no cheaper option scores as high):"]
    lines += [f"  {point['name'][:46]:<46} {_money(point['monthly_cost']):>12} $/month  {point['score']:>6g}  "
              f"{point['note']}" for point in result["frontier"]]
    lines += ["", f"{'fits':<5} {'option':<50} {'score':>6} {'$/month':>12} {'latency':>15}"]
    for option in result["options"]:
        score = "-" if option["quality"] is None else f"{option['quality']['score']:g}"
        latency = "-" if option["latency_s"] is None else \
            f"{option['latency_s']['mean']:.1f}/{option['latency_s']['peak']:.1f} s"
        lines.append(f"{'yes' if option['fits'] and option['clears_bar'] else 'no':<5} {option['name'][:50]:<50} "
                     f"{score:>6} {_money(option['monthly_cost']):>12} {latency:>15}")
        lines += [f"{'':<6}- {problem}" for problem in option["problems"][:2]]
    if result["recommendation"]:
        lines += ["", "Why:"] + [f"  - {reason}" for reason in result["recommendation"]["reasons"]]
    if result["training"]:
        lines += ["", "Training your own:"] + [f"  - {reason}" for reason in next(
            o for o in result["options"] if o["tier"] == "train")["reasons"]]
    lines += ["", "latency: mean/peak seconds per response; score: the bar's benchmark ('-' = no published score)"]
    return "\n".join(lines)


COMMAND = Command("plan", "The cost-quality frontier of every way to do a job, and the cheapest option that clears "
                          "the quality bar.", PlanRequest, plan, render=render_plan)
