"""The mini-LLM: a pre-norm decoder-only transformer in the Llama / Mistral / Mixtral mould.

    tokens -> embed_tokens -> [ x + attn(norm(x));  x + mlp_or_moe(norm(x)) ] × L -> norm -> lm_head -> logits

Module and parameter names equal Hugging Face's (model.layers.{i}.self_attn.q_proj.weight, ...,
block_sparse_moe.experts.{e}.w1.weight), so exporting is writing the state dict. Shapes in comments:
B batch, T new tokens, S keys (cached + new), H query heads, KV key/value heads, D head size,
C hidden size, E experts, K experts per token.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from llmlab.nn.config import ModelConfig


class RMSNorm(nn.Module):
    """Normalise in fp32, cast back, then scale (Hugging Face's order)."""

    def __init__(self, size: int, eps: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(size))
        self.eps = eps

    def forward(self, x: Tensor) -> Tensor:
        x32 = x.float()
        normed = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * normed.to(x.dtype)


class RotaryEmbedding(nn.Module):
    """Rotate-half RoPE: dims j and j + D/2 rotate together by position · theta^(-2j/D)."""

    cos: Tensor  # buffers, registered in __init__
    sin: Tensor

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        d = config.head_dim
        inv_freq = 1.0 / config.rope_theta ** (torch.arange(0, d, 2, dtype=torch.float32) / d)   # (D/2,)
        angles = torch.outer(torch.arange(config.max_position_embeddings, dtype=torch.float32), inv_freq)
        emb = torch.cat([angles, angles], dim=-1)                                                # (P, D)
        self.register_buffer("cos", emb.cos(), persistent=False)
        self.register_buffer("sin", emb.sin(), persistent=False)

    def forward(self, start: int, length: int, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
        if start + length > self.cos.shape[0]:
            raise ValueError(f"position {start + length} exceeds max_position_embeddings {self.cos.shape[0]}")
        return self.cos[start:start + length].to(dtype), self.sin[start:start + length].to(dtype)   # (T, D)


def rotate_half(x: Tensor) -> Tensor:
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def apply_rope(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
    return x * cos + rotate_half(x) * sin                                                        # (B, H, T, D)


class KVCache:
    """Preallocated keys and values for every layer; `position` counts the tokens already stored."""

    def __init__(self, config: ModelConfig, batch: int, length: int, dtype: torch.dtype = torch.float32,
                 device: torch.device | str = "cpu") -> None:
        shape = (batch, config.num_key_value_heads, length, config.head_dim)
        self.keys = [torch.zeros(shape, dtype=dtype, device=device) for _ in range(config.num_hidden_layers)]
        self.values = [torch.zeros(shape, dtype=dtype, device=device) for _ in range(config.num_hidden_layers)]
        self.position = 0

    def update(self, layer: int, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
        end = self.position + k.shape[2]
        if end > self.keys[layer].shape[2]:
            raise ValueError(f"KV cache holds {self.keys[layer].shape[2]} tokens; {end} requested")
        self.keys[layer][:, :, self.position:end] = k
        self.values[layer][:, :, self.position:end] = v
        return self.keys[layer][:, :, :end], self.values[layer][:, :, :end]                     # (B, KV, S, D)


class Attention(nn.Module):
    def __init__(self, config: ModelConfig, layer: int) -> None:
        super().__init__()
        self.layer = layer
        self.heads, self.kv_heads = config.num_attention_heads, config.num_key_value_heads
        self.head_dim = config.head_dim
        c = config.hidden_size
        self.q_proj = nn.Linear(c, self.heads * self.head_dim, bias=False)
        self.k_proj = nn.Linear(c, self.kv_heads * self.head_dim, bias=False)
        self.v_proj = nn.Linear(c, self.kv_heads * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.heads * self.head_dim, c, bias=False)

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, mask: Tensor | None, cache: KVCache | None) -> Tensor:
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)              # (B, H, T, D)
        k = self.k_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)           # (B, KV, T, D)
        v = self.v_proj(x).view(b, t, self.kv_heads, self.head_dim).transpose(1, 2)           # (B, KV, T, D)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)      # rotate before caching and GQA sharing
        if cache is not None:
            k, v = cache.update(self.layer, k, v)                                              # (B, KV, S, D)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=mask is None and t > 1,
                                           enable_gqa=self.kv_heads != self.heads)            # (B, H, T, D)
        return self.o_proj(y.transpose(1, 2).reshape(b, t, self.heads * self.head_dim))       # (B, T, C)


