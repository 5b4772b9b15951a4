"""The figures without defects (issue 13, item 4), checked on every figure the catalogues draw.

Every figure of chapters 3, 4 and 5 is drawn through `figures.catalogue`, with settings made as the
rule `figures` makes them, from small synthetic tables in the interim tables' shape that go
through the registry's disclosure rules (so some cells are hidden and drawn as markers, some
segments are too narrow for their label). With PULJEEVAL_FIGURE_TABLES=<a run's
results/interim/tables> the same checks run on that run's tables instead. On every figure, as
drawn for saving:

1. no two texts overlap (matplotlib's text extents: headings, tick labels, value labels, markers,
   annotations, legend texts, the lines under the figure); no text overlaps a legend box other
   than its own; no legend box covers a plotted point, line or bar;
2. every text is readable on what is behind it: WCAG contrast >= 4.5 between its colour and its
   own box, or the bar it sits on (a hatched bar counts as its face colour and, unless the text's
   own box keeps the hatching off the glyphs, as its hatch colour too), or the white ground; a
   label's own box stays on its bar;
3. tick labels are at least 7 pt as a page shows the figure: one saved wider than the house width
   (7.5 in, A4's text width) is shrunk to it, and its text with it;
4. every bar style drawn is explained by the figure's legend (when it has one);
5. no bar starts left of its axis, and Figur 4-4's 1-3 scale is drawn from 1;
6. the caption: the registry's number and full title in the heading, the "Kilde", note and N
   lines under the figure, N computed from the cells drawn, an alt text of 1-4 sentences without a
   code, and a sidecar JSON with exactly its keys, the same bytes on a second save.
"""

from __future__ import annotations

import ast
import glob
import itertools
import json
import os
import re
from pathlib import Path

import matplotlib.text
import numpy as np
import pandas as pd
import pytest
from conftest import base_config
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle

from puljeeval.publish import display, figures
from puljeeval.publish import registry as reg
from puljeeval.publish import tables as publish
from puljeeval.publish.figures import style
from puljeeval.settings import ROOT, config_slice, from_params

