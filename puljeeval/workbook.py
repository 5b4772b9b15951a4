"""Deterministic XLSX writing, shared by the publishing layer and the twin (which may import
nothing downstream of the raw data, so this lives outside both): the same tables give the same
bytes (openpyxl stamps the save time into docProps/core.xml and the zip entries; both are fixed
here), and the file appears only when complete."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from puljeeval.atomic import written

FIXED_TIME = dt.datetime(2019, 9, 17)


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if hasattr(value, "item"):          # numpy scalars
        return value.item()
    return value


def number_format(decimals: int) -> str:
    """Excel's format for a number shown with `decimals` places and a thousands separator (Excel
    shows them in the reader's locale: "1.234,5" in Danish)."""
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def write(sheets: dict[str, pd.DataFrame], path: str | Path,
          decimals: dict[str, dict[str, int]] | None = None) -> None:
    """One sheet per table (sheet names cut to Excel's 31 characters), header in row 1. With
    `decimals` (sheet -> column heading -> places) numeric cells get that number format, so the
    workbook shows the precision the page shows."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        ws = wb.create_sheet(title=name[:31])
        ws.append([str(c) for c in frame.columns])
        formats = {j: number_format(d) for j, c in enumerate(frame.columns, start=1)
                   if (d := (decimals or {}).get(name, {}).get(str(c))) is not None}
        for row in frame.itertuples(index=False):
            ws.append([_cell(v) for v in row])
            for j, fmt in formats.items():
                cell = ws.cell(row=ws.max_row, column=j)
                if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                    cell.number_format = fmt
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
