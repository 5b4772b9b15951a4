"""The mapping's reproduction check: every computed cell beside the printed one (issue 15).

A cell is reproduced when the computed value, rounded half-up to the printed number of decimals,
equals the printed value (the report's precision: "90 pct." is reproduced by 89.5 ... 90.49).
Where the report's own numbers disagree at that cell (consistency.py: a share that does not
follow from its count and N, a total that does not add up), the row says so, and the verdict is
"inconsistent in the report" rather than a failure of ours.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pandas as pd

from puljeeval.evaluation.reproduction import COLUMNS as REPRODUCTION_COLUMNS
from puljeeval.evaluation.reproduction import could_fail, half_unit
from puljeeval.kortlaegning.consistency import counts_for, table_label
from puljeeval.kortlaegning.published import Published
from puljeeval.publish import display

KEYS = ["table", "row", "column", "measure"]
COLUMNS = [*KEYS, "published", "decimals", "reproduced", "difference", "within", "report_inconsistent", "verdict",
           "source_line"]


def rounds_to(value: float, printed: float, decimals: int) -> bool:
    """True when `value` rounded half-up to `decimals` places is the printed number (the pages'
    own rounding, display.half_up)."""
    return display.half_up(value, int(decimals)) == display.half_up(printed, int(decimals))


def compare(published: pd.DataFrame, computed: pd.DataFrame, inconsistent: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per computed cell that the report prints: `published` (published.Published.cells:
    table, row, column, measure, value, decimals, source_line) against `computed` (table, row,
    column, measure, value). `inconsistent` holds the failed consistency checks (table, row,
    column, measure); a computed cell with no printed counterpart is an error (a label that does
    not match the transcription would otherwise drop silently)."""
    printed = published.dropna(subset=["value"])
    merged = computed.merge(printed, on=KEYS, how="left", suffixes=("_computed", ""), indicator=True)
    missing = merged[merged["_merge"] == "left_only"]
    if len(missing):
        where = "; ".join(f"{r.table} / {r.row} / {r.column} / {r.measure}" for r in missing.itertuples())
        raise KeyError(f"computed cells without a printed cell in config/kortlaegning/published.yaml: {where}")
    flagged = set()
    if inconsistent is not None and len(inconsistent):
        flagged = {tuple(r) for r in inconsistent[KEYS].dropna().itertuples(index=False)}
    out = pd.DataFrame({k: merged[k] for k in KEYS})
    out["published"] = merged["value"]
    out["decimals"] = merged["decimals"].astype(int)
    out["reproduced"] = merged["value_computed"]
    out["difference"] = out["reproduced"] - out["published"]
    out["within"] = [rounds_to(v, p, d) for v, p, d in zip(out["reproduced"], out["published"], out["decimals"],
                                                            strict=True)]
    out["report_inconsistent"] = [tuple(k) in flagged for k in out[KEYS].itertuples(index=False)]
    out["verdict"] = ["reproduced" if w else ("inconsistent in the report" if f else "not reproduced")
                      for w, f in zip(out["within"], out["report_inconsistent"], strict=True)]
    out["source_line"] = merged["source_line"].astype(int)
    return out[COLUMNS]


# The survey tables (survey_tables.py) against every printed number: cells, the printed N and
# "Missing" beside them, and the prose statements that cite a cell.
SURVEY_COLUMNS = ["kind", "id", *KEYS, "published", "decimals", "compare", "reproduced", "difference", "within",
                  "report_inconsistent", "verdict", "source_line"]
APPROX_POINTS = 3  # a verbal quantity ("en fjerdedel") is read as within 3 points (published.yaml)
NO_CELL = "no cell to compare"


