"""The 2026 model types: llama4 (chunked attention, interleaved MoE), gemma3 (local:global), qwen3_next
(Gated DeltaNet hybrid), glm4_moe, deepseek_v2, kimi_k2, phi3, qwen2_moe and mistral3, and the multimodal
text_config / vision_config nesting. Counts are held to published figures, KV bytes to hand computation."""

import copy

import numpy as np
import pytest

from llmlab import catalog
from llmlab.arch.config import CHUNKED, FULL, LINEAR, SLIDING, from_hf
from llmlab.arch.features import FlopsInput, MemoryInput, ThroughputInput, flops, memory, serving_throughput
from llmlab.arch.flops import attention_flops_per_token, flops_per_token
from llmlab.arch.memory import (
    kv_bytes_per_token,
    kv_cache_bytes,
    kv_cache_bytes_if_all_full,
    recurrent_state_bytes,
)
from llmlab.arch.params import count_params, linear_attention_params, mtp_params, vision_params
from llmlab.arch.patterns import KINDS, AttentionPattern
from llmlab.errors import LlmlabError
from llmlab.units import parse_size
from llmlab.web.frontier import model_summary


def _catalog(name):
    return from_hf(catalog.model(name)["config"])


def _within(computed: float, published: str, tolerance: float = 0.005) -> bool:
    value = parse_size(published)
    return abs(computed - value) <= tolerance * value


# --- published counts for the types outside the catalog (configs as published on huggingface.co) ---

# deepseek-ai/DeepSeek-V2 config.json; DeepSeek-AI 2024, arXiv 2405.04434: 236B total, 21B activated.
DEEPSEEK_V2 = {
    "model_type": "deepseek_v2", "hidden_size": 5120, "intermediate_size": 12288, "moe_intermediate_size": 1536,
    "num_hidden_layers": 60, "num_attention_heads": 128, "num_key_value_heads": 128, "first_k_dense_replace": 1,
    "moe_layer_freq": 1, "n_routed_experts": 160, "n_shared_experts": 2, "num_experts_per_tok": 6, "n_group": 8,
    "topk_group": 3, "topk_method": "group_limited_greedy", "q_lora_rank": 1536, "kv_lora_rank": 512,
    "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128, "vocab_size": 102400,
    "max_position_embeddings": 163840, "tie_word_embeddings": False, "attention_bias": False,
}
# deepseek-ai/DeepSeek-V2-Lite config.json: q_lora_rank null (a plain q_proj); arXiv 2405.04434: 15.7B total.
DEEPSEEK_V2_LITE = {
    **DEEPSEEK_V2, "hidden_size": 2048, "intermediate_size": 10944, "moe_intermediate_size": 1408,
    "num_hidden_layers": 27, "num_attention_heads": 16, "num_key_value_heads": 16, "n_routed_experts": 64,
    "n_group": 1, "topk_group": 1, "topk_method": "greedy", "q_lora_rank": None,
}
# Qwen/Qwen1.5-MoE-A2.7B config.json (mlc-ai/mlc-llm model_preset copy); model card: 14.3B total, 2.7B activated.
QWEN15_MOE = {
    "model_type": "qwen2_moe", "hidden_size": 2048, "intermediate_size": 5632, "moe_intermediate_size": 1408,
    "shared_expert_intermediate_size": 5632, "num_experts": 60, "num_experts_per_tok": 4, "num_hidden_layers": 24,
    "num_attention_heads": 16, "num_key_value_heads": 16, "vocab_size": 151936, "max_position_embeddings": 8192,
    "decoder_sparse_step": 1, "tie_word_embeddings": False, "use_sliding_window": False, "sliding_window": 32768,
    "max_window_layers": 21,
}


