"""`llmlab flops CONFIG`: Forward and training FLOPs per token at a context length."""

from llmlab.arch.config import read_config
from llmlab.arch.features import FlopsInput, flops
from llmlab.cli.command import Command

COMMAND = Command("flops", "Forward and training FLOPs per token at a context length.", FlopsInput, flops,
                  loaders={"config": read_config})
