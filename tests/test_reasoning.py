"""The reasoning task family, budget forcing, self-consistency voting, and a short training run."""

import subprocess
import sys
from dataclasses import replace

import pytest
import torch

from llmlab.errors import LlmlabError
from llmlab.nn.model import LlmlabForCausalLM
from llmlab.reasoning.inference import _one_trace, majority_vote, prompt_text, response_text, solve, trace_steps
from llmlab.reasoning.tasks import FAMILIES, TEST_ITEMS, TEST_NAMES, TRAIN_ITEMS, check, parse, problems
from llmlab.reasoning.training import REASONER, REASONER_TRAINING, prepare, train_reasoner
from llmlab.train.runs import RunStore
from llmlab.train.tokenizer import load_tokenizer

CLASSIC = "A bat and a ball cost $1.10 in total. The bat costs $1.00 more than the ball. How much does the ball cost?"


def test_the_classic_problem_and_its_intuitive_wrong_answer():
    problem = parse(CLASSIC)
    assert problem.answer == "$0.05" and problem.intuitive == "$0.10"
    assert check(problem, "$0.05") == "correct"
    assert check(problem, "The ball costs $0.10.") == "intuitive"
    assert check(problem, "$1.05") == "wrong"
    assert check(problem, "I don't know") == "unparsed"


@pytest.mark.parametrize("split", ["train", "test"])
def test_every_generated_problem_checks_out(split):
    generated = problems(2000, split, seed=4, families=FAMILIES)
    assert {p.family for p in generated} == set(FAMILIES)
    for problem in generated:
        assert check(problem, problem.answer) == "correct"
        if problem.intuitive is not None:
            assert problem.intuitive != problem.answer
            assert check(problem, problem.intuitive) == "intuitive"
        assert parse(problem.question) == problem  # the exact solver agrees with the generator


def test_held_out_split_has_unseen_names_and_numbers():
    train, test = problems(5000, "train", seed=0), problems(1000, "test", seed=0)
    assert not {p.question for p in train} & {p.question for p in test}
    test_items = {w for pair in TEST_ITEMS for w in pair} | set(TEST_NAMES)
    for problem in test:
        if problem.family in ("bat_ball", "ages"):
            assert any(word in problem.question for word in test_items)
    for problem in train:
        if problem.family == "bat_ball":
            assert any(f"A {big} and a {small} " in problem.question for big, small in TRAIN_ITEMS)


def test_problems_outside_the_family_are_refused():
    for question in ("What is the capital of France?", "A bat and a ball cost $1.10 in total."):
        with pytest.raises(LlmlabError, match="outside the task family"):
            parse(question)
    with pytest.raises(LlmlabError, match="no whole-number answer"):
        parse("A bat and a ball cost $1.11 in total. The bat costs $1.00 more than the ball. "
              "How much does the ball cost?")


def test_traces_grow_with_effort():
    problem = parse(CLASSIC)
    lengths = [len(trace_steps(problem, effort)) for effort in ("none", "low", "medium", "high")]
    assert lengths[0] == 0 and lengths == sorted(lengths) and lengths[-1] > lengths[1]
    assert response_text(problem, "none").startswith("</think> $0.05")
    assert "check: 5 + 105 = 110" in response_text(problem, "high")
    assert "110 - 100: 0-0=0, 1-0=1, 1-1=0 = 10" in response_text(problem, "medium")
    assert prompt_text(CLASSIC, "low").startswith("<low> A bat")


@pytest.fixture(scope="module")
def untrained(tmp_path_factory):
    run = tmp_path_factory.mktemp("reasoner")
    prepare(run, seed=0)
    torch.manual_seed(0)
    return LlmlabForCausalLM(REASONER).eval(), load_tokenizer(run / "data" / "tokenizer.json")


