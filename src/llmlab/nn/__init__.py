"""The mini-LLM, written here: a small modern decoder-only transformer whose parameter names match
Hugging Face's Llama / Mistral / Mixtral, so its checkpoints load in `transformers`. Needs torch."""
