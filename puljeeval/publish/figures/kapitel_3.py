"""Chapter 3's figures: the target-group profiles (Figur 3-1..3-3) and the flow (Figur 3-4).

Reads: the masked tables `profiles` and `flow`; the registry's label sets `profile_variables`,
`profile_categories` (config/published.yaml's categories and config `age.groups`),
`age_group_labels` and `flow_steps`; its texts (`figures.kapitel_3`: number, the report's title,
subtitle, source and notes per figure; `figures.house` for what all figures share).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from puljeeval.publish import display
from puljeeval.publish.figures import style
from puljeeval.publish.figures.context import Cell, Context, Marks, cell, codes, label, rows, share_cell
from puljeeval.publish.masked import Masked

CHAPTER = "kapitel_3"
PROFILES, FLOW = "profiles", "flow"
# The flow's N: the courses started (after the cleaning), the report's 9.957.
N_STEP = "started"


def profile(profiles: Masked, variables: list[str], ctx: Context, marks: Marks, title: str) -> plt.Figure:
    """Figur 3-1..3-3: per variable, each category's share by age group (horizontal bars). A group
    whose share has no number gets the marker of its reason where its bar would be. The counts
    behind each panel are in the figure's N line (`observations`)."""
    reg = ctx.registry
    variable_labels, category_labels = reg.labels("profile_variables"), reg.labels("profile_categories")
    group_labels = reg.labels("age_group_labels")
    panels = {var: rows(profiles, variable=var) for var in variables}
    groups = list(dict.fromkeys(g for d in panels.values() for g in codes(d, "age_group")))
    bars = [len(category_labels[v]) * len(codes(d, "age_group")) + 1 for v, d in panels.items()]
    fig, axes = style.figure(style.PAGE_WIDTH, 1.2 + 0.15 * sum(bars) + 0.7 * len(variables), nrows=len(variables),
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
                    what = ", ".join((label(category_labels[var], cat, where), label(group_labels, g, where)))
                    ax.text(1, y, marks.symbol(found.status, what), va="center", fontsize=style.MARKER_SIZE,
                            gid=f"marker/{var}/{g}/{cat}")
                    continue
                ax.barh(y, found.value, height=height, **style.bar_style(gi))
                ax.text(found.value + 0.5, y, ctx.number(found.value, PROFILES, "share_pct"), va="center",
                        fontsize=style.LABEL_SIZE)
        ax.set_yticks([c + (len(present) - 1) * height / 2 for c in range(len(cats))],
                      [label(category_labels[var], c, where) for c in cats])
        ax.invert_yaxis()
        ax.set_title(label(variable_labels, var, where), loc="left")
        ax.set_xlim(0, 108)
        ax.set_xticks(range(0, 101, 20))
        ax.set_xlabel(reg.text("share_axis"))
    # the legend names every group, also those without a drawn bar in some panel
    handles = [style.swatch(gi, label(group_labels, g, f"figure {title!r}")) for gi, g in enumerate(groups)]
    fig.legend(handles=handles, ncol=len(groups), loc="outside lower center")
    style.heading(fig, title)
    return fig


def observations(profiles: Masked, variables: list[str], ctx: Context, marks: Marks) -> str:
    """The report's N line of a profile figure: "Antal observationer: Køn: Alle=8.243, 0-2
    år=180, ..." per variable and age group, from the counts of the cells drawn (a group without
    anyone measured is left out, as the report leaves it out; a hidden count is its marker)."""
    variable_labels, group_labels = ctx.registry.labels("profile_variables"), ctx.registry.labels("age_group_labels")
    parts = []
    for var in variables:
        d = rows(profiles, variable=var)
        groups = []
        for g in codes(d, "age_group"):
            n = cell(d, rows(d, age_group=g).values.index[0], "n")
            if n.shown and n.value == 0:
                continue
            groups.append(ctx.house("observations_group", group=label(group_labels, g, "age groups"),
                                    n=ctx.text(n, marks, PROFILES, "n")))
        parts.append(ctx.house("observations_part", variable=label(variable_labels, var, "profile variables"),
                               groups=", ".join(groups)))
    return ctx.house("observations", parts=". ".join(parts))


def profile_alt(profiles: Masked, variables: list[str], ctx: Context, marks: Marks, subtitle: str) -> str:
    """The alt text of a profile figure: what it shows, and per variable the most frequent
    category of the first group (all ages) with its share."""
    reg = ctx.registry
    variable_labels, category_labels = reg.labels("profile_variables"), reg.labels("profile_categories")
    group_labels = reg.labels("age_group_labels")
    groups = list(dict.fromkeys(g for v in variables for g in codes(rows(profiles, variable=v), "age_group")))
    top = []
    for var in variables:
        d = rows(profiles, variable=var, age_group=groups[0])
        shares = [(cell(d, i, "share_pct"), c) for i, c in zip(d.values.index, d.values["category"], strict=True)]
        shown = [(c.value, cat) for c, cat in shares if c.shown]
        if shown:
            value, cat = max(shown, key=lambda vc: vc[0])
            top.append(ctx.house("alt.share", what=label(category_labels[var], cat, "profiles"),
                                 value=ctx.number(value, PROFILES, "share_pct")))
    return ctx.alt(
        ctx.house("alt.profile", subtitle=subtitle,
                  groups=ctx.listing([label(group_labels, g, "profiles") for g in groups]),
                  variables=ctx.listing([label(variable_labels, v, "profiles") for v in variables])),
        ctx.house("alt.profile_top", group=label(group_labels, groups[0], "profiles"), items=ctx.listing(top))
        if top else "",
        ctx.hidden_alt(marks))


def flow(table: Masked, ctx: Context, marks: Marks, title: str, axis: str,
         suffixes: Mapping[str, str] | None = None) -> plt.Figure:
    """Figur 3-4 with the cleaning steps before it: the number of courses per step, with its share
    where the step has one; a hidden count gets its marker instead of a bar. `suffixes` marks
    steps the report's notes explain (step code -> mark, e.g. an asterisk)."""
    step_labels = ctx.registry.labels("flow_steps")
    suffixes = suffixes or {}
    index = list(table.values.index)
    fig, ax = style.figure(7, 0.35 * len(index) + 1.2)
    y = np.arange(len(index))
    counts = [cell(table, i, "n") for i in index]
    top = max([c.value for c in counts if c.shown] or [1.0])
    ax.barh(y, [c.value if c.shown else 0.0 for c in counts], **style.bar_style(1))
    for yi, i, n in zip(y, index, counts, strict=True):
        share = cell(table, i, "share_pct")
        step = label(step_labels, table.values.at[i, "step"], f"figure {title!r}")
        if not n.shown:
            text = marks.symbol(n.status, step)
        else:
            text = ctx.number(n.value, FLOW, "n")
            if share.shown:
                text += ctx.registry.text("share_note", value=ctx.number(share.value, FLOW, "share_pct"))
            elif share.status in display.HIDDEN:
                text += ctx.registry.text("share_note", value=marks.symbol(share.status, step))
        ax.text((n.value if n.shown else 0.0) + top * 0.01, yi, text, va="center", fontsize=style.LABEL_SIZE)
    ax.set_yticks(y, [label(step_labels, s, f"figure {title!r}") + str(suffixes.get(s, ""))
                      for s in table.values["step"]])
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.2)
    ax.set_xlabel(axis)
    style.heading(fig, title)
    return fig


