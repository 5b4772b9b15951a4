"""The chapter notebooks' access to the published tables, by registry id.

A notebook reads the disclosure-controlled tables the rule publish_tables wrote
(results/interim/published/<chapter>/<id>.parquet: full precision, pipeline column names and
codes, each cell's status), and shows them only through the one formatter
(puljeeval/publish/display.py): its tables are the same cells as the CSV and the workbook, and
every number in its prose is rounded once, half-up, from the unrounded value. A hidden number
is never printed: prose gets the words for its reason instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from puljeeval.publish import display
from puljeeval.publish.display import Markers
from puljeeval.publish.masked import Masked
from puljeeval.publish.registry import Registry, RegistryError, from_settings
from puljeeval.render import html_table, pages

RULE = "publish_tables"


@dataclass(frozen=True)
class Cell:
    """One published cell: its value (full precision; <NA> when hidden), why it has none, and
    how its column is shown."""

    value: Any
    status: str
    unit: str
    decimals: int | None
    markers: Markers

    @property
    def shown(self) -> bool:
        return not self.status and not display.is_missing(self.value)

    def _reason(self) -> str:
        return self.status or display.NOT_APPLICABLE

    def text(self, decimals: int | None = None) -> str:
        """The number as prose writes it (the column's precision unless given), or the words for
        why there is none."""
        if not self.shown:
            return self.markers.words[self._reason()]
        return display.text(self.value, self.unit, self.decimals if decimals is None else decimals)

    def p(self, name: str = "p") -> str:
        """A p- or q-value as prose: 'p = 0,047' or 'p < 0,001'."""
        text = self.text()
        if not self.shown:
            return f"{name}: {text}"
        return f"{name} < {text[1:]}" if text.startswith("<") else f"{name} = {text}"

    def pct(self, decimals: int = 0) -> str:
        """A share as prose: '72 pct.', or the words for why it is not shown."""
        if not self.shown:
            reason = self._reason()
            if reason in display.HIDDEN:
                return "en andel, der er skjult af diskretionshensyn"
            return self.markers.words[reason]
        return display.pct(float(self.value), decimals)

    def __float__(self) -> float:
        if not self.shown:
            raise ValueError(f"a {self._reason()} cell has no number to compute with")
        return float(self.value)


class Published:
    """A chapter's published tables in `masked_dir`, by registry id. `source` is the notebook's
    settings (side file `tables`, and `core_elements` if element labels are used) or a Registry."""

    def __init__(self, masked_dir: str | Path, source: Registry | Any, min_count: int | None = None,
                 chapter: str | None = None) -> None:
        """`min_count` None: the chapter's threshold and marker texts from its settings
        (`tables.thresholds`: the mapping's policy for organisations)."""
        self.masked_dir = Path(masked_dir)
        self.registry = source if isinstance(source, Registry) else from_settings(source)
        fill = None
        if min_count is None:
            from puljeeval.publish.tables import thresholds
            min_count, fill = thresholds(self.registry, str(chapter), source.config)
        self.markers = self.registry.markers(min_count, chapter, fill)
        self._cache: dict[str, Masked] = {}

    def masked(self, table_id: str) -> Masked:
        if table_id not in self._cache:
            if table_id not in self.registry.tables:
                raise RegistryError(f"no published table '{table_id}' in config/tables.yaml")
            path = pages.product(self.masked_dir / f"{table_id}.parquet", RULE)
            self._cache[table_id] = Masked.read(path)
        return self._cache[table_id]

    def table(self, table_id: str) -> pd.DataFrame:
        """The values (codes, full precision, hidden cells <NA>) for selecting rows in prose."""
        return self.masked(table_id).values

    def rows(self, table_id: str, **where: Any) -> list[int]:
        """Positions of the rows whose code columns equal `where`."""
        values = self.table(table_id)
        hit = pd.Series(True, index=values.index)
        for col, want in where.items():
            hit &= values[col].astype("string") == str(want)
        return list(values.index[hit])

    def cell(self, table_id: str, column: str, **where: Any) -> Cell:
        """The one cell of `column` in the row matching `where` (an error unless exactly one)."""
        found = self.rows(table_id, **where)
        if len(found) != 1:
            raise KeyError(f"table '{table_id}': {len(found)} rows match {where}, expected 1")
        m = self.masked(table_id)
        col = next((c for c in self.registry.tables[table_id].columns if c.name == column), None)
        if col is None:
            raise KeyError(f"table '{table_id}' publishes no column '{column}'")
        i = found[0]
        return Cell(m.values.at[i, column], m.status.at[i, column], col.unit, col.decimals, self.markers)

    def html(self, table_id: str, title: str | None = None, rows: list[int] | None = None) -> str:
        table = self.registry.tables[table_id]
        return html_table.table_html(table, self.masked(table_id), self.registry, self.markers, title, rows)

    def title(self, table_id: str) -> str:
        """The table's sheet name, i.e. its place in the report's numbering, with the report's own
        title when the registry has it ("Tabel 3-1: Fordeling af ...")."""
        table = self.registry.tables[table_id]
        return table.sheet if table.title is None else f"{table.sheet}: {table.title}"

    def heading(self, table_id: str, column: str) -> str:
        """A column's Danish heading (the registry's)."""
        return self.registry.tables[table_id].headings[column]

    def labels(self, name: str) -> dict[str, str]:
        """A label set of the registry (code -> Danish label)."""
        return self.registry.labels(name)
