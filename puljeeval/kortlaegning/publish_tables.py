"""The mapping's tables as the publication path takes them (issue 15, item 4).

The survey tables (`results/interim/kortlaegning/survey_tables.csv`, one row per printed cell:
table, row, column, their positions, count, n, pct, flags) become one wide interim table per
published table, in the report's printed layout: one row per printed row in printed order (`row`:
the printed label), and per printed column `k<j>` (j: the column's position) the measures the
report prints there: `k<j>_count`, `k<j>_pct` (the unrounded share) and `k<j>_n` (the N printed for
that column); a table whose N is one number for the whole table has one `n` column instead. A cell
whose measure the report does not print (Tabel 4-6 prints counts in one row and shares in the
others) is left empty. A breakdown the report did not print (`printed` false) has every measure
of every column, so that disclosure rule 2 can protect it (and `k<j>_top`, the largest
contributions to a sum of staff, when the survey tables carry `top`: rule 4). Kept beside them, not shown: `printed`,
`sensitive` and `is_total` per row, which the disclosure rule `organisations`
(puljeeval/publish/rules.py) reads.

The registry (config/tables.yaml, chapter `kortlaegning`) gives the headings, units and precision
of these columns; `publish_tables`' check of the columns names any disagreement. Which measures
the report prints where is read from config/kortlaegning/published.yaml (`printed_measures`), not
from the registry, so that a heading edited in the registry re-runs only the publishing.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

REQUIRED = ["table", "row", "column", "row_order", "column_order", "count", "n", "pct", "is_total", "printed",
            "sensitive"]
SENSITIVE = ("none", "staff", "magnitude")
MEASURES = ("count", "pct", "n")
KEPT = ["printed", "sensitive", "is_total"]
# An optional column of the survey tables: the sum of the largest kortlaegning.disclosure.dominance.n
# contributions to a magnitude cell, which disclosure rule 4 needs to show a sum in a new breakdown.
TOP = "top"
# The table id of a published mapping table's interim source: the registry's `source`.
SOURCE_PREFIX = "kortlaegning_"

# (printed row, printed column) -> the measures the report prints in that cell
PrintedCells = dict[tuple[str, str], set[str]]


class SurveyTablesError(ValueError):
    """The survey tables do not have the expected shape; the message names file, row and column."""


def group(column_order: int) -> str:
    """The prefix of a printed column's measures: `k<position>`."""
    return f"k{int(column_order)}"


def source_name(table_id: str) -> str:
    return SOURCE_PREFIX + table_id


def _flag(value: Any, where: str) -> bool:
    text = str(value).strip().lower()
    if text in ("true", "1", "1.0"):
        return True
    if text in ("false", "0", "0.0"):
        return False
    raise SurveyTablesError(f"{where}: expected true or false, found {value!r}")


