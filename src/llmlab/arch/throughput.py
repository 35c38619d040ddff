"""Serving on an accelerator: a roofline bound and an expected figure fitted to published measurements.

The legacy ``throughput()`` is the bound alone for one sequence length. ``serving_estimate()`` serves a
request shape (input tokens, output tokens, sequences decoded together) on a tensor-parallel replica:

* Decode is memory-bandwidth bound until the batch is large: each step reads the weights a token uses (the
  ACTIVE parameters for an MoE; with a batch, the union of experts the batch routes to) at the precision
  they are served in, plus every sequence's KV cache at the mean context (input + output/2) and at the KV
  precision; and it computes batch × forward FLOPs at that context.
* Prefill computes the input tokens' forward FLOPs at the GPU's dense (not sparse) peak for the compute
  precision: the precision's own tensor-core rate where the GPU has one (FP8 on Hopper/Ada/Blackwell/CDNA3+,
  FP4 on Blackwell/CDNA4), else BF16 (weight-only quantisation: weights stored small, dequantised to BF16
  for the matmul - the bandwidth saving stays, the compute does not speed up).
* Tensor parallelism (TP) divides weights, KV and FLOPs over the replica's GPUs and costs two all-reduces
  per layer (after attention and after the MLP) of tokens × hidden_size × 2 bytes (BF16 activations): a
  ring all-reduce moves 2·(tp−1)/tp of the message each way over the interconnect, plus a fixed latency
  per call (accelerators.json ``interconnect``; ``bandwidth_gbs`` there is per GPU and per direction, half the
  vendor's "bidirectional" figure: NVLink 4's 900 GB/s is 450 each way). TP sizes are the ones engines accept
  (``valid_tensor_parallel``).

``bound``: bandwidth at 100% and prefill at 100% of the dense peak, no communication or overhead: a true
upper bound on throughput (lower bound on TTFT and time per output token) - the whole run's time is at
least its FLOPs at peak and at least its decode bytes at full bandwidth.
``expected``: decode step = √(m² + c²) + TP all-reduces + a fixed overhead per layer, with m = bytes / (bandwidth ·
η_bw) and c = FLOPs / (peak · η_mfu) (the roofline's max, rounded at the ridge where neither hides the other);
prefill likewise. η_bw, η_mfu (one for 16-bit, one for 8/4-bit tensor cores) and the per-layer overhead (with
CUDA graphs, as current engines run; and host-launched, as 2023 engines did) are fitted by least squares in log
space to the published measurements in ``catalog/data/serving_measurements.json`` (``fit_serving_factors``; the
constants below are its result, and tests/test_serving.py re-fits and compares).
A measurement row can mark an engine that decodes grouped-query attention without a GQA kernel
(``kv_per_query_head``: TensorRT-LLM before its XQA kernels): each query head then reads its KV head's cache,
num_attention_heads / num_key_value_heads times the cache per step.
With continuous batching and ``batch`` sequences in flight, each sequence's decode is stretched by the
other sequences' prefills: time per output token = step + (batch − 1) · prefill / output_tokens, and the
replica makes batch · output_tokens tokens in prefill + output_tokens · (time per output token).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

from pydantic import ConfigDict

from llmlab import catalog
from llmlab.arch.config import ArchConfig, from_hf
from llmlab.arch.flops import flops_per_token, matmul_params
from llmlab.arch.memory import (
    bytes_per_value,
    cached_tokens,
    inference_memory,
    kv_cache_bytes,
    served_bytes_per_param,
    weights_bytes,
)
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
    params: float = counts.active_without_embedding
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


# --- serving estimate: bound and expected ---------------------------------------------------------

ACTIVATION_BYTES = 2.0  # BF16 activations in the all-reduces, whatever the weights' precision
ALLREDUCES_PER_LAYER = 2  # Megatron-style TP: after the attention output and after the MLP/MoE down projection
Batching = Literal["continuous", "static"]


def valid_tensor_parallel(cfg: ArchConfig, gpu: str) -> list[int]:
    """Tensor-parallel sizes a serving engine (vLLM, SGLang, TensorRT-LLM) accepts for ``cfg`` on ``gpu``.

    Powers of two up to the node's ``max_gpus_per_node`` that divide the attention heads; the KV heads
    must divide evenly too, or, when tp exceeds them, tp must be a multiple of them and each KV head is
    replicated on tp / kv_heads GPUs (vLLM's rule: vllm/model_executor/layers/linear.py, QKVParallelLinear,
    whose ``divide`` asserts an exact split); the MLP and expert intermediate sizes must split evenly. MLA
    (DeepSeek) caches one latent per token that every TP rank replicates.
    Whether the weights fit is a separate question (``ServingEstimate.fits``).
    """
    node = catalog.accelerator(gpu)["interconnect"]["max_gpus_per_node"]
    heads, kv = cfg.num_attention_heads, cfg.num_key_value_heads
    sizes = []
    tp = 1
    while tp <= node:
        ok = heads % tp == 0
        if not cfg.uses_mla:
            ok = ok and (kv % tp == 0 or tp % kv == 0)
        if not all(cfg.moe_layers):
            ok = ok and cfg.intermediate_size % tp == 0
        if cfg.is_moe:
            ok = ok and cfg.moe_intermediate_size % tp == 0
        if ok:
            sizes.append(tp)
        tp *= 2
    return sizes


def kv_replication(cfg: ArchConfig, tp: int) -> float:
    """How many copies of the KV cache the TP group holds in all: 1 while tp divides the KV heads; tp/kv when
    KV heads are replicated; tp for MLA's latent cache (every rank keeps it whole)."""
    if cfg.uses_mla:
        return float(tp)
    return max(cfg.num_key_value_heads, tp) / cfg.num_key_value_heads


