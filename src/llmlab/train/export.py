"""To and from Hugging Face model directories. The parameter names already match, so export writes
the config, the weights and the tokenizer files `AutoTokenizer` needs, and import reads them back."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from llmlab.errors import LlmlabError
from llmlab.nn.config import ModelConfig
from llmlab.nn.model import LlmlabForCausalLM
from llmlab.train.tokenizer import END_OF_TEXT, load_tokenizer


def export_hf(model: LlmlabForCausalLM, tokenizer_json: Path, out: str | os.PathLike[str], force: bool = False) -> str:
    """Write folder ``out`` as a llama, mistral or mixtral model; returns the model type. The files are
    written to a temporary folder beside ``out`` and renamed into place, so a crash never leaves a
    half-written model. A non-empty ``out`` is refused unless ``force``, which replaces the files
    export writes and leaves any others there alone."""
    config = model.config
    model_type = config.hf_model_type
    if model_type is None:
        raise LlmlabError("this model uses features with no Hugging Face equivalent (strided or global+local "
                          "attention, shared experts or aux-loss-free balancing) and cannot be exported")
    if not str(out).strip():
        raise LlmlabError("the export folder is empty: pass --hf PATH to a new folder")
    target = Path(out).resolve()
    if target.exists() and not target.is_dir():
        raise LlmlabError(f"{out} is a file, not a folder: pass --hf PATH to a new folder")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise LlmlabError(f"{out} is not empty: pass --hf PATH to a new folder, or --force to write the model there")
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        _write_hf(model, tokenizer_json, tmp)
        if target.is_dir() and any(target.iterdir()):
            for file in tmp.iterdir():
                os.replace(file, target / file.name)
        else:
            os.replace(tmp, target)  # over an empty folder, or none
    except OSError as error:
        raise LlmlabError(f"cannot write the export to {out} ({error.strerror or error}): pass another --hf") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return model_type


def _write_hf(model: LlmlabForCausalLM, tokenizer_json: Path, out: Path) -> None:
    config = model.config
    tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()
               if not k.endswith("expert_bias")}
    if config.tie_word_embeddings:
        tensors.pop("lm_head.weight")
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})
    hf = config.to_hf_dict()
    end_of_text = load_tokenizer(tokenizer_json).token_to_id(END_OF_TEXT)
    hf.update(eos_token_id=end_of_text, pad_token_id=end_of_text, bos_token_id=None)
    (out / "config.json").write_text(json.dumps(hf, indent=2))
    shutil.copy(tokenizer_json, out / "tokenizer.json")
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "eos_token": END_OF_TEXT, "pad_token": END_OF_TEXT,
        "add_bos_token": False, "add_eos_token": False, "clean_up_tokenization_spaces": False,
        "model_max_length": config.max_position_embeddings}, indent=2))
    (out / "special_tokens_map.json").write_text(json.dumps({"eos_token": END_OF_TEXT, "pad_token": END_OF_TEXT}))
    (out / "generation_config.json").write_text(json.dumps(
        {"do_sample": False, "eos_token_id": end_of_text, "pad_token_id": end_of_text}))


def import_hf(directory: Path) -> LlmlabForCausalLM:
    """Load a Hugging Face llama / mistral / mixtral directory (config.json + model.safetensors)."""
    try:
        hf = json.loads((directory / "config.json").read_text("utf-8"))
        tensors = load_file(str(directory / "model.safetensors"))
    except (OSError, json.JSONDecodeError, SafetensorError) as error:
        raise LlmlabError(f"cannot read a Hugging Face model from {directory}: {error}") from None
    if hf.get("model_type") not in ("llama", "mistral", "mixtral"):
        raise LlmlabError(f"only llama, mistral and mixtral models import, not {hf.get('model_type')!r}")
    rope = hf.get("rope_parameters") or {}
    config = ModelConfig(
        vocab_size=hf["vocab_size"], hidden_size=hf["hidden_size"], intermediate_size=hf["intermediate_size"],
        num_hidden_layers=hf["num_hidden_layers"], num_attention_heads=hf["num_attention_heads"],
        num_key_value_heads=hf.get("num_key_value_heads", hf["num_attention_heads"]),
        max_position_embeddings=hf["max_position_embeddings"], rms_norm_eps=hf["rms_norm_eps"],
        rope_theta=rope.get("rope_theta", hf.get("rope_theta", 10000.0)),
        tie_word_embeddings=hf.get("tie_word_embeddings", False), sliding_window=hf.get("sliding_window"),
        num_local_experts=hf.get("num_local_experts", 0), num_experts_per_tok=hf.get("num_experts_per_tok", 2),
        router_aux_loss_coef=hf.get("router_aux_loss_coef", 0.001))
    model = LlmlabForCausalLM(config)
    if config.tie_word_embeddings:
        tensors["lm_head.weight"] = tensors["model.embed_tokens.weight"]
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    missing = [k for k in missing if not k.endswith("expert_bias")]
    if missing or unexpected:
        raise LlmlabError(f"{directory}: weights do not match the config (missing {missing[:3]}, "
                          f"unexpected {unexpected[:3]})")
    return model
