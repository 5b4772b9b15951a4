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

Reads: the controlled tables `element_intention`, `element_histogram`, `element_coefficients`;
config/core_elements.yaml (elements), config `core_elements.outcomes`, `core_elements.subgroups`,
`disclosure.min_count`; titles, notes and labels from the registry.
"""

from __future__ import annotations

import textwrap
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from puljeeval.evaluation.element_models import METHODS, OVERALL
from puljeeval.publish.figures.style import BLUE, GREEN, GREY, RED, bar_style, dk
from puljeeval.publish.registry import Registry

CHAPTER = "kapitel_5"
ALPHA = 0.05


def descriptive(intention: pd.DataFrame, hist: pd.DataFrame, outcome: dict, elements: list[str],
                labels: dict[str, str], texts: dict, hidden: str) -> plt.Figure:
    """Intention shares (left) and the distribution of intensities (right), one row per element."""
    yes, no = texts["with"], texts["without"]
    fig = plt.figure(figsize=(10, 1.1 * len(elements) + 1.2))
    grid = fig.add_gridspec(len(elements), 2, width_ratios=[1, 1.4])
    n = int(intention["n"].iloc[0])
    for i, el in enumerate(elements):
        row = intention[intention["element"] == el].iloc[0]
        ax = fig.add_subplot(grid[i, 0])
        share = row["share_pct"]
        if pd.isna(share):
            ax.text(0, 0, hidden, fontsize=7, va="center")
        else:
            ax.barh(0, share, **bar_style(0), label=yes)
            ax.barh(0, 100 - share, left=share, **bar_style(3), label=no)
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
        ax2.bar(x, np.nan_to_num(without), color=GREY, label=no)
        ax2.bar(x, np.nan_to_num(with_), bottom=np.nan_to_num(without), color=BLUE, label=yes)
        for xi in np.flatnonzero(np.isnan(without) | np.isnan(with_)):
            ax2.text(xi, 0, texts["hidden_count"], ha="center", va="bottom", fontsize=5)
        ax2.set_xticks(x, h["bin"] if i == len(elements) - 1 else [""] * len(x), fontsize=6)
        ax2.tick_params(axis="y", labelsize=6)
        if i == 0:
            ax.legend(fontsize=6, loc="lower right", bbox_to_anchor=(1, 1.05), ncol=2)
            ax2.legend(fontsize=6, loc="lower right", bbox_to_anchor=(1, 1.05), ncol=2)
    fig.suptitle(texts["title"].format(number=outcome["figures"]["descriptive"], outcome=outcome["label"], n=dk(n)),
                 x=0.01, ha="left", fontsize=9)
    fig.text(0.99, 0.005, texts["note"], ha="right", fontsize=6)
    fig.tight_layout()
    return fig


def forest(coefs: pd.DataFrame, outcome: dict, model: str, elements: list[str], labels: dict[str, str],
           methods: dict[str, str], texts: dict) -> plt.Figure:
    """Estimates per element with intervals, the three methods side by side."""
    d = coefs[(coefs["model"] == model) & (coefs["subgroup"] == OVERALL)]
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(elements) + 1.4))
    offsets = dict(zip(METHODS, (-0.22, 0.0, 0.22), strict=True))
    markers = dict(zip(METHODS, ("o", "s", "D"), strict=True))
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
                    mfc=color if sig else "white", ms=5, label=methods[method] if i == 0 else None)
    n = int(d["n"].max()) if len(d) else 0
    ax.axvline(0, color="#262626", lw=0.8)
    ax.set_yticks(range(len(elements)), [labels[e] for e in elements])
    ax.invert_yaxis()
    ax.set_xlabel(texts["axis"])
    ax.set_title(texts["title"].format(number=outcome["figures"][model], what=texts["what"], outcome=outcome["label"],
                                       n=dk(n)), loc="left", fontsize=8)
    ax.legend(fontsize=6, loc="lower right")
    fig.text(0.01, 0.005, texts["note"], fontsize=6)
    fig.tight_layout()
    return fig


def subgroups(coefs: pd.DataFrame, outcome: dict, subgroup_specs: list[dict], elements: list[str],
              labels: dict[str, str], texts: dict) -> plt.Figure:
    """The intensity model per subgroup: one panel per element, one row per subgroup level."""
    d = coefs[(coefs["model"] == "intensity")].assign(subgroup_variable=lambda x: x["subgroup_variable"].fillna(""))
    ols = d[d["method"] == "ols"]
    wild = d[d["method"] == "wild_cluster"].set_index(["subgroup_variable", "subgroup", "term"])["p"]
    rows = [("", OVERALL, texts["overall"])]
    for sub in subgroup_specs:
        if "outcomes" in sub and outcome["key"] not in sub["outcomes"]:
            continue
        rows += [(sub["variable"], level, f"{sub['label']}: {text}") for level, text in sub["levels"].items()]
    ns = ols.groupby(["subgroup_variable", "subgroup"])["n"].max()
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
        ticks.append(texts["row"].format(text=text, n=dk(n)) if n is not None and pd.notna(n)
                     else texts["not_estimated"].format(text=text))
    axes[0].set_yticks(range(len(rows)), ticks, fontsize=6)
    axes[0].invert_yaxis()
    fig.suptitle(texts["title"].format(number=outcome["figures"]["subgroups"], outcome=outcome["label"]),
                 x=0.01, ha="left", fontsize=9)
    fig.text(0.01, 0.005, texts["note"], fontsize=6)
    fig.tight_layout()
    return fig


def catalogue(tables: dict[str, pd.DataFrame], registry: Registry, settings: Any) -> dict[str, plt.Figure]:
    """Figur 10-1..10-16 keyed by file stem (figur_10_1 ...)."""
    m = settings.config["disclosure"]["min_count"]
    cfg = settings.config["core_elements"]
    labels = registry.labels("elements")
    elements = list(labels)
    methods = registry.labels("methods")
    models = registry.labels("models")
    hidden = registry.text("hidden_share", min_count=m)
    descriptive_texts = {**registry.figure(CHAPTER, "descriptive"), **registry.labels("intention"),
                         "hidden_count": registry.text("hidden_count", min_count=m)}
    coefficients, intention, hist = (tables[k] for k in ("element_coefficients", "element_intention",
                                                         "element_histogram"))
    out = {}
    for o in cfg["outcomes"]:
        key, figs = o["key"], o["figures"]
        coefs = coefficients[coefficients["outcome"] == key]

        def stem(kind: str, figs: dict = figs) -> str:
            return "figur_" + figs[kind].replace("-", "_")

        out[stem("descriptive")] = descriptive(intention[intention["outcome"] == key], hist[hist["outcome"] == key], o,
                                               elements, labels, descriptive_texts, hidden)
        for model in ("intention", "intensity"):
            texts = {**registry.figure(CHAPTER, model), "what": models[model]}
            out[stem(model)] = forest(coefs, o, model, elements, labels, methods, texts)
        out[stem("subgroups")] = subgroups(coefs, o, cfg["subgroups"], elements, labels,
                                           registry.figure(CHAPTER, "subgroups"))
    return out
