"""Published tables: disclosure control on person counts, then Danish headings.

Every count of persons below `disclosure.min_count` is hidden, with the shares and intervals
computed from it, and secondary suppression keeps hidden counts from being recovered from
the totals the table also shows (puljeeval/disclosure.py).
"""

from __future__ import annotations

import pandas as pd

from puljeeval.methods import disclosure
from puljeeval.scoring.change import CATEGORIES, RC_CLASSES

HIDDEN_DEPENDENTS = ("share_pct", "ci_low", "ci_high")


def hide_share_table(long: pd.DataFrame, line: list[str], across: str, category: str, min_count: int,
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


def hide_row_shares(table: pd.DataFrame, categories: list[str], min_count: int) -> pd.DataFrame:
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


def hide_binary_counts(table: pd.DataFrame, groups: list[str], min_count: int) -> pd.DataFrame:
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


def danish(table: pd.DataFrame, headings: dict[str, str]) -> pd.DataFrame:
    """Rename columns to their Danish headings; columns without one keep their name."""
    return table.rename(columns={c: headings.get(c, c) for c in table.columns})


def rounded(table: pd.DataFrame, decimals: int = 2) -> pd.DataFrame:
    out = table.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(decimals)
    return out


def profiles(profiles_table: pd.DataFrame, min_count: int) -> pd.DataFrame:
    return hide_share_table(profiles_table, ["variable"], "age_group", "category", min_count, all_label="ALLE")




INPUTS = ("profiles", "flow", "production", "dropout", "dropout_model", "outcomes", "benefit_shares",
          "benefit_regression", "parent_statements", "core_om_severity")


def flow(table: pd.DataFrame, min_count: int) -> pd.DataFrame:
    """Figur 3-4 with its cleaning steps: the dropped counts sum to raw - started (both shown),
    so a single small one would be recoverable."""
    out = table.copy().astype({"n": "Float64"})
    dropped = out["step"].str.startswith("dropped:")
    counts = pd.DataFrame({"n": out.loc[dropped, "n"].astype(float).to_numpy()}, index=out.loc[dropped, "step"])
    if len(counts):
        mask = disclosure.suppress(counts, min_count)["n"].drop(index=disclosure.TOTAL)
        out.loc[dropped, "n"] = out.loc[dropped, "n"].mask(mask.to_numpy())
    return out


def suppressed(inputs: dict[str, pd.DataFrame], settings) -> dict[str, pd.DataFrame]:
    """Every published table with disclosure control applied, internal column names. The
    workbooks and the figures are both made from these, so neither shows what the other hides."""
    m = settings.config["disclosure"]["min_count"]
    outcomes = hide_row_shares(inputs["outcomes"], list(CATEGORIES), m)
    outcomes = hide_row_shares(outcomes, list(RC_CLASSES), m)
    small = outcomes["n"] < m
    outcomes.loc[small, [c for c in outcomes.columns if c not in ("instrument", "scale", "age_group")]] = pd.NA
    return {
        "profiles": profiles(inputs["profiles"], m),
        "flow": flow(inputs["flow"], m),
        "dropout": hide_binary_counts(inputs["dropout"], ["planned", "unplanned"], m),
        "dropout_model": inputs["dropout_model"],
        "production": production(inputs["production"], m),
        "benefit_shares": hide_share_table(inputs["benefit_shares"], [], "age_group", "answer", m, all_label="ALLE"),
        "benefit_regression": inputs["benefit_regression"],
        "parent_statements": hide_share_table(inputs["parent_statements"], [], "item", "answer", m),
        "outcomes": outcomes,
        "core_om_severity": hide_share_table(inputs["core_om_severity"], [], "timepoint", "band", m),
    }


CHAPTERS = {
    "kapitel_3": ["profiles", "flow", "dropout", "dropout_model"],
    "kapitel_4": ["production", "benefit_shares", "benefit_regression", "parent_statements", "outcomes",
                  "core_om_severity"],
}


def chapter_tables(tables: dict[str, pd.DataFrame], settings) -> dict[str, dict[str, pd.DataFrame]]:
    """The sheets of each chapter workbook, in the report's order, with Danish headings."""
    cfg = settings.tables
    return {chapter: {cfg["sheets"][name]: danish(rounded(tables[name]), cfg["headings"]) for name in names}
            for chapter, names in CHAPTERS.items()}
