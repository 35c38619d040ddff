"""Roofline bounds for serving on an accelerator.

Decode is memory-bandwidth bound: each step reads the weights a token actually uses (the
ACTIVE parameters for an MoE; with a batch, the union of experts the batch routes to) plus every
sequence's KV cache. Prefill is compute bound: dense (not sparse) peak FLOP/s × MFU over the
forward FLOPs per token. Whether the model fits uses ALL parameters: every expert stays resident.
Several GPUs are treated as ideal tensor parallelism (memory and bandwidth add up).
"""

from __future__ import annotations

import math
from llmlab import catalog
from llmlab.arch.config import ArchConfig
from llmlab.arch.flops import flops_per_token
from llmlab.arch.memory import bytes_per_value, inference_memory
from llmlab.arch.params import count_params
from llmlab.errors import LlmlabError
from llmlab.schema import Result

DEFAULT_BANDWIDTH_UTIL = 1.0  # the bound; measured decode lands at ~50-70% of it (llmfit PR #137)
DEFAULT_PREFILL_MFU = 0.5     # Sardana et al. 2024 companion code's prefill MFU


def expected_active_experts(experts: int, top_k: int, batch: int) -> float:
    """Distinct experts a batch of tokens touches per layer, if routing is uniform."""
    return experts * (1 - (1 - top_k / experts) ** batch)


def decode_weight_bytes(cfg: ArchConfig, batch: int, dtype: str) -> float:
    counts = count_params(cfg)
    params = counts.active_without_embedding
    if cfg.is_moe and batch > 1:
        per_expert = counts.breakdown["experts"] / (cfg.num_experts * sum(cfg.moe_layers))
        extra = expected_active_experts(cfg.num_experts, cfg.num_experts_per_tok, batch) - cfg.num_experts_per_tok
        params += extra * per_expert * sum(cfg.moe_layers)
    return params * bytes_per_value(dtype)


class Throughput(Result):
    gpu: str
    gpus: int
    dtype: str
    context: int
    batch: int
    fits: bool
    memory_needed_gb: float
    memory_available_gb: float
    min_gpus: int
    bytes_per_decode_step: float
    decode_tokens_per_s_per_sequence: float
    decode_tokens_per_s: float
    decode_bound: str
    prefill_tokens_per_s: float
    bandwidth_util: float
    prefill_mfu: float
    peak_tflops: float


def throughput(cfg: ArchConfig, gpu: str, gpus: int = 1, dtype: str = "bf16", context: int = 4096,
               batch: int = 1, bandwidth_util: float = DEFAULT_BANDWIDTH_UTIL,
               prefill_mfu: float = DEFAULT_PREFILL_MFU) -> Throughput:
    if gpus < 1 or batch < 1 or context < 1:
        raise LlmlabError("--gpus, --batch and --context must be at least 1")
    if not (0 < bandwidth_util <= 1 and 0 < prefill_mfu <= 1):
        raise LlmlabError("utilisation factors must be in (0, 1]")
    spec = catalog.accelerator(gpu)
    peak = spec["fp8_tflops"] if dtype == "fp8" and spec["fp8_tflops"] else spec["bf16_tflops"]
    memory = inference_memory(cfg, context, batch, dtype)
    step_bytes = decode_weight_bytes(cfg, batch, dtype) + memory.kv_cache
    bandwidth = spec["bandwidth_tbs"] * 1e12 * gpus * bandwidth_util
    compute = peak * 1e12 * gpus * prefill_mfu
    flops = flops_per_token(cfg, context)
    memory_limited = batch * bandwidth / step_bytes
    compute_limited = compute / flops.forward
    decode = min(memory_limited, compute_limited)
    available = spec["memory_gb"] * gpus
    needed = memory.total / 1e9
    return Throughput(
        gpu=gpu.lower(), gpus=gpus, dtype=dtype, context=context, batch=batch,
        fits=needed <= available, memory_needed_gb=needed, memory_available_gb=available,
        min_gpus=max(1, math.ceil(needed / spec["memory_gb"])),
        bytes_per_decode_step=step_bytes,
        decode_tokens_per_s_per_sequence=decode / batch, decode_tokens_per_s=decode,
        decode_bound="memory bandwidth" if memory_limited <= compute_limited else "compute",
        prefill_tokens_per_s=compute_limited,
        bandwidth_util=bandwidth_util, prefill_mfu=prefill_mfu, peak_tflops=peak,
    )
