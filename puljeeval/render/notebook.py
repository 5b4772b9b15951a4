"""The chapter notebooks' access to the published tables, by registry id.

A notebook's prose reads the same CSV the reader downloads (so every number in the text is a
published, disclosure-controlled, rounded number), but under the pipeline's column names: the
Danish headings and sheet names live in the registry (config/tables.yaml) and may change there
without breaking the prose.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from puljeeval.publish import tables as publish
from puljeeval.publish.registry import Registry, from_settings
from puljeeval.render import pages

RULE = "publish_tables"


class Published:
    """A chapter's published tables in `csv_dir`, read by registry id. `source` is the notebook's
    settings (side file `tables`, and `core_elements` if element labels are used) or a Registry."""

    def __init__(self, csv_dir: str | Path, source: Registry | Any) -> None:
        self.csv_dir = Path(csv_dir)
        self.registry = source if isinstance(source, Registry) else from_settings(source)

    def path(self, table_id: str) -> Path:
        """The CSV of a table (checked: a missing one names the rule that makes it)."""
        return pages.product(self.csv_dir / f"{self.registry.tables[table_id].sheet}.csv", RULE)

    def sheet(self, table_id: str) -> pd.DataFrame:
        """The table as published: Danish headings (for showing it)."""
        return pd.read_csv(self.path(table_id))

    def table(self, table_id: str) -> pd.DataFrame:
        """The published values under the pipeline's column names (for prose)."""
        return publish.internal(self.registry.tables[table_id], self.sheet(table_id))

    def title(self, table_id: str) -> str:
        """The table's sheet name, i.e. its place in the report's numbering."""
        return self.registry.tables[table_id].sheet

    def labels(self, name: str) -> dict[str, str]:
        """A label set of the registry (code -> Danish label)."""
        return self.registry.labels(name)
