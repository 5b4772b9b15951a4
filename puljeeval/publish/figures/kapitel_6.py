"""Chapter 6's figures, which the report does not have: the cost per participant by phase, the
one-way sensitivity (tornado) per scenario, and the base against the full-cost scenario.

Reads: the masked tables `cost_phases`, `cost_tornado` and `cost_full` (no person counts: every
cell has its number); the registry's label sets `cost_course_types` and `cost_phases`; per figure
its number, title, notes and axis (`figures.kapitel_6`). Every figure carries the assumed-input line
when the cost input is an assumed example (the figures rule passes it as the context's line).
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt

from puljeeval.publish.figures import style
from puljeeval.publish.figures.context import Context, Marks, cell, label, rows
from puljeeval.publish.masked import Masked

CHAPTER = "kapitel_6"
PHASES, TORNADO, FULL = "cost_phases", "cost_tornado", "cost_full"


def _scenarios(table: Masked) -> list[tuple[str, str, str]]:
    """(offer, course type, offer label) in the table's order."""
    v = table.values
    return list(dict.fromkeys(zip(v["offer"], v["course_type"], v["offer_label"], strict=True)))


def _scenario_label(ctx: Context, offer_label: str, course_type: str) -> str:
    return f"{offer_label}, {label(ctx.registry.labels('cost_course_types'), course_type, 'cost figures').lower()}"


def phases(table: Masked, ctx: Context, marks: Marks, title: str, axis: str) -> plt.Figure:
    """Stacked horizontal bars: per scenario, kroner per participant by phase."""
    phase_labels = ctx.registry.labels("cost_phases")
    scen = _scenarios(table)
    codes = list(phase_labels)
    fig, ax = style.figure(style.PAGE_WIDTH, 0.5 * len(scen) + 1.6)
    top = 0.0
    for yi, (offer, ctype, _) in enumerate(scen):
        left = 0.0
        for si, phase in enumerate(codes):
            hit = rows(table, offer=offer, course_type=ctype, phase=phase)
            found = cell(hit, hit.values.index[0], "amount")
            if not found.shown or found.value <= 0:
                continue
            fill = style.bar_style(si)
            ax.barh(yi, found.value, left=left, **fill)
            text = ax.text(left + found.value / 2, yi, ctx.number(found.value, PHASES, "amount"), ha="center",
                           va="center", fontsize=style.LABEL_SIZE, **style.on_fill(fill["color"], fill["hatch"]))
            marks.inside(ax, text, left, left + found.value)
            left += found.value
        # the total at the bar's end: the sum of the phases drawn
        ax.text(left, yi, f" {ctx.number(left, PHASES, 'amount')}", va="center", fontsize=style.LABEL_SIZE)
        top = max(top, left)
    ax.set_yticks(range(len(scen)), [_scenario_label(ctx, lab, t) for _, t, lab in scen])
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.12)
    ax.set_xlabel(axis)
    fig.legend(handles=[style.swatch(si, phase_labels[p]) for si, p in enumerate(codes)], ncol=len(codes),
               loc="outside lower center")
    style.heading(fig, title)
    return fig


def tornado(table: Masked, ctx: Context, marks: Marks, title: str, axis: str, panel: str) -> plt.Figure:
    """One panel per scenario: each driver's bar from the total at its low end to the total at its
    high end, around the base total (a vertical line), largest swing on top."""
    scen = _scenarios(table)
    heights = [len(rows(table, offer=o, course_type=t).values) for o, t, _ in scen]
    fig, axes = style.figure(style.PAGE_WIDTH, 0.32 * sum(heights) + 0.75 * len(scen) + 1.0, nrows=len(scen),
                             squeeze=False, gridspec_kw={"height_ratios": heights})
    for ax, (offer, ctype, olabel) in zip(axes[:, 0], scen, strict=True):
        part = rows(table, offer=offer, course_type=ctype)
        v = part.values.sort_values("rank")
        base = float(v["base_total"].iloc[0])
        for yi, i in enumerate(v.index):
            lo, hi = cell(part, i, "total_at_low").value, cell(part, i, "total_at_high").value
            left, right = min(lo, hi), max(lo, hi)
            ax.barh(yi, right - left, left=left, **style.bar_style(1))
            ax.text(right, yi, f" {ctx.number(hi, TORNADO, 'total_at_high')} ({v.at[i, 'high_text']})"
                    if hi >= lo else f" {ctx.number(lo, TORNADO, 'total_at_low')} ({v.at[i, 'low_text']})",
                    va="center", fontsize=style.LABEL_SIZE)
            ax.text(left, yi, f"({v.at[i, 'low_text']}) {ctx.number(lo, TORNADO, 'total_at_low')} "
                    if hi >= lo else f"({v.at[i, 'high_text']}) {ctx.number(hi, TORNADO, 'total_at_high')} ",
                    va="center", ha="right", fontsize=style.LABEL_SIZE)
        ax.axvline(base, color=style.EDGE, linewidth=1)
        ax.set_yticks(range(len(v)), list(v["driver_label"]))
        ax.invert_yaxis()
        ends = v[["total_at_low", "total_at_high"]].to_numpy(dtype=float)
        span = float(ends.max() - ends.min())
        ax.set_xlim(ends.min() - 0.45 * span, ends.max() + 0.45 * span)
        ax.set_title(panel.format(scenario=_scenario_label(ctx, olabel, ctype),
                                  base=ctx.number(base, TORNADO, "base_total")), loc="left")
    axes[-1, 0].set_xlabel(axis)
    style.heading(fig, title)
    return fig