MIN_CONTRAST = 4.5
MIN_TICK_PT = 7.0
# The house width (inches) a page shows a figure at: A4's text width, a page column (the figures'
# own PAGE_WIDTH; written here so that the check does not take the drawing code's word for it).
PAGE_WIDTH_IN = 7.5
# A hatched fill's lines stay this far (points) from the glyphs of a text with its own box.
HATCH_CLEAR_PT = 1.5
TOLERANCE_PX = 1.0
SAVE_PAD_IN = 2 * 0.1          # savefig(bbox_inches="tight") pads each side by 0.1 in
COMMON = (ROOT / "workflow" / "rules" / "common.smk").read_text(encoding="utf-8")
FIGURE_CONFIG = ast.literal_eval(re.search(r"^FIGURE_CONFIG = (\{.*?\n\})", COMMON, re.S | re.M).group(1))
PROVENANCE = ["data_source", "twin.seed", "twin.scale"]
RUN_TABLES = os.environ.get("PULJEEVAL_FIGURE_TABLES")
RUN_FILES = {"flow": "figur_3_4_flow", "profiles": "figur_3_1-3_3_profiles"}
# A code as a reader must never see it (snake_case, the all-ages code, patsy's terms).
RAW_CODE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\bALLE\b|\bC\(|\[T\.")
ABBREVIATIONS = re.compile(r"\b(hhv|pct|fx|dvs|pr|ca|mv|bl\.a)\.")


def rule_settings(chapter: str):
    """The settings the rule `figures` gives a chapter's job (its declared keys and side files)."""
    config = base_config()
    keys = ["disclosure.min_count", *PROVENANCE, *FIGURE_CONFIG[chapter]["keys"]]
    side = {key: ROOT / config["files"][key] for key in ["tables", *FIGURE_CONFIG[chapter]["side"]]}
    return from_params(config_slice(config, *keys), side, "figures")


# --------------------------------------------------------------------------- synthetic tables


def _shares(counts: dict[str, int]) -> list[dict]:
    n = sum(counts.values())
    out = []
    for cat, k in counts.items():
        share = 100 * k / n if n else np.nan
        out.append({"category": cat, "n": n, "count": k, "share_pct": share, "ci_low": share - 1.5,
                    "ci_high": share + 1.5})
    return out


def _groups_with_all(per_group: dict[str, dict[str, int]], all_code: str) -> dict[str, dict[str, int]]:
    cats = next(iter(per_group.values()))
    return {all_code: {c: sum(g[c] for g in per_group.values()) for c in cats}, **per_group}


def profiles_table(registry, rng) -> pd.DataFrame:
    """Every profile variable by age group; the 0-2-year-olds answer no wellbeing question (n 0),
    and a few of their counts are small (hidden, with their secondary cells)."""
    categories, groups = registry.labels("profile_categories"), list(registry.labels("age_group_labels"))
    all_code, ages = groups[0], groups[1:]
    rows = []
    for var, cats in categories.items():
        if var == "age":
            per = {all_code: {c: int(rng.integers(150, 5000)) for c in cats}}
        else:
            per = {}
            for g in ages:
                per[g] = {c: int(rng.integers(20, 900)) for c in cats}
            per[ages[0]] = ({c: 0 for c in cats} if var.startswith("wellbeing") else
                            {c: int(rng.integers(2, 4)) if k == len(cats) - 1 else int(rng.integers(20, 90))
                             for k, c in enumerate(cats)})
            per = _groups_with_all(per, all_code)
        for g, counts in per.items():
            rows += [{"variable": var, "label": "x", "age_group": g, **r} for r in _shares(counts)]
    return pd.DataFrame(rows)


def flow_table(registry) -> pd.DataFrame:
    steps = list(registry.labels("flow_steps"))
    n = {"raw_registrations": 10231, "started": 9957, "completed": 7523, "ongoing": 2434, "planned": 3931,
         "unplanned": 1642, "not_stated": 1950}
    dropped = [s for s in steps if s not in n]
    for k, s in enumerate(dropped):
        n[s] = [199, 20, 20, 10, 25, 3][k % 6]
    n["raw_registrations"] = n["started"] + sum(n[s] for s in dropped)
    base = {"completed": "started", "ongoing": "started", "planned": "completed", "unplanned": "completed",
            "not_stated": "completed"}
    rows = []
    for s in steps:
        share = 100 * n[s] / n[base[s]] if s in base else np.nan
        rows.append({"step": s, "n": n[s], "share_pct": share, "ci_low": share - 1, "ci_high": share + 1})
    return pd.DataFrame(rows)


def scale_range(spec: dict, scale: str) -> tuple[float, float]:
    """A scale's lowest and highest score (config/instruments.yaml: items' range x multiplier, a
    sum of scales the sum of theirs)."""
    s = spec["scales"][scale]
    if "sum_of" in s:
        parts = [scale_range(spec, part) for part in s["sum_of"]]
        return sum(p[0] for p in parts), sum(p[1] for p in parts)
    return tuple(float(v) * float(s.get("multiplier", 1)) for v in spec["range"])


def outcomes_table(registry, settings, rng) -> pd.DataFrame:
    """Start/end means inside each scale's range, category shares (one tiny status quo: its label
    is dropped; one tiny deterioration count: hidden) and the rest of the columns."""
    specs = settings.instruments["instruments"]
    groups = list(registry.labels("age_group_labels"))
    plan = [("who5", ["total"], groups[:1] + groups[2:]), ("sdq_p", list(specs["sdq_p"]["scales"]), [groups[2]]),
            ("yp_core", list(specs["yp_core"]["scales"]), [groups[3]]),
            ("core_om", list(specs["core_om"]["scales"]), [groups[4]]),
            ("tool_0_2", list(specs["tool_0_2"]["scales"]), [groups[1]])]
    rows = []
    for instrument, scales, ages in plan:
        for scale in scales:
            low, high = scale_range(specs[instrument], scale)
            for g in ages:
                n = {"tool_0_2": 60}.get(instrument, int(rng.integers(400, 1500)))
                start = low + (high - low) * rng.uniform(0.3, 0.75)
                end = start + (high - low) * rng.uniform(-0.15, 0.15)
                half = (high - low) * 0.03
                if scale == "mean_item" or (instrument == "core_om" and scale == "total"):
                    split = (85.2, 0.7)
                elif scale == "prosocial":
                    split = (70.0, 100 - 70 - 100 * 3 / n)
                else:
                    a = rng.uniform(40, 80)
                    split = (a, rng.uniform(3, 100 - a - 3))
                counts = [round(v * n / 100) for v in split]
                counts.append(n - sum(counts))
                split = tuple(100 * k / n for k in counts)
                row = {"instrument": instrument, "scale": scale, "age_group": g, "n": n, "start_mean": start,
                       "start_ci_low": start - half, "start_ci_high": start + half, "end_mean": end,
                       "end_ci_low": end - half, "end_ci_high": end + half, "change_mean": end - start,
                       "change_ci_low": end - start - half, "change_ci_high": end - start + half, "d_z": 0.5,
                       "d_av": 0.4, "d_rm": 0.4, "r_pre_post": 0.6, "reliable_improvement_pct": split[0],
                       "no_reliable_change_pct": split[1], "reliable_deterioration_pct": split[2], "within_ages": True}
                for name, value in zip(("fremgang", "status quo", "tilbagegang"), split, strict=True):
                    row.update({f"{name}_pct": value, f"{name}_ci_low": value - 1, f"{name}_ci_high": value + 1})
                rows.append(row)
    frame = pd.DataFrame(rows)
    # the all-ages row is its groups together: their n summed, their shares weighted by n
    who5 = frame["instrument"] == "who5"
    parts = frame[who5 & (frame["age_group"] != groups[0])]
    at = frame.index[who5 & (frame["age_group"] == groups[0])][0]
    frame.loc[at, "n"] = parts["n"].sum()
    for col in [c for c in frame.columns if c.endswith("_pct")]:
        frame.loc[at, col] = (parts[col] * parts["n"] / 100).round().sum() * 100 / parts["n"].sum()
    return frame


def answer_table(row: str, codes: list[str], answers: list[str], rng, small: tuple | None = None,
                 labels: dict | None = None) -> pd.DataFrame:
    per = {c: {a: int(rng.integers(30, 900)) for a in answers} for c in codes}
    if small is not None:
        per[small[0]][small[1]] = 3
    rows = []
    for c, counts in per.items():
        rows += [{row: c, **({"label": labels[c]} if labels else {}), "answer": r.pop("category"), **r}
                 for r in _shares(counts)]
    return pd.DataFrame(rows)


def chapter5_tables(registry, settings, rng) -> dict[str, pd.DataFrame]:
    """Per outcome: intention shares, histograms (a few small counts) and the models' estimates,
    some significant either way, overall and per subgroup."""
    elements = list(registry.labels("elements"))
    cfg = settings.config["core_elements"]
    bins = ["0", "0-0,5", "0,5-1", "1-1,5", "1,5-2", "2-2,5", "2,5-3", "3-3,5", "3,5-4"]
    intention, hist, coefs = [], [], []
    for o in cfg["outcomes"]:
        key, figs = o["key"], o["figures"]
        n = int(rng.integers(400, 2500))
        for e in elements:
            with_ = int(n * rng.uniform(0.55, 0.95))
            intention.append({"outcome": key, "element": e, "label": "x", "n": n, "with_intention": with_,
                              "share_pct": 100 * with_ / n, "ci_low_pct": 100 * with_ / n - 2,
                              "ci_high_pct": 100 * with_ / n + 2, "mean_intensity": 2.0})
            weights = rng.dirichlet(np.ones(len(bins) - 1))
            counts = np.floor(weights * (with_ - 3)).astype(int)
            counts[0] = 3          # small: hidden
            counts[-1] += with_ - 3 - counts.sum()
            for k, b in enumerate(bins):
                hist.append({"outcome": key, "element": e, "label": "x", "order": k, "bin": b,
                             "with_intention": 3 if k == 0 else int(counts[k - 1]),
                             "without_intention": n - with_ if k == 0 else 0})
        lines = [("intention", figs["intention"], np.nan, "Samlet"), ("intensity", figs["intensity"], np.nan, "Samlet")]
        for sub in cfg["subgroups"]:
            if "outcomes" in sub and key not in sub["outcomes"]:
                continue
            lines += [("intensity", figs["subgroups"], sub["variable"], level) for level in sub["levels"]]
        for model, figure, variable, level in lines:
            for i, e in enumerate(elements):
                est = rng.normal(0, 0.05) + (0.08 if i == 0 else -0.08 if i == 5 else 0)
                for method in ("ols", "wild_cluster", "ipw"):
                    p = 0.01 if i in (0, 5) else 0.5
                    coefs.append({"outcome": key, "model": model, "figure": figure, "subgroup_variable": variable,
                                  "subgroup": level, "term": f"{model}_{e}", "method": method, "estimate": est,
                                  "se": 0.02, "ci_low": est - 0.04, "ci_high": est + 0.04, "p": p, "q": p,
                                  "n": n if level == "Samlet" else n // 3, "parameters": 30, "df_resid": n - 30,
                                  "clusters": 16, "note": np.nan})
    return {"element_intention": pd.DataFrame(intention), "element_histogram": pd.DataFrame(hist),
            "element_coefficients": pd.DataFrame(coefs)}


def synthetic_tables(chapter: str, registry, settings) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(13)
    if chapter == "kapitel_3":
        return {"profiles": profiles_table(registry, rng), "flow": flow_table(registry)}
    if chapter == "kapitel_4":
        specs = settings.instruments["instruments"]
        groups = list(registry.labels("age_group_labels"))
        benefit = list(specs["benefit"]["categorical"]["benefit"].values())
        statements = specs["parent_statements"]
        answers = list(statements["categorical"]["all"].values())
        bands = [b["label"] for b in specs["core_om"]["bands"]["clinical"]]
        benefit_frame = answer_table("age_group", groups[2:], benefit, rng, (groups[2], benefit[0]))
        per_group = {g: dict(zip(part["answer"], part["count"], strict=True))
                     for g, part in benefit_frame.groupby("age_group", sort=False)}
        all_rows = [{"age_group": groups[0], "answer": r.pop("category"), **r}
                    for r in _shares(_groups_with_all(per_group, groups[0])[groups[0]])]
        benefit_frame = pd.concat([pd.DataFrame(all_rows), benefit_frame], ignore_index=True)
        return {"outcomes": outcomes_table(registry, settings, rng), "benefit_shares": benefit_frame,
                "parent_statements": answer_table("item", list(statements["items"]), answers, rng,
                                                  (statements["items"][-1], answers[0]), statements["item_text"]),
                "core_om_severity": answer_table("timepoint", list(registry.labels("timepoints")), bands, rng)
                .rename(columns={"answer": "band"})}
    return chapter5_tables(registry, settings, rng)


def run_tables(chapter: str, registry) -> dict[str, pd.DataFrame]:
    """The interim tables of a finished run (PULJEEVAL_FIGURE_TABLES), by registry table id."""
    out = {}
    for table in registry.chapter_tables(chapter):
        pattern = RUN_FILES.get(table.source, table.source)
        files = sorted(glob.glob(str(Path(RUN_TABLES) / f"{pattern}.csv"))) or sorted(
            glob.glob(str(Path(RUN_TABLES) / f"{pattern}_*.csv")))
        if files:
            out[table.id] = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    return out


@pytest.fixture(scope="module", params=["kapitel_3", "kapitel_4", "kapitel_5"])
def drawn(request):
    """One chapter's figures, drawn as for saving, with what made them."""
    chapter = request.param
    settings = rule_settings(chapter)
    registry = reg.from_settings(settings)
    interim = run_tables(chapter, registry) if RUN_TABLES else synthetic_tables(chapter, registry, settings)
    min_count = settings.config["disclosure"]["min_count"]
    masked = {}
    for table_id, frame in interim.items():
        table = registry.tables[table_id]
        if table.chapter == chapter:
            masked[table_id] = publish.controlled(table, frame.reindex(columns=table.source_columns), min_count)
    made = figures.catalogue(chapter, masked, registry, settings)
    for fig in made.values():
        fig.canvas.draw()
    yield chapter, settings, registry, interim, made
    for fig in made.values():
        style.plt.close(fig)


# --------------------------------------------------------------------------- what is drawn


def _drawn_tick_labels(fig) -> tuple[list, set[int]]:
    """The tick labels drawn (ticks inside the view), and the ids of every tick label object."""
    drawn, every = [], set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                every.update({id(tick.label1), id(tick.label2)})
            if not ax.get_visible() or not ax.axison:
                continue
            for tick in axis._update_ticks():
                drawn += [t for t in (tick.label1, tick.label2) if t.get_visible() and t.get_text().strip()]
    return drawn, every


def texts_drawn(fig) -> list[matplotlib.text.Text]:
    """Every non-empty text matplotlib draws for the figure (tick labels only for ticks in view;
    nothing of an axes or a legend switched off)."""
    ticks, tick_ids = _drawn_tick_labels(fig)
    off = {id(t) for ax in fig.axes for lg in [ax.get_legend()] if lg is not None and not lg.get_visible()
           for t in lg.get_texts()}
    out = [t for t in fig.findobj(matplotlib.text.Text)
           if id(t) not in tick_ids and id(t) not in off and t.get_visible() and t.get_text().strip()
           and (t.axes is None or t.axes.get_visible())]
    return list({id(t): t for t in out + ticks}.values())


def legends(fig) -> list:
    return [lg for lg in [*fig.legends, *(ax.get_legend() for ax in fig.axes)] if lg is not None and lg.get_visible()]


def _overlap(a, b) -> bool:
    w = min(a.x1, b.x1) - max(a.x0, b.x0)
    h = min(a.y1, b.y1) - max(a.y0, b.y0)
    return w > TOLERANCE_PX and h > TOLERANCE_PX


def _points(artist) -> np.ndarray:
    """Display points along a line or a collection's segments (20 per segment), for 'does this
    cross that box'."""
    if hasattr(artist, "get_xydata"):
        paths = [artist.get_transform().transform(artist.get_xydata())]
    else:
        paths = [artist.get_transform().transform(p.vertices) for p in artist.get_paths()]
    out = []
    for xy in paths:
        xy = xy[np.isfinite(xy).all(axis=1)]
        if len(xy) == 1:
            out.append(xy)
        for a, b in itertools.pairwise(xy):
            out.append(a + np.linspace(0, 1, 20)[:, None] * (b - a))
    return np.vstack(out) if out else np.empty((0, 2))


def bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle) and p.get_visible() and p.get_width() != 0
            and p.get_height() != 0]


