"""What the user tells the planner: one model, used by the CLI's flags and the API's body alike."""

from __future__ import annotations

from pydantic import Field, model_validator

from llmlab import catalog
from llmlab.errors import LlmlabError
from llmlab.schema import AnyGpu, Count, Input, Size, UseCase

MAX_TOKENS_PER_REQUEST = 10_000_000


class PlanRequest(Input):
    use_case: UseCase = Field("chat", description="what the model is for")
    requests_per_day: Size = Field(1000.0, le=1e12, description="mean traffic, e.g. 200k")
    input_tokens: Count = Field(500, le=MAX_TOKENS_PER_REQUEST, description="prompt tokens per request")
    output_tokens: Count = Field(300, le=1_000_000, description="response tokens per request")
    latency: Size = Field(10.0, le=86_400, description="seconds allowed per full response")
    context: Count = Field(8192, le=MAX_TOKENS_PER_REQUEST, description="context window needed, in tokens")
    private: bool = Field(False, description="data must stay in-house (no third-party API)")
    monthly_budget: Size | None = Field(None, le=1e12, description="serving budget, $/month")
    training_budget: Size | None = Field(None, le=1e12, description="one-off training budget, $")
    gpu: AnyGpu = Field("any", description="GPU for self-hosting and training, or 'any' for the cheapest")

    @model_validator(mode="after")
    def _fits_context(self) -> "PlanRequest":
        if self.input_tokens + self.output_tokens > self.context:
            raise LlmlabError(
                f"input_tokens + output_tokens ({self.input_tokens + self.output_tokens}) exceed the context "
                f"({self.context}): raise the context"
            )
        return self

    @property
    def gpus(self) -> list[str]:
        return list(catalog.accelerators()) if self.gpu == "any" else [self.gpu]

    @property
    def training_gpu(self) -> str:
        return "h100" if self.gpu == "any" else self.gpu

    @property
    def needs(self) -> str:
        return catalog.planning()["use_cases"][self.use_case]["needs"]
