"""The mapping's tables counted from the survey extracts (puljeeval/kortlaegning/survey_tables.py)
and the reproduction of every printed number (reproduction.compare_survey).

Expected values are worked by hand from the tiny fixture (tests/fixtures/kortlaegning_tiny/, its
README describes each offer): T1 public, 2 full-time + 1 part-time (3 staff: medium), T2 private
in the pool, 8 full-time + 4 volunteers (12: large), T3 public without a staff answer, T4 private
answering "ved ikke" to staff.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest

from puljeeval.kortlaegning import consistency, published, reproduction
from puljeeval.kortlaegning import survey_tables as st
from puljeeval.kortlaegning.contract import validate_mapping_extracts

TINY = Path(__file__).parent / "fixtures" / "kortlaegning_tiny"


@pytest.fixture(scope="module")
def pub() -> published.Published:
    return published.load()


@pytest.fixture(scope="module")
def extracts() -> dict[str, pd.DataFrame]:
    return validate_mapping_extracts(TINY)


@pytest.fixture(scope="module")
def cells(extracts, pub) -> pd.DataFrame:
    return st.compute(extracts, pub)


def cell(cells: pd.DataFrame, table: str, row: str, column: str) -> pd.Series:
    hit = cells[(cells["table"] == table) & (cells["row"] == row) & (cells["column"] == column)]
    assert len(hit) == 1, (table, row, column)
    return hit.iloc[0]


def test_every_printed_table_and_label_is_computed(cells, pub):
    for tid, t in pub.tables.items():
        if not t["cells"]:
            continue
        mine = cells[cells["table"] == tid]
        assert set(mine["row"]) == set(t["rows"]), tid
        assert set(mine["column"]) == set(t["columns"]), tid
        assert len(mine) == len(t["rows"]) * len(t["columns"]), tid


def test_shares_of_all_offers_in_a_cross_table(cells):
    # Tabel 3-1 prints shares of all offers: T4 is the one private offer outside the pool, of 4
    c = cell(cells, "tabel_3_1", "Privat", "Tilbud, som ikke indgår satspuljen")
    assert (c["count"], c["n"], c["pct"]) == (1, 4, 25.0)
    total = cell(cells, "tabel_3_1", "Total", "Total")
    assert (total["count"], total["pct"], total["is_total"]) == (4, 100.0, True)


def test_size_groups_from_the_staff_counts(cells):
    # only T1 (3: medium) and T2 (12: large) stated staff; T3 blank and T4 "ved ikke" are outside
    medium = cell(cells, "tabel_4_1", "Andel", "Mellemstort tilbud: 3-9 medarbejdere")
    assert (medium["count"], medium["n"], medium["pct"]) == (1, 2, 50.0)
    assert cell(cells, "tabel_4_1", "Andel", "Lille tilbud: 1-2 medarbejdere")["count"] == 0
    # Tabel 9-2 puts the offers without a size group in "Øvrige": T3 and T4
    assert cell(cells, "tabel_9_2", "Ved ikke", "Øvrige")["group_size"] == 2


def test_summed_staff_are_shares_of_the_column_sum(cells):
    # Tabel 4-3, large offers: T2's 8 full-time and 4 volunteers of 12 staff
    full = cell(cells, "tabel_4_3", "Andel fultidsansatte medarbejdere, der arbejder fagligt med børn/unge",
                "Stort tilbud: +10 medarbejdere")
    assert (full["count"], full["denominator"], full["n"]) == (8, 12.0, 1)
    assert full["pct"] == pytest.approx(200 / 3)
    assert full["unit"] == "medarbejder" and full["sensitive"] == "magnitude"
    # the largest two contributions (one offer here: T2's 8) for the dominance rule
    assert full["top"] == 8.0
    medium = cell(cells, "tabel_4_3", "Andel fultidsansatte medarbejdere, der arbejder fagligt med børn/unge",
                  "Mellemstort tilbud: 3-9 medarbejdere")
    assert medium["top"] == 2.0 and pd.isna(cell(cells, "tabel_3_1", "Total", "Total")["top"])


def test_experience_shares_of_ticks_and_dont_know_as_a_count(cells):
    # Tabel 4-6: T1 ticks 3-5 and more than 10 years (2 ticks, 50 % each); T2 "ved ikke" is a count
    # outside the base, so the large group has no offer in its N
    c = cell(cells, "tabel_4_6", "3-5 år", "Mellemstort tilbud: 3-9 medarbejdere")
    assert (c["count"], c["denominator"], c["n"], c["pct"]) == (1, 2.0, 1, 50.0)
    dont_know = cell(cells, "tabel_4_6", "Ved ikke (antal tilbud)", "Stort tilbud: +10 medarbejdere")
    assert (dont_know["count"], dont_know["n"], bool(dont_know["excluded"])) == (1, 0, True)
    assert pd.isna(dont_know["pct"])


def test_merged_screening_outcomes(cells):
    # Tabel 9-14 prints "not in the target group" and "declined" as one column: K4 and K5 of 6
    c = cell(cells, "tabel_9_14", "Andel", "Ikke i målgruppen/faldet fra")
    assert (c["count"], c["n"]) == (2, 6)


def test_methods_base_is_the_answered_interventions(cells):
    # I4 (social activity) left the methods question blank: outside N, counted as missing
    c = cell(cells, "tabel_9_9", "Mentalisering", "Andel")
    assert (c["n"], c["group_size"]) == (0, 1)
    # I5 (counselling) ticked "Andet": 1 of 1
    assert cell(cells, "tabel_9_8", "Andet/øvrige, beskriv", "Andel")["pct"] == 100.0
    # the recoded "Andet" table of family talks: I2 recoded as systemic
    c = cell(cells, "tabel_9_6_andet", "Systemisk tilgang", "Andel")
    assert (c["count"], c["n"]) == (1, 1)


def test_actor_questions_split_by_the_offers_sector(cells):
    # the two private offers both answered "ved ikke" to the top-three referrers
    c = cell(cells, "tabel_9_11", "Ved ikke", "Privat")
    assert (c["count"], c["n"], c["pct"]) == (2, 2, 100.0)


def test_an_unresolvable_label_names_the_table_and_label(extracts, pub):
    spec = copy.deepcopy(st.load_spec())
    spec["tables"]["tabel_3_4"]["columns"] = {"variable": "sector"}
    with pytest.raises(st.SurveyTableError, match=r"tables\.tabel_3_4\.columns: printed label 'Børn/unge fra"):
        st.compute(extracts, pub, spec)


def test_an_unspecified_printed_table_is_refused(extracts, pub):
    spec = copy.deepcopy(st.load_spec())
    del spec["tables"]["tabel_7_1"]
    with pytest.raises(st.SurveyTableError, match=r"\['tabel_7_1'\] are not specified"):
        st.compute(extracts, pub, spec)


def test_a_new_breakdown_needs_a_title_and_takes_its_labels_from_the_contract(extracts, pub):
    spec = copy.deepcopy(st.load_spec())
    spec["tables"]["ny_forankring_pulje"] = {"unit": "tilbud", "rows": {"variable": "anchoring"},
                                             "columns": {"variable": "in_pool", "map": {"Pulje": ["1"]}},
                                             "measure": "rows"}
    with pytest.raises(st.SurveyTableError, match="ny_forankring_pulje: not a printed table"):
        st.compute(extracts, pub, spec)
    spec["tables"]["ny_forankring_pulje"]["title"] = "Forankring blandt puljens tilbud"
    out = st.compute(extracts, pub, spec)
    mine = out[out["table"] == "ny_forankring_pulje"]
    assert not mine["printed"].any()
    c = cell(out, "ny_forankring_pulje", "Del af en større landsdækkende organisering (fx TUBA). Angiv venligst "
             "hvilken", "Pulje")
    assert (c["count"], c["n"]) == (1, 1)  # T2, the one pool offer


def test_unknown_keys_in_the_specification_are_named(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text("tables:\n  tabel_3_1: {unit: tilbud, rowz: {all: x}}\n", encoding="utf-8")
    with pytest.raises(st.SurveyTableError, match=r"spec\.yaml: tables\.tabel_3_1: unknown keys \['rowz'\]"):
        st.load_spec(path)


@pytest.fixture(scope="module")
def failed(pub) -> pd.DataFrame:
    checks = consistency.checks(pub)
    return checks.loc[~checks["holds"]]


def test_every_printed_number_has_a_row(cells, pub, failed):
    table = reproduction.compare_survey(pub, cells, failed)
    assert (table["kind"] == "cell").sum() == len(pub.cells.dropna(subset=["value"]))
    assert (table["kind"] == "statement").sum() == len(pub.statement_frame)
    assert (table["kind"] == "n").sum() > 0


def cells_of(table: pd.DataFrame) -> pd.DataFrame:
    return table[table["kind"] == "cell"].set_index(["table", "column", "measure"])


def test_verdicts_follow_the_printed_precision_and_the_report_inconsistencies(cells, pub, failed):
    """Tabel 9-14 prints 41 of 140 (29 pct.) in the target group; Tabel 3-3 prints 49 of 55 as 90
    pct., which no count of 55 gives."""
    fake = cells.copy()
    at = (fake["table"] == "tabel_9_14") & (fake["column"] == "I målgruppen")
    fake.loc[at, ["count", "n", "denominator", "pct"]] = [41, 140, 140.0, 100 * 41 / 140]
    at = (fake["table"] == "tabel_3_3") & (fake["column"] == "13-17 år")
    fake.loc[at, ["count", "n", "denominator", "pct"]] = [49, 55, 55.0, 100 * 49 / 55]
    table = cells_of(reproduction.compare_survey(pub, fake, failed))
    assert table.loc[("tabel_9_14", "I målgruppen", "pct"), "verdict"] == "reproduced"
    assert table.loc[("tabel_9_14", "I målgruppen", "count"), "verdict"] == "reproduced"
    assert table.loc[("tabel_3_3", "13-17 år", "count"), "verdict"] == "reproduced"
    assert table.loc[("tabel_3_3", "13-17 år", "pct"), "verdict"] == "inconsistent in the report"
    # one count too few is a failure of ours, not of the report
    fake.loc[at, ["count", "pct"]] = [48, 100 * 48 / 55]
    table = cells_of(reproduction.compare_survey(pub, fake, failed))
    assert table.loc[("tabel_3_3", "13-17 år", "count"), "verdict"] == "not reproduced"


def test_a_printed_cell_without_a_computed_one_is_an_error(cells, pub, failed):
    short = cells[~((cells["table"] == "tabel_9_14") & (cells["column"] == "Total"))]
    with pytest.raises(KeyError, match="tabel_9_14 / Andel / Total"):
        reproduction.compare_survey(pub, short, failed)


def test_a_contradicted_n_excuses_only_what_it_explains(cells, pub, failed):
    """Tabel 4-2 prints 42 + 7 = 49 offers with staff where Tabel 4-1 prints 50 (a failed cross
    check). With 50 computed, 43 without volunteers and 7 with: the 42 is off by exactly the N's
    one offer (excused), 86 and 14 pct. are 43 and 7 of 50 (reproduced). With 44 and 6 the counts
    are off by 3, more than the N explains, and 12 pct. is a share 50 can give: not reproduced."""
    def with_counts(none: int, has: int) -> pd.DataFrame:
        fake = cells.copy()
        t42 = fake["table"] == "tabel_4_2"
        for row, k in (("Ingen frivillige medarbejdere", none), ("Har frivillige medarbejdere", has),
                       ("Total", none + has)):
            at = t42 & (fake["row"] == row)
            fake.loc[at, ["count", "n", "denominator", "pct"]] = [k, 50, 50.0, 100 * k / 50]
        return fake[fake["table"] == "tabel_4_2"].pipe(lambda f: pd.concat([cells[cells["table"] != "tabel_4_2"], f]))

    def verdict(table: pd.DataFrame, row: str, measure: str) -> str:
        hit = table[(table["kind"] == "cell") & (table["table"] == "tabel_4_2") & (table["row"] == row)
                    & (table["measure"] == measure)]
        return hit["verdict"].item()

    table = reproduction.compare_survey(pub, with_counts(43, 7), failed)
    assert verdict(table, "Ingen frivillige medarbejdere", "count") == "inconsistent in the report"
    assert verdict(table, "Har frivillige medarbejdere", "count") == "reproduced"
    assert verdict(table, "Ingen frivillige medarbejdere", "pct") == "reproduced"
    table = reproduction.compare_survey(pub, with_counts(44, 6), failed)
    assert verdict(table, "Har frivillige medarbejdere", "count") == "not reproduced"
    assert verdict(table, "Har frivillige medarbejdere", "pct") == "not reproduced"
