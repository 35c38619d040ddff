"""Plain-text rendering of a result for the terminal (``--json`` prints the model instead)."""

from __future__ import annotations

from typing import Any

from llmlab.units import human


def format_value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 1e6 <= abs(value) < 1e15:
        return f"{value:.4e}  ({human(value)})"
    if isinstance(value, float):
        return f"{value:.6g}" if abs(value) < 1e15 else f"{value:.4e}"
    if isinstance(value, list) and len(value) > 6:
        return f"[{', '.join(format_value(v) for v in value[:3])}, ... {len(value)} values]"
    if isinstance(value, list):
        return "[" + ", ".join(format_value(v) for v in value) + "]"
    return str(value)


def render_mapping(result: dict, indent: int = 0) -> str:
    """One aligned ``key  value`` line per field, nested mappings indented under their key."""
    lines = []
    width = max((len(str(key)) for key in result), default=0)
    for key, value in result.items():
        if isinstance(value, dict):
            lines.append(" " * indent + f"{key}:")
            lines.append(render_mapping(value, indent + 2))
        else:
            lines.append(" " * indent + f"{str(key):<{width}}  {format_value(value)}")
    return "\n".join(lines)