@pytest.mark.parametrize(
    "config, total, active",
    [
        (DEEPSEEK_V2, "236B", "21B"),
        (DEEPSEEK_V2_LITE, "15.7B", None),
        (QWEN15_MOE, "14.3B", "2.7B"),
    ],
)
def test_types_outside_the_catalog_match_their_published_counts(config, total, active):
    counts = count_params(from_hf(config))
    assert _within(counts.total, total), counts.total
    if active:
        assert _within(counts.active, active, 0.02), counts.active  # cards print one decimal: 21.38B, 2.69B


@pytest.mark.parametrize(
    "name, model_type, total",
    [
        ("llama-4-scout", "llama4", "109B"), ("llama-4-maverick", "llama4", "400B"),
        ("gemma-3-27b", "gemma3", "27.43B"), ("qwen3-next-80b-a3b", "qwen3_next", "80B"),
        ("phi-4", "phi3", "14.7B"), ("mistral-small-3.1", "mistral3", "24B"),
        ("gpt-oss-120b", "gpt_oss", "116.83B"), ("qwen3-235b-a22b-2507", "qwen3_moe", "235B"),
        ("qwen3-32b", "qwen3", "32.8B"), ("llama-3.3-70b", "llama", "70.6B"), ("deepseek-r1", "deepseek_v3", "671B"),
    ],
)
def test_new_catalog_types_within_half_a_percent(name, model_type, total):
    cfg = _catalog(name)
    assert cfg.model_type == model_type
    assert catalog.model(name)["published"]["total"] == total
    assert _within(count_params(cfg).total, total)


def test_kimi_k2_is_deepseek_v3_shaped_and_glm_4_5_counts_its_mtp_layer_apart():
    kimi = _catalog("kimi-k2")
    assert kimi.model_type == "kimi_k2" and kimi.uses_mla and kimi.num_experts == 384
    assert kimi.moe_layers[0] is False and all(kimi.moe_layers[1:])
    # 1.026T in the released checkpoint; + a 17.2B MTP layer is the report's 1.04T.
    assert count_params(kimi).total + mtp_params(kimi) == pytest.approx(1.0436e12, rel=1e-4)
    assert count_params(kimi).total == pytest.approx(1.0264e12, rel=1e-4)
    assert count_params(kimi).active == pytest.approx(32.86e9, rel=1e-3)
    glm = _catalog("glm-4.5")
    assert glm.qkv_bias and not glm.o_bias and glm.qk_norm == "per_head" and glm.router_bias
    assert sum(glm.moe_layers) == 89 and glm.n_shared_experts == 1
    counts = count_params(glm)
    assert counts.total == pytest.approx(352.80e9, rel=1e-4)
    # The report counts its one MTP layer but not the embedding and head: 351.2B + 4.0B = 355.2B, its 355B.
    assert mtp_params(glm) == pytest.approx(3.988e9, rel=1e-3)
    assert counts.non_embedding + mtp_params(glm) == pytest.approx(355.23e9, rel=1e-4)
    # DeepSeek-V3's module: 11.6B here, + its stored copies of the embedding and head = HF's 685B - 671B.
    dsv3 = _catalog("deepseek-v3")
    assert count_params(dsv3).total + mtp_params(dsv3) + 2 * 129280 * 7168 == pytest.approx(684.5e9, rel=1e-3)
    assert counts.active_without_embedding == pytest.approx(32.86e9, rel=1e-3)  # Z.ai's 32B


def test_deepseek_v2_lite_has_a_plain_query_projection():
    cfg = from_hf(DEEPSEEK_V2_LITE)
    assert cfg.q_lora_rank is None and cfg.uses_mla and not cfg.router_bias
    with_rank = from_hf({**DEEPSEEK_V2_LITE, "q_lora_rank": 1536})
    d, h, q_dim = 2048, 16, 16 * 192
    assert count_params(cfg).breakdown["attention"] == 27 * (
        d * h * 192 + d * (512 + 64) + 512 + 512 * h * (128 + 128) + h * 128 * d)
    assert count_params(with_rank).breakdown["attention"] - count_params(cfg).breakdown["attention"] == 27 * (
        d * 1536 + 1536 + 1536 * q_dim - d * q_dim)
    assert kv_bytes_per_token(cfg) == 27 * (512 + 64) * 2  # MLA: the latent, 31,104 bytes


