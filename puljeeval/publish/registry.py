"""The publication registry (config/tables.yaml) as objects: which tables each chapter publishes,
their sheets, columns (Danish heading, unit, display precision), code labels and disclosure rule,
and the figures' texts.

The registry is the one place Danish headings, sheet names and labels live, so the tables, the
figures and the notebooks cannot drift apart (issue 10: there used to be two publish paths with
two spellings of the same heading). It is checked when read: a wrong unit, a missing heading or
an unknown label set is an error naming the table and column, before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from puljeeval.publish.display import Markers

CHAPTERS = ("kapitel_3", "kapitel_4", "kapitel_5")
# Excel's limit on sheet names and the characters it refuses in them.
SHEET_MAX = 31
SHEET_FORBIDDEN = set("[]:*?/\\")
# Units that are not numbers: never rounded.
UNROUNDED_UNITS = {"code", "text", "flag"}


class RegistryError(ValueError):
    """The registry is incomplete or inconsistent; the message names the table and key."""


@dataclass(frozen=True)
class Column:
    """One published column: the pipeline's name, its Danish heading, unit and display precision;
    `labels` shows the column's codes (or, with `source`, another column's codes) through a label
    set."""

    name: str
    heading: str
    unit: str
    decimals: int | None = None
    source: str | None = None
    labels: str | None = None


@dataclass(frozen=True)
class Table:
    """One published table: its chapter, sheet, interim source, disclosure rule and columns."""

    id: str
    chapter: str
    sheet: str
    source: str
    rule: str
    rule_args: dict = field(default_factory=dict)
    columns: tuple[Column, ...] = ()

    @property
    def headings(self) -> dict[str, str]:
        """Pipeline column name -> Danish heading, in the published order."""
        return {c.name: c.heading for c in self.columns}

    @property
    def source_columns(self) -> list[str]:
        """The columns read from the interim table (the others are made from label sets)."""
        return [c.name for c in self.columns if c.source is None]


class Registry:
    """config/tables.yaml, checked. `side` reads the side files that label sets may refer to
    (`from: {side_file: ...}`), only when such a set is used: a rule's settings refuse a side
    file the rule did not declare, so only the jobs that need it depend on it."""

    def __init__(self, raw: Mapping[str, Any], side: Callable[[str], Any] | None = None) -> None:
        self.raw = raw
        self.units: dict[str, str] = dict(raw["units"])
        self.texts: dict[str, str] = dict(raw.get("texts", {}))
        self._labels: dict[str, Any] = dict(raw.get("labels", {}))
        self._side = side
        self.tables: dict[str, Table] = {key: self._table(key, spec) for key, spec in raw["tables"].items()}
        self.figures: dict[str, dict] = {ch: dict(raw.get("figures", {}).get(ch, {})) for ch in CHAPTERS}
        self._markers: dict[str, Any] = dict(raw.get("markers", {}))
        self._check()

    # ---------------------------------------------------------------- reading

    def _table(self, key: str, spec: Mapping[str, Any]) -> Table:
        for part in ("chapter", "sheet", "source", "disclosure", "columns"):
            if part not in spec:
                raise RegistryError(f"tables.yaml: table '{key}' has no '{part}'")
        rule = dict(spec["disclosure"])
        columns = []
        for i, col in enumerate(spec["columns"]):
            missing = [k for k in ("name", "heading", "unit") if k not in col]
            if missing:
                raise RegistryError(f"tables.yaml: table '{key}', column {i} ({col.get('name')}): no {missing}")
            columns.append(Column(name=str(col["name"]), heading=str(col["heading"]), unit=str(col["unit"]),
                                  decimals=col.get("decimals"), source=col.get("from"), labels=col.get("labels")))
        return Table(id=key, chapter=spec["chapter"], sheet=str(spec["sheet"]), source=spec["source"],
                     rule=rule.pop("rule"), rule_args=rule, columns=tuple(columns))

    def _check(self) -> None:
        sheets: dict[tuple[str, str], str] = {}
        for t in self.tables.values():
            where = f"tables.yaml: table '{t.id}'"
            if t.chapter not in CHAPTERS:
                raise RegistryError(f"{where}: chapter '{t.chapter}' is not one of {list(CHAPTERS)}")
            if len(t.sheet) > SHEET_MAX or SHEET_FORBIDDEN & set(t.sheet):
                raise RegistryError(f"{where}: sheet '{t.sheet}' is longer than {SHEET_MAX} characters or "
                                    f"has one of {''.join(sorted(SHEET_FORBIDDEN))}")
            if (t.chapter, t.sheet) in sheets:
                raise RegistryError(f"{where}: sheet '{t.sheet}' is also table '{sheets[t.chapter, t.sheet]}'")
            sheets[t.chapter, t.sheet] = t.id
            names = [c.name for c in t.columns]
            headings = [c.heading for c in t.columns]
            for label, values in (("column", names), ("heading", headings)):
                dup = sorted({v for v in values if values.count(v) > 1})
                if dup:
                    raise RegistryError(f"{where}: {label}s {dup} appear twice")
            for c in t.columns:
                if c.unit not in self.units:
                    raise RegistryError(f"{where}, column '{c.name}': unit '{c.unit}' is not one of "
                                        f"{sorted(self.units)}")
                if c.unit not in UNROUNDED_UNITS and not isinstance(c.decimals, int):
                    raise RegistryError(f"{where}, column '{c.name}': a {c.unit} column needs `decimals`")
                if c.source is not None and c.labels is None:
                    raise RegistryError(f"{where}, column '{c.name}': a column made `from` another needs `labels`")
                if c.labels is not None and c.labels not in self._labels:
                    raise RegistryError(f"{where}, column '{c.name}': label set '{c.labels}' is not in `labels`")

    # ---------------------------------------------------------------- queries

    def chapter_tables(self, chapter: str) -> list[Table]:
        """The chapter's tables in the registry's (the workbook's) order."""
        if chapter not in CHAPTERS:
            raise RegistryError(f"chapter '{chapter}' is not one of {list(CHAPTERS)}")
        return [t for t in self.tables.values() if t.chapter == chapter]

    def sources(self, chapter: str) -> list[str]:
        """The interim tables a chapter's publishing reads."""
        return list(dict.fromkeys(t.source for t in self.chapter_tables(chapter)))

    def sheets(self, chapter: str) -> list[str]:
        return [t.sheet for t in self.chapter_tables(chapter)]

    def labels(self, name: str) -> dict[str, str]:
        """A label set: code -> Danish label (from the registry or from the side file it names)."""
        if name not in self._labels:
            raise RegistryError(f"tables.yaml: no label set '{name}' under `labels`")
        spec = self._labels[name]
        if isinstance(spec, Mapping) and set(spec) == {"from"}:
            ref = spec["from"]
            if self._side is None:
                raise RegistryError(f"tables.yaml: label set '{name}' reads config/{ref['side_file']}.yaml, "
                                    f"which this step was not given")
            items = self._side(ref["side_file"])[ref["list"]]
            return {str(item[ref["code"]]): str(item[ref["label"]]) for item in items}
        return {str(k): str(v) for k, v in spec.items()}

    def text(self, key: str, **values: object) -> str:
        """A house text of the figures, with its placeholders filled in."""
        if key not in self.texts:
            raise RegistryError(f"tables.yaml: no text '{key}' under `texts`")
        return self.texts[key].format(**values)

    def figure(self, chapter: str, key: str) -> dict:
        """The texts of one figure (chapters 3-4: by file stem; chapter 5: by figure kind)."""
        if key not in self.figures.get(chapter, {}):
            raise RegistryError(f"tables.yaml: no figure '{key}' under figures.{chapter}")
        return self.figures[chapter][key]

    def markers(self, min_count: int) -> Markers:
        """The symbols for cells without a number, their legend and the words prose uses instead."""
        try:
            return Markers.from_registry(self._markers, min_count)
        except KeyError as err:
            raise RegistryError(str(err.args[0])) from None

    def all_headings(self) -> set[str]:
        return {c.heading for t in self.tables.values() for c in t.columns}

    def all_sheets(self) -> set[str]:
        return {t.sheet for t in self.tables.values()}


def from_settings(settings: Any) -> Registry:
    """The registry of a rule's settings (side file `tables`); label sets kept in other side files
    (the elements' in core_elements.yaml) are read through the settings when used, so a rule that
    did not declare that file is refused there (UndeclaredConfig)."""
    return Registry(settings.tables, lambda key: getattr(settings, key))