def _all_figures(drawn):
    chapter, settings, registry, interim, made = drawn
    return [(stem, fig, fig.canvas.get_renderer()) for stem, fig in made.items()]


# --------------------------------------------------------------------------- 1. overlaps


def test_no_text_overlaps_another_or_a_legend(drawn):
    problems = []
    for stem, fig, renderer in _all_figures(drawn):
        texts = texts_drawn(fig)
        owner = {id(t): lg for lg in legends(fig) for t in [*lg.get_texts(), lg.get_title()]}
        boxes = [(t, t.get_window_extent(renderer)) for t in texts]
        for (a, ba), (b, bb) in itertools.combinations(boxes, 2):
            if _overlap(ba, bb):
                problems.append((stem, a.get_text()[:40], b.get_text()[:40]))
        for lg in legends(fig):
            frame = lg.get_window_extent(renderer)
            for t, box in boxes:
                if owner.get(id(t)) is not lg and _overlap(frame, box):
                    problems.append((stem, "legend", t.get_text()[:40]))
    assert not problems, problems[:20]


def test_no_legend_covers_data(drawn):
    problems = []
    for stem, fig, renderer in _all_figures(drawn):
        for lg in legends(fig):
            frame = lg.get_window_extent(renderer)
            for ax in fig.axes:
                if not ax.get_visible():
                    continue
                for bar in bars(ax):
                    if _overlap(frame, bar.get_window_extent(renderer)):
                        problems.append((stem, "bar", bar.get_x(), bar.get_y()))
                for artist in [*ax.lines, *ax.collections]:
                    pts = _points(artist)
                    inside = ((pts[:, 0] > frame.x0) & (pts[:, 0] < frame.x1) & (pts[:, 1] > frame.y0)
                              & (pts[:, 1] < frame.y1))
                    if inside.any():
                        problems.append((stem, type(artist).__name__, pts[inside][0].round().tolist()))
    assert not problems, problems[:20]


