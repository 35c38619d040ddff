"""Serving estimates against published measurements: accelerators with interconnects and prices, precisions,
tensor-parallel sizes and their communication, and the bound / expected figures of llmlab.arch.throughput."""

from __future__ import annotations

import json
import math
from importlib import resources

import pytest

from llmlab import catalog
from llmlab.arch.config import from_hf
from llmlab.arch.features import resolve
from llmlab.arch.memory import BYTES_PER_VALUE, bytes_per_value, kv_cache_bytes, weights_bytes
from llmlab.arch.params import count_params
from llmlab.arch.throughput import (
    BOUND_FACTORS,
    FITTED_FACTORS,
    METRICS,
    allreduce_seconds,
    calibrations,
    compute_precision,
    fit_serving_factors,
    kv_replication,
    serving_estimate,
    serving_work,
    valid_tensor_parallel,
)
from llmlab.errors import LlmlabError

CALIBRATIONS = calibrations()
TOLERANCE = 0.25  # every fitted figure within ±25% of the expected one


def _cfg(name: str):
    return resolve(name)[0]


# --- the measurement table ------------------------------------------------------------------------

def test_the_table_has_enough_sourced_rows_and_every_row_is_runnable():
    rows = catalog.serving_measurements()
    assert len(rows) >= 12
    fitted = [case for case in CALIBRATIONS if case.measured()]
    assert len(fitted) >= 12 and FITTED_FACTORS.fitted_rows == len(fitted)
    for name, row in rows.items():
        assert row["source"] and row["date"] and row["engine"] and row["engine_version"], name
        assert row["kernel_launch"] in ("graph", "eager") and row["kernel_launch_basis"], name
        assert isinstance(row.get("kv_per_query_head", False), bool), name
        assert not row.get("kv_per_query_head") or len(row["kv_per_query_head_basis"]) > 80, name
        assert (row.get("config") is not None) != (row.get("model") is not None), name  # catalog model or inline
        assert row["measured"]["as_published"], name
        assert any(row["measured"].get(metric) is not None for metric in METRICS), name
        assert row["batching"] in ("static", "continuous")
        cfg = from_hf(row["config"]) if row.get("config") else _cfg(row["model"])
        # The published set-up ran, so it must be a TP size engines accept, and it must fit in memory.
        assert row["gpus"] in valid_tensor_parallel(cfg, row["gpu"]), name
        estimate = serving_estimate(cfg, row["gpu"], row["gpus"], row["precision"], row["kv_precision"],
                                    row["batch"], row["input_tokens"], row["output_tokens"])
        # memory_gb is the nominal size (80 for an "80GB" card, which holds 80 GiB = 85.9 GB)
        memory = estimate.memory_per_gpu
        assert memory.total_gb <= memory.available_gb * 2**30 / 1e9, (name, memory)


@pytest.mark.parametrize("case", CALIBRATIONS, ids=lambda case: case.name)
def test_every_measured_figure_is_within_the_bound(case):
    """The bound is a true bound: no published run beats it, excluded rows included."""
    bound = case.estimated(BOUND_FACTORS, bound=True)
    for metric, value in case.measured(fitted_only=False).items():
        if metric == "output_tokens_per_s":
            assert value <= bound[metric], (metric, value, bound[metric])
        else:
            assert value >= bound[metric], (metric, value, bound[metric])


@pytest.mark.parametrize("case", [c for c in CALIBRATIONS if c.measured()], ids=lambda case: case.name)
def test_every_fitted_figure_is_within_25_percent_of_expected(case):
    expected = case.estimated(FITTED_FACTORS)
    for metric, value in case.measured().items():
        assert abs(expected[metric] / value - 1) <= TOLERANCE, (metric, value, expected[metric])


