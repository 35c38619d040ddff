"""The catalog as a typed request: which table of sourced data to list."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from llmlab import catalog
from llmlab.schema import Input, Positional

TABLES = {"models": catalog.models, "gpus": catalog.accelerators, "fits": catalog.fits, "apis": catalog.api_tiers,
          "historical": catalog.historical}
Table = Literal["models", "gpus", "fits", "apis", "historical"]


class CatalogInput(Input):
    table: Table = Field(json_schema_extra=Positional, description="which table")


def catalog_table(request: CatalogInput) -> dict[str, Any]:
    """Every entry of one table, each with its source and date."""
    return TABLES[request.table]()