# --------------------------------------------------------------------------- 2. contrast


# The house style's WCAG formula (puljeeval/publish/figures/style.py), checked against
# hand-worked WCAG ratios in test_contrast_and_backgrounds_are_computed_as_wcag_says.
contrast = style.contrast


def _opaque(color) -> bool:
    return color is not None and len(color) == 4 and color[3] >= 0.99


def _behind(t, renderer) -> Rectangle | None:
    """The topmost bar under the centre of text `t`."""
    if t.axes is None:
        return None
    box = t.get_window_extent(renderer)
    x, y = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    under = [p for p in bars(t.axes) if p.get_window_extent(renderer).contains(x, y) and _opaque(p.get_facecolor())]
    return max(under, key=lambda p: p.get_zorder(), default=None) if under else None


def backgrounds(t, renderer) -> list:
    """The colours behind a text's glyphs: its own opaque box, else the bar under it (a hatched bar:
    its face and its hatch colour), else the axes' or the figure's ground. A hatched bar under a
    box too tight to keep the hatching off the glyphs counts with its hatch colour too."""
    own = t.get_bbox_patch()
    under = _behind(t, renderer)
    hatch = [under.get_hatchcolor()] if under is not None and under.get_hatch() else []
    if own is not None and _opaque(own.get_facecolor()):
        pad = own.get_boxstyle().pad * t.get_fontsize()
        return [own.get_facecolor(), *(hatch if pad < HATCH_CLEAR_PT else [])]
    if under is not None:
        return [under.get_facecolor(), *hatch]
    ground = t.axes.get_facecolor() if t.axes is not None else t.figure.get_facecolor()
    return [ground]


