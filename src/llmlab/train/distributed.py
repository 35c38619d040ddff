"""Where training runs: the device, its peak throughput (for MFU), and data parallelism under
torchrun — nccl with one GPU per process on CUDA, gloo on CPUs. A single process needs no group."""

from __future__ import annotations

import os
import re
import time
from functools import cache

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from llmlab import catalog
from llmlab.errors import LlmlabError


def synchronize(device: torch.device) -> None:
    """Wait for queued kernels, so wall-clock timings measure the work."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


@cache
def measured_peak_flops(device: torch.device, dtype: torch.dtype) -> float:
    """The best of a few timed 1024² matmuls in ``dtype`` on ``device``: the ceiling this machine
    reaches in practice, measured once per process."""
    n = 1024
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    best = float("inf")
    for _ in range(4):  # the first warms up
        synchronize(device)
        began = time.perf_counter()
        a @ b
        synchronize(device)
        best = min(best, time.perf_counter() - began)
    return 2 * n ** 3 / best


def catalog_peak_flops(device: torch.device) -> float | None:
    """The catalog's dense bf16 peak for a GPU whose name names a catalog accelerator (H100, A100, ...)."""
    if device.type != "cuda":
        return None
    words = set(re.split(r"[^a-z0-9]+", torch.cuda.get_device_name(device).lower()))
    for key, accelerator in catalog.accelerators().items():
        if key in words and accelerator.get("bf16_tflops"):
            return accelerator["bf16_tflops"] * 1e12
    return None


def peak_flops(device: torch.device, dtype: torch.dtype) -> float:
    """The FLOP/s MFU is measured against: the published peak of a known GPU, else the measured one."""
    return catalog_peak_flops(device) or measured_peak_flops(device, dtype)


def setup(device: torch.device) -> tuple[int, int, torch.device]:
    """(rank, world size, this process's device); starts the process group when launched by torchrun,
    giving each process on a CUDA machine the GPU of its LOCAL_RANK."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return 0, 1, device
    if device.type == "mps":
        raise LlmlabError("data parallelism under torchrun runs on CUDA GPUs or CPUs, not MPS: pass --device cpu")
    if device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return dist.get_rank(), world, device


def is_main(rank: int) -> bool:
    return rank == 0


def wrap(model: torch.nn.Module, world: int, device: torch.device, sparse: bool = False) -> torch.nn.Module:
    """DDP averages gradients across processes during backward. With experts, a batch may leave some
    unused, which DDP must be told; buffers (expert loads and biases) stay per process."""
    if world == 1:
        return model
    return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None,
                                   find_unused_parameters=sparse, forward_sync_buffers=False)


def barrier(world: int, device: torch.device) -> None:
    if world > 1:
        dist.barrier(device_ids=[device.index] if device.type == "cuda" else None)


def mean(value: float, world: int, device: torch.device) -> float:
    """The mean of ``value`` over all processes (nccl reduces only tensors on the GPU)."""
    if world == 1:
        return value
    tensor = torch.tensor([value], dtype=torch.float64, device=device)  # cuda or cpu: setup refuses MPS
    dist.all_reduce(tensor)
    return tensor.item() / world


def teardown(world: int) -> None:
    if world > 1 and dist.is_initialized():
        dist.destroy_process_group()
