"""Bilag 4's published tables (disclosure control, Danish headings) and figures 10-1..10-16.

Tables: the footnote 5 flow per outcome, the intention shares, the fidelity histograms and
the coefficient table (all methods side by side). Counts of children below
`disclosure.min_count` are hidden with secondary suppression; coefficients are not counts.

Figures read the published tables only:
- descriptive (10-1/5/9/13): intention shares per element and the intensity distribution
  (grey: the offer did not intend the element);
- intention and intensity (10-2/3, 6/7, 10/11, 14/15): estimates with 95 % intervals per
  element; the report's OLS estimate filled blue when significant, beside it the interval
  clustered by offer (wild bootstrap p) and the attrition-weighted estimate;
- subgroups (10-4/8/12/16): one panel per element, one row per subgroup; green = significant
  positive, red = significant negative (report-style p < 0,05); a ring marks wild cluster
  bootstrap p < 0,05.
"""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from puljeeval.methods import disclosure  # noqa: E402
from puljeeval.publish.figures import bar_style, dk  # noqa: E402
from puljeeval.settings import Settings  # noqa: E402

BLUE, GREEN, RED, GREY = "#1f5fa8", "#2e7d32", "#c62828", "#8c8c8c"
METHOD_LABELS = {"ols": "Rapportens metode (OLS)", "wild_cluster": "Klynget på tilbud (wild bootstrap)",
                 "ipw": "Vægtet for frafald (IPW)"}
ALPHA = 0.05


# --------------------------------------------------------------------------- tables


