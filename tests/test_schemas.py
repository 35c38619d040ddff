"""Property-based tests over every feature's input model: whatever values arrive, a request is either
refused by its model (a ValidationError naming the field) or answered by the engine with valid JSON,
or refused by the engine with one clear LlmlabError — never another exception, never NaN in JSON."""

from __future__ import annotations

import json
import math
import time
import typing

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from llmlab.arch import features as arch
from llmlab.catalog.features import CatalogInput, catalog_table
from llmlab.cli.command import unwrap_optional
from llmlab.errors import LlmlabError
from llmlab.laws import features as laws
from llmlab.plan.planner import plan
from llmlab.plan.request import PlanRequest
from llmlab.schema import CatalogChoice, describe, finite_json
from llmlab.web import views

FEATURES = {
    "loss": (laws.LossInput, laws.predict_loss),
    "optimal": (laws.OptimalInput, laws.optimal),
    "inference-optimal": (laws.InferenceOptimalInput, laws.inference_optimal),
    "isoflop": (laws.IsoflopInput, laws.isoflop),
    "fit": (laws.FitInput, laws.fit),
    "cost": (laws.CostInput, laws.cost),
    "params": (arch.ParamsInput, arch.params),
    "flops": (arch.FlopsInput, arch.flops),
    "memory": (arch.MemoryInput, arch.memory),
    "throughput": (arch.ThroughputInput, arch.serving_throughput),
    "catalog": (CatalogInput, catalog_table),
    "plan": (PlanRequest, plan),
    "scaling": (views.ScalingInput, views.scaling),
    "isoflop-chart": (views.IsoflopChartInput, views.isoflop_chart),
    "compare": (views.CompareInput, views.compare),
    "emergence": (views.EmergenceInput, views.emergence),
    "moe-card": (views.MoeModelInput, views.moe_card),
    "attention": (views.AttentionInput, views.attention),
    "kv": (views.KvInput, views.kv),
    "frontier": (views.FrontierInput, views.frontier),
}

EDGE_NUMBERS = [0, -1, 1, 2, 0.5, 1e-300, 1e300, 1e400, -1e400, float("nan"), 2**63, 10**30, 4096, 1e6, 1e12]
EDGE_TEXT = ["", " ", "7B", "1.4T", "128k", "nan", "inf", "-5", "1e12", "abc", "é中", "0", "../x", "a" * 300]
CSV = "N,D,loss\n" + "\n".join(f"{n},{d},{1.8 + 400 / n**0.34 + 400 / d**0.28}"
                               for n in (1e8, 3e8, 1e9, 3e9) for d in (2e9, 2e10, 2e11))


def field_values(name: str, info) -> st.SearchStrategy:
    """Valid choices and typical values for the field, mixed with edge cases and wrong types."""
    annotation = unwrap_optional(info.annotation)
    picks: list = [*EDGE_NUMBERS, *EDGE_TEXT, None, True, [], {}]
    if typing.get_origin(annotation) is typing.Literal:
        picks += list(typing.get_args(annotation))
    for meta in info.metadata:
        if isinstance(meta, CatalogChoice):
            picks += meta.choices()
    if name == "config":
        picks += ["llama-3.1-8b", "mixtral-8x7b", {"model_type": "llama", "hidden_size": float("nan")},
                  {"model_type": "llama", "num_hidden_layers": 1e12}, {"layer_types": 5}]
    if name == "runs":
        picks += [CSV, "N,D,loss\n" + "1,1,1\n" * 6]
    return st.one_of(st.sampled_from(picks), st.floats(), st.integers(), st.text(max_size=8))


def requests(model: type[BaseModel]) -> st.SearchStrategy[dict]:
    fields = {name: field_values(name, info) for name, info in model.model_fields.items()}
    return st.fixed_dictionaries({}, optional=fields)


def strict_json(text: str) -> object:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in JSON output")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("feature", sorted(FEATURES))
def test_any_input_is_refused_clearly_or_answered_with_valid_json(feature):
    model, run = FEATURES[feature]

    # A plan sizes every model on every GPU (about a second): fewer examples keep the suite quick.
    @settings(max_examples=8 if feature == "plan" else 40, deadline=None, suppress_health_check=list(HealthCheck),
              derandomize=True)
    @given(requests(model))
    def check(values: dict) -> None:
        try:
            request = model.model_validate(values)
        except ValidationError as error:
            line = describe(error.errors(), flags=True)
            assert line and "\n" not in line
            return
        began = time.perf_counter()
        try:
            result = run(request)
        except LlmlabError as error:
            assert str(error) and "\n" not in str(error)
            return
        assert time.perf_counter() - began < 20, f"{feature} took too long for {values}"
        strict_json(finite_json(result))

    check()


def test_results_never_carry_non_finite_numbers_into_json():
    no_setup = plan(PlanRequest(use_case="math-reasoning", latency=0.01))
    data = strict_json(finite_json(no_setup))
    assert data["recommendation"] is None
    assert all(o["latency_s"] is None or all(map(math.isfinite, o["latency_s"].values())) for o in data["options"])
