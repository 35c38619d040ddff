"""Projected cost and latency of one reasoning query on real API tiers, per effort level.

A projection, not a measurement: thinking-token budgets per effort, prompt and answer lengths and
output speeds are the stated assumptions in catalog/data/planning.json; prices are the catalog's
standard (synchronous) rates on the date they were read. A tier that cannot turn thinking off
(``reasoning: always``) is costed at the lowest effort it accepts when the effort asked for is none.
"""

from __future__ import annotations

from llmlab import catalog
from llmlab.errors import LlmlabError

BAT_AND_BALL = ("A bat and a ball cost $1.10 in total. The bat costs $1.00 more than the ball. "
                "How much does the ball cost?")


def reasoning_projection(effort: str) -> dict:
    a = catalog.planning()["assumptions"]
    budgets = a["reasoning_effort_tokens"]
    if effort not in budgets:
        raise LlmlabError(f"unknown effort {effort!r}: choose one of {', '.join(budgets)}")
    thinking = budgets[effort]
    prompt, answer = a["reasoning_prompt_tokens"], a["reasoning_answer_tokens"]
    lowest = a.get("always_reasoning_min_effort", "low")
    rows = []
    for key, tier in catalog.api_tiers().items():
        if tier["tier"] != "reasoning":
            continue
        used, note = effort, None
        if effort == "none" and tier.get("reasoning") == "always":
            used, note = lowest, f"cannot turn thinking off: costed at {lowest} effort"
        tokens = budgets[used]
        speed = a["api_output_tokens_per_s"][tier["tier"]]
        cost = (prompt * tier["input_per_mtok"] + (tokens + answer) * tier["output_per_mtok"]) / 1e6
        changes = [c for c in tier.get("price_changes") or [] if c["from"] > tier["date"]]
        if changes:
            upcoming = changes[0]
            price_note = (f"price changes to ${upcoming['input_per_mtok']:g} in / ${upcoming['output_per_mtok']:g} out "
                          f"per Mtok from {upcoming['from']}")
            note = f"{note}; {price_note}" if note else price_note
        rows.append({"key": key, "model": f"{tier['vendor']} {tier['model']}", "tier": tier["tier"],
                     "reasoning": tier.get("reasoning"), "status": tier.get("status", "current"), "effort": used,
                     "thinking_tokens": tokens, "output_tokens": tokens + answer,
                     "cost_per_query": cost, "cost_per_1000": cost * 1000,
                     "latency_s": a["api_time_to_first_token_s"] + (tokens + answer) / speed,
                     "tokens_per_s": speed, "price_date": tier["date"], "note": note})
    rows.sort(key=lambda row: row["cost_per_query"])
    return {"effort": effort, "problem": BAT_AND_BALL, "prompt_tokens": prompt, "answer_tokens": answer,
            "thinking_tokens": thinking, "rows": rows, "projection": True,
            "assumptions": "thinking-token budgets per effort, prompt/answer lengths and tokens/s are stated "
                           "assumptions (catalog/data/planning.json), not measurements; prices are standard "
                           "(synchronous) rates as dated per row"}
