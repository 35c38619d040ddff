"""Architecture accounting against official parameter counts and the mistakes other
calculators keep making (MoE memory vs speed, sparse TFLOP/s, GQA/MLA/sliding KV, tied embeddings)."""

import copy
import itertools
import json
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from llmlab import catalog
from llmlab.arch.config import MAXIMUM, from_hf, read_config
from llmlab.arch.features import resolve
from llmlab.arch.flops import flops_per_token, matmul_params
from llmlab.arch.memory import inference_memory, kv_bytes_per_token, kv_cache_bytes, training_memory
from llmlab.arch.params import count_params, mtp_params
from llmlab.arch.patterns import MAX_MASK, MAX_PER_QUERY, MAX_SPAN, AttentionPattern
from llmlab.arch.throughput import throughput
from llmlab.errors import LlmlabError
from llmlab.units import parse_size

MODELS = sorted(catalog.models())



def load_config(source: str):
    """What the CLI does with a config argument: read it, then validate it."""
    return resolve(read_config(source))

def _config(name):
    return load_config(name)[0]


def _agrees_with_published(computed: float, published: str) -> bool:
    """Within 0.5%, or equal to the published figure at the precision it is printed with
    (model cards truncate: DeepSeek-V3's 37.55B active is printed '37B', Qwen3's 3.35B '3.3B')."""
    value = parse_size(published)
    if abs(computed - value) <= 0.005 * value:
        return True
    digits = published.rstrip("BTMK")
    unit = 10 ** -len(digits.split(".")[1]) if "." in digits else 1
    scale = value / float(digits)
    return math.floor(computed / scale / unit + 1e-9) * unit == pytest.approx(float(digits))


@pytest.mark.parametrize("name", MODELS)
def test_totals_match_published_counts(name):
    """Within 0.5% of the published total (or equal at the precision it is printed with: Moonshot's '1T'
    for Kimi K2's 1.026T), counted the way the publisher counts: everything by default, or, where the
    entry says so and cites it, without the embedding and head but with the multi-token-prediction
    layers (GLM-4.5's Table 1). No per-entry tolerances."""
    entry = catalog.model(name)
    cfg = _config(name)
    counts = count_params(cfg)
    convention = entry["published"].get("total_convention", "total")
    assert convention in ("total", "non_embedding_with_mtp")
    computed = counts.total
    if convention == "non_embedding_with_mtp":
        assert entry["published"]["total_convention_source"]
        computed = counts.non_embedding + mtp_params(cfg, entry["config"]["num_nextn_predict_layers"])
    assert "tolerance" not in entry["published"]
    assert _agrees_with_published(computed, entry["published"]["total"]), (computed, entry["published"]["total"])
    assert entry["published"]["source"] and entry["published"]["date"] and entry["config_source"]


PRECISIONS = ("fp32", "bf16", "fp16", "fp8", "int8", "int4", "mxfp4", "nvfp4")


@pytest.mark.parametrize("name", MODELS)
def test_every_model_states_its_native_precision_and_reasoning(name):
    entry = catalog.model(name)
    assert entry["native_precision"] in PRECISIONS
    assert entry["hf_id"].split("/")[-1].lower() in entry["native_precision_source"].lower()
    assert entry["reasoning"] in ("always", "optional", "none") and entry["reasoning_source"]


def test_checkpoints_that_ship_quantised_say_so():
    assert catalog.model("gpt-oss-120b")["native_precision"] == "mxfp4"
    assert catalog.model("gpt-oss-20b")["native_precision"] == "mxfp4"
    for name in ("deepseek-v3", "deepseek-r1", "kimi-k2"):
        entry = catalog.model(name)
        assert entry["native_precision"] == "fp8"
        assert entry["config"].get("quantization_config", {"quant_method": "fp8"})["quant_method"] == "fp8"
    assert catalog.model("gpt-oss-120b")["config"]["quantization_config"]["quant_method"] == "mxfp4"
    reasoning = {name: catalog.model(name)["reasoning"] for name in MODELS}
    assert reasoning["gpt-oss-120b"] == reasoning["deepseek-r1"] == "always"
    assert reasoning["qwen3-32b"] == reasoning["qwen3-30b-a3b"] == reasoning["glm-4.5"] == "optional"
    assert reasoning["llama-3.3-70b"] == reasoning["qwen3-235b-a22b-2507"] == "none"


