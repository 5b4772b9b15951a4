"""Chapter 4's figures (Figur 4-1..4-13): 100 % stacked shares and start/end means.

Reads: the controlled tables `outcomes`, `benefit_shares`, `parent_statements` and
`core_om_severity`; config/instruments.yaml (scale labels, norms, bands, answer labels), config
`age.groups`, `disclosure.min_count`; titles, axes and labels from the registry.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from puljeeval.publish.figures.style import bar_style, dk
from puljeeval.publish.registry import Registry
from puljeeval.scoring.change import CATEGORIES

CHAPTER = "kapitel_4"


def stacked(frame: pd.DataFrame, row: str, row_labels: dict, segments: list[tuple[str, str]], title: str,
            hidden: str, axis: str) -> plt.Figure:
    """100 % stacked bars, one per row value; `segments` is (share column, label) in order.
    Hidden shares are drawn as an empty gap labelled `hidden`."""
    rows = list(dict.fromkeys(frame[row]))
    fig, ax = plt.subplots(figsize=(7, 0.45 * len(rows) + 1.2))
    for ri, r in enumerate(rows):
        left = 0.0
        d = frame[frame[row] == r].iloc[0]
        for si, (col, label) in enumerate(segments):
            share = d.get(col)
            if share is None or pd.isna(share):
                continue
            ax.barh(ri, share, left=left, **bar_style(si), label=label if ri == 0 else None)
            if share >= 4:
                ax.text(left + share / 2, ri, f"{dk(share)} %", ha="center", va="center", fontsize=6,
                        color="white" if si in (0, 4) else "black")
            left += share
        if left < 99.5:
            ax.text(left + 0.5, ri, hidden, va="center", fontsize=6)
    ax.set_yticks(range(len(rows)), [row_labels.get(r, r) for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(axis)
    ax.legend(ncol=len(segments), loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=7)
    ax.set_title(title, loc="left", pad=22)
    fig.tight_layout()
    return fig


def prepost(frame: pd.DataFrame, row: str, row_labels: dict, title: str, axis_label: str,
            times: dict[str, str], references: list[tuple[float, str]] = ()) -> plt.Figure:
    """Start and end means with 95 % intervals, one pair of bars per row value (`times` labels
    start and end), with reference lines (norms, population means)."""
    rows = list(dict.fromkeys(frame[row]))
    fig, ax = plt.subplots(figsize=(7, max(2.6, 0.5 * len(rows) + 1.6)))
    for ri, r in enumerate(rows):
        d = frame[frame[row] == r].iloc[0]
        for ti, (tp, label) in enumerate(times.items()):
            mean = d[f"{tp}_mean"]
            if pd.isna(mean):
                continue
            y = ri + (ti - 0.5) * 0.38
            err = [[mean - d[f"{tp}_ci_low"]], [d[f"{tp}_ci_high"] - mean]]
            ax.barh(y, mean, height=0.36, xerr=err, error_kw={"elinewidth": 0.7, "capsize": 2},
                    **bar_style(ti + 1), label=label if ri == 0 else None)
            ax.text(d[f"{tp}_ci_high"] * 1.01 + 0.1, y, dk(mean, 1), va="center", fontsize=6)
    for k, (value, label) in enumerate(references):
        ax.axvline(value, color="#262626", linestyle="--", linewidth=0.8)
        ax.annotate(f"{label}: {dk(value, 1)}", xy=(value, 1), xycoords=ax.get_xaxis_transform(),
                    xytext=(0, 2 + 9 * k), textcoords="offset points", fontsize=6, ha="center", va="bottom")
    ax.set_yticks(range(len(rows)), [row_labels.get(r, r) for r in rows])
    ax.invert_yaxis()
    ax.set_xlabel(axis_label)
    fig.legend(*ax.get_legend_handles_labels(), ncol=2, loc="lower center", fontsize=7)
    ax.set_title(title, loc="left", pad=8 + 10 * len(references))
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


def catalogue(tables: dict[str, pd.DataFrame], registry: Registry, settings: Any) -> dict[str, plt.Figure]:
    """Figur 4-1..4-13 keyed by file stem."""
    m = settings.config["disclosure"]["min_count"]
    hidden = registry.text("hidden_share", min_count=m)
    axis = registry.text("share_axis")
    specs = settings.instruments["instruments"]
    out = tables["outcomes"]
    category_labels = registry.labels("change_categories")
    cats = [(f"{c}_pct", category_labels[c]) for c in CATEGORIES]
    times = registry.labels("prepost")
    groups = settings.config["age"]["groups"]
    group_labels = {**registry.labels("age_groups"),
                    **{g["label"]: registry.text("age_group", label=g["label"]) for g in groups}}

    def fig(stem: str) -> dict:
        return registry.figure(CHAPTER, stem)

    def scale_labels(name: str) -> dict:
        return {k: v["label"] for k, v in specs[name]["scales"].items()}

    def rows(instrument: str, scales: list[str] | None = None, by_group: bool = False) -> pd.DataFrame:
        d = out[out["instrument"] == instrument]
        if scales is not None:
            d = d[d["scale"].isin(scales)]
        return d.assign(key=d["age_group"] if by_group else d["scale"])

    def means(stem: str, frame: pd.DataFrame, labels: dict, instrument: str | None = None) -> plt.Figure:
        spec = fig(stem)
        refs = [(specs[instrument]["norms"][k]["value"], label) for k, label in spec.get("references", {}).items()]
        return prepost(frame, "key", labels, spec["title"], spec["axis"], times, refs)

    def shares(stem: str, frame: pd.DataFrame, row: str, labels: dict, segments: list) -> plt.Figure:
        return stacked(frame, row, labels, segments, fig(stem)["title"], hidden, axis)

    bands = [(f"{b['label']}_pct", b["label"]) for b in specs["core_om"]["bands"]["clinical"]]
    who5 = rows("who5", ["total"], by_group=True)
    return {
        "figur_4_1": shares("figur_4_1", _wide_shares(tables["benefit_shares"], "age_group", "answer"), "age_group",
                            group_labels, _answer_segments(specs["benefit"]["categorical"]["benefit"])),
        "figur_4_2": means("figur_4_2", who5, group_labels, "who5"),
        "figur_4_3": shares("figur_4_3", who5, "key", group_labels, cats),
        "figur_4_4": means("figur_4_4", rows("tool_0_2"), scale_labels("tool_0_2")),
        "figur_4_5": shares("figur_4_5", _wide_shares(tables["parent_statements"], "label", "answer"), "label", {},
                            _answer_segments(specs["parent_statements"]["categorical"]["all"])),
        "figur_4_6": means("figur_4_6", rows("sdq_p", ["total"]), scale_labels("sdq_p"), "sdq_p"),
        "figur_4_7": means("figur_4_7", rows("sdq_p", ["emotional", "conduct", "hyperactivity", "peer", "prosocial"]),
                           scale_labels("sdq_p")),
        "figur_4_8": shares("figur_4_8", rows("sdq_p"), "key", scale_labels("sdq_p"), cats),
        "figur_4_9": means("figur_4_9", rows("yp_core", ["total"]), scale_labels("yp_core"), "yp_core"),
        "figur_4_10": shares("figur_4_10", rows("yp_core", ["total"]), "key", scale_labels("yp_core"), cats),
        "figur_4_11": means("figur_4_11", rows("core_om", ["total"]), scale_labels("core_om")),
        "figur_4_11_niveauer": shares("figur_4_11_niveauer", _wide_shares(tables["core_om_severity"], "timepoint",
                                                                          "band"),
                                      "timepoint", registry.labels("timepoints"), bands),
        "figur_4_12": means("figur_4_12", rows("core_om", ["wellbeing", "problems", "functioning", "risk"]),
                            scale_labels("core_om")),
        "figur_4_13": shares("figur_4_13", rows("core_om", ["total", "wellbeing", "problems", "functioning", "risk"]),
                             "key", scale_labels("core_om"), cats),
    }


def _wide_shares(long: pd.DataFrame, row: str, answer: str) -> pd.DataFrame:
    wide = long.pivot_table(index=row, columns=answer, values="share_pct", aggfunc="first", sort=False,
                            dropna=False)
    wide.columns = [f"{c}_pct" for c in wide.columns]
    return wide.reset_index()


def _answer_segments(labels: dict) -> list[tuple[str, str]]:
    """Answer categories from best to worst."""
    return [(f"{label}_pct", label) for _, label in sorted(labels.items(), key=lambda kv: -int(kv[0]))]
