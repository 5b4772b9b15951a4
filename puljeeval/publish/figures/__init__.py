"""The report's figures, all chapters: one house style (`style`) and one catalogue per chapter
(`kapitel_3`, `kapitel_4`, `kapitel_5`), each drawn from that chapter's disclosure-controlled
tables (hidden cells are not drawn, they are marked) with its texts from the publication
registry (config/tables.yaml), so the figures and the tables use the same labels.
"""

from __future__ import annotations

import importlib
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from puljeeval.publish.figures.style import bar_style, dk, save
from puljeeval.publish.registry import CHAPTERS, Registry

__all__ = ["bar_style", "catalogue", "dk", "save"]


def catalogue(chapter: str, tables: dict[str, pd.DataFrame], registry: Registry,
              settings: Any) -> dict[str, plt.Figure]:
    """The chapter's figures keyed by file stem (the report's numbering), from its controlled
    tables by registry id."""
    if chapter not in CHAPTERS:
        raise KeyError(f"chapter '{chapter}' is not one of {list(CHAPTERS)}")
    module = importlib.import_module(f"puljeeval.publish.figures.{chapter}")
    return module.catalogue(tables, registry, settings)
