"""Inference with the mini-LLM: generation with a KV cache."""