def test_qwen2_moe_has_a_gated_shared_expert_and_qkv_biases():
    cfg = from_hf({**QWEN15_MOE, "decoder_sparse_step": 2, "mlp_only_layers": [1]})
    assert cfg.moe_layers[:4] == (False, False, False, True)  # layer 1 dense by mlp_only_layers, even ones by step
    counts = count_params(from_hf(QWEN15_MOE))
    d = 2048
    assert counts.breakdown["shared_experts"] == 24 * (3 * d * 5632 + d)  # the MLP and its d×1 sigmoid gate
    assert counts.breakdown["attention"] == 24 * (4 * d * d + 3 * d)      # q/k/v biases, none on o_proj


def test_phi3_counts_like_llama():
    phi = catalog.model("phi-4")["config"]
    llama = {**phi, "model_type": "llama"}
    assert count_params(from_hf(phi)).total == count_params(from_hf(llama)).total
    assert from_hf({**phi, "sliding_window": 2047}).layer_types == (SLIDING,) * 40  # Phi-3-mini: every layer


# --- Llama 4: chunked attention and interleaved MoE ---------------------------------------------------------

def test_llama4_layers_follow_no_rope_layers_and_interleave_step():
    scout, maverick = _catalog("llama-4-scout"), _catalog("llama-4-maverick")
    # No no_rope_layers in the config: a NoPE (global) layer every 4th, the others chunked (transformers' default).
    assert scout.layer_types == ((CHUNKED,) * 3 + (FULL,)) * 12 and scout.attention_chunk_size == 8192
    assert all(scout.moe_layers) and scout.n_shared_experts == 1
    assert maverick.moe_layers == (False, True) * 24  # interleave_moe_layer_step 2: every 2nd layer
    assert count_params(maverick).breakdown["mlp"] == 24 * 3 * 5120 * 16384  # dense layers: intermediate_size_mlp
    text = copy.deepcopy(catalog.model("llama-4-scout")["config"]["text_config"])
    explicit = from_hf({**text, "no_rope_layers": [1, 0] * 24})
    assert explicit.layer_types == (CHUNKED, FULL) * 24
    assert from_hf({**text, "attention_chunk_size": None}).layer_types == (FULL,) * 48
    assert from_hf({**text, "moe_layers": [0, 5]}).moe_layers.count(True) == 2


def test_llama4_vision_tower_is_counted_in_total_not_active():
    cfg = _catalog("llama-4-scout")
    counts = count_params(cfg)
    # transformers' Llama4VisionModel: 34 layers of biased attention, GELU MLP and 2 LayerNorms, the patch linear,
    # class and position embeddings, pre/post LayerNorms; the pixel-shuffle adapter and the 4096×5120 projector.
    h, ff = 1408, 5632
    layer = 4 * h * h + 4 * h + 2 * h * ff + ff + h + 4 * h
    tower = 34 * layer + 3 * 14 * 14 * h + h + 577 * h + 4 * h + ff * 4096 + 4096 * 4096 + 4096 * 5120
    assert counts.breakdown["vision"] == tower == vision_params(cfg.vision, 5120)
    assert counts.active_breakdown["vision"] == 0
    text_only = from_hf(catalog.model("llama-4-scout")["config"]["text_config"])
    assert counts.total - count_params(text_only).total == tower
    assert counts.active == count_params(text_only).active


