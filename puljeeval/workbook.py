"""What Excel opens, shared by the publishing layer and the twin (which may import nothing
downstream of the raw data, so this lives outside both):

- `write`: deterministic XLSX: the same tables give the same bytes (openpyxl stamps the save time
  into docProps/core.xml and the zip entries; both are fixed here), and the file appears only
  when complete. Laid out for reading: bold, wrapped header row tall enough for its headings,
  frozen below the header, an autofilter, column widths from the contents, a number format per
  numeric column; a notes sheet (item, value) with a wide, wrapped value column.
- `write_excel_csv`: the Danish Excel dialect of a CSV (semicolon, decimal comma, UTF-8 with a
  byte order mark, CRLF), beside the documented dialect (`EXCEL_CSV`: sep, decimal, encoding).

Widths and heights are estimated from character counts (Excel's column width is in widths of
the digit 0 of the default font, Calibri 11; a line of it is 15 points high), so they are the
same on every machine."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import zipfile
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from puljeeval.atomic import written

FIXED_TIME = dt.datetime(2019, 9, 17)

# Column widths (characters of the default font) and heights (points).
MIN_WIDTH, MAX_WIDTH = 8, 45
PADDING = 2                  # room for the autofilter button and the cell margins
HEADER_LINES = 3             # a heading wraps to at most about this many lines when it can
LINE_HEIGHT = 15.0           # one line of 11-point text
BOLD = 1.1                   # bold text is about a tenth wider than the digit 0
REGULAR = 0.9                # regular text about a tenth narrower (Calibri's letters average less)
NOTES_ITEM_WIDTH = (12, 45)  # the notes sheet: item column between these
NOTES_VALUE_WIDTH = 100      # and the value column this wide, wrapped

# The Danish Excel dialect of the CSV downloads (pandas.read_csv reads it back with these).
EXCEL_CSV = {"sep": ";", "decimal": ",", "encoding": "utf-8-sig"}
EXCEL_CSV_FOLDER = "excel_da"

_HEADER_FONT = Font(bold=True)
_ITEM_FONT = Font(bold=True)


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):          # numpy scalars
        return value.item()
    return value


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def number_format(decimals: int) -> str:
    """Excel's format for a number shown with `decimals` places and a thousands separator (Excel
    shows them in the reader's locale: "1.234,5" in Danish)."""
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def shown_length(value: object, decimals: int | None = None) -> int:
    """How many characters a cell shows: a number with its format's thousands separators and
    places, a text by its longest line."""
    if value is None:
        return 0
    if isinstance(value, bool):
        return 5                        # TRUE / FALSE (SAND / FALSK)
    if _is_number(value):
        if math.isinf(value) or math.isnan(value):
            return len(str(value))
        if decimals is not None:
            return len(f"{value:,.{decimals}f}")
        return len(str(value))
    return max((len(line) for line in str(value).split("\n")), default=0)


def wrapped_lines(text: object, width: float, factor: float = 1.0) -> int:
    """Lines `text` takes when wrapped at word boundaries in a column `width` characters wide (a
    word longer than the line is broken, as Excel does)."""
    room = max(1.0, width - PADDING / 2)
    lines = 0
    for paragraph in str(text).split("\n"):
        used, lines = None, lines + 1
        for word in paragraph.split():
            size = len(word) * factor
            if used is None:
                used = size
            elif used + factor + size <= room:
                used += factor + size
            else:
                lines, used = lines + 1, size
            while used > room:          # a word wider than the column is broken
                lines, used = lines + 1, used - room
    return max(lines, 1)


def _width(heading: str, lengths: list[int]) -> float:
    """A column's width: its longest cell, or its heading on at most about HEADER_LINES lines
    with no word cut, within MIN_WIDTH..MAX_WIDTH."""
    words = [len(w) * BOLD for w in heading.split()] or [0]
    wanted = max([max(words), len(heading) * BOLD / HEADER_LINES, *lengths])
    return float(min(MAX_WIDTH, max(MIN_WIDTH, math.ceil(wanted) + PADDING)))


def _data_layout(ws: Worksheet, frame: pd.DataFrame, formats: dict[int, str],
                 places: dict[int, int]) -> None:
    """A table sheet: header bold, wrapped and tall enough; frozen below it; autofilter; widths
    from the contents; numeric columns in their number format, their markers aligned with the
    numbers; texts too long for the widest column wrapped."""
    n_rows, n_cols = ws.max_row, len(frame.columns)
    if n_cols == 0:
        return
    widths: dict[int, float] = {}
    for j, heading in enumerate(frame.columns, start=1):
        lengths = [shown_length(c.value, places.get(j))
                   for (c,) in ws.iter_rows(min_row=2, min_col=j, max_col=j)]
        widths[j] = _width(str(heading), lengths)
        ws.column_dimensions[get_column_letter(j)].width = widths[j]
    header_lines = 1
    for j, heading in enumerate(frame.columns, start=1):
        cell = ws.cell(row=1, column=j)
        cell.font = _HEADER_FONT
        cell.alignment = Alignment(wrap_text=True, vertical="bottom",
                                   horizontal="right" if j in formats else "left")
        header_lines = max(header_lines, wrapped_lines(heading, widths[j], BOLD))
    ws.row_dimensions[1].height = header_lines * LINE_HEIGHT
    top = Alignment(vertical="top")
    wrap = Alignment(wrap_text=True, vertical="top")
    right = Alignment(horizontal="right", vertical="top")
    for i, row in enumerate(ws.iter_rows(min_row=2, max_row=n_rows, max_col=n_cols), start=2):
        lines = 1
        for j, cell in enumerate(row, start=1):
            cell.alignment = top        # a row made taller by a wrapped text reads from its top
            if j in formats:
                cell.number_format = formats[j]
                if isinstance(cell.value, str):
                    cell.alignment = right  # markers line up with the numbers
            elif isinstance(cell.value, str) and shown_length(cell.value) > widths[j] - PADDING:
                cell.alignment = wrap
                lines = max(lines, wrapped_lines(cell.value, widths[j], REGULAR))
        if lines > 1:
            ws.row_dimensions[i].height = lines * LINE_HEIGHT
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(n_cols)}{max(n_rows, 1)}"
    _print_setup(ws)


