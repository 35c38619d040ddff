"""GPU-hours and dollars for a training run from its FLOPs.

time = FLOPs / (GPUs · dense peak FLOP/s · MFU). Peaks are DENSE tensor figures from the
catalog (vendor sheets print sparse ones, twice as large).
"""

from __future__ import annotations

import numpy as np

from llmlab import catalog
from llmlab.errors import LlmlabError
from llmlab.laws.allocation import compute_optimal
from llmlab.laws.parametric import get_law
from llmlab.schema import Result
from llmlab.units import human

# Model FLOPs utilisation implied by Meta's published Llama 3.1 pre-training: 6·N·15.6T tokens over the GPU
# hours of the model card (H100, 989.4 TFLOP/s dense bf16): 8B 1.46M h -> 0.144, 70B 7.0M h -> 0.265,
# 405B 30.84M h -> 0.346. Larger runs use the cluster better; between the points MFU is read off a line in
# log N, and held at the end points beyond them.
PUBLISHED_MFU = ((8.03e9, 0.144), (70.6e9, 0.265), (405.9e9, 0.346))
PUBLISHED_MFU_SOURCE = ("Llama 3.1 model card, 'Training Energy Use' GPU hours (8B 1.46M, 70B 7.0M, 405B 30.84M "
                        "H100-80GB hours) and Dubey et al. 2024 (15.6T tokens): MFU = 6ND / (hours · 989.4 TFLOP/s)")
PRECISIONS = ("bf16", "fp8")


class RunCost(Result):
    flops: float
    gpu: str
    gpus: int
    mfu: float
    mfu_basis: str
    precision: str
    peak_tflops: float
    price_per_gpu_hour: float
    gpu_hours: float
    wall_clock_hours: float
    dollars: float


def default_training_mfu(params: float) -> float:
    """The MFU a run of ``params`` parameters can plan on, from the published Llama 3.1 runs."""
    sizes, mfus = zip(*PUBLISHED_MFU)
    return float(np.interp(np.log10(params), np.log10(sizes), mfus))


def training_cost(
    flops: float,
    gpu: str,
    gpus: int = 1,
    mfu: float | None = None,
    price_per_gpu_hour: float | None = None,
    precision: str = "bf16",
    params: float | None = None,
) -> RunCost:
    """Hours and dollars at ``mfu``; without one, the MFU published runs of this size reached (the size is
    ``params``, or else the compute-optimal size for ``flops`` under Chinchilla)."""
    if flops <= 0:
        raise LlmlabError(f"--flops must be positive, got {flops}")
    basis = "given"
    if mfu is None:
        size = params if params is not None else compute_optimal(get_law("chinchilla"), flops).params
        mfu = default_training_mfu(size)
        basis = f"default for a {human(size)}-parameter run, interpolated from {PUBLISHED_MFU_SOURCE}"
    if gpus < 1:
        raise LlmlabError(f"--gpus must be at least 1, got {gpus}")
    if not 0 < mfu <= 1:
        raise LlmlabError(f"--mfu must be in (0, 1], got {mfu}")
    if precision not in PRECISIONS:
        raise LlmlabError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    spec = catalog.accelerator(gpu)
    peak = spec[f"{precision}_tflops"]
    if peak is None:
        raise LlmlabError(f"{spec['label']} has no {precision} tensor cores: use --precision bf16")
    price = spec["price_per_hour"]["default"] if price_per_gpu_hour is None else price_per_gpu_hour
    if price < 0:
        raise LlmlabError(f"--price must be zero or more, got {price}")
    gpu_hours = flops / (peak * 1e12 * mfu) / 3600
    return RunCost(
        flops=flops, gpu=gpu.lower(), gpus=gpus, mfu=mfu, mfu_basis=basis, precision=precision, peak_tflops=peak,
        price_per_gpu_hour=price, gpu_hours=gpu_hours, wall_clock_hours=gpu_hours / gpus,
        dollars=gpu_hours * price,
    )
