"""The house style of every figure of the report: greys with hatching so that every series reads
in greyscale, Danish decimal comma, values written on the bars, and PNG/SVG with fixed metadata so
the same tables give the same bytes. Chapter 5's estimate plots add a few signal colours.

Importing this module sets matplotlib's parameters; it is the one place figures are styled.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from puljeeval.atomic import written

GREYS = ["#262626", "#737373", "#b3b3b3", "#e0e0e0", "#4d4d4d", "#999999"]
HATCHES = ["", "///", "...", "", "xx", "\\\\\\"]
# Chapter 5: significant (blue), significant positive / negative (green / red), other methods.
BLUE, GREEN, RED, GREY = "#1f5fa8", "#2e7d32", "#c62828", "#8c8c8c"
STYLE = {
    "font.family": "DejaVu Sans", "font.size": 8, "axes.titlesize": 9, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "axes.grid.axis": "x", "grid.color": "#dddddd",
    "legend.frameon": False, "svg.hashsalt": "puljeeval", "svg.fonttype": "path", "figure.dpi": 150,
}
matplotlib.rcParams.update(STYLE)


def dk(x: float, decimals: int = 0) -> str:
    """A number the Danish way: decimal comma, thousands point."""
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def save(fig: plt.Figure, stem: str, outdir: str | Path) -> list[Path]:
    """PNG and SVG of `fig` under `outdir`, without the date and software stamps that would make
    two runs differ."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = [outdir / f"{stem}.png", outdir / f"{stem}.svg"]
    with written(paths[0]) as tmp:
        fig.savefig(tmp, metadata={"Software": None}, bbox_inches="tight")
    with written(paths[1]) as tmp:
        fig.savefig(tmp, metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    plt.close(fig)
    return paths


def bar_style(i: int) -> dict:
    """The i-th series' fill: grey and hatch cycle together, so series differ in greyscale too."""
    return {"color": GREYS[i % len(GREYS)], "hatch": HATCHES[i % len(HATCHES)], "edgecolor": "#262626",
            "linewidth": 0.4}