def _print_setup(ws: Worksheet) -> None:
    """Printed: landscape, all columns on the page width, the header row on every page."""
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _notes_layout(ws: Worksheet) -> None:
    """The notes sheet (item, value): header bold and frozen, items bold, values wrapped in a wide
    column, each row as tall as its text."""
    low, high = NOTES_ITEM_WIDTH
    items = [c.value for (c,) in ws.iter_rows(min_row=1, max_col=1)]
    item_width = float(min(high, max(low, max((shown_length(v) for v in items), default=0) * BOLD + PADDING)))
    ws.column_dimensions["A"].width = item_width
    ws.column_dimensions["B"].width = NOTES_VALUE_WIDTH
    top = Alignment(wrap_text=True, vertical="top")
    for i, row in enumerate(ws.iter_rows(min_row=1, max_col=2), start=1):
        lines = 1
        for j, cell in enumerate(row, start=1):
            if j == 1 or i == 1:
                cell.font = _ITEM_FONT if j == 1 else _HEADER_FONT
            cell.alignment = top
            if cell.value is not None:
                bold = BOLD if (j == 1 or i == 1) else REGULAR
                lines = max(lines, wrapped_lines(cell.value, item_width if j == 1 else NOTES_VALUE_WIDTH, bold))
        if lines > 1:
            ws.row_dimensions[i].height = lines * LINE_HEIGHT
    ws.freeze_panes = "A2"
    _print_setup(ws)


def write(sheets: dict[str, pd.DataFrame], path: str | Path,
          decimals: Mapping[str, Mapping[str, int]] | None = None, notes: str | None = None) -> None:
    """One sheet per table (sheet names cut to Excel's 31 characters), header in row 1. With
    `decimals` (sheet -> column heading -> places) every cell of those columns gets that number
    format, so the workbook shows the precision the page shows. `notes` names the notes sheet
    (two columns, item and value), laid out for reading rather than as a table."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        ws.append([str(c) for c in frame.columns])
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
        if name == notes:
            _notes_layout(ws)
            continue
        places = {j: d for j, c in enumerate(frame.columns, start=1)
                  if (d := (decimals or {}).get(name, {}).get(str(c))) is not None}
        _data_layout(ws, frame, {j: number_format(d) for j, d in places.items()}, places)
    wb.properties.created = FIXED_TIME
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in sorted(zin.infolist(), key=lambda i: i.filename):
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(fixed, data)
    with written(path) as tmp:
        tmp.write_bytes(out.getvalue())


# --------------------------------------------------------------------------- Danish Excel CSV


_FLOOR = re.compile(r"^([<>]\s*)(\d+)\.(\d+)$")     # a p-value floor as text: "<0.001"


def excel_text(value: object, decimals: int | None = None) -> str:
    """A cell in the Danish Excel dialect: numbers with a decimal comma and no thousands
    separator (at `decimals` places when given; a zero without a sign), texts as they are except
    a number floor ("<0.001") in a numeric column, which gets the decimal comma too."""
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if _is_number(value):
        if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
            return str(value)
        if decimals is not None:
            text = f"{value:.{decimals}f}"
        else:
            text = format(Decimal(repr(value)) if isinstance(value, float) else Decimal(value), "f")
        if re.fullmatch(r"-0(\.0*)?", text):
            text = text[1:]
        return text.replace(".", ",")
    if decimals is not None and (m := _FLOOR.match(str(value))):
        return f"{m.group(1)}{m.group(2)},{m.group(3)}"
    return str(value)


def write_excel_csv(frame: pd.DataFrame, path: str | Path, decimals: Mapping[str, int] | None = None) -> None:
    """The table as a CSV a Danish Excel opens by double-click: semicolon separator, decimal
    comma, no thousands separator, UTF-8 with a byte order mark (so Excel takes the encoding
    for UTF-8), CRLF line ends; `decimals` (column heading -> places) as the workbook formats
    them. `pandas.read_csv(path, **EXCEL_CSV)` reads the same numbers back."""
    places = [(decimals or {}).get(str(c)) for c in frame.columns]
    buf = io.StringIO()
    out = csv.writer(buf, delimiter=EXCEL_CSV["sep"], lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    out.writerow([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False):
        out.writerow([excel_text(v, d) for v, d in zip(row, places, strict=True)])
    with written(path) as tmp:
        tmp.write_bytes(buf.getvalue().encode(EXCEL_CSV["encoding"]))