def test_every_text_contrasts_with_what_is_behind_it(drawn):
    problems = []
    for stem, fig, renderer in _all_figures(drawn):
        for t in texts_drawn(fig):
            for bg in backgrounds(t, renderer):
                ratio = contrast(t.get_color(), bg[:3])
                if ratio < MIN_CONTRAST:
                    problems.append((stem, t.get_text()[:30], round(ratio, 2)))
    assert not problems, problems[:20]


def test_a_label_box_stays_on_its_bar(drawn):
    """A value written on a bar segment on a box of its own: the box does not spill over the
    segment's ends onto its neighbours (a label without room is left out; the table has it)."""
    problems = []
    for stem, fig, renderer in _all_figures(drawn):
        for t in texts_drawn(fig):
            own, under = t.get_bbox_patch(), _behind(t, renderer)
            if own is None or under is None:
                continue
            box, bar = own.get_window_extent(renderer), under.get_window_extent(renderer)
            if box.x0 < bar.x0 - TOLERANCE_PX or box.x1 > bar.x1 + TOLERANCE_PX:
                problems.append((stem, t.get_text()))
    assert not problems, problems[:20]


def test_contrast_and_backgrounds_are_computed_as_wcag_says():
    assert contrast("black", "white") == pytest.approx(21)
    assert contrast("#777777", "white") == pytest.approx(4.48, abs=0.01)
    assert contrast("#595959", "white") == pytest.approx(7.0, abs=0.01)      # WCAG's AAA grey
    assert contrast("white", "#777777") == contrast("#777777", "white")
    fig, ax = style.figure(3, 2)
    ax.barh(0, 50, color="#737373", hatch="...", edgecolor="#262626")
    tight = ax.text(25, 0, "12,3", color="black", bbox={"boxstyle": "square,pad=0.1", "facecolor": "#737373"})
    bare = ax.text(10, -0.2, "12,3", color="white")
    clear = ax.text(25, 0.3, "12,3", **style.on_fill("#737373", "..."))
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    assert [c[:3] for c in backgrounds(bare, renderer)] == [to_rgb("#737373"), to_rgb("#262626")]
    assert min(contrast("black", c[:3]) for c in backgrounds(tight, renderer)) < MIN_CONTRAST
    assert min(contrast(clear.get_color(), c[:3]) for c in backgrounds(clear, renderer)) >= MIN_CONTRAST
    style.plt.close(fig)