def test_chunked_pattern_sees_only_its_own_chunk():
    pattern = AttentionPattern("chunked", window=4)
    mask = pattern.mask(10)
    assert mask[4].tolist() == [False] * 4 + [True] + [False] * 5  # the first query of a chunk sees itself
    assert mask[7].tolist() == [False] * 4 + [True] * 4 + [False] * 2
    for window in range(1, 9):
        chunked = AttentionPattern("chunked", window=window)
        for n in range(1, 40):
            assert chunked.pairs(n) == int(chunked.mask(n).sum())
            assert np.array_equal(chunked.keys_per_query(n), chunked.mask(n).sum(axis=1))
    n = 10**7  # closed form at 10M tokens: whole chunks of C(C+1)/2 pairs plus the last partial one
    chunks, rest = divmod(n, 8192)
    assert AttentionPattern("chunked", window=8192).pairs(n) == chunks * 8192 * 8193 // 2 + rest * (rest + 1) // 2
    assert "chunked" not in KINDS  # a per-layer kind read from configs, not a user override choice
    with pytest.raises(LlmlabError, match="window"):
        AttentionPattern("chunked")


def test_llama4_kv_cache_by_hand():
    cfg = _catalog("llama-4-scout")
    per_layer_token = 2 * 8 * 128 * 2  # K and V, 8 KV heads of 128, bf16
    assert kv_bytes_per_token(cfg) == 48 * per_layer_token == 196_608
    context = 1_000_000  # 12 global layers keep every token; 36 chunked layers at most one chunk
    assert kv_cache_bytes(cfg, context) == (12 * context + 36 * 8192) * per_layer_token
    assert kv_cache_bytes(cfg, 4096) == 48 * 4096 * per_layer_token  # below the chunk nothing is capped
    assert kv_cache_bytes_if_all_full(cfg, context) == 48 * context * per_layer_token


def test_llama4_chunked_attention_flops_stop_growing():
    cfg = _catalog("llama-4-scout")
    per_key = 2 * 40 * (128 + 128)
    n = 1_048_576
    chunked = AttentionPattern("chunked", window=8192).mean_keys(n)
    assert attention_flops_per_token(cfg, n) == pytest.approx(per_key * (12 * (n + 1) / 2 + 36 * chunked))
    assert chunked == pytest.approx(8193 / 2)


# --- Gemma 3: local:global ------------------------------------------------------------------------------------

def test_gemma3_five_local_to_one_global_and_its_kv_by_hand():
    cfg = _catalog("gemma-3-27b")
    assert cfg.layer_types == ((SLIDING,) * 5 + (FULL,)) * 10 + (SLIDING,) * 2  # sliding_window_pattern 6
    assert cfg.sliding_window == 1024 and cfg.tie_word_embeddings and cfg.vocab_size == 262_208
    per_layer_token = 2 * 16 * 128 * 2
    assert kv_bytes_per_token(cfg) == 62 * per_layer_token == 507_904
    assert kv_cache_bytes(cfg, 131_072) == (10 * 131_072 + 52 * 1024) * per_layer_token
    assert kv_cache_bytes(cfg, 500) == 62 * 500 * per_layer_token
    explicit = from_hf({**catalog.model("gemma-3-27b")["config"]["text_config"], "layer_types": [FULL] * 62})
    assert explicit.layer_types == (FULL,) * 62


def test_gemma3_counts_against_the_gemma_3_report():
    counts = count_params(_catalog("gemma-3-27b"))
    # Gemma 3 report Table 1 (27B): 417M vision encoder, 25,600M non-embedding; the embedding is tied.
    assert counts.breakdown["head"] == 0
    assert counts.non_embedding - counts.breakdown["vision"] == pytest.approx(25_600e6, rel=1e-3)
    siglip = counts.breakdown["vision"] - (1152 * 5376 + 1152)  # less the projector and its norm
    assert siglip == pytest.approx(417e6, rel=1e-3)
    text_only = from_hf({"model_type": "gemma3_text", **catalog.model("gemma-3-27b")["config"]["text_config"]})
    assert count_params(text_only).total == counts.total - counts.breakdown["vision"]


