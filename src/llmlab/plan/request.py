"""What the user tells the planner: one model, used by the CLI's flags and the API's body alike."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from llmlab import catalog
from llmlab.errors import LlmlabError
from llmlab.schema import AnyGpu, CatalogChoice, ContextLength, Count, Input, Size, UseCase

MAX_TOKENS_PER_REQUEST = 10_000_000
# What --as-good-as may name: any API tier or catalog model (whether it is scored is checked with the bar).
OPTIONS = CatalogChoice(lambda: {**catalog.api_tiers(), **catalog.models()}, "API tier or model")
SERVED_PRECISIONS = CatalogChoice(catalog.precisions, "precision", where=lambda entry: entry.get("served", True))


class PlanRequest(Input):
    use_case: UseCase = Field("chat", description="what the model is for")
    requests_per_day: Size = Field(1000.0, le=1e12, description="mean traffic, e.g. 200k")
    input_tokens: Count = Field(500, le=MAX_TOKENS_PER_REQUEST, description="prompt tokens per request")
    output_tokens: Count = Field(300, le=1_000_000, description="response tokens per request (thinking not included)")
    latency: Size = Field(10.0, le=86_400, description="seconds allowed per full response at peak traffic")
    context: ContextLength = Field(8192, le=MAX_TOKENS_PER_REQUEST,
                                   description="context window needed, in tokens (128k = 131,072)")
    private: bool = Field(False, description="data must stay in-house (no third-party API)")
    monthly_budget: Size | None = Field(None, le=1e12, description="serving budget, $/month")
    training_budget: Size | None = Field(None, le=1e12, description="one-off training budget, $")
    gpu: AnyGpu = Field("any", description="GPU for self-hosting and training, or 'any' for every one")
    min_score: float | None = Field(None, ge=0, le=10_000,
                                    description="quality bar on the use case's benchmark (default: its stated bar)")
    as_good_as: Annotated[str, OPTIONS] | None = Field(
        None, description="quality bar: the score of this API tier or catalog model")
    cached_input_fraction: float = Field(0.0, ge=0, le=1,
                                         description="share of input tokens read from a prompt cache (APIs)")
    batch_api: bool = Field(False, description="use batch APIs (half price, results within 24 h)")
    precision: Annotated[str, SERVED_PRECISIONS] | None = Field(
        None, description="self-host only at this weight precision (default: every served one)")

    @model_validator(mode="after")
    def _consistent(self) -> PlanRequest:
        if self.input_tokens + self.output_tokens > self.context:
            raise LlmlabError(
                f"input_tokens + output_tokens ({self.input_tokens + self.output_tokens}) exceed the context "
                f"({self.context}): raise the context"
            )
        if self.min_score is not None and self.as_good_as is not None:
            raise LlmlabError("give one quality bar: min_score or as_good_as, not both")
        if self.batch_api and not catalog.planning()["use_cases"][self.use_case]["batch_tolerant"]:
            tolerant = [name for name, case in catalog.planning()["use_cases"].items() if case["batch_tolerant"]]
            raise LlmlabError(f"the batch API returns results within 24 hours, which {self.use_case} cannot wait for: "
                              f"use it for {', '.join(tolerant)}")
        return self

    @property
    def gpus(self) -> list[str]:
        return list(catalog.accelerators()) if self.gpu == "any" else [self.gpu]

    @property
    def training_gpu(self) -> str:
        return "h100" if self.gpu == "any" else self.gpu

    @property
    def peak_requests_per_s(self) -> float:
        return self.requests_per_day / 86_400 * catalog.planning()["assumptions"]["peak_to_mean_traffic"]