def allreduce_seconds(spec: dict[str, Any], tp: int, message_bytes: float) -> float:
    """One ring all-reduce of ``message_bytes`` over ``tp`` GPUs: the per-call latency plus 2·(tp−1)/tp of
    the message each way at the interconnect's per-direction bandwidth (a fully connected mesh uses only
    the tp−1 links to the group's peers)."""
    if tp <= 1:
        return 0.0
    link = spec["interconnect"]
    bandwidth = link["bandwidth_gbs"] * 1e9
    if link["topology"] == "mesh":
        bandwidth *= (tp - 1) / max(link["max_gpus_per_node"] - 1, 1)
    return link["allreduce_latency_us"] * 1e-6 + 2 * (tp - 1) / tp * message_bytes / bandwidth


def compute_precision(precision: str, spec: dict[str, Any]) -> tuple[str, float, bool]:
    """(description, dense peak TFLOP/s, native?) of the matmuls for ``precision`` weights on a GPU: the
    precision's tensor cores where the GPU's architecture has them, else BF16 (weight-only)."""
    entry = catalog.precision(precision)
    field = entry["tensor_core_field"]
    if field and spec.get(field) and spec.get("generation") in entry["native_generations"]:
        return f"{precision} tensor cores", float(spec[field]), True
    return (f"bf16 tensor cores ({precision} weights dequantised: weight-only)", float(spec["bf16_tflops"]), False)


def served_decode_weight_bytes(cfg: ArchConfig, batch: int, precision: str) -> float:
    """Weight bytes one decode step of ``batch`` tokens reads (the whole TP group): the active parameters
    but the input embedding, plus the extra experts a batch routes to, each group at its served size."""
    counts = count_params(cfg)
    sizes = served_bytes_per_param(cfg, precision)
    total = sum(count * sizes[group] for group, count in counts.active_breakdown.items() if group != "embeddings")
    if cfg.is_moe and batch > 1:
        layers = sum(cfg.moe_layers)
        per_expert = counts.breakdown["experts"] / (cfg.num_experts * layers)
        extra = expected_active_experts(cfg.num_experts, cfg.num_experts_per_tok, batch) - cfg.num_experts_per_tok
        total += extra * per_expert * layers * sizes["experts"]
    return total


def decode_flops_per_token(cfg: ArchConfig, context: int) -> float:
    """Forward FLOPs of one new token that attends to ``context`` keys (sliding layers to their window)."""
    per_key = 2 * cfg.num_attention_heads * (cfg.qk_head_dim + cfg.value_head_dim)
    keys = sum(cached_tokens(cfg, kind, context) for kind in cfg.layer_types)
    return 2.0 * matmul_params(cfg) + per_key * keys


