"""Read raw extracts (CSV in any of the accepted dialects, or XLSX) as text, untouched.

Every value comes back as a string with surrounding blanks stripped ('' for empty), plus a
`row` column: the 1-based data row, so that line = row + 1 in the file (header on line 1).
Typing and checking is the contract's job (contract.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pv

ENCODINGS = {"utf-8": "utf-8-sig", "cp1252": "cp1252"}
SEPARATORS = (";", ",", "\t")


@dataclass
class Violation:
    row: int | None
    column: str | None
    reason: str
    value: str | None = None

    def describe(self, path: str) -> str:
        where = [path]
        if self.row is not None:
            where.append(f"row {self.row} (line {self.row + 1})")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        value = "" if self.value is None else f" (value '{self.value}')"
        return ", ".join(where) + f": {self.reason}{value}"


@dataclass
class ExtractError(ValueError):
    """A raw extract breaks the data contract. Lists where and why."""

    path: str
    violations: list[Violation] = field(default_factory=list)
    shown: int = 25

    def __str__(self) -> str:
        lines = [v.describe(self.path) for v in self.violations[: self.shown]]
        more = len(self.violations) - self.shown
        if more > 0:
            lines.append(f"... and {more} more problems in {self.path}")
        return "the extract breaks the data contract:\n  " + "\n  ".join(lines)


@dataclass(frozen=True)
class Dialect:
    separator: str | None   # None for xlsx
    decimal: str
    encoding: str | None


def _decode(raw: bytes, path: str, encoding: str) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ExtractError(path, [Violation(None, None,
            "file is UTF-16 (Excel 'Unicode text'); save it as CSV UTF-8 or CSV (semicolon)")])
    if encoding == "cp1252":
        try:
            raw.decode("utf-8")
            looks_utf8 = any(b > 0x7F for b in raw)
        except UnicodeDecodeError:
            looks_utf8 = False
        if looks_utf8:
            raise ExtractError(path, [Violation(None, None,
                "declared Windows-1252 (encoding: cp1252) but the file is UTF-8; "
                "set its encoding to utf-8 in config 'extracts'")])
    try:
        return raw.decode(ENCODINGS[encoding])
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        hint = (" The file looks like Windows-1252: set its encoding to cp1252 in config 'extracts'."
                if encoding == "utf-8" else "")
        raise ExtractError(path, [Violation(line - 1 if line > 1 else None, None,
            f"byte 0x{raw[err.start]:02X} at line {line} is not valid {encoding}.{hint}")]) from None


def _sniff_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in SEPARATORS}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ","


def _read_csv(path: str, encoding: str) -> tuple[pd.DataFrame, Dialect]:
    text = _decode(Path(path).read_bytes(), path, encoding)
    text = text.rstrip("\r\n \t") + "\n"   # trailing empty lines written by Excel
    header = text.split("\n", 1)[0]
    sep = _sniff_separator(header)
    columns = [c.strip() for c in next(csv.reader([header.rstrip("\r")], delimiter=sep))]
    if not any(columns):
        raise ExtractError(path, [Violation(None, None, "file is empty (no header line)")])
    ragged: list[Violation] = []

    def on_ragged(row: pv.InvalidRow) -> str:
        # with empty lines kept, pyarrow's number is the file line (header = line 1)
        ragged.append(Violation(row.number - 1 if row.number else None, None,
                                f"has {row.actual_columns} fields, the header has {row.expected_columns}"))
        return "skip"

    as_text = {c: pa.string() for c in columns}
    table = pv.read_csv(
        io.BytesIO(text.encode("utf-8")),
        read_options=pv.ReadOptions(use_threads=False, column_names=columns, skip_rows=1),
        parse_options=pv.ParseOptions(delimiter=sep, invalid_row_handler=on_ragged, ignore_empty_lines=False),
        convert_options=pv.ConvertOptions(column_types=as_text, strings_can_be_null=False,
                                          quoted_strings_can_be_null=False),
    )
    if ragged:
        raise ExtractError(path, ragged)
    frame = table.to_pandas().astype("str")
    return frame, Dialect(sep, "," if sep == ";" else ".", encoding)


def _cell_text(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(path: str) -> tuple[pd.DataFrame, Dialect]:
    raw = pd.read_excel(path, sheet_name=0, dtype=object, header=0, engine="openpyxl")
    raw.columns = [str(c).strip() for c in raw.columns]
    frame = raw.apply(lambda col: col.map(_cell_text)).astype("str")
    return frame, Dialect(None, ".", None)


def read_extract(path: str | Path, encoding: str = "utf-8") -> tuple[pd.DataFrame, Dialect]:
    """Read an extract as strings; returns the frame (with `row`) and the dialect found."""
    path = str(path)
    if not Path(path).exists():
        raise ExtractError(path, [Violation(None, None, "file does not exist")])
    if path.lower().endswith(".xlsx"):
        frame, dialect = _read_xlsx(path)
    else:
        frame, dialect = _read_csv(path, encoding)
    frame = frame.apply(lambda col: col.str.strip())
    frame.insert(0, "row", range(1, len(frame) + 1))
    return frame, dialect
