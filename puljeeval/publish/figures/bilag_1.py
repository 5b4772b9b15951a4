"""Bilag 1 has no figures: its overview and element matrix are tables. The figures rule still
runs for it, so every chapter has its folder of figures for the page to read."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt

from puljeeval.publish.figures.context import Context
from puljeeval.publish.masked import Masked


def catalogue(tables: dict[str, Masked], ctx: Context, settings: Any) -> dict[str, plt.Figure]:
    return {}
