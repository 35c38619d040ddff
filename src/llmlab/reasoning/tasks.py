"""A verifiable family of word problems built around the bat-and-ball question, with an exact checker.

    "A bat and a ball cost $1.10 in total. The bat costs $1.00 more than the ball.
     How much does the ball cost?"        right: $0.05    intuitive but wrong: $0.10 (total − difference)

Families: bat_ball (prices in dollars and cents), ages ("in N years ..."), sum_difference (two
numbers from their sum and difference) and add_sub (multi-digit addition and subtraction). Every
problem carries its worked steps (for reasoning traces), its answer and, where the family has one,
the intuitive wrong answer. The held-out test split uses item names and number combinations that
the training split never contains. Pure Python: no torch.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field

from llmlab.errors import LlmlabError

FAMILIES = ("bat_ball", "ages", "sum_difference", "add_sub")
TRAIN_ITEMS = [("bat", "ball"), ("pen", "pencil"), ("book", "bookmark"), ("cup", "saucer"), ("hat", "scarf"),
               ("lamp", "bulb"), ("kite", "string"), ("shoe", "sock"), ("bike", "bell"), ("guitar", "pick"),
               ("coat", "button"), ("desk", "chair"), ("phone", "case"), ("boat", "oar")]
TEST_ITEMS = [("drum", "stick"), ("bag", "tag"), ("watch", "strap"), ("table", "cloth")]
TRAIN_NAMES = ["Ann", "Ben", "Cara", "Dan", "Eve", "Finn", "Gina", "Hugo", "Ivy", "Jack"]
TEST_NAMES = ["Kim", "Leo", "Mia", "Noah"]


@dataclass(frozen=True)
class Problem:
    family: str
    question: str
    answer: str
    intuitive: str | None
    steps: tuple[str, ...] = field(default=())


def _money(cents: int) -> str:
    return f"${cents // 100}.{cents % 100:02d}"


def _held_out(*numbers: int) -> bool:
    """One number combination in eight belongs to the test split, fixed by a hash."""
    return hashlib.blake2b(repr(numbers).encode(), digest_size=2).digest()[0] % 8 == 0


def _halving_steps(total: int, difference: int, unit: str = "") -> list[str]:
    gap = total - difference
    return [f"{total}{unit} - {difference}{unit} = {gap}{unit}", f"{gap}{unit} / 2 = {gap // 2}{unit}"]


def make_bat_ball(big: str, small: str, cheap: int, difference: int) -> Problem:
    total = 2 * cheap + difference
    question = (f"A {big} and a {small} cost {_money(total)} in total. The {big} costs {_money(difference)} "
                f"more than the {small}. How much does the {small} cost?")
    steps = [f"{small} = x cents, {big} = x + {difference}", f"x + x + {difference} = {total}",
             *_halving_steps(total, difference), f"check: {cheap} + {cheap + difference} = {total}"]
    return Problem("bat_ball", question, _money(cheap), _money(total - difference), tuple(steps))


def make_ages(older: str, younger: str, age: int, gap: int, years: int) -> Problem:
    future_sum = 2 * age + gap + 2 * years
    question = (f"{older} is {gap} years older than {younger}. In {years} years their ages will add up to "
                f"{future_sum}. How old is {younger} now?")
    now_sum = future_sum - 2 * years
    steps = [f"now they add up to {future_sum} - {2 * years} = {now_sum}", *_halving_steps(now_sum, gap),
             f"check: {age} + {age + gap} + {2 * years} = {future_sum}"]
    # The tempting shortcut forgets that both of them age by `years`.
    return Problem("ages", question, str(age), str((future_sum - gap) // 2), tuple(steps))


def make_sum_difference(small: int, gap: int) -> Problem:
    total = 2 * small + gap
    question = f"Two numbers add up to {total} and differ by {gap}. What is the smaller number?"
    steps = [*_halving_steps(total, gap), f"check: {small} + {small + gap} = {total}"]
    return Problem("sum_difference", question, str(small), str(total - gap), tuple(steps))


def make_add_sub(a: int, b: int, plus: bool) -> Problem:
    result = a + b if plus else a - b
    sign = "+" if plus else "-"
    return Problem("add_sub", f"What is {a} {sign} {b}?", str(result), None, (f"{a} {sign} {b} = {result}",))


def _draw(rng: random.Random, test: bool, draw):
    """Draw numbers until they fall in the requested split."""
    while True:
        numbers = draw()
        if _held_out(*numbers) == test:
            return numbers


def bat_ball(rng: random.Random, test: bool) -> Problem:
    big, small = rng.choice(TEST_ITEMS if test else TRAIN_ITEMS)
    return make_bat_ball(big, small, *_draw(rng, test, lambda: (rng.randint(1, 250), rng.randint(2, 200) * 5)))


def ages(rng: random.Random, test: bool) -> Problem:
    older, younger = rng.sample(TEST_NAMES if test else TRAIN_NAMES, 2)
    numbers = _draw(rng, test, lambda: (rng.randint(2, 60), rng.randint(1, 30), rng.randint(1, 20)))
    return make_ages(older, younger, *numbers)


def sum_difference(rng: random.Random, test: bool) -> Problem:
    return make_sum_difference(*_draw(rng, test, lambda: (rng.randint(1, 499), rng.randint(1, 499))))


def add_sub(rng: random.Random, test: bool) -> Problem:
    return make_add_sub(*_draw(rng, test, lambda: (rng.randint(100, 9999), rng.randint(10, 999), rng.random() < 0.5)))


GENERATORS = {"bat_ball": bat_ball, "ages": ages, "sum_difference": sum_difference, "add_sub": add_sub}
MIX = ("bat_ball", "bat_ball", "ages", "sum_difference", "add_sub")  # bat-and-ball problems weigh double


def problems(count: int, split: str = "train", seed: int = 0, families: tuple[str, ...] = MIX) -> list[Problem]:
    if split not in ("train", "test"):
        raise LlmlabError(f"split must be train or test, got {split!r}")
    rng = random.Random(f"{seed}-{split}")
    return [GENERATORS[rng.choice(families)](rng, split == "test") for _ in range(count)]


_NUMBER = re.compile(r"-?\$?\d+(?:\.\d+)?")


def _value(text: str) -> float | None:
    found = _NUMBER.findall(text.replace(",", ""))
    return float(found[-1].replace("$", "")) if found else None


def _stated(text: str) -> float:
    """The number a problem's own answer states: every generator writes one."""
    value = _value(text)
    if value is None:
        raise LlmlabError(f"a problem's answer must state a number, got {text!r}")
    return value