def test_rows_left_out_of_the_fit_say_why_and_are_few():
    excluded = {name: row for name, row in catalog.serving_measurements().items() if row.get("excluded")}
    metrics = {name: row["excluded_metrics"] for name, row in catalog.serving_measurements().items()
               if row.get("excluded_metrics")}
    assert len(excluded) <= 6 and sum(len(m) for m in metrics.values()) <= 2
    for reason in [*excluded.values(), *(r for m in metrics.values() for r in m.values())]:
        text = reason if isinstance(reason, str) else reason["excluded"]
        assert len(text) > 80
    for metric_reasons in metrics.values():
        assert set(metric_reasons) <= set(METRICS)


def test_refitting_reproduces_the_stored_factors():
    """FITTED_FACTORS is what fit_serving_factors() gives on the packaged table (re-run it after editing the table)."""
    refit = fit_serving_factors()
    assert refit.fitted_rows == FITTED_FACTORS.fitted_rows
    for field in ("bandwidth_efficiency", "mfu", "mfu_low_precision", "layer_overhead_s", "layer_overhead_eager_s"):
        assert getattr(refit, field) == pytest.approx(getattr(FITTED_FACTORS, field), rel=0.02), field
    assert 0 < FITTED_FACTORS.mfu <= 1 and 0 < FITTED_FACTORS.mfu_low_precision <= 1
    assert FITTED_FACTORS.layer_overhead_s < FITTED_FACTORS.layer_overhead_eager_s < 1e-3


# --- accelerators, interconnects, prices ----------------------------------------------------------

NEW_GPUS = {  # dense TFLOP/s (bf16, fp8, fp4), GB, TB/s
    "h800": (989.4, 1978.9, None, 80, 3.35),
    "b300": (2250.0, 4500.0, 13125.0, 288, 8.0),
    "mi325x": (1307.4, 2614.9, None, 256, 6.0),
    "mi355x": (2516.6, 5033.2, 10066.3, 288, 8.0),
    "l40s": (362.05, 733.0, None, 48, 0.864),
}


@pytest.mark.parametrize("gpu", sorted(NEW_GPUS))
def test_new_accelerators_carry_dense_rates(gpu):
    spec = catalog.accelerator(gpu)
    bf16, fp8, fp4, memory, bandwidth = NEW_GPUS[gpu]
    assert (spec["bf16_tflops"], spec["fp8_tflops"], spec["fp4_tflops"]) == (bf16, fp8, fp4)
    assert (spec["memory_gb"], spec["bandwidth_tbs"]) == (memory, bandwidth)


@pytest.mark.parametrize("gpu", sorted(catalog.accelerators()))
def test_every_gpu_states_its_interconnect_and_generation(gpu):
    spec = catalog.accelerator(gpu)
    link = spec["interconnect"]
    assert link["name"] and link["source"] and link["topology"] in ("switch", "mesh", "pcie")
    assert link["bandwidth_gbs"] > 0 and link["allreduce_latency_us"] > 0
    node = link["max_gpus_per_node"]
    assert node >= 1 and node & (node - 1) == 0
    assert spec["generation"] in {g for entry in catalog.precisions().values() for g in entry["native_generations"]}
    # per direction: NVLink 4 is 900 GB/s both ways together, 450 each way; PCIe Gen4 x16 64 -> 32
    if gpu in ("h100", "h200"):
        assert link["bandwidth_gbs"] == 450
    if gpu in ("l4", "l40s"):
        assert link["topology"] == "pcie" and link["bandwidth_gbs"] == 32


def test_every_price_default_is_the_same_statistic_of_its_dated_range():
    packaged = json.loads(resources.files("llmlab.catalog").joinpath("data", "accelerators.json").read_text())
    for gpu, spec in catalog.accelerators().items():
        price = spec["price_per_hour"]
        assert "default" not in packaged[gpu]["price_per_hour"], gpu  # computed, never hand-picked
        assert price["source"] and price["date"] and 0 < price["low"] <= price["high"]
        assert price["default"] == catalog.price_default(price["low"], price["high"])
        assert price["default"] == pytest.approx(math.sqrt(price["low"] * price["high"]), abs=0.005)
        assert price["statistic"] == catalog.PRICE_STATISTIC