@pytest.mark.parametrize("name", [n for n in MODELS if "active" in catalog.model(n)["published"]])
def test_active_counts_match_published_counts(name):
    published = catalog.model(name)["published"]
    counts = count_params(_config(name))
    convention = published.get("active_convention", "with_embeddings")
    computed = counts.active if convention == "with_embeddings" else counts.active_without_embedding
    assert _agrees_with_published(computed, published["active"]), (computed, published["active"])


def test_textbook_8x7b_is_47b_total_13b_active():
    counts = count_params(_config("mixtral-8x7b"))
    assert counts.total == pytest.approx(47e9, rel=0.01)
    assert counts.active == pytest.approx(13e9, rel=0.01)


def test_deepseek_v3_breakdown_has_mla_shared_experts_and_dense_first_layers():
    cfg = _config("deepseek-v3")
    assert cfg.uses_mla and cfg.attention_kind == "MLA"
    assert cfg.moe_layers[:3] == (False, False, False) and all(cfg.moe_layers[3:])
    counts = count_params(cfg)
    assert counts.breakdown["mlp"] == 3 * 3 * 7168 * 18432
    assert counts.breakdown["shared_experts"] == 58 * 3 * 7168 * 2048
    assert counts.active_without_embedding == pytest.approx(36.6e9, rel=0.005)  # tt-metal's 36.6B


def test_gpt_oss_alternates_sliding_and_full_layers():
    cfg = _config("gpt-oss-20b")
    assert cfg.layer_types.count("sliding_attention") == 12
    assert cfg.attention_sinks and cfg.expert_bias


def test_tied_embeddings_are_counted_once():
    cfg = _config("gemma-2-9b")
    assert cfg.tie_word_embeddings
    tied = count_params(cfg)
    untied = count_params(replace(cfg, tie_word_embeddings=False))
    assert tied.breakdown["head"] == 0
    assert untied.total - tied.total == cfg.vocab_size * cfg.hidden_size


# --- memory: MoE weights from TOTAL parameters, decode from ACTIVE ones -------------------------

def test_moe_memory_uses_total_but_decode_uses_active_parameters():
    cfg = _config("mixtral-8x7b")
    counts = count_params(cfg)
    memory = inference_memory(cfg, context=1)
    assert memory.weights == pytest.approx(counts.total * 2)
    assert memory.weights / 1e9 == pytest.approx(93.4, abs=0.1)  # "≈ 93 GB for bf16 weights"
    one = throughput(cfg, "h100", gpus=1, context=1)
    assert not one.fits and one.min_gpus == 2
    two = throughput(cfg, "h100", gpus=2, context=1)
    assert two.fits
    expected = 2 * 3.35e12 / (counts.active_without_embedding * 2 + kv_cache_bytes(cfg, 1))
    assert two.decode_tokens_per_s == pytest.approx(expected, rel=1e-6)
    # It decodes like a ~13B dense model, not like a 47B one.
    assert two.decode_tokens_per_s > 3 * 2 * 3.35e12 / (counts.total * 2)


def test_batched_moe_decode_reads_more_experts():
    cfg = _config("mixtral-8x7b")
    single = throughput(cfg, "h200", context=1, batch=1)
    batched = throughput(cfg, "h200", context=1, batch=64)
    assert batched.bytes_per_decode_step > single.bytes_per_decode_step
    assert batched.decode_tokens_per_s_per_sequence < single.decode_tokens_per_s


def test_70b_bf16_decodes_near_21_tokens_per_second_on_an_h100():
    cfg = _config("llama-3.1-70b")
    result = throughput(cfg, "h100", context=1)
    assert 21 <= result.decode_tokens_per_s <= 25  # 3.35 TB/s ÷ 141 GB ≈ 23.9 bound
    assert result.decode_bound == "memory bandwidth"
    assert not result.fits


