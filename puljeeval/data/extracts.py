"""Read raw extracts (CSV in the accepted dialects, or XLSX) as text, untouched.

Every value comes back as a string with surrounding blanks stripped ('' for empty), plus a
`row` column: the 1-based data row. The physical line where a row starts is row + 1 unless a
quoted value holds a line break; then `Dialect.lines` gives each row's line. Typing and
checking is the contract's job (contract.py); the reader's job is that no file, however
broken, gets past it as something it is not: every problem is an ExtractError with a reason,
never a Python exception from a parser, and no value is changed on the way (no missing-value
lists, no guessed types).

Messages never show a value that may identify a person: `Violation` masks any value that
looks like a CPR number, and the contract passes no value from identifier columns.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from puljeeval.data import cpr as cprlib

ENCODINGS = {"utf-8": "utf-8-sig", "cp1252": "cp1252"}
MAX_VALUE_CHARS = 1000          # no contract value comes near; a longer one is a broken export
SHOWN_VALUE_CHARS = 60          # longer values are cut in messages
BOM = b"\xef\xbb\xbf"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # .xls and password-protected workbooks

# The machine codes of `Violation.kind`, with what each means (docs/data_contract.md lists them).
KINDS = {
    "missing_file": "the file does not exist",
    "identity": "identifiers that contradict each other (two CPR numbers for one course or one person id)",
    "empty_file": "the file (or the workbook's first sheet) has no header line",
    "empty_extract": "a header but no data rows (allowed only with extracts.<name>.may_be_empty)",
    "encoding": "the bytes are not text in the declared encoding (UTF-16, wrong encoding, byte order marks)",
    "truncated": "the file is cut off (inside a character, a quoted value or a zip archive)",
    "binary": "the file holds NUL bytes: not a text file",
    "not_a_csv": "a workbook or zip archive under a .csv name",
    "not_a_workbook": "a .xlsx name on something that is not an Excel workbook",
    "dialect": "not comma- or semicolon-separated (e.g. tab-separated)",
    "quoting": "a quoted value that is not closed or has text after its closing quote",
    "empty_line": "an empty line between data rows",
    "repeated_header": "the header line again among the data rows (files appended)",
    "ragged_row": "a row with more or fewer fields than the header",
    "missing_column_name": "a column without a name in the header",
    "duplicate_column": "a column name given twice",
    "missing_header": "the first line is not the contract's header (missing header or another file)",
    "column_case": "a column name in another letter case than the contract's",
    "missing_column": "a required column is missing",
    "unexpected_column": "a column the contract does not have",
    "value_too_long": f"a value longer than {MAX_VALUE_CHARS} characters",
    "missing_marker": "a missing-value marker of another system (NULL, NA, #N/A, '.') instead of a blank",
    "non_ascii_digit": "digits of another script (fullwidth, Arabic-Indic, ...)",
    "looks_like_cpr": "a value that looks like a CPR number outside the cpr and identifier columns",
    "required": "a required value is blank",
    "pattern": "a value that does not have the column's form",
    "unknown_code": "a code not in the column's code list",
    "not_a_number": "not a number",
    "decimal_separator": "the wrong decimal separator for the file's dialect, or a thousands separator",
    "out_of_range": "a number outside the column's range",
    "date_format": "not a date in an accepted format",
    "impossible_date": "a date that is not in the calendar",
    "broken_cpr": "a CPR number with the wrong form or no valid embedded birth date",
    "duplicate_key": "two rows with the same key",
    "orphan_key": "a key that does not exist in the parent extract",
    "rule": "a cross-column rule of the contract is broken",
    "already_scored": "questionnaire responses that look already scored (reversed items reversed)",
    "contract": "another contract problem",
}


def mask_reason(value: str) -> str | None:
    """Why `value` must not be printed, or None when it may be."""
    return "looks like a CPR number" if cprlib.looks_like_cpr(value) else None


@dataclass
class Violation:
    """One problem in one place. `kind` is a stable machine code (KINDS); `line` is the physical
    line where the row starts when it is not row + 1. A value that may identify a person is
    never kept: it is replaced by `masked`, the reason it is hidden."""

    row: int | None
    column: str | None
    reason: str
    value: str | None = None
    kind: str = "contract"
    line: int | None = None
    masked: str | None = None
    # the column is one of the contract's own names (which may hold digits, e.g. age_0_5), not a
    # name read from a file's header
    contract_column: bool = field(default=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.value is not None:
            self.value = str(self.value)
            why = mask_reason(self.value)
            if why:
                self.value, self.masked = None, why
        if self.column is not None and cprlib.looks_like_cpr(self.column):
            self.column = "(name masked: looks like a CPR number)"
        elif self.column is not None and not self.contract_column and any(ch.isdigit() for ch in self.column):
            # a header name with a digit that is not a contract column is probably a data row (a
            # file without a header line), and its values may be identifiers
            self.column = "(name masked: holds digits, so probably a data value)"

    @property
    def where_line(self) -> int | None:
        if self.line is not None:
            return self.line
        return None if self.row is None else self.row + 1

    def describe(self, path: str) -> str:
        where = [path]
        if self.row is not None:
            where.append(f"row {self.row} (line {self.where_line})")
        elif self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.masked:
            value = f" (value masked: {self.masked})"
        elif self.value is not None:
            shown = self.value if len(self.value) <= SHOWN_VALUE_CHARS else self.value[:SHOWN_VALUE_CHARS] + "..."
            shown = shown.encode("unicode_escape").decode("ascii") if not shown.isprintable() else shown
            value = f" (value '{shown}')"
        else:
            value = ""
        return ", ".join(where) + f": {self.reason}{value}"


@dataclass
class ExtractError(ValueError):
    """A raw extract breaks the data contract. Lists where and why (one file's violations)."""

    path: str
    violations: list[Violation] = field(default_factory=list)
    shown: int = 25

    def __str__(self) -> str:
        lines = [v.describe(self.path) for v in self.violations[: self.shown]]
        more = len(self.violations) - self.shown
        if more > 0:
            lines.append(f"... and {more} more problems in {self.path}")
        return "the extract breaks the data contract:\n  " + "\n  ".join(lines)

    def kinds(self) -> dict[str, int]:
        """Count of violations per kind, for a problem report."""
        out: dict[str, int] = {}
        for v in self.violations:
            out[v.kind] = out.get(v.kind, 0) + 1
        return out


@dataclass(frozen=True)
class Dialect:
    separator: str | None   # None for xlsx
    decimal: str
    encoding: str | None
    # physical line where each data row starts, when any differs from row + 1
    lines: tuple[int, ...] | None = field(default=None, compare=False, repr=False)

    def line(self, row: int) -> int:
        return self.lines[row - 1] if self.lines is not None else row + 1


def _fail(path: str, reason: str, kind: str, line: int | None = None) -> ExtractError:
    return ExtractError(path, [Violation(None, None, reason, kind=kind, line=line)])


def _line_at(raw: bytes, pos: int) -> int:
    """Physical line (1-based) of byte `pos`; CR, LF and CRLF each end a line."""
    head = raw[:pos]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


# --------------------------------------------------------------------------- bytes to text


def _refuse_non_text(raw: bytes, path: str) -> None:
    """Workbooks, archives, UTF-16 and binary files under a CSV name: say what they are."""
    if raw.startswith(ZIP_MAGIC):
        try:
            names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            names = []
        if any(n.startswith("xl/") for n in names):
            raise _fail(path, "this is an Excel workbook (xlsx) under a .csv name: name it .xlsx, "
                              "or save it from Excel as CSV", "not_a_csv")
        raise _fail(path, "this is a zip archive, not a CSV file: unpack it and point config "
                          "'extracts' at the CSV inside", "not_a_csv")
    if raw.startswith(OLE_MAGIC):
        raise _fail(path, "this is an Excel 97-2003 workbook (.xls) or a password-protected workbook, "
                          "not a CSV file: save it as CSV (or as .xlsx without password)", "not_a_csv")
    if raw.startswith(BOM + BOM):
        raise _fail(path, "the file starts with two UTF-8 byte order marks (it was saved with a BOM twice): "
                          "remove the extra one, e.g. by saving it again as CSV UTF-8", "encoding")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        order = "little" if raw.startswith(b"\xff\xfe") else "big"
        raise _fail(path, f"the file is UTF-16 ({order}-endian, with byte order mark; Excel's 'Unicode text'): "
                          "save it as CSV UTF-8 or CSV (semicolon)", "encoding")
    if b"\x00" in raw:
        sample = raw[:4096]
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if max(even, odd) > len(sample) // 4 and min(even, odd) < max(even, odd) // 4:
            order = "big" if even > odd else "little"
            raise _fail(path, f"the file looks like UTF-16 ({order}-endian) without byte order mark: "
                              "save it as CSV UTF-8 or CSV (semicolon)", "encoding")
        raise _fail(path, f"the file holds NUL bytes (first at line {_line_at(raw, raw.index(0))}): "
                          "it is not a text file", "binary")


def _decode(raw: bytes, path: str, encoding: str) -> str:
    _refuse_non_text(raw, path)
    if encoding == "cp1252":
        try:
            raw.decode("utf-8")
            looks_utf8 = any(b > 0x7F for b in raw)
        except UnicodeDecodeError:
            looks_utf8 = False
        if looks_utf8:
            raise _fail(path, "declared Windows-1252 (encoding: cp1252) but the file is UTF-8; "
                              "set its encoding to utf-8 in config 'extracts'", "encoding")
    try:
        text = raw.decode(ENCODINGS[encoding])
    except UnicodeDecodeError as err:
        line = _line_at(raw, err.start)
        if encoding == "utf-8" and err.reason == "unexpected end of data":
            raise _fail(path, "the file ends inside a UTF-8 character: it is cut off; "
                              "copy or export it again", "truncated", line) from None
        elsewhere = raw.decode("utf-8", errors="replace").replace("\ufffd", "")
        if encoding == "utf-8" and any(ord(ch) > 0x7F and ch != "\ufeff" for ch in elsewhere):
            raise _fail(path, f"byte 0x{raw[err.start]:02X} at line {line} is not valid UTF-8, although the rest "
                              "of the file is UTF-8: the file is damaged or mixes two encodings",
                        "encoding", line) from None
        hint = (" The file looks like Windows-1252: set its encoding to cp1252 in config 'extracts'."
                if encoding == "utf-8" else "")
        reason = f"byte 0x{raw[err.start]:02X} at line {line} is not valid {encoding}.{hint}"
        raise ExtractError(path, [Violation(line - 1 if line > 1 else None, None, reason, kind="encoding")]) from None
    return text


# --------------------------------------------------------------------------- CSV


def _separator(header: str, path: str) -> str:
    """Comma or semicolon, from the header line; tab and anything else is refused."""
    counts = {sep: header.count(sep) for sep in (";", ",", "\t")}
    if counts["\t"] > max(counts[";"], counts[","]):
        raise _fail(path, "the file is tab-separated; the contract accepts comma- or semicolon-separated CSV "
                          "(save it from Excel as 'CSV UTF-8' or 'CSV (semicolon)')", "dialect", 1)
    if counts[";"] == 0 and counts[","] == 0:
        raise _fail(path, "no comma or semicolon in the header line: the file is not comma- or "
                          "semicolon-separated CSV", "dialect", 1)
    return ";" if counts[";"] >= counts[","] else ","


CHUNK_RECORDS = 100_000    # records parsed and turned into columns at a time: bounds the reader's memory


def _lines(text: str, piece: int = 1 << 23) -> Iterator[str]:
    """The text's physical lines with their endings, split as io.StringIO(text, newline='') splits
    them (CR, LF, CRLF), through a StringIO over one piece of about `piece` characters at a time,
    each cut just after a LF: the csv reader's input without a second copy of the whole text."""
    start = 0
    while start < len(text):
        cut = text.find("\n", start + piece)
        end = len(text) if cut < 0 else cut + 1
        yield from io.StringIO(text[start:end], newline="")
        start = end


def _record_chunks(text: str, sep: str, path: str, lines: bool) -> Iterator[tuple[list[list[str]], list[int] | None]]:
    """The records in chunks of CHUNK_RECORDS, with (`lines`) the physical line each starts on.
    Without `lines` a csv.Error propagates (the caller reads again with lines, which names it)."""
    reader = csv.reader(_lines(text), delimiter=sep, strict=True)
    if not lines:
        while True:
            gc_was_on = gc.isenabled()
            gc.disable()   # many small lists: the cyclic collector would triple the time
            try:
                chunk = list(itertools.islice(reader, CHUNK_RECORDS))
            finally:
                if gc_was_on:
                    gc.enable()
            if not chunk:
                return
            yield chunk, None
    records, starts, prev = [], [], 0
    try:
        for rec in reader:
            records.append(rec)
            starts.append(prev + 1)
            prev = reader.line_num
            if len(records) == CHUNK_RECORDS:
                yield records, starts
                records, starts = [], []
    except csv.Error as err:
        start = prev + 1
        if "field larger than field limit" in str(err):
            raise _fail(path, f"a value in the record starting at line {start} is longer than "
                              f"{csv.field_size_limit()} characters (the contract's limit is {MAX_VALUE_CHARS})",
                        "value_too_long", start) from None
        if "unexpected end of data" in str(err) or text.count('"') % 2 == 1:
            raise _fail(path, f"a quoted value opened in the record starting at line {start} is never closed "
                              "(the file is cut off, or a quote is missing)", "truncated", start) from None
        raise _fail(path, f"broken quoting in the record starting at line {start} ({err}); a value holding the "
                          "separator, a quote or a line break must be quoted, with quotes doubled inside",
                    "quoting", start) from None
    if records:
        yield records, starts


def _header(names: list[object], path: str) -> tuple[list[str], list[Violation]]:
    columns = [("" if c is None else str(c)).strip() for c in names]
    problems: list[Violation] = []
    for i, c in enumerate(columns):
        if not c:
            problems.append(Violation(None, None, f"column {i + 1} of the header has no name",
                                      kind="missing_column_name", line=1))
    seen: dict[str, list[int]] = {}
    for i, c in enumerate(columns):
        if c:
            seen.setdefault(c, []).append(i + 1)
    for c, where in seen.items():
        if len(where) > 1:
            problems.append(Violation(None, c, f"the column name is given {len(where)} times in the header "
                                               f"(columns {', '.join(map(str, where))}); a header line "
                                               f"missing altogether looks like this too",
                                      kind="duplicate_column", line=1))
    return columns, problems


def _blank_tail(names: list[str], chunks: Iterator[tuple[list[list[str]], list[int] | None]]) -> int:
    """How many trailing header columns without a name hold no value on any line, every line as
    wide as the header (a trailing separator on every line, as SQL/SAS exports write): harmless,
    dropped. With any value in such a column it stays and is refused. At least one column stays."""
    unnamed = 0
    while unnamed < len(names) - 1 and names[len(names) - 1 - unnamed] == "":
        unnamed += 1
    width = len(names)
    for chunk, _ in chunks:
        for rec in chunk:
            if unnamed == 0:
                return 0
            if len(rec) != width:
                return 0
            blank = 0
            while blank < unnamed and rec[width - 1 - blank].strip() == "":
                blank += 1
            unnamed = min(unnamed, blank)
    return unnamed


class _Table:
    """The data rows as a frame of stripped strings, built a chunk of records at a time, after the
    structural checks: every row as wide as the header, no empty lines, no second header, no
    overlong values (the first 25 per column named)."""

    def __init__(self, columns: list[str], path: str) -> None:
        self.columns, self.path, self.width = columns, path, len(columns)
        self.normal = [c.lstrip("\ufeff").strip() for c in columns]
        self.problems: list[Violation] = []
        self.frames: list[pd.DataFrame] = []
        self.rows = 0                                  # body records seen so far
        self.lines: list[int] = []                     # the physical line of each, when tracked
        self.too_long = [0] * len(columns)

    def add(self, body: list[list[str]], lines: list[int] | None, drop: int) -> None:
        base, width = self.rows, self.width
        self.rows += len(body)
        self.lines += lines or []

        def line_of(i: int) -> int:   # i: 0-based index into this chunk
            return lines[i] if lines is not None else base + i + 2

        if drop:
            for rec in body:
                del rec[-drop:]
        widths = np.fromiter(map(len, body), dtype=np.int64, count=len(body))
        for i in np.flatnonzero(widths != width).tolist():
            rec = body[i]
            if not rec or (len(rec) == 1 and rec[0].strip() == ""):
                self.problems.append(Violation(None, None, "empty line among the data rows", kind="empty_line",
                                               line=line_of(i)))
            elif rec[0].startswith("\ufeff") or [v.strip() for v in rec] == self.normal:
                self.problems.append(Violation(base + i + 1, None, "the header line again (with a byte order mark): "
                                               "two exports appended to one file?", kind="repeated_header",
                                               line=line_of(i)))
            else:
                self.problems.append(Violation(base + i + 1, None, f"has {len(rec)} fields, the header has {width}",
                                               kind="ragged_row", line=line_of(i)))
        good = np.flatnonzero(widths == width)
        rows = body if len(good) == len(body) else [body[i] for i in good.tolist()]
        if not rows or not width:
            return
        frame = pd.DataFrame(rows, columns=range(width), dtype=object).astype("str")
        first = frame[0]
        again = first.str.startswith("\ufeff") | (first.str.strip() == self.normal[0])
        for k in np.flatnonzero(again.to_numpy()).tolist():
            rec = rows[k]
            if rec[0].startswith("\ufeff") or [v.strip() for v in rec] == self.normal:
                i = int(good[k])
                bom = " (with a byte order mark)" if rec[0].startswith("\ufeff") else ""
                self.problems.append(Violation(base + i + 1, None, f"the header line again{bom}: two exports "
                                               "appended to one file?", kind="repeated_header", line=line_of(i)))
        for j in range(width):
            too_long = (frame[j].str.len() > MAX_VALUE_CHARS).to_numpy()
            for k in np.flatnonzero(too_long).tolist()[:25 - self.too_long[j]]:
                i = int(good[k])
                self.too_long[j] += 1
                self.problems.append(Violation(base + i + 1, self.columns[j] or None,
                                               f"the value is {len(rows[k][j])} characters "
                                               f"long; the contract's limit is {MAX_VALUE_CHARS}",
                                               kind="value_too_long", line=line_of(i)))
        if not self.problems:       # once the file is refused, its rows are not kept
            self.frames.append(frame.apply(lambda col: col.str.strip()))

    def frame(self, header_problems: list[Violation]) -> pd.DataFrame:
        problems = header_problems + self.problems
        if problems:
            problems.sort(key=lambda v: v.where_line or 0)
            raise ExtractError(self.path, problems)
        if self.frames:
            frame = pd.concat(self.frames, ignore_index=True) if len(self.frames) > 1 else self.frames[0]
        else:
            frame = pd.DataFrame({j: pd.Series([], dtype="str") for j in range(self.width)})
        frame.columns = self.columns
        return frame


def _table(columns: list[str], body: list[list[str]], lines: list[int] | None, path: str,
           header_problems: list[Violation]) -> pd.DataFrame:
    """All rows at once (the workbook reader's): the frame, or an ExtractError with every problem."""
    table = _Table(columns, path)
    table.add(body, lines, 0)
    return table.frame(header_problems)


def _strip_trailing_lines(text: str) -> str:
    """Drop the final line break and any empty or blank lines after it (Excel writes some),
    but not blanks of the last row itself (one slice of the text, no other copy)."""
    end = len(text)
    while end and text[end - 1].isspace():
        end -= 1
    tail = text[end:]
    cuts = [i for i in (tail.find("\r"), tail.find("\n")) if i >= 0]
    keep = end + min(cuts) if cuts else len(text)
    return text if keep == len(text) else text[:keep]


def _build(text: str, sep: str, path: str, lines: bool) -> tuple[_Table, list[Violation], int]:
    """The body records as a table (its problems not raised yet; with `lines`, the physical line
    each row starts on), the header's problems and the number of records read."""
    def chunks():
        return _record_chunks(text, sep, path, lines)

    stream = chunks()
    first, first_lines = next(stream)
    names = [c.strip() for c in first[0]]
    drop = 0
    if names and names[-1] == "":
        rest = chunks()
        head, _ = next(rest)
        drop = _blank_tail(names, itertools.chain([(head[1:], None)], rest))
    columns, header_problems = _header(names[:len(names) - drop], path)
    table = _Table(columns, path)
    table.add(first[1:], None if first_lines is None else first_lines[1:], drop)
    for chunk, chunk_lines in stream:
        table.add(chunk, chunk_lines, drop)
    return table, header_problems, table.rows + 1


def _read_csv(path: str, encoding: str) -> tuple[pd.DataFrame, Dialect]:
    raw = Path(path).read_bytes()
    if not raw.strip(b" \t\r\n"):
        raise _fail(path, "the file is empty (no header line)", "empty_file")
    text = _decode(raw, path, encoding)
    del raw
    text = _strip_trailing_lines(text)
    if not text.strip():
        raise _fail(path, "the file is empty (no header line)", "empty_file")
    cut = re.search(r"\r\n|\r|\n", text)
    first = text[:cut.start()] if cut else text
    if re.fullmatch(r"\s*sep=.?\s*", first):
        raise _fail(path, "the first line is Excel's 'sep=' hint, not the header: remove that line", "dialect", 1)
    sep = _separator(first, path)
    # Read without tracking lines; only when a quoted value holds a line break (records and lines
    # then differ) or the quoting is broken, read again with the line each record starts on.
    breaks = text.count("\n") + text.count("\r") - text.count("\r\n")
    try:
        table, header_problems, records = _build(text, sep, path, lines=False)
        if records != breaks + 1:
            table = None
    except csv.Error:
        table = None
    tracked = table is None
    if tracked:
        table, header_problems, _ = _build(text, sep, path, lines=True)
    frame = table.frame(header_problems)
    return frame, Dialect(sep, "," if sep == ";" else ".", encoding, tuple(table.lines) if tracked else None)


# --------------------------------------------------------------------------- XLSX


def _cell_text(value: object) -> str:
    """A cell as the text it shows, with nothing guessed: no missing-value list, dates as ISO
    (with the time when it is not midnight), whole numbers without '.0', no exponent."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return np.format_float_positional(value, trim="-")
    return str(value)


def _read_xlsx(path: str) -> tuple[pd.DataFrame, Dialect]:
    raw = Path(path).read_bytes()
    if not raw:
        raise _fail(path, "the file is empty (0 bytes)", "empty_file")
    if not raw.startswith(ZIP_MAGIC):
        if raw.startswith(OLE_MAGIC):
            raise _fail(path, "this is an Excel 97-2003 workbook (.xls) or a password-protected workbook, not "
                              "an .xlsx: save it as .xlsx without password, or as CSV", "not_a_workbook")
        text_like = b"\x00" not in raw[:4096] or raw.startswith((b"\xff\xfe", b"\xfe\xff"))
        what = "text (a CSV file?)" if text_like else "not a zip archive"
        raise _fail(path, f"this is not an Excel workbook: the file is {what} under an .xlsx name; "
                          "name a CSV file .csv", "not_a_workbook")
    try:
        names = zipfile.ZipFile(io.BytesIO(raw)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _fail(path, "the workbook is damaged or cut off (not a complete zip archive): "
                          "save or copy it again", "truncated") from None
    if "xl/workbook.xml" not in names:
        raise _fail(path, "this is a zip archive but not an Excel workbook (no xl/workbook.xml)",
                    "not_a_workbook")
    from openpyxl import load_workbook
    try:
        wb = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        sheets = wb.worksheets
        if not sheets:
            raise _fail(path, "the workbook has no worksheet", "empty_file")
        ws = sheets[0]
        ws.reset_dimensions()
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        others = [s.title for s in sheets[1:]]
        wb.close()
    except ExtractError:
        raise
    except Exception as err:   # noqa: BLE001 - a damaged workbook may fail anywhere inside openpyxl
        raise _fail(path, f"the workbook cannot be read ({type(err).__name__}): it is damaged; "
                          "save it again from Excel", "not_a_workbook") from None
    texts = [[_cell_text(v) for v in r] for r in rows]
    while texts and all(t.strip() == "" for t in texts[-1]):
        texts.pop()
    if not texts:
        extra = f"; the data may be on another sheet ({', '.join(repr(o) for o in others)}): " \
                "the extract is read from the first sheet" if others else ""
        raise _fail(path, f"the first sheet '{ws.title}' is empty{extra}", "empty_file")
    width = max(len(r) for r in texts)
    texts = [r + [""] * (width - len(r)) for r in texts]
    header = texts[0]
    named = max((i for i, c in enumerate(header) if c.strip()), default=-1) + 1
    spill = [(i, j) for i, r in enumerate(texts[1:], start=1) for j in range(named, width) if r[j].strip()]
    problems = [Violation(i, None, f"cell in column {j + 1} has a value but the column has no name in the header",
                          kind="missing_column_name") for i, j in spill[:25]]
    texts = [r[:named] for r in texts]
    columns, header_problems = _header(texts[0], path)
    body = texts[1:]
    frame = _table(columns, body, None, path, problems + header_problems)
    return frame, Dialect(None, ".", None)


def read_extract(path: str | Path, encoding: str = "utf-8") -> tuple[pd.DataFrame, Dialect]:
    """Read an extract as strings; returns the frame (with `row`) and the dialect found."""
    path = str(path)
    if not Path(path).is_file():
        raise _fail(path, "file does not exist", "missing_file")
    if path.lower().endswith((".xlsx", ".xlsm")):
        frame, dialect = _read_xlsx(path)
    else:
        frame, dialect = _read_csv(path, encoding)      # values come stripped (_Table)
    frame.insert(0, "row", range(1, len(frame) + 1))
    return frame, dialect