def test_an_override_tables_default_price_is_recomputed(tmp_path, monkeypatch):
    gpus = json.loads(json.dumps(catalog.accelerators()))
    gpus["h100"]["price_per_hour"].update(low=1.0, high=4.0, default=99.0)
    (tmp_path / "accelerators.json").write_text(json.dumps(gpus))
    monkeypatch.setenv(catalog.OVERRIDE_VARIABLE, str(tmp_path))
    catalog.reload()
    try:
        assert catalog.accelerator("h100")["price_per_hour"]["default"] == 2.0
    finally:
        monkeypatch.delenv(catalog.OVERRIDE_VARIABLE)
        catalog.reload()


# --- precisions -------------------------------------------------------------------------------------

def test_precision_bytes_include_their_scales():
    assert bytes_per_value("bf16") == bytes_per_value("fp16") == 2
    assert bytes_per_value("fp8") == bytes_per_value("int8") == 1
    assert bytes_per_value("int4") == 4.125 / 8     # one 16-bit scale per 128 weights
    assert bytes_per_value("mxfp4") == 4.25 / 8     # one 8-bit scale per 32 values
    assert bytes_per_value("nvfp4") == 4.5 / 8      # one FP8 scale per 16 values
    for name, entry in catalog.precisions().items():
        assert entry["bytes_per_param"] == entry["bits_per_param"] / 8 == BYTES_PER_VALUE[name]
        assert entry["source"] and entry["date"] and entry["quality"]
    assert catalog.precision("mxfp4")["quality"].startswith("unmeasured")
    assert "arXiv 2411.02355" in catalog.precision("fp8")["quality_source"]


def test_served_weights_keep_embeddings_head_and_gpt_oss_attention_in_bf16():
    llama = _cfg("llama-3.1-8b")
    counts = count_params(llama)
    kept = counts.breakdown["embeddings"] + counts.breakdown["head"] + counts.breakdown["norms"]
    assert weights_bytes(llama, "fp8", as_served=True) == pytest.approx((counts.total - kept) * 1 + kept * 2)
    gpt_oss = _cfg("gpt-oss-20b")
    served = weights_bytes(gpt_oss, "mxfp4", as_served=True) / 1e9
    assert 13.0 < served < 14.5  # the MXFP4 checkpoint is ~12.8 GiB: only the experts are 4-bit
    assert weights_bytes(gpt_oss, "bf16", as_served=True) == weights_bytes(gpt_oss, "bf16")


@pytest.mark.parametrize("precision, gpu, native, peak", [
    ("bf16", "a100", True, 312.0),
    ("fp8", "h100", True, 1978.9),
    ("fp8", "a100", False, 312.0),      # Ampere has no FP8 tensor cores: weight-only
    ("fp8", "l40s", True, 733.0),
    ("fp8", "mi300x", True, 2614.9),
    ("mxfp4", "h100", False, 989.4),    # gpt-oss on Hopper: MXFP4 weights, BF16 matmuls
    ("mxfp4", "b200", True, 9000.0),
    ("mxfp4", "mi355x", True, 10066.3),
    ("nvfp4", "mi355x", False, 2516.6),  # CDNA4 runs OCP MX formats, not NVFP4
    ("nvfp4", "b300", True, 13125.0),
    ("int8", "b300", False, 2250.0),     # Blackwell Ultra cut INT8
    ("int4", "h100", False, 989.4),      # W4A16 everywhere
])
def test_native_tensor_cores_or_weight_only(precision, gpu, native, peak):
    description, tflops, is_native = compute_precision(precision, catalog.accelerator(gpu))
    assert (is_native, tflops) == (native, peak)
    assert ("weight-only" in description) != native