def test_accelerators_use_dense_not_sparse_tflops():
    gpus = catalog.accelerators()
    assert gpus["h100"]["bf16_tflops"] == pytest.approx(989.4)
    assert gpus["a100"]["bf16_tflops"] == pytest.approx(312)
    assert gpus["b200"]["bf16_tflops"] == pytest.approx(2250)
    for entry in gpus.values():
        assert entry["source"] and entry["price_per_hour"]["date"]
    cfg = _config("llama-3.1-8b")
    result = throughput(cfg, "h100", context=2048, prefill_mfu=0.5)
    assert result.prefill_tokens_per_s == pytest.approx(989.4e12 * 0.5 / flops_per_token(cfg, 2048).forward)


# --- KV cache ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "name, per_token",
    [("llama-3.1-8b", 131072), ("mistral-7b-v0.1", 131072), ("mixtral-8x7b", 131072), ("llama-3.1-70b", 327680),
     ("mixtral-8x22b", 229376), ("qwen3-30b-a3b", 98304), ("olmo-2-7b", 524288), ("gemma-2-9b", 344064),
     ("deepseek-v3", 70272)],
)
def test_kv_bytes_per_token_bf16(name, per_token):
    assert kv_bytes_per_token(_config(name)) == per_token


def test_sliding_window_layers_stop_growing():
    gpt_oss = _config("gpt-oss-20b")
    context = 131072
    full = kv_cache_bytes(gpt_oss, context)
    naive = kv_bytes_per_token(gpt_oss) * context
    assert full == 12 * context * 2 * 8 * 64 * 2 + 12 * 128 * 2 * 8 * 64 * 2
    assert naive / full == pytest.approx(1.99, abs=0.01)  # aiconfigurator PR #1537's over-estimate
    mistral = _config("mistral-7b-v0.1")
    assert kv_cache_bytes(mistral, 32768) == kv_cache_bytes(mistral, 4096)
    assert kv_cache_bytes(_config("llama-3.1-8b"), 131072) / 2**30 == pytest.approx(16.0)


def test_kv_cache_scales_with_batch_and_dtype():
    cfg = _config("llama-3.1-8b")
    assert kv_cache_bytes(cfg, 1000, batch=4, dtype="fp8") == pytest.approx(2 * kv_cache_bytes(cfg, 1000, 1, "bf16"))


def test_weights_at_every_precision_and_training_memory():
    cfg = _config("llama-3.1-8b")
    total = count_params(cfg).total
    # int4 carries one 16-bit scale per group of 128 weights: 4.125 bits (catalog/data/precisions.json).
    for dtype, size in (("fp32", 4), ("bf16", 2), ("fp8", 1), ("int8", 1), ("int4", 4.125 / 8)):
        assert inference_memory(cfg, 1, dtype=dtype).weights == pytest.approx(total * size)
    train = training_memory(cfg, context=4096, batch=1)
    assert train.breakdown["adam_m"] == total * 4
    assert train.total > 16 * total
    assert training_memory(cfg, 4096, flash_attention=False).total > train.total


# --- attention patterns and FLOPs ---------------------------------------------------------------

@pytest.mark.parametrize(
    "pattern",
    [AttentionPattern("causal"), AttentionPattern("sliding", window=5), AttentionPattern("strided", stride=4),
     AttentionPattern("global_local", window=3, n_global=2), AttentionPattern("sliding", window=100)],
)
def test_pair_counts_equal_the_mask(pattern):
    for n in (1, 7, 33, 64):
        assert pattern.pairs(n) == int(pattern.mask(n).sum())
        assert np.array_equal(pattern.keys_per_query(n), pattern.mask(n).sum(axis=1))


def test_sliding_window_follows_hugging_face():
    mask = AttentionPattern("sliding", window=3).mask(6)
    assert mask[5].tolist() == [False, False, False, True, True, True]  # i - W < j <= i
    assert AttentionPattern("sliding", window=4096).fraction_of_causal(1_000_000) == pytest.approx(
        2 * 4096 / 1_000_000, rel=0.01
    )


def test_bad_patterns_are_rejected():
    with pytest.raises(LlmlabError, match="window"):
        AttentionPattern("sliding")
    with pytest.raises(LlmlabError, match="unknown attention pattern"):
        AttentionPattern("dilated")


