"""The scaling-law features as typed requests: what the CLI's ``loss``, ``optimal``,
``inference-optimal``, ``isoflop``, ``fit`` and ``cost`` commands and the lab's API call."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from llmlab.errors import LlmlabError
from llmlab.laws.allocation import (
    Allocation,
    InferenceAwarePlan,
    allocation,
    compute_optimal,
    inference_aware,
    isoflop_curve,
    lifetime_flops,
    rule_of_thumb,
)
from llmlab.laws.compute import training_flops
from llmlab.laws.cost import RunCost, training_cost
from llmlab.laws.fitter import Fit, fit_runs
from llmlab.laws.parametric import extrapolation_warnings, get_law
from llmlab.laws.runs import parse_runs
from llmlab.schema import Amount, Count, FitName, GpuName, Input, NonNegativeCount, Result, Seed, Size
from llmlab.units import human

# Bounds that keep every request meaningful and cheap: past these no published law says anything.
MAX_PARAMS, MAX_TOKENS, MAX_FLOPS = 1e16, 1e18, 1e32
PARAMS = Field(ge=1, le=MAX_PARAMS, description="N, parameters, e.g. 70B")
TOKENS = Field(ge=1, le=MAX_TOKENS, description="D, training tokens, e.g. 1.4T")
FIT = Field("chinchilla", description="published fit (see 'llmlab catalog fits')")


class LossInput(Input):
    params: Size = PARAMS
    tokens: Size = TOKENS
    fit: FitName = FIT


class LossResult(Result):
    loss: float
    params: float
    tokens: float
    fit: str
    params_convention: str
    source: str
    warnings: list[str] = Field(description="where N or D lies far outside the data the law was fitted on")


def predict_loss(request: LossInput) -> LossResult:
    """Predicted loss for N parameters trained on D tokens."""
    law = get_law(request.fit)
    return LossResult(loss=float(law.loss(request.params, request.tokens)), params=request.params,
                      tokens=request.tokens, fit=law.name, params_convention=law.params_convention, source=law.source,
                      warnings=extrapolation_warnings(law, request.params, request.tokens))


class OptimalInput(Input):
    flops: Size = Field(ge=1e6, le=MAX_FLOPS, description="training compute C, e.g. 5.76e23")
    fit: FitName = FIT


class OptimalResult(Allocation):
    fit: str
    rule_of_thumb_20_tokens_per_param: Allocation
    warnings: list[str]


def optimal(request: OptimalInput) -> OptimalResult:
    """Compute-optimal N and D for a FLOP budget (C = 6ND)."""
    law = get_law(request.fit)
    best = compute_optimal(law, request.flops)
    return OptimalResult(**best.model_dump(exclude={"tokens_per_param"}), fit=law.name,
                         rule_of_thumb_20_tokens_per_param=rule_of_thumb(law, request.flops),
                         warnings=extrapolation_warnings(law, best.params, best.tokens))


_NEEDS_TARGET = "give a target --loss, or the --params and --tokens of the model you would train"


class InferenceOptimalInput(Input):
    inference_tokens: Amount = Field(le=MAX_TOKENS * 1e3, description="tokens served over the model's life, e.g. 2T")
    loss: float | None = Field(None, ge=0.1, le=100, description="target loss (above the fit's irreducible E)")
    params: Size | None = Field(None, ge=1, le=MAX_PARAMS, description="or: the N you would train compute-optimally")
    tokens: Size | None = Field(None, ge=1, le=MAX_TOKENS, description="and its D")
    fit: FitName = FIT

    @model_validator(mode="after")
    def _target(self) -> InferenceOptimalInput:
        if self.loss is None and (self.params is None or self.tokens is None):
            raise LlmlabError(_NEEDS_TARGET)
        if self.loss is not None and self.params is not None:
            raise LlmlabError("give either --loss or --params/--tokens, not both")
        return self


class InferenceOptimalResult(InferenceAwarePlan):
    fit: str
    given: Allocation | None = Field(description="the model you gave, when you gave --params and --tokens")
    lifetime_flops_given: float | None
    baseline: str = Field(description="what the savings are measured against, in words")
    warnings: list[str]


def inference_optimal(request: InferenceOptimalInput) -> InferenceOptimalResult:
    """Cheapest model reaching a loss once lifetime inference is paid for (Sardana et al. 2024)."""
    law = get_law(request.fit)
    if request.loss is not None:
        target = request.loss
    elif request.params is not None and request.tokens is not None:
        target = float(law.loss(request.params, request.tokens))
    else:  # refused by the input's validator; checked again for inputs built without validation
        raise LlmlabError(_NEEDS_TARGET)
    plan = inference_aware(law, target, request.inference_tokens)
    chosen, optimum = plan.inference_aware, plan.compute_optimal
    given = (allocation(law, request.params, request.tokens)
             if request.params is not None and request.tokens is not None else None)
    baseline = (f"the compute-optimal model for loss {target:.4g}: {human(optimum.params)} parameters on "
                f"{human(optimum.tokens)} tokens")
    if given is not None:
        baseline = (f"your {human(given.params)} parameters on {human(given.tokens)} tokens reach loss {target:.4g}; "
                    f"savings are measured against {baseline}, the cheapest way to train to that loss")
    return InferenceOptimalResult(
        **plan.model_dump(include=set(InferenceAwarePlan.model_fields)), fit=law.name, given=given,
        lifetime_flops_given=None if given is None else lifetime_flops(given, request.inference_tokens),
        baseline=baseline, warnings=extrapolation_warnings(law, chosen.params, chosen.tokens))


class IsoflopInput(Input):
    flops: Size = Field(ge=1e6, le=MAX_FLOPS, description="training compute C, e.g. 1e21")
    points: Count = Field(25, ge=3, le=1000, description="model sizes along the curve")
    fit: FitName = FIT


class IsoflopResult(Result):
    flops: float
    fit: str
    params: list[float]
    tokens: list[float]
    loss: list[float]
    optimum: Allocation


def isoflop(request: IsoflopInput) -> IsoflopResult:
    """Loss against model size at a fixed FLOP budget, from 1/30× to 30× the optimal size."""
    law = get_law(request.fit)
    best = compute_optimal(law, request.flops)
    params = best.params * np.logspace(-1.5, 1.5, request.points)
    return IsoflopResult(flops=request.flops, fit=law.name, params=params.tolist(),
                         tokens=(request.flops / (6 * params)).tolist(),
                         loss=isoflop_curve(law, request.flops, params).tolist(), optimum=best)


class FitInput(Input):
    runs: str = Field(max_length=4_000_000, json_schema_extra={"cli": "positional"},
                      description="CSV with columns N, D, loss (or Epoch's 'Model Size', 'Training FLOP', loss)")
    bootstrap: NonNegativeCount = Field(0, le=1000, description="resamples for 95%% intervals")
    seed: Seed = 0
    drop_highest: NonNegativeCount | None = Field(
        None, description="drop the K highest-loss runs (default: 5 for Epoch's Chinchilla file, else 0)")


class FittedRuns(Result):
    params: list[float]
    tokens: list[float]
    loss: list[float]
    predicted: list[float]


class FitResult(Fit):
    dropped_highest_losses: int
    runs: FittedRuns


def fit(request: FitInput) -> FitResult:
    """Fit E, A, B, alpha, beta to training runs (Hoffmann et al. 2022 App. D.2)."""
    runs = parse_runs(request.runs, "the runs CSV")
    drop = runs.default_drop if request.drop_highest is None else request.drop_highest
    if drop:
        runs = runs.without_highest_losses(drop)
    fitted = fit_runs(runs, bootstrap=request.bootstrap, seed=request.seed)
    predicted = fitted.law.loss(runs.params, runs.tokens)
    return FitResult(**fitted.model_dump(include=set(Fit.model_fields)), dropped_highest_losses=drop,
                     runs=FittedRuns(params=runs.params.tolist(), tokens=runs.tokens.tolist(),
                                     loss=runs.loss.tolist(), predicted=predicted.tolist()))


_NEEDS_COMPUTE = "give --flops, or --params and --tokens (FLOPs = 6·N·D)"


class CostInput(Input):
    flops: Size | None = Field(None, ge=1, le=MAX_FLOPS, description="training FLOPs, or give --params and --tokens")
    params: Size | None = Field(None, ge=1, le=MAX_PARAMS, description="N")
    tokens: Size | None = Field(None, ge=1, le=MAX_TOKENS, description="D")
    gpu: GpuName = Field("h100", description="accelerator (see 'llmlab catalog gpus')")
    gpus: Count = Field(1, le=10_000_000, description="GPUs training in parallel")
    mfu: float | None = Field(None, gt=0, le=1, description="model FLOPs utilisation (default: what published "
                              "runs of this size reached, 0.14 at 8B to 0.35 at 405B)")
    price: float | None = Field(None, ge=0, le=10_000, description="$/GPU-hour (default: the catalog's)")
    precision: Literal["bf16", "fp8"] = Field("bf16", description="tensor-core precision")

    @model_validator(mode="after")
    def _compute(self) -> CostInput:
        if self.flops is None and (self.params is None or self.tokens is None):
            raise LlmlabError(_NEEDS_COMPUTE)
        return self


def cost(request: CostInput) -> RunCost:
    """GPU-hours and dollars for a training run."""
    if request.flops is not None:
        flops = request.flops
    elif request.params is not None and request.tokens is not None:
        flops = training_flops(request.params, request.tokens)
    else:  # refused by the input's validator; checked again for inputs built without validation
        raise LlmlabError(_NEEDS_COMPUTE)
    return training_cost(flops, request.gpu, request.gpus, request.mfu, request.price, request.precision,
                         params=request.params)
