"""Mini-LLM speed against Hugging Face transformers at the same config and the same weights, in one run.

* training step (forward + backward + AdamW), tokens/s, fp32: ours vs LlamaForCausalLM / MixtralForCausalLM
* batch-1 greedy decoding with a KV cache on one thread: ours vs `model.generate`
* achieved training GFLOP/s against an in-process fp32 matmul ceiling (torch.mm, 2048³)

    python bench/llm_speed.py [--steps 6] [--decode-tokens 64] [--rounds 3]
"""

from __future__ import annotations

import os

os.environ.setdefault("GOMP_SPINCOUNT", "0")

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import torch  # noqa: E402
from transformers import AutoModelForCausalLM  # noqa: E402

from llmlab.infer.generate import generate  # noqa: E402
from llmlab.nn.model import LlmlabForCausalLM  # noqa: E402
from llmlab.train.presets import PRESETS  # noqa: E402


def hf_twin(model: LlmlabForCausalLM) -> torch.nn.Module:
    """The same weights in transformers, through the project's own export."""
    from safetensors.torch import save_file

    from llmlab.train.checkpoint import model_tensors

    folder = Path(tempfile.mkdtemp())
    (folder / "config.json").write_text(__import__("json").dumps(model.config.to_hf_dict()))
    tensors = {k: v for k, v in model_tensors(model).items() if not k.endswith("expert_bias")}
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    return AutoModelForCausalLM.from_pretrained(folder, attn_implementation="sdpa")


def train_speed(model: torch.nn.Module, ours: bool, batch: int, seq: int, steps: int) -> float:
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95))
    data = torch.randint(0, model.config.vocab_size, (batch, seq + 1), generator=torch.Generator().manual_seed(0))
    x, y = data[:, :-1], data[:, 1:]
    times = []
    model.train()
    for step in range(steps + 2):
        began = time.perf_counter()
        loss = model(x, y)[1] if ours else model(input_ids=x, labels=data[:, :-1]).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if step >= 2:  # warm-up steps excluded
            times.append(time.perf_counter() - began)
    return batch * seq / statistics.median(times)


@torch.no_grad()
def decode_speed(model: torch.nn.Module, ours: bool, tokens: int) -> float:
    model.eval()
    prompt = list(range(1, 17))
    best = 0.0
    for _ in range(3):
        began = time.perf_counter()
        if ours:
            generate(model, prompt, tokens, temperature=0)
        else:
            model.generate(torch.tensor([prompt]), max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False,
                           eos_token_id=None, pad_token_id=0)
        best = max(best, tokens / (time.perf_counter() - began))
    return best


def matmul_ceiling() -> float:
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    for _ in range(2):
        a @ b
    times = []
    for _ in range(8):
        began = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - began)
    return 2 * 2048**3 / statistics.median(times) / 1e9


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--decode-tokens", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads for training, fp32")
    print(f"{'preset':<9} {'params':>7} {'train tok/s ours':>17} {'HF':>8} {'ratio':>6}   "
          f"{'decode tok/s ours':>18} {'HF':>7} {'ratio':>6}")
    results = {}
    for name, batch, seq in (("tiny", 16, 128), ("moe-tiny", 16, 128), ("small", 16, 256)):
        config = PRESETS[name][0]
        ours = LlmlabForCausalLM(config)
        theirs = hf_twin(ours)
        # Alternate the two sides over a few rounds and keep each side's best: the host is shared,
        # so its speed drifts, and drift should not decide the ratio.
        train_ours = train_hf = decode_ours = decode_hf = 0.0
        for _ in range(args.rounds):
            torch.set_num_threads(2)
            train_ours = max(train_ours, train_speed(ours, True, batch, seq, args.steps))
            train_hf = max(train_hf, train_speed(theirs, False, batch, seq, args.steps))
            torch.set_num_threads(1)
            decode_ours = max(decode_ours, decode_speed(ours, True, args.decode_tokens))
            decode_hf = max(decode_hf, decode_speed(theirs, False, args.decode_tokens))
        torch.set_num_threads(2)
        results[name] = (config, seq, train_ours)
        print(f"{name:<9} {ours.num_parameters() / 1e6:6.2f}M {train_ours:17,.0f} {train_hf:8,.0f} "
              f"{train_ours / train_hf:6.2f}   {decode_ours:18,.0f} {decode_hf:7,.0f} {decode_ours / decode_hf:6.2f}")
    ceiling = matmul_ceiling()
    config, seq, tokens_per_s = results["small"]
    achieved = config.training_flops_per_token(seq) * tokens_per_s / 1e9
    print(f"small: {achieved:.0f} GFLOP/s achieved in training vs a {ceiling:.0f} GFLOP/s fp32 matmul ceiling "
          f"= {achieved / ceiling:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
