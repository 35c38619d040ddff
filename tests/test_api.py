"""Every lab endpoint returns the engine's numbers; bad parameters get 422 with a JSON error."""

import math

import numpy as np
import pytest
from fastapi.testclient import TestClient

from llmlab import catalog
from llmlab.arch.features import resolve
from llmlab.arch.memory import kv_cache_bytes
from llmlab.arch.params import count_params
from llmlab.arch.patterns import AttentionPattern
from llmlab.laws.allocation import compute_optimal, inference_aware
from llmlab.laws.cost import training_cost
from llmlab.laws.parametric import get_law
from llmlab.plan.planner import plan
from llmlab.plan.request import PlanRequest
from llmlab.reasoning.projection import reasoning_projection
from llmlab.web.app import create_app
from llmlab.web.routing import route

client = TestClient(create_app(), base_url="http://127.0.0.1")


def get(url, **params):
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_pages_and_assets_are_served_locally():
    for path in ("/", "/scaling", "/moe", "/attention", "/planner", "/reasoning", "/emergence", "/frontier"):
        response = client.get(path)
        assert response.status_code == 200 and "<main>" in response.text
        assert "http://" not in response.text and "https://" not in response.text
    assert client.get("/static/vendor/plotly.min.js").status_code == 200
    assert client.get("/docs").status_code == 404  # Swagger UI would load from a CDN
    assert client.get("/openapi.json").status_code == 200


def test_scaling_equals_the_engine():
    result = get("/api/scaling", log_n=10.5, log_d=12, fit="epoch2024", gpu="a100", gpus=64, mfu=0.5, price=1.2,
                 inference_tokens=1e13)
    law, n, d = get_law("epoch2024"), 10**10.5, 1e12
    assert result["loss"] == pytest.approx(float(law.loss(n, d)))
    assert result["flops"] == pytest.approx(6 * n * d)
    assert result["cost"]["dollars"] == pytest.approx(training_cost(6 * n * d, "a100", 64, 0.5, 1.2).dollars)
    assert result["optimum"]["params"] == pytest.approx(compute_optimal(law, 6 * n * d).params)
    aware = inference_aware(law, float(law.loss(n, d)), 1e13)
    assert result["inference_aware"]["inference_aware"]["params"] == pytest.approx(aware.inference_aware.params)
    low, high = result["epoch_band"]
    assert low < result["losses"]["epoch2024"] < high
    assert set(result["losses"]) == set(catalog.fits())


def test_isoflop_compare_and_fit_upload():
    iso = get("/api/isoflop", fit="chinchilla")
    law = get_law("chinchilla")
    for curve in iso["curves"]:
        best = compute_optimal(law, curve["flops"])
        assert min(curve["loss"]) >= best.loss - 1e-9
    assert {m["key"] for m in iso["landmarks"]} == set(catalog.historical())
    compare = get("/api/compare", tokens_per_param=20)
    assert all(lo <= hi for lo, hi in zip(compare["epoch_low"], compare["epoch_high"]))

    rng = np.random.default_rng(0)
    n, d = 10 ** rng.uniform(7.5, 10.5, 60), 10 ** rng.uniform(9, 12, 60)
    loss = 1.8 + 500 / n**0.35 + 2000 / d**0.37
    csv = "N,D,loss\n" + "\n".join(f"{a},{b},{c}" for a, b, c in zip(n, d, loss))
    fitted = client.post("/api/fit", json={"runs": csv}).json()
    assert fitted["E"] == pytest.approx(1.8, rel=1e-3) and fitted["points"] == 60
    bad = client.post("/api/fit", json={"runs": "a,b\n1,2\n"})
    assert bad.status_code == 422 and "needs a header" in bad.json()["error"]


def test_moe_endpoints_equal_the_engine():
    routed = get("/api/moe/route", text="the quick brown fox", k=3, seed=7)
    expected = route("the quick brown fox", 3, 7).model_dump()
    assert routed["load"] == expected["load"]
    assert [t["experts"] for t in routed["tokens"]] == [t["experts"] for t in expected["tokens"]]
    for token in routed["tokens"]:
        assert sum(token["gates"]) == pytest.approx(1)
        assert sum(token["probs"]) == pytest.approx(1)
        assert len(token["embedding"]) == 16 and len(token["logits"]) == 8
    model = get("/api/moe/model", model="deepseek-v3", gpu="h200")
    counts = count_params(resolve("deepseek-v3")[0])
    assert model["total"] == counts.total and model["active"] == counts.active
    assert model["memory_gb_bf16"] == pytest.approx(counts.total * 2 / 1e9)


def test_attention_and_kv_equal_the_engine():
    small = get("/api/attention", pattern="global_local", n=40, window=5, n_global=3, model="mistral-7b-v0.1")
    pattern = AttentionPattern("global_local", window=5, n_global=3)
    assert small["pairs"] == pattern.pairs(40) == sum(map(sum, small["mask"]["cells"]))
    assert small["mask"]["kind"] == "cells"
    big = get("/api/attention", pattern="sliding", n=1_000_000, window=4096)
    assert big["mask"]["kind"] == "density" and len(big["mask"]["cells"]) == 64
    sliding = AttentionPattern("sliding", window=4096)
    assert big["fraction_of_causal"] == pytest.approx(sliding.fraction_of_causal(1_000_000))
    assert big["attention_flops_per_token"] < big["causal_attention_flops_per_token"] / 100
    kv = get("/api/kv", model="gpt-oss-20b", batch=2)
    cfg = resolve("gpt-oss-20b")[0]
    for row in kv["contexts"]:
        assert row["bytes"] == kv_cache_bytes(cfg, row["context"], 2)