class SwiGLU(nn.Module):
    """down(silu(gate(x)) * up(x)); Hugging Face's names."""

    def __init__(self, hidden: int, intermediate: int) -> None:
        super().__init__()
        self.gate_proj = nn.Linear(hidden, intermediate, bias=False)
        self.up_proj = nn.Linear(hidden, intermediate, bias=False)
        self.down_proj = nn.Linear(intermediate, hidden, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Expert(nn.Module):
    """A SwiGLU expert under Mixtral's names: w1 = gate, w3 = up, w2 = down."""

    def __init__(self, hidden: int, intermediate: int) -> None:
        super().__init__()
        self.w1 = nn.Linear(hidden, intermediate, bias=False)
        self.w2 = nn.Linear(intermediate, hidden, bias=False)
        self.w3 = nn.Linear(hidden, intermediate, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class SparseMoE(nn.Module):
    """Softmax router in fp32 -> top-k -> renormalised gates (Mixtral). Optional DeepSeek-V3 extras:
    shared experts every token passes through, and a per-expert bias that only steers *selection*
    (aux-loss-free balancing), nudged after each optimiser step toward an even load."""

    expert_bias: Tensor  # buffers, registered in __init__
    expert_load: Tensor

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        c, e = config.hidden_size, config.num_local_experts
        self.top_k = config.num_experts_per_tok
        self.gate = nn.Linear(c, e, bias=False)
        self.experts = nn.ModuleList(Expert(c, config.intermediate_size) for _ in range(e))
        self.shared_experts = nn.ModuleList(Expert(c, config.intermediate_size) for _ in range(config.n_shared_experts))
        self.register_buffer("expert_bias", torch.zeros(e), persistent=True)
        self.register_buffer("expert_load", torch.zeros(e), persistent=False)  # assignments since the last update
        self.balance_bias = config.expert_bias_update_rate > 0

    def forward(self, x: Tensor) -> tuple[Tensor, Tensor]:
        b, t, c = x.shape
        flat = x.reshape(-1, c)                                                                # (N, C)
        router_logits = self.gate(flat)                                                        # (N, E)
        probs = F.softmax(router_logits, dim=-1, dtype=torch.float32)                          # (N, E)
        scores = probs + self.expert_bias if self.balance_bias else probs
        chosen = torch.topk(scores, self.top_k, dim=-1).indices                                # (N, K)
        gates = probs.gather(-1, chosen)
        gates = (gates / gates.sum(-1, keepdim=True)).to(x.dtype)                              # (N, K)
        # Group the N·K (token, slot) assignments by expert so each expert runs once on a contiguous batch.
        order = torch.argsort(chosen.flatten(), stable=True)                                   # (N·K,)
        counts = torch.bincount(chosen.flatten(), minlength=len(self.experts))                  # (E,)
        if self.training:
            self.expert_load += counts.to(self.expert_load)
        tokens = order // self.top_k                                                           # (N·K,)
        weighted = []
        for expert, assigned, weights in zip(self.experts, tokens.split(counts.tolist()),
                                             gates.flatten()[order].split(counts.tolist())):
            if assigned.numel():
                weighted.append(expert(flat[assigned]) * weights[:, None])
        out = torch.zeros_like(flat).index_add_(0, tokens, torch.cat(weighted))                # (N, C)
        for expert in self.shared_experts:
            out = out + expert(flat)
        return out.view(b, t, c), router_logits

    @torch.no_grad()
    def update_bias(self, rate: float) -> None:
        """b_e += rate · sign(mean load − load_e): under-used experts get picked more next time."""
        if self.expert_load.sum() > 0:
            self.expert_bias += rate * torch.sign(self.expert_load.mean() - self.expert_load)
        self.expert_load.zero_()


class DecoderLayer(nn.Module):
    def __init__(self, config: ModelConfig, layer: int) -> None:
        super().__init__()
        self.input_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.self_attn = Attention(config, layer)
        self.post_attention_layernorm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        if config.is_moe:
            self.block_sparse_moe = SparseMoE(config)
        else:
            self.mlp = SwiGLU(config.hidden_size, config.intermediate_size)

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, mask: Tensor | None,
                cache: KVCache | None) -> tuple[Tensor, Tensor | None]:
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask, cache)
        h = self.post_attention_layernorm(x)
        if hasattr(self, "mlp"):
            return x + self.mlp(h), None
        moe_out, router_logits = self.block_sparse_moe(h)
        return x + moe_out, router_logits


