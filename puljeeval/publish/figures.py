"""The report's figures (Figur 3-1 .. 4-13) in one house style, from the published
(disclosure-controlled) tables: hidden cells are not drawn, they are marked.

House style: greys with hatching so that every series reads in greyscale, Danish labels and
decimal comma, values written on the bars. PNG and SVG with fixed metadata, so the same
tables give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from puljeeval.scoring.change import CATEGORIES  # noqa: E402

GREYS = ["#262626", "#737373", "#b3b3b3", "#e0e0e0", "#4d4d4d", "#999999"]
HATCHES = ["", "///", "...", "", "xx", "\\\\\\"]
STYLE = {
    "font.family": "DejaVu Sans", "font.size": 8, "axes.titlesize": 9, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "axes.grid.axis": "x", "grid.color": "#dddddd",
    "legend.frameon": False, "svg.hashsalt": "puljeeval", "svg.fonttype": "path", "figure.dpi": 150,
}
matplotlib.rcParams.update(STYLE)   # this module is the one place figures are made
CATEGORY_LABELS = {"fremgang": "Fremgang", "status quo": "Status quo", "tilbagegang": "Tilbagegang"}


def dk(x: float, decimals: int = 0) -> str:
    """A number the Danish way: decimal comma, thousands point."""
    text = f"{x:,.{decimals}f}"
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def save(fig: plt.Figure, stem: str, outdir: str | Path) -> list[Path]:
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = [outdir / f"{stem}.png", outdir / f"{stem}.svg"]
    fig.savefig(paths[0], metadata={"Software": None}, bbox_inches="tight")
    fig.savefig(paths[1], metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    plt.close(fig)
    return paths


def bar_style(i: int) -> dict:
    return {"color": GREYS[i % len(GREYS)], "hatch": HATCHES[i % len(HATCHES)], "edgecolor": "#262626",
            "linewidth": 0.4}


def profile(profiles: pd.DataFrame, variables: list[str], labels: dict[str, dict], title: str,
            min_count: int) -> plt.Figure:
    """Figur 3-1..3-3: per variable, each category's share by age group (horizontal bars)."""
    n_bars = sum(len(labels[v]) for v in variables)
    fig, axes = plt.subplots(len(variables), 1, figsize=(7.5, 1.2 + 0.6 * n_bars + 0.6 * len(variables)),
                             squeeze=False)
    for ax, var in zip(axes[:, 0], variables, strict=True):
        d = profiles[profiles["variable"] == var]
        groups = list(dict.fromkeys(d["age_group"]))
        cats = list(labels[var])
        height = 0.8 / len(groups)
        for gi, g in enumerate(groups):
            for ci, cat in enumerate(cats):
                row = d[(d["age_group"] == g) & (d["category"] == cat)]
                y = ci + gi * height
                if row.empty:
                    continue
                share = row["share_pct"].iloc[0]
                if pd.isna(share):
                    ax.text(0.5, y, f"<{min_count}", va="center", fontsize=6)
                    continue
                ax.barh(y, share, height=height, **bar_style(gi), label=g if ci == 0 else None)
                ax.text(share + 0.5, y, f"{dk(share)} %", va="center", fontsize=6)
        ax.set_yticks([c + 0.4 - height / 2 for c in range(len(cats))], [labels[var][c] for c in cats])
        ax.invert_yaxis()
        n = d.groupby("age_group", sort=False)["n"].first()
        ax.set_title(f"{d['label'].iloc[0]} (N: " + ", ".join(
            f"{g} {dk(v) if pd.notna(v) else '<' + str(min_count)}" for g, v in n.items()) + ")", loc="left")
        ax.set_xlim(0, 105)
        ax.set_xlabel("Andel (pct.)")
    axes[0, 0].legend(ncol=len(groups), loc="lower left", bbox_to_anchor=(0, 1.15), fontsize=7)
    fig.suptitle(title, x=0.01, y=1.03, ha="left", fontsize=10)
    fig.tight_layout()
    return fig


