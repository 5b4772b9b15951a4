"""Chapter 5's figures (Bilag 4, Figur 10-1..10-16), four per outcome of config
`core_elements.outcomes`, numbered by its `figures`:

- descriptive (10-1/5/9/13): intention shares per element and the intensity distribution
  (grey: the offer did not intend the element);
- intention and intensity (10-2/3, 6/7, 10/11, 14/15): estimates with 95 % intervals per
  element; the report's OLS estimate filled blue when significant, beside it the interval
  clustered by offer (wild bootstrap p) and the attrition-weighted estimate;
- subgroups (10-4/8/12/16): one panel per element, one row per subgroup; green = significant
  positive, red = significant negative (report-style p < 0,05); a ring marks wild cluster
  bootstrap p < 0,05.

An estimate without a number (a model not estimated, a hidden count) is drawn as the marker of
its reason.

Reads: the masked tables `element_intention`, `element_histogram`, `element_coefficients`;
config `core_elements.outcomes` (which analyses, their figure numbers) and
`core_elements.subgroups` (which subgroups, in order); the registry's label sets `elements`,
`outcomes`, `methods`, `models`, `intention`, `subgroup_variables`, `subgroup_levels`; titles and
notes from its figures.
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
METHOD_STYLE = dict(zip(METHODS, (("o", -0.22), ("s", 0.0), ("D", 0.22)), strict=True))


def descriptive(intention: Masked, hist: Masked, elements: Sequence[str], ctx: Context, marks: Marks,
                title: str) -> plt.Figure:
    """Intention shares (left) and the distribution of intensities (right), one row per element.
    `title` has {n} for the analysis' N."""
    names = ctx.registry.labels("intention")
    element_labels = ctx.registry.labels("elements")
    yes, no = names["with"], names["without"]
    fig = plt.figure(figsize=(10, 1.0 * len(elements) + 1.6), layout="constrained")
    grid = fig.add_gridspec(len(elements), 2, width_ratios=[1, 1.4])
    n = cell(intention, intention.values.index[0], "n") if len(intention.values) else MISSING
    for i, el in enumerate(elements):
        last = i == len(elements) - 1
        ax = fig.add_subplot(grid[i, 0])
        hit = rows(intention, element=el)
        share = share_cell(hit, hit.values.index[0], "share_pct", ["with_intention"]) if len(hit.values) else MISSING
        if share.shown:
            ax.barh(0, share.value, color=style.BLUE)
            ax.barh(0, 100 - share.value, left=share.value, color=style.GREY)
            text = ax.text(share.value / 2, 0, ctx.number(share.value, INTENTION, "share_pct"), ha="center",
                           va="center", fontsize=7, **style.on_fill(style.BLUE))
            marks.inside(ax, text, 0, share.value)
        else:
            ax.text(1, 0, marks.symbol(share.status), fontsize=style.MARKER_SIZE, va="center")
        ax.set_xlim(0, 100)
        ax.set_yticks([0], [textwrap.fill(label(element_labels, el, "elements"), 34)])
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
        for xi in range(len(order)):
            hidden = [(parts[col][xi], color) for col, color in (("without_intention", style.GREY_TEXT),
                                                                  ("with_intention", style.BLUE))
                      if not parts[col][xi].shown]
            for k, (c, color) in enumerate(hidden):
                ax2.annotate(marks.symbol(c.status), xy=(xi, bottom[xi]), xytext=(0, 1 + 8 * k),
                             textcoords="offset points", ha="center", va="bottom", fontsize=style.MARKER_SIZE,
                             color=color, fontweight="bold")
        ax2.margins(y=0.2)
        ax2.grid(axis="x", visible=False)
        ax2.grid(axis="y", visible=True)
        ax2.set_xticks(x, list(h.values.loc[order, "bin"]) if last else [""] * len(x))
        # no tick at 0 (the baseline is plain), so a panel's ticks do not meet the next panel's
        ax2.yaxis.set_major_locator(MaxNLocator(nbins=3, integer=True, prune="lower"))
    fig.legend(handles=[Patch(color=style.BLUE, label=yes), Patch(color=style.GREY, label=no)], ncol=2,
               loc="outside lower center")
    fig.suptitle(title.format(n=ctx.text(n, marks, INTENTION, "n")), x=0.01, ha="left", fontsize=9)
    return fig


