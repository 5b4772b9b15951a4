"""Chapter 3's figures: the target-group profiles (Figur 3-1..3-3) and the flow (Figur 3-4).

Reads: the controlled tables `profiles` and `flow`; config/published.yaml (profile categories),
config `age.groups`, `disclosure.min_count`; texts and step labels from the registry.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from puljeeval.publish.figures.style import bar_style, dk
from puljeeval.publish.registry import Registry

CHAPTER = "kapitel_3"


def profile(profiles: pd.DataFrame, variables: list[str], labels: dict[str, dict], title: str,
            hidden: str, axis: str) -> plt.Figure:
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
                    ax.text(0.5, y, hidden, va="center", fontsize=6)
                    continue
                ax.barh(y, share, height=height, **bar_style(gi), label=g if ci == 0 else None)
                ax.text(share + 0.5, y, f"{dk(share)} %", va="center", fontsize=6)
        ax.set_yticks([c + 0.4 - height / 2 for c in range(len(cats))], [labels[var][c] for c in cats])
        ax.invert_yaxis()
        n = d.groupby("age_group", sort=False)["n"].first()
        ax.set_title(f"{d['label'].iloc[0]} (N: " + ", ".join(
            f"{g} {dk(v) if pd.notna(v) else hidden}" for g, v in n.items()) + ")", loc="left")
        ax.set_xlim(0, 105)
        ax.set_xlabel(axis)
    axes[0, 0].legend(ncol=len(groups), loc="lower left", bbox_to_anchor=(0, 1.15), fontsize=7)
    fig.suptitle(title, x=0.01, y=1.03, ha="left", fontsize=10)
    fig.tight_layout()
    return fig


def flow(table: pd.DataFrame, step_labels: dict[str, str], title: str, axis: str, hidden: str,
         share_note: str) -> plt.Figure:
    """Figur 3-4 with the cleaning steps before it; `share_note` formats a share ({value})."""
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(table) + 0.8))
    y = np.arange(len(table))
    values = table["n"].astype("Float64")
    ax.barh(y, values.fillna(0).to_numpy(dtype=float), **bar_style(1))
    for yi, v, share in zip(y, values, table["share_pct"], strict=True):
        text = hidden if pd.isna(v) else dk(v) + (share_note.format(value=dk(share)) if pd.notna(share) else "")
        ax.text((0 if pd.isna(v) else v) + values.max() * 0.01, yi, text, va="center", fontsize=7)
    ax.set_yticks(y, table["step"].map(step_labels))
    ax.invert_yaxis()
    ax.set_xlabel(axis)
    ax.set_title(title, loc="left")
    fig.tight_layout()
    return fig


def catalogue(tables: dict[str, pd.DataFrame], registry: Registry, settings: Any) -> dict[str, plt.Figure]:
    """Figur 3-1..3-4 keyed by file stem."""
    m = settings.config["disclosure"]["min_count"]
    hidden = registry.text("hidden_count", min_count=m)
    prof = settings.published["profiles"]["variables"]
    labels = {v: {c: spec["label"] for c, spec in prof[v]["categories"].items()} for v in prof}
    labels["age"] = {g["label"]: registry.text("age_group", label=g["label"]) for g in settings.config["age"]["groups"]}
    out = {}
    for stem, spec in registry.figures[CHAPTER].items():
        if "variables" in spec:
            out[stem] = profile(tables["profiles"], spec["variables"], labels, spec["title"], hidden,
                                registry.text("share_axis"))
    flow_spec = registry.figure(CHAPTER, "figur_3_4")
    out["figur_3_4"] = flow(tables["flow"], registry.labels("flow_steps"), flow_spec["title"], flow_spec["axis"],
                            hidden, registry.text("share_note", value="{value}"))
    return out