# --------------------------------------------------------------------------- 3. tick size


def page_scale(fig, renderer) -> float:
    """How much a page shrinks the figure: it is shown at most at the house width."""
    width = fig.get_tightbbox(renderer).width + SAVE_PAD_IN
    return min(1.0, (PAGE_WIDTH_IN + SAVE_PAD_IN) / width)


def test_tick_labels_are_at_least_7_pt_on_the_page(drawn):
    problems = []
    for stem, fig, renderer in _all_figures(drawn):
        scale = page_scale(fig, renderer)
        ticks, _ = _drawn_tick_labels(fig)
        assert ticks, stem
        small = sorted({round(t.get_fontsize() * scale, 2) for t in ticks if t.get_fontsize() * scale < MIN_TICK_PT})
        if small:
            problems.append((stem, small, round(scale, 2)))
    assert not problems, problems


# --------------------------------------------------------------------------- 4.-5. legends and axes


def _style(patch) -> tuple:
    return (tuple(np.round(patch.get_facecolor(), 3)), patch.get_hatch() or "")


def test_every_bar_style_drawn_is_in_the_legend(drawn):
    problems = []
    for stem, fig, _ in _all_figures(drawn):
        explained = {_style(h) for lg in legends(fig) for h in lg.legend_handles if hasattr(h, "get_hatch")}
        if not explained:
            continue
        for ax in fig.axes:
            missing = {_style(b) for b in bars(ax)} - explained
            if missing:
                problems.append((stem, missing))
    assert not problems, problems


