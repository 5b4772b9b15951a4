"""Every kind of bad input stops ingestion with file, row, column and reason; every accepted
dialect reads the same values."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from puljeeval.data import contract, ingest
from puljeeval.data.extracts import ExtractError, read_extract
from puljeeval.twin.generate import write_xlsx
from tests.conftest import TINY, tiny_settings


def edit(path: Path, old: str, new: str, encoding: str) -> None:
    text = path.read_bytes().decode(encoding)
    assert old in text, f"fixture does not contain {old!r}"
    path.write_bytes(text.replace(old, new, 1).encode(encoding))


def ingest_error(directory: Path) -> str:
    settings = tiny_settings(directory)
    with pytest.raises(ExtractError) as info:
        ingest.ingest(settings, ingest.pseudonym_key(settings))
    return str(info.value)


def test_the_tiny_dataset_passes(tiny_interim):
    assert len(tiny_interim["registrations"]) == 12
    assert tiny_interim["fidelity"]["rating"].tolist() == [2.5, 4.0, 0.5, 1.0]


REG, BG, Q, FID = ("registreringer.csv", "cp1252"), ("baggrund.csv", "utf-8-sig"), \
    ("spoergeskemaer.csv", "utf-8"), ("fidelitet.csv", "utf-8-sig")

# (file, text in the fixture, replacement, what the message must say)
BROKEN = {
    "missing_required_column": (REG, "source_system", "system",
                                "column 'source_system': required column is missing"),
    "unexpected_column": (REG, "source_system", "system", "column 'system': unexpected column"),
    "wrong_type": (FID, "barnet_i_centrum;4", "barnet_i_centrum;fire",
                   "fidelitet.csv, row 2 (line 3), column 'rating': not a number (decimal comma expected)"),
    "number_out_of_range": (FID, "barnet_i_centrum;4", "barnet_i_centrum;4,5",
                            "row 2 (line 3), column 'rating': out of range; expected 0 to 4"),
    "unknown_code": (REG, "uplanlagt;begge\r\nF004", "afbrudt;begge\r\nF004",
                     "registreringer.csv, row 3 (line 4), column 'end_status': unknown code"),
    "unknown_code_from_config": (REG, ";BALLAST;", ";BALLAST2;", "row 1 (line 2), column 'offer': unknown code"),
    "duplicate_key": (REG, "F004;", "F003;", "row 4 (line 5), column 'course_id': duplicate key ['course_id']"),
    "impossible_date": (REG, "15-06-2018", "31-06-2018",
                        "row 2 (line 3), column 'start_date': impossible date (no such day in the calendar)"
                        " (value '31-06-2018')"),
    "unknown_date_format": (REG, "15-06-2018", "15/06/2018", "column 'start_date': not a date as YYYY-MM-DD"),
    "broken_cpr_date": (REG, "010110-4321", "013210-4321",
                        "row 1 (line 2), column 'cpr': broken CPR: the first six digits"),
    "broken_cpr_length": (REG, "010110-4321", "010110-432", "column 'cpr': broken CPR: expected 10 digits"),
    "ragged_row": (Q, "F001,benefit,slut,2017-09-01,benefit,4", "F001,benefit,slut,2017-09-01,benefit,4,extra",
                   "spoergeskemaer.csv, row 15 (line 16): has 7 fields, the header has 6"),
    "unknown_course": (FID, "F003;2017-06-01", "F999;2017-06-01",
                       "fidelitet.csv, row 3 (line 4), column 'course_id': no such course_id in the registrations"),
    "item_of_another_instrument": (Q, "F003,yp_core,start,2017-02-01,ypc_01", "F003,yp_core,start,2017-02-01,who5_1",
                                   "row 11 (line 12), column 'item': item must belong to the instrument"),
    "response_not_a_code": (Q, "who5_4,4", "who5_4,fire",
                            "column 'response': not an integer, the 'ved ikke' code 'VI' or blank"),
    "end_date_without_status": (REG, "01-09-2017;planlagt", "01-09-2017;",
                                "row 1 (line 2), column 'end_status': end_date and end_status must both be"),
    "no_person": (REG, ";T000002;", ";;", "row 10 (line 11), column 'cpr': cpr or person_id is required"),
    "branch_of_another_offer": (REG, ";BALLAST;;", ";BALLAST;Stevns;",
                                "row 1 (line 2), column 'branch': branch must be one of the offer's departments"),
    "partly_answered_question": (BG, "alkohol;far;1;0;1;0;0;0", "alkohol;far;1;0;1;;0;0",
                                 "baggrund.csv, row 1 (line 2), column 'problem_conflict': partly answered"),
    "birth_date_against_cpr": (BG, "F001;01-03-2017;dreng;;", "F001;01-03-2017;dreng;02-01-2010;0101104321",
                               "baggrund.csv, row 1 (line 2), column 'birth_date': birth date disagrees with the CPR"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_bad_input_is_named(tiny_dir, case):
    (fname, encoding), old, new, expected = BROKEN[case]
    edit(tiny_dir / fname, old, new, encoding)
    msg = ingest_error(tiny_dir)
    assert fname in msg and expected in msg


def test_broken_cpr_is_not_printed(tiny_dir):
    edit(tiny_dir / "registreringer.csv", "010110-4321", "013210-4321", "cp1252")
    assert "013210" not in ingest_error(tiny_dir)


def test_utf8_file_declared_windows_1252(tiny_dir):
    path = tiny_dir / "registreringer.csv"
    path.write_bytes(path.read_bytes().decode("cp1252").encode("utf-8"))
    msg = ingest_error(tiny_dir)
    assert "registreringer.csv: declared Windows-1252 (encoding: cp1252) but the file is UTF-8" in msg


def test_windows_1252_file_declared_utf8(tiny_dir):
    settings = tiny_settings(tiny_dir)
    settings.config["extracts"]["registrations"]["encoding"] = "utf-8"
    with pytest.raises(ExtractError) as info:
        ingest.ingest(settings, ingest.pseudonym_key(settings))
    msg = str(info.value)
    assert "registreringer.csv, row 2 (line 3): byte 0xF8 at line 3 is not valid utf-8" in msg
    assert "set its encoding to cp1252" in msg


def test_every_problem_is_listed_not_just_the_first(tiny_dir):
    edit(tiny_dir / "registreringer.csv", "15-06-2018", "31-06-2018", "cp1252")
    edit(tiny_dir / "registreringer.csv", ";BALLAST;", ";BALLAST2;", "cp1252")
    msg = ingest_error(tiny_dir)
    assert "row 1 (line 2), column 'offer'" in msg and "row 2 (line 3), column 'start_date'" in msg


def test_dialects_read_the_same_values(tmp_path):
    """Comma/UTF-8, semicolon/UTF-8-BOM with decimal comma, Windows-1252 and XLSX agree."""
    semicolon, _ = read_extract(TINY / "fidelitet.csv", "utf-8")
    comma = tmp_path / "comma.csv"
    comma.write_text("course_id,date,element,rating\nF001,01-04-2017,ressourcer,2.5\n"
                     "F001,01-04-2017,barnet_i_centrum,4\nF003,2017-06-01,tillid_tryghed,0.5\n"
                     "F004,2017-06-01,tillid_tryghed,1\n", encoding="utf-8")
    xlsx = tmp_path / "fid.xlsx"
    as_numbers = semicolon.drop(columns="row").assign(
        rating=lambda d: d["rating"].str.replace(",", ".").astype(float))
    write_xlsx(as_numbers, xlsx)
    settings = tiny_settings(TINY)
    typed = []
    for path in (TINY / "fidelitet.csv", comma, xlsx):
        frame, dialect = read_extract(path, "utf-8")
        typed.append(contract.validate(frame, "fidelity", str(path), settings, dialect))
    for other in typed[1:]:
        pd.testing.assert_frame_equal(typed[0], other)
    reg, dialect = read_extract(TINY / "registreringer.csv", "cp1252")
    assert dialect.separator == ";" and "København" in set(reg["branch"])


@pytest.mark.parametrize("name", contract.EXTRACTS)
def test_contract_schemas_are_json_schema_and_agree_on_a_row(name, tiny):
    """Each contract file is a valid JSON Schema; a fixture row passes it as JSON."""
    schema = contract.schema(name, tiny)
    jsonschema.Draft202012Validator.check_schema(schema)
    path, enc = tiny.config["extracts"][name]["path"], tiny.config["extracts"][name]["encoding"]
    frame, _ = read_extract(path, enc)
    row = {k: v for k, v in frame.drop(columns="row").iloc[0].items() if v != ""}
    jsonschema.validate(row, schema)
    bad = dict(row, unexpected_column="x")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)
