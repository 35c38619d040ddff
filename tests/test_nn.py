"""The mini-LLM against Hugging Face transformers (both directions), and its KV cache."""

import json

import pytest
import torch
from transformers import (
    LlamaConfig,
    LlamaForCausalLM,
    MistralConfig,
    MistralForCausalLM,
    MixtralConfig,
    MixtralForCausalLM,
)

from llmlab.arch.patterns import AttentionPattern
from llmlab.errors import LlmlabError
from llmlab.nn.config import ModelConfig
from llmlab.nn.model import KVCache, LlmlabForCausalLM
from llmlab.train.checkpoint import model_tensors
from llmlab.train.export import import_hf

SHAPE = dict(vocab_size=97, hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
             num_key_value_heads=2, max_position_embeddings=64)
FAMILIES = {
    "llama": (dict(tie_word_embeddings=True), LlamaConfig, LlamaForCausalLM),
    "mistral": (dict(sliding_window=5, tie_word_embeddings=False), MistralConfig, MistralForCausalLM),
    "mixtral": (dict(num_local_experts=4, num_experts_per_tok=2, rope_theta=1e6, tie_word_embeddings=False),
                MixtralConfig, MixtralForCausalLM),
}


def _ours(family: str, seed: int = 0) -> LlmlabForCausalLM:
    torch.manual_seed(seed)
    model = LlmlabForCausalLM(ModelConfig(**SHAPE, **FAMILIES[family][0])).eval()
    with torch.no_grad():  # non-unit norm weights, so a mix-up of norms would show
        for name, parameter in model.named_parameters():
            if "norm" in name:
                parameter.uniform_(0.5, 1.5)
    return model


