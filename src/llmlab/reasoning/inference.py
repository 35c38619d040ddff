"""Reasoning effort for the mini-LLM: the prompt format, budget forcing and self-consistency.

    <high> A bat and a ball cost $1.10 ...?\\n<think> ball = x cents, ...; 10 / 2 = 5; check: ...</think> $0.05

Effort picks how much worked reasoning the model was trained to write (none: straight to the answer;
low: the key arithmetic; medium: every step, its arithmetic digit by digit; high: that and a check)
and caps the thinking tokens at inference: at the cap the end-of-thinking delimiter is forced (budget forcing, s1:
Muennighoff et al. 2025). At `high`, several traces are sampled and the answers put to a majority
vote (self-consistency, Wang et al. 2022).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import asdict, dataclass

import torch
from tokenizers import Tokenizer

from llmlab.errors import LlmlabError
from llmlab.infer.generate import generate
from llmlab.nn.model import LlmlabForCausalLM
from llmlab.reasoning.tasks import Problem, check, parse, scratchpad
from llmlab.train.tokenizer import END_OF_TEXT

EFFORTS = ("none", "low", "medium", "high")
THINK, END_THINK = "<think>", "</think>"
SPECIAL_TOKENS = (THINK, END_THINK, *(f"<{effort}>" for effort in EFFORTS))
THINKING_BUDGET = {"none": 0, "low": 40, "medium": 128, "high": 144}
VOTES = {"none": 1, "low": 1, "medium": 1, "high": 5}
ANSWER_TOKENS = 12
VOTE_TEMPERATURE = 0.7


def trace_steps(problem: Problem, effort: str) -> list[str]:
    """none: no thinking; low: the key arithmetic, results only; medium: every step with the
    arithmetic worked digit by digit; high: that, plus a check."""
    if effort == "none":
        return []
    working = [s for s in problem.steps if not s.startswith("check")]
    if effort == "low":
        return [s for s in working if "x" not in s][-2:] or working
    worked = [scratchpad(s) for s in working]
    return worked if effort == "medium" else worked + [s for s in problem.steps if s.startswith("check")]


def prompt_text(question: str, effort: str) -> str:
    return f"<{effort}> {question}\n{THINK}"


def response_text(problem: Problem, effort: str) -> str:
    steps = trace_steps(problem, effort)
    return (" " + "; ".join(steps) if steps else "") + f"{END_THINK} {problem.answer}{END_OF_TEXT}"


@dataclass
class Solution:
    question: str
    effort: str
    trace: str
    answer: str
    verdict: str
    thinking_tokens: int
    forced: bool
    latency_s: float
    votes: dict[str, int]
    expected: str

    def as_dict(self) -> dict:
        return asdict(self)


def _one_trace(model: LlmlabForCausalLM, tokenizer: Tokenizer, prompt: list[int], budget: int,
               temperature: float, seed: int | None) -> tuple[list[int], str, bool]:
    end_think, end_text = tokenizer.token_to_id(END_THINK), tokenizer.token_to_id(END_OF_TEXT)
    if end_think is None:
        raise LlmlabError(f"the tokenizer has no {END_THINK} token: use a model made by `llmlab reason-train`")
    thinking = generate(model, prompt, budget, temperature, stop_id=end_think, seed=seed) if budget else []
    forced = len(thinking) >= budget and budget > 0  # the cap was reached: force the delimiter
    answer = generate(model, prompt + thinking + [end_think], ANSWER_TOKENS, 0.0, stop_id=end_text)
    return thinking, tokenizer.decode(answer).strip(), forced


def majority_vote(answers: list[str]) -> tuple[str, dict[str, int]]:
    """The most frequent answer (ties go to the one sampled first) and the full tally."""
    tally = Counter(answers)
    return tally.most_common(1)[0][0], dict(tally)


@torch.no_grad()
def solve(model: LlmlabForCausalLM, tokenizer: Tokenizer, question: str, effort: str = "medium",
          budget: int | None = None, votes: int | None = None, seed: int = 0) -> Solution:
    if effort not in EFFORTS:
        raise LlmlabError(f"unknown effort {effort!r}: choose one of {', '.join(EFFORTS)}")
    problem = parse(question)
    budget = THINKING_BUDGET[effort] if budget is None else budget
    votes = VOTES[effort] if votes is None else votes
    prompt = tokenizer.encode(prompt_text(problem.question, effort)).ids
    began = time.perf_counter()
    samples = [_one_trace(model, tokenizer, prompt, budget, 0.0 if votes == 1 else VOTE_TEMPERATURE,
                          None if votes == 1 else seed + i) for i in range(votes)]
    winner, tally = majority_vote([answer for _, answer, _ in samples])
    thinking, _, forced = next(s for s in samples if s[1] == winner)
    return Solution(question=problem.question, effort=effort, trace=tokenizer.decode(thinking).strip(),
                    answer=winner, verdict=check(problem, winner),
                    thinking_tokens=sum(len(t) for t, _, _ in samples), forced=forced,
                    latency_s=time.perf_counter() - began, votes=tally, expected=problem.answer)
