"""Writing the twin's extracts: CSV in the Danish Excel dialect and deterministic XLSX, so the
same seed gives the same bytes. The twin has its own writer (not the publishing layer's) so
that it depends on nothing downstream of the raw data."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from puljeeval.atomic import written

FIXED_TIME = dt.datetime(2019, 9, 17)   # stamped into the workbook instead of the save time


def write_csv(frame: pd.DataFrame, path: str | Path, separator: str, encoding: str) -> None:
    """Write as Excel would: semicolon files get decimal comma (and a BOM when UTF-8)."""
    out = frame.copy()
    if separator == ";":
        for c in out.columns:
            if pd.api.types.is_float_dtype(out[c]):
                out[c] = out[c].map(lambda x: f"{x:g}".replace(".", ","))
    enc = "utf-8-sig" if (encoding == "utf-8" and separator == ";") else encoding
    text = out.to_csv(sep=separator, index=False, lineterminator="\r\n")
    with written(path) as tmp:
        tmp.write_bytes(text.encode(enc))


def _cell(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value      # numpy scalars


def write_xlsx(frame: pd.DataFrame, path: str | Path, sheet: str = "data") -> None:
    """One sheet, header in row 1; openpyxl's save time in docProps/core.xml and the zip entries
    are fixed so that the bytes depend on the table only."""
    wb = Workbook()
    wb.remove(wb.active)
    ws = wb.create_sheet(title=sheet[:31])
    ws.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False):
        ws.append([_cell(v) for v in row])
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


def write(frames: dict[str, pd.DataFrame], paths: dict[str, str | Path], formats: dict[str, dict]) -> None:
    """Each extract to its path (the rule's output); .xlsx paths as a workbook, others as CSV with
    the separator and encoding of `formats` (the twin config's `extract_formats`)."""
    for name, frame in frames.items():
        path = str(paths[name])
        if path.lower().endswith(".xlsx"):
            write_xlsx(frame, path)
        else:
            spec = formats[name]
            write_csv(frame, path, spec["separator"], spec["encoding"])
