"""Realistic broken exports, one defect each, built from the tiny fixture's good files: each
either stops with an ExtractError of the expected kind and message (and never a Python
exception from a parser), or is harmless and reads to exactly the original's typed values.
No message may show a CPR number, course id or person id of the fixture."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from puljeeval.data import contract
from puljeeval.data.extracts import OLE_MAGIC, ExtractError, read_extract
from tests.conftest import TINY, TINY_EXTRACTS, tiny_settings

ENC = {"registrations": "cp1252", "background": "utf-8-sig", "questionnaires": "utf-8", "fidelity": "utf-8-sig",
       "intention": "utf-8"}
FILES = {name: fname for name, (fname, _) in TINY_EXTRACTS.items()}
SECRETS = ["F0", "T000001", "T000002", "TEST-1"]   # every fixture course id starts with F0


def original_text(name: str) -> str:
    return (TINY / FILES[name]).read_bytes().decode(ENC[name])


def fixture_cprs() -> list[str]:
    reg = original_text("registrations")
    found = re.findall(r"[0-9]{6}-?[0-9]{4}", reg)
    return found + [c.replace("-", "") for c in found]


@dataclass
class Export:
    """A broken export: the file's bytes, its name and the encoding config declares."""
    name: str
    data: bytes
    suffix: str = ".csv"
    encoding: str = "utf-8"


def text_export(name: str, text: str, encoding: str | None = None, declared: str | None = None) -> Export:
    enc = encoding or ENC[name]
    return Export(name, text.encode(enc), ".csv", declared or TINY_EXTRACTS[name][1])


def edited(name: str, old: str, new: str, count: int = 1) -> Export:
    text = original_text(name)
    assert old in text, f"{FILES[name]} does not contain {old!r}"
    return text_export(name, text.replace(old, new, count))


def rows_of(name: str) -> list[list[str]]:
    text = original_text(name)
    sep = ";" if ";" in text.splitlines()[0] else ","
    return [line.split(sep) for line in text.splitlines()]


def workbook(sheets: list[tuple[str, list[list[object]]]]) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_export(name: str, convert: Callable[[str, str], object] = lambda col, v: v,
                extra_sheets: list[tuple[str, list[list[object]]]] | None = None,
                empty_first: bool = False, edit: Callable[[list[list[object]]], None] | None = None) -> Export:
    """The fixture file as a workbook; `convert(column, text)` gives each cell's Excel value."""
    rows = rows_of(name)
    header = rows[0]
    body: list[list[object]] = [[None if v == "" else convert(header[j], v) for j, v in enumerate(r)]
                                for r in rows[1:]]
    table = [list(header), *body]
    if edit:
        edit(table)
    sheets = ([("tom", [])] if empty_first else []) + [("data", table)] + (extra_sheets or [])
    return Export(name, workbook(sheets), ".xlsx")


def excel_date(col: str, v: str) -> object:
    if col in ("start_date", "end_date") and v:
        for fmt in ("%d-%m-%Y", "%Y-%m-%d"):
            try:
                return dt.datetime.strptime(v, fmt)
            except ValueError:
                pass
    return v


def numeric(col: str, v: str) -> object:
    if col == "rating":
        return float(v.replace(",", "."))
    if col == "chosen":
        return int(v)
    return v


def quote_all(name: str, sep: str) -> str:
    return "\r\n".join(sep.join(f'"{v}"' for v in r) for r in rows_of(name)) + "\r\n"