def check(frame: pd.DataFrame, source: str = "survey_tables.csv") -> pd.DataFrame:
    """The survey tables checked and typed: the required columns, whole positions and counts,
    non-negative n, flags as booleans, `sensitive` one of SENSITIVE. An error names the file,
    the line (the header is line 1) and the column."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise SurveyTablesError(f"{source}: no columns {missing} (expected at least {REQUIRED})")
    out = frame.reset_index(drop=True).copy()
    for col in ("row_order", "column_order", "count", "n"):
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.isna() | (values < 0) | (values != values.round())
        if col == "n":
            bad &= out[col].notna()     # an N the report does not print may be blank
        if bad.any():
            i = int(bad.idxmax())
            raise SurveyTablesError(f"{source}, line {i + 2}, column {col}: expected a whole number >= 0, "
                                    f"found {out.at[i, col]!r}")
        out[col] = values.astype("Int64")
    out["pct"] = pd.to_numeric(out["pct"], errors="coerce").astype("float64")
    for col in ("is_total", "printed"):
        out[col] = [_flag(v, f"{source}, line {i + 2}, column {col}") for i, v in enumerate(out[col])]
    bad = ~out["sensitive"].astype("string").isin(SENSITIVE)
    if bad.any():
        i = int(bad.idxmax())
        raise SurveyTablesError(f"{source}, line {i + 2}, column sensitive: expected one of {list(SENSITIVE)}, "
                                f"found {out.at[i, 'sensitive']!r}")
    dup = out.duplicated(["table", "row_order", "column_order"])
    if dup.any():
        i = int(dup.idxmax())
        raise SurveyTablesError(f"{source}, line {i + 2}: table {out.at[i, 'table']!r} has the cell at row "
                                f"{out.at[i, 'row_order']}, column {out.at[i, 'column_order']} twice")
    return out


def read(path: str | Path) -> pd.DataFrame:
    return check(pd.read_csv(path, keep_default_na=False, na_values=[""]), str(path))


def printed_measures(published_tables: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per printed table of published.yaml: the measures of each printed cell (`cells`) and whether
    its N is one per column (`n_per_column`)."""
    out = {}
    for tid, t in published_tables.items():
        cells: PrintedCells = {}
        for row, cols in (t.get("cells") or {}).items():
            for col, measures in (cols or {}).items():
                cells[(row, col)] = {m for m, v in (measures or {}).items() if v is not None}
        out[tid] = {"cells": cells, "n_per_column": isinstance(t.get("n"), Mapping)}
    return out


def _one_per_row(cells: pd.DataFrame, column: str, where: str) -> Any:
    values = cells[column].dropna().unique()
    if len(values) > 1:
        raise SurveyTablesError(f"{where}: the cells of the row disagree on {column} ({sorted(map(str, values))}); "
                                f"a table with one N column needs one N per row")
    return values[0] if len(values) else pd.NA


