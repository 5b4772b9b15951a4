"""Chapter 5's figures (Bilag 4, Figur 10-1..10-16), four per outcome of config
`core_elements.outcomes`, numbered by its `figures`:

- descriptive (10-1/5/9/13): intention shares per element and the intensity distribution
  (grey: the offer did not intend the element);
- intention and intensity (10-2/3, 6/7, 10/11, 14/15): estimates with 95 % intervals per
  element; the report's OLS estimate filled blue when significant, beside it the interval
  clustered by offer (wild bootstrap p) and the attrition-weighted estimate;
- subgroups (10-4/8/12/16): one panel per element, one row per subgroup; green = significant
  positive, red = significant negative (report-style p < 0,05); a ring marks wild cluster
  bootstrap p < 0,05; the panels in rows of four, so the figure keeps the page's width.

An estimate without a number (a model not estimated, a hidden count) is drawn as the marker of
its reason.

Reads: the masked tables `element_intention`, `element_histogram`, `element_coefficients`;
config `core_elements.outcomes` (which analyses, their figure numbers) and
`core_elements.subgroups` (which subgroups, in order); the registry's label sets `elements`,
`outcomes`, `methods`, `models`, `intention`, `subgroup_variables`, `subgroup_levels`; titles and
notes from its figures (the report's own per figure number, `by_number`).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from puljeeval.evaluation.element_models import METHODS, OVERALL
from puljeeval.publish import display
from puljeeval.publish.figures import style
from puljeeval.publish.figures.context import Cell, Context, Marks, cell, label, rows, share_cell
from puljeeval.publish.masked import Masked

CHAPTER = "kapitel_5"
INTENTION, HISTOGRAM, COEFFICIENTS = "element_intention", "element_histogram", "element_coefficients"
ALPHA = 0.05
MISSING = Cell(None, display.NOT_ESTIMATED)    # a term or subgroup without a row: never estimated
METHOD_STYLE = dict(zip(METHODS, (("o", -0.27), ("s", -0.09), ("^", 0.09), ("D", 0.27)), strict=True))
# Panels per row of a subgroup figure (the seven elements: two rows of four and three).
SUBGROUP_COLUMNS = 4
# The alt text names at most this many significant estimates of each sign (the largest).
ALT_MOST = 4


def descriptive(intention: Masked, hist: Masked, elements: Sequence[str], ctx: Context, marks: Marks,
                title: str) -> plt.Figure:
    """Intention shares (left) and the distribution of intensities (right), one row per element."""
    names = ctx.registry.labels("intention")
    element_labels = ctx.registry.labels("elements")
    yes, no = names["with"], names["without"]
    fig = plt.figure(figsize=(style.PAGE_WIDTH, 0.95 * len(elements) + 2.0), layout="constrained")
    grid = fig.add_gridspec(len(elements), 2, width_ratios=[1, 1.25])
    for i, el in enumerate(elements):
        last = i == len(elements) - 1
        name = label(element_labels, el, "elements")
        ax = fig.add_subplot(grid[i, 0])
        hit = rows(intention, element=el)
        share = share_cell(hit, hit.values.index[0], "share_pct", ["with_intention"]) if len(hit.values) else MISSING
        if share.shown:
            ax.barh(0, share.value, color=style.BLUE)
            ax.barh(0, 100 - share.value, left=share.value, color=style.GREY)
            text = ax.text(share.value / 2, 0, ctx.number(share.value, INTENTION, "share_pct"), ha="center",
                           va="center", fontsize=style.LABEL_SIZE, **style.on_fill(style.BLUE))
            marks.inside(ax, text, 0, share.value)
        else:
            ax.text(1, 0, marks.symbol(share.status, name), fontsize=style.MARKER_SIZE, va="center")
        ax.set_xlim(0, 100)
        ax.set_yticks([0], [textwrap.fill(name, 26)])
        if last:
            ax.set_xlabel(ctx.registry.text("share_axis"))
        else:
            ax.tick_params(axis="x", labelbottom=False)
        h = rows(hist, element=el)
        order = h.values.sort_values("order").index
        ax2 = fig.add_subplot(grid[i, 1])
        x = np.arange(len(order))
        parts = {col: [cell(h, j, col) for j in order] for col in ("without_intention", "with_intention")}
        bottom = np.zeros(len(order))
        for col, color in (("without_intention", style.GREY), ("with_intention", style.BLUE)):
            heights = np.array([c.value if c.shown else 0.0 for c in parts[col]])
            ax2.bar(x, heights, bottom=bottom, color=color)
            bottom += heights
        # a count without a number: its marker above the bin, in its series' colour
        for xi, j in enumerate(order):
            hidden = [(parts[col][xi], color, who) for col, color, who in (
                ("without_intention", style.GREY_TEXT, no), ("with_intention", style.BLUE, yes))
                if not parts[col][xi].shown]
            for k, (c, color, who) in enumerate(hidden):
                what = ", ".join((name, str(h.values.at[j, "bin"]), who))
                ax2.annotate(marks.symbol(c.status, what), xy=(xi, bottom[xi]), xytext=(0, 1 + 8 * k),
                             textcoords="offset points", ha="center", va="bottom", fontsize=style.MARKER_SIZE,
                             color=color, fontweight="bold")
        ax2.margins(y=0.25)
        ax2.grid(axis="x", visible=False)
        ax2.grid(axis="y", visible=True)
        ax2.set_xticks(x, list(h.values.loc[order, "bin"]) if last else [""] * len(x))
        if last:
            ax2.tick_params(axis="x", labelrotation=45)
        # no tick at 0 (the baseline is plain), so a panel's ticks do not meet the next panel's
        ax2.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True, prune="lower"))
    fig.legend(handles=[Patch(color=style.BLUE, label=yes), Patch(color=style.GREY, label=no)], ncol=2,
               loc="outside lower center")
    style.heading(fig, title)
    return fig


def descriptive_alt(intention: Masked, elements: Sequence[str], ctx: Context, marks: Marks, outcome: str) -> str:
    """The alt text of the descriptive figure: what it shows, the elements with the highest and
    the lowest share with intention, as drawn."""
    element_labels = ctx.registry.labels("elements")
    shares = []
    for el in elements:
        hit = rows(intention, element=el)
        share = share_cell(hit, hit.values.index[0], "share_pct", ["with_intention"]) if len(hit.values) else MISSING
        if share.shown:
            shares.append((share.value, label(element_labels, el, "elements")))
    extremes = ""
    if len(shares) > 1:
        (high, hn), (low, ln) = max(shares), min(shares)
        extremes = ctx.house("alt.descriptive_extremes",
                             high=ctx.house("alt.share", what=hn, value=ctx.number(high, INTENTION, "share_pct")),
                             low=ctx.house("alt.share", what=ln, value=ctx.number(low, INTENTION, "share_pct")))
    return ctx.alt(ctx.house("alt.descriptive", k=len(elements), outcome=outcome), extremes, ctx.hidden_alt(marks))


def forest(coefs: Masked, model: str, elements: Sequence[str], ctx: Context, marks: Marks, title: str,
           axis: str) -> plt.Figure:
    """Estimates per element with intervals, the inference methods side by side."""
    methods = ctx.registry.labels("methods")
    element_labels = ctx.registry.labels("elements")
    d = rows(coefs, model=model, subgroup=OVERALL)
    fig, ax = style.figure(style.PAGE_WIDTH, 0.6 * len(elements) + 2.2)
    for method, (marker, off) in METHOD_STYLE.items():
        part = rows(d, method=method)
        by_term = {t: i for i, t in zip(part.values.index, part.values["term"], strict=True)}
        for i, el in enumerate(elements):
            row = by_term.get(f"{model}_{el}")
            est = MISSING if row is None else cell(part, row, "estimate")
            if not est.shown:
                what = ", ".join((label(element_labels, el, "elements"), label(methods, method, "methods")))
                ax.text(0, i + off, " " + marks.symbol(est.status, what), va="center", fontsize=style.MARKER_SIZE,
                        color=style.GREY_TEXT)
                continue
            p, low, high = (cell(part, row, c) for c in ("p", "ci_low", "ci_high"))
            sig = p.shown and p.value < ALPHA
            color = (style.BLUE if sig else "#404040") if method == "ols" else style.GREY
            if low.shown and high.shown:
                ax.plot([low.value, high.value], [i + off] * 2, color=color, lw=1,
                        ls="--" if method == "ols" else "-")
            ax.plot(est.value, i + off, marker, color=color, mfc=color if sig else "white", ms=5)
    ax.axvline(0, color=style.EDGE, lw=0.8)
    ax.set_yticks(range(len(elements)), [textwrap.fill(label(element_labels, e, "elements"), 34) for e in elements])
    ax.invert_yaxis()
    ax.set_xlabel(axis)
    handles = [Line2D([], [], ls="none", marker=marker, color=style.GREY if method != "ols" else "#404040",
                      mfc="white", ms=5, label=label(methods, method, "methods"))
               for method, (marker, _) in METHOD_STYLE.items()]
    # below the axes, where it cannot cover an estimate
    fig.legend(handles=handles, ncol=2, loc="outside lower center")
    style.heading(fig, title)
    return fig


def forest_n(coefs: Masked, model: str) -> Cell:
    """The N of a model's figure: the overall model's count (the largest shown)."""
    d = rows(coefs, model=model, subgroup=OVERALL)
    ns = [cell(d, i, "n") for i in d.values.index]
    shown = [c.value for c in ns if c.shown]
    return Cell(max(shown)) if shown else (ns[0] if ns else MISSING)


def forest_alt(coefs: Masked, model: str, elements: Sequence[str], ctx: Context, marks: Marks, outcome: str) -> str:
    """The alt text of a model's estimates: what is drawn, the elements significant with the
    report's method, and the range of its estimates, as drawn."""
    element_labels, methods = ctx.registry.labels("elements"), ctx.registry.labels("methods")
    part = rows(coefs, model=model, subgroup=OVERALL, method=METHODS[0])
    by_term = {t: i for i, t in zip(part.values.index, part.values["term"], strict=True)}
    shown, significant = [], []
    for el in elements:
        row = by_term.get(f"{model}_{el}")
        est = MISSING if row is None else cell(part, row, "estimate")
        if not est.shown:
            continue
        value = ctx.number(est.value, COEFFICIENTS, "estimate")
        item = ctx.house("alt.estimate", what=label(element_labels, el, "elements"), value=value)
        shown.append((est.value, item))
        p = cell(part, row, "p")
        if p.shown and p.value < ALPHA:
            significant.append(item)
    spread = ""
    if len(shown) > 1:
        spread = ctx.house("alt.forest_spread", low=min(shown)[1], high=max(shown)[1])
    return ctx.alt(
        ctx.house("alt.forest", k=len(elements), outcome=outcome,
                  methods=ctx.listing([label(methods, m, "methods") for m in METHOD_STYLE])),
        ctx.house("alt.significant", items=ctx.listing(significant)), spread, ctx.hidden_alt(marks))


