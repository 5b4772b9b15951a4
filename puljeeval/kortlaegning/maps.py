"""The mapping's maps (Figur 1-1, 3-1, 5-1, 9-1, 9-2), drawn offline in the house style.

Each municipality is a point (data/geo/kommuner.csv) on Denmark's outline (data/geo/
denmark_outline.geojson): vendored municipality boundaries with a licence that allows it were
not found (docs/maps.md), so the report's coloured municipalities become markers on their
points. Everything is greyscale-readable: sizes, fills and shapes carry the meaning, not hue.

- `municipality_map(counts)`: one circle per municipality with a count, its area proportional
  to the count; a count of 0 is a small open circle, a missing count (NaN) a small open square.
- `small_multiples(panels)`: one such map per category (intervention type, age group, substance)
  on one shared scale, as Figur 5-1, 9-1 and 9-2 have one panel per category.
- `category_map(categories, order)`: one marker style per category (Figur 1-1: the breadth
  survey's response status).
- `branch_map(branches)`: branches by sector, public as crosses and private as circles as
  Figur 3-1 draws them ("Blå (kryds) = Offentlige tilbud; Rød (cirkel) = Private tilbud"), several
  branches in one municipality spread on a small spiral around its point; optionally the
  municipalities the offers cover as grey discs underneath.

Every function takes data (pandas objects keyed by the 3-digit municipality code) and returns a
Figure; nothing reads the network. `finish` adds the heading, the lines under the map and the
caption (sidecar JSON and alt text, `describe_*` write alt texts from the data drawn), and
`save` (the house style's) writes PNG, SVG and sidecar with fixed metadata, so the same data
give the same bytes. Inputs are sorted by code before drawing, so their order does not matter.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from puljeeval.kortlaegning import geo
from puljeeval.publish import display
from puljeeval.publish.figures import style
from puljeeval.publish.figures.context import Caption

save = style.save

# Danish texts drawn on the maps (callers may pass their own).
TEXTS = {
    "count": "Antal tilbud", "zero": "Ingen tilbud", "missing": "Ingen oplysning",
    "covered": "Kommune dækket af tilbud", "inset": "Bornholm", "and": " og ",
}
SECTORS = {"offentlig": "Offentlige tilbud", "privat": "Private tilbud"}

LAND, COAST = "#f2f2f2", "#8c8c8c"
DOT = "#b3b3b3"               # every municipality's point, under what is drawn on it
FILL, EDGE = "#4d4d4d", "white"
COVERED = "#d9d9d9"
INK = style.GREYS[0]
# Category styles: filled, grey, open, then shapes, so categories differ in greyscale.
CATEGORY_STYLES = (
    {"marker": "o", "facecolor": INK, "edgecolor": INK},
    {"marker": "o", "facecolor": "#a6a6a6", "edgecolor": INK},
    {"marker": "o", "facecolor": "white", "edgecolor": INK},
    {"marker": "s", "facecolor": "#737373", "edgecolor": INK},
    {"marker": "^", "facecolor": "white", "edgecolor": INK},
    {"marker": "D", "facecolor": INK, "edgecolor": INK},
)
SECTOR_STYLES = {
    "offentlig": {"marker": "x", "color": INK, "linewidths": 0.9},
    "privat": {"marker": "o", "facecolors": "none", "edgecolors": INK, "linewidths": 0.8},
}

MAP_WIDTH = 4.6               # inches: one map
ASPECT = 1.2                  # map height / width (Denmark in the cos(56 deg) plane, with margins)
S_MAX = 170.0                 # points^2: the largest count's circle on a MAP_WIDTH-wide map
S_DOT, S_SMALL, S_BRANCH, S_COVERED = 2.0, 9.0, 16.0, 46.0
SPIRAL_STEP = 0.017           # degrees of latitude between a municipality's branches
GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
MARGIN = 0.08                 # degrees of latitude around the outline


@dataclass(frozen=True)
class Geography:
    """The outline and the municipalities a map is drawn on."""

    outline: geo.Outline
    kommuner: pd.DataFrame


@cache
def vendored() -> Geography:
    """The vendored geography (data/geo), read once."""
    return Geography(geo.load_outline(), geo.load_kommuner())


# ------------------------------------------------------------------ checking the input


def _codes(index: pd.Index, kommuner: pd.DataFrame, where: str, unique: bool = True) -> list[int]:
    """The index as municipality codes (int or digit strings such as '0101'), each known (and,
    with `unique`, each once)."""
    codes, bad = [], []
    for code in index:
        text = str(code).strip()
        if not text.isdigit() or int(text) not in kommuner.index:
            bad.append(code)
        else:
            codes.append(int(text))
    if bad:
        raise ValueError(f"{where}: unknown municipality code(s) {bad}; expected codes of data/geo/kommuner.csv "
                         "(3 digits, e.g. 101 or '0101')")
    if unique and len(set(codes)) != len(codes):
        raise ValueError(f"{where}: a municipality code appears twice")
    return codes


def _counts(counts: pd.Series, kommuner: pd.DataFrame, where: str) -> pd.Series:
    """Counts as floats indexed by int code, sorted; each a non-negative number or NaN (missing)."""
    codes = _codes(counts.index, kommuner, where)
    values = pd.to_numeric(counts, errors="coerce")
    bad = [(c, v) for c, v, n in zip(codes, counts, values, strict=True)
           if (pd.isna(n) and not pd.isna(v)) or (not pd.isna(n) and (n < 0 or not math.isfinite(n)))]
    if bad:
        code, value = bad[0]
        raise ValueError(f"{where}, municipality {code}: expected a count >= 0 (or missing), got {value!r}")
    return pd.Series(values.to_numpy(float), index=codes).sort_index()


def _xy(codes: Sequence[int], kommuner: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    rows = kommuner.loc[list(codes)]
    return geo.project(rows["lon"].to_numpy(), rows["lat"].to_numpy())


# ------------------------------------------------------------------ the base map


def base_map(ax: plt.Axes, geography: Geography, inset_label: str = TEXTS["inset"]) -> None:
    """Denmark's land (Bornholm in its framed inset), every municipality's point as a small dot,
    equal aspect, fixed limits, no axes."""
    polygons = []
    for rings in geography.outline.polygons:
        x, y = geo.project(rings[0][:, 0], rings[0][:, 1])
        polygons.append(np.column_stack([x, y]))
    ax.add_collection(PolyCollection(polygons, facecolors=LAND, edgecolors=COAST, linewidths=0.4, zorder=1,
                                     gid="land"))
    x0, y0, x1, y1 = geo.inset_frame(geography.outline)
    ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, edgecolor=COAST, linewidth=0.5, zorder=1,
                           gid="inset"))
    ax.text(x0, y1 + 0.02, inset_label, fontsize=6, color=style.GREY_TEXT, va="bottom", ha="left")
    x, y = _xy(geography.kommuner.index, geography.kommuner)
    ax.scatter(x, y, s=S_DOT, c=DOT, linewidths=0, zorder=2, gid="kommuner")
    every = np.vstack(polygons)
    ax.set_xlim(every[:, 0].min() - MARGIN, every[:, 0].max() + MARGIN)
    ax.set_ylim(every[:, 1].min() - MARGIN, every[:, 1].max() + MARGIN)
    ax.set_aspect("equal")
    ax.set_axis_off()


def _figure(n: int, ncols: int, width: float) -> tuple[plt.Figure, np.ndarray]:
    nrows = math.ceil(n / ncols)
    panel = width / ncols
    fig, axes = style.figure(width, nrows * panel * ASPECT + 0.5, nrows=nrows, ncols=ncols, squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, axes


# ------------------------------------------------------------------ counts


def _sizes(values: np.ndarray, vmax: float, s_max: float) -> np.ndarray:
    """Marker areas proportional to the counts (the largest count gets `s_max`)."""
    return s_max * values / vmax if vmax > 0 else np.zeros_like(values)


def draw_counts(ax: plt.Axes, counts: pd.Series, geography: Geography, vmax: float, s_max: float) -> None:
    """On a base map: a circle per municipality with a count above 0 (area proportional to it,
    largest drawn first so small ones stay visible), an open circle for 0, an open square for a
    missing count. `counts` is checked (`_counts`)."""
    k = geography.kommuner
    positive = counts[counts > 0].sort_values(ascending=False, kind="stable")
    x, y = _xy(positive.index, k)
    ax.scatter(x, y, s=_sizes(positive.to_numpy(), vmax, s_max), c=FILL, edgecolors=EDGE, linewidths=0.4, zorder=4,
               gid="counts")
    for mask, marker, gid in ((counts == 0, "o", "zero"), (counts.isna(), "s", "missing")):
        x, y = _xy(counts.index[mask], k)
        ax.scatter(x, y, s=S_SMALL, marker=marker, facecolors="white", edgecolors=INK, linewidths=0.6, zorder=3,
                   gid=gid)


def _steps(vmax: float) -> list[int]:
    """Two or three round counts for the size legend: 1, about half the largest, the largest."""
    top = int(round(vmax))
    if top <= 1:
        return [1]
    middle = int(round(top / 2))
    return sorted({1, middle, top})


def _count_legend(fig: plt.Figure, vmax: float, s_max: float, zero: bool, missing: bool,
                  texts: Mapping[str, str]) -> None:
    handles = [Line2D([], [], linestyle="none", marker="o", markersize=math.sqrt(float(s)), markerfacecolor=FILL,
                      markeredgecolor=EDGE, markeredgewidth=0.4, label=display.number(v, 0))
               for v, s in zip(_steps(vmax), _sizes(np.array(_steps(vmax), float), vmax, s_max), strict=True)]
    if zero:
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=math.sqrt(S_SMALL),
                              markerfacecolor="white", markeredgecolor=INK, markeredgewidth=0.6, label=texts["zero"]))
    if missing:
        handles.append(Line2D([], [], linestyle="none", marker="s", markersize=math.sqrt(S_SMALL),
                              markerfacecolor="white", markeredgecolor=INK, markeredgewidth=0.6,
                              label=texts["missing"]))
    fig.legend(handles=handles, ncol=len(handles), loc="outside lower center", title=texts["count"],
               title_fontsize=7, handletextpad=0.3, columnspacing=1.2)


def small_multiples(panels: Mapping[str, pd.Series], ncols: int | None = None, width: float = style.PAGE_WIDTH,
                    vmax: float | None = None, geography: Geography | None = None,
                    texts: Mapping[str, str] = TEXTS) -> plt.Figure:
    """One map per panel (its title the key), all on one scale: the largest count of all panels
    (or `vmax`) gets the largest circle. Default columns: 2 for 2 or 4 panels, else 3."""
    if not panels:
        raise ValueError("small_multiples: expected at least one panel")
    geography = geography or vendored()
    checked = {name: _counts(s, geography.kommuner, f"panel '{name}'" if name else "counts")
               for name, s in panels.items()}
    top = vmax if vmax is not None else max((float(s.max()) for s in checked.values() if s.notna().any()),
                                            default=0.0)
    ncols = ncols or (2 if len(checked) in (2, 4) else min(3, len(checked)))
    fig, axes = _figure(len(checked), ncols, width)
    s_max = S_MAX * (width / ncols / MAP_WIDTH) ** 2
    for ax, (name, counts) in zip(axes.flat, checked.items(), strict=False):
        base_map(ax, geography, texts["inset"])
        draw_counts(ax, counts, geography, top, s_max)
        if len(checked) > 1:
            ax.set_title(name, fontsize=8)
    every = pd.concat(list(checked.values()))
    _count_legend(fig, top, s_max, bool((every == 0).any()), bool(every.isna().any()), texts)
    return fig


def municipality_map(counts: pd.Series, width: float = MAP_WIDTH, vmax: float | None = None,
                     geography: Geography | None = None, texts: Mapping[str, str] = TEXTS) -> plt.Figure:
    """One map of counts per municipality (`counts` indexed by municipality code)."""
    return small_multiples({"": counts}, ncols=1, width=width, vmax=vmax, geography=geography, texts=texts)


# ------------------------------------------------------------------ categories


def category_map(categories: pd.Series, order: Sequence[str], width: float = MAP_WIDTH,
                 geography: Geography | None = None) -> plt.Figure:
    """One marker per municipality in `categories` (its category, one of `order`), one style per
    category in `order` (filled, grey, open, then shapes); the legend gives each category's
    number of municipalities."""
    geography = geography or vendored()
    if len(order) > len(CATEGORY_STYLES) or len(set(order)) != len(order):
        raise ValueError(f"category_map: expected at most {len(CATEGORY_STYLES)} distinct categories, got {order}")
    codes = _codes(categories.index, geography.kommuner, "categories")
    values = pd.Series(list(categories), index=codes).sort_index()
    unknown = values[~values.isin(list(order))]
    if len(unknown):
        raise ValueError(f"categories, municipality {unknown.index[0]}: expected one of {list(order)}, "
                         f"got {unknown.iloc[0]!r}")
    fig, axes = _figure(1, 1, width)
    ax = axes[0, 0]
    base_map(ax, geography)
    handles = []
    for i, name in enumerate(order):
        spec = dict(CATEGORY_STYLES[i])
        marker = spec.pop("marker")
        x, y = _xy(values.index[values == name], geography.kommuner)
        ax.scatter(x, y, s=22, marker=marker, facecolors=spec["facecolor"], edgecolors=spec["edgecolor"],
                   linewidths=0.6, zorder=3, gid=f"category/{i}")
        handles.append(Line2D([], [], linestyle="none", marker=marker, markersize=math.sqrt(22),
                              markerfacecolor=spec["facecolor"], markeredgecolor=spec["edgecolor"],
                              markeredgewidth=0.6, label=f"{name} ({display.number(int((values == name).sum()), 0)})"))
    fig.legend(handles=handles, ncol=min(len(handles), 3), loc="outside lower center", handletextpad=0.3)
    return fig


# ------------------------------------------------------------------ branches


def _branches(branches: pd.DataFrame, kommuner: pd.DataFrame, code_column: str, sector_column: str,
              sectors: Mapping[str, str]) -> pd.DataFrame:
    missing = [c for c in (code_column, sector_column) if c not in branches.columns]
    if missing:
        raise ValueError(f"branches: expected the columns '{code_column}' and '{sector_column}', missing {missing}")
    out = []
    for n, (code, sector) in enumerate(zip(branches[code_column], branches[sector_column], strict=True), start=1):
        text = str(code).strip()
        if not text.isdigit() or int(text) not in kommuner.index:
            raise ValueError(f"branches, row {n}, column '{code_column}': expected a municipality code of "
                             f"data/geo/kommuner.csv, got {code!r}")
        if sector not in sectors:
            raise ValueError(f"branches, row {n}, column '{sector_column}': expected one of {list(sectors)}, "
                             f"got {sector!r}")
        out.append((int(text), list(sectors).index(sector), n))
    return pd.DataFrame(out, columns=["code", "sector", "row"])


def spiral(n: int, step: float = SPIRAL_STEP) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (drawing plane) of n markers around one point: a sunflower spiral, the first on
    the point itself, so any number of branches stay apart and the same n gives the same places."""
    k = np.arange(n)
    r = step * np.sqrt(k)
    return r * np.cos(k * GOLDEN_ANGLE), r * np.sin(k * GOLDEN_ANGLE)


