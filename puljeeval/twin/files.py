"""Writing the twin's extracts: CSV in the Danish Excel dialect and deterministic XLSX, so the
same seed gives the same bytes. The workbook writer is the neutral puljeeval/workbook.py, not
the publishing layer's, so that the twin depends on nothing downstream of the raw data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from puljeeval.atomic import written
from puljeeval.workbook import write as write_workbook


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


def write_xlsx(frame: pd.DataFrame, path: str | Path, sheet: str = "data") -> None:
    """One sheet, header in row 1, the same bytes for the same table (puljeeval/workbook.py)."""
    write_workbook({sheet: frame}, path)


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


CHUNK = 1 << 24          # bytes copied at a time when joining blocks


def join_parts(parts: list[str | Path], path: str | Path) -> int | None:
    """Join the blocks' files of one extract into `path`, streaming: CSV parts one after the other,
    each after the first without its header line (a UTF-8 BOM is part of that line), so memory
    does not grow with the data; a single part (a workbook too) is copied. Returns the lines after
    the header (None for a workbook). Several workbooks cannot be streamed: an error names them."""
    parts = [Path(p) for p in parts]
    if not parts:
        raise ValueError(f"{path}: no block files to join")
    if str(path).lower().endswith(".xlsx"):
        if len(parts) > 1:
            raise ValueError(f"{path}: a twin of {len(parts)} blocks writes this extract as CSV, not as a workbook "
                             f"(set its path in `extracts` to .csv)")
        with written(path) as tmp:
            tmp.write_bytes(parts[0].read_bytes())
        return None
    lines = 0
    with written(path) as tmp, open(tmp, "wb") as out:
        for i, part in enumerate(parts):
            with open(part, "rb") as src:
                header = src.readline()
                if i == 0:
                    out.write(header)
                while chunk := src.read(CHUNK):
                    lines += chunk.count(b"\n")
                    out.write(chunk)
    return lines