def forest(coefs: Masked, model: str, elements: Sequence[str], ctx: Context, marks: Marks, title: str,
           axis: str) -> plt.Figure:
    """Estimates per element with intervals, the three methods side by side. `title` has {n}."""
    methods = ctx.registry.labels("methods")
    element_labels = ctx.registry.labels("elements")
    d = rows(coefs, model=model, subgroup=OVERALL)
    fig, ax = style.figure(7.5, 0.6 * len(elements) + 1.8)
    for method, (marker, off) in METHOD_STYLE.items():
        part = rows(d, method=method)
        by_term = {t: i for i, t in zip(part.values.index, part.values["term"], strict=True)}
        for i, el in enumerate(elements):
            row = by_term.get(f"{model}_{el}")
            est = MISSING if row is None else cell(part, row, "estimate")
            if not est.shown:
                ax.text(0, i + off, " " + marks.symbol(est.status), va="center", fontsize=style.MARKER_SIZE,
                        color=style.GREY)
                continue
            p, low, high = (cell(part, row, c) for c in ("p", "ci_low", "ci_high"))
            sig = p.shown and p.value < ALPHA
            color = (style.BLUE if sig else "#404040") if method == "ols" else style.GREY
            if low.shown and high.shown:
                ax.plot([low.value, high.value], [i + off] * 2, color=color, lw=1,
                        ls="--" if method == "ols" else "-")
            ax.plot(est.value, i + off, marker, color=color, mfc=color if sig else "white", ms=5)
    ns = [cell(d, i, "n") for i in d.values.index]
    shown = [c.value for c in ns if c.shown]
    n = Cell(max(shown)) if shown else (ns[0] if ns else MISSING)
    ax.axvline(0, color=style.EDGE, lw=0.8)
    ax.set_yticks(range(len(elements)), [label(element_labels, e, "elements") for e in elements])
    ax.invert_yaxis()
    ax.set_xlabel(axis)
    ax.set_title(title.format(n=ctx.text(n, marks, COEFFICIENTS, "n")), loc="left", fontsize=8)
    handles = [Line2D([], [], ls="none", marker=marker, color=style.GREY if method != "ols" else "#404040",
                      mfc="white", ms=5, label=label(methods, method, "methods"))
               for method, (marker, _) in METHOD_STYLE.items()]
    # below the axes, where it cannot cover an estimate
    fig.legend(handles=handles, ncol=len(handles), loc="outside lower center")
    return fig


