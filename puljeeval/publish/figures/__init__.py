"""The report's figures, all chapters: one house style (`style`), what every figure shares
(`context`: cells with their statuses, markers and their legend, display precision, the
synthetic-data line) and one catalogue per chapter (`kapitel_3`, `kapitel_4`, `kapitel_5`), each
drawn from that chapter's disclosure-controlled tables (a cell without a number is drawn as the
marker of its reason) with its texts and labels from the publication registry
(config/tables.yaml), so the figures and the tables use the same labels and the same numbers.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt

from puljeeval.publish.figures.context import Context
from puljeeval.publish.figures.style import bar_style, save
from puljeeval.publish.masked import Masked
from puljeeval.publish.registry import CHAPTERS, Registry
from puljeeval.render.pages import synthetic_line

__all__ = ["Context", "bar_style", "catalogue", "context_of", "save"]


def context_of(registry: Registry, config: Any) -> Context:
    """The figures' context for a run: markers at the disclosure threshold, and the synthetic-data
    line when config `data_source` is the twin (config keys disclosure.min_count, data_source,
    twin.seed, twin.scale)."""
    return Context(registry, registry.markers(config["disclosure"]["min_count"]), synthetic_line(config))


def catalogue(chapter: str, tables: Mapping[str, Masked] | Any, registry: Registry,
              settings: Any) -> dict[str, plt.Figure]:
    """The chapter's figures keyed by file stem (the report's numbering), from its
    disclosure-controlled tables by registry id (a `Chapter` or its `.masked`)."""
    if chapter not in CHAPTERS:
        raise KeyError(f"chapter '{chapter}' is not one of {list(CHAPTERS)}")
    tables = getattr(tables, "masked", tables)
    plain = sorted(k for k, v in tables.items() if not isinstance(v, Masked))
    if plain:
        raise TypeError(f"{chapter}: figures are drawn from masked tables (values and cell statuses, "
                        f"Chapter.masked); {plain} are not")
    module = importlib.import_module(f"puljeeval.publish.figures.{chapter}")
    return module.catalogue(tables, context_of(registry, settings.config), settings)