# --- Qwen3-Next: Gated DeltaNet and gated attention -----------------------------------------------------------

def test_qwen3_next_layers_and_parameters_by_hand():
    cfg = _catalog("qwen3-next-80b-a3b")
    assert cfg.layer_types == ((LINEAR,) * 3 + (FULL,)) * 12 and cfg.kv_layers == 12
    d = 2048
    key_dim, value_dim = 16 * 128, 32 * 128
    linear = (d * (2 * key_dim + 2 * value_dim) + d * 2 * 32   # in_proj_qkvz, in_proj_ba
              + (2 * key_dim + value_dim) * 4                   # depthwise conv1d over q, k, v
              + 32 + 32 + 128                                    # A_log, dt_bias, gated RMSNorm
              + value_dim * d)                                   # out_proj
    assert linear_attention_params(cfg) == linear
    full = d * 16 * 256 * 2 + 2 * d * 2 * 256 + 16 * 256 * d + 2 * 256  # gated q_proj, k, v, o, q/k norms
    counts = count_params(cfg)
    assert counts.breakdown["attention"] == 36 * linear + 12 * full
    assert counts.breakdown["shared_experts"] == 48 * (3 * d * 512 + d)
    # The checkpoint's own count without its MTP weights (published total minus MTP), and the active share.
    assert counts.total == 79_674_391_296
    assert counts.active == 3_874_929_408


def test_qwen3_next_kv_is_twelve_layers_plus_a_fixed_state():
    cfg = _catalog("qwen3-next-80b-a3b")
    per_layer_token = 2 * 2 * 256 * 2  # 2 KV heads of 256
    assert kv_bytes_per_token(cfg) == 12 * per_layer_token == 24_576
    state = 32 * 128 * 128 + (2 * 16 * 128 + 32 * 128) * (4 - 1)  # delta-rule matrices + conv inputs, per layer
    assert recurrent_state_bytes(cfg) == 36 * state * 2 == 39_518_208
    for context in (1, 4096, 262_144):
        assert kv_cache_bytes(cfg, context) == 12 * context * per_layer_token + 36 * state * 2
    assert kv_cache_bytes(cfg, 1000, batch=3) == 3 * kv_cache_bytes(cfg, 1000)
    assert recurrent_state_bytes(cfg, dtype="fp8") == recurrent_state_bytes(cfg)  # the state stays 16-bit
    assert kv_cache_bytes(cfg, 262_144) < kv_cache_bytes_if_all_full(cfg, 262_144) / 3.9  # "4x" over-estimates


def test_linear_attention_flops_do_not_grow_with_context():
    cfg = _catalog("qwen3-next-80b-a3b")
    per_key = 2 * 16 * (256 + 256)
    state = 6 * 32 * 128 * 128
    for n in (1024, 262_144):
        assert attention_flops_per_token(cfg, n) == pytest.approx(36 * state + 12 * per_key * (n + 1) / 2)
    # An override pattern reshapes the softmax layers only.
    sliding = attention_flops_per_token(cfg, 262_144, AttentionPattern("sliding", window=4096))
    window = AttentionPattern("sliding", window=4096).mean_keys(262_144)
    assert sliding == pytest.approx(36 * state + 12 * per_key * window)
    norms = 48 * 2 * 2048 + 2048
    assert flops_per_token(cfg, 4096).matmul == pytest.approx(2 * (count_params(cfg).active - 151936 * 2048 - norms))


# --- nesting, validation, context limits ----------------------------------------------------------------------