def subgroups(coefs: Masked, key: str, subgroup_specs: Sequence[Mapping[str, Any]], elements: Sequence[str],
              ctx: Context, marks: Marks, texts: Mapping[str, str], title: str, axis: str) -> plt.Figure:
    """The intensity model per subgroup: one panel per element, one row per subgroup level (the
    subgroups of config `core_elements.subgroups` that apply to outcome `key`); `axis` says what
    the estimates are."""
    reg = ctx.registry
    variable_labels, level_labels = reg.labels("subgroup_variables"), reg.labels("subgroup_levels")
    element_labels = reg.labels("elements")
    d = rows(coefs, model="intensity")
    variable = d.values["subgroup_variable"].astype(object).where(d.values["subgroup_variable"].notna(), "")
    d = Masked(d.values.assign(subgroup_variable=variable), d.status)
    lines = [("", OVERALL, texts["overall"])]
    for sub in subgroup_specs:
        if "outcomes" in sub and key not in sub["outcomes"]:
            continue
        var = sub["variable"]
        where = f"subgroup variable '{var}'"
        lines += [(var, level, f"{label(variable_labels, var, where)}: {label(level_labels[var], level, where)}")
                  for level in sub["levels"]]
    # row of each (subgroup variable, level, term, method): one pass instead of a filter per cell
    at = {k: i for i, k in zip(d.values.index, zip(*(d.values[c] for c in ("subgroup_variable", "subgroup", "term",
                                                                           "method")), strict=True), strict=True)}
    fig, axes = style.figure(13, 0.34 * len(lines) + 2.0, ncols=len(elements), sharey=True, squeeze=False)
    axes = axes[0]
    for ax, el in zip(axes, elements, strict=True):
        term = f"intensity_{el}"
        for i, (var, level, _) in enumerate(lines):
            row = at.get((var, level, term, "ols"))
            est = MISSING if row is None else cell(d, row, "estimate")
            if not est.shown:
                ax.text(0, i, marks.symbol(est.status), ha="center", va="center", fontsize=style.MARKER_SIZE,
                        color=style.GREY_TEXT)
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
        ax.set_title(textwrap.fill(label(element_labels, el, "elements"), 22), fontsize=7)
        # zero in the middle of every panel; three ticks well inside it, so that they can be read
        # at 7 pt and do not run into the next panel's
        reach = max((abs(v) for line in ax.get_lines() for v in line.get_xdata()), default=0.0) * 1.1 or 1.0
        ax.set_xlim(-reach, reach)
        step = _nice_below(0.7 * reach)
        ax.set_xticks([-step, 0.0, step])
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
    axes[0].set_yticks(range(len(lines)), ticks)
    axes[0].invert_yaxis()
    fig.supxlabel(axis, fontsize=8)
    fig.suptitle(title, x=0.01, ha="left", fontsize=9)
    return fig


def _nice_below(limit: float) -> float:
    """The largest 1, 2, 2,5 or 5 times a power of ten not above `limit`."""
    power = 10.0 ** math.floor(math.log10(limit))
    return max(m * power for m in (1, 2, 2.5, 5) if m * power <= limit)


def catalogue(tables: dict[str, Masked], ctx: Context, settings: Any) -> dict[str, plt.Figure]:
    """Figur 10-1..10-16 keyed by file stem (figur_10_1 ...)."""
    reg = ctx.registry
    cfg = settings.config["core_elements"]
    elements = list(reg.labels("elements"))
    outcome_labels, models = reg.labels("outcomes"), reg.labels("models")
    coefficients, intention, hist = (tables[k] for k in (COEFFICIENTS, INTENTION, HISTOGRAM))
    out = {}
    for o in cfg["outcomes"]:
        key, figs = o["key"], o["figures"]
        name = label(outcome_labels, key, "outcomes")
        coefs = rows(coefficients, outcome=key)

        def stem(kind: str, figs: dict = figs) -> str:
            return "figur_" + figs[kind].replace("-", "_")

        spec, marks = reg.figure(CHAPTER, "descriptive"), ctx.marks()
        title = spec["title"].format(number=figs["descriptive"], outcome=name, n="{n}")
        fig = descriptive(rows(intention, outcome=key), rows(hist, outcome=key), elements, ctx, marks, title)
        out[stem("descriptive")] = ctx.finish(fig, marks, [spec["note"]])
        for model in ("intention", "intensity"):
            spec, marks = reg.figure(CHAPTER, model), ctx.marks()
            title = spec["title"].format(number=figs[model], what=label(models, model, "models"), outcome=name,
                                         n="{n}")
            fig = forest(coefs, model, elements, ctx, marks, title, spec["axis"])
            out[stem(model)] = ctx.finish(fig, marks, [spec["note"]])
        spec, marks = reg.figure(CHAPTER, "subgroups"), ctx.marks()
        title = spec["title"].format(number=figs["subgroups"], outcome=name)
        fig = subgroups(coefs, key, cfg["subgroups"], elements, ctx, marks, spec, title,
                        reg.figure(CHAPTER, "intensity")["axis"])
        out[stem("subgroups")] = ctx.finish(fig, marks, [spec["note"]])
    return out