def test_bars_start_on_their_axis_and_a_1_to_3_scale_starts_at_1(drawn):
    chapter, settings, *_ = drawn
    _, _, _, _, made = drawn
    for stem, fig in made.items():
        for ax in fig.axes:
            left, right = sorted(ax.get_xlim())
            for bar in bars(ax):
                if bar.get_height() < 1:        # horizontal bars (histograms' columns are vertical)
                    assert bar.get_x() >= left - 1e-9, (stem, bar.get_x(), left)
    if chapter == "kapitel_4":
        low, high = scale_range(settings.instruments["instruments"]["tool_0_2"], "overall")
        ax = made["figur_4_4"].axes[0]
        assert ax.get_xlim()[0] == low and all(b.get_x() == low for b in bars(ax)), ax.get_xlim()
        assert ax.get_xlim()[1] == high


# --------------------------------------------------------------------------- 6. captions


def _flat(text: str) -> str:
    return " ".join(text.split())


def sentences(text: str) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", ABBREVIATIONS.sub("", text)))


def test_every_figure_has_its_caption_drawn_and_in_its_sidecar(drawn):
    chapter, settings, registry, interim, made = drawn
    assert made
    for stem, fig in made.items():
        caption = figures.caption_of(fig)
        sidecar = caption.sidecar()
        assert sorted(sidecar) == ["alt", "n", "note", "number", "source", "stem", "synthetic", "title"], stem
        assert all(isinstance(v, str) for v in sidecar.values()) and sidecar["stem"] == stem
        assert re.fullmatch(r"Figur \d+-\d+", sidecar["number"]), sidecar["number"]
        shown = _flat(" ".join(t.get_text() for t in texts_drawn(fig)))
        # the heading: number and the report's full title
        assert _flat(f"{sidecar['number']}: {sidecar['title']}") in shown, stem
        for line in [sidecar["source"], *sidecar["note"].split("\n"), sidecar["n"], sidecar["synthetic"]]:
            assert _flat(line) in shown, (stem, line)
        assert sidecar["synthetic"], stem          # the rule's config is the twin's
        assert sidecar["n"].startswith(("N = ", "Antal observationer: ")), (stem, sidecar["n"])
        alt = sidecar["alt"]
        assert 1 <= sentences(alt) <= 4, (stem, alt)
        assert not RAW_CODE.search(alt) and "{" not in alt and "}" not in alt, (stem, alt)
        # written from the data drawn: a number it gives is a number on the figure
        numbers = re.findall(r"\d+(?:\.\d{3})*(?:,\d+)?", alt)
        assert any(n in shown for n in numbers), (stem, alt)


def test_titles_and_texts_come_from_the_registry(drawn):
    chapter, settings, registry, interim, made = drawn
    specs = registry.figures[chapter]
    for stem, fig in made.items():
        caption = figures.caption_of(fig)
        if chapter == "kapitel_5":
            number = caption.number.removeprefix("Figur ")
            kind = next(k for o in settings.config["core_elements"]["outcomes"] for k, v in o["figures"].items()
                        if v == number)
            spec = {**specs[kind], **specs.get("by_number", {}).get(number, {})}
        else:
            spec = specs[stem]
            assert caption.number == f"Figur {spec['number']}"
        if "{" not in spec["title"]:
            assert caption.title == spec["title"], stem
        assert caption.source == spec.get("source", "")
        notes = spec.get("note", [])
        assert len(caption.note) == len([notes] if isinstance(notes, str) else notes)