def _write(model: LlmlabForCausalLM, directory) -> None:
    from safetensors.torch import save_file

    (directory / "config.json").write_text(json.dumps(model.config.to_hf_dict()))
    tensors = {k: v for k, v in model_tensors(model).items() if not k.endswith("expert_bias")}
    save_file(tensors, str(directory / "model.safetensors"), metadata={"format": "pt"})


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_logits_match_transformers_ours_to_theirs(family, tmp_path):
    ours = _ours(family)
    _write(ours, tmp_path)
    theirs = FAMILIES[family][2].from_pretrained(tmp_path, attn_implementation="eager").eval()
    ids = torch.randint(0, 97, (2, 24), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        logits, _, aux = ours(ids)
        reference = theirs(ids, output_router_logits=family == "mixtral")
    torch.testing.assert_close(logits, reference.logits, rtol=1e-5, atol=1e-5)
    if family == "mixtral":
        torch.testing.assert_close(aux, reference.aux_loss.float(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_logits_match_transformers_theirs_to_ours(family, tmp_path):
    overrides, config_class, model_class = FAMILIES[family]
    hf_fields = {**SHAPE, **overrides}
    torch.manual_seed(2)
    theirs = model_class(config_class(**hf_fields, rms_norm_eps=1e-5)).eval()
    theirs.save_pretrained(tmp_path)
    ours = import_hf(tmp_path).eval()
    ids = torch.randint(0, 97, (1, 30), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        torch.testing.assert_close(ours(ids)[0], theirs(ids).logits, rtol=1e-5, atol=1e-5)


def test_sliding_window_is_hugging_faces_convention():
    """Window W: W keys including the query itself; W + 1 would change the logits."""
    model = _ours("mistral")
    assert model.config.pattern == AttentionPattern("sliding", window=5)
    mask = model.attention_mask(0, 8)
    assert mask[7].tolist() == [False, False, False, True, True, True, True, True]


@pytest.mark.parametrize("overrides", [
    {}, {"sliding_window": 4}, {"attention_pattern": "strided", "attention_stride": 3},
    {"attention_pattern": "global_local", "sliding_window": 3, "attention_global_tokens": 2},
    {"num_local_experts": 4, "num_experts_per_tok": 2, "n_shared_experts": 1},
])
def test_kv_cache_decoding_equals_the_full_forward(overrides):
    torch.manual_seed(0)
    model = LlmlabForCausalLM(ModelConfig(**SHAPE, **overrides)).eval()
    ids = torch.randint(0, 97, (1, 20))
    with torch.no_grad():
        full, _, _ = model(ids)
        cache = KVCache(model.config, 1, 20)
        prefill, _, _ = model(ids[:, :6], cache=cache)
        steps = [model(ids[:, i:i + 1], cache=cache)[0] for i in range(6, 20)]  # well past the window
    torch.testing.assert_close(torch.cat([prefill, *steps], dim=1), full, rtol=1e-5, atol=1e-5)


def test_masked_attention_equals_an_explicit_reference():
    """The model's strided mask, checked against attention written out by hand for one layer."""
    torch.manual_seed(0)
    config = ModelConfig(**{**SHAPE, "num_hidden_layers": 1}, attention_pattern="strided", attention_stride=4)
    model = LlmlabForCausalLM(config).eval()
    x = torch.randn(1, 12, 64)
    attn = model.model.layers[0].self_attn
    cos, sin = model.model.rotary_emb(0, 12, x.dtype)
    with torch.no_grad():
        got = attn(x, cos, sin, model.attention_mask(0, 12), None)
        from llmlab.nn.model import apply_rope

        q = apply_rope(attn.q_proj(x).view(1, 12, 4, 16).transpose(1, 2), cos, sin)
        k = apply_rope(attn.k_proj(x).view(1, 12, 2, 16).transpose(1, 2), cos, sin).repeat_interleave(2, dim=1)
        v = attn.v_proj(x).view(1, 12, 2, 16).transpose(1, 2).repeat_interleave(2, dim=1)
        scores = q @ k.transpose(-1, -2) / 4.0
        allowed = AttentionPattern("strided", stride=4).mask(12)
        scores = scores.masked_fill(~torch.from_numpy(allowed), float("-inf"))
        expected = attn.o_proj((scores.softmax(-1) @ v).transpose(1, 2).reshape(1, 12, 64))
    torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


def test_aux_loss_free_bias_steers_toward_balance():
    torch.manual_seed(0)
    config = ModelConfig(**SHAPE, num_local_experts=4, num_experts_per_tok=1, expert_bias_update_rate=0.02)
    model = LlmlabForCausalLM(config).train()
    moe = model.model.layers[0].block_sparse_moe
    with torch.no_grad():
        moe.expert_bias[0] = 0.5  # start badly imbalanced: expert 0 wins nearly every token
    ids = torch.randint(0, 97, (4, 32))
    shares = []
    for _ in range(80):
        with torch.no_grad():
            model(ids)
        shares.append((moe.expert_load.max() / moe.expert_load.sum()).item())
        model.update_expert_biases()
    balanced = 1 / config.num_local_experts
    assert shares[0] > 0.9  # the setup: one expert takes nearly everything
    assert max(shares[-10:]) < 2 * balanced  # steered to within twice the balanced share
    assert moe.expert_bias[0] < 0.5 and all(moe.expert_bias[1:] > 0)  # by lowering the hog, raising the rest


@pytest.mark.parametrize("fields, message", [
    (dict(hidden_size=60, num_attention_heads=8), "must divide"),
    (dict(num_key_value_heads=3), "num_key_value_heads"),
    (dict(num_local_experts=2, num_experts_per_tok=3), "num_experts_per_tok"),
    (dict(vocab_size=0), "vocab_size"),
    (dict(attention_pattern="strided"), "stride"),
])
def test_invalid_model_configs_are_rejected(fields, message):
    with pytest.raises(LlmlabError, match=message):
        ModelConfig(**{**SHAPE, **fields})


@pytest.mark.parametrize("tied", [True, False])
def test_flops_per_token_count_every_matmul_and_the_attention_of_the_model(tied):
    """3 × forward; forward = 2 FLOPs per weight a token multiplies (the output projection too, tied or
    not; not the embedding lookup or norms) + 2·H·(d_qk + d_v) per attended key per layer."""
    config = ModelConfig(**SHAPE, tie_word_embeddings=tied)
    model = LlmlabForCausalLM(config)
    weights = dict(model.named_parameters())  # a tied head appears once, under the embedding's name
    lookup_and_norms = sum(p.numel() for name, p in weights.items() if "norm" in name or "embed" in name)
    matmul = sum(p.numel() for p in weights.values()) - lookup_and_norms + tied * config.vocab_size * config.hidden_size
    keys = (32 + 1) / 2  # mean keys per query, causal over 32 tokens
    attention = config.num_hidden_layers * 2 * config.num_attention_heads * 2 * config.head_dim * keys
    assert config.training_flops_per_token(32) == 3 * (2 * matmul + attention)
