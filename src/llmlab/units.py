"""Human-friendly sizes: ``7B``, ``1.4T``, ``7e9``, ``128k``."""

from __future__ import annotations

import math

from llmlab.errors import LlmlabError

_SUFFIXES = {"k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12, "p": 1e15}


def parse_size(text: str | float | int, what: str = "value") -> float:
    """Parse a positive size such as ``7e9``, ``7B``, ``1.4T`` or ``128k`` into a float.

    Raises LlmlabError naming ``what`` when the text is not a positive finite number.
    """
    if isinstance(text, (int, float)):
        value = float(text)
    else:
        raw = text.strip().replace("_", "").replace(",", "")
        scale = 1.0
        if raw and raw[-1].lower() in _SUFFIXES:
            scale = _SUFFIXES[raw[-1].lower()]
            raw = raw[:-1]
        try:
            value = float(raw) * scale
        except ValueError:
            raise LlmlabError(
                f"{what} {text!r} is not a number: write it like 7e9, 7B, 1.4T or 128k"
            ) from None
    if not math.isfinite(value) or value <= 0:
        raise LlmlabError(f"{what} must be a positive number, got {text!r}")
    return value


def human(value: float, unit: str = "") -> str:
    """Format a large number with a K/M/B/T suffix, three significant figures."""
    for suffix, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}{unit}"
    return f"{value:.3g}{unit}"
