"""Published tables, the one path for every chapter: interim tables -> disclosure rule ->
registry columns (order, code labels, display precision) -> Danish headings.

The registry (config/tables.yaml, puljeeval/publish/registry.py) says per table which interim
table it is made from, which disclosure rule applies and what each column is called and shows.
`publish_chapter` returns both the disclosure-controlled tables with the pipeline's column names
(the figures are drawn from these, so neither shows what the other hides) and the sheets as
published (CSV and workbook).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from puljeeval.publish import rules
from puljeeval.publish.registry import Registry, RegistryError, Table


@dataclass(frozen=True)
class Chapter:
    """One chapter's publication: `controlled` by table id (pipeline column names, full
    precision, hidden cells <NA>) and `sheets` by sheet name (Danish headings, rounded)."""

    controlled: dict[str, pd.DataFrame]
    sheets: dict[str, pd.DataFrame]


def read_sources(paths: dict[str, str | Path | list]) -> dict[str, pd.DataFrame]:
    """The interim tables by source name; a source given as several files (one per outcome of
    chapter 5) is their concatenation in the given order."""
    out = {}
    for name, path in paths.items():
        files = path if isinstance(path, list | tuple) else [path]
        out[name] = pd.concat([pd.read_csv(p) for p in files], ignore_index=True)
    return out


def controlled(table: Table, interim: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """The interim table with the table's disclosure rule applied."""
    return rules.apply(table.rule, interim, min_count, table.rule_args)


def labelled(table: Table, frame: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """The registry's columns in order, label columns made from their codes. A column the
    interim table lacks, a column it has that the registry does not list, or a code without a
    label is an error: the registry must describe every published column completely."""
    missing = [c for c in table.source_columns if c not in frame.columns]
    made = {c.name for c in table.columns if c.source is not None}
    extra = [c for c in frame.columns if c not in table.source_columns and c not in made]
    if missing or extra:
        raise RegistryError(f"tables.yaml: table '{table.id}' (from '{table.source}'): columns {missing} are not "
                            f"in the interim table; columns {extra} of it are not in the registry")
    out = frame.copy()
    for col in table.columns:
        if col.source is None:
            continue
        labels = registry.labels(col.labels)
        unknown = sorted(set(out[col.source].dropna().astype(str)) - set(labels))
        if unknown:
            raise RegistryError(f"tables.yaml: label set '{col.labels}' has no label for {unknown} "
                                f"(column '{col.source}' of table '{table.id}')")
        out[col.name] = out[col.source].astype(str).map(labels)
    return out[[c.name for c in table.columns]]


def rounded(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Float columns rounded to their registry precision; integers and text as they are."""
    out = frame.copy()
    for col in table.columns:
        if col.decimals is not None and pd.api.types.is_float_dtype(out[col.name]):
            out[col.name] = out[col.name].round(col.decimals)
    return out


def sheet(table: Table, frame: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """A disclosure-controlled table as published: registry columns, rounded, Danish headings."""
    return rounded(table, labelled(table, frame, registry)).rename(columns=table.headings)


def publish_from_files(chapter: str, paths: Any, registry: Registry, min_count: int) -> Chapter:
    """`publish_chapter` on the interim tables of a rule's inputs (`paths[name]` per source)."""
    return publish_chapter(chapter, read_sources({name: paths[name] for name in registry.sources(chapter)}),
                           registry, min_count)


def publish_chapter(chapter: str, interim: dict[str, pd.DataFrame], registry: Registry,
                    min_count: int) -> Chapter:
    """A chapter's disclosure-controlled tables and published sheets, in the registry's order."""
    tables = registry.chapter_tables(chapter)
    missing = sorted({t.source for t in tables} - set(interim))
    if missing:
        raise KeyError(f"{chapter}: interim tables {missing} were not given")
    safe = {t.id: controlled(t, interim[t.source], min_count) for t in tables}
    return Chapter(controlled=safe, sheets={t.sheet: sheet(t, safe[t.id], registry) for t in tables})


def internal(table: Table, published: pd.DataFrame) -> pd.DataFrame:
    """A published sheet back under the pipeline's column names (for prose that should not
    depend on the Danish headings)."""
    back = {c.heading: c.name for c in table.columns}
    unknown = [c for c in published.columns if c not in back]
    if unknown:
        raise RegistryError(f"table '{table.id}': headings {unknown} are not in the registry (stale CSV?)")
    return published.rename(columns=back)