def flow(table: pd.DataFrame, title: str, min_count: int) -> plt.Figure:
    """Figur 3-4 with the cleaning steps before it."""
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(table) + 0.8))
    y = np.arange(len(table))
    values = table["n"].astype("Float64")
    ax.barh(y, values.fillna(0).to_numpy(dtype=float), **bar_style(1))
    for yi, v, share in zip(y, values, table["share_pct"], strict=True):
        text = f"<{min_count}" if pd.isna(v) else dk(v) + (f" ({dk(share)} pct.)" if pd.notna(share) else "")
        ax.text((0 if pd.isna(v) else v) + values.max() * 0.01, yi, text, va="center", fontsize=7)
    ax.set_yticks(y, table["description"])
    ax.invert_yaxis()
    ax.set_xlabel("Antal forløb")
    ax.set_title(title, loc="left")
    fig.tight_layout()
    return fig


def stacked(frame: pd.DataFrame, row: str, row_labels: dict, segments: list[tuple[str, str]], title: str,
            min_count: int) -> plt.Figure:
    """100 % stacked bars, one per row value; `segments` is (share column, label) in order.
    Hidden shares are drawn as an empty, labelled gap."""
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
            ax.text(left + 0.5, ri, f"skjult (<{min_count})", va="center", fontsize=6)
    ax.set_yticks(range(len(rows)), [row_labels.get(r, r) for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("Andel (pct.)")
    ax.legend(ncol=len(segments), loc="lower left", bbox_to_anchor=(0, 1.0), fontsize=7)
    ax.set_title(title, loc="left", pad=22)
    fig.tight_layout()
    return fig


def prepost(frame: pd.DataFrame, row: str, row_labels: dict, title: str, axis_label: str,
            references: list[tuple[float, str]] = ()) -> plt.Figure:
    """Start and end means with 95 % intervals, one pair of bars per row value, with
    reference lines (norms, population means)."""
    rows = list(dict.fromkeys(frame[row]))
    fig, ax = plt.subplots(figsize=(7, max(2.6, 0.5 * len(rows) + 1.6)))
    for ri, r in enumerate(rows):
        d = frame[frame[row] == r].iloc[0]
        for ti, (tp, label) in enumerate((("start", "Opstart"), ("end", "Afslutning"))):
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


def catalogue(tables: dict[str, pd.DataFrame], settings) -> dict[str, plt.Figure]:
    """All figures, keyed by the report's numbering (file stems)."""
    m = settings.config["disclosure"]["min_count"]
    specs = settings.instruments["instruments"]
    prof = settings.published["profiles"]["variables"]
    labels = {v: {c: spec["label"] for c, spec in prof[v]["categories"].items()} for v in prof}
    labels["age"] = {g["label"]: f"{g['label']} år" for g in settings.config["age"]["groups"]}
    out = tables["outcomes"]
    cats = [(f"{c}_pct", CATEGORY_LABELS[c]) for c in CATEGORIES]

    def scale_labels(name: str) -> dict:
        return {k: v["label"] for k, v in specs[name]["scales"].items()}

    def rows(instrument: str, scales: list[str] | None = None, by_group: bool = False) -> pd.DataFrame:
        d = out[out["instrument"] == instrument]
        if scales is not None:
            d = d[d["scale"].isin(scales)]
        return d.assign(key=d["age_group"] if by_group else d["scale"])

    def norms(name: str, keys: dict[str, str]) -> list[tuple[float, str]]:
        return [(specs[name]["norms"][k]["value"], label) for k, label in keys.items()]

    bands = [(f"{b['label']}_pct", b["label"]) for b in specs["core_om"]["bands"]["clinical"]]
    group_labels = {"ALLE": "Alle", **{g["label"]: f"{g['label']} år" for g in settings.config["age"]["groups"]}}
    who5 = rows("who5", ["total"], by_group=True)
    sdq_total = rows("sdq_p", ["total"])
    return {
        "figur_3_1": profile(tables["profiles"], ["gender", "age", "residence", "parents_education"], labels,
                             "Figur 3-1: Målgruppeprofil, baggrundskarakteristika", m),
        "figur_3_2": profile(tables["profiles"], ["substance", "abusing_party", "family_problems"], labels,
                             "Figur 3-2: Målgruppeprofil, familiens problematikker", m),
        "figur_3_3": profile(tables["profiles"], ["wellbeing_start", "other_support"], labels,
                             "Figur 3-3: Målgruppeprofil, trivsel og øvrig støtte", m),
        "figur_3_4": flow(tables["flow"], "Figur 3-4: Frafaldsanalyse (med datarensningens trin)", m),
        "figur_4_1": stacked(_wide_shares(tables["benefit_shares"], "age_group", "answer"), "age_group",
                             group_labels, _answer_segments(specs["benefit"]["categorical"]["benefit"]),
                             "Figur 4-1: Har forløbet haft betydning for, hvor du er i livet nu?", m),
        "figur_4_2": prepost(who5, "key", group_labels, "Figur 4-2: WHO-5 ved opstart og afslutning",
                             "WHO-5 (0-100, højere er bedre)", norms("who5", {"population_mean": "Befolkningen"})),
        "figur_4_3": stacked(who5, "key", group_labels, cats, "Figur 4-3: Udvikling i trivsel (WHO-5)", m),
        "figur_4_4": prepost(rows("tool_0_2"), "key", scale_labels("tool_0_2"),
                             "Figur 4-4: 0-2-årige, udvikling fordelt på temaer", "Gennemsnit (1-3, højere er bedre)"),
        "figur_4_5": stacked(_wide_shares(tables["parent_statements"], "label", "answer"), "label", {},
                             _answer_segments(specs["parent_statements"]["categorical"]["all"]),
                             "Figur 4-5: Forældrenes udbytte (0-2 år)", m),
        "figur_4_6": prepost(sdq_total, "key", scale_labels("sdq_p"), "Figur 4-6: SDQ ved opstart og afslutning",
                             "SDQ (0-40, lavere er bedre)", norms("sdq_p", {"total_boys": "Norm drenge",
                                                                           "total_girls": "Norm piger"})),
        "figur_4_7": prepost(rows("sdq_p", ["emotional", "conduct", "hyperactivity", "peer", "prosocial"]), "key",
                             scale_labels("sdq_p"), "Figur 4-7: SDQ fordelt på temaer", "Score (0-10)"),
        "figur_4_8": stacked(rows("sdq_p"), "key", scale_labels("sdq_p"), cats,
                             "Figur 4-8: Udvikling i livsmestring (SDQ), 3-10 år", m),
        "figur_4_9": prepost(rows("yp_core", ["total"]), "key", scale_labels("yp_core"),
                             "Figur 4-9: YP-CORE ved opstart og afslutning", "YP-CORE (0-40, lavere er bedre)",
                             norms("yp_core", {"boys": "Norm drenge", "girls": "Norm piger"})),
        "figur_4_10": stacked(rows("yp_core", ["total"]), "key", scale_labels("yp_core"), cats,
                              "Figur 4-10: Udvikling i livsmestring (YP-CORE), 11-16 år", m),
        "figur_4_11": prepost(rows("core_om", ["total"]), "key", scale_labels("core_om"),
                              "Figur 4-11: CORE-OM ved opstart og afslutning", "CORE-OM (0-136, lavere er bedre)"),
        "figur_4_11_niveauer": stacked(_wide_shares(tables["core_om_severity"], "timepoint", "band"), "timepoint",
                                       {"start": "Opstart", "slut": "Afslutning"},
                                       bands, "Figur 4-11: CORE-OM, bekymringsniveauer", m),
        "figur_4_12": prepost(rows("core_om", ["wellbeing", "problems", "functioning", "risk"]), "key",
                              scale_labels("core_om"), "Figur 4-12: CORE-OM fordelt på temaer",
                              "Gennemsnitlig item-score (0-4)"),
        "figur_4_13": stacked(rows("core_om", ["total", "wellbeing", "problems", "functioning", "risk"]), "key",
                              scale_labels("core_om"), cats, "Figur 4-13: Udvikling i livsmestring (CORE-OM)", m),
    }


def _wide_shares(long: pd.DataFrame, row: str, answer: str) -> pd.DataFrame:
    wide = long.pivot_table(index=row, columns=answer, values="share_pct", aggfunc="first", sort=False,
                            dropna=False)
    wide.columns = [f"{c}_pct" for c in wide.columns]
    return wide.reset_index()


def _answer_segments(labels: dict) -> list[tuple[str, str]]:
    """Answer categories from best to worst."""
    return [(f"{label}_pct", label) for _, label in sorted(labels.items(), key=lambda kv: -int(kv[0]))]
