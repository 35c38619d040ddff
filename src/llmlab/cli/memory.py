"""`llmlab memory CONFIG`: Weights and KV-cache memory (and training memory with --training)."""

from llmlab.arch.config import read_config
from llmlab.arch.features import MemoryInput, memory
from llmlab.cli.command import Command

COMMAND = Command("memory", "Weights and KV-cache memory (and training memory with --training).", MemoryInput, memory,
                  loaders={"config": read_config})