@dataclass(frozen=True)
class ServingWork:
    """What one replica must do, per GPU, independent of how efficiently it does it."""

    tp: int
    peak_flops: float          # per GPU, dense, at the compute precision
    bandwidth: float           # per GPU, bytes/s
    decode_bytes: float        # per GPU per decode step
    decode_flops: float        # per GPU per decode step (the whole batch)
    decode_comm_s: float       # all-reduces of one decode step
    prefill_bytes: float       # per GPU: weights one prefill reads
    prefill_flops: float       # per GPU: one request's input tokens
    prefill_comm_s: float      # all-reduces of one request's prefill
    batch_prefill_bytes: float  # per GPU: weights a prefill of the whole batch's inputs reads (static batching)
    batch_prefill_comm_s: float
    batch: int
    output_tokens: int
    layers: int
    low_precision: bool        # the matmuls run on 8- or 4-bit tensor cores (their peak is reached less well)
    eager: bool = False        # kernels launched from the host each step (no CUDA graphs): 2023-era engines


def serving_work(cfg: ArchConfig, gpu: str, gpus: int, precision: str, kv_precision: str, batch: int,
                 input_tokens: int, output_tokens: int, kv_per_query_head: bool = False) -> ServingWork:
    """``kv_per_query_head``: the engine's decode attention has no grouped-query kernel, so each QUERY head reads
    its KV head's cache on its own: a step reads the cache num_attention_heads / num_key_value_heads times over
    (this replaces the replication of KV heads across a TP group, which such a read already includes)."""
    spec = catalog.accelerator(gpu)
    _, peak, native = compute_precision(precision, spec)
    tp = gpus
    mean_context = max(1, round(input_tokens + output_tokens / 2))
    reads = cfg.num_attention_heads / cfg.num_key_value_heads if kv_per_query_head else kv_replication(cfg, tp)
    kv = kv_cache_bytes(cfg, mean_context, batch, kv_precision) * reads
    layers = cfg.num_hidden_layers
    hidden = cfg.hidden_size

    def comm(tokens: int) -> float:
        return ALLREDUCES_PER_LAYER * layers * allreduce_seconds(spec, tp, tokens * hidden * ACTIVATION_BYTES)

    prefill = flops_per_token(cfg, input_tokens)
    return ServingWork(
        tp=tp, peak_flops=peak * 1e12, bandwidth=spec["bandwidth_tbs"] * 1e12,
        decode_bytes=(served_decode_weight_bytes(cfg, batch, precision) + kv) / tp,
        decode_flops=batch * decode_flops_per_token(cfg, mean_context) / tp,
        decode_comm_s=comm(batch),
        prefill_bytes=served_decode_weight_bytes(cfg, input_tokens, precision) / tp,
        prefill_flops=prefill.forward * input_tokens / tp,
        prefill_comm_s=comm(input_tokens),
        batch_prefill_bytes=served_decode_weight_bytes(cfg, batch * input_tokens, precision) / tp,
        batch_prefill_comm_s=comm(batch * input_tokens),
        batch=batch, output_tokens=output_tokens, layers=layers,
        low_precision=native and bytes_per_value(precision) < 2,
    )


class ServingFactors(Result):
    """How far below the roofline real engines run: fitted to published measurements. Frozen (hashable), so
    figures computed with one set of factors can be cached."""

    model_config = ConfigDict(frozen=True)

    bandwidth_efficiency: float
    mfu: float                 # of the dense BF16/FP16 peak
    mfu_low_precision: float   # of the dense FP8/INT8/FP4 peak, where the matmuls run at that precision
    layer_overhead_s: float    # fixed cost per layer per forward pass with CUDA graphs (current engines)
    layer_overhead_eager_s: float  # the same where kernels are launched from the host every step (2023 engines)
    fitted_rows: int
    procedure: str = ("least squares on log(estimated / measured) over every measured figure (output tokens/s, "
                      "TTFT, time per output token) of the rows in catalog/data/serving_measurements.json "
                      "(llmlab.arch.throughput.fit_serving_factors)")


# The result of fit_serving_factors() on the packaged measurements (tests/test_serving.py re-fits and compares).
# The bandwidth efficiency settles at its ceiling, 1.0: with a fixed cost per layer the data are best described as
# "weights and KV read at full bandwidth, plus ~0.1 ms per layer per forward pass" - the overhead carries what a
# lower efficiency would (fixing it at 0.9 fits almost as well: RMS log error 0.103 against 0.097).
FITTED_FACTORS = ServingFactors(bandwidth_efficiency=1.0, mfu=0.649, mfu_low_precision=0.515, layer_overhead_s=9.88e-05,
                                layer_overhead_eager_s=0.000154, fitted_rows=48)
