"""GPU-hours and dollars for a training run from its FLOPs.

time = FLOPs / (GPUs · dense peak FLOP/s · MFU). Peaks are DENSE tensor figures from the
catalog (vendor sheets print sparse ones, twice as large).
"""

from __future__ import annotations

from llmlab import catalog
from llmlab.errors import LlmlabError
from llmlab.schema import Result

DEFAULT_MFU = 0.4
PRECISIONS = ("bf16", "fp8")


class RunCost(Result):
    flops: float
    gpu: str
    gpus: int
    mfu: float
    precision: str
    peak_tflops: float
    price_per_gpu_hour: float
    gpu_hours: float
    wall_clock_hours: float
    dollars: float


def training_cost(
    flops: float,
    gpu: str,
    gpus: int = 1,
    mfu: float = DEFAULT_MFU,
    price_per_gpu_hour: float | None = None,
    precision: str = "bf16",
) -> RunCost:
    if flops <= 0:
        raise LlmlabError(f"--flops must be positive, got {flops}")
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
        flops=flops, gpu=gpu.lower(), gpus=gpus, mfu=mfu, precision=precision, peak_tflops=peak,
        price_per_gpu_hour=price, gpu_hours=gpu_hours, wall_clock_hours=gpu_hours / gpus,
        dollars=gpu_hours * price,
    )
