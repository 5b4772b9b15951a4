"""What every figure shares: the cells it draws (value and status from the disclosure-controlled
tables), the marker of each cell without a number, the legend of the markers a figure draws, the
registry's display precision, the heading over every figure and the lines under it as the report
has them (its "Kilde" line, its notes, its N computed from the cells drawn, the marker legend, and
the line saying the data are synthetic), and its caption: the same texts plus an alt text written
from the data drawn, which the figures rule writes beside the image (`<stem>.json`).

Every Danish word comes from the registry (config/tables.yaml `figures:`; `house` holds the texts
all figures share, the alt texts' templates among them).
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

# The caption's sidecar keys (results/figures/<chapter>/<stem>.json), all strings.
SIDECAR_KEYS = ("alt", "n", "note", "number", "source", "stem", "synthetic", "title")
# The house texts under `figures:` (not a chapter).
HOUSE = "house"


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


@dataclass(frozen=True)
class Caption:
    """A figure's texts as the report has them and as its sidecar gives them: `number` ("Figur
    4-1"), `title` (the report's full title), `source` (its "Kilde" line or ''), `note` (its note
    lines), `n` (its N line, computed from the cells drawn, or ''), `alt` (1-4 sentences for a
    reader who cannot see it) and `synthetic` (the synthetic-data line or '')."""

    stem: str
    number: str
    title: str
    source: str = ""
    note: tuple[str, ...] = ()
    n: str = ""
    alt: str = ""
    synthetic: str = ""

    def lines(self) -> list[str]:
        """The lines under the figure before the marker legend: source, notes, N."""
        return [line for line in (self.source, *self.note, self.n) if line]

    def sidecar(self) -> dict[str, str]:
        out = {"alt": self.alt, "n": self.n, "note": "\n".join(self.note), "number": self.number,
               "source": self.source, "stem": self.stem, "synthetic": self.synthetic, "title": self.title}
        assert tuple(sorted(out)) == SIDECAR_KEYS
        return out


def caption_of(fig: plt.Figure) -> Caption:
    """The caption `Context.finish` gave the figure."""
    found = getattr(fig, style.CAPTION, None)
    if found is None:
        raise ValueError("the figure has no caption (made without Context.finish)")
    return found


@dataclass
class Marks:
    """What one figure drew that its finishing needs: the markers (its legend explains those and
    only those), what each marker stands for (`hidden`: (what, status), for the alt text) and the
    labels drawn inside bar segments (`inside`: dropped when wider than their segment, which is
    known only once the layout is done)."""

    markers: Markers
    used: set[str] = field(default_factory=set)
    fitted: list[tuple[Any, Any, float, float]] = field(default_factory=list)
    hidden: list[tuple[str, str]] = field(default_factory=list)

    def inside(self, ax: Any, text: Any, x0: float, x1: float) -> None:
        """`text` drawn on a bar segment from x0 to x1 (data units) of `ax`."""
        self.fitted.append((ax, text, x0, x1))

    def symbol(self, status: str, what: str = "") -> str:
        """The marker of `status`, drawn for the cell `what` (its labels, for the alt text)."""
        if not status:
            raise ValueError("a shown value has no marker")
        self.used.add(status)
        if what:
            self.hidden.append((what, status))
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

    def finish(self, fig: plt.Figure, marks: Marks, caption: Caption | Sequence[str] = ()) -> plt.Figure:
        """Danish ticks, labels that do not fit their segment dropped, then under the figure: the
        caption's source, notes and N (or just these lines), the legend of the markers it drew,
        and the synthetic-data line. The caption stays with the figure (`caption_of`, and the
        sidecar `style.save` writes)."""
        style.danish_ticks(fig)
        style.fit_inside(fig, marks.fitted)
        lines = caption.lines() if isinstance(caption, Caption) else list(caption)
        style.footnotes(fig, [*lines, *marks.legend(), self.synthetic])
        if isinstance(caption, Caption):
            setattr(fig, style.CAPTION, caption)
        return fig

    # ------------------------------------------------------------ the report's texts

    def house(self, key: str, **values: object) -> str:
        """A house text of the figures (`figures.house` in the registry), filled in."""
        texts = self.registry.raw.get("figures", {}).get(HOUSE, {})
        node: Any = texts
        for part in key.split("."):
            if not isinstance(node, Mapping) or part not in node:
                raise RegistryError(f"tables.yaml: no text '{key}' under figures.{HOUSE}")
            node = node[part]
        return str(node).format(**values)

    def heading(self, number: str, title: str, subtitle: str = "") -> str:
        """The heading drawn over a figure: its number and the report's title (and a subtitle, the
        report's heading inside the figure, on a line of its own)."""
        text = self.house("heading", number=number, title=title)
        return f"{text}\n{subtitle}" if subtitle else text

    def caption(self, stem: str, number: str, spec: Mapping[str, Any], n: str = "", alt: str = "",
                **values: object) -> Caption:
        """A figure's caption from its registry entry (`title`, `source`, `note`: a text or a list
        of lines, each filled with `values`), its N line and its alt text."""
        notes = spec.get("note", [])
        notes = [notes] if isinstance(notes, str) else list(notes)
        return Caption(stem=stem, number=self.house("number", number=number),
                       title=str(spec["title"]).format(**values), source=str(spec.get("source", "")),
                       note=tuple(str(line).format(**values) for line in notes), n=n, alt=alt,
                       synthetic=self.synthetic)

    def n_line(self, found: Cell, marks: Marks, table: str, column: str = "n") -> str:
        """The N line of a figure from the count cell it is drawn from (its marker when hidden)."""
        return self.house("n", n=self.text(found, marks, table, column))

    def listing(self, items: Sequence[str], most: int | None = None) -> str:
        """Items as a Danish list: 'a, b og c' (the registry's `and`); its `none` when empty; with
        `most`, the first `most` and how many more."""
        items = [i for i in items if i]
        if not items:
            return self.house("alt.none")
        if most is not None and len(items) > most:
            items = [*items[:most], self.house("alt.more", count=len(items) - most)]
        if len(items) == 1:
            return items[0]
        return ", ".join(items[:-1]) + self.house("alt.and") + items[-1]

    def hidden_alt(self, marks: Marks, few: int = 3) -> str:
        """The alt text's sentence on the cells drawn without a number, in words: each named when
        there are at most `few`, else counted per reason; '' when every cell has its number."""
        if not marks.hidden:
            return ""
        words = self.markers.words
        if len(marks.hidden) <= few:
            cells = [self.house("alt.hidden_cell", what=what, why=words[status]) for what, status in marks.hidden]
            return self.house("alt.hidden", cells="; ".join(cells))
        counts: dict[str, int] = {}
        for _, status in marks.hidden:
            counts[status] = counts.get(status, 0) + 1
        reasons = [self.house("alt.hidden_reason", why=words[s], count=k) for s, k in counts.items()]
        return self.house("alt.hidden_many", count=len(marks.hidden), reasons="; ".join(reasons))

    def alt(self, *sentences: str) -> str:
        """The alt text: its sentences (each already a sentence), the empty ones left out."""
        return " ".join(s.strip() for s in sentences if s and s.strip())


def label(mapping: Mapping[str, str], code: Any, where: str) -> str:
    """The label of `code`, or an error naming the figure and the code."""
    key = str(code)
    if key not in mapping:
        raise RegistryError(f"tables.yaml: {where}: no label for code '{key}'")
    return mapping[key]
