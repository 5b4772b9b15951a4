"""Properties of the reader and the contract, over generated inputs:

(a) any bytes as a CSV or XLSX extract give ExtractError or a read, never another exception;
(b) any single edit of a good file gives ExtractError, or the values of every row the edit did
    not touch exactly as before;
(c) valid values written in any accepted dialect read back to the same typed values.
"""

from __future__ import annotations

import io
import string
from decimal import Decimal
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from puljeeval.data import contract
from puljeeval.data.extracts import BOM, ZIP_MAGIC, ExtractError, read_extract
from tests.conftest import TINY, TINY_EXTRACTS, tiny_settings

SETTINGS = tiny_settings(TINY)
REG, REG_DIALECT = read_extract(TINY / "registreringer.csv", "cp1252")
COURSE_IDS = contract.validate(REG, "registrations", "r", SETTINGS, REG_DIALECT)["course_id"]
PARENTS = {"registrations": COURSE_IDS}
HYPO = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]}


def checked(path: Path, name: str, encoding: str) -> pd.DataFrame:
    frame, dialect = read_extract(path, encoding)
    return contract.validate(frame, name, str(path), SETTINGS, dialect, PARENTS)


def records(typed: pd.DataFrame) -> list[tuple]:
    """Rows as tuples of their typed values (without `row`), comparable across reads."""
    body = typed.drop(columns="row").astype(object).where(typed.drop(columns="row").notna(), None)
    return [tuple(r) for r in body.itertuples(index=False)]


# --------------------------------------------------------------------------- (a) any bytes

PREFIXES = [b"", BOM, BOM + BOM, b"\xff\xfe", b"\xfe\xff", ZIP_MAGIC[0], b"course_id;date;element;rating\r\n",
            b"course_id,instrument,timepoint,answered_date,item,response\n"]


@settings(max_examples=200, **HYPO)
@given(prefix=st.sampled_from(PREFIXES), body=st.binary(max_size=300),
       encoding=st.sampled_from(["utf-8", "cp1252"]), suffix=st.sampled_from([".csv", ".xlsx"]),
       name=st.sampled_from(["fidelity", "questionnaires"]))
def test_any_bytes_give_a_read_or_an_extract_error(tmp_path_factory, prefix, body, encoding, suffix, name):
    path = tmp_path_factory.mktemp("bytes") / f"extract{suffix}"
    path.write_bytes(prefix + body)
    try:
        checked(path, name, encoding)
    except ExtractError as err:
        assert err.violations and all(v.kind for v in err.violations)
        str(err)


# --------------------------------------------------------------------------- (b) single edits

GOOD = {name: (TINY / fname, enc) for name, (fname, enc) in TINY_EXTRACTS.items()
        if name in ("questionnaires", "fidelity", "registrations")}
FILE_ENC = {"questionnaires": "utf-8", "fidelity": "utf-8-sig", "registrations": "cp1252"}
ORIGINAL = {name: checked(path, name, enc) for name, (path, enc) in GOOD.items()}
CHARS = st.sampled_from(list(string.ascii_letters + string.digits + ",;\"'.-\r\n\t ") + ["ø", "Å", "٣", "\ufeff"])


@st.composite
def edits(draw) -> tuple[str, bytes, set[int]]:
    """An extract, its edited bytes, and the 0-based data rows the edit may have touched."""
    name = draw(st.sampled_from(sorted(GOOD)))
    text = GOOD[name][0].read_bytes().decode(FILE_ENC[name])
    lines = text.split("\r\n" if "\r\n" in text else "\n")
    op = draw(st.sampled_from(["insert", "delete", "replace", "insert_line", "delete_line", "encoding"]))
    enc = FILE_ENC[name]
    if op in ("insert", "delete", "replace"):
        pos = draw(st.integers(0, len(text) - 1))
        line = text[:pos].count("\n")
        ch = draw(CHARS)
        text = {"insert": text[:pos] + ch + text[pos:], "delete": text[:pos] + text[pos + 1:],
                "replace": text[:pos] + ch + text[pos + 1:]}[op]
        touched = {line - 1, line}          # data row i is on line i + 1 (0-based line i + 1)
    elif op == "insert_line":
        at = draw(st.integers(1, len(lines)))
        new = draw(st.sampled_from([lines[-1], lines[1], "", ";;", ",,,,,", lines[0]]))
        lines = lines[:at] + [new] + lines[at:]
        text = ("\r\n" if "\r\n" in text else "\n").join(lines)
        touched = set()
    elif op == "delete_line":
        at = draw(st.integers(1, len(lines) - 1))
        lines = lines[:at] + lines[at + 1:]
        text = ("\r\n" if "\r\n" in text else "\n").join(lines)
        touched = {at - 1}
    else:
        enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le", "latin-1"]))
        touched = set()
    return name, text.encode(enc, errors="replace"), touched


