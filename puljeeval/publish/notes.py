"""What every download says about itself: the notes sheet of each workbook and the README beside
each chapter's CSVs (data source and whether it is synthetic, seed, commit, config hash, the
disclosure threshold, the marker legend, the units)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from puljeeval.publish.display import Markers
from puljeeval.publish.registry import Registry
from puljeeval.render import pages

NOTES_SHEET = "Noter"


def notes(chapter: str, config: Any, registry: Registry, markers: Markers, tables_hash: str) -> pd.DataFrame:
    """(Oplysning, Værdi) rows: the notes sheet, first in the workbook."""
    rows = []
    line = pages.synthetic_line(config)
    if line:
        rows.append(("ADVARSEL", line))
    rows += [("Kapitel", chapter),
             ("Datakilde", pages.data_source(config)),
             ("Git-commit", pages.git_commit()),
             ("Konfiguration brugt til publiceringen (sha256)", config_hash(config, tables_hash)),
             ("Diskretionering", f"Antal personer under {config['disclosure']['min_count']} vises ikke, og heller "
                                 "ikke tal, de kan regnes ud fra (sekundær diskretionering)."),
             ("Afrunding", "Tal er afrundet én gang, ved visning, efter almindelig afrunding (5 rundes op), "
                           "til den præcision kolonnens format viser; p-værdier under 0,001 skrives <0,001.")]
    rows += [(f"Tegn: {symbol}", text) for symbol, text in markers.legend()]
    if markers.convention:
        rows.append(("Tegnforklaringens forlæg", markers.convention))
    rows += [(t.sheet, f"Ark med tabellen '{t.id}'") for t in registry.chapter_tables(chapter)]
    units = sorted({c.unit for t in registry.chapter_tables(chapter) for c in t.columns})
    rows += [(f"Enhed: {u}", registry.units[u]) for u in units]
    return pd.DataFrame(rows, columns=["Oplysning", "Værdi"])


def config_hash(config: Any, tables_hash: str) -> str:
    return pages.config_hash({"config": config.plain() if hasattr(config, "plain") else config,
                              "tables.yaml": tables_hash})


def readme(chapter: str, notes_frame: pd.DataFrame) -> str:
    """README.txt beside the chapter's CSVs: the notes, as text."""
    lines = [f"Publicerede tabeller, {chapter} (én CSV pr. ark i {chapter}.xlsx; UTF-8, komma som "
             "feltskilletegn, punktum som decimaltegn).", ""]
    lines += [f"{k}: {v}" for k, v in notes_frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"