def test_n_is_computed_from_the_cells_drawn(drawn):
    chapter, settings, registry, interim, made = drawn
    if RUN_TABLES:
        pytest.skip("known only for the synthetic tables")

    def n(value: float) -> str:
        return f"N = {display.number(value)}"
    if chapter == "kapitel_3":
        flow = interim["flow"].set_index("step")["n"]
        assert figures.caption_of(made["figur_3_4"]).n == n(flow["started"])
        profiles = interim["profiles"]
        first = profiles[profiles["variable"] == registry.figures[chapter]["figur_3_1"]["variables"][0]]
        assert display.number(first["n"].iloc[0]) in figures.caption_of(made["figur_3_1"]).n
    elif chapter == "kapitel_4":
        assert figures.caption_of(made["figur_4_1"]).n == n(interim["benefit_shares"]["n"].max())
        who5 = interim["outcomes"][interim["outcomes"]["instrument"] == "who5"]
        assert figures.caption_of(made["figur_4_2"]).n == n(who5["n"].max())
    else:
        intention = interim["element_intention"]
        for o in settings.config["core_elements"]["outcomes"]:
            expected = n(intention.loc[intention["outcome"] == o["key"], "n"].iloc[0])
            for kind in ("descriptive", "intention", "intensity", "subgroups"):
                stem = "figur_" + o["figures"][kind].replace("-", "_")
                assert figures.caption_of(made[stem]).n == expected, stem


def test_the_sidecar_is_written_beside_the_image_with_the_same_bytes_each_time(tmp_path):
    """Two runs of the catalogue on the same tables save the same PNG, SVG and JSON bytes (the
    flow alone: the registry's chapter 3 figures without the profiles)."""
    settings = rule_settings("kapitel_3")
    raw = dict(settings.tables)
    raw["figures"] = {**raw["figures"], "kapitel_3": {"figur_3_4": raw["figures"]["kapitel_3"]["figur_3_4"]}}
    registry = reg.Registry(raw, lambda key: getattr(settings, key), settings.config)
    tables = {"flow": flow_table(registry)}
    min_count = settings.config["disclosure"]["min_count"]
    out = []
    for run in ("a", "b"):
        masked = {k: publish.controlled(registry.tables[k], v, min_count) for k, v in tables.items()}
        made = figures.catalogue("kapitel_3", masked, registry, settings)
        assert list(made) == ["figur_3_4"]
        paths = figures.save(made["figur_3_4"], "figur_3_4", tmp_path / run)
        assert [p.name for p in paths] == ["figur_3_4.png", "figur_3_4.svg", "figur_3_4.json"]
        out.append([p.read_bytes() for p in paths])
    assert out[0] == out[1]
    text = out[0][2].decode("utf-8")
    sidecar = json.loads(text)
    assert text.endswith("}\n") and list(sidecar) == sorted(sidecar) and sidecar["number"] == "Figur 3-4"
    assert "\\u" not in text and "ø" in text       # UTF-8 as such, not escaped


def test_the_checks_find_what_they_look_for():
    """The checks themselves: a legend over the data, two texts over each other and a text over a
    legend are found; texts side by side are not."""
    fig, ax = style.figure(4, 3)
    ax.barh([0, 1], [80, 60], label="serie")
    ax.plot([10, 70], [0.5, 0.5], label="linje")
    ax.legend(loc="center")
    a = ax.text(5, 1.2, "1.234")
    b = ax.text(7, 1.2, "5.678")
    c = ax.text(60, 1.2, "9")
    ax.text(0.5, 0.5, "under the legend", transform=ax.transAxes, ha="center", va="center")
    fig.canvas.draw()
    drawn = ("test", None, None, None, {"test": fig})
    with pytest.raises(AssertionError, match="legend"):
        test_no_text_overlaps_another_or_a_legend(drawn)
    with pytest.raises(AssertionError, match="Rectangle|bar|Line2D"):
        test_no_legend_covers_data(drawn)
    renderer = fig.canvas.get_renderer()
    assert _overlap(a.get_window_extent(renderer), b.get_window_extent(renderer))
    assert not _overlap(a.get_window_extent(renderer), c.get_window_extent(renderer))
    style.plt.close(fig)


def test_the_synthetic_tables_exercise_markers_and_dropped_labels(drawn):
    """The checks above see hidden cells drawn as markers and labels too wide for their segment."""
    chapter, _, registry, _, made = drawn
    if RUN_TABLES:
        pytest.skip("a run's tables may have none")
    alt = registry.raw["figures"]["house"]["alt"]
    said = [alt["hidden"].split("{")[0], alt["hidden_many"].split("}")[1].split("{")[0]]
    hidden = [stem for stem, fig in made.items() if any(s in figures.caption_of(fig).alt for s in said)]
    assert hidden, chapter
    marker_lines = [stem for stem, fig in made.items()
                    if any(text in _flat(" ".join(t.get_text() for t in texts_drawn(fig)))
                           for text in registry.markers(5).legends.values())]
    assert set(hidden) <= set(marker_lines), (hidden, marker_lines)