def test_flops_per_token_matches_kaplans_attention_term():
    cfg = _config("olmo-2-7b")  # MHA: d_attn = hidden_size
    n = 2048
    result = flops_per_token(cfg, n)
    assert result.matmul == 2 * matmul_params(cfg)
    kaplan = 2 * cfg.num_hidden_layers * n * cfg.hidden_size
    assert result.attention == pytest.approx(kaplan * (n + 1) / n)
    assert result.training == 3 * result.forward
    sliding = flops_per_token(cfg, n, AttentionPattern("sliding", window=256))
    assert sliding.attention < result.attention / 4


# --- configs ------------------------------------------------------------------------------------

TINY = {"model_type": "llama", "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
        "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 100}


@pytest.mark.parametrize(
    "change, field",
    [
        ({"num_attention_heads": 5}, "num_attention_heads"),
        ({"num_key_value_heads": 3}, "num_key_value_heads"),
        ({"hidden_size": 0}, "hidden_size"),
        ({"vocab_size": -3}, "vocab_size"),
        ({"num_hidden_layers": "many"}, "num_hidden_layers"),
        ({"model_type": "bert"}, "model_type"),
        ({"model_type": "mixtral", "num_local_experts": 4, "num_experts_per_tok": 6}, "num_experts_per_tok"),
    ],
)
def test_invalid_configs_name_the_field(change, field):
    with pytest.raises(LlmlabError, match=field):
        from_hf({**TINY, **change})


# TINY by hand: embedding and head 100×64 each, 2 layers × 2 norms + final norm, q/k/v/o projections
# (4 heads and 2 KV heads of 16), SwiGLU MLP 3×64×128.
TINY_TABLES = 2 * 100 * 64 + 2 * 2 * 64 + 64
TINY_ATTENTION = 64 * 4 * 16 + 2 * 64 * 2 * 16 + 4 * 16 * 64
TINY_MLP = 3 * 64 * 128


@pytest.mark.parametrize(
    "extra, expect_total",
    [
        # qkv biases: 4×16 + 2×2×16 per layer.
        ({"model_type": "qwen2"}, TINY_TABLES + 2 * (TINY_ATTENTION + 4 * 16 + 2 * 2 * 16) + 2 * TINY_MLP),
        # QK-norm: two 16-wide norms per layer.
        ({"model_type": "qwen3", "head_dim": 16}, TINY_TABLES + 2 * (TINY_ATTENTION + 2 * 16) + 2 * TINY_MLP),
        # Layer 0 dense (mlp_only_layers); layer 1 routes: a 64×4 router and four 3×64×32 experts.
        ({"model_type": "qwen3_moe", "num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32,
          "mlp_only_layers": [0]}, TINY_TABLES + 2 * (TINY_ATTENTION + 2 * 16) + TINY_MLP + 64 * 4 + 4 * 3 * 64 * 32),
    ],
)
def test_other_families_parse(extra, expect_total):
    cfg = from_hf({**TINY, **extra})
    counts = count_params(cfg)
    assert counts.total == expect_total
    if cfg.model_type == "qwen2":
        assert count_params(cfg).breakdown["attention"] == 2 * (4 * 64 * 16 + 2 * 64 * 2 * 16 + 64 * 64 + 64 + 2 * 32)
    if cfg.model_type == "qwen3_moe":
        assert cfg.moe_layers == (False, True)


def test_catalog_configs_are_not_mutated_by_loading():
    before = copy.deepcopy(catalog.model("gemma-2-9b"))
    load_config("gemma-2-9b")
    assert catalog.model("gemma-2-9b") == before


# --- hostile or mistaken config.json files: one clear line each, never a traceback ---------------

QWEN3_MOE = {**TINY, "model_type": "qwen3_moe", "num_experts": 4, "num_experts_per_tok": 2,
             "moe_intermediate_size": 32}


@pytest.mark.parametrize(
    "config, field",
    [
        ({**TINY, "layer_types": 5}, "layer_types"),
        ({**TINY, "layer_types": ["full_attention"]}, "layer_types"),
        ({**TINY, "layer_types": [["full_attention"], "full_attention"]}, "layer_types"),
        ({**QWEN3_MOE, "mlp_only_layers": 7}, "mlp_only_layers"),
        ({**QWEN3_MOE, "mlp_only_layers": ["0"]}, "mlp_only_layers"),
        ({**QWEN3_MOE, "mlp_only_layers": [True]}, "mlp_only_layers"),
        ({**QWEN3_MOE, "mlp_only_layers": [2]}, "mlp_only_layers"),
        ({**TINY, "hidden_size": float("nan")}, "hidden_size"),
        ({**TINY, "hidden_size": float("inf")}, "hidden_size"),
        ({**TINY, "vocab_size": 1e300}, "vocab_size"),
        ({**TINY, "num_hidden_layers": 1e12}, "num_hidden_layers"),
        ({**TINY, "num_hidden_layers": 2.5}, "num_hidden_layers"),
        ({**TINY, "num_hidden_layers": True}, "num_hidden_layers"),
        ({**TINY, "intermediate_size": "128"}, "intermediate_size"),
        ({**TINY, "intermediate_size": [128]}, "intermediate_size"),
        ({**TINY, "vocab_size": 10**5000}, "vocab_size"),
        ({**TINY, "tie_word_embeddings": "false"}, "tie_word_embeddings"),
        ({**TINY, "attention_bias": 1}, "attention_bias"),
        ({**TINY, "model_type": "mistral", "sliding_window": -4}, "sliding_window"),
        ({**TINY, "model_type": ["llama"]}, "model_type"),
        ([TINY], "JSON object"),
    ],
)
def test_wrongly_typed_config_fields_are_refused_in_one_line(config, field):
    started = time.perf_counter()
    with pytest.raises(LlmlabError, match=field) as error:
        from_hf(config)
    assert "\n" not in str(error.value) and len(str(error.value)) < 300
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("field", sorted(set(MAXIMUM) & set(TINY)))
def test_every_size_has_a_stated_upper_bound(field):
    with pytest.raises(LlmlabError, match=f"{field}.*{MAXIMUM[field]:,}"):
        from_hf({**TINY, field: MAXIMUM[field] + 1})


def test_a_config_at_the_bounds_still_parses_and_whole_floats_are_integers():
    cfg = from_hf({**TINY, "num_hidden_layers": MAXIMUM["num_hidden_layers"], "hidden_size": 64.0})
    assert len(cfg.layer_types) == MAXIMUM["num_hidden_layers"] and cfg.hidden_size == 64
    assert load_config("Llama-3.1-8B")[1] == "llama-3.1-8b"


@pytest.fixture
def config_file(tmp_path):
    def write(content: bytes | str, name: str = "config.json") -> str:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return str(path)
    return write


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x00\x01\xff\xfe binary", "binary|UTF-8"),
        (b"\xff\xfe{}", "UTF-8"),
        ("[1, 2, 3]", "JSON object"),
        ("5", "JSON object"),
        ('"llama"', "JSON object"),
        ("{not json", "not valid JSON"),
        ("", "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nesting too deep"),
        ('{"hidden_size": 1' + "0" * 5000 + "}", "number too long"),
        (json.dumps(TINY)[:-1] + ', "rope_theta": NaN}', "NaN"),
        (json.dumps(TINY).replace('"hidden_size": 64', '"hidden_size": Infinity'), "Infinity"),
        (json.dumps(TINY).replace('"num_hidden_layers": 2', '"num_hidden_layers": 1e12'), "num_hidden_layers"),
    ],
)
def test_bad_config_files_are_refused_in_one_line(config_file, content, message):
    with pytest.raises(LlmlabError, match=message) as error:
        load_config(config_file(content))
    assert "\n" not in str(error.value)