def flagged(pub: Published, failed: pd.DataFrame) -> tuple[set[tuple], set[tuple], set[str], set[str]]:
    """Where the report contradicts itself, from the failed consistency checks: the cells
    (table, row, column, measure), the rows or columns (table, label), the tables whose base is in doubt (a
    duplicated table; a table that prints a quantity, or an N, that differs from the same quantity
    elsewhere) and the prose statements in such a contradiction."""
    cells, rows, tables, statements = set(), set(), set(), set()
    cross = {c["id"]: c for c in pub.cross_checks}
    for r in failed.itertuples(index=False):
        if r.kind == "cross_table" and r.check in cross:
            for ref in cross[r.check]["refs"]:
                parts = ref["sum"] if "sum" in ref else [ref]
                for part in parts:
                    if "statement" in part:
                        statements.add(part["statement"])
                    if "table" not in part:
                        continue
                    tables.add(part["table"])
                    if "row" in part:
                        cells.add((part["table"], part["row"], part["column"], part["measure"]))
        elif r.table and r.row and r.column and r.measure:
            cells.add((r.table, r.row, r.column, r.measure))
        elif r.table and r.row:
            rows.add((r.table, r.row))
        elif r.table and r.column and r.check.endswith("|ticks"):
            rows.add((r.table, r.column))   # a whole column contradicted (Tabel 4-6's shares of ticks)
        elif r.table:
            tables.add(r.table)
        if r.kind == "statement":
            statements.add(r.check)
    return cells, rows, tables, statements


def _printed_ns(pub: Published, cells: pd.DataFrame) -> pd.DataFrame:
    """The printed N (and 'Missing') of every table beside the computed ones."""
    records = []
    for tid, t in pub.tables.items():
        mine = cells[(cells["table"] == tid) & ~cells["excluded"]]
        if mine.empty or t["n"] is None:
            continue
        line = t["row_lines"][0] if t["row_lines"] else t["source"]["lines"][0]
        if isinstance(t["n"], dict):
            for label, value in t["n"].items():
                hit = mine[[(c if axis == "columns" else r) == label
                            for r, c, axis in zip(mine["row"], mine["column"], mine["split_axis"], strict=True)]]
                records.append((tid, "N", label, "n", value, hit["n"].iloc[0] if len(hit) else None, line))
        else:
            records.append((tid, "N", "", "n", t["n"], mine["n"].max(), line))
        if t.get("missing") is not None:
            records.append((tid, "Missing", "", "missing", t["missing"],
                            int((mine["group_size"] - mine["n"]).max()), line))
    return pd.DataFrame(records, columns=[*KEYS, "value", "computed", "source_line"])


def _n_gaps(pub: Published, cells: pd.DataFrame) -> dict[tuple[str, str], tuple[int, int]]:
    """Per table and group (the splitting axis' label): how far the computed N is from the printed
    N, and how far the group's computed counts are, in all, from the printed counts."""
    out = {}
    printed = pub.cells[pub.cells["measure"] == "count"].set_index(["table", "row", "column"])["value"]
    for (table, axis), part in cells.groupby(["table", "split_axis"]):
        t = pub.tables.get(table)
        if t is None or t["n"] is None:
            continue
        key = "column" if axis == "columns" else "row"
        for group, g in part.groupby(key):
            n_printed = t["n"].get(group) if isinstance(t["n"], dict) else t["n"]
            if n_printed is None:
                continue
            n_gap = abs(int(g["n"].iloc[0]) - int(n_printed))
            diffs = [abs(r["count"] - printed[(table, r["row"], r["column"])]) for _, r in g.iterrows()
                     if (table, r["row"], r["column"]) in printed.index and not r["is_total"]]
            out[(table, group)] = (n_gap, int(sum(diffs)))
    return out


def _verdict(value: float | None, printed: Any, decimals: int, compare: str) -> bool | None:
    if value is None or pd.isna(value):
        return None
    if isinstance(printed, tuple):
        return printed[0] <= display.half_up(value, decimals) <= printed[1]
    if compare == "approx":
        # against the share as the table prints it (whole percents)
        return abs(float(display.half_up(value, 0)) - printed) <= APPROX_POINTS
    if compare == "gt":
        return value > printed
    if compare == "lt":
        return value < printed
    return rounds_to(value, printed, decimals)