def test_text_config_nesting_is_read_like_a_flat_config():
    nested = catalog.model("mistral-small-3.1")["config"]
    cfg = from_hf(nested)
    assert cfg.model_type == "mistral3" and cfg.layer_types == (FULL,) * 40 and cfg.vision.kind == "pixtral"
    flat = from_hf(nested["text_config"])
    counts = count_params(cfg)
    assert counts.total - count_params(flat).total == counts.breakdown["vision"]
    # Pixtral by hand: 24 layers of unbiased attention + SwiGLU + 2 RMSNorms, the patch conv, ln_pre;
    # projector: RMSNorm, 2×2 patch merger, 1024→5120 and 5120→5120.
    h = 1024
    assert counts.breakdown["vision"] == (24 * (4 * h * h + 3 * h * 4096 + 2 * h) + 3 * 14 * 14 * h + h
                                          + h + 4 * h * h + h * 5120 + 5120 * 5120)
    # A text_config without a model_type takes the wrapper's text type.
    bare = copy.deepcopy(nested)
    del bare["text_config"]["model_type"]
    assert count_params(from_hf(bare)).total == counts.total


SCOUT_TEXT = catalog.model("llama-4-scout")["config"]["text_config"]


@pytest.mark.parametrize(
    "config, message",
    [
        ({"model_type": "gemma3"}, "text_config"),
        ({"model_type": "gemma3", "text_config": [1]}, "text_config"),
        ({"model_type": "llama4", "text_config": {"model_type": "bert"}}, "text_config.model_type"),
        ({"model_type": "gemma3", "text_config": {"model_type": "gemma3"}}, "text_config.model_type"),
        ({"model_type": "llama", "text_config": {**QWEN15_MOE}, "vision_config": {"hidden_size": 8}}, "vision_config"),
        ({**QWEN15_MOE, "layer_types": ["linear_attention"] * 24}, "layer_types"),
        ({**catalog.model("qwen3-next-80b-a3b")["config"], "linear_num_key_heads": 7}, "linear_num_key_heads"),
        ({**catalog.model("qwen3-next-80b-a3b")["config"], "linear_value_head_dim": None}, "linear_value_head_dim"),
        ({**SCOUT_TEXT, "no_rope_layers": [2] * 48}, "no_rope_layers"),
        ({**SCOUT_TEXT, "attention_chunk_size": -1}, "attention_chunk_size"),
        ({**catalog.model("gemma-3-27b")["config"],
          "vision_config": {"hidden_size": "wide"}}, "vision_config.hidden_size"),
    ],
)
def test_bad_new_fields_are_refused_in_one_line(config, message):
    with pytest.raises(LlmlabError, match=message) as error:
        from_hf(config)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("call", [
    lambda: flops(FlopsInput(config="llama-3.1-8b", context=262144)),
    lambda: memory(MemoryInput(config="llama-3.1-8b", context=262144)),
    lambda: serving_throughput(ThroughputInput(config="llama-3.1-8b", input_tokens=262144 - 256, output_tokens=256)),
])
def test_a_context_past_the_models_positions_is_refused(call):
    with pytest.raises(LlmlabError, match="^context 262144 exceeds llama-3.1-8b's 131072 positions$"):
        call()


def test_the_limit_itself_passes_and_an_unknown_limit_is_not_checked():
    assert flops(FlopsInput(config="llama-3.1-8b", context=131072)).context == 131072
    unknown = {k: v for k, v in catalog.model("llama-3.1-8b")["config"].items() if k != "max_position_embeddings"}
    assert memory(MemoryInput(config=unknown, context=1_000_000)).context == 1_000_000
    assert memory(MemoryInput(config={**unknown, "max_position_embeddings": 0}, context=1_000_000)).kv_cache > 0
    assert flops(FlopsInput(config="llama-4-scout", context=10_000_000)).attention > 0  # 10M positions


@pytest.mark.parametrize("name", sorted(catalog.models()))
def test_every_catalog_model_has_a_frontier_row(name):
    row = model_summary(name)
    cfg = _catalog(name)
    assert row.total_params == count_params(cfg).total and row.kv_bytes_per_token == kv_bytes_per_token(cfg)
    assert row.decode_tokens_per_s > 0 and row.gpus_for_bf16 >= 1