def test_config_files_saved_with_a_byte_order_mark_and_folders_are_read(config_file, tmp_path):
    path = config_file(b"\xef\xbb\xbf" + json.dumps(TINY).encode())
    assert load_config(path)[0].hidden_size == 64
    assert load_config(str(tmp_path))[1] == path
    (tmp_path / "empty").mkdir()
    with pytest.raises(LlmlabError, match="has no config.json"):
        load_config(str(tmp_path / "empty"))


@pytest.mark.parametrize(
    "source, message",
    [
        ("/dev/null", "not a regular file"),
        ("/proc/self/environ", "not a regular file"),
        ("/proc/self/status", "not a regular file"),
        ("/nonexistent/config.json", "does not exist"),
        ("/tmp/" + "a" * 300 + ".json", "longer than 255 bytes"),
        ("a" * 300, "unknown model"),
    ],
)
def test_system_files_missing_files_and_long_names_are_refused(source, message):
    with pytest.raises(LlmlabError, match=message) as error:
        load_config(source)
    assert "\n" not in str(error.value) and len(str(error.value)) < 1000


def test_unreadable_config_file_is_refused(config_file, monkeypatch):
    path = config_file(json.dumps(TINY))

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", denied)  # chmod 000 does not stop root
    with pytest.raises(LlmlabError, match="not readable"):
        load_config(path)