def compare_survey(pub: Published, cells: pd.DataFrame, failed: pd.DataFrame,
                   statement_values: dict[str, float] | None = None) -> pd.DataFrame:
    """One row per printed number of the mapping (SURVEY_COLUMNS): every printed cell, N and
    Missing, and every prose statement, beside the number computed from the survey extracts.
    A printed cell the computation does not give is an error (a label mismatch would otherwise
    drop silently); `failed` holds the failed consistency checks (consistency.checks);
    `statement_values` the prose numbers that cite no cell (survey_tables.statement_values)."""
    statement_values = statement_values or {}
    measures = cells.assign(measure="count", value=cells["count"].astype(float))
    pcts = cells.dropna(subset=["pct"]).assign(measure="pct", value=lambda f: f["pct"])
    ns = cells.assign(measure="n", value=cells["n"].astype(float))
    computed = pd.concat([measures, pcts, ns], ignore_index=True)
    computed = computed[~(computed["excluded"] & (computed["measure"] == "pct"))]
    computed = computed.drop_duplicates(KEYS).set_index(KEYS)["value"]
    printed = pub.cells.dropna(subset=["value"])
    # a share of an empty group is undefined (blank), but the cell must exist
    have = set(cells[["table", "row", "column"]].itertuples(index=False, name=None))
    lost = [k for k in printed[KEYS].itertuples(index=False) if tuple(k)[:3] not in have]
    if lost:
        raise KeyError("printed cells the survey tables do not compute: "
                       + "; ".join(" / ".join(map(str, k)) for k in lost[:10]))
    bad_cells, bad_rows, bad_tables, bad_statements = flagged(pub, failed)
    by_cell = cells.set_index(["table", "row", "column"])
    n_gap = _n_gaps(pub, cells)

    def is_flagged(table: str, row: str, column: str, measure: str, printed: Any = None) -> bool:
        """A cell the report's own numbers contradict. In a table whose base is in doubt only what
        the contradiction explains: a share no count of the computed denominator gives, a count
        whose group's counts differ from the printed ones by no more than its N does."""
        if (table, row, column, measure) in bad_cells or (table, row) in bad_rows or (table, column) in bad_rows:
            return True
        if table not in bad_tables:
            return False
        if measure == "n" or printed is None:
            return measure == "n"
        if (table, row, column) not in by_cell.index:
            return False
        c = by_cell.loc[(table, row, column)]
        if measure == "pct":
            return pd.isna(c["denominator"]) or not counts_for(float(printed), int(c["denominator"]))
        group = column if c["split_axis"] == "columns" else row
        gap = n_gap.get((table, group))
        return gap is not None and gap[0] > 0 and gap[1] <= gap[0]

    records = []
    for r in printed.itertuples(index=False):
        value = computed.get((r.table, r.row, r.column, r.measure))
        records.append(("cell", "", r.table, r.row, r.column, r.measure, r.value, int(r.decimals), "eq", value,
                        is_flagged(r.table, r.row, r.column, r.measure, r.value), r.source_line))
    for r in _printed_ns(pub, cells).itertuples(index=False):
        records.append(("n", "", r.table, r.row, r.column, r.measure, float(r.value), 0, "eq",
                        None if r.computed is None else float(r.computed), is_flagged(r.table, "", "", "n"),
                        r.source_line))
    for s in pub.statement_frame.itertuples(index=False):
        value = statement_values.get(s.id)
        if isinstance(s.table, str):
            measure = "pct" if s.measure == "pct_range" else s.measure
            key = (s.table, s.row, s.column, measure) if measure != "n" else None
            if key is not None and key in computed.index:
                value = computed[key]
            elif measure == "n":
                ns_of = cells[cells["table"] == s.table]
                hit = ns_of[(ns_of["column"] == s.column) | (ns_of["row"] == s.column)] if s.column else ns_of
                value = float(hit["n"].max()) if len(hit) else None
        flag = s.id in bad_statements or (isinstance(s.table, str) and is_flagged(
            s.table, s.row, s.column, "pct" if s.measure != "count" else "count",
            None if s.measure == "pct_range" else s.value))
        records.append(("statement", s.id, *(v if isinstance(v, str) else "" for v in (s.table, s.row, s.column)),
                        s.measure, s.value, int(s.decimals), s.compare, value, flag, s.line))
    out = pd.DataFrame(records, columns=["kind", "id", *KEYS, "published", "decimals", "compare", "reproduced",
                                         "report_inconsistent", "source_line"])
    out["within"] = [_verdict(v, p, d, c) for v, p, d, c in
                     zip(out["reproduced"], out["published"], out["decimals"], out["compare"], strict=True)]
    out["difference"] = [None if isinstance(p, tuple) or v is None or pd.isna(v) else v - p
                         for v, p in zip(out["reproduced"], out["published"], strict=True)]
    out["published"] = [f"{p[0]}-{p[1]}" if isinstance(p, tuple) else p for p in out["published"]]
    out["verdict"] = [NO_CELL if k == "statement" and not t and i not in statement_values else
                      "reproduced" if w else ("inconsistent in the report" if f else "not reproduced")
                      for k, i, t, w, f in zip(out["kind"], out["id"], out["table"], out["within"],
                                               out["report_inconsistent"], strict=True)]
    out["within"] = out["within"].fillna(False).astype(bool)
    return out[SURVEY_COLUMNS]