def flow_alt(table: Masked, ctx: Context, marks: Marks) -> str:
    """The alt text of the flow: every step with its count (and share) as drawn."""
    step_labels = ctx.registry.labels("flow_steps")
    steps = []
    for i in table.values.index:
        step = label(step_labels, table.values.at[i, "step"], "flow")
        n, share = cell(table, i, "n"), cell(table, i, "share_pct")
        if not n.shown:
            continue        # named by the hidden cells' sentence
        if share.shown:
            steps.append(ctx.house("alt.step_share", step=step, n=ctx.number(n.value, FLOW, "n"),
                                   share=ctx.number(share.value, FLOW, "share_pct")))
        else:
            steps.append(ctx.house("alt.step", step=step, n=ctx.number(n.value, FLOW, "n")))
    return ctx.alt(ctx.house("alt.flow", steps="; ".join(steps)), ctx.hidden_alt(marks))


def catalogue(tables: dict[str, Masked], ctx: Context, settings: Any) -> dict[str, plt.Figure]:
    """Figur 3-1..3-4 keyed by file stem, each with its caption."""
    out = {}
    for stem, spec in ctx.registry.figures[CHAPTER].items():
        if "variables" not in spec:
            continue
        marks = ctx.marks()
        title = ctx.heading(spec["number"], spec["title"], spec.get("subtitle", ""))
        fig = profile(tables[PROFILES], spec["variables"], ctx, marks, title)
        n = observations(tables[PROFILES], spec["variables"], ctx, marks)
        alt = profile_alt(tables[PROFILES], spec["variables"], ctx, marks, spec.get("subtitle", ""))
        out[stem] = ctx.finish(fig, marks, ctx.caption(stem, spec["number"], spec, n=n, alt=alt))
    stem = "figur_3_4"
    spec, marks = ctx.registry.figure(CHAPTER, stem), ctx.marks()
    table = tables[FLOW]
    fig = flow(table, ctx, marks, ctx.heading(spec["number"], spec["title"]), spec["axis"], spec.get("marks"))
    base = [i for i, s in zip(table.values.index, table.values["step"], strict=True) if s == N_STEP]
    n = ctx.n_line(cell(table, base[0], "n"), marks, FLOW) if base else ""
    out[stem] = ctx.finish(fig, marks, ctx.caption(stem, spec["number"], spec, n=n, alt=flow_alt(table, ctx, marks)))
    return out