def branch_map(branches: pd.DataFrame, covered: Collection[int | str] | None = None, code_column: str = "municipality",
               sector_column: str = "sector", sectors: Mapping[str, str] = SECTORS, width: float = MAP_WIDTH,
               geography: Geography | None = None, texts: Mapping[str, str] = TEXTS) -> plt.Figure:
    """Figur 3-1: every branch (a row of `branches`: its municipality's code and its sector, a key
    of `sectors`) as the sector's marker near its municipality's point; the municipalities in
    `covered` (those the offers cover) as grey discs underneath."""
    geography = geography or vendored()
    k = geography.kommuner
    rows = _branches(branches, k, code_column, sector_column, sectors).sort_values(["code", "sector", "row"])
    fig, axes = _figure(1, 1, width)
    ax = axes[0, 0]
    base_map(ax, geography, texts["inset"])
    handles = []
    if covered is not None:
        codes = sorted(set(_codes(pd.Index(list(covered)), k, "covered", unique=False)))
        x, y = _xy(codes, k)
        ax.scatter(x, y, s=S_COVERED, c=COVERED, linewidths=0, zorder=2.5, gid="covered")
        handles.append(Line2D([], [], linestyle="none", marker="o", markersize=math.sqrt(S_COVERED),
                              markerfacecolor=COVERED, markeredgewidth=0, label=texts["covered"]))
    x, y = _xy(rows["code"], k)
    dx, dy = np.zeros(len(rows)), np.zeros(len(rows))
    position = rows.groupby("code").cumcount().to_numpy()
    sizes = rows.groupby("code")["code"].transform("size").to_numpy()
    for n in np.unique(sizes):
        ox, oy = spiral(int(n))
        dx[sizes == n], dy[sizes == n] = ox[position[sizes == n]], oy[position[sizes == n]]
    for i, (sector, label) in enumerate(sectors.items()):
        mask = (rows["sector"] == i).to_numpy()
        # a sector code of the caller's own gets the first style if it comes first, else the second
        spec = SECTOR_STYLES.get(sector, SECTOR_STYLES["privat" if i else "offentlig"])
        ax.scatter(x[mask] + dx[mask], y[mask] + dy[mask], s=S_BRANCH, zorder=4, gid=f"sector/{sector}", **spec)
        handles.append(Line2D([], [], linestyle="none", marker=spec["marker"], markersize=math.sqrt(S_BRANCH),
                              color=INK, markerfacecolor="none", markeredgewidth=spec["linewidths"],
                              label=f"{label} ({display.number(int(mask.sum()), 0)})"))
    fig.legend(handles=handles, ncol=len(handles), loc="outside lower center", handletextpad=0.3)
    return fig