# The mapping's rows in the evaluation's reproduction table (puljeeval/evaluation/reproduction.py),
# so that one check compares every printed number of both reports with what the pages and the
# workbooks display. The mapping publishes as one chapter; its tables keep the printed layout
# (kortlaegning/publish_tables.py): a `row` column with the printed row label and, per printed
# column j, `k<j>_count`, `k<j>_pct`, `k<j>_n`.
MAPPING_CHAPTER = "kortlaegning"
REPORT_KINDS = {"count": "count", "n": "count", "missing": "count", "pct": "share_pct"}
INCONSISTENT_NOTE = ("the report's own numbers contradict each other here (docs/kortlaegning_inconsistencies.md)",
                     "rapportens egne tal modsiger hinanden her (docs/kortlaegning_inconsistencies.md)")


def _published_cell(pub: Published, table: str, row: str, column: str, measure: str,
                    shown: dict[str, set[str]] | None) -> dict | None:
    """Where a printed number is displayed: the mapping's published table, its row and column
    (`shown`: the published tables' columns by table id; None: every printed number is shown)."""
    t = pub.tables.get(table)
    if t is None or measure == "missing" or (shown is not None and table not in shown):
        return None
    if measure == "n":
        # the N of a column group, or the table's one N: beside the first printed row
        j = t["columns"].index(column) if column in t["columns"] else 0
        name = f"k{j}_n" if shown is None or f"k{j}_n" in shown[table] else "n"
    elif row not in t["rows"] or column not in t["columns"]:
        return None
    else:
        name = f"k{t['columns'].index(column)}_{measure}"
    if shown is not None and name not in shown[table]:
        return None
    return {"chapter": MAPPING_CHAPTER, "table": table, "column": name, "where": {"row": row if measure != "n"
                                                                                   else t["rows"][0]}}


def report_rows(table: pd.DataFrame, pub: Published, shown: dict[str, set[str]] | None = None) -> pd.DataFrame:
    """The mapping's compared rows (compare_survey) as rows of the evaluation's reproduction table
    (its COLUMNS), each pointing at the published cell that displays it (`shown`: the columns of
    the published tables by id; Figur 3-1's two numbers are in a map's caption only); the two estimates that
    rest on no survey answer stay in the mapping's own table only (they cannot fail)."""
    rows = []
    table = table.assign(**{c: table[c].where(table[c].map(lambda v: isinstance(v, str)), "")
                            for c in ("table", "row", "column", "id")})
    for r in table[table["verdict"] != NO_CELL].itertuples(index=False):
        measure = "pct" if r.measure == "pct_range" else r.measure
        kind = REPORT_KINDS[measure]
        where = table_label(r.table) if r.table else "prosa"
        what = " · ".join(x for x in (r.row, r.column) if isinstance(x, str) and x)
        if r.kind == "statement":
            quantity = f"Kortlægningen, {r.id}: {what or where}"
        else:
            quantity = f"Kortlægningen, {where}: {what} ({r.measure})"
        approx = r.compare == "approx"
        width = float(APPROX_POINTS) if approx else float(half_unit(int(r.decimals))) if kind != "count" else 0.0
        published = float(r.published)
        # a verbal or bounded statement ("en tredjedel", "over halvdelen") is no displayed number
        cell = (_published_cell(pub, r.table, r.row, r.column, measure, shown)
                if r.table and r.compare == "eq" else None)
        inconsistent = bool(r.report_inconsistent)
        rows.append({
            "quantity": quantity, "label": quantity, "reference": f"Kortlægningen 2016, {where}, linje {r.source_line}",
            "kind": kind, "published": published, "decimals": int(r.decimals), "reproduced": r.reproduced,
            "difference": r.difference, "tolerance": width, "within_tolerance": bool(r.within),
            "could_fail": could_fail(published, Decimal(repr(width))),
            "report_inconsistent": inconsistent, "note": INCONSISTENT_NOTE[0] if inconsistent else "",
            "note_da": INCONSISTENT_NOTE[1] if inconsistent else "",
            "cell": json.dumps(cell, ensure_ascii=False) if cell else "", "sources": "", "statement": ""})
    return pd.DataFrame(rows, columns=REPRODUCTION_COLUMNS)