def subgroup_lines(key: str, subgroup_specs: Sequence[Mapping[str, Any]], ctx: Context,
                   texts: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """The rows of a subgroup figure: (subgroup variable, level, label), the whole sample first,
    then the subgroups of config `core_elements.subgroups` that apply to outcome `key`."""
    variable_labels, level_labels = ctx.registry.labels("subgroup_variables"), ctx.registry.labels("subgroup_levels")
    lines = [("", OVERALL, texts["overall"])]
    for sub in subgroup_specs:
        if "outcomes" in sub and key not in sub["outcomes"]:
            continue
        var = sub["variable"]
        where = f"subgroup variable '{var}'"
        lines += [(var, level, f"{label(variable_labels, var, where)}: {label(level_labels[var], level, where)}")
                  for level in sub["levels"]]
    return lines


def _subgroup_rows(coefs: Masked) -> tuple[Masked, dict]:
    """The intensity models' rows and the row of each (subgroup variable, level, term, method)."""
    d = rows(coefs, model="intensity")
    variable = d.values["subgroup_variable"].astype(object).where(d.values["subgroup_variable"].notna(), "")
    d = Masked(d.values.assign(subgroup_variable=variable), d.status)
    at = {k: i for i, k in zip(d.values.index, zip(*(d.values[c] for c in ("subgroup_variable", "subgroup", "term",
                                                                           "method")), strict=True), strict=True)}
    return d, at


def subgroups(coefs: Masked, key: str, subgroup_specs: Sequence[Mapping[str, Any]], elements: Sequence[str],
              ctx: Context, marks: Marks, texts: Mapping[str, Any], title: str, axis: str) -> plt.Figure:
    """The intensity model per subgroup: one panel per element (in rows of at most
    SUBGROUP_COLUMNS, so the figure keeps the page's width and its text its size), one row per
    subgroup level (the subgroups of config `core_elements.subgroups` that apply to outcome
    `key`); `axis` says what the estimates are (the legend's heading). The colours' legend goes
    under the panels, never in the data's place."""
    element_labels = ctx.registry.labels("elements")
    d, at = _subgroup_rows(coefs)
    lines = subgroup_lines(key, subgroup_specs, ctx, texts)
    ncols = min(SUBGROUP_COLUMNS, len(elements))
    nrows = math.ceil(len(elements) / ncols)
    fig, grid = style.figure(style.PAGE_WIDTH, nrows * (0.17 * len(lines) + 0.9) + 1.6, nrows=nrows, ncols=ncols,
                             sharey=True, squeeze=False)
    axes = list(grid.flat)
    for ax, el in zip(axes, elements, strict=False):
        term = f"intensity_{el}"
        name = label(element_labels, el, "elements")
        for i, (var, level, text) in enumerate(lines):
            row = at.get((var, level, term, "ols"))
            est = MISSING if row is None else cell(d, row, "estimate")
            if not est.shown:
                ax.text(0, i, marks.symbol(est.status, ", ".join((name, text))), ha="center", va="center",
                        fontsize=style.MARKER_SIZE, color=style.GREY_TEXT)
                continue
            p, low, high = (cell(d, row, c) for c in ("p", "ci_low", "ci_high"))
            color = (style.GREEN if est.value > 0 else style.RED) if p.shown and p.value < ALPHA else style.GREY
            if low.shown and high.shown:
                ax.plot([low.value, high.value], [i, i], color=color, lw=1)
            ax.plot(est.value, i, "o", color=color, ms=4)
            wild = at.get((var, level, term, "wild_cluster"))
            pw = MISSING if wild is None else cell(d, wild, "p")
            if pw.shown and pw.value < ALPHA:
                ax.plot(est.value, i, "o", mfc="none", mec="#000000", ms=8, mew=0.8)
        ax.axvline(0, color=style.EDGE, lw=0.6)
        ax.set_title(textwrap.fill(name, 17), fontsize=style.LABEL_SIZE)
        # zero in the middle of every panel; three ticks well inside it, so that they can be read
        # at 7 pt and do not run into the next panel's
        reach = max((abs(v) for line in ax.get_lines() for v in line.get_xdata()), default=0.0) * 1.1 or 1.0
        ax.set_xlim(-reach, reach)
        step = _nice_below(0.7 * reach)
        ax.set_xticks([-step, 0.0, step])
        ax.set_ylim(len(lines) - 0.5, -0.5)
    ticks = []
    for var, level, text in lines:
        fitted = [at[k] for k in at if k[:2] == (var, level) and k[3] == "ols"]
        estimated = [i for i in fitted if cell(d, i, "estimate").shown]
        if not estimated:
            ticks.append(texts["not_estimated"].format(text=text))
            continue
        ns = [cell(d, i, "n") for i in estimated]
        shown = [c.value for c in ns if c.shown]
        n = ctx.number(max(shown), COEFFICIENTS, "n") if shown else marks.symbol(ns[0].status)
        ticks.append(texts["row"].format(text=text, n=n))
    for r in range(nrows):
        grid[r, 0].set_yticks(range(len(lines)), ticks)
    legend = texts["legend"]
    handles = [Line2D([], [], ls="none", marker="o", color=style.GREEN, ms=4, label=legend["positive"]),
               Line2D([], [], ls="none", marker="o", color=style.RED, ms=4, label=legend["negative"]),
               Line2D([], [], ls="none", marker="o", color=style.GREY, ms=4, label=legend["other"]),
               Line2D([], [], ls="none", marker="o", mfc="none", mec="#000000", ms=8, mew=0.8, label=legend["wild"])]
    for ax in axes[len(elements):]:
        ax.remove()
    # under the panels, where it cannot cover an estimate, headed by what the axes show (one
    # artist: constrained layout stacks a figure's x label and an outside legend over each other)
    fig.legend(handles=handles, ncol=2, loc="outside lower center", title=axis, title_fontsize=8)
    style.heading(fig, title)
    return fig


def subgroups_alt(coefs: Masked, key: str, subgroup_specs: Sequence[Mapping[str, Any]], elements: Sequence[str],
                  ctx: Context, marks: Marks, texts: Mapping[str, Any], outcome: str) -> str:
    """The alt text of the subgroup figure: what it shows, the estimates significant with the
    report's method (positive and negative), as drawn."""
    element_labels = ctx.registry.labels("elements")
    d, at = _subgroup_rows(coefs)
    lines = subgroup_lines(key, subgroup_specs, ctx, texts)
    positive, negative = [], []
    for el in elements:
        for var, level, text in lines:
            row = at.get((var, level, f"intensity_{el}", "ols"))
            est = MISSING if row is None else cell(d, row, "estimate")
            p = MISSING if row is None else cell(d, row, "p")
            if est.shown and p.shown and p.value < ALPHA:
                item = ctx.house("alt.estimate", what=", ".join((label(element_labels, el, "elements"), text)),
                                 value=ctx.number(est.value, COEFFICIENTS, "estimate"))
                (positive if est.value > 0 else negative).append((-abs(est.value), item))
    # the largest first, and at most ALT_MOST of each named
    positive, negative = ([item for _, item in sorted(found, key=lambda f: f[0])] for found in (positive, negative))
    return ctx.alt(ctx.house("alt.subgroups", k=len(elements), rows=len(lines), outcome=outcome),
                   ctx.house("alt.subgroups_significant", positive=ctx.listing(positive, ALT_MOST),
                             negative=ctx.listing(negative, ALT_MOST)),
                   ctx.hidden_alt(marks))


def _nice_below(limit: float) -> float:
    """The largest 1, 2, 2,5 or 5 times a power of ten not above `limit`."""
    power = 10.0 ** math.floor(math.log10(limit))
    return max(m * power for m in (1, 2, 2.5, 5) if m * power <= limit)


def catalogue(tables: dict[str, Masked], ctx: Context, settings: Any) -> dict[str, plt.Figure]:
    """Figur 10-1..10-16 keyed by file stem (figur_10_1 ...), each with its caption: the report's
    title and note of its number (`by_number` in the registry), else its kind's, filled with the
    outcome's label."""
    reg = ctx.registry
    cfg = settings.config["core_elements"]
    elements = list(reg.labels("elements"))
    outcome_labels, models = reg.labels("outcomes"), reg.labels("models")
    coefficients, intention, hist = (tables[k] for k in (COEFFICIENTS, INTENTION, HISTOGRAM))
    by_number = reg.figures[CHAPTER].get("by_number", {})
    out = {}
    for o in cfg["outcomes"]:
        key, figs = o["key"], o["figures"]
        name = label(outcome_labels, key, "outcomes")
        coefs = rows(coefficients, outcome=key)

        def spec_of(kind: str, figs: dict = figs) -> dict:
            return {**reg.figure(CHAPTER, kind), **by_number.get(figs[kind], {})}

        def stem(kind: str, figs: dict = figs) -> str:
            return "figur_" + figs[kind].replace("-", "_")

        def finish(kind: str, fig: plt.Figure, marks: Marks, n: str, alt: str, figs: dict = figs,
                   name: str = name) -> plt.Figure:
            spec = spec_of(kind)
            what = label(models, kind, "models") if kind in models else ""
            caption = ctx.caption(stem(kind), figs[kind], spec, n=n, alt=alt, outcome=name, what=what)
            return ctx.finish(fig, marks, caption)

        def heading(kind: str, figs: dict = figs, name: str = name) -> str:
            what = label(models, kind, "models") if kind in models else ""
            return ctx.heading(figs[kind], spec_of(kind)["title"].format(outcome=name, what=what))

        own_intention, marks = rows(intention, outcome=key), ctx.marks()
        fig = descriptive(own_intention, rows(hist, outcome=key), elements, ctx, marks, heading("descriptive"))
        n = (cell(own_intention, own_intention.values.index[0], "n") if len(own_intention.values) else MISSING)
        out[stem("descriptive")] = finish("descriptive", fig, marks, ctx.n_line(n, marks, INTENTION),
                                          descriptive_alt(own_intention, elements, ctx, marks, name))
        for model in ("intention", "intensity"):
            marks = ctx.marks()
            fig = forest(coefs, model, elements, ctx, marks, heading(model), spec_of(model)["axis"])
            out[stem(model)] = finish(model, fig, marks, ctx.n_line(forest_n(coefs, model), marks, COEFFICIENTS),
                                      forest_alt(coefs, model, elements, ctx, marks, name))
        spec, marks = spec_of("subgroups"), ctx.marks()
        fig = subgroups(coefs, key, cfg["subgroups"], elements, ctx, marks, spec, heading("subgroups"),
                        reg.figure(CHAPTER, "intensity")["axis"])
        alt = subgroups_alt(coefs, key, cfg["subgroups"], elements, ctx, marks, spec, name)
        out[stem("subgroups")] = finish("subgroups", fig, marks, ctx.n_line(forest_n(coefs, "intensity"), marks,
                                                                            COEFFICIENTS), alt)
    return out
