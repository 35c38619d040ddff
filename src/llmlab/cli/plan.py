"""`llmlab plan`: recommend a tier, model size and architecture for a budget and use case."""

from llmlab.cli.command import Command
from llmlab.plan.planner import plan
from llmlab.plan.request import PlanRequest
from llmlab.units import human


def render_plan(result: dict) -> str:
    lines = [f"Recommended: {result['summary']}", "",
             f"{'fits':<5} {'tier':<30} {'option':<48} {'$/month':>12} {'latency':>9}"]
    for option in result["options"]:
        cost = "-" if not option["monthly_cost"] else f"{option['monthly_cost']:,.0f}"
        latency = "-" if option["latency_s"] is None else f"{option['latency_s']:.1f} s"
        lines.append(f"{'yes' if option['fits'] else 'no':<5} {option['tier_label']:<30} {option['name'][:48]:<48} "
                     f"{cost:>12} {latency:>9}")
        lines += [f"{'':<36}- {problem}" for problem in option["problems"][:2]]
    if result["recommended"]:
        lines += ["", "Why:"] + [f"  - {reason}" for reason in result["recommended"]["reasons"]]
    if result["training"]:
        training = result["training"]
        best, aware = training["compute_optimal"], training["inference_aware"]["inference_aware"]
        lines += ["", f"Training budget ${training['budget']:,.0f} -> {training['flops']:.3g} FLOPs: "
                      f"compute-optimal {human(best['params'])} params on {human(best['tokens'])} tokens; "
                      f"inference-aware {human(aware['params'])} on {human(aware['tokens'])}"]
    return "\n".join(lines)


COMMAND = Command("plan", "Recommend a tier, model size and architecture for a budget and use case.", PlanRequest, plan,
                  render=render_plan)