def test_native_generations_agree_with_the_gpu_table():
    for name, entry in catalog.precisions().items():
        field = entry["tensor_core_field"]
        for gpu, spec in catalog.accelerators().items():
            if field and spec["generation"] in entry["native_generations"] and name not in ("int8",):
                assert spec[field], (name, gpu)


def test_kv_per_query_head_reads_the_cache_once_per_query_head():
    """An engine without a GQA decode kernel (TensorRT-LLM before XQA) reads each KV head once per query head."""
    cfg = _cfg("llama-3.1-70b")  # 64 query heads, 8 KV heads
    args = ("h100", 2, "fp8", "fp8", 64, 2048, 2048)
    gqa, per_query = serving_work(cfg, *args), serving_work(cfg, *args, kv_per_query_head=True)
    cache = kv_cache_bytes(cfg, 2048 + 1024, 64, "fp8") / 2  # per GPU at the mean context; TP 2 splits 8 KV heads
    heads = cfg.num_attention_heads / cfg.num_key_value_heads
    assert per_query.decode_bytes - gqa.decode_bytes == pytest.approx((heads - 1) * cache)
    assert per_query.prefill_flops == gqa.prefill_flops and per_query.prefill_bytes == gqa.prefill_bytes


def test_weight_only_saves_bandwidth_not_compute():
    cfg = _cfg("llama-3.1-8b")
    bf16 = serving_work(cfg, "h100", 1, "bf16", "bf16", 1, 2048, 256)
    int4 = serving_work(cfg, "h100", 1, "int4", "bf16", 1, 2048, 256)
    assert int4.decode_bytes < 0.4 * bf16.decode_bytes
    assert int4.peak_flops == bf16.peak_flops
    fp8 = serving_work(cfg, "h100", 1, "fp8", "bf16", 1, 2048, 256)
    assert fp8.peak_flops == pytest.approx(2 * bf16.peak_flops, rel=1e-3)


def test_fp8_kv_halves_the_cache_read_per_step():
    cfg = _cfg("llama-3.1-8b")
    bf16 = serving_work(cfg, "h100", 1, "bf16", "bf16", 8, 20000, 2000)
    fp8 = serving_work(cfg, "h100", 1, "bf16", "fp8", 8, 20000, 2000)
    assert bf16.decode_bytes - fp8.decode_bytes == pytest.approx(kv_cache_bytes(cfg, 21000, 8, "bf16") / 2)


# --- tensor parallelism ------------------------------------------------------------------------------

@pytest.mark.parametrize("model, gpu, sizes", [
    ("llama-3.1-8b", "h100", [1, 2, 4, 8]),
    ("llama-3.1-70b", "b300", [1, 2, 4, 8]),
    ("phi-4", "h100", [1, 2]),               # 10 KV heads: 4 neither divides them nor is a multiple of them
    ("qwen3-235b-a22b-2507", "h200", [1, 2, 4, 8]),  # 4 KV heads: TP 8 replicates each on 2 GPUs
    ("deepseek-v3", "h200", [1, 2, 4, 8]),
    ("gpt-oss-120b", "mi355x", [1, 2, 4, 8]),
])
def test_valid_tensor_parallel_sizes(model, gpu, sizes):
    assert valid_tensor_parallel(_cfg(model), gpu) == sizes


def test_tp_rules_for_odd_heads_kv_replication_and_node_size():
    odd = from_hf({"model_type": "llama", "hidden_size": 1536, "num_hidden_layers": 2, "num_attention_heads": 12,
                   "num_key_value_heads": 4, "intermediate_size": 4096, "vocab_size": 1000})
    assert valid_tensor_parallel(odd, "h100") == [1, 2, 4]  # 12 heads: not 8
    assert kv_replication(_cfg("qwen3-235b-a22b-2507"), 8) == 2
    assert kv_replication(_cfg("llama-3.1-70b"), 8) == 1
    assert kv_replication(_cfg("deepseek-v3"), 8) == 8       # MLA latent cache on every rank
    with pytest.raises(LlmlabError, match="choose one of 1, 2, 4, 8"):
        serving_estimate(_cfg("llama-3.1-8b"), "h100", 16)