BOUND_FACTORS = ServingFactors(bandwidth_efficiency=1.0, mfu=1.0, mfu_low_precision=1.0, layer_overhead_s=0.0,
                               layer_overhead_eager_s=0.0, fitted_rows=0,
                              procedure="the roofline: 100% of bandwidth and of the dense peak, no overheads")


class ServingFigures(Result):
    output_tokens_per_s: float                 # summed over the replica's sequences
    output_tokens_per_s_per_sequence: float
    ttft_s: float                              # prefill of the input tokens (one request, or the whole static batch)
    time_per_output_token_s: float
    decode_step_s: float
    decode_bound: str
    tp_communication_s_per_step: float


def _times(work: ServingWork, factors: ServingFactors, bound: bool) -> dict[str, float]:
    """Decode step and prefill times at ``factors`` (the bound leaves communication and overhead out)."""
    bandwidth = work.bandwidth * factors.bandwidth_efficiency
    compute = work.peak_flops * (factors.mfu_low_precision if work.low_precision else factors.mfu)
    per_layer = factors.layer_overhead_eager_s if work.eager else factors.layer_overhead_s
    overhead = 0.0 if bound else per_layer * work.layers
    combine = max if bound else _rounded_roofline
    step_memory = work.decode_bytes / bandwidth
    step_compute = work.decode_flops / compute
    comm = 0.0 if bound else work.decode_comm_s
    prefill_comm = 0.0 if bound else work.prefill_comm_s
    batch_comm = 0.0 if bound else work.batch_prefill_comm_s
    return {
        "step_memory": step_memory, "step_compute": step_compute, "comm": comm,
        "step": combine(step_memory, step_compute) + comm + overhead,
        "prefill": combine(work.prefill_flops / compute, work.prefill_bytes / bandwidth) + prefill_comm + overhead,
        "batch_prefill": combine(work.batch * work.prefill_flops / compute, work.batch_prefill_bytes / bandwidth)
        + batch_comm + overhead,
    }


def _rounded_roofline(memory_s: float, compute_s: float) -> float:
    """Memory and compute time of one forward pass combined as sqrt(m² + c²): the roofline's max far from the
    ridge, √2·max at it, where neither the memory traffic nor the matmuls hide the other completely."""
    return math.hypot(memory_s, compute_s)


def figures(work: ServingWork, factors: ServingFactors, batching: Batching = "continuous",
            bound: bool = False) -> ServingFigures:
    t = _times(work, factors, bound)
    batch, out = work.batch, work.output_tokens
    if batching == "static":
        ttft, tpot = t["batch_prefill"], t["step"]
        total = t["batch_prefill"] + out * t["step"]
    else:
        ttft = t["prefill"]
        tpot = t["step"] + (0.0 if bound else (batch - 1) * t["prefill"] / out)
        total = batch * t["prefill"] + out * t["step"]
    if bound:  # the run takes at least its FLOPs at peak and its decode bytes at full bandwidth, overlapped or not
        flops_time = (batch * work.prefill_flops + out * work.decode_flops) / work.peak_flops
        total = max(flops_time, out * work.decode_bytes / work.bandwidth)
    rate = batch * out / total
    return ServingFigures(
        output_tokens_per_s=rate, output_tokens_per_s_per_sequence=rate / batch, ttft_s=ttft,
        time_per_output_token_s=tpot, decode_step_s=t["step"],
        decode_bound="memory bandwidth" if t["step_memory"] >= t["step_compute"] else "compute",
        tp_communication_s_per_step=t["comm"],
    )


class MemoryPerGpu(Result):
    weights_gb: float
    kv_cache_gb: float
    total_gb: float
    available_gb: float


class ServingEstimate(Result):
    gpu: str
    gpus: int
    tensor_parallel: int
    precision: str
    kv_precision: str
    compute: str
    batch: int
    input_tokens: int
    output_tokens: int
    fits: bool
    memory_per_gpu: MemoryPerGpu
    min_gpus: int | None
    valid_tensor_parallel: list[int]
    bound: ServingFigures
    expected: ServingFigures
    factors: ServingFactors
    precision_quality: str
    kv_precision_quality: str
    assumptions: list[str]


