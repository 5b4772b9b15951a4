"""Chapter 4's figures (Figur 4-1..4-13): 100 % stacked shares and start/end means.

Reads: the masked tables `outcomes`, `benefit_shares`, `parent_statements` and
`core_om_severity`; config/instruments.yaml (answer categories, norms, bands, scale ranges);
the registry's label sets `age_group_labels` (config `age.groups`), `scales`,
`parent_statements`, `change_categories`, `prepost`, `timepoints`; per figure the report's number,
title, source and notes (a norm's value written as {<norm key>}), axes and reference lines from
its figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from puljeeval.publish import display
from puljeeval.publish.figures import style
from puljeeval.publish.figures.context import Cell, Context, Marks, cell, codes, label, rows, share_cell
from puljeeval.publish.masked import Masked
from puljeeval.scoring.change import CATEGORIES

CHAPTER = "kapitel_4"
OUTCOMES = "outcomes"
# A gap of this many percentage points holds the names of its hidden segments.
GAP_ROOM = 30
# The axis of means spans the whole scale when what is drawn reaches this far along it.
FULL_SCALE = 0.6


def stacked(frame: Masked, table: str, row: str, row_labels: Mapping[str, str],
            segments: Sequence[tuple[str, str, str]], ctx: Context, marks: Marks, title: str) -> plt.Figure:
    """100 % stacked bars, one per code of `row`; `segments` is (share column,
    label, the registry column of `table` that gives its precision) in order.
    A segment without a number is not drawn: the bar's gap is the sum of its hidden segments
    (which the published shares give anyway), and the segments it holds are named beside the bar
    with the marker of their reason. Values are written on their segments (on a light box where
    the fill is hatched) and dropped where the segment is too narrow for them."""
    codes_ = codes(frame, row)
    fig, ax = style.figure(style.PAGE_WIDTH, 0.45 * len(codes_) + 1.7)
    where = f"figure {title!r}"
    for ri, code in enumerate(codes_):
        hit = rows(frame, **{row: code})
        i = hit.values.index[0]
        left, missing = 0.0, []
        for si, (col, name, source) in enumerate(segments):
            found = cell(hit, i, col)
            if not found.shown:
                symbol = marks.symbol(found.status, ", ".join((name, label(row_labels, code, where))))
                missing.append(f"{name}: {symbol}")
                continue
            fill = style.bar_style(si)
            ax.barh(ri, found.value, left=left, **fill)
            text = ax.text(left + found.value / 2, ri, ctx.number(found.value, table, source), ha="center",
                           va="center", fontsize=style.LABEL_SIZE, **style.on_fill(fill["color"], fill["hatch"]))
            marks.inside(ax, text, left, left + found.value)
            left += found.value
        if missing:
            # in the bar's gap (where the hidden segments are) when it has room, else beside the bar
            ax.text(left + 1 if left <= 100 - GAP_ROOM else 101, ri, "; ".join(missing), va="center",
                    fontsize=style.MARKER_SIZE, clip_on=False)
    ax.set_yticks(range(len(codes_)), [label(row_labels, c, where) for c in codes_])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(ctx.registry.text("share_axis"))
    handles = [style.swatch(si, name) for si, (_, name, _) in enumerate(segments)]
    fig.legend(handles=handles, ncol=len(segments), loc="outside lower center")
    style.heading(fig, title)
    return fig


def stacked_alt(frame: Masked, table: str, row: str, row_labels: Mapping[str, str],
                segments: Sequence[tuple[str, str, str]], ctx: Context, marks: Marks) -> str:
    """The alt text of stacked shares: what the bars are, the first bar's shares as drawn, and
    where the first segment is largest and smallest."""
    codes_ = codes(frame, row)
    names = {c: label(row_labels, c, "alt text") for c in codes_}

    def share(code: str, col: str) -> Cell:
        hit = rows(frame, **{row: code})
        return cell(hit, hit.values.index[0], col)

    first = [ctx.house("alt.share", what=name, value=ctx.number(share(codes_[0], col).value, table, source))
             for col, name, source in segments if share(codes_[0], col).shown]
    col, name, source = segments[0]
    shown = [(share(c, col).value, c) for c in codes_ if share(c, col).shown]
    spread = ""
    if len(shown) > 1:
        (high, hc), (low, lc) = max(shown), min(shown)
        spread = ctx.house("alt.spread", what=name, high=names[hc], high_value=ctx.number(high, table, source),
                           low=names[lc], low_value=ctx.number(low, table, source))
    return ctx.alt(
        ctx.house("alt.stacked", rows=ctx.listing(list(names.values())),
                  segments=ctx.listing([n for _, n, _ in segments])),
        ctx.house("alt.first_row", row=names[codes_[0]], items=ctx.listing(first)) if first else "",
        spread, ctx.hidden_alt(marks))


def scale_floor(spec: Mapping[str, Any], scale: str) -> float:
    """The lowest score of a scale: its items' lowest answer times its multiplier (a sum of scales:
    the sum of theirs). Bars of means start there (a 1-3 scale's bars start at 1)."""
    s = spec["scales"][scale]
    if "sum_of" in s:
        return sum(scale_floor(spec, part) for part in s["sum_of"])
    return float(spec["range"][0]) * float(s.get("multiplier", 1))


def scale_ceiling(spec: Mapping[str, Any], scale: str) -> float:
    """The highest score of a scale (as `scale_floor`, from the items' highest answer)."""
    s = spec["scales"][scale]
    if "sum_of" in s:
        return sum(scale_ceiling(spec, part) for part in s["sum_of"])
    return float(spec["range"][1]) * float(s.get("multiplier", 1))


def prepost(frame: Masked, row: str, row_labels: Mapping[str, str], ctx: Context, marks: Marks, title: str,
            axis_label: str, references: Sequence[tuple[float, str]] = (), origin: float = 0.0,
            ceiling: float | None = None) -> plt.Figure:
    """Start and end means with 95 % intervals, one pair of bars per code of `row` (bars from
    `origin`, the scale's lowest score; the axis starts there and, when the bars reach most of
    the scale, ends at its highest score `ceiling`), with reference lines (norms, population
    means). A mean without a number gets the marker of its reason where its bar would be."""
    times = ctx.registry.labels("prepost")
    codes_ = codes(frame, row)
    where = f"figure {title!r}"
    fig, ax = style.figure(style.PAGE_WIDTH, max(2.8, 0.55 * len(codes_) + 2.0))
    reach = origin
    for ri, code in enumerate(codes_):
        hit = rows(frame, **{row: code})
        i = hit.values.index[0]
        for ti, tp in enumerate(times):
            y = ri + (ti - 0.5) * 0.38
            mean = cell(hit, i, f"{tp}_mean")
            if not mean.shown:
                what = ", ".join((times[tp], label(row_labels, code, where)))
                ax.text(origin, y, " " + marks.symbol(mean.status, what), va="center", fontsize=style.MARKER_SIZE)
                continue
            low, high = cell(hit, i, f"{tp}_ci_low"), cell(hit, i, f"{tp}_ci_high")
            err = None
            if low.shown and high.shown:
                err = [[mean.value - low.value], [high.value - mean.value]]
            ax.barh(y, mean.value - origin, left=origin, height=0.36, xerr=err,
                    error_kw={"elinewidth": 0.7, "capsize": 2, "ecolor": style.EDGE}, **style.bar_style(ti + 1))
            right = high.value if high.shown else mean.value
            reach = max(reach, right)
            ax.annotate(ctx.number(mean.value, OUTCOMES, f"{tp}_mean"), xy=(right, y), xytext=(3, 0),
                        textcoords="offset points", va="center", fontsize=style.LABEL_SIZE)
    for k, (value, name) in enumerate(references):
        ax.axvline(value, color=style.EDGE, linestyle="--", linewidth=0.8)
        ax.annotate(f"{name}: {display.number(value, _decimals(value))}", xy=(value, 1),
                    xycoords=ax.get_xaxis_transform(), xytext=(0, 2 + 10 * k), textcoords="offset points",
                    fontsize=style.LABEL_SIZE, ha="center", va="bottom")
    ax.set_yticks(range(len(codes_)), [label(row_labels, c, where) for c in codes_])
    ax.invert_yaxis()
    ax.set_xlim(left=origin)
    if ceiling is not None and reach - origin >= FULL_SCALE * (ceiling - origin):
        ax.set_xlim(origin, ceiling)
    ax.set_xlabel(axis_label)
    handles = [style.swatch(ti + 1, name) for ti, name in enumerate(times.values())]
    fig.legend(handles=handles, ncol=len(handles), loc="outside lower center")
    style.heading(fig, title)
    return fig


def prepost_alt(frame: Masked, row: str, row_labels: Mapping[str, str], ctx: Context, marks: Marks,
                axis_label: str, references: Sequence[tuple[float, str]] = ()) -> str:
    """The alt text of start and end means: what is drawn, every row's change as drawn, the
    reference lines."""
    times = list(ctx.registry.labels("prepost"))
    changes = []
    for code in codes(frame, row):
        hit = rows(frame, **{row: code})
        start, end = (cell(hit, hit.values.index[0], f"{tp}_mean") for tp in times[:2])
        if start.shown and end.shown:
            changes.append(ctx.house("alt.change", row=label(row_labels, code, "alt text"),
                                     start=ctx.number(start.value, OUTCOMES, f"{times[0]}_mean"),
                                     end=ctx.number(end.value, OUTCOMES, f"{times[1]}_mean")))
    refs = [ctx.house("alt.reference", name=name, value=display.number(value, _decimals(value)))
            for value, name in references]
    return ctx.alt(
        ctx.house("alt.means", rows=ctx.listing([label(row_labels, c, "alt text") for c in codes(frame, row)]),
                  axis=axis_label),
        ctx.house("alt.changes", changes="; ".join(changes)) if changes else "",
        ctx.house("alt.references", refs=ctx.listing(refs)) if refs else "",
        ctx.hidden_alt(marks))


def n_of(frame: Masked, ctx: Context, marks: Marks, table: str) -> str:
    """The N line of a figure drawn from `frame`: its largest count (the whole group's, of which
    the other rows are parts, or the common count of scales answered by the same children)."""
    found = [cell(frame, i, "n") for i in frame.values.index]
    shown = [c for c in found if c.shown]
    if shown:
        return ctx.n_line(max(shown, key=lambda c: c.value), marks, table)
    return ctx.n_line(found[0], marks, table) if found else ""


def _decimals(value: float, most: int = 2) -> int:
    """A constant's decimals as written in the config (68 -> 0, 6.4 -> 1)."""
    for d in range(most + 1):
        if float(display.half_up(value, d)) == float(value):
            return d
    return most


def catalogue(tables: dict[str, Masked], ctx: Context, settings: Any) -> dict[str, plt.Figure]:
    """Figur 4-1..4-13 keyed by file stem, each with its caption."""
    reg = ctx.registry
    specs = settings.instruments["instruments"]
    out = tables[OUTCOMES]
    category_labels = reg.labels("change_categories")
    cats = [(f"{c}_pct", label(category_labels, c, "change categories"), f"{c}_pct") for c in CATEGORIES]
    group_labels = reg.labels("age_group_labels")
    scale_labels = reg.labels("scales")

    def select(instrument: str, scales: list[str] | None = None) -> Masked:
        d = rows(out, instrument=instrument)
        if "within_ages" in d.values:       # the rows of unknown age and outside the instrument's ages
            d = rows(d, d.values["within_ages"].astype("string").str.lower() == "true")    # are not drawn
        if scales is not None:
            d = rows(d, d.values["scale"].isin(scales))
        return d

    def norms_text(instrument: str) -> dict[str, str]:
        """The instrument's norms as the notes write them ({<norm key>} in a note)."""
        norms = specs[instrument].get("norms", {})
        return {k: display.number(float(v["value"]), _decimals(float(v["value"]))) for k, v in norms.items()}

    def means(stem: str, frame: Masked, row: str, labels: Mapping[str, str], instrument: str) -> plt.Figure:
        spec, marks = reg.figure(CHAPTER, stem), ctx.marks()
        norms = specs[instrument].get("norms", {})
        refs = [(float(norms[k]["value"]), name) for k, name in spec.get("references", {}).items()]
        scales = codes(frame, "scale")
        origin = min(scale_floor(specs[instrument], s) for s in scales)
        ceiling = max(scale_ceiling(specs[instrument], s) for s in scales)
        fig = prepost(frame, row, labels, ctx, marks, ctx.heading(spec["number"], spec["title"]), spec["axis"], refs,
                      origin, ceiling)
        alt = prepost_alt(frame, row, labels, ctx, marks, spec["axis"], refs)
        caption = ctx.caption(stem, spec["number"], spec, n=n_of(frame, ctx, marks, OUTCOMES), alt=alt,
                              **norms_text(instrument))
        return ctx.finish(fig, marks, caption)

    def shares(stem: str, frame: Masked, table: str, row: str, labels: Mapping[str, str], segments: list,
               counts: Masked) -> plt.Figure:
        spec, marks = reg.figure(CHAPTER, stem), ctx.marks()
        fig = stacked(frame, table, row, labels, segments, ctx, marks, ctx.heading(spec["number"], spec["title"]))
        alt = stacked_alt(frame, table, row, labels, segments, ctx, marks)
        caption = ctx.caption(stem, spec["number"], spec, n=n_of(counts, ctx, marks, table), alt=alt)
        return ctx.finish(fig, marks, caption)

    bands = [(b["label"], b["label"], "share_pct") for b in specs["core_om"]["bands"]["clinical"]]
    who5, yp = select("who5", ["total"]), select("yp_core", ["total"])
    sdq = select("sdq_p")
    core_om = select("core_om", ["total", "wellbeing", "problems", "functioning", "risk"])
    statements = reg.labels("parent_statements")
    severity = tables["core_om_severity"]
    return {
        "figur_4_1": shares("figur_4_1", _wide(tables["benefit_shares"], "age_group", "answer"), "benefit_shares",
                            "age_group", group_labels, _answers(specs["benefit"]["categorical"]["benefit"]),
                            tables["benefit_shares"]),
        "figur_4_2": means("figur_4_2", who5, "age_group", group_labels, "who5"),
        "figur_4_3": shares("figur_4_3", who5, OUTCOMES, "age_group", group_labels, cats, who5),
        "figur_4_4": means("figur_4_4", select("tool_0_2"), "scale", scale_labels["tool_0_2"], "tool_0_2"),
        "figur_4_5": shares("figur_4_5", _wide(tables["parent_statements"], "item", "answer"), "parent_statements",
                            "item", statements, _answers(specs["parent_statements"]["categorical"]["all"]),
                            tables["parent_statements"]),
        "figur_4_6": means("figur_4_6", select("sdq_p", ["total"]), "scale", scale_labels["sdq_p"], "sdq_p"),
        "figur_4_7": means("figur_4_7", select("sdq_p", ["emotional", "conduct", "hyperactivity", "peer", "prosocial"]),
                           "scale", scale_labels["sdq_p"], "sdq_p"),
        "figur_4_8": shares("figur_4_8", sdq, OUTCOMES, "scale", scale_labels["sdq_p"], cats, sdq),
        "figur_4_9": means("figur_4_9", yp, "scale", scale_labels["yp_core"], "yp_core"),
        "figur_4_10": shares("figur_4_10", yp, OUTCOMES, "scale", scale_labels["yp_core"], cats, yp),
        "figur_4_11": means("figur_4_11", select("core_om", ["total"]), "scale", scale_labels["core_om"], "core_om"),
        "figur_4_11_niveauer": shares("figur_4_11_niveauer", _wide(severity, "timepoint", "band"), "core_om_severity",
                                      "timepoint", reg.labels("timepoints"), bands, severity),
        "figur_4_12": means("figur_4_12", select("core_om", ["wellbeing", "problems", "functioning", "risk"]),
                            "scale", scale_labels["core_om"], "core_om"),
        "figur_4_13": shares("figur_4_13", core_om, OUTCOMES, "scale", scale_labels["core_om"], cats, core_om),
    }


def _wide(long: Masked, row: str, answer: str) -> Masked:
    """A long share table (one row per row code and answer) as one row per row code with a share
    column per answer (named by the answer), values and statuses alike (a share whose count is
    below the threshold marked as that). An answer a row lacks is 'not applicable'."""
    values = long.values.pivot(index=row, columns=answer, values="share_pct")
    shares = [share_cell(long, i, "share_pct", ["count"]).status for i in long.values.index]
    status = pd.DataFrame({row: long.values[row], answer: long.values[answer], "share_pct": shares}).pivot(
        index=row, columns=answer, values="share_pct")
    order = list(dict.fromkeys(long.values[row]))
    values, status = values.reindex(order), status.reindex(order)
    status = status.where(status.notna(), display.NOT_APPLICABLE)
    return Masked(values.rename_axis(columns=None).reset_index(),
                  status.rename_axis(columns=None).reset_index().assign(**{row: ""}))


def _answers(labels: Mapping[Any, str]) -> list[tuple[str, str, str]]:
    """Answer categories from best to worst: (the share column `_wide` made, label, the long
    table's share column)."""
    return [(name, name, "share_pct") for _, name in sorted(labels.items(), key=lambda kv: -int(kv[0]))]
