"""What every figure shares: the cells it draws (value and status from the disclosure-controlled
tables), the marker of each cell without a number, the legend of the markers a figure draws, the
registry's display precision, and the lines under every figure (its note, the marker legend, and
the line saying the data are synthetic).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from puljeeval.publish import display
from puljeeval.publish.display import NOT_APPLICABLE, SHOWN, Markers
from puljeeval.publish.figures import style
from puljeeval.publish.masked import Masked
from puljeeval.publish.registry import Registry, RegistryError


@dataclass(frozen=True)
class Cell:
    """One drawn cell: its value (None without a number) and why it has none."""

    value: float | None
    status: str = SHOWN

    @property
    def shown(self) -> bool:
        return self.value is not None


def cell(table: Masked, row: Any, column: str) -> Cell:
    """The cell at index label `row`; a cell without a number and without a recorded reason is
    'not applicable' (nothing was there to show)."""
    if column not in table.values.columns:
        raise KeyError(f"column '{column}' is not in the table (columns: {list(table.values.columns)})")
    value, status = table.values.at[row, column], table.status.at[row, column]
    if status:
        return Cell(None, str(status))
    if display.is_missing(value):
        return Cell(None, NOT_APPLICABLE)
    return Cell(float(value))


def share_cell(table: Masked, row: Any, column: str, counts: Sequence[str]) -> Cell:
    """A share's cell; a share hidden because a count it is made from is below the threshold is
    marked as that (the share would give the count away), not as protecting another cell."""
    found = cell(table, row, column)
    if found.status in display.HIDDEN and any(table.status.at[row, c] == display.PRIMARY for c in counts
                                              if c in table.status.columns):
        return Cell(None, display.PRIMARY)
    return found


def rows(table: Masked, mask: pd.Series | None = None, **equal: Any) -> Masked:
    """The rows where `mask` holds and each `column=value` of `equal` matches (codes as stored)."""
    keep = pd.Series(True, index=table.values.index) if mask is None else mask.reindex(table.values.index,
                                                                                        fill_value=False)
    for col, value in equal.items():
        keep &= table.values[col].astype(object) == value
    return Masked(table.values[keep], table.status[keep])


def codes(table: Masked, column: str) -> list[str]:
    """The distinct codes of a code column in the table's order."""
    return [str(v) for v in dict.fromkeys(table.values[column]) if not display.is_missing(v)]


@dataclass
class Marks:
    """What one figure drew that its finishing needs: the markers (its legend explains those and
    only those) and the labels drawn inside bar segments (`inside`: dropped when wider than their
    segment, which is known only once the layout is done)."""

    markers: Markers
    used: set[str] = field(default_factory=set)
    fitted: list[tuple[Any, Any, float, float]] = field(default_factory=list)

    def inside(self, ax: Any, text: Any, x0: float, x1: float) -> None:
        """`text` drawn on a bar segment from x0 to x1 (data units) of `ax`."""
        self.fitted.append((ax, text, x0, x1))

    def symbol(self, status: str) -> str:
        if not status:
            raise ValueError("a shown value has no marker")
        self.used.add(status)
        return self.markers.symbol(status)

    def legend(self) -> list[str]:
        return [f"{symbol} \u2013 {text}" for symbol, text in self.markers.legend(self.used)] if self.used else []


@dataclass(frozen=True)
class Context:
    """A chapter's figures' shared means: the registry (texts, labels, precision), the markers and
    the synthetic-data line ('' for real data)."""

    registry: Registry
    markers: Markers
    synthetic: str = ""

    def marks(self) -> Marks:
        return Marks(self.markers)

    def decimals(self, table: str, column: str) -> int:
        """The display precision the registry gives a published column."""
        if table not in self.registry.tables:
            raise RegistryError(f"tables.yaml: no table '{table}'")
        for c in self.registry.tables[table].columns:
            if c.name == column:
                if c.decimals is None:
                    raise RegistryError(f"tables.yaml: table '{table}', column '{column}' has no `decimals`")
                return int(c.decimals)
        raise RegistryError(f"tables.yaml: table '{table}' has no column '{column}'")

    def number(self, value: float, table: str, column: str) -> str:
        """`value` of a published column as the tables show it."""
        return display.number(value, self.decimals(table, column))

    def text(self, found: Cell, marks: Marks, table: str, column: str) -> str:
        """A cell's number, or the marker of its reason."""
        return self.number(found.value, table, column) if found.shown else marks.symbol(found.status)

    def finish(self, fig: plt.Figure, marks: Marks, notes: Sequence[str] = ()) -> plt.Figure:
        """Danish ticks, labels that do not fit their segment dropped, then under the figure: its
        notes, the legend of the markers it drew, and the synthetic-data line."""
        style.danish_ticks(fig)
        style.fit_inside(fig, marks.fitted)
        style.footnotes(fig, [*notes, *marks.legend(), self.synthetic])
        return fig


def label(mapping: Mapping[str, str], code: Any, where: str) -> str:
    """The label of `code`, or an error naming the figure and the code."""
    key = str(code)
    if key not in mapping:
        raise RegistryError(f"tables.yaml: {where}: no label for code '{key}'")
    return mapping[key]
