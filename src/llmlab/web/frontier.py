"""One row per catalog model for side-by-side comparison, every figure from the engine."""

from __future__ import annotations

from typing import Any

from llmlab import catalog
from llmlab.arch.config import from_hf
from llmlab.arch.memory import kv_bytes_per_token, weights_bytes
from llmlab.arch.params import count_params
from llmlab.arch.throughput import throughput
from llmlab.schema import Result


class ModelSummary(Result):
    """One catalog model's row: its architecture and what serving it in bf16 on a GPU needs."""

    model: str
    hf_id: str
    model_type: str
    total_params: int
    active_params: int
    active_without_embedding: int
    attention: str
    layers: int
    layer_mix: str
    experts: str
    kv_bytes_per_token: float
    weights_bf16_gb: float
    weights_int4_gb: float
    gpus_for_bf16: int
    decode_tokens_per_s: float
    context: int
    gpu: str
    max_context: int
    source: str
    published: dict[str, Any]


def model_summary(name: str, gpu: str = "h100", context: int = 4096) -> ModelSummary:
    entry = catalog.model(name)
    cfg = from_hf(entry["config"])
    counts = count_params(cfg)
    needed = throughput(cfg, gpu, 1, "bf16", context).min_gpus
    speed = throughput(cfg, gpu, needed, "bf16", context)
    layers = cfg.layer_mix()
    experts = "dense"
    if cfg.is_moe:
        shared = f", {cfg.n_shared_experts} shared" if cfg.n_shared_experts else ""
        experts = f"{cfg.num_experts} routed, top-{cfg.num_experts_per_tok}{shared}"
    return ModelSummary(
        model=name, hf_id=entry["hf_id"], model_type=cfg.model_type, total_params=counts.total,
        active_params=counts.active, active_without_embedding=counts.active_without_embedding,
        attention=cfg.attention_kind, layers=cfg.num_hidden_layers, layer_mix=layers, experts=experts,
        kv_bytes_per_token=kv_bytes_per_token(cfg), weights_bf16_gb=weights_bytes(cfg, "bf16") / 1e9,
        weights_int4_gb=weights_bytes(cfg, "int4") / 1e9, gpus_for_bf16=needed,
        decode_tokens_per_s=speed.decode_tokens_per_s, context=context, gpu=gpu,
        max_context=cfg.max_position_embeddings, source=entry["config_source"], published=entry["published"],
    )


def frontier_table(gpu: str = "h100", context: int = 4096) -> list[ModelSummary]:
    return [model_summary(name, gpu, context) for name in catalog.models()]
