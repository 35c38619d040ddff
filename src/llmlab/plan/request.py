"""What the user tells the planner, validated with messages that say how to fix each field."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from llmlab import catalog
from llmlab.errors import LlmlabError


@dataclass(frozen=True)
class PlanRequest:
    use_case: str = "chat"
    requests_per_day: float = 1000.0
    input_tokens: int = 500
    output_tokens: int = 300
    latency_s: float = 10.0
    context_tokens: int = 8192
    private: bool = False
    monthly_budget: float | None = None
    training_budget: float | None = None
    gpu: str = "any"  # a catalog GPU, or "any" to cost self-hosting on each and keep the cheapest

    def __post_init__(self) -> None:
        use_cases = catalog.planning()["use_cases"]
        if self.use_case not in use_cases:
            raise LlmlabError(f"unknown use case {self.use_case!r}: choose one of {', '.join(use_cases)}")
        positive = {"requests_per_day": self.requests_per_day, "input_tokens": self.input_tokens,
                    "output_tokens": self.output_tokens, "latency_s": self.latency_s,
                    "context_tokens": self.context_tokens}
        for name, value in positive.items():
            if not value > 0:
                raise LlmlabError(f"{name} must be positive, got {value}")
        for name in ("monthly_budget", "training_budget"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise LlmlabError(f"{name} must be positive when given, got {value}")
        if self.input_tokens + self.output_tokens > self.context_tokens:
            raise LlmlabError(
                f"input_tokens + output_tokens ({self.input_tokens + self.output_tokens}) exceed context_tokens "
                f"({self.context_tokens}): raise context_tokens"
            )
        if self.gpu != "any":
            catalog.accelerator(self.gpu)

    @property
    def gpus(self) -> list[str]:
        return list(catalog.accelerators()) if self.gpu == "any" else [self.gpu.lower()]

    @property
    def training_gpu(self) -> str:
        return "h100" if self.gpu == "any" else self.gpu.lower()

    @property
    def needs(self) -> str:
        return catalog.planning()["use_cases"][self.use_case]["needs"]

    def as_dict(self) -> dict:
        return asdict(self)
