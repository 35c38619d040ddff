"""Data parallelism under torchrun: gloo on CPUs, nccl on GPUs. A single process needs none of it."""

from __future__ import annotations

import os

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel


def setup() -> tuple[int, int]:
    """(rank, world size); starts the process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return (dist.get_rank() if world > 1 else 0), world


def is_main(rank: int) -> bool:
    return rank == 0


def wrap(model: torch.nn.Module, world: int, sparse: bool = False) -> torch.nn.Module:
    """DDP averages gradients across processes during backward. With experts, a batch may leave some
    unused, which DDP must be told; buffers (expert loads and biases) stay per process."""
    if world == 1:
        return model
    return DistributedDataParallel(model, find_unused_parameters=sparse, forward_sync_buffers=False)


def barrier(world: int) -> None:
    if world > 1:
        dist.barrier()


def mean(value: float, world: int) -> float:
    if world == 1:
        return value
    tensor = torch.tensor([value], dtype=torch.float64)
    dist.all_reduce(tensor)
    return tensor.item() / world


def teardown(world: int) -> None:
    if world > 1 and dist.is_initialized():
        dist.destroy_process_group()
