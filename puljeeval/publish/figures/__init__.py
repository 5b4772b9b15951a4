"""The report's figures, all chapters: one house style (`style`), what every figure shares
(`context`: cells with their statuses, markers and their legend, display precision, the
synthetic-data line) and one catalogue per chapter (`kapitel_3`, `kapitel_4`, `kapitel_5`), each
drawn from that chapter's disclosure-controlled tables (a cell without a number is drawn as the
marker of its reason) with its texts and labels from the publication registry
(config/tables.yaml), so the figures and the tables use the same labels and the same numbers.
Each figure has its caption as the report has it (number, full title, "Kilde", notes, N computed
from the cells drawn) and an alt text written from the caption and the data drawn; the figures
rule writes it beside the PNG and SVG as `<stem>.json` (sorted keys, UTF-8, the same bytes for the
same tables and config).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt

from puljeeval.publish.figures.context import Caption, Context, caption_of
from puljeeval.publish.figures.style import bar_style, save
from puljeeval.publish.masked import Masked
from puljeeval.publish.registry import CHAPTERS, Registry
from puljeeval.render.pages import synthetic_line

__all__ = ["Caption", "Context", "bar_style", "caption_of", "catalogue", "context_of", "save"]


def context_of(registry: Registry, config: Any, line: str | None = None) -> Context:
    """The figures' context for a run: markers at the disclosure threshold, and the synthetic-data
    line when config `data_source` is the twin (config keys disclosure.min_count, data_source,
    twin.seed, twin.scale); `line`: the chapter's own line instead (chapter 6: its assumed input)."""
    return Context(registry, registry.markers(config["disclosure"]["min_count"]),
                   synthetic_line(config) if line is None else line)


def catalogue(chapter: str, tables: Mapping[str, Masked] | Any, registry: Registry,
              settings: Any, line: str | None = None) -> dict[str, plt.Figure]:
    """The chapter's figures keyed by file stem (the report's numbering), from its
    disclosure-controlled tables by registry id (a `Chapter` or its `.masked`). Each carries its
    caption (`caption_of`): the report's number, title, source, notes, N and an alt text, which
    `save` writes beside the image as `<stem>.json`."""
    if chapter not in CHAPTERS:
        raise KeyError(f"chapter '{chapter}' is not one of {list(CHAPTERS)}")
    tables = getattr(tables, "masked", tables)
    plain = sorted(k for k, v in tables.items() if not isinstance(v, Masked))
    if plain:
        raise TypeError(f"{chapter}: figures are drawn from masked tables (values and cell statuses, "
                        f"Chapter.masked); {plain} are not")
    module = importlib.import_module(f"puljeeval.publish.figures.{chapter}")
    return module.catalogue(tables, context_of(registry, settings.config, line), settings)
