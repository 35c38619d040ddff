"""Which torch device to run on: one place that knows what 'auto' means and what exists here."""

from __future__ import annotations

import torch

from llmlab.errors import LlmlabError

DEVICE_HINT = "use --device auto, cpu, cuda, cuda:N or mps"


def resolve_device(name: str | torch.device = "auto") -> torch.device:
    """'auto' is CUDA if present, else Apple's MPS, else the CPU; a named device must exist here."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if torch.backends.mps.is_available() else "cpu")
    try:
        device = torch.device(name)
    except (RuntimeError, TypeError):
        raise LlmlabError(f"unknown device {name!r}: {DEVICE_HINT}") from None
    if device.type == "cuda":
        if not torch.cuda.is_available():
            build = f"CUDA {torch.version.cuda}" if torch.version.cuda else "no CUDA support"
            raise LlmlabError(f"device {name!r} is not available: this torch {torch.__version__} ({build}) sees no "
                              f"NVIDIA GPU; {DEVICE_HINT}")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise LlmlabError(f"device {name!r} is not available: there are {torch.cuda.device_count()} CUDA "
                              f"device(s); {DEVICE_HINT}")
    elif device.type == "mps":
        if not torch.backends.mps.is_available():
            raise LlmlabError(f"device {name!r} is not available: MPS needs an Apple-silicon Mac; {DEVICE_HINT}")
    elif device.type != "cpu":
        raise LlmlabError(f"device {name!r} is not supported: {DEVICE_HINT}")
    return device
