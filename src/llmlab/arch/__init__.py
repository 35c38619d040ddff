"""Architecture accounting from a Hugging Face config: parameters, FLOPs, memory, KV cache, throughput."""