def wide(cells: pd.DataFrame, table_id: str, printed: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """One table's cells (rows of `check`'s frame) in the printed layout (see the module's doc).
    `printed`: the table's entry of `printed_measures` when the report printed it, else None
    (every measure of every column)."""
    where = f"survey tables, table {table_id}"
    if cells.empty:
        raise SurveyTablesError(f"{where}: no cells")
    flags = set(cells["printed"])
    if len(flags) != 1:
        raise SurveyTablesError(f"{where}: some cells are printed and some are not; `printed` is per table")
    is_printed = flags.pop() and printed is not None
    columns = (cells[["column_order", "column"]].drop_duplicates().sort_values("column_order"))
    if columns["column_order"].duplicated().any():
        raise SurveyTablesError(f"{where}: a column position has two labels")
    rows = cells[["row_order", "row"]].drop_duplicates().sort_values("row_order")
    if rows["row_order"].duplicated().any():
        raise SurveyTablesError(f"{where}: a row position has two labels")
    per_column = (printed or {}).get("n_per_column", True) if is_printed else True
    measures_of = (printed or {}).get("cells", {})

    def shows(row: str, column: str, measure: str) -> bool:
        return not is_printed or measure in measures_of.get((row, column), set())

    shown = {m: {int(j) for j, label in zip(columns["column_order"], columns["column"], strict=True)
                 if any(shows(r, label, m) for r in rows["row"])} for m in ("count", "pct")}
    records = []
    for order, label in zip(rows["row_order"], rows["row"], strict=True):
        part = cells[cells["row_order"] == order]
        at = f"{where}, row {label!r}"
        rec: dict[str, Any] = {"row": label}
        for col_order, col_label in zip(columns["column_order"], columns["column"], strict=True):
            j = int(col_order)
            cell = part[part["column_order"] == col_order]
            g = group(j)
            has = not cell.empty
            if j in shown["count"]:
                rec[f"{g}_count"] = cell["count"].iloc[0] if has and shows(label, col_label, "count") else pd.NA
            if j in shown["pct"]:
                rec[f"{g}_pct"] = cell["pct"].iloc[0] if has and shows(label, col_label, "pct") else pd.NA
            if per_column:
                rec[f"{g}_n"] = cell["n"].iloc[0] if has else pd.NA
            if not is_printed and TOP in cells.columns:       # rule 4: the largest contributions
                rec[f"{g}_{TOP}"] = cell[TOP].iloc[0] if has else pd.NA
        if not per_column:
            rec["n"] = _one_per_row(part, "n", at)
        sensitive = part["sensitive"].unique()
        if len(sensitive) != 1:
            raise SurveyTablesError(f"{at}: the cells of the row have different `sensitive` values "
                                    f"({sorted(sensitive)}); the disclosure rules apply per row")
        rec.update({"printed": is_printed, "sensitive": str(sensitive[0]), "is_total": bool(part["is_total"].all())})
        records.append(rec)
    out = pd.DataFrame.from_records(records)
    for col in out.columns:
        if col.endswith(("_count", "_n", f"_{TOP}")) or col == "n":
            out[col] = pd.array(out[col], dtype="Int64")
        elif col.endswith("_pct"):
            out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    return out


def interim_tables(survey: pd.DataFrame, published_tables: Mapping[str, Mapping[str, Any]],
                   table_ids: list[str]) -> dict[str, pd.DataFrame]:
    """The interim tables of `table_ids` (the mapping's published tables) from the checked survey
    tables; a table the survey tables lack is an error naming it."""
    printed = printed_measures(published_tables)
    missing = [t for t in table_ids if t not in set(survey["table"])]
    if missing:
        raise SurveyTablesError(f"survey tables: no cells for the published tables {missing}")
    return {tid: wide(survey[survey["table"] == tid], tid, printed.get(tid)) for tid in table_ids}


# The report's two offer-level tables (data/kortlaegning/, real data the report prints per named
# offer: disclosure rule 1): one row per offer in printed order, per column its mark or count, and
# a total row with the column sums the report prints.
OFFER_TABLES = {
    "tabel_9_3": ["age_0_5", "age_6_12", "age_13_17", "age_18_25"],
    "tabel_9_4": ["boerne_unge_grupper", "familiesamtaler", "individuelle_samtaler", "raadgivende_samtaler",
                  "sociale_aktiviteter", "undervisning_kursus"],
}
TOTAL_LABEL = "I alt"


def offer_table(frame: pd.DataFrame, table_id: str) -> pd.DataFrame:
    """Tabel 9-3 (ages marked "X", others "–"; the total row gives the count as text) or Tabel 9-4
    (interventions counted, with a row total) from the transcription, in the printed layout (`row`:
    the offer's name as printed, then `k<j>_count` per printed column) with a total row of the
    column sums."""
    columns = OFFER_TABLES[table_id]
    body = frame.sort_values("order")
    out = pd.DataFrame({"row": body["offer_name"].to_list()})
    for j, col in enumerate(columns):
        out[f"k{j}_count"] = body[col].astype(int).to_list()
    if table_id == "tabel_9_4":
        out[f"k{len(columns)}_count"] = out[[f"k{j}_count" for j in range(len(columns))]].sum(axis=1)
    total = {"row": TOTAL_LABEL, **{c: int(out[c].sum()) for c in out.columns if c != "row"}}
    out = pd.concat([out, pd.DataFrame([total])], ignore_index=True)
    if table_id == "tabel_9_3":
        # the report marks an offer's age groups with "X"; the total row counts the marks
        for j in range(len(columns)):
            out[f"k{j}_mark"] = ["X" if v else "–" for v in out[f"k{j}_count"]]
            out.loc[out.index[-1], f"k{j}_mark"] = str(out[f"k{j}_count"].iloc[-1])
    out["printed"] = True
    out["sensitive"] = "none"
    out["is_total"] = [False] * (len(out) - 1) + [True]
    return out
