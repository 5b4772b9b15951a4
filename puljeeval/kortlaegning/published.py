"""The 2016 mapping's printed numbers: config/kortlaegning/published.yaml and the offer-level
Tabel 9-3 and 9-4 (data/kortlaegning/*.csv), read and checked into tidy pandas frames.

`load` reads the YAML (its keys are described in the file's header) and checks every entry's
shape and references; a malformed entry raises `PublishedError` naming the file and the key.
`Published.cells` gives one row per printed number (table, row, column, measure, value, decimals
printed, source line: the line where the row's numbers are printed; a count printed in a column
heading keeps its row's line, and the table's notes say so), `Published.statement_frame` one row
per prose number. `read_offer_tables` reads the two CSVs,
checking columns and cells with errors naming file, row and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from puljeeval.kortlaegning.transcribe import AGE_COLUMNS, COLUMNS_9_3, COLUMNS_9_4, TYPE_COLUMNS
from puljeeval.settings import SAFE_LOADER

REPO = Path(__file__).resolve().parents[2]
PUBLISHED = REPO / "config" / "kortlaegning" / "published.yaml"
DATA = REPO / "data" / "kortlaegning"

MEASURES = ("count", "pct")
STATEMENT_MEASURES = ("count", "pct", "n", "pct_range")
COMPARES = ("eq", "approx", "gt", "lt")
CELL_COLUMNS = ["table", "row", "column", "measure", "value", "decimals", "source_line"]
STATEMENT_COLUMNS = ["id", "line", "measure", "value", "decimals", "compare", "n", "table", "row", "column", "text"]

_TABLE_KEYS = {"title", "source", "base", "n", "n_from", "missing", "pct_of", "rows", "row_lines", "columns", "cells",
               "multi_choice", "max_choices", "totals", "notes"}
_TABLE_REQUIRED = {"title", "source", "base", "n", "rows", "row_lines", "columns", "cells", "multi_choice", "notes"}
_STATEMENT_KEYS = {"id", "line", "measure", "value", "compare", "n", "refers_to", "text"}
_REF_KINDS = ("table", "statement", "data", "sum", "listed")


class PublishedError(ValueError):
    """A malformed entry in the published numbers or the offer-level tables."""


@dataclass(frozen=True)
class Published:
    """The validated document and its tidy frames."""

    path: Path
    tables: dict[str, dict[str, Any]]
    statements: list[dict[str, Any]]
    cross_checks: list[dict[str, Any]]
    cells: pd.DataFrame
    statement_frame: pd.DataFrame

    def n_of(self, table: str, column: str | None = None) -> int | None:
        """The N printed for `column` of `table` (the table's one N when it has no N per column)."""
        n = self.tables[table]["n"]
        return n.get(column) if isinstance(n, dict) else n

    def cell(self, table: str, row: str, column: str) -> dict[str, Any]:
        """The printed measures of one cell ({} when the cell is not printed)."""
        return self.tables[table]["cells"].get(row, {}).get(column) or {}


def _fail(path: Path, key: str, message: str) -> PublishedError:
    return PublishedError(f"{path}: {key}: {message}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def decimals_of(value: float | int) -> int:
    """Decimals as transcribed: 0 for an integer, else the digits after the point of its shortest form."""
    if isinstance(value, int):
        return 0
    text = repr(float(value))
    return 0 if text.endswith(".0") else len(text.split(".")[1])


def _check_table(path: Path, tid: str, t: Any) -> None:
    key = f"tables.{tid}"
    if not isinstance(t, dict):
        raise _fail(path, key, f"expected a mapping, found {type(t).__name__}")
    unknown, missing = set(t) - _TABLE_KEYS, _TABLE_REQUIRED - set(t)
    if unknown:
        raise _fail(path, key, f"unknown keys {sorted(unknown)} (allowed: {sorted(_TABLE_KEYS)})")
    if missing:
        raise _fail(path, key, f"missing keys {sorted(missing)}")
    lines = (t["source"] or {}).get("lines") if isinstance(t["source"], dict) else None
    if not (isinstance(lines, list) and len(lines) == 2 and all(isinstance(v, int) for v in lines)
            and lines[0] <= lines[1]):
        raise _fail(path, f"{key}.source.lines", f"expected [first, last] line numbers, found {lines!r}")
    for field in ("rows", "columns"):
        labels = t[field]
        if not (isinstance(labels, list) and all(isinstance(v, str) and v for v in labels)):
            raise _fail(path, f"{key}.{field}", f"expected a list of labels, found {labels!r}")
        if len(set(labels)) != len(labels):
            raise _fail(path, f"{key}.{field}", "a label occurs twice (a label printed twice gets ' (2)')")
    rl = t["row_lines"]
    if not (isinstance(rl, list) and len(rl) == len(t["rows"]) and all(isinstance(v, int) for v in rl)):
        raise _fail(path, f"{key}.row_lines", f"expected one line number per row ({len(t['rows'])}), found {rl!r}")
    outside = [v for v in rl if not lines[0] <= v <= lines[1]]
    if outside:
        raise _fail(path, f"{key}.row_lines", f"lines {outside} lie outside source.lines {lines}")
    n = t["n"]
    if isinstance(n, dict):
        bad = [c for c, v in n.items() if c not in t["columns"] or not isinstance(v, int) or v <= 0]
        if bad:
            raise _fail(path, f"{key}.n", f"columns {bad}: expected a printed column with a positive integer N")
    elif n is not None and not (isinstance(n, int) and not isinstance(n, bool) and n > 0):
        raise _fail(path, f"{key}.n", f"expected a positive integer, a mapping column -> N, or null; found {n!r}")
    cells = t["cells"]
    if not isinstance(cells, dict):
        raise _fail(path, f"{key}.cells", f"expected a mapping row -> column -> measures, found {type(cells).__name__}")
    for row, cols in cells.items():
        if row not in t["rows"]:
            raise _fail(path, f"{key}.cells.{row!r}", f"row is not in rows {t['rows']}")
        if not isinstance(cols, dict):
            raise _fail(path, f"{key}.cells.{row!r}", "expected a mapping column -> measures")
        for col, measures in cols.items():
            ckey = f"{key}.cells.{row!r}.{col!r}"
            if col not in t["columns"]:
                raise _fail(path, ckey, f"column is not in columns {t['columns']}")
            if not isinstance(measures, dict) or not measures or set(measures) - set(MEASURES):
                raise _fail(path, ckey, f"expected a mapping with keys among {MEASURES}, found {measures!r}")
            for m, v in measures.items():
                if v is not None and not (_is_number(v) and v >= 0):
                    raise _fail(path, f"{ckey}.{m}", f"expected a non-negative number or null, found {v!r}")
                if m == "count" and v is not None and not isinstance(v, int):
                    raise _fail(path, f"{ckey}.count", f"expected an integer count, found {v!r}")
    if not isinstance(t["multi_choice"], bool):
        raise _fail(path, f"{key}.multi_choice", f"expected true or false, found {t['multi_choice']!r}")
    if t.get("pct_of", "n") not in ("n", "column_count_sum", "ticks"):
        raise _fail(path, f"{key}.pct_of", f"expected n, column_count_sum or ticks, found {t['pct_of']!r}")
    for field in ("missing", "max_choices"):
        if field in t and not (isinstance(t[field], int) and t[field] >= 0):
            raise _fail(path, f"{key}.{field}", f"expected a non-negative integer, found {t[field]!r}")
    totals = t.get("totals") or {}
    if not isinstance(totals, dict) or set(totals) - {"row", "column"}:
        raise _fail(path, f"{key}.totals", f"expected {{row: label, column: label}}, found {totals!r}")
    if "row" in totals and totals["row"] not in t["rows"]:
        raise _fail(path, f"{key}.totals.row", f"{totals['row']!r} is not in rows")
    if "column" in totals and totals["column"] not in t["columns"]:
        raise _fail(path, f"{key}.totals.column", f"{totals['column']!r} is not in columns")
    if not isinstance(t["notes"], str):
        raise _fail(path, f"{key}.notes", "expected the Kilde/Note lines as text")


def _check_cell_ref(path: Path, key: str, tables: dict, ref: dict, need_cell: bool = True) -> None:
    tid = ref.get("table")
    if tid not in tables:
        raise _fail(path, f"{key}.table", f"unknown table {tid!r}")
    t = tables[tid]
    if ref.get("column") is not None and ref["column"] not in t["columns"]:
        raise _fail(path, f"{key}.column", f"{ref['column']!r} is not a column of {tid} ({t['columns']})")
    if need_cell:
        if ref.get("row") not in t["rows"]:
            raise _fail(path, f"{key}.row", f"{ref.get('row')!r} is not a row of {tid}")
        if not (t["cells"].get(ref["row"]) or {}).get(ref.get("column")):
            raise _fail(path, key, f"{tid} prints no cell at row {ref['row']!r}, column {ref.get('column')!r}")


def _check_n_ref(path: Path, key: str, tables: dict, ref: dict) -> None:
    _check_cell_ref(path, key, tables, {"table": ref.get("table")}, need_cell=False)
    t, which = tables[ref["table"]], ref["n"]
    n = t["n"]
    if which is True:
        if not isinstance(n, int):
            raise _fail(path, f"{key}.n", f"{ref['table']} has no single N (n: {n!r}); name a column")
    elif not (isinstance(n, dict) and which in n):
        raise _fail(path, f"{key}.n", f"{ref['table']} prints no N for column {which!r}")
    if ref.get("plus_missing") and "missing" not in t:
        raise _fail(path, f"{key}.plus_missing", f"{ref['table']} prints no missing count")


def _check_ref(path: Path, key: str, doc: dict, ref: Any) -> None:
    if not isinstance(ref, dict) or sum(k in ref for k in _REF_KINDS) != 1 or ("data" in ref and "sum" in ref):
        raise _fail(path, key, f"expected a reference with exactly one of {_REF_KINDS}, found {ref!r}")
    tables = doc["tables"]
    if "table" in ref:
        if "n" in ref:
            _check_n_ref(path, key, tables, ref)
        else:
            if ref.get("measure") not in MEASURES:
                raise _fail(path, f"{key}.measure", f"expected one of {MEASURES}, found {ref.get('measure')!r}")
            _check_cell_ref(path, key, tables, ref)
            if ref["measure"] not in tables[ref["table"]]["cells"][ref["row"]][ref["column"]]:
                raise _fail(path, f"{key}.measure", f"the cell prints no {ref['measure']}")
    elif "statement" in ref:
        if ref["statement"] not in {s["id"] for s in doc.get("statements") or []}:
            raise _fail(path, f"{key}.statement", f"unknown statement {ref['statement']!r}")
    elif "data" in ref:
        columns = {"tabel_9_3": AGE_COLUMNS, "tabel_9_4": TYPE_COLUMNS}.get(ref["data"])
        if columns is None:
            raise _fail(path, f"{key}.data", f"expected tabel_9_3 or tabel_9_4, found {ref['data']!r}")
        wanted = ref.get("column_sum")
        wanted = [wanted] if isinstance(wanted, str) else wanted
        if not ref.get("rows") and not (isinstance(wanted, list) and wanted and set(wanted) <= set(columns)):
            raise _fail(path, key, f"expected rows: true or column_sum: one or more of {columns}, found {ref!r}")
    elif "sum" in ref:
        if not isinstance(ref["sum"], list) or len(ref["sum"]) < 2:
            raise _fail(path, f"{key}.sum", "expected a list of two or more references")
        for i, part in enumerate(ref["sum"]):
            _check_ref(path, f"{key}.sum[{i}]", doc, part)
    else:
        if not (isinstance(ref["listed"], list) and ref["listed"] and isinstance(ref.get("of"), int)
                and isinstance(ref.get("lines"), list)):
            raise _fail(path, key, "expected listed: [names], of: <printed total>, lines: [first, last]")


def _check_statement(path: Path, i: int, s: Any, tables: dict) -> None:
    key = f"statements[{i}]"
    if not isinstance(s, dict):
        raise _fail(path, key, f"expected a mapping, found {s!r}")
    key = f"statements[{i}] ({s.get('id')})"
    unknown = set(s) - _STATEMENT_KEYS
    if unknown:
        raise _fail(path, key, f"unknown keys {sorted(unknown)} (allowed: {sorted(_STATEMENT_KEYS)})")
    for field in ("id", "text"):
        if not (isinstance(s.get(field), str) and s[field]):
            raise _fail(path, f"{key}.{field}", "expected text")
    if not isinstance(s.get("line"), int):
        raise _fail(path, f"{key}.line", f"expected the seed line number, found {s.get('line')!r}")
    if s.get("measure") not in STATEMENT_MEASURES:
        raise _fail(path, f"{key}.measure", f"expected one of {STATEMENT_MEASURES}, found {s.get('measure')!r}")
    v = s.get("value")
    if s["measure"] == "pct_range":
        if not (isinstance(v, list) and len(v) == 2 and all(_is_number(x) for x in v) and v[0] <= v[1]):
            raise _fail(path, f"{key}.value", f"expected [low, high], found {v!r}")
    elif not (_is_number(v) and v >= 0):
        raise _fail(path, f"{key}.value", f"expected a non-negative number, found {v!r}")
    if s.get("compare", "eq") not in COMPARES:
        raise _fail(path, f"{key}.compare", f"expected one of {COMPARES}, found {s['compare']!r}")
    if "n" in s and not (isinstance(s["n"], int) and s["n"] > 0):
        raise _fail(path, f"{key}.n", f"expected a positive integer, found {s['n']!r}")
    ref = s.get("refers_to")
    if ref is not None:
        if not isinstance(ref, dict):
            raise _fail(path, f"{key}.refers_to", f"expected {{table, row, column}}, found {ref!r}")
        if s["measure"] == "n":
            _check_n_ref(path, f"{key}.refers_to", tables, {"table": ref.get("table"), "n": ref.get("column") or True})
        else:
            _check_cell_ref(path, f"{key}.refers_to", tables, ref)


def load(path: Path = PUBLISHED) -> Published:
    """The published numbers, validated; tidy frames of cells and statements."""
    try:
        doc = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as err:
        raise PublishedError(f"{path}: not valid YAML: {err}") from err
    if not isinstance(doc, dict) or not isinstance(doc.get("tables"), dict):
        raise PublishedError(f"{path}: expected a mapping with 'tables' (and 'statements', 'cross_checks')")
    unknown = set(doc) - {"tables", "statements", "cross_checks"}
    if unknown:
        raise PublishedError(f"{path}: unknown top-level keys {sorted(unknown)}")
    for tid, t in doc["tables"].items():
        _check_table(path, tid, t)
    for tid, t in doc["tables"].items():
        if "n_from" in t:
            _check_cell_ref(path, f"tables.{tid}.n_from", doc["tables"], t["n_from"])
    statements = doc.get("statements") or []
    if not isinstance(statements, list):
        raise PublishedError(f"{path}: statements: expected a list")
    ids = [s.get("id") if isinstance(s, dict) else None for s in statements]
    dupes = sorted({i for i in ids if ids.count(i) > 1 and i})
    if dupes:
        raise PublishedError(f"{path}: statements: ids used twice: {dupes}")
    for i, s in enumerate(statements):
        _check_statement(path, i, s, doc["tables"])
    checks = doc.get("cross_checks") or []
    if not isinstance(checks, list):
        raise PublishedError(f"{path}: cross_checks: expected a list")
    for i, c in enumerate(checks):
        key = f"cross_checks[{i}]"
        if not (isinstance(c, dict) and isinstance(c.get("id"), str) and isinstance(c.get("quantity"), str)
                and isinstance(c.get("refs"), list) and len(c["refs"]) >= 2):
            raise _fail(path, key, "expected {id, quantity, refs: [two or more references]}")
        for j, ref in enumerate(c["refs"]):
            _check_ref(path, f"{key} ({c['id']}).refs[{j}]", doc, ref)
    return Published(Path(path), doc["tables"], statements, checks, _cells(doc["tables"]), _statements(statements))


def _cells(tables: dict[str, dict]) -> pd.DataFrame:
    records = []
    for tid, t in tables.items():
        line = dict(zip(t["rows"], t["row_lines"], strict=True))
        for row in t["rows"]:
            for col in t["columns"]:
                for measure, value in (t["cells"].get(row, {}).get(col) or {}).items():
                    records.append({"table": tid, "row": row, "column": col, "measure": measure, "value": value,
                                    "decimals": None if value is None else decimals_of(value),
                                    "source_line": line[row]})
    frame = pd.DataFrame.from_records(records, columns=CELL_COLUMNS)
    frame["value"] = frame["value"].astype(float)
    return frame.astype({"decimals": "Int64", "source_line": int})


def _statements(statements: list[dict]) -> pd.DataFrame:
    records = []
    for s in statements:
        ref = s.get("refers_to") or {}
        v = s["value"]
        records.append({"id": s["id"], "line": s["line"], "measure": s["measure"],
                        "value": tuple(v) if isinstance(v, list) else v,
                        "decimals": max(decimals_of(x) for x in v) if isinstance(v, list) else decimals_of(v),
                        "compare": s.get("compare", "eq"), "n": s.get("n"), "table": ref.get("table"),
                        "row": ref.get("row"), "column": ref.get("column"), "text": s["text"]})
    return pd.DataFrame.from_records(records, columns=STATEMENT_COLUMNS)


def _read_csv(path: Path, columns: list[str], cell_check: dict[str, tuple[int, int | None]]) -> pd.DataFrame:
    """One offer-level CSV; `cell_check` gives each integer column's allowed [low, high]."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as err:
        raise PublishedError(f"{path}: cannot be read as a UTF-8 CSV: {err}") from err
    if list(frame.columns) != columns:
        raise PublishedError(f"{path}: expected the columns {columns}, found {list(frame.columns)}")
    for i, rec in frame.iterrows():
        where = f"{path}, row {i + 2}"   # the header is line 1
        if not rec["offer_name"].strip():
            raise PublishedError(f"{where}, column offer_name: expected the offer's name, found an empty cell")
        if rec["footnote"] and not rec["footnote"].isdigit():
            raise PublishedError(f"{where}, column footnote: expected a footnote number or blank, "
                                 f"found {rec['footnote']!r}")
        for col, (low, high) in cell_check.items():
            text = rec[col]
            if not text.isdigit() or int(text) < low or (high is not None and int(text) > high):
                allowed = f"{low} or {high}" if high == low + 1 else f"an integer >= {low}"
                raise PublishedError(f"{where}, column {col}: expected {allowed}, found {text!r}")
    frame = frame.astype({c: int for c in cell_check})
    if list(frame["order"]) != list(range(1, len(frame) + 1)):
        raise PublishedError(f"{path}, column order: expected 1, 2, ... in file order")
    return frame


def read_offer_tables(directory: Path = DATA) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tabel 9-3 (ages as 0/1) and Tabel 9-4 (intervention counts) as transcribed."""
    ints = {"order": (1, None), "source_line": (1, None)}
    t93 = _read_csv(Path(directory) / "tabel_9_3.csv", COLUMNS_9_3, {**ints, **{c: (0, 1) for c in AGE_COLUMNS}})
    t94 = _read_csv(Path(directory) / "tabel_9_4.csv", COLUMNS_9_4, {**ints, **{c: (0, None) for c in TYPE_COLUMNS}})
    return t93, t94
