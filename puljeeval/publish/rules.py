"""Disclosure rules of the published tables, by the name the registry gives them
(config/tables.yaml, `disclosure.rule`).

Every count of persons below `disclosure.min_count` is hidden, with the shares and intervals
computed from it, and secondary suppression keeps hidden counts from being recovered from the
totals the table also shows (puljeeval/methods/disclosure.py). Each rule knows the arithmetic of
one kind of table (which counts sum to which), which is why there are several; the registry says
which table is which kind. Tables of estimates (`none`) hold no person counts.

A rule is called as `rule(table, min_count, **arguments from the registry)` and returns the
table with hidden cells as <NA>, still with the pipeline's column names.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from puljeeval.methods import disclosure
from puljeeval.scoring.change import CATEGORIES, RC_CLASSES

HIDDEN_DEPENDENTS = ("share_pct", "ci_low", "ci_high")


def none(table: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Estimates, not counts: published as they are."""
    return table


def share_table(long: pd.DataFrame, min_count: int, line: list[str], across: str, category: str,
                all_label: str | None = None, dependents: tuple[str, ...] = HIDDEN_DEPENDENTS) -> pd.DataFrame:
    """A long table of category counts (`count`, out of `n`) per `line` x `across` value.

    Within each line the categories x `across` counts form a table whose column totals are
    the n's and whose row totals are the `all_label` column (if present) or computed. Cells
    to hide get <NA> in count and dependents; a hidden n hides its whole column.
    """
    out = long.copy()
    out["count"] = out["count"].astype("Float64")
    out["n"] = out["n"].astype("Float64")
    for c in dependents:
        if c in out:
            out[c] = out[c].astype("Float64")
    parts = [long] if not line else [p for _, p in long.groupby(line, sort=False, dropna=False)]
    for part in parts:
        body = part if all_label is None else part[part[across] != all_label]
        counts = body.pivot_table(index=category, columns=across, values="count", aggfunc="sum", sort=False)
        n = body.groupby(across, sort=False)["n"].first()
        other = n.reindex(counts.columns) - counts.sum(axis=0)
        if (other > 0).any():       # answers in categories the table does not show
            counts.loc["__other__"] = other
        mask = disclosure.suppress(counts.fillna(0), min_count)
        for cat in counts.index:
            for col in counts.columns:
                if cat != "__other__" and mask.loc[cat, col]:
                    _hide(out, part.index, category, cat, across, col, dependents)
            if cat != "__other__" and all_label is not None and mask.loc[cat, disclosure.TOTAL]:
                _hide(out, part.index, category, cat, across, all_label, dependents)
        for col in counts.columns:
            if mask.loc[disclosure.TOTAL, col]:
                rows = part.index[part[across] == col]
                out.loc[rows, ["count", "n", *[d for d in dependents if d in out]]] = pd.NA
    return out


def _hide(out: pd.DataFrame, index: pd.Index, category: str, cat: object, across: str, col: object,
          dependents: tuple[str, ...]) -> None:
    rows = index[(out.loc[index, category] == cat).to_numpy() & (out.loc[index, across] == col).to_numpy()]
    out.loc[rows, ["count", *[d for d in dependents if d in out]]] = pd.NA


def row_shares(table: pd.DataFrame, min_count: int, categories: list[str]) -> pd.DataFrame:
    """Wide rows with `n` and shares `<category>_pct` (with optional `_ci_low/_ci_high`) of
    categories that together make up n: a share whose count is below the minimum is hidden,
    plus what would reveal it from n. Rows with n below the minimum are hidden whole."""
    out = table.copy()
    cols = [f"{c}_{s}" for c in categories for s in ("pct", "ci_low", "ci_high") if f"{c}_{s}" in out]
    out[cols] = out[cols].astype("Float64")
    for i, row in table.iterrows():
        if pd.isna(row[f"{categories[0]}_pct"]):
            continue
        counts = pd.DataFrame([[round(row[f"{c}_pct"] * row["n"] / 100) for c in categories]], columns=categories)
        mask = disclosure.suppress(counts, min_count)
        for c in categories:
            if mask.loc[0, c] or row["n"] < min_count:
                out.loc[i, [x for x in cols if x.startswith(f"{c}_")]] = pd.NA
    return out


