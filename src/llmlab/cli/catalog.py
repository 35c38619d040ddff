"""`llmlab catalog TABLE`: the sourced data — models, GPUs, fits, API prices, landmark runs."""

from llmlab.catalog.features import CatalogInput, catalog_table
from llmlab.cli.command import Command

COMMAND = Command("catalog", "The sourced data: models, GPUs, fits, API prices, landmark runs.", CatalogInput,
                  catalog_table)