def full_cost(table: Masked, ctx: Context, marks: Marks, title: str, axis: str, names: tuple[str, str]) -> plt.Figure:
    """Paired bars per scenario: the base total beside the full-cost total."""
    scen = _scenarios(table)
    fig, ax = style.figure(style.PAGE_WIDTH, 0.7 * len(scen) + 1.5)
    height = 0.38
    top = 0.0
    for yi, (offer, ctype, _) in enumerate(scen):
        hit = rows(table, offer=offer, course_type=ctype)
        i = hit.values.index[0]
        for k, col in enumerate(("base_total", "full_total")):
            found = cell(hit, i, col)
            y = yi + (k - 0.5) * height
            ax.barh(y, found.value, height=height, **style.bar_style(k + 1))
            ax.text(found.value, y, f" {ctx.number(found.value, FULL, col)}", va="center", fontsize=style.LABEL_SIZE)
            top = max(top, found.value)
    ax.set_yticks(range(len(scen)), [_scenario_label(ctx, lab, t) for _, t, lab in scen])
    ax.invert_yaxis()
    ax.set_xlim(0, top * 1.18)
    ax.set_xlabel(axis)
    fig.legend(handles=[style.swatch(k + 1, n) for k, n in enumerate(names)], ncol=2, loc="outside lower center")
    style.heading(fig, title)
    return fig


def _alt_phases(table: Masked, ctx: Context, spec: dict) -> str:
    v = table.values
    scen = _scenarios(table)
    totals = {(o, t): float(v[(v["offer"] == o) & (v["course_type"] == t)]["amount"].sum()) for o, t, _ in scen}
    (ho, ht), (lo, lt) = max(totals, key=totals.get), min(totals, key=totals.get)
    olabel = dict(zip(v["offer"], v["offer_label"], strict=False))
    return ctx.alt(spec["alt"].format(count=len(scen), offers=len({o for o, _, _ in scen})),
                   spec["alt_extremes"].format(high=_scenario_label(ctx, olabel[ho], ht),
                                               high_value=ctx.number(totals[ho, ht], PHASES, "amount"),
                                               low=_scenario_label(ctx, olabel[lo], lt),
                                               low_value=ctx.number(totals[lo, lt], PHASES, "amount")))


def _alt_tornado(table: Masked, ctx: Context, spec: dict) -> str:
    v = table.values
    top = v[v["rank"] == 1]
    items = [spec["alt_item"].format(scenario=_scenario_label(ctx, r.offer_label, r.course_type),
                                     driver=r.driver_label.lower(), swing=ctx.number(r.swing, TORNADO, "swing"))
             for r in top.itertuples()]
    return ctx.alt(spec["alt"], spec["alt_top"].format(items=ctx.listing(items)))


def _alt_full(table: Masked, ctx: Context, spec: dict) -> str:
    items = [spec["alt_item"].format(scenario=_scenario_label(ctx, r.offer_label, r.course_type),
                                     base=ctx.number(r.base_total, FULL, "base_total"),
                                     full=ctx.number(r.full_total, FULL, "full_total"))
             for r in table.values.itertuples()]
    return ctx.alt(spec["alt"].format(items=ctx.listing(items)))


def catalogue(tables: dict[str, Masked], ctx: Context, settings: Any) -> dict[str, plt.Figure]:
    """The chapter's three figures keyed by file stem, each with its caption."""
    out = {}
    reg = ctx.registry
    spec, marks = reg.figure(CHAPTER, "figur_6_a"), ctx.marks()
    fig = phases(tables[PHASES], ctx, marks, ctx.heading(spec["number"], spec["title"]), spec["axis"])
    out["figur_6_a"] = ctx.finish(fig, marks, ctx.caption("figur_6_a", spec["number"], spec,
                                                          alt=_alt_phases(tables[PHASES], ctx, spec)))
    spec, marks = reg.figure(CHAPTER, "figur_6_b"), ctx.marks()
    fig = tornado(tables[TORNADO], ctx, marks, ctx.heading(spec["number"], spec["title"]), spec["axis"],
                  spec["panel"])
    out["figur_6_b"] = ctx.finish(fig, marks, ctx.caption("figur_6_b", spec["number"], spec,
                                                          alt=_alt_tornado(tables[TORNADO], ctx, spec)))
    spec, marks = reg.figure(CHAPTER, "figur_6_c"), ctx.marks()
    fig = full_cost(tables[FULL], ctx, marks, ctx.heading(spec["number"], spec["title"]), spec["axis"],
                    (spec["base"], spec["full"]))
    out["figur_6_c"] = ctx.finish(fig, marks, ctx.caption("figur_6_c", spec["number"], spec,
                                                          alt=_alt_full(tables[FULL], ctx, spec)))
    return out