class DecoderModel(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList(DecoderLayer(config, i) for i in range(config.num_hidden_layers))
        self.norm = RMSNorm(config.hidden_size, config.rms_norm_eps)
        self.rotary_emb = RotaryEmbedding(config)


def load_balancing_loss(router_logits: list[Tensor], num_experts: int, top_k: int) -> Tensor:
    """Hugging Face Mixtral's aux loss over all layers pooled: E · Σ_e f_e · P_e, where f_e is the
    share of tokens sending one of their k slots to e (Σ f = k) and P_e the mean router probability."""
    logits = torch.cat(router_logits, dim=0)                                                   # (N·L, E)
    probs = F.softmax(logits, dim=-1, dtype=torch.float32)
    chosen = torch.topk(probs, top_k, dim=-1).indices                                          # (N·L, K)
    routed = F.one_hot(chosen, num_experts).float().mean(dim=0)                                # (K, E)
    return num_experts * (routed * probs.mean(dim=0)).sum()


class LlmlabForCausalLM(nn.Module):
    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        self.model = DecoderModel(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.apply(self._init_weights)
        if config.tie_word_embeddings:
            self.lm_head.weight = self.model.embed_tokens.weight

    def _init_weights(self, module: nn.Module) -> None:
        """Normal(0, initializer_range) for every matrix, as Hugging Face initialises Llama."""
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=self.config.initializer_range)

    def attention_mask(self, start: int, length: int, device: torch.device | str = "cpu") -> Tensor | None:
        """(T, S) booleans on ``device`` from the config's pattern; None lets SDPA use its fused causal path."""
        pattern = self.config.pattern
        if pattern.kind == "causal" and (start == 0 or length == 1):
            return None  # SDPA's causal path, or one new token that may see every cached key
        queries = torch.arange(start, start + length, device=device)[:, None]
        keys = torch.arange(start + length, device=device)[None, :]
        return pattern.visible(queries, keys)

    def forward(self, input_ids: Tensor, targets: Tensor | None = None,
                cache: KVCache | None = None) -> tuple[Tensor, Tensor | None, Tensor | None]:
        """Returns (logits (B, T, V), loss or None, aux loss or None). ``targets`` use -100 to skip."""
        _, t = input_ids.shape
        start = cache.position if cache is not None else 0
        x = self.model.embed_tokens(input_ids)                                                 # (B, T, C)
        cos, sin = self.model.rotary_emb(start, t, x.dtype)
        mask = self.attention_mask(start, t, input_ids.device)
        router_logits = []
        for layer in self.model.layers:
            x, logits_e = layer(x, cos, sin, mask, cache)
            if logits_e is not None:
                router_logits.append(logits_e)
        if cache is not None:
            cache.position += t
        logits = self.lm_head(self.model.norm(x))                                             # (B, T, V)
        aux = (load_balancing_loss(router_logits, self.config.num_local_experts, self.config.num_experts_per_tok)
               if router_logits else None)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)
            if aux is not None:
                loss = loss + self.config.router_aux_loss_coef * aux
        return logits, loss, aux

    def update_expert_biases(self) -> None:
        """Aux-loss-free balancing: call after each optimiser step."""
        rate = self.config.expert_bias_update_rate
        for layer in self.model.layers:
            moe = getattr(layer, "block_sparse_moe", None)  # only MoE layers have one
            if isinstance(moe, SparseMoE):
                moe.update_bias(rate)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
