"""Reading back what a reader sees: the published tables on a rendered chapter page and in a
workbook, cell by cell, as the reproduction check compares them with the report.

The layout both follow (puljeeval/render/html_table.py, puljeeval/workbook.py):

- page: `<table class="pub" data-table="{id}">`, rows `<tr data-row="{i}">` (i: the row's position
  in the Masked table results/interim/published/<chapter>/<id>.parquet), cells
  `<td data-col="{column}" data-status="{status}">` holding Danish number text ("9.957", "0,014",
  "<0,001") or a marker ("<5", "..", ".", "...");
- workbook: one sheet per registry table (its `sheet`), the header row (the registry headings in
  order) possibly after title rows, then the data rows in the Masked table's order; numbers stored
  rounded with an Excel number format ('#,##0', '#,##0.000'), markers as strings.

A page cell is what its visible text says; a workbook cell is its stored number at the decimals of
its number format (what Excel shows).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from puljeeval.publish.display import half_up, number
from puljeeval.publish.registry import Table

# Danish number text: thousands point, decimal comma ("9.957", "-0,014", "51,60").
NUMBER = re.compile(r"^-?(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$")
HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

# (row position, column name) -> what is shown, per table id
Cells = dict[str, dict[tuple[int, str], "Shown"]]


class ReadbackError(ValueError):
    """A page or workbook does not follow the layout; the message names the file, table and cell."""


@dataclass(frozen=True)
class Shown:
    """One cell as a reader sees it: its text, and when that is a number, the number and how many
    decimals it shows; `status` is the page's data-status ('' on a workbook)."""

    text: str
    value: Decimal | None = None
    decimals: int | None = None
    status: str = ""


def parse_number(text: str) -> tuple[Decimal, int] | None:
    """'9.957' -> (9957, 0), '-0,014' -> (-0.014, 3); None for anything that is not a plain Danish
    number (markers, '<0,001', labels)."""
    text = text.strip().replace("\u2212", "-")
    if not NUMBER.match(text):
        return None
    whole, _, frac = text.replace(".", "").partition(",")
    return Decimal(f"{whole}.{frac}" if frac else whole), len(frac)


def shown_text(text: str, status: str = "") -> Shown:
    parsed = parse_number(text)
    if parsed is None:
        return Shown(text, status=status)
    return Shown(text, parsed[0], parsed[1], status)


def _visible_text(node) -> str:
    for hidden in node.find_all(lambda tag: tag.has_attr("hidden") or HIDDEN_STYLE.search(tag.get("style", ""))):
        hidden.decompose()
    return " ".join(node.get_text(" ", strip=True).split())


def page_cells(html: str, source: str = "page") -> Cells:
    """Every published table on a rendered page: table id -> (row, column) -> shown cell. A cell
    shown twice (a table shown in parts) must read the same both times."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    out: Cells = {}
    for table in soup.select("table.pub[data-table]"):
        tid = table["data-table"]
        cells = out.setdefault(tid, {})
        for tr in table.select("tr[data-row]"):
            try:
                row = int(tr["data-row"])
            except ValueError:
                raise ReadbackError(f"{source}: table '{tid}' has a row with data-row='{tr['data-row']}'") from None
            for td in tr.select("td[data-col]"):
                shown = shown_text(_visible_text(td), td.get("data-status", ""))
                key = (row, td["data-col"])
                if key in cells and cells[key].text != shown.text:
                    raise ReadbackError(f"{source}: table '{tid}' row {row} column '{key[1]}' is shown twice, "
                                        f"as '{cells[key].text}' and '{shown.text}'")
                cells[key] = shown
    return out


def read_page(path: str | Path) -> Cells:
    return page_cells(Path(path).read_text(encoding="utf-8"), str(path))


def format_decimals(fmt: str) -> int | None:
    """The decimals an Excel number format shows: '#,##0' -> 0, '#,##0.000' -> 3, '0.0' -> 1;
    None for 'General' (the stored number as it is)."""
    section = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", fmt.split(";")[0])
    if section.strip().lower() in ("general", ""):
        return None
    if "%" in section or "E" in section.upper():
        raise ReadbackError(f"number format '{fmt}' is not read back (percent or scientific)")
    match = re.search(r"[0#]\.([0#]+)", section)
    return len(match.group(1)) if match else 0


def _shown_cell(value: object, fmt: str) -> Shown:
    if value is None:
        return Shown("")
    if isinstance(value, bool):
        return Shown("ja" if value else "nej")
    if isinstance(value, int | float):
        places = format_decimals(fmt)
        exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if places is None:
            places = max(0, -exact.as_tuple().exponent)
        q = half_up(float(value), places)
        return Shown(number(float(value), places), q, places)
    return Shown(str(value))


def workbook_cells(path: str | Path, tables: Iterable[Table]) -> Cells:
    """The registry tables' sheets of a workbook: table id -> (row, column) -> shown cell. The header
    row is the first row whose leading cells equal the registry headings in order; the data rows
    follow until the first empty row."""
    from openpyxl import load_workbook

    book = load_workbook(path, data_only=True)
    out: Cells = {}
    for table in tables:
        if table.sheet not in book.sheetnames:
            raise ReadbackError(f"{path}: no sheet '{table.sheet}' (table '{table.id}')")
        sheet = book[table.sheet]
        headings = [c.heading for c in table.columns]
        rows = sheet.iter_rows()
        for row in rows:
            if [None if c.value is None else str(c.value) for c in row[:len(headings)]] == headings:
                break
        else:
            raise ReadbackError(f"{path}: sheet '{table.sheet}' has no header row {headings} (table '{table.id}')")
        cells = out.setdefault(table.id, {})
        for pos, row in enumerate(rows):
            if all(c.value is None for c in row):
                break
            for col, cell in zip(table.columns, row[:len(headings)], strict=False):
                cells[(pos, col.name)] = _shown_cell(cell.value, cell.number_format)
    return out
