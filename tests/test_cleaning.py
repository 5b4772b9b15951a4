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


# --------------------------------------------------------------------------- persons and ids
# Hand-made rows appended to a private copy of the tiny fixture (the shared fixture is unchanged).

BG_COLUMNS = 19   # columns of baggrund.csv


def add_rows(directory, registrations=(), background=()):
    """Append registration lines (course_id;cpr;person_id;offer;branch;source_system;start;end;status;type)
    and background lines (course_id, cpr; the other answers blank) to the copy's files."""
    with open(directory / "registreringer.csv", "a", encoding="cp1252", newline="") as f:
        for line in registrations:
            f.write(line + "\r\n")
    with open(directory / "baggrund.csv", "a", encoding="utf-8", newline="") as f:
        for course, cpr in background:
            f.write(";".join([course, "", "", "", cpr] + [""] * (BG_COLUMNS - 5)) + "\r\n")


def ingested(directory):
    settings = tiny_settings(directory)
    return settings, ingest.ingest(settings, ingest.pseudonym_key(settings))


def keys(interim):
    return interim["registrations"].set_index("course_id")["person_key"]


@pytest.mark.parametrize(("ids", "expected"), [
    (["1023", "987"], ["987", "1023"]),
    (["F10", "F9", "F009"], ["F009", "F9", "F10"]),
    (["A-2", "A-10", "A-1b", "B"], ["A-1b", "A-2", "A-10", "B"]),
    (["7", "007", "x"], ["007", "7", "x"]),
])
def test_course_ids_are_ordered_numbers_as_numbers(ids, expected):
    assert sorted(ids, key=cleaning.id_sort_key) == expected
    ranks = cleaning.id_order(pd.Series(ids, dtype="string"))
    assert [ids[i] for i in ranks.sort_values().index] == expected


def test_lowest_numeric_course_id_is_kept_as_a_number(tiny_dir):
    add_rows(tiny_dir, registrations=["1023;020304-4321;;GIV;;SIV/B98;01-02-2018;;;",
                                      "987;020304-4321;;GIV;;SIV/B98;01-02-2018;;;"])
    settings, interim = ingested(tiny_dir)
    out = cleaning.clean(interim, settings)
    assert fate(out, "987") == "kept" and fate(out, "1023") == "duplicate"


def test_test_cpr_only_in_the_background_makes_a_test_person(tiny_dir):
    # X1: a person id, the test CPR 0101014000 (born 2001) only in the background: not a
    # 17-year-old. X2: the same person id on another course without background: same person.
    add_rows(tiny_dir, registrations=["X1;;P-77;GIV;;SIV/B98;01-02-2018;;;",
                                      "X2;;P-77;NOVAVI;;SIV/B98;01-03-2018;;;"],
             background=[("X1", "0101014000")])
    settings, interim = ingested(tiny_dir)
    out = cleaning.clean(interim, settings)
    assert fate(out, "X1") == "test_person" and fate(out, "X2") == "test_person"
    assert fate(out, "F001") == "kept"


def test_one_child_by_cpr_and_by_person_id_with_the_cpr_in_the_background_is_one_person(tiny_dir):
    # F001's child (CPR 010110-4321, BALLAST, 01-03-2017) registered again as a person id with
    # the CPR in the background: the same person, offer and start date, so a duplicate.
    add_rows(tiny_dir, registrations=["F001b;;B-555;BALLAST;;SIV/B98;01-03-2017;01-09-2017;planlagt;individuel"],
             background=[("F001b", "0101104321")])
    settings, interim = ingested(tiny_dir)
    k = keys(interim)
    assert k["F001b"] == k["F001"] and k["F001"].startswith("cpr:")
    out = cleaning.clean(interim, settings)
    assert fate(out, "F001b") == "duplicate" and fate(out, "F001") == "kept"
    # its age comes from the CPR in the background
    assert interim["registrations"].set_index("course_id").loc["F001b", "cpr_birth_date"] == pd.Timestamp("2010-01-01")


def test_a_course_with_cpr_and_person_id_is_identified_by_the_cpr_and_links_the_id(tiny_dir):
    # Y1 has both; Y2 only the CPR; Y3 only the person id (no background): one person, by CPR.
    # The same person id in the other source system is another id, not linked.
    add_rows(tiny_dir, registrations=["Y1;020304-4321;T-9;TUBA;Odense;TUBA;01-02-2018;;;",
                                      "Y2;020304-4321;;GIV;;SIV/B98;01-05-2018;;;",
                                      "Y3;;T-9;TUBA;Odense;TUBA;01-08-2018;;;",
                                      "Y4;;T-9;GIV;;SIV/B98;01-08-2018;;;"])
    settings, interim = ingested(tiny_dir)
    k = keys(interim)
    assert k["Y1"] == k["Y2"] == k["Y3"] and k["Y1"].startswith("cpr:")
    assert k["Y4"].startswith("local:") and k["Y4"] != k["Y1"]
    reg = interim["registrations"].set_index("course_id")
    assert reg.loc["Y3", "cpr_birth_date"] == pd.Timestamp("2004-03-02")   # age from the linked CPR
    out = cleaning.clean(interim, settings)
    assert {fate(out, c) for c in ("Y1", "Y2", "Y3", "Y4")} == {"kept"}


def test_a_person_id_linked_to_two_cprs_is_an_error_naming_rows_not_values(tiny_dir):
    add_rows(tiny_dir, registrations=["Z1;020304-4321;P-5;GIV;;SIV/B98;01-02-2018;;;",
                                      "Z2;;P-5;GIV;;SIV/B98;01-05-2018;;;"],
             background=[("Z2", "0303034321")])
    settings = tiny_settings(tiny_dir)
    with pytest.raises(ExtractError) as info:
        ingest.ingest_registrations(settings, ingest.pseudonym_key(settings))
    msg = str(info.value)
    assert "registreringer.csv, row 13 (line 14), column 'person_id'" in msg
    assert "row 14 (line 15)" in msg and "linked to 2 different CPR numbers" in msg
    assert "registrations rows 13, 14; background rows 6" in msg
    for raw in ("020304", "0203044321", "0303034321", "P-5"):
        assert raw not in msg


def test_registration_and_background_with_different_cprs_is_an_error(tiny_dir):
    add_rows(tiny_dir, registrations=["Z1;020304-4321;;GIV;;SIV/B98;01-02-2018;;;"],
             background=[("Z1", "0303034321")])
    settings = tiny_settings(tiny_dir)
    with pytest.raises(ExtractError) as info:
        ingest.ingest_registrations(settings, ingest.pseudonym_key(settings))
    msg = str(info.value)
    assert "row 13 (line 14), column 'cpr': differs from the CPR number in the course's background" in msg
    assert "background row 6" in msg and "0303034321" not in msg


def test_an_empty_questionnaire_extract_allowed_by_config_is_cleaned(tiny_dir):
    """`extracts.questionnaires.may_be_empty`: a header-only delivery passes ingestion and
    cleaning (an empty frame keeps string dtypes, which once broke the 'ved ikke' logic)."""
    path = tiny_dir / "spoergeskemaer.csv"
    path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    settings = tiny_settings(tiny_dir)
    settings.config["extracts"]["questionnaires"]["may_be_empty"] = True
    out = cleaning.clean(ingest.ingest(settings, ingest.pseudonym_key(settings)), settings)
    assert out["responses"].empty
    assert (out["ledger"]["extract"] == "questionnaires").sum() == 0
