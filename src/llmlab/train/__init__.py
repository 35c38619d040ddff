"""Training the mini-LLM: corpus, tokenizer, data, the loop, checkpoints and the run store."""
