"""What every download says about itself: the notes sheet of each workbook and the README beside
each chapter's CSVs (data source and whether it is synthetic, seed, commit, config hash, the
disclosure threshold, the marker legend, the units; the README also describes the two CSV
dialects). Texts: config/tables.yaml `notes`."""

from __future__ import annotations

from typing import Any

import pandas as pd

from puljeeval.publish.display import Markers
from puljeeval.publish.registry import Registry
from puljeeval.render import pages


def sheet_name(registry: Registry) -> str:
    return str(registry.raw["notes"]["sheet"])


def texts(registry: Registry, chapter: str) -> dict[str, Any]:
    """The notes' texts of a chapter: `notes`, with what `notes.chapters.<chapter>` replaces."""
    raw = dict(registry.raw["notes"])
    own = dict((raw.pop("chapters", None) or {}).get(chapter) or {})
    return {**raw, **own}


def notes(chapter: str, config: Any, registry: Registry, markers: Markers, tables_hash: str,
          title: str | None = None, fill: dict[str, Any] | None = None,
          source: pages.Source | None = None) -> pd.DataFrame:
    """Two columns (item, value): the notes sheet, first in the workbook (`title`: the chapter's
    title as the pages give it; `fill`: the values of a chapter's own disclosure texts, from
    `tables.thresholds`; `source`: the data source when it is not the evaluation's, the
    mapping's)."""
    t = texts(registry, chapter)
    values = {"min_count": config["disclosure"]["min_count"]} if not fill else dict(fill)
    source = source or pages.evaluation_source(config)
    rows = []
    if source.synthetic_line:
        rows.append((t["warning"], source.synthetic_line))
    rows += [(t["chapter"], title or chapter),
             (t["data_source"], source.text),
             (t["commit"], pages.git_commit()),
             (t["config_hash"], config_hash(config, tables_hash)),
             (t["disclosure"][0], t["disclosure"][1].format(**values)),
             (t["rounding"][0], t["rounding"][1])]
    rows += [(t["marker"].format(symbol=symbol), text) for symbol, text in markers.legend()]
    if markers.convention:
        rows.append((t["convention"], markers.convention))
    rows += [(tab.sheet, t["sheet_of"].format(id=tab.id) if tab.title is None
              else t["sheet_title"].format(id=tab.id, title=tab.title)) for tab in registry.chapter_tables(chapter)]
    # each unit in words, with the headings that carry it
    headings: dict[str, list[str]] = {}
    for tab in registry.chapter_tables(chapter):
        for c in tab.columns:
            if c.unit not in ("code", "text") and c.heading not in headings.setdefault(c.unit, []):
                headings[c.unit].append(c.heading)
    rows += [(t["unit"].format(unit=registry.units[u]), "; ".join(h)) for u, h in sorted(headings.items())]
    return pd.DataFrame(rows, columns=list(t["columns"]))


def config_hash(config: Any, tables_hash: str) -> str:
    return pages.config_hash({"config": config.plain() if hasattr(config, "plain") else config,
                              "tables.yaml": tables_hash})


def readme(chapter: str, notes_frame: pd.DataFrame, registry: Registry, excel_folder: str) -> str:
    """README.txt beside the chapter's CSVs: what the files are, the two CSV dialects (the
    documented one beside the README, the Danish Excel one in `excel_folder`), then the notes, as
    text."""
    t = texts(registry, chapter)
    lines = [t["readme"].format(chapter=chapter), ""]
    lines += [line.format(chapter=chapter, folder=excel_folder) for line in t["csv_dialects"]]
    lines += [""]
    lines += [f"{k}: {v}" for k, v in notes_frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"