# --- attention pairs in closed form ---------------------------------------------------------------

def _patterns(limit: int):
    yield AttentionPattern("causal")
    for span in range(1, limit):
        yield AttentionPattern("sliding", window=span)
        yield AttentionPattern("strided", stride=span)
    for window, n_global in itertools.product(range(1, limit), range(1, limit)):
        yield AttentionPattern("global_local", window=window, n_global=n_global)


def test_closed_form_pairs_equal_the_brute_force_mask_sum():
    for pattern in _patterns(12):
        for n in range(1, 40):
            assert pattern.pairs(n) == int(pattern.mask(n).sum()), (pattern, n)
    for pattern in (AttentionPattern("sliding", window=37), AttentionPattern("strided", stride=29),
                    AttentionPattern("global_local", window=50, n_global=9)):
        for n in (127, 128, 129, 500, 1000):
            assert pattern.pairs(n) == int(pattern.mask(n).sum()), (pattern, n)


def test_pairs_at_ten_billion_tokens_are_exact_and_instant():
    n = 10**10
    started = time.perf_counter()
    assert AttentionPattern("causal").pairs(n) == n * (n + 1) // 2
    assert AttentionPattern("sliding", window=4096).pairs(n) == 4096 * 4097 // 2 + (n - 4096) * 4096
    # Strided: s keys nearby plus every s-th key behind, about s + n / 2s per query on average.
    assert AttentionPattern("strided", stride=10**5).mean_keys(n) == pytest.approx(10**5 + n / 2 / 10**5, rel=1e-4)
    assert AttentionPattern("global_local", window=10, n_global=10).pairs(n) == 55 + (n - 10) * 10 + 55 + (n - 20) * 10
    result = flops_per_token(_config("llama-3.1-8b"), n)
    assert result.attention == pytest.approx(2 * 32 * 32 * 256 * (n + 1) / 2)
    assert time.perf_counter() - started < 1


def _web_density(pattern: AttentionPattern, n: int, cells: int = 64, samples: int = 8) -> np.ndarray:
    """The lab's /api/attention picture before it moved into AttentionPattern.density."""
    positions = np.linspace(0, n - 1, cells * samples).round().astype(np.int64)
    visible = pattern.visible(positions[:, None], positions[None, :]).astype(float)
    return visible.reshape(cells, samples, cells, samples).mean(axis=(1, 3))


@pytest.mark.parametrize("n", [65, 1000, 1_000_000, MAX_SPAN])
def test_density_is_the_labs_picture(n):
    for pattern in (AttentionPattern("causal"), AttentionPattern("sliding", window=4096),
                    AttentionPattern("strided", stride=128), AttentionPattern("global_local", window=64, n_global=4)):
        density = pattern.density(n)
        assert density.shape == (64, 64)
        assert np.array_equal(density, _web_density(pattern, n))
    assert np.array_equal(AttentionPattern("causal").density(500, cells=16, samples=4),
                          _web_density(AttentionPattern("causal"), 500, 16, 4))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda p: p.pairs(0), "sequence length"),
        (lambda p: p.pairs(1e10), "whole number"),
        (lambda p: p.mask(MAX_MASK + 1), "mask length"),
        (lambda p: p.keys_per_query(MAX_PER_QUERY + 1), "sequence length"),
        (lambda p: p.density(MAX_SPAN + 1), "sequence length"),
        (lambda p: p.density(1000, cells=64, samples=10_000), "samples"),
    ],
)
def test_pattern_arrays_are_bounded(call, message):
    with pytest.raises(LlmlabError, match=message):
        call(AttentionPattern("sliding", window=8))


@pytest.mark.parametrize("window", [2.5, True, -1, MAX_SPAN + 1, "8"])
def test_pattern_sizes_must_be_whole_and_bounded(window):
    with pytest.raises(LlmlabError, match="window"):
        AttentionPattern("sliding", window=window)