def check(problem: Problem, response: str) -> str:
    """'correct', 'intuitive' (the tempting wrong answer), 'wrong', or 'unparsed'."""
    value = _value(response)
    if value is None:
        return "unparsed"
    if abs(value - _stated(problem.answer)) < 1e-9:
        return "correct"
    if problem.intuitive is not None and abs(value - _stated(problem.intuitive)) < 1e-9:
        return "intuitive"
    return "wrong"


_PATTERNS = {
    "bat_ball": re.compile(r"^An? (\w+) and an? (\w+) cost \$(\d+)\.(\d\d) in total\. The \1 costs \$(\d+)\.(\d\d) "
                           r"more than the \2\. How much does the \2 cost\?$"),
    "ages": re.compile(r"^(\w+) is (\d+) years? older than (\w+)\. In (\d+) years? their ages will add up to (\d+)\. "
                       r"How old is \3 now\?$"),
    "sum_difference": re.compile(r"^Two numbers add up to (\d+) and differ by (\d+)\. What is the smaller number\?$"),
    "add_sub": re.compile(r"^What is (\d+) ([+-]) (\d+)\?$"),
}


MAX_DIGITS = 9  # the task family's numbers; far beyond what the small model was trained on


def _whole(value: int, what: str) -> int:
    if value <= 0 or value % 2:
        raise LlmlabError(f"those {what} have no whole-number answer")
    return value // 2


def parse(question: str) -> Problem:
    """Recognise a question of the task family (any items, names and numbers) and solve it exactly."""
    text = " ".join(question.split())
    if any(len(digits) > MAX_DIGITS for digits in re.findall(r"\d+", text)):
        raise LlmlabError(f"numbers in the question may have at most {MAX_DIGITS} digits")
    if m := _PATTERNS["bat_ball"].match(text):
        total, difference = int(m[3]) * 100 + int(m[4]), int(m[5]) * 100 + int(m[6])
        return make_bat_ball(m[1], m[2], _whole(total - difference, "prices (in cents)"), difference)
    if m := _PATTERNS["ages"].match(text):
        gap, years, future_sum = int(m[2]), int(m[4]), int(m[5])
        return make_ages(m[1], m[3], _whole(future_sum - 2 * years - gap, "ages"), gap, years)
    if m := _PATTERNS["sum_difference"].match(text):
        total, gap = int(m[1]), int(m[2])
        return make_sum_difference(_whole(total - gap, "numbers"), gap)
    if m := _PATTERNS["add_sub"].match(text):
        return make_add_sub(int(m[1]), int(m[3]), m[2] == "+")
    raise LlmlabError("this problem is outside the task family the reasoning model was trained on: ask a "
                      "bat-and-ball price question ('A bat and a ball cost $1.10 in total. The bat costs $1.00 more "
                      "than the ball. How much does the ball cost?'), an ages, sum-and-difference or "
                      "'What is 347 + 589?' question")


def _columns(a: int, b: int, plus: bool) -> str:
    """Digit-by-digit working, right to left, with carries or borrows written out."""
    width = len(str(max(a, b)))
    da, db = str(a).zfill(width)[::-1], str(b).zfill(width)[::-1]
    carry, cells = 0, []
    for x, y in zip(map(int, da), map(int, db)):
        value = x + y + carry if plus else x - y - carry
        note = ("+1" if plus else "-1") if carry else ""
        carry = int(value >= 10) if plus else int(value < 0)
        digit = value - 10 if plus and carry else value + 10 if not plus and carry else value
        cells.append(f"{x}{'+' if plus else '-'}{y}{note}={digit}{' c' if carry else ''}")
    if plus and carry:
        cells.append("c=1")
    return ", ".join(cells)


def _halves(n: int) -> str:
    """Long division by 2, left to right: each partial dividend, its quotient digit and remainder."""
    remainder, cells = 0, []
    for digit in map(int, str(n)):
        current = remainder * 10 + digit
        cells.append(f"{current}:{current // 2}r{current % 2}")
        remainder = current % 2
    return ", ".join(cells)


_ARITHMETIC = re.compile(r"(\d+) ([+\-/]) (\d+) = (-?\d+)")


def scratchpad(line: str) -> str:
    """The same step with its arithmetic worked digit by digit (what 'thinking harder' writes out)."""
    def expand(m: re.Match) -> str:
        a, op, b, result = int(m[1]), m[2], int(m[3]), m[4]
        if op == "/":
            return f"{a} / {b}: {_halves(a)} = {result}"
        if op == "-" and a < b:
            return m[0]
        return f"{a} {op} {b}: {_columns(a, b, op == '+')} = {result}"
    return _ARITHMETIC.sub(expand, line)