def outcome_rows(table: pd.DataFrame, min_count: int, keep: list[str]) -> pd.DataFrame:
    """The pre/post summaries: the change categories and the reliable-change classes are each
    shares of n (`row_shares`); a row with n below the minimum keeps only its `keep` columns."""
    out = row_shares(table, min_count, list(CATEGORIES))
    out = row_shares(out, min_count, list(RC_CLASSES))
    small = out["n"] < min_count
    out.loc[small, [c for c in out.columns if c not in keep]] = pd.NA
    return out


def binary_counts(table: pd.DataFrame, min_count: int, groups: list[str]) -> pd.DataFrame:
    """For shares of a yes/no characteristic per group: hide when the count or its complement
    (n - count) is below the minimum; either reveals persons."""
    out = table.copy()
    for g in groups:
        count, n = out[f"{g}_count"], out[f"{g}_n"]
        small = ((count < min_count) | ((n - count) < min_count)).fillna(False)
        for c in (f"{g}_count", f"{g}_pct", f"{g}_ci_low", f"{g}_ci_high"):
            out[c] = out[c].astype("Float64").mask(small.to_numpy())
    return out


def production(table: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Tabel 8-1: offers x (ongoing, planned, unplanned, not stated), totals per offer
    (started) and per column; completed is hidden when any of its parts could be recovered."""
    parts = ["ongoing", "planned", "unplanned", "not_stated"]
    counts = table.set_index("offer")[parts].clip(lower=0)
    mask = disclosure.suppress(counts, min_count).drop(index=disclosure.TOTAL)
    out = table.copy().astype({c: "Float64" for c in [*parts, "started", "completed"]})
    hide = mask[parts].reindex(out["offer"]).to_numpy()
    for j, c in enumerate(parts):
        out.loc[hide[:, j], c] = pd.NA
    out.loc[mask[disclosure.TOTAL].reindex(out["offer"]).to_numpy(), "started"] = pd.NA
    out.loc[hide.any(axis=1), "completed"] = pd.NA
    return out


def flow_steps(table: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Figur 3-4 with its cleaning steps: the dropped counts sum to raw - started (both shown),
    so a single small one would be recoverable."""
    out = table.copy().astype({"n": "Float64"})
    dropped = out["step"].str.startswith("dropped:")
    counts = pd.DataFrame({"n": out.loc[dropped, "n"].astype(float).to_numpy()}, index=out.loc[dropped, "step"])
    if len(counts):
        mask = disclosure.suppress(counts, min_count)["n"].drop(index=disclosure.TOTAL)
        out.loc[dropped, "n"] = out.loc[dropped, "n"].mask(mask.to_numpy())
    return out


def element_flow(flow: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Chapter 5's footnote 5 flow: dropped counts per criterion and the final N form one row
    summing to the start count: small counts are hidden, and another so none can be recovered;
    a `remaining` next to a hidden dropped count is hidden too."""
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


def intention_shares(shares: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Chapter 5's intention shares are yes/no per element: hidden when the children with or
    without the intention number 1 to min_count - 1 (either reveals them), or the sample itself
    is small."""
    out = shares.copy()
    without = out["n"] - out["with_intention"]
    small = (out["with_intention"] < min_count) | (without < min_count)
    small &= (out["with_intention"] > 0) & (without > 0) | (out["n"] < min_count)
    for c in ("with_intention", "share_pct", "ci_low_pct", "ci_high_pct"):
        out[c] = out[c].astype("Float64")
        out.loc[small, c] = pd.NA
    return out


def histogram(hist: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Chapter 5's fidelity histograms: per outcome and element, bins x (with, without intention)
    is a count table with totals; suppressed as such."""
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


RULES: dict[str, Callable[..., pd.DataFrame]] = {
    "none": none, "share_table": share_table, "row_shares": row_shares, "outcome_rows": outcome_rows,
    "binary_counts": binary_counts, "production": production, "flow_steps": flow_steps,
    "element_flow": element_flow, "intention_shares": intention_shares, "histogram": histogram,
}


def apply(name: str, table: pd.DataFrame, min_count: int, arguments: dict | None = None) -> pd.DataFrame:
    """The disclosure rule `name` applied to `table`; an unknown name is an error listing the rules."""
    if name not in RULES:
        raise KeyError(f"disclosure rule '{name}' is not one of {sorted(RULES)} (config/tables.yaml)")
    return RULES[name](table, min_count, **(arguments or {}))
