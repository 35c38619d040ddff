"""Projected cost and latency of one reasoning query on real API tiers, per effort level.

A projection, not a measurement: thinking-token budgets per effort, prompt and answer lengths and
output speeds are the stated assumptions in catalog/data/planning.json; prices are the catalog's.
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
    rows = []
    for key, tier in catalog.api_tiers().items():
        if tier["tier"] != "reasoning":
            continue
        speed = a["api_output_tokens_per_s"][tier["tier"]]
        cost = (prompt * tier["input_per_mtok"] + (thinking + answer) * tier["output_per_mtok"]) / 1e6
        rows.append({"key": key, "model": f"{tier['vendor']} {tier['model']}", "tier": tier["tier"],
                     "thinking_tokens": thinking, "output_tokens": thinking + answer,
                     "cost_per_query": cost, "cost_per_1000": cost * 1000,
                     "latency_s": a["api_time_to_first_token_s"] + (thinking + answer) / speed,
                     "tokens_per_s": speed, "price_date": tier["date"]})
    rows.sort(key=lambda row: row["cost_per_query"])
    return {"effort": effort, "problem": BAT_AND_BALL, "prompt_tokens": prompt, "answer_tokens": answer,
            "thinking_tokens": thinking, "rows": rows, "projection": True,
            "assumptions": "thinking-token budgets per effort, prompt/answer lengths and tokens/s are stated "
                           "assumptions (catalog/data/planning.json), not measurements"}
