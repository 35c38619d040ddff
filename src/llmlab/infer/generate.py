"""Autoregressive generation with a KV cache: prefill the prompt once, then one token per step.

Sampling: temperature 0 is greedy; otherwise logits / T, then top-k, then top-p (nucleus). The model
and cache run on the chosen device; sampling runs on the CPU, so a seed draws the same tokens anywhere.
"""

from __future__ import annotations

import torch

from llmlab.errors import LlmlabError
from llmlab.nn.device import resolve_device
from llmlab.nn.model import KVCache, LlmlabForCausalLM

GREEDY_BELOW = 1e-4  # colder than this, sampling is argmax in all but float rounding (and overflows)


def sample_next(logits: torch.Tensor, temperature: float, top_k: int | None, top_p: float | None,
                generator: torch.Generator | None) -> int:
    """One token id from a (V,) row of logits."""
    if temperature < GREEDY_BELOW:
        return int(torch.argmax(logits))
    logits = logits.float() / temperature
    if top_k:
        kth = torch.topk(logits, min(top_k, logits.numel())).values[-1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    probs = torch.softmax(logits, dim=-1)
    if top_p is not None and top_p < 1:
        sorted_probs, order = torch.sort(probs, descending=True)
        keep = torch.cumsum(sorted_probs, dim=-1) - sorted_probs < top_p
        keep[0] = True  # the likeliest token stays, however small top_p is
        probs = torch.zeros_like(probs).scatter(0, order[keep], sorted_probs[keep])
        probs = probs / probs.sum()
    return int(torch.multinomial(probs, 1, generator=generator))


@torch.no_grad()
def generate(model: LlmlabForCausalLM, prompt_ids: list[int], max_new_tokens: int, temperature: float = 0.8,
             top_k: int | None = None, top_p: float | None = None, stop_id: int | None = None,
             seed: int | None = None, device: str | torch.device = "auto") -> list[int]:
    """Continue ``prompt_ids`` by up to ``max_new_tokens``, stopping early at ``stop_id``. Moves the
    model to ``device`` (see `resolve_device`)."""
    if not prompt_ids:
        raise LlmlabError("the prompt is empty: give at least one token of text")
    if temperature < 0 or (top_p is not None and not 0 < top_p <= 1) or (top_k is not None and top_k < 1):
        raise LlmlabError("use --temperature >= 0, --top-k >= 1 and --top-p in (0, 1]")
    limit = model.config.max_position_embeddings
    if len(prompt_ids) + max_new_tokens > limit:
        raise LlmlabError(f"prompt + new tokens ({len(prompt_ids) + max_new_tokens}) exceed the model's "
                          f"{limit}-token context: shorten the prompt or lower --max-new-tokens")
    target = resolve_device(device)
    model.to(target).eval()
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    cache = KVCache(model.config, 1, len(prompt_ids) + max_new_tokens, device=target)
    logits, _, _ = model(torch.tensor([prompt_ids], device=target), cache=cache)          # prefill
    out: list[int] = []
    for _ in range(max_new_tokens):
        token = sample_next(logits[0, -1].cpu(), temperature, top_k, top_p, generator)
        if token == stop_id:
            break
        out.append(token)
        logits, _, _ = model(torch.tensor([[token]], device=target), cache=cache)         # (1, 1, V)
    return out