def _check_precisions(precision: str, kv_precision: str) -> None:
    entry = catalog.precision(precision)
    if not entry.get("served", True):
        served = [name for name, item in catalog.precisions().items() if item.get("served", True)]
        raise LlmlabError(f"precision {precision!r} is not served: choose one of {', '.join(served)}")
    if not catalog.precision(kv_precision).get("kv_cache"):
        kv = [name for name, item in catalog.precisions().items() if item.get("kv_cache") and item.get("served", True)]
        raise LlmlabError(f"KV-cache precision {kv_precision!r} is not offered: choose one of {', '.join(kv)}")


def memory_per_gpu(cfg: ArchConfig, gpu: str, tp: int, precision: str, kv_precision: str, batch: int,
                   context: int) -> MemoryPerGpu:
    """Resident bytes per GPU: ALL weights as served (every expert) and the KV cache at full context."""
    weights = weights_bytes(cfg, precision, as_served=True) / tp
    kv = kv_cache_bytes(cfg, context, batch, kv_precision) * kv_replication(cfg, tp) / tp
    return MemoryPerGpu(weights_gb=weights / 1e9, kv_cache_gb=kv / 1e9, total_gb=(weights + kv) / 1e9,
                        available_gb=float(catalog.accelerator(gpu)["memory_gb"]))


def serving_estimate(cfg: ArchConfig, gpu: str, gpus: int = 1, precision: str = "bf16", kv_precision: str = "bf16",
                     batch: int = 1, input_tokens: int = 1024, output_tokens: int = 256,
                     factors: ServingFactors | None = None, batching: Batching = "continuous") -> ServingEstimate:
    """Bound and expected serving figures of one tensor-parallel replica of ``gpus`` GPUs (see the module
    docstring). ``factors`` overrides the fitted efficiencies of the expected figure."""
    if min(gpus, batch, input_tokens, output_tokens) < 1:
        raise LlmlabError("--gpus, --batch, --input-tokens and --output-tokens must be at least 1")
    gpu = gpu.strip().lower()
    spec = catalog.accelerator(gpu)
    _check_precisions(precision, kv_precision)
    sizes = valid_tensor_parallel(cfg, gpu)
    if gpus not in sizes:
        raise LlmlabError(
            f"--gpus {gpus} is not a tensor-parallel size an engine accepts for this model on {gpu} "
            f"(powers of two up to {spec['interconnect']['max_gpus_per_node']} per node that split its "
            f"{cfg.num_attention_heads} attention and {cfg.num_key_value_heads} KV heads): choose one of "
            f"{', '.join(map(str, sizes)) or 'none'}")
    factors = factors or FITTED_FACTORS
    work = serving_work(cfg, gpu, gpus, precision, kv_precision, batch, input_tokens, output_tokens)
    context = input_tokens + output_tokens
    memory = memory_per_gpu(cfg, gpu, gpus, precision, kv_precision, batch, context)
    fitting = [tp for tp in sizes if memory_per_gpu(cfg, gpu, tp, precision, kv_precision, batch, context).total_gb
               <= memory.available_gb]
    compute, _, native = compute_precision(precision, spec)
    link = spec["interconnect"]
    assumptions = [
        f"decode reads weights at the served precision and the KV cache at the mean context {input_tokens} + "
        f"{output_tokens}/2 tokens; {'continuous' if batching == 'continuous' else 'static'} batching of {batch}",
        f"compute at {compute}" + ("" if native else ": the bandwidth saving stays, the matmul runs at BF16 rate"),
        f"TP {gpus} over {link['name']}: {ALLREDUCES_PER_LAYER} all-reduces per layer, ring at "
        f"{link['bandwidth_gbs']} GB/s each way plus {link['allreduce_latency_us']} us per call",
        f"expected: bandwidth x {factors.bandwidth_efficiency:.3g}, 16-bit peak x {factors.mfu:.3g}, 8/4-bit peak x "
        f"{factors.mfu_low_precision:.3g}, +{factors.layer_overhead_s * 1e6:.3g} us per layer per forward pass, "
        f"fitted to {factors.fitted_rows} published measurements (catalog/data/serving_measurements.json)",
        "KV heads fewer than the TP size are replicated (vLLM); MLA's latent cache is replicated on every rank",
    ]
    return ServingEstimate(
        gpu=gpu, gpus=gpus, tensor_parallel=gpus, precision=precision, kv_precision=kv_precision, compute=compute,
        batch=batch, input_tokens=input_tokens, output_tokens=output_tokens,
        fits=memory.total_gb <= memory.available_gb, memory_per_gpu=memory,
        min_gpus=fitting[0] if fitting else None, valid_tensor_parallel=sizes,
        bound=figures(work, BOUND_FACTORS, batching, bound=True), expected=figures(work, factors, batching),
        factors=factors, precision_quality=catalog.precision(precision)["quality"],
        kv_precision_quality=catalog.precision(kv_precision)["kv_cache_quality"], assumptions=assumptions,
    )


