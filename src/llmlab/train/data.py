"""Token streams and packed batches with a position that can be saved and restored exactly.

Documents are concatenated with <|endoftext|> between them and cut into windows of T + 1 tokens
(inputs and next-token targets). Each epoch visits every window once in an order drawn from
(seed, epoch), so the stream position is just (epoch, index): a resumed run sees the very same
batches. With several data-parallel processes, rank r takes every world-th batch slot.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch
from tokenizers import Tokenizer

from llmlab.errors import LlmlabError
from llmlab.train.tokenizer import END_OF_TEXT


def encode(tokenizer: Tokenizer, text: str) -> np.ndarray:
    eot = tokenizer.token_to_id(END_OF_TEXT)
    if eot is None:
        raise LlmlabError(f"the tokenizer has no {END_OF_TEXT} token: train it with llmlab's tokenizer")
    ids: list[int] = []
    for document in text.split("\n\n\n"):
        ids.extend(tokenizer.encode(document).ids)
        ids.append(eot)
    return np.asarray(ids, dtype=np.int32)


@dataclass
class StreamPosition:
    epoch: int = 0
    index: int = 0


class PackedBatches:
    def __init__(self, tokens: np.ndarray, seq_len: int, batch_size: int, seed: int,
                 rank: int = 0, world: int = 1) -> None:
        self.windows = (len(tokens) - 1) // seq_len
        if self.windows < batch_size * world:
            raise LlmlabError(f"only {len(tokens):,} tokens: too little text for batches of {batch_size}×{seq_len}; "
                              "give more text or a smaller --batch-size/--seq-len")
        self.tokens = torch.from_numpy(tokens.astype(np.int64))
        self.seq_len, self.batch_size, self.seed = seq_len, batch_size, seed
        self.rank, self.world = rank, world
        self.position = StreamPosition()

    def _order(self, epoch: int) -> np.ndarray:
        return np.random.default_rng([self.seed, epoch]).permutation(self.windows)

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The next (inputs, targets) pair, each (B, T)."""
        stride = self.batch_size * self.world
        if self.position.index + stride > self.windows:
            self.position = StreamPosition(self.position.epoch + 1, 0)
        order = self._order(self.position.epoch)
        start = self.position.index + self.rank * self.batch_size
        picks = order[start:start + self.batch_size] * self.seq_len
        self.position.index += stride
        rows = torch.stack([self.tokens[p:p + self.seq_len + 1] for p in picks])    # (B, T + 1)
        return rows[:, :-1], rows[:, 1:]

    def state(self) -> dict:
        return asdict(self.position)

    def restore(self, state: dict) -> None:
        self.position = StreamPosition(**state)


def evaluation_batches(tokens: np.ndarray, seq_len: int, batch_size: int, count: int):
    """The same fixed, evenly spaced windows every time, so validation losses compare across steps."""
    windows = (len(tokens) - 1) // seq_len
    if windows < 1:
        raise LlmlabError("the validation text is shorter than one sequence: give more text or a smaller --seq-len")
    picks = np.linspace(0, windows - 1, min(windows, batch_size * count)).astype(int) * seq_len
    data = torch.from_numpy(tokens.astype(np.int64))
    for i in range(0, len(picks), batch_size):
        rows = torch.stack([data[p:p + seq_len + 1] for p in picks[i:i + batch_size]])
        yield rows[:, :-1], rows[:, 1:]
