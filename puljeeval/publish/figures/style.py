"""The house style of every figure of the report: greys with hatching so that every series reads
in greyscale, values written on the bars (on a light box where the fill is hatched, so that the
hatching never runs through the digits), Danish axis ticks, the report's heading over the figure
and its lines under it, and PNG/SVG with fixed metadata (plus the caption's sidecar JSON) so the
same tables give the same bytes. Chapter 5's estimate plots add a few signal colours.

Every figure is at most `PAGE_WIDTH` inches wide as saved: pages and the A4 print show it at
about that width, so a point of text in the figure is a point on the page (a wider figure would be
shrunk, and its 7 pt ticks with it).

Every number drawn goes through the one Danish formatter (puljeeval/publish/display.py): bar
labels and notes through `display.number`, axis ticks through `DanishTicks` here.

Importing this module sets matplotlib's parameters; it is the one place figures are styled.
"""

from __future__ import annotations

import json
import math
import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.layout_engine import PlaceHolderLayoutEngine  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
from matplotlib.ticker import Formatter, ScalarFormatter  # noqa: E402

from puljeeval.atomic import written  # noqa: E402
from puljeeval.publish import display  # noqa: E402

GREYS = ["#262626", "#737373", "#b3b3b3", "#e0e0e0", "#4d4d4d", "#999999"]
HATCHES = ["", "///", "...", "", "xx", "\\\\\\"]
EDGE = "#262626"
# Chapter 5: significant (blue), significant positive / negative (green / red), other methods.
BLUE, GREEN, RED, GREY = "#1f5fa8", "#2e7d32", "#c62828", "#8c8c8c"
GREY_TEXT = "#595959"     # grey text on white (GREY itself is too light for text)
# Text on a fill: WCAG AA's contrast for normal text; a label on a hatched fill, or on a fill
# neither black nor white reaches this contrast with, sits on a light box of its own.
MIN_CONTRAST = 4.5
LIGHT_BOX = {"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "none"}
PAGE_WIDTH = 7.5          # inches: the widest a figure is saved (A4's text width, a page's column)
HEADING_SIZE = 9
LABEL_SIZE = 7            # values written on or beside bars
NOTE_SIZE = 7
NOTE_GAP = 0.08           # inches between the figure and the notes under it
MARKER_SIZE = 7.5
TICK_DECIMALS_MAX = 6
# A label inside a bar segment needs this much room beyond its own width (points): its box's
# padding on both sides (LIGHT_BOX: 0.3 of a 7 pt label) and a little air.
FIT_PAD_PT = 6
STYLE = {
    "font.family": "DejaVu Sans", "font.size": 8, "axes.titlesize": 9, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "axes.grid.axis": "x", "axes.axisbelow": True,
    "grid.color": "#dddddd",
    "legend.frameon": False, "svg.hashsalt": "puljeeval", "svg.fonttype": "path", "figure.dpi": 150,
    "xtick.labelsize": 7, "ytick.labelsize": 7, "legend.fontsize": 7,
}
matplotlib.rcParams.update(STYLE)


def figure(width: float, height: float, **kwargs) -> tuple[plt.Figure, object]:
    """A figure with constrained layout (legends and titles outside the axes take their room);
    `kwargs` go to plt.subplots."""
    return plt.subplots(figsize=(width, height), layout="constrained", **kwargs)


# The attribute of a finished figure that holds its caption (context.Caption).
CAPTION = "puljeeval_caption"


def save(fig: plt.Figure, stem: str, outdir: str | Path) -> list[Path]:
    """PNG and SVG of `fig` under `outdir`, without the date and software stamps that would make
    two runs differ, and beside them `<stem>.json`, the caption's sidecar (number, title, source,
    note, N, alt text, synthetic-data line) when the figure has one: sorted keys, UTF-8, a newline
    at the end, so the same caption gives the same bytes."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = [outdir / f"{stem}.png", outdir / f"{stem}.svg"]
    with written(paths[0]) as tmp:
        fig.savefig(tmp, metadata={"Software": None}, bbox_inches="tight")
    with written(paths[1]) as tmp:
        fig.savefig(tmp, metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    caption = getattr(fig, CAPTION, None)
    if caption is not None:
        paths.append(outdir / f"{stem}.json")
        with written(paths[2]) as tmp:
            tmp.write_text(json.dumps(caption.sidecar(), sort_keys=True, ensure_ascii=False, indent=2) + "\n",
                           encoding="utf-8")
    plt.close(fig)
    return paths


def bar_style(i: int) -> dict:
    """The i-th series' fill: grey and hatch cycle together, so series differ in greyscale too."""
    return {"color": GREYS[i % len(GREYS)], "hatch": HATCHES[i % len(HATCHES)], "edgecolor": EDGE,
            "linewidth": 0.4}


def swatch(i: int, label: str) -> Patch:
    """The legend entry of the i-th series (its fill and hatch)."""
    fill = bar_style(i)
    return Patch(facecolor=fill["color"], hatch=fill["hatch"], edgecolor=fill["edgecolor"],
                 linewidth=fill["linewidth"], label=label)


def luminance(color) -> float:
    """Relative luminance (WCAG 2) of a colour."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in to_rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def on_fill(color: str, hatch: str = "") -> dict:
    """Text style for a label drawn on a bar of `color` (with `hatch`): on a plain fill, white or
    black, whichever contrasts more, on a patch of the fill itself; on a hatched fill, or one
    neither reaches MIN_CONTRAST with, black on a light box that keeps the hatching off the
    digits."""
    text = max(("white", "black"), key=lambda c: contrast(c, color))
    if hatch or contrast(text, color) < MIN_CONTRAST:
        return {"color": "black", "bbox": dict(LIGHT_BOX)}
    return {"color": text, "bbox": {"boxstyle": "square,pad=0.15", "facecolor": color, "edgecolor": "none"}}


def tick_decimals(locs: Sequence[float]) -> int:
    """The fewest decimals that write every tick exactly (0.5 steps: 1, 0.02 steps: 2)."""
    finite = [x for x in locs if math.isfinite(x)]
    for d in range(TICK_DECIMALS_MAX + 1):
        if all(abs(float(display.half_up(x, d)) - x) <= 1e-9 * max(1.0, abs(x)) for x in finite):
            return d
    return TICK_DECIMALS_MAX


class DanishTicks(Formatter):
    """Tick labels through display.number (decimal comma, thousands point), at the decimals the
    ticks need (decided per draw from the tick positions). display.axis_formatter takes its
    decimals once; ticks are only known at draw time, hence this formatter."""

    decimals = 0

    def set_locs(self, locs: Sequence[float]) -> None:
        self.decimals = tick_decimals(locs)

    def __call__(self, x: float, pos: int | None = None) -> str:
        # zero is written plainly ("0", not "0,00"): shorter, and it reads as the reference line
        return "0" if x == 0 else display.number(x, self.decimals)


def wrapped(fig: plt.Figure, lines: Sequence[str], size: float, width: float) -> str:
    """`lines` wrapped (each by itself) so that at `size` points none is wider than `width`
    inches, as the renderer measures the text (not a guess per character)."""
    renderer = fig.canvas.get_renderer()
    probe = fig.text(0, 0, "", fontsize=size)
    chars = max(20, int(width * 72 / (size * 0.5)))
    while True:
        text = "\n".join(textwrap.fill(line, chars) for line in lines)
        probe.set_text(text)
        if chars <= 20 or probe.get_window_extent(renderer).width <= width * fig.dpi:
            break
        chars = int(chars * 0.95)
    probe.remove()
    return text


def heading(fig: plt.Figure, text: str, size: float = HEADING_SIZE) -> None:
    """The figure's heading (its number and the report's title), left-aligned over everything and
    wrapped to the figure's width; each line of `text` is wrapped by itself."""
    fig.suptitle(wrapped(fig, text.split("\n"), size, fig.get_figwidth() * 0.97), x=0.01, ha="left",
                 fontsize=size)


