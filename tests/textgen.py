"""A small, deterministic English-like corpus for training tests (no download, no package)."""

import random

SUBJECTS = ["the cat", "a dog", "the old king", "my sister", "the young queen", "a farmer", "the sailor", "our teacher"]
VERBS = ["sees", "likes", "follows", "finds", "helps", "calls", "remembers", "visits"]
OBJECTS = ["the river", "a small house", "the red bird", "her brother", "the market", "a green field", "the ship"]
ENDINGS = ["in the morning", "at night", "after the rain", "every day", "with great care", "before supper"]


def corpus(sentences: int = 6000, seed: int = 0) -> str:
    rng = random.Random(seed)
    lines = []
    for i in range(sentences):
        sentence = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(ENDINGS)}."
        lines.append(sentence[0].upper() + sentence[1:])
        if i % 8 == 7:
            lines.append("")
    return "\n".join(lines)