@pytest.mark.parametrize("budget", [0, 1, 7, 20])
def test_budget_forcing_caps_every_trace(untrained, budget):
    model, tokenizer = untrained
    prompt = tokenizer.encode(prompt_text(CLASSIC, "high")).ids
    for seed in range(3):
        thinking, answer, forced = _one_trace(model, tokenizer, prompt, budget, 1.0, seed)
        assert len(thinking) <= budget
        assert forced == (budget > 0 and len(thinking) == budget)
    solution = solve(model, tokenizer, CLASSIC, "high", budget=budget, votes=3)
    assert solution.thinking_tokens <= 3 * budget
    assert sum(solution.votes.values()) == 3


def test_majority_vote():
    assert majority_vote(["$0.05", "$0.10", "$0.05"]) == ("$0.05", {"$0.05": 2, "$0.10": 1})
    assert majority_vote(["7", "8"])[0] == "7"  # a tie goes to the first sampled
    assert majority_vote(["x"]) == ("x", {"x": 1})


@pytest.mark.slow
def test_short_training_beats_chance(tmp_path):
    """A couple of hundred steps of a small model from scratch, on a fixed seed: the response loss
    falls far below a uniform guess (ln 512 = 6.2 nats) and the model answers in the task's format,
    with traces in the scratchpad form, where an untrained model produces neither."""
    store = RunStore(tmp_path)
    small = replace(REASONER, hidden_size=64, intermediate_size=176, num_hidden_layers=2)
    cfg = replace(REASONER_TRAINING, steps=200, batch_size=16, eval_every=200, checkpoint_every=200, warmup=20)
    result = train_reasoner("short", store, cfg, seed=0, train_problems=3000, progress=False, model_cfg=small)
    assert result["val_loss"] < 2.5
    from llmlab.train.checkpoint import latest_checkpoint, load_checkpoint

    model = load_checkpoint(latest_checkpoint(store.run_dir("short")), with_optimizer=False).model
    tokenizer = load_tokenizer(store.run_dir("short") / "data" / "tokenizer.json")
    torch.manual_seed(0)
    untrained = LlmlabForCausalLM(small).eval()
    held_out = problems(20, "test", seed=3)

    def scores(candidate):
        answers = [solve(candidate, tokenizer, p.question, "medium") for p in held_out]
        return (sum(a.verdict != "unparsed" for a in answers),
                sum(a.trace.count(":") >= 2 and " = " in a.trace for a in answers))

    (parsed, formatted), (parsed_before, formatted_before) = scores(model), scores(untrained)
    assert parsed >= 18 and parsed > parsed_before
    assert formatted >= formatted_before + 5


def test_scratchpad_columns_spell_out_the_result():
    import random

    from llmlab.reasoning.tasks import scratchpad

    rng = random.Random(0)
    for _ in range(500):
        a, b = rng.randint(0, 99999), rng.randint(0, 9999)
        for op, result in (("+", a + b), ("-", a - b)):
            if result < 0:
                continue
            line = scratchpad(f"{a} {op} {b} = {result}")
            cells = line.split(": ", 1)[1].rsplit(" = ", 1)[0].split(", ")
            digits = [c.split("=")[1].split()[0] for c in cells]  # right to left, then a final carry
            assert int("".join(reversed(digits)).replace("c", "")) == result, line
        halved = scratchpad(f"{2 * a} / 2 = {a}")
        halved_cells = halved.split(": ", 1)[1].rsplit(" = ", 1)[0].split(", ")
        quotient = "".join(cell.split(":")[1].split("r")[0] for cell in halved_cells)
        assert int(quotient) == a, halved


def test_cli_refuses_unknown_problems_and_missing_models(tmp_path):
    for argv, message in ((["reason", "Who wrote Hamlet?"], "outside the task family"),
                          (["reason", CLASSIC], "reason-train")):
        result = subprocess.run([sys.executable, "-m", "llmlab.cli", *argv, "--runs-dir", str(tmp_path)],
                                capture_output=True, text=True)
        assert result.returncode == 2 and message in result.stderr and result.stderr.count("\n") == 1

