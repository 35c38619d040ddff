"""Splitting a compute budget between parameters and tokens.

* ``compute_optimal``: Hoffmann et al. 2022 eq. (4) for Chinchilla-form laws; Kaplan et al. 2020's
  published frontier N_opt = 1.3e9 · C^0.73 (C in PF-days, Table 6) for theirs.
* ``rule_of_thumb``: about 20 tokens per parameter (Chinchilla Table 3, Approach 1).
* ``isoflop_curve`` / ``efficient_frontier``: loss against N at fixed C, and the optimum across C.
* ``inference_aware``: Sardana et al. 2024, "Beyond Chinchilla-Optimal": the cheapest model that
  reaches a loss once lifetime inference (2·N FLOPs per token) is paid for too.
"""

from __future__ import annotations

import numpy as np
from pydantic import computed_field
from scipy.optimize import minimize_scalar

from llmlab.errors import LlmlabError
from llmlab.laws.compute import training_flops
from llmlab.laws.parametric import ChinchillaLaw, Law
from llmlab.schema import Result

CHINCHILLA_TOKENS_PER_PARAM = 20.0
INFERENCE_FLOPS_PER_PARAM_PER_TOKEN = 2.0
MAX_REACHABLE_PARAMS = 1e20  # past this a target is a numerical artefact, not a model anyone trains


class Allocation(Result):
    """A model size N and its training tokens D, with the loss the law predicts and C = 6ND."""

    params: float
    tokens: float
    loss: float
    flops: float

    @computed_field
    @property
    def tokens_per_param(self) -> float:
        return self.tokens / self.params


def allocation(law: Law, params: float, tokens: float) -> Allocation:
    return Allocation(params=params, tokens=tokens, loss=float(law.loss(params, tokens)),
                      flops=training_flops(params, tokens))


def compute_optimal(law: Law, flops: float) -> Allocation:
    """The (N, D) each law's authors give for ``flops = 6ND``: Hoffmann et al.'s eq. (4) for a
    Chinchilla-form law, Kaplan et al.'s published frontier N ∝ C^0.73 (Table 6) for theirs."""
    if flops <= 0:
        raise LlmlabError(f"compute budget must be positive, got {flops}")
    if isinstance(law, ChinchillaLaw):
        s = law.alpha + law.beta
        g = (law.alpha * law.A / (law.beta * law.B)) ** (1 / s)
        params = g * (flops / 6) ** (law.beta / s)
        tokens = (flops / 6) ** (law.alpha / s) / g
        return allocation(law, params, tokens)
    params = law.optimal_params(flops)
    return allocation(law, params, flops / (6 * params))


def rule_of_thumb(law: Law, flops: float, tokens_per_param: float = CHINCHILLA_TOKENS_PER_PARAM) -> Allocation:
    """N = sqrt(C / (6·r)), D = r·N."""
    if flops <= 0 or tokens_per_param <= 0:
        raise LlmlabError("compute budget and tokens per parameter must be positive")
    params = float(np.sqrt(flops / (6 * tokens_per_param)))
    return allocation(law, params, tokens_per_param * params)


def isoflop_curve(law: Law, flops: float, params: np.ndarray) -> np.ndarray:
    """Loss of each model size when trained on exactly ``flops`` (D = C / 6N)."""
    params = np.asarray(params, float)
    return law.loss(params, flops / (6 * params))


def efficient_frontier(law: Law, flops: np.ndarray) -> list[Allocation]:
    return [compute_optimal(law, float(c)) for c in np.asarray(flops, float)]


def lifetime_flops(model: Allocation, inference_tokens: float) -> float:
    """Training plus serving compute: 6ND + 2N per inference token."""
    return model.flops + INFERENCE_FLOPS_PER_PARAM_PER_TOKEN * model.params * inference_tokens


class InferenceAwarePlan(Result):
    target_loss: float
    inference_tokens: float
    inference_aware: Allocation
    compute_optimal: Allocation

    @computed_field
    @property
    def lifetime_flops_inference_aware(self) -> float:
        return lifetime_flops(self.inference_aware, self.inference_tokens)

    @computed_field
    @property
    def lifetime_flops_compute_optimal(self) -> float:
        return lifetime_flops(self.compute_optimal, self.inference_tokens)

    @computed_field
    @property
    def flops_saved(self) -> float:
        return self.lifetime_flops_compute_optimal - self.lifetime_flops_inference_aware

    @computed_field
    @property
    def saving_fraction(self) -> float:
        return self.flops_saved / self.lifetime_flops_compute_optimal


def _cheapest_at_loss(law: Law, target: float, inference_tokens: float) -> Allocation:
    """Minimise 6·N·D + 2·N·D_inf over N with D chosen so that L(N, D) = target."""
    smallest = law.min_params_for_loss(target)
    if not smallest < MAX_REACHABLE_PARAMS:
        raise LlmlabError(f"target loss {target:g} is out of reach under {law.name}: no model below "
                          f"{MAX_REACHABLE_PARAMS:.0e} parameters gets there; aim higher")
    floor = np.log(smallest)

    def lifetime(log_n: float) -> float:
        n = np.exp(log_n)
        d = float(law.tokens_for_loss(n, target))
        return np.log(training_flops(n, d) + INFERENCE_FLOPS_PER_PARAM_PER_TOKEN * n * inference_tokens)

    # lifetime -> inf as N -> floor (D explodes) and grows like N far above it: one interior minimum.
    result = minimize_scalar(lifetime, bounds=(floor + 1e-9, floor + 30), method="bounded",
                             options={"xatol": 1e-10})
    params = float(np.exp(result.x))
    return allocation(law, params, float(law.tokens_for_loss(params, target)))


def inference_aware(law: Law, target_loss: float, inference_tokens: float) -> InferenceAwarePlan:
    """Sardana et al. 2024: the model reaching ``target_loss`` with least training + inference compute."""
    if inference_tokens < 0:
        raise LlmlabError(f"inference tokens must be zero or more, got {inference_tokens}")
    return InferenceAwarePlan(
        target_loss=target_loss,
        inference_tokens=inference_tokens,
        inference_aware=_cheapest_at_loss(law, target_loss, inference_tokens),
        compute_optimal=_cheapest_at_loss(law, target_loss, 0.0),
    )
