"""`llmlab params CONFIG`: Total and active parameters with a breakdown."""

from llmlab.arch.config import read_config
from llmlab.arch.features import ParamsInput, params
from llmlab.cli.command import Command

COMMAND = Command("params", "Total and active parameters with a breakdown.", ParamsInput, params,
                  loaders={"config": read_config})