def danish_ticks(fig: plt.Figure) -> None:
    """Every numeric axis of `fig` (those still on matplotlib's default formatter; axes whose
    ticks are labels keep them) writes its ticks the Danish way."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            if isinstance(axis.get_major_formatter(), ScalarFormatter):
                axis.set_major_formatter(DanishTicks())


def freeze(fig: plt.Figure) -> None:
    """Run the layout once and keep it: what is placed afterwards (notes under the figure) is
    placed against final positions."""
    engine = fig.get_layout_engine()
    if engine is None or isinstance(engine, PlaceHolderLayoutEngine):
        return      # no layout, or already frozen
    engine.execute(fig)
    fig.set_layout_engine("none")
    # a figure legend is placed against the figure's box, which saving with bbox_inches="tight"
    # changes: pin each where the layout put it
    renderer = fig.canvas.get_renderer()
    for legend in fig.legends:
        box = legend.get_window_extent(renderer).transformed(fig.transFigure.inverted())
        legend.set_bbox_to_anchor((box.x0, box.y0), transform=fig.transFigure)
        legend.set_loc("lower left")
        legend.borderaxespad = 0


def fit_inside(fig: plt.Figure, fitted: Sequence[tuple]) -> None:
    """Hide each label drawn on a bar segment that is wider than the segment (the number is in
    the published table): (axes, text, x0, x1) in data units."""
    if not fitted:
        return
    freeze(fig)
    renderer = fig.canvas.get_renderer()
    pad = FIT_PAD_PT * fig.dpi / 72
    for ax, text, x0, x1 in fitted:
        width = abs(ax.transData.transform((x1, 0))[0] - ax.transData.transform((x0, 0))[0])
        if text.get_window_extent(renderer).width + pad > width:
            text.set_visible(False)


def footnotes(fig: plt.Figure, lines: Sequence[str], size: float = NOTE_SIZE) -> None:
    """`lines` under everything already drawn, left-aligned, each wrapped to the figure's width.
    Positions are fixed first (the layout is run once and then frozen), so the notes cannot
    overlap an axis label or a legend below the axes."""
    lines = [line for line in lines if line]
    if not lines:
        return
    freeze(fig)
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    text = wrapped(fig, lines, size, fig.get_figwidth() - max(box.x0, 0.0) - 0.05)
    # figure fractions (not inches): saving with bbox_inches="tight" moves the figure's origin,
    # and only positions in figure coordinates move with it
    w, h = fig.get_size_inches()
    fig.text(box.x0 / w, (box.y0 - NOTE_GAP) / h, text, ha="left", va="top", fontsize=size, color="#333333",
             linespacing=1.35)