# ------------------------------------------------------------------ captions and alt texts


def finish(fig: plt.Figure, title: str = "", lines: Sequence[str] = (), caption: Caption | None = None) -> plt.Figure:
    """The heading over the map (`title`, else the caption's number and title) and under it the
    caption's source, notes and N, then `lines`, then the caption's synthetic-data line (if any); the
    caption stays with the figure for `save`'s sidecar."""
    if caption is not None:
        title = title or f"{caption.number}: {caption.title}"
        lines = [*caption.lines(), *lines, *([caption.synthetic] if caption.synthetic else [])]
    if title:
        style.heading(fig, title)
    style.footnotes(fig, list(lines))
    if caption is not None:
        setattr(fig, style.CAPTION, caption)
    return fig


def _listing(items: Sequence[str], texts: Mapping[str, str] = TEXTS) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + texts["and"] + items[-1]


def describe_counts(panels: Mapping[str, pd.Series], what: str = "tilbud",
                    geography: Geography | None = None) -> str:
    """The alt text of a count map: per panel the number of municipalities with at least one,
    and the municipality with the most (ties: the lowest code)."""
    geography = geography or vendored()
    k = geography.kommuner
    parts = []
    for name, series in panels.items():
        counts = _counts(series, k, f"panel '{name}'")
        positive = counts[counts > 0]
        head = f"{name}: " if name else ""
        if positive.empty:
            parts.append(f"{head}ingen kommuner med {what}.")
            continue
        top = positive.sort_values(ascending=False, kind="stable")
        parts.append(f"{head}{display.number(len(positive), 0)} kommuner med {what}, flest i "
                     f"{k.at[top.index[0], 'name']} ({display.number(top.iloc[0], 0)}).")
    lead = (f"Kort over Danmark med de {geo.N_MUNICIPALITIES} kommuner som punkter; en cirkels areal svarer til "
            f"antallet af {what} i kommunen.")
    return " ".join([lead, *parts])


def describe_categories(categories: pd.Series, order: Sequence[str]) -> str:
    """The alt text of a category map: the number of municipalities in each category."""
    counts = [f"{name} {display.number(int((categories == name).sum()), 0)}" for name in order]
    return f"Kort over Danmark med de {geo.N_MUNICIPALITIES} kommuner som punkter efter kategori: {_listing(counts)}."


def describe_branches(branches: pd.DataFrame, covered: Collection[int | str] | None = None,
                      code_column: str = "municipality", sector_column: str = "sector",
                      sectors: Mapping[str, str] = SECTORS) -> str:
    """The alt text of the branch map: branches per sector, municipalities with a branch, and
    (when given) municipalities covered."""
    per = [f"{display.number(int((branches[sector_column] == s).sum()), 0)} {label.lower()}"
           for s, label in sectors.items()]
    text = (f"Kort over Danmark med {display.number(len(branches), 0)} filialer ({_listing(per)}) i "
            f"{display.number(branches[code_column].astype(str).str.lstrip('0').nunique(), 0)} kommuner.")
    if covered is not None:
        text += f" {display.number(len(set(covered)), 0)} kommuner er dækket af tilbuddene."
    return text