def suppress_flow(flow: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Dropped counts per criterion and the final N form one row summing to the start count:
    small counts are hidden, and another so none can be recovered; a `remaining` next to a
    hidden dropped count is hidden too."""
    out = flow.copy()
    for c in ("remaining", "dropped"):
        out[c] = out[c].astype("Float64")
    for _, part in flow.groupby("outcome", sort=False):
        steps = part[part["step"] > 0]
        row = pd.DataFrame([list(steps["dropped"]) + [steps["remaining"].iloc[-1]]])
        mask = disclosure.suppress(row, min_count).iloc[0, :-1].to_numpy()
        hidden = steps.index[mask[:-1]]
        out.loc[hidden, "dropped"] = pd.NA
        out.loc[hidden, "remaining"] = pd.NA
        if mask[-2]:
            out.loc[steps.index[-1], "remaining"] = pd.NA
    return out


def suppress_intention(shares: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Intention shares are yes/no per element: hidden when the children with or without the
    intention number 1 to min_count - 1 (either reveals them), or the sample itself is small."""
    out = shares.copy()
    without = out["n"] - out["with_intention"]
    small = (out["with_intention"] < min_count) | (without < min_count)
    small &= (out["with_intention"] > 0) & (without > 0) | (out["n"] < min_count)
    for c in ("with_intention", "share_pct", "ci_low_pct", "ci_high_pct"):
        out[c] = out[c].astype("Float64")
        out.loc[small, c] = pd.NA
    return out


def suppress_histogram(hist: pd.DataFrame, min_count: int) -> pd.DataFrame:
    out = hist.copy()
    cols = ["with_intention", "without_intention"]
    for c in cols:
        out[c] = out[c].astype("Float64")
    for _, part in hist.groupby(["outcome", "element"], sort=False):
        counts = part.set_index("bin")[cols]
        mask = disclosure.suppress(counts, min_count)
        for b in counts.index:
            for c in cols:
                if mask.loc[b, c]:
                    out.loc[part.index[part["bin"] == b], c] = pd.NA
    return out


def published(tables: dict[str, pd.DataFrame], settings: Settings) -> dict[str, pd.DataFrame]:
    """Disclosure-controlled tables, still with the pipeline's column names."""
    m = settings.config["disclosure"]["min_count"]
    return {"flow": suppress_flow(tables["flow"], m), "intention": suppress_intention(tables["intention"], m),
            "histogram": suppress_histogram(tables["histogram"], m), "coefficients": tables["coefficients"],
            "models": tables["models"]}


HEADINGS = {
    "outcome": "Analyse", "step": "Trin", "criterion": "Kriterium", "label": "Beskrivelse", "remaining": "Tilbage",
    "dropped": "Fravalgt", "element": "Kerneelement", "n": "N", "with_intention": "Med intention",
    "share_pct": "Andel med intention (pct.)", "ci_low_pct": "95 % KI, nedre", "ci_high_pct": "95 % KI, øvre",
    "mean_intensity": "Gns. intensitet", "order": "Orden", "bin": "Fidelitetsscore",
    "without_intention": "Uden intention", "model": "Model", "figure": "Figur", "subgroup_variable": "Subgruppe",
    "subgroup": "Niveau", "term": "Term", "method": "Metode", "estimate": "Estimat", "se": "Standardfejl",
    "ci_low": "95 % KI, nedre", "ci_high": "95 % KI, øvre", "p": "p", "q": "q (BH)", "clusters": "Tilbud (klynger)",
    "note": "Note", "formula": "Model (formel)", "r2": "R²", "full_rank": "Fuld rang",
}
SHEETS = {"flow": "Inklusion (fodnote 5)", "intention": "Intention", "histogram": "Fidelitet",
          "coefficients": "Koefficienter", "models": "Modeller"}


def workbook(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Sheets with Danish headings (the coefficient table keeps one row per method)."""
    return {SHEETS[k]: v.rename(columns=HEADINGS) for k, v in tables.items()}


# --------------------------------------------------------------------------- figures


def _labels(settings: Settings) -> dict[str, str]:
    return {e["code"]: e["label"] for e in settings.core_elements["core_elements"]}


def descriptive(intention: pd.DataFrame, hist: pd.DataFrame, outcome: dict, settings: Settings,
                min_count: int) -> plt.Figure:
    labels = _labels(settings)
    elements = settings.element_codes
    fig = plt.figure(figsize=(10, 1.1 * len(elements) + 1.2))
    grid = fig.add_gridspec(len(elements), 2, width_ratios=[1, 1.4])
    n = int(intention["n"].iloc[0])
    for i, el in enumerate(elements):
        row = intention[intention["element"] == el].iloc[0]
        ax = fig.add_subplot(grid[i, 0])
        share = row["share_pct"]
        if pd.isna(share):
            ax.text(0, 0, f"skjult (<{min_count})", fontsize=7, va="center")
        else:
            ax.barh(0, share, **bar_style(0), label="Intention")
            ax.barh(0, 100 - share, left=share, **bar_style(3), label="Ingen intention")
            ax.text(share / 2, 0, f"{dk(share)} %", color="white", ha="center", va="center", fontsize=7)
        ax.set_xlim(0, 100)
        ax.set_yticks([0], [labels[el]])
        ax.tick_params(axis="y", labelsize=7)
        if i < len(elements) - 1:
            ax.set_xticklabels([])
        h = hist[hist["element"] == el].sort_values("order")
        ax2 = fig.add_subplot(grid[i, 1])
        x = np.arange(len(h))
        without = h["without_intention"].to_numpy(dtype=float, na_value=np.nan)
        with_ = h["with_intention"].to_numpy(dtype=float, na_value=np.nan)
        ax2.bar(x, np.nan_to_num(without), color=GREY, label="Ingen intention")
        ax2.bar(x, np.nan_to_num(with_), bottom=np.nan_to_num(without), color=BLUE, label="Intention")
        for xi in np.flatnonzero(np.isnan(without) | np.isnan(with_)):
            ax2.text(xi, 0, f"<{min_count}", ha="center", va="bottom", fontsize=5)
        ax2.set_xticks(x, h["bin"] if i == len(elements) - 1 else [""] * len(x), fontsize=6)
        ax2.tick_params(axis="y", labelsize=6)
        if i == 0:
            ax.legend(fontsize=6, loc="lower right", bbox_to_anchor=(1, 1.05), ncol=2)
            ax2.legend(fontsize=6, loc="lower right", bbox_to_anchor=(1, 1.05), ncol=2)
    fig.suptitle(f"Figur {outcome['figures']['descriptive']}: Intention og fidelitet, {outcome['label']} "
                 f"(N={dk(n)})", x=0.01, ha="left", fontsize=9)
    fig.text(0.99, 0.005, "Venstre: andel med intention. Højre: fordeling af fidelitetsscore (antal børn).",
             ha="right", fontsize=6)
    fig.tight_layout()
    return fig


def forest(coefs: pd.DataFrame, outcome: dict, model: str, settings: Settings) -> plt.Figure:
    """Estimates per element with intervals, the three methods side by side."""
    labels = _labels(settings)
    d = coefs[(coefs["model"] == model) & (coefs["subgroup"] == "Samlet")]
    elements = settings.element_codes
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(elements) + 1.4))
    offsets = {"ols": -0.22, "wild_cluster": 0.0, "ipw": 0.22}
    markers = {"ols": "o", "wild_cluster": "s", "ipw": "D"}
    for method, off in offsets.items():
        part = d[d["method"] == method].set_index("term")
        for i, el in enumerate(elements):
            term = f"{model}_{el}"
            if term not in part.index or pd.isna(part.at[term, "estimate"]):
                continue
            r = part.loc[term]
            sig = r["p"] < ALPHA
            color = BLUE if sig and method == "ols" else (GREY if method != "ols" else "#404040")
            ax.plot([r["ci_low"], r["ci_high"]], [i + off] * 2, color=color, lw=1,
                    ls="--" if method == "ols" else "-")
            ax.plot(r["estimate"], i + off, markers[method], color=color,
                    mfc=color if sig else "white", ms=5, label=METHOD_LABELS[method] if i == 0 else None)
    n = int(d["n"].max()) if len(d) else 0
    ax.axvline(0, color="#262626", lw=0.8)
    ax.set_yticks(range(len(elements)), [labels[e] for e in elements])
    ax.invert_yaxis()
    ax.set_xlabel("Effekt på standardiseret udvikling (SD)" + (" pr. fidelitetspoint" if model == "intensity" else ""))
    what = "modtagelse (intention)" if model == "intention" else "fidelitet (intensitet)"
    ax.set_title(f"Figur {outcome['figures'][model]}: Betydning af {what}, {outcome['label']} (N={dk(n)})",
                 loc="left", fontsize=8)
    ax.legend(fontsize=6, loc="lower right")
    fig.text(0.01, 0.005, "Udfyldt markør: p < 0,05 (blå: rapportens metode). 95 % konfidensintervaller.",
             fontsize=6)
    fig.tight_layout()
    return fig


def subgroups(coefs: pd.DataFrame, outcome: dict, settings: Settings) -> plt.Figure:
    labels = _labels(settings)
    cfg = settings.config["core_elements"]
    d = coefs[(coefs["model"] == "intensity")].assign(subgroup_variable=lambda x: x["subgroup_variable"].fillna(""))
    ols = d[d["method"] == "ols"]
    wild = d[d["method"] == "wild_cluster"].set_index(["subgroup_variable", "subgroup", "term"])["p"]
    rows = [("", "Samlet", "Samlet")]
    for sub in cfg["subgroups"]:
        if "outcomes" in sub and outcome["key"] not in sub["outcomes"]:
            continue
        rows += [(sub["variable"], level, f"{sub['label']}: {text}") for level, text in sub["levels"].items()]
    ns = ols.groupby(["subgroup_variable", "subgroup"])["n"].max()
    elements = settings.element_codes
    fig, axes = plt.subplots(1, len(elements), figsize=(13, 0.32 * len(rows) + 1.6), sharey=True)
    for ax, el in zip(axes, elements, strict=True):
        term = f"intensity_{el}"
        for i, (var, level, _) in enumerate(rows):
            hit = ols[(ols["subgroup_variable"] == var) & (ols["subgroup"] == level) & (ols["term"] == term)]
            if hit.empty or pd.isna(hit["estimate"].iloc[0]):
                ax.text(0, i, "–", ha="center", va="center", fontsize=6, color=GREY)
                continue
            r = hit.iloc[0]
            color = (GREEN if r["estimate"] > 0 else RED) if r["p"] < ALPHA else GREY
            ax.plot([r["ci_low"], r["ci_high"]], [i, i], color=color, lw=1)
            ax.plot(r["estimate"], i, "o", color=color, ms=4)
            pw = wild.get((var, level, term))
            if pw is not None and pd.notna(pw) and pw < ALPHA:
                ax.plot(r["estimate"], i, "o", mfc="none", mec="#000000", ms=8, mew=0.8)
        ax.axvline(0, color="#262626", lw=0.6)
        ax.set_title(textwrap.fill(labels[el], 24), fontsize=6)
        ax.tick_params(axis="x", labelsize=5)
    ticks = []
    for var, level, text in rows:
        n = ns.get((var, level))
        ticks.append(f"{text} (n={dk(n)})" if n is not None and pd.notna(n) else f"{text} (ikke estimeret)")
    axes[0].set_yticks(range(len(rows)), ticks, fontsize=6)
    axes[0].invert_yaxis()
    fig.suptitle(f"Figur {outcome['figures']['subgroups']}: Betydning af fidelitet opdelt på subgrupper, "
                 f"{outcome['label']}", x=0.01, ha="left", fontsize=9)
    fig.text(0.01, 0.005, "Grøn/rød: signifikant positiv/negativ (rapportens metode, p < 0,05); ring: også "
             "signifikant klynget på tilbud (wild cluster bootstrap). 95 % konfidensintervaller.", fontsize=6)
    fig.tight_layout()
    return fig


def catalogue(tables: dict[str, pd.DataFrame], settings: Settings) -> dict[str, plt.Figure]:
    m = settings.config["disclosure"]["min_count"]
    out = {}
    for o in settings.config["core_elements"]["outcomes"]:
        key, figs = o["key"], o["figures"]
        coefs = tables["coefficients"][tables["coefficients"]["outcome"] == key]
        stem = "figur_{}".format
        out[stem(figs["descriptive"].replace("-", "_"))] = descriptive(
            tables["intention"][tables["intention"]["outcome"] == key],
            tables["histogram"][tables["histogram"]["outcome"] == key], o, settings, m)
        out[stem(figs["intention"].replace("-", "_"))] = forest(coefs, o, "intention", settings)
        out[stem(figs["intensity"].replace("-", "_"))] = forest(coefs, o, "intensity", settings)
        out[stem(figs["subgroups"].replace("-", "_"))] = subgroups(coefs, o, settings)
    return out