@settings(max_examples=100, **HYPO)
@given(edit=edits())
def test_a_single_edit_is_refused_or_leaves_the_other_rows_alone(tmp_path_factory, edit):
    name, data, touched = edit
    path = tmp_path_factory.mktemp("edit") / GOOD[name][0].name
    path.write_bytes(data)
    try:
        typed = checked(path, name, GOOD[name][1])
    except ExtractError:
        return
    before = records(ORIGINAL[name])
    after = records(typed)
    untouched = [r for i, r in enumerate(before) if i not in touched]
    remaining = list(after)
    for r in untouched:   # a deleted row is gone; every other row is still there, value for value
        if r in remaining:
            remaining.remove(r)
        else:
            assert len(after) < len(before), f"row {r} changed without an error"
    assert len(remaining) <= len(touched) + 1, f"rows changed without an error: {remaining}"


# --------------------------------------------------------------------------- (c) round trip

ELEMENTS = SETTINGS.element_codes
lo, hi = SETTINGS.core_elements["rating_range"]
RATINGS = st.decimals(min_value=Decimal(lo), max_value=Decimal(hi), places=2, allow_nan=False)
FIDELITY_ROWS = st.lists(
    st.tuples(st.sampled_from(COURSE_IDS.tolist()), st.dates(min_value=pd.Timestamp("2015-01-01").date(),
                                                             max_value=pd.Timestamp("2019-09-17").date()),
              st.sampled_from(ELEMENTS), RATINGS),
    min_size=1, max_size=20, unique_by=lambda r: (r[0], r[1], r[2]))


def write_dialect(rows: list[tuple], dialect: str, directory: Path) -> tuple[Path, str]:
    header = ["course_id", "date", "element", "rating"]
    if dialect == "xlsx":
        wb = Workbook()
        ws = wb.active
        ws.append(header)
        for c, d, e, r in rows:
            ws.append([c, pd.Timestamp(d).to_pydatetime(), e, float(r)])
        buf = io.BytesIO()
        wb.save(buf)
        path = directory / "fid.xlsx"
        path.write_bytes(buf.getvalue())
        return path, "utf-8"
    sep, dec, enc, fmt = {"comma_utf8": (",", ".", "utf-8", "%Y-%m-%d"),
                          "semicolon_cp1252": (";", ",", "cp1252", "%d-%m-%Y"),
                          "semicolon_utf8_bom": (";", ",", "utf-8-sig", "%d.%m.%Y")}[dialect]
    text = "\r\n".join([sep.join(header)] + [
        sep.join([c, d.strftime(fmt), e, format(r.normalize(), "f").replace(".", dec)]) for c, d, e, r in rows])
    path = directory / "fid.csv"
    path.write_bytes(text.encode(enc))
    return path, ("cp1252" if enc == "cp1252" else "utf-8")


@settings(max_examples=50, **HYPO)
@given(rows=FIDELITY_ROWS, dialect=st.sampled_from(["comma_utf8", "semicolon_cp1252", "semicolon_utf8_bom", "xlsx"]))
def test_valid_values_round_trip_in_every_dialect(tmp_path_factory, rows, dialect):
    path, encoding = write_dialect(rows, dialect, tmp_path_factory.mktemp("rt"))
    typed = checked(path, "fidelity", encoding)
    assert typed["course_id"].tolist() == [r[0] for r in rows]
    assert typed["date"].tolist() == [pd.Timestamp(r[1]) for r in rows]
    assert typed["element"].tolist() == [r[2] for r in rows]
    assert typed["rating"].tolist() == [float(r[3]) for r in rows]
    assert typed["row"].tolist() == list(range(1, len(rows) + 1))