def test_ring_allreduce_cost():
    h100, mi300x, l40s = (catalog.accelerator(g) for g in ("h100", "mi300x", "l40s"))
    assert allreduce_seconds(h100, 1, 1e6) == 0
    assert allreduce_seconds(h100, 4, 1e6) == pytest.approx(6e-6 + 1.5 * 1e6 / 450e9)
    assert allreduce_seconds(mi300x, 2, 1e6) == pytest.approx(10e-6 + 1e6 / (448e9 / 7))  # one of 7 links
    assert allreduce_seconds(mi300x, 8, 1e6) == pytest.approx(10e-6 + 1.75 * 1e6 / 448e9)
    assert allreduce_seconds(l40s, 2, 1e6) > 10 * allreduce_seconds(h100, 2, 1e6) / 2


def test_tp_communication_is_two_allreduces_per_layer_per_step():
    cfg = _cfg("llama-3.1-70b")
    one = serving_estimate(cfg, "h100", 2, "fp8", "fp8", 32, 1024, 256)
    work = serving_work(cfg, "h100", 2, "fp8", "fp8", 32, 1024, 256)
    per_call = allreduce_seconds(catalog.accelerator("h100"), 2, 32 * cfg.hidden_size * 2)
    assert work.decode_comm_s == pytest.approx(2 * cfg.num_hidden_layers * per_call)
    assert one.expected.tp_communication_s_per_step == pytest.approx(work.decode_comm_s)
    assert one.bound.tp_communication_s_per_step == 0
    assert serving_estimate(_cfg("llama-3.1-8b"), "h100").expected.tp_communication_s_per_step == 0


# --- the estimate ------------------------------------------------------------------------------------

@pytest.mark.parametrize("model, gpu, gpus, precision, kv, batch, isl, osl", [
    ("llama-3.1-8b", "h100", 1, "bf16", "bf16", 1, 1024, 256),
    ("llama-3.3-70b", "h200", 2, "fp8", "fp8", 64, 4096, 1024),
    ("gpt-oss-120b", "b200", 1, "mxfp4", "fp8", 256, 1000, 1000),
    ("mixtral-8x7b", "mi300x", 1, "bf16", "bf16", 16, 2048, 512),
    ("qwen3-32b", "l40s", 2, "int4", "bf16", 4, 8000, 1000),
])
def test_bound_is_above_expected(model, gpu, gpus, precision, kv, batch, isl, osl):
    estimate = serving_estimate(_cfg(model), gpu, gpus, precision, kv, batch, isl, osl)
    bound, expected = estimate.bound, estimate.expected
    assert 0 < expected.output_tokens_per_s < bound.output_tokens_per_s
    assert expected.ttft_s > bound.ttft_s > 0
    assert expected.time_per_output_token_s > bound.time_per_output_token_s > 0
    assert expected.output_tokens_per_s == pytest.approx(
        batch * osl / (expected.ttft_s + osl * expected.time_per_output_token_s))


def test_the_estimate_refuses_what_is_not_served():
    cfg = _cfg("llama-3.1-8b")
    with pytest.raises(LlmlabError, match="not served"):
        serving_estimate(cfg, "h100", precision="fp32")
    with pytest.raises(LlmlabError, match="KV-cache precision"):
        serving_estimate(cfg, "h100", kv_precision="mxfp4")
    with pytest.raises(LlmlabError, match="at least 1"):
        serving_estimate(cfg, "h100", batch=0)


def test_min_gpus_and_fits():
    estimate = serving_estimate(_cfg("llama-3.1-70b"), "h100", 1, "bf16")
    assert not estimate.fits and estimate.min_gpus == 2
    assert serving_estimate(_cfg("llama-3.1-70b"), "h100", 1, "fp8").fits
