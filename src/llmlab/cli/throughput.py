"""`llmlab throughput CONFIG`: Decode and prefill tokens/s bounds on an accelerator."""

from llmlab.arch.config import read_config
from llmlab.arch.features import ThroughputInput, serving_throughput
from llmlab.cli.command import Command

COMMAND = Command("throughput", "Decode and prefill tokens/s bounds on an accelerator.", ThroughputInput,
                  serving_throughput, loaders={"config": read_config})