def test_plan_reasoning_emergence_frontier_equal_the_engine():
    body = {"use_case": "chat", "requests_per_day": 5e6, "private": True}
    over_http = client.post("/api/plan", json=body).json()
    direct = plan(PlanRequest(**body)).model_dump()
    assert over_http["recommendation"]["key"] == direct["recommendation"]["key"]
    assert over_http["recommendation"]["monthly_cost"] == pytest.approx(direct["recommendation"]["monthly_cost"])
    assert [p["key"] for p in over_http["frontier"]] == [p["key"] for p in direct["frontier"]]
    assert get("/api/reasoning/projection", effort="high") == reasoning_projection("high")
    emergence = get("/api/emergence", k=10)
    assert emergence["exact_match"][-1] == pytest.approx(emergence["per_token"][-1] ** 10)
    rows = get("/api/frontier", gpu="h100")["rows"]
    assert {row["model"] for row in rows} == set(catalog.models())
    mixtral = next(row for row in rows if row["model"] == "mixtral-8x7b")
    assert mixtral["gpus_for_bf16"] == 2 and mixtral["total_params"] == count_params(resolve("mixtral-8x7b")[0]).total


@pytest.mark.parametrize(
    "method, url, payload, message",
    [
        ("get", "/api/scaling", {"log_n": 99}, "log_n"),
        ("get", "/api/scaling", {"fit": "nope"}, "fit"),
        ("get", "/api/scaling", {"gpu": "tpu"}, "gpu"),
        ("get", "/api/scaling", {"log_n": "ten"}, "log_n"),
        ("get", "/api/moe/route", {"text": "!!!"}, "at least one word"),
        ("get", "/api/moe/route", {"text": "hi", "k": 9}, "k"),
        ("get", "/api/attention", {"pattern": "sliding", "window": 0}, "window"),
        ("get", "/api/attention", {"n": 0}, "n"),
        ("get", "/api/kv", {"model": "gpt-9"}, "model"),
        ("get", "/api/reasoning/projection", {"effort": "extreme"}, "effort"),
        ("get", "/api/emergence", {"k": 0}, "k"),
        ("get", "/api/emergence", {"fit": "kaplan2020"}, "fit"),
        ("post", "/api/plan", {"use_case": "poetry"}, "use_case"),
        ("post", "/api/plan", {"requests_per_day": "lots"}, "requests_per_day"),
        ("post", "/api/plan", {"input_tokens": 9000, "context": 100}, "context"),
        ("post", "/api/plan", {"bogus": 1}, "bogus"),
        ("post", "/api/fit", {"runs": "N,D,loss\n1,x,2\n"}, "not a number"),
    ],
)
def test_bad_parameters_get_422_with_a_json_error(method, url, payload, message):
    response = client.get(url, params=payload) if method == "get" else client.post(url, json=payload)
    assert response.status_code == 422
    assert message in response.json()["error"]


def test_no_endpoint_returns_non_finite_json():
    result = client.post("/api/plan", json={"use_case": "math-reasoning", "latency": 1}).json()
    for option in result["options"]:
        assert option["monthly_cost"] is None or math.isfinite(option["monthly_cost"])
        assert option["latency_s"] is None or all(math.isfinite(v) for v in option["latency_s"].values())


CLASSIC = "A bat and a ball cost $1.10 in total. The bat costs $1.00 more than the ball. How much does the ball cost?"


@pytest.fixture
def reasoner_runs(tmp_path):
    """An untrained reasoning model, checkpointed and measured on two problems: enough to drive the API."""
    import torch

    from llmlab.nn.model import LlmlabForCausalLM
    from llmlab.reasoning.training import REASONER, measure, prepare
    from llmlab.train.checkpoint import save_checkpoint
    from llmlab.train.runs import RunStore

    store = RunStore(tmp_path)
    store.create("reasoner", "reasoner", {"kind": "reasoner"})
    prepare(store.run_dir("reasoner"), seed=0)
    torch.manual_seed(0)
    model = LlmlabForCausalLM(REASONER)
    save_checkpoint(store.run_dir("reasoner"), 0, model, torch.optim.AdamW(model.parameters()), {"data": {}})
    measure("reasoner", store, model, count=2)
    return TestClient(create_app(runs_dir=tmp_path), base_url="http://127.0.0.1")


def test_reasoning_endpoints_use_the_trained_model(reasoner_runs):
    lab = reasoner_runs
    status = lab.get("/api/reasoning/model").json()
    assert status["trained"] and not status["training"]
    assert set(status["measurements"]["efforts"]) == {"none", "low", "medium", "high"}
    solved = lab.get("/api/reasoning/solve", params={"question": CLASSIC, "effort": "low"}).json()
    from llmlab.reasoning.inference import THINKING_BUDGET

    assert solved["expected"] == "$0.05" and solved["thinking_tokens"] <= THINKING_BUDGET["low"]
    assert solved["verdict"] in ("correct", "intuitive", "wrong", "unparsed")
    outside = lab.get("/api/reasoning/solve", params={"question": "Who wrote Hamlet?"})
    assert outside.status_code == 422 and "outside the task family" in outside.json()["error"]


def test_reasoning_solve_without_a_model_is_a_clear_422_and_creates_nothing(tmp_path):
    lab = TestClient(create_app(runs_dir=tmp_path / "runs"), base_url="http://127.0.0.1")
    assert lab.get("/api/reasoning/model").json()["trained"] is False
    response = lab.get("/api/reasoning/solve", params={"question": CLASSIC})
    assert response.status_code == 422 and "no trained reasoning model" in response.json()["error"]
    assert not (tmp_path / "runs").exists()
