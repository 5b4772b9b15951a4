"""Chapter 3's figures: the target-group profiles (Figur 3-1..3-3) and the flow (Figur 3-4).

Reads: the masked tables `profiles` and `flow`; the registry's label sets `profile_variables`,
`profile_categories` (config/published.yaml's categories and config `age.groups`),
`age_group_labels` and `flow_steps`; its texts.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from puljeeval.publish import display
from puljeeval.publish.figures import style
from puljeeval.publish.figures.context import Cell, Context, Marks, cell, codes, label, rows, share_cell
from puljeeval.publish.masked import Masked

CHAPTER = "kapitel_3"
PROFILES, FLOW = "profiles", "flow"


def profile(profiles: Masked, variables: list[str], ctx: Context, marks: Marks, title: str) -> plt.Figure:
    """Figur 3-1..3-3: per variable, each category's share by age group (horizontal bars). A group
    whose share has no number gets the marker of its reason where its bar would be."""
    reg = ctx.registry
    variable_labels, category_labels = reg.labels("profile_variables"), reg.labels("profile_categories")
    group_labels = reg.labels("age_group_labels")
    panels = {var: rows(profiles, variable=var) for var in variables}
    groups = list(dict.fromkeys(g for d in panels.values() for g in codes(d, "age_group")))
    bars = [len(category_labels[v]) * len(codes(d, "age_group")) + 1 for v, d in panels.items()]
    fig, axes = style.figure(7.5, 1.2 + 0.15 * sum(bars) + 0.8 * len(variables), nrows=len(variables),
                             squeeze=False, gridspec_kw={"height_ratios": bars})
    for ax, var in zip(axes[:, 0], variables, strict=True):
        where = f"figure {title!r}, variable '{var}'"
        d = panels[var]
        cats = list(category_labels[var])
        present = codes(d, "age_group")    # the age variable has only the all-ages group
        height = 0.8 / max(len(present), 1)
        for pi, g in enumerate(present):
            gi = groups.index(g)
            for ci, cat in enumerate(cats):
                hit = rows(d, age_group=g, category=cat)
                y = ci + pi * height
                found = (share_cell(hit, hit.values.index[0], "share_pct", ["count"]) if len(hit.values)
                         else Cell(None, display.NOT_APPLICABLE))
                if not found.shown:
                    ax.text(1, y, marks.symbol(found.status), va="center", fontsize=style.MARKER_SIZE,
                            gid=f"marker/{var}/{g}/{cat}")
                    continue
                ax.barh(y, found.value, height=height, **style.bar_style(gi))
                ax.text(found.value + 0.5, y, ctx.number(found.value, PROFILES, "share_pct"), va="center",
                        fontsize=6)
        ax.set_yticks([c + (len(present) - 1) * height / 2 for c in range(len(cats))],
                      [label(category_labels[var], c, where) for c in cats])
        ax.invert_yaxis()
        ns = []
        for g in present:
            n = cell(d, rows(d, age_group=g).values.index[0], "n")
            ns.append(f"{label(group_labels, g, where)} {ctx.text(n, marks, PROFILES, 'n')}")
        ax.set_title(f"{label(variable_labels, var, where)} (N: " + ", ".join(ns) + ")", loc="left")
        ax.set_xlim(0, 105)
        ax.set_xlabel(reg.text("share_axis"))
    # the legend names every group, also those without a drawn bar in some panel
    handles = [style.swatch(gi, label(group_labels, g, f"figure {title!r}")) for gi, g in enumerate(groups)]
    fig.legend(handles=handles, ncol=len(groups), loc="outside lower center")
    fig.suptitle(title, x=0.01, ha="left", fontsize=10)
    return fig


def flow(table: Masked, ctx: Context, marks: Marks, title: str, axis: str) -> plt.Figure:
    """Figur 3-4 with the cleaning steps before it: the number of courses per step, with its share
    where the step has one; a hidden count gets its marker instead of a bar."""
    step_labels = ctx.registry.labels("flow_steps")
    index = list(table.values.index)
    fig, ax = style.figure(7, 0.35 * len(index) + 1.0)
    y = np.arange(len(index))
    counts = [cell(table, i, "n") for i in index]
    top = max([c.value for c in counts if c.shown] or [1.0])
    ax.barh(y, [c.value if c.shown else 0.0 for c in counts], **style.bar_style(1))
    for yi, i, n in zip(y, index, counts, strict=True):
        share = cell(table, i, "share_pct")
        if not n.shown:
            text = marks.symbol(n.status)
        else:
            text = ctx.number(n.value, FLOW, "n")
            if share.shown:
                text += ctx.registry.text("share_note", value=ctx.number(share.value, FLOW, "share_pct"))
            elif share.status in display.HIDDEN:
                text += ctx.registry.text("share_note", value=marks.symbol(share.status))
        ax.text((n.value if n.shown else 0.0) + top * 0.01, yi, text, va="center", fontsize=7)
    ax.set_yticks(y, [label(step_labels, s, f"figure {title!r}") for s in table.values["step"]])
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.15)
    ax.set_xlabel(axis)
    ax.set_title(title, loc="left")
    return fig


def catalogue(tables: dict[str, Masked], ctx: Context, settings: Any) -> dict[str, plt.Figure]:
    """Figur 3-1..3-4 keyed by file stem."""
    out = {}
    for stem, spec in ctx.registry.figures[CHAPTER].items():
        if "variables" in spec:
            marks = ctx.marks()
            out[stem] = ctx.finish(profile(tables[PROFILES], spec["variables"], ctx, marks, spec["title"]), marks)
    spec = ctx.registry.figure(CHAPTER, "figur_3_4")
    marks = ctx.marks()
    out["figur_3_4"] = ctx.finish(flow(tables[FLOW], ctx, marks, spec["title"], spec["axis"]), marks)
    return out