# --- calibration against published measurements ------------------------------------------------------

# Measured figures a row may give: replica output tokens/s; time to first token; mean time per output token
# (includes the stretch other sequences' prefills cause); median inter-token latency (a typical decode step).
METRICS = ("output_tokens_per_s", "ttft_ms", "tpot_ms", "median_itl_ms")


def measurement_config(row: dict[str, Any]) -> ArchConfig:
    """A measurement row's model: a catalog model by name, or the Hugging Face fields given inline."""
    return from_hf(row["config"] if row.get("config") else catalog.model(row["model"])["config"])


@dataclass(frozen=True)
class Calibration:
    name: str
    row: dict[str, Any]
    work: ServingWork

    def estimated(self, factors: ServingFactors, bound: bool = False) -> dict[str, float]:
        shown = figures(self.work, factors, self.row["batching"], bound=bound)
        return {"output_tokens_per_s": shown.output_tokens_per_s, "ttft_ms": shown.ttft_s * 1e3,
                "tpot_ms": (shown.decode_step_s if bound else shown.time_per_output_token_s) * 1e3,
                "median_itl_ms": shown.decode_step_s * 1e3}

    def measured(self, fitted_only: bool = True) -> dict[str, float]:
        """The row's measured figures; ``fitted_only`` leaves out a row marked ``excluded`` and any figure named in
        its ``excluded_metrics`` (each with its reason in the table; they are still held to the bound)."""
        if fitted_only and self.row.get("excluded"):
            return {}
        skip = set(self.row.get("excluded_metrics") or ()) if fitted_only else set()
        given = self.row["measured"]
        return {metric: float(given[metric]) for metric in METRICS
                if given.get(metric) is not None and metric not in skip}


def calibrations(rows: dict[str, Any] | None = None) -> list[Calibration]:
    rows = catalog.serving_measurements() if rows is None else rows
    out = []
    for name, row in rows.items():
        cfg = measurement_config(row)
        work = serving_work(cfg, row["gpu"], row["gpus"], row["precision"], row["kv_precision"], row["batch"],
                            row["input_tokens"], row["output_tokens"],
                            kv_per_query_head=bool(row.get("kv_per_query_head")))
        out.append(Calibration(name, row, replace(work, eager=row["kernel_launch"] == "eager")))
    return out


def _factors(params: Iterable[float], rows: int = 0) -> ServingFactors:
    bandwidth, mfu, low, overhead, eager = (float(x) for x in params)
    return ServingFactors(bandwidth_efficiency=bandwidth, mfu=mfu, mfu_low_precision=low, layer_overhead_s=overhead,
                          layer_overhead_eager_s=eager, fitted_rows=rows)


def _log_residuals(params: Iterable[float], cases: list[Calibration]) -> list[float]:
    factors = _factors(params)
    residuals = []
    for case in cases:
        estimated = case.estimated(factors)
        residuals += [math.log(estimated[metric] / value) for metric, value in case.measured().items()]
    return residuals


def fit_serving_factors(rows: dict[str, Any] | None = None) -> ServingFactors:
    """η_bw, the two MFUs and the per-layer overhead minimising the squared log error over every measured
    figure of the rows not marked ``excluded`` (those are still checked against the bound)."""
    from scipy.optimize import least_squares  # only when re-fitting: the CLI uses FITTED_FACTORS

    cases = [case for case in calibrations(rows) if case.measured()]
    fit = least_squares(_log_residuals, x0=[0.7, 0.5, 0.4, 2e-5, 1e-4], args=(cases,),
                        bounds=([0.05, 0.05, 0.05, 0.0, 0.0], [1.0, 1.0, 1.0, 1e-3, 1e-3]))
    bandwidth, mfu, low, overhead, eager = fit.x
    return _factors([round(bandwidth, 3), round(mfu, 3), round(low, 3), round(overhead, 7), round(eager, 7)],
                    len(cases))