def zipped(name: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(FILES[name], (TINY / FILES[name]).read_bytes())
    return buf.getvalue()


def scored_questionnaire(top_on_reversed: bool) -> Export:
    """YP-CORE for every fixture course at both timepoints; reversed items never 4 (scored) or sometimes."""
    rev = {"ypc_03", "ypc_05", "ypc_10"}
    lines = ["course_id,instrument,timepoint,answered_date,item,response"]
    for k in range(1, 13):
        for tp in ("start", "slut"):
            for i in range(1, 11):
                item = f"ypc_{i:02d}"
                value = (k + i) % 4 if item in rev and not top_on_reversed else (k + i) % 5
                lines.append(f"F{k:03d},yp_core,{tp},2017-03-01,{item},{value}")
    return text_export("questionnaires", "\n".join(lines) + "\n")


def cut_in_multibyte() -> Export:
    raw = original_text("registrations").encode("utf-8")
    at = raw.index("ø".encode()) + 1
    return Export("registrations", raw[:at], ".csv", "utf-8")


def utf8_with_one_cp1252_byte() -> Export:
    text = original_text("registrations").replace("KK;;SIV", "KK;Å;SIV", 1)
    raw = text.encode("utf-8")
    raw = raw.replace("Å".encode(), "Å".encode("cp1252"), 1)
    return Export("registrations", raw, ".csv", "utf-8")


def header_only(name: str) -> Export:
    return text_export(name, original_text(name).splitlines()[0] + "\r\n")


Q_HEADER = "course_id,instrument,timepoint,answered_date,item,response"
# (build, expected): expected is "same" (harmless: the same typed values), "empty" (accepted
# with no rows), or (kind, a substring of the message)
CASES: dict[str, tuple[Callable[[], Export], str | tuple[str, str]]] = {
    # ---- Excel round trips
    "excel_dates_as_serial_numbers": (lambda: edited("registrations", "01-03-2017", "42795"),
                                      ("date_format", "Excel date serial")),
    "excel_cpr_leading_zero_stripped": (lambda: edited("registrations", "010110-4321", "101104321"),
                                        ("broken_cpr", "leading zero lost")),
    "excel_decimal_comma_to_point": (lambda: edited("fidelity", "ressourcer;2,5", "ressourcer;2.5"),
                                     ("decimal_separator", "decimal comma")),
    "excel_thousands_separator": (lambda: edited("fidelity", "barnet_i_centrum;4", "barnet_i_centrum;4.000"),
                                  ("decimal_separator", "'4.000' could be 4 or 4000")),
    "excel_scientific_notation": (lambda: edited("fidelity", "tillid_tryghed;0,5", "tillid_tryghed;5E-01"),
                                  ("not_a_number", "scientific notation")),
    "excel_na_cells_in_workbook": (lambda: xlsx_export("intention", numeric,
                                                       edit=lambda t: t[2].__setitem__(2, "#N/A")),
                                   ("missing_marker", "'#N/A' is another system's missing-value marker")),
    "excel_null_text_in_workbook": (lambda: xlsx_export("intention", numeric,
                                                        edit=lambda t: t[1].__setitem__(1, "NULL")),
                                    ("missing_marker", "'NULL'")),
    "excel_true_false_cells": (lambda: xlsx_export("intention", lambda c, v: v == "1" if c == "chosen" else v),
                               ("unknown_code", "expected one of ['0', '1']")),
    "excel_date_cell_with_time": (lambda: xlsx_export("registrations", excel_date, edit=lambda t: t[1].__setitem__(
        6, dt.datetime(2017, 3, 1, 13, 45))), ("date_format", "time of day")),
    "excel_value_in_unnamed_column": (lambda: xlsx_export("intention", numeric,
                                                          edit=lambda t: t[2].append("note")),
                                      ("missing_column_name", "no name")),
    "excel_workbook_round_trip": (lambda: xlsx_export("intention", numeric), "same"),
    "excel_date_cells": (lambda: xlsx_export("registrations", excel_date), "same"),
    "excel_number_cells": (lambda: xlsx_export("fidelity", numeric), "same"),
    "excel_several_sheets": (lambda: xlsx_export("intention", numeric, extra_sheets=[("noter", [["x"], ["y"]])]),
                             "same"),
    "excel_empty_first_sheet": (lambda: xlsx_export("intention", numeric, empty_first=True),
                                ("empty_file", "first sheet 'tom' is empty")),
    "excel_sep_hint_line": (lambda: text_export("questionnaires", "sep=,\n" + original_text("questionnaires")),
                            ("dialect", "'sep=' hint")),
    # ---- SQL / SAS exports
    "sql_null_for_blank_dates": (lambda: edited("registrations", "15-06-2018;;;", "15-06-2018;NULL;NULL;"),
                                 ("missing_marker", "'NULL'")),
    "sql_null_person_id": (lambda: edited("registrations", ";T000001;", ";NULL;"), ("missing_marker", "'NULL'")),
    "sas_dot_for_missing": (lambda: edited("background", "begge;;;;;;;ja;ja", "begge;.;.;.;.;.;.;ja;ja"),
                            ("missing_marker", "'.'")),
    "sql_datetime_not_date": (lambda: edited("questionnaires", "start,2017-03-01,who5_1", "start,2017-03-01 00:00:00,"
                                             "who5_1"), ("date_format", "time of day")),
    "sql_quoted_everything_comma": (lambda: text_export("questionnaires", quote_all("questionnaires", ",")), "same"),
    "sql_quoted_everything_semicolon": (lambda: text_export("registrations", quote_all("registrations", ";")),
                                        "same"),
    "sql_header_upper_case": (lambda: edited("questionnaires", Q_HEADER, Q_HEADER.upper()),
                              ("column_case", "the contract's name of this column is 'course_id'")),
    "sql_trailing_delimiter": (lambda: text_export("questionnaires", original_text("questionnaires").replace(
        "\n", ",\n")), "same"),
    "sql_trailing_delimiter_on_data_only": (lambda: text_export("questionnaires", original_text(
        "questionnaires").replace("\n", ",\n").replace(Q_HEADER + ",", Q_HEADER, 1)),
        ("ragged_row", "has 7 fields, the header has 6")),
    "sql_tab_separated": (lambda: text_export("questionnaires", original_text("questionnaires").replace(",", "\t")),
                          ("dialect", "tab-separated")),
    "sql_pipe_separated": (lambda: text_export("questionnaires", original_text("questionnaires").replace(",", "|")),
                           ("dialect", "no comma or semicolon")),
    "sql_columns_in_other_order": (lambda: text_export("intention", "".join(
        f"{r[1]},{r[0]},{r[2]}\n" for r in rows_of("intention"))), "same"),
    "sql_blanks_around_values": (lambda: edited("fidelity", "F001;01-04-2017;ressourcer;2,5",
                                                "F001 ; 01-04-2017 ;ressourcer ; 2,5 "), "same"),
    # ---- truncated copies
    "cut_mid_row": (lambda: text_export("questionnaires", original_text("questionnaires")[:-22]),
                    ("ragged_row", "the header has 6")),
    "cut_mid_multibyte_character": (cut_in_multibyte, ("truncated", "ends inside a UTF-8 character")),
    "cut_inside_quoted_value": (lambda: text_export("questionnaires", quote_all("questionnaires", ",")[:-30]),
                                ("truncated", "never closed")),
    "cut_workbook": (lambda: Export("intention", xlsx_export("intention", numeric).data[:3000], ".xlsx"),
                     ("truncated", "damaged or cut off")),
    # ---- concatenated exports
    "header_repeated_mid_file": (lambda: text_export("questionnaires", original_text("questionnaires") + Q_HEADER
                                                     + "\nF003,yp_core,slut,2018-01-10,ypc_01,1\n"),
                                 ("repeated_header", "the header line again")),
    "two_files_appended_with_bom": (lambda: Export("fidelity", (TINY / FILES["fidelity"]).read_bytes() * 2),
                                    ("repeated_header", "byte order mark")),
    "appended_without_final_newline": (lambda: text_export("questionnaires", original_text("questionnaires")
                                                           .rstrip("\n") + original_text("questionnaires")),
                                       ("ragged_row", "the header has 6")),
    "rows_appended_twice": (lambda: text_export("questionnaires", original_text("questionnaires") + "\n".join(
        original_text("questionnaires").splitlines()[1:]) + "\n"), ("duplicate_key", "row 1 has the same values")),
    # ---- wrong keys
    "fidelity_joined_on_cpr": (lambda: edited("fidelity", "F001;01-04-2017;ressourcer", "010110-4321;01-04-2017;"
                                              "ressourcer"), ("orphan_key", "joined on the CPR number")),
    "duplicated_course_id": (lambda: edited("registrations", "F004;", "F003;"), ("duplicate_key", "row 3 has")),
    "orphan_course": (lambda: edited("fidelity", "F003;2017-06-01", "F999;2017-06-01"),
                      ("orphan_key", "no such course_id in the registrations extract")),
    "two_default_intention_rows": (lambda: text_export("intention", "offer,intervention_type,element,chosen\n"
                                                       "BALLAST,,ressourcer,1\nBALLAST,,ressourcer,0\n"),
                                   ("duplicate_key", "a blank intervention_type counts as a value")),
    "background_of_empty_registrations": (lambda: Export("background", (TINY / FILES["background"]).read_bytes(),
                                                         encoding="no-parents"),
                                          ("orphan_key", "the registrations extract has no rows")),
    # ---- empty files
    "zero_bytes": (lambda: Export("registrations", b"", ".csv", "cp1252"), ("empty_file", "empty")),
    "only_blank_lines": (lambda: Export("questionnaires", b"\r\n\r\n  \r\n"), ("empty_file", "empty")),
    "header_only_registrations": (lambda: header_only("registrations"),
                                  ("empty_extract", "extracts.registrations.may_be_empty")),
    "header_only_fidelity": (lambda: header_only("fidelity"), ("empty_extract", "no data rows")),
    "header_only_fidelity_allowed": (lambda: Export("fidelity", header_only("fidelity").data, encoding="may-be-empty"),
                                     "empty"),
    "headerless_export": (lambda: text_export("questionnaires", "\n".join(
        original_text("questionnaires").splitlines()[1:]) + "\n"), ("missing_header", "is the header missing")),
    # ---- encodings
    "utf16_le_with_bom": (lambda: Export("questionnaires", original_text("questionnaires").encode("utf-16")),
                          ("encoding", "UTF-16 (little-endian, with byte order mark")),
    "utf16_be_with_bom": (lambda: Export("questionnaires", b"\xfe\xff" + original_text("questionnaires").encode(
        "utf-16-be")), ("encoding", "UTF-16 (big-endian, with byte order mark")),
    "utf16_le_without_bom": (lambda: Export("questionnaires", original_text("questionnaires").encode("utf-16-le")),
                             ("encoding", "UTF-16 (little-endian) without byte order mark")),
    "utf16_be_without_bom": (lambda: Export("questionnaires", original_text("questionnaires").encode("utf-16-be")),
                             ("encoding", "UTF-16 (big-endian) without byte order mark")),
    "double_bom": (lambda: Export("fidelity", b"\xef\xbb\xbf" + (TINY / FILES["fidelity"]).read_bytes()),
                   ("encoding", "two UTF-8 byte order marks")),
    "cp1252_declared_utf8": (lambda: Export("registrations", (TINY / FILES["registrations"]).read_bytes()),
                             ("encoding", "looks like Windows-1252")),
    "utf8_declared_cp1252": (lambda: Export("registrations", original_text("registrations").encode("utf-8"),
                                            encoding="cp1252"), ("encoding", "declared Windows-1252")),
    "utf8_with_one_cp1252_byte": (utf8_with_one_cp1252_byte, ("encoding", "mixes two encodings")),
    "byte_undefined_in_cp1252": (lambda: Export("registrations", (TINY / FILES["registrations"]).read_bytes()
                                                .replace(b"\xf8", b"\x81"), encoding="cp1252"),
                                 ("encoding", "is not valid cp1252")),
    "nul_bytes": (lambda: Export("questionnaires", original_text("questionnaires").encode().replace(b"who5_3",
                                                                                                    b"who5\x003")),
                  ("binary", "NUL bytes")),
    "utf8_bom_added": (lambda: Export("questionnaires", b"\xef\xbb\xbf" + (TINY / FILES["questionnaires"])
                                      .read_bytes()), "same"),
    "utf8_bom_removed": (lambda: Export("fidelity", (TINY / FILES["fidelity"]).read_bytes()[3:]), "same"),
    # ---- line endings
    "cr_only_line_endings": (lambda: text_export("registrations", original_text("registrations").replace(
        "\r\n", "\r")), "same"),
    "lf_line_endings": (lambda: text_export("registrations", original_text("registrations").replace("\r\n", "\n")),
                        "same"),
    "mixed_line_endings": (lambda: text_export("registrations", original_text("registrations").replace(
        "\r\n", "\n", 4).replace("\r\n", "\r", 3)), "same"),
    "trailing_empty_lines": (lambda: text_export("registrations", original_text("registrations") + "\r\n\r\n   \r\n"),
                             "same"),
    "empty_line_mid_file": (lambda: edited("questionnaires", "\nF003,", "\n\nF003,"), ("empty_line", "line 12")),
    "quoted_line_break_moves_lines": (lambda: edited("registrations", "F004;150600-5555;;BRUS;;SIV/B98;2017-02-01",
                                                     "F004;150600-5555;;BRUS;;SIV/B98;2017-02-31").data.decode(
        "cp1252").replace("TUBA;København;TUBA", 'TUBA;"Køben\r\nhavn";TUBA'),
        ("impossible_date", "row 4 (line 6)")),
    # ---- other file types under the wrong name
    "zip_named_csv": (lambda: Export("questionnaires", zipped("questionnaires")), ("not_a_csv", "zip archive")),
    "workbook_named_csv": (lambda: Export("intention", xlsx_export("intention", numeric).data),
                           ("not_a_csv", "Excel workbook (xlsx) under a .csv name")),
    "csv_named_xlsx": (lambda: Export("intention", (TINY / FILES["intention"]).read_bytes(), ".xlsx"),
                       ("not_a_workbook", "text (a CSV file?)")),
    "xls_named_xlsx": (lambda: Export("intention", OLE_MAGIC + b"\x00" * 600, ".xlsx"),
                       ("not_a_workbook", "Excel 97-2003")),
    "zip_named_xlsx": (lambda: Export("intention", zipped("intention"), ".xlsx"),
                       ("not_a_workbook", "zip archive but not an Excel workbook")),
    # ---- structure and values
    "duplicated_column": (lambda: text_export("intention", original_text("intention").replace(
        "chosen\n", "chosen,chosen\n").replace("1\n", "1,1\n").replace("0\n", "0,0\n")),
        ("duplicate_column", "given 2 times")),
    "huge_cell_1mb": (lambda: edited("questionnaires", "who5_4,4", "who5_4," + "4" * 1_048_576),
                      ("value_too_long", "limit")),
    "long_cell": (lambda: edited("registrations", "Stevns", "S" * 1500), ("value_too_long", "limit is 1000")),
    "fullwidth_digits": (lambda: edited("questionnaires", "who5_4,4", "who5_4,４"),
                         ("non_ascii_digit", "digits of another script")),
    "arabic_indic_digits": (lambda: edited("fidelity", "barnet_i_centrum;4", "barnet_i_centrum;٣"),
                            ("non_ascii_digit", "row 2 (line 3), column 'rating'")),
    "cpr_typed_into_birth_date": (lambda: edited("background", "pige;02-02-2003;", "pige;0202034321;"),
                                  ("looks_like_cpr", "not a date")),
    "unclosed_quote_mid_file": (lambda: edited("questionnaires", ",who5_3,2", ',"who5_3,2'),
                                ("truncated", "never closed")),
    "text_after_closing_quote": (lambda: edited("questionnaires", ",who5_3,2", ',"who5"_3,2'),
                                 ("quoting", "broken quoting")),
    "decimal_comma_in_comma_file": (lambda: text_export("fidelity", original_text("fidelity").replace(
        ";", ",").replace(",2,5", ',"2,5"').replace(",0,5", ',"0,5"')), ("decimal_separator", "decimal point")),
    "already_scored_questionnaire": (lambda: scored_questionnaire(False),
                                     ("already_scored", "look already scored")),
}


@pytest.fixture(scope="module")
def settings():
    return tiny_settings(TINY)


@pytest.fixture(scope="module")
def course_ids(settings) -> pd.Series:
    frame, dialect = read_extract(TINY / FILES["registrations"], "cp1252")
    return contract.validate(frame, "registrations", "r", settings, dialect)["course_id"]


def read_typed(path: Path, export: Export, settings, course_ids) -> pd.DataFrame:
    encoding = export.encoding
    parents = {"registrations": course_ids}
    if encoding == "no-parents":
        parents, encoding = {"registrations": course_ids.iloc[:0]}, "utf-8"
    old = dict(settings.config["extracts"][export.name])
    if encoding == "may-be-empty":
        settings.config["extracts"][export.name]["may_be_empty"] = True
        encoding = "utf-8"
    try:
        frame, dialect = read_extract(path, encoding)
        return contract.validate(frame, export.name, str(path), settings, dialect, parents)
    finally:
        settings.config["extracts"][export.name] = old


def test_there_are_enough_kinds():
    assert len(CASES) >= 60


@pytest.mark.parametrize("case", CASES)
def test_broken_export(case, tmp_path, settings, course_ids):
    build, expected = CASES[case]
    export = build()
    if isinstance(export, str):   # a case that edits text directly: the registrations in cp1252
        export = Export("registrations", export.encode("cp1252"), ".csv", "cp1252")
    path = tmp_path / (Path(FILES[export.name]).stem + export.suffix)
    path.write_bytes(export.data)
    if expected in ("same", "empty"):
        typed = read_typed(path, export, settings, course_ids)
        if expected == "empty":
            assert len(typed) == 0 and list(typed.columns)[0] == "row"
            return
        good = Export(export.name, b"", ".csv", TINY_EXTRACTS[export.name][1])
        original = read_typed(TINY / FILES[export.name], good, settings, course_ids)
        pd.testing.assert_frame_equal(typed.sort_index(axis=1), original.sort_index(axis=1))
        return
    kind, text = expected
    with pytest.raises(ExtractError) as info:
        read_typed(path, export, settings, course_ids)
    msg = str(info.value)
    assert kind in info.value.kinds(), (info.value.kinds(), msg)
    assert text in msg, msg
    leaked = [s for s in SECRETS + fixture_cprs() if s in msg]
    assert not leaked, (leaked, msg)


def test_a_questionnaire_with_reversed_items_at_the_top_passes(tmp_path, settings, course_ids):
    """The already-scored check's control: the same file with answers at the top code passes."""
    export = scored_questionnaire(True)
    path = tmp_path / "q.csv"
    path.write_bytes(export.data)
    assert len(read_typed(path, export, settings, course_ids)) == 240
