"""Cleaning rules, age groups and the ledger, on the tiny fixture dataset (see its README)."""

from __future__ import annotations

import pandas as pd
import pytest

from puljeeval.data import cleaning, ingest
from puljeeval.data.extracts import ExtractError
from puljeeval.evaluation import kapitel_3 as tables
from puljeeval.scoring import instruments
from tests.conftest import tiny_settings


@pytest.fixture
def cleaned(tiny, tiny_interim):
    return cleaning.clean(tiny_interim, tiny)


def fate(cleaned, course_id):
    led = cleaned["ledger"]
    row = led[(led["extract"] == "registrations") & (led["course_id"] == course_id)]
    assert len(row) == 1
    return row["reason"].iloc[0] or "kept"


@pytest.mark.parametrize(("course", "expected"), [
    ("F001", "kept"), ("F002", "kept"), ("F003", "kept"), ("F008", "kept"), ("F009", "kept"),
    ("F010", "kept"),
    ("F004", "duplicate"),
    ("F005", "test_person"),
    ("F006", "test_person"),          # also 117 years old: the first rule wins
    ("F007", "misregistration_end_before_start"),
    ("F011", "misregistration_age"),
    ("F012", "misregistration_start_after_extraction"),
])
def test_each_course_gets_its_documented_fate(cleaned, course, expected):
    assert fate(cleaned, course) == expected


def test_duplicate_rule_keeps_the_lowest_course_id(tiny_dir):
    settings = tiny_settings(tiny_dir)
    interim = ingest.ingest(settings, ingest.pseudonym_key(settings))
    reg = interim["registrations"]
    # swap the order in the file: the rule looks at ids, not at row order
    interim["registrations"] = reg.iloc[::-1].reset_index(drop=True)
    out = cleaning.clean(interim, settings)
    assert "F003" in set(out["courses"]["course_id"]) and "F004" not in set(out["courses"]["course_id"])


def test_ages_and_groups_from_cpr_or_birth_date(cleaned):
    c = cleaned["courses"].set_index("course_id")
    assert c.loc["F001", ["age", "age_group", "age_source"]].tolist() == [7, "3-10", "cpr"]
    assert c.loc["F002", ["age", "age_group", "age_source"]].tolist() == [15, "11-16", "birth_date"]
    assert c.loc["F003", ["age", "age_group"]].tolist() == [16, "11-16"]
    assert c.loc["F008", ["age", "age_group"]].tolist() == [22, "17-24"]
    assert c.loc["F009", ["age", "age_group"]].tolist() == [25, "17-24"]   # 25 counted with 17-24
    assert pd.isna(c.loc["F010", "age"]) and pd.isna(c.loc["F010", "age_group"])


def test_age_group_boundaries_follow_config():
    groups = [{"label": "0-2", "min": 0, "max": 2}, {"label": "3-10", "min": 3, "max": 10}]
    got = cleaning.age_groups(pd.Series([0, 2, 3, 10, 11], dtype="Int64"), groups)
    assert got.astype(object).where(got.notna(), None).tolist() == ["0-2", "0-2", "3-10", "3-10", None]


def test_unfunded_branch_is_analysed_but_not_counted_in_production(cleaned, tiny):
    c = cleaned["courses"].set_index("course_id")
    assert not c.loc["F008", "counted_in_production"] and c.loc["F010", "counted_in_production"]
    prod = tables.production(cleaned["courses"], tiny).set_index("offer")
    # TUBA keeps F002 (ongoing) and F010 (planned); the config subtracts its volunteer estimate
    subtract = next(a for a in tiny.config["production"]["subtract"] if a["offer"] == "TUBA")["courses"]
    assert prod.loc["TUBA", "started"] == 2 - subtract


def test_every_raw_row_appears_once_in_the_ledger(tiny, cleaned):
    led = cleaned["ledger"]
    for name, spec in tiny.config["extracts"].items():
        encoding = "utf-8-sig" if spec["encoding"] == "utf-8" else spec["encoding"]
        raw = pd.read_csv(spec["path"], sep=None, engine="python", encoding=encoding)
        rows = led[led["extract"] == name]["row"]
        assert sorted(rows) == list(range(1, len(raw) + 1)), name


def test_rows_of_dropped_courses_follow_their_course(cleaned):
    led = cleaned["ledger"]
    f004 = led[(led["course_id"] == "F004") & (led["extract"] != "registrations")]
    assert set(f004["extract"]) == {"background", "questionnaires", "fidelity"}
    assert set(f004["reason"]) == {"course_dropped:duplicate"}
    assert "F004" not in set(cleaned["responses"]["course_id"])
    assert "F004" not in set(cleaned["fidelity"]["course_id"])


def test_questionnaire_treatments_are_counted(cleaned):
    led = cleaned["ledger"]
    q = led[(led["extract"] == "questionnaires") & (led["course_id"] == "F001")]
    # who5 end: 'ved ikke' (not allowed for WHO-5: a missing item), out-of-range 9 (mapped), blank
    assert sorted(t for t in q["treatment"] if t) == ["blank_item", "dont_know_as_missing", "out_of_range_to_missing"]
    r = cleaned["responses"]
    end = r[(r["course_id"] == "F001") & (r["instrument"] == "who5") & (r["timepoint"] == "slut")]
    assert end["status"].value_counts()[["answered", "missing"]].tolist() == [2, 3]


def test_dont_know_stays_its_own_answer_where_the_instrument_allows_it(tiny, tiny_interim):
    q = tiny_interim["questionnaires"].copy()
    q.loc[q["item"] == "benefit", "response"] = "VI"
    responses, treatment = cleaning.clean_responses(q, tiny, "spoergeskemaer.csv")
    assert responses.loc[q["item"] == "benefit", "status"].tolist() == ["dont_know"]
    assert treatment[q["item"] == "benefit"].tolist() == ["dont_know"]


def test_unmapped_out_of_range_code_is_an_error_naming_the_row(tiny, tiny_interim):
    q = tiny_interim["questionnaires"].copy()
    q.loc[q["item"] == "who5_4", "response"] = "7"
    with pytest.raises(ExtractError) as info:
        cleaning.clean_responses(q, tiny, "spoergeskemaer.csv")
    msg = str(info.value)
    assert "spoergeskemaer.csv, row 4 (line 5), column 'response': out of range for who5 (expected 0 to 5)" in msg
    assert "questionnaires.out_of_range_to_missing.who5" in msg


def test_who5_start_score_requires_every_item(cleaned, tiny):
    spec = tiny.instruments["instruments"]["who5"]
    start = cleaned["responses"][cleaned["responses"]["timepoint"] == "start"]
    scores = tables.who5_low(instruments.score(start, "who5", spec), tiny).set_index("course_id")
    assert scores.loc["F001", "who5_score"] == 52            # (3+3+2+4+1) x 4
    assert not scores.loc["F001", "who5_low"]                # 52 is above 50


def test_no_identifier_survives_ingestion(tiny_interim):
    reg = tiny_interim["registrations"]
    assert "cpr" not in reg and "person_id" not in reg
    assert reg["person_key"].str.match(r"^(cpr|local):[0-9a-f]{20}$").all()
    text = pd.concat([f.astype(str) for f in tiny_interim.values()], axis=1).to_csv()
    for raw in ("010110-4321", "0101104321", "T000001", "TEST-1"):
        assert raw not in text
