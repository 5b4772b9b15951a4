"""Bilag 1 (Tabel 7-1): the transcription in config/bilag_1.yaml against the seed text, its
validation, the element matrix's resolution of the intention extract and its agreement with
Bilag 4's intention shares (core_elements.intention_per_course)."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from puljeeval.evaluation import bilag_1
from puljeeval.evaluation.core_elements import intention_column, intention_per_course
from puljeeval.settings import ROOT, read_yaml

SPEC_PATH = ROOT / "config" / "bilag_1.yaml"
SEED = Path(__file__).resolve().parents[2] / "shared/seeds/002_c1b2bf92beca7f17.txt"
TABLE_LINES = (1884, 1972)   # Tabel 7-1 in the seed
OFFERS = read_yaml(ROOT / "config" / "offers.yaml")["offers"]
CODES = [o["code"] for o in OFFERS]
PRINTED = ["Aalborg Kommune", "BRUS", "Barnets Blå Hus", "CTU – Center for Trivsel og Udvikling", "ProjektGIV",
           "Dit RUM", "BALLAST", "DeDrikkerDerhjemme", "Familieværkstedet", "Rusbehandling, København",
           "Novavi Ung Revers", "De små skuldre", "TUBA", "Just Be you/Care4you"]


@pytest.fixture(scope="module")
def spec() -> dict:
    return bilag_1.load(SPEC_PATH, CODES)


@pytest.fixture(scope="module")
def seed_lines() -> list[str]:
    if not SEED.exists():
        pytest.skip(f"seed text {SEED} not present")
    return SEED.read_text(encoding="utf-8").splitlines()


def squeeze(text: str) -> str:
    """The PDF extraction dropped the hyphen of a word broken at a line end ('in\\ndividuelle'),
    so with all whitespace removed the seed and the de-hyphenated transcription compare equal."""
    return re.sub(r"\s+", "", text)


def lines_text(lines: list[str], first: int, last: int) -> str:
    return squeeze("".join(lines[first - 1:last]))


# --- the transcription ---------------------------------------------------------------------------

def test_fourteen_rows_in_printed_order(spec):
    assert [e["name"] for e in spec["offers"]] == PRINTED
    firsts = [e["source_lines"][0] for e in spec["offers"]]
    assert firsts == sorted(firsts)
    assert all(TABLE_LINES[0] <= e["source_lines"][0] <= e["source_lines"][1] <= TABLE_LINES[1]
               for e in spec["offers"])


def test_ages_are_ranges_the_text_prints(spec):
    for e in spec["offers"]:
        assert e["age_min"] <= e["age_max"], e["name"]
        numbers = [int(x) for x in re.findall(r"\d+", e["age_text"])]
        if "op til" in e["age_text"]:
            assert e["age_min"] == 0 and numbers == [e["age_max"]], e["name"]
        else:
            assert numbers == [e["age_min"], e["age_max"]], e["name"]
    by_name = {e["name"]: (e["age_min"], e["age_max"]) for e in spec["offers"]}
    assert by_name["TUBA"] == (14, 24) and by_name["ProjektGIV"] == (8, 24)
    assert by_name["Rusbehandling, København"] == (0, 24) and by_name["Barnets Blå Hus"] == (0, 13)


def test_every_offer_code_covered_once_apart_from_copenhagen(spec):
    covering: dict[str, list[str]] = {}
    for e in spec["offers"]:
        for code in e["codes"]:
            covering.setdefault(code, []).append(e["name"])
    assert set(covering) == set(CODES)
    shared = {c: rows for c, rows in covering.items() if len(rows) > 1}
    assert shared == {"KK": ["DeDrikkerDerhjemme", "Familieværkstedet", "Rusbehandling, København"]}
    bbh = next(e for e in spec["offers"] if e["name"] == "Barnets Blå Hus")
    assert sorted(bbh["codes"]) == sorted(c for c in CODES if c.startswith("BBH_"))
    assert next(e for e in spec["offers"] if e["name"] == "Just Be you/Care4you")["codes"] == ["TONDER"]
    # 14 printed rows, 16 codes: 16 - 5 + 1 (Barnets Blå Hus) - 1 + 3 (Københavns Kommune)
    assert spec["differences"]["printed_rows"] == 14 == len(CODES) - 5 + 1 - 1 + 3


def test_names_and_printed_phrases_occur_in_the_seed(spec, seed_lines):
    table = lines_text(seed_lines, *TABLE_LINES)
    assert seed_lines[TABLE_LINES[0] - 1].startswith("Tabel 7-1")
    for e in spec["offers"]:
        assert squeeze(e["name"]) in table, e["name"]
        row = lines_text(seed_lines, *e["source_lines"])
        assert squeeze(e["name"]) in row, e["name"]
        for key in ("age_text", "anchoring", "sector_basis"):
            assert squeeze(e[key]) in row, (e["name"], key)
        for form in e["forms"]:
            assert squeeze(form) in row, (e["name"], form)


def test_count_lines_in_the_differences_block(spec, seed_lines):
    diff = spec["differences"]
    for line in diff["text_lines"]:
        assert f"{diff['text_count']} tilbud" in seed_lines[line - 1], line
    text = "\n".join(seed_lines)
    assert len(re.findall(r"\b15 tilbud", text)) == len(diff["text_lines"])
    first, last = diff["codes_to_several_rows"][0]["lines"]
    copenhagen = lines_text(seed_lines, first, last)
    assert all(squeeze(name) in copenhagen for name in diff["codes_to_several_rows"][0]["rows"])
    assert seed_lines[2091 - 1].startswith("Københavns Kommune")   # one row in Tabel 8-1
    first, last = diff["rows_to_several_codes"][0]["lines"]
    assert all("Barnets Blå Hus" in seed_lines[n - 1] for n in range(first, last + 1, 3))


def test_offers_table(spec):
    table = bilag_1.offers_table(spec, OFFERS)
    assert list(table["order"]) == list(range(1, 15))
    assert table["n_codes"].sum() == len(CODES) - 1 + 3     # KK counted on three rows
    bbh = table.set_index("name").loc["Barnets Blå Hus"]
    assert bbh["codes"] == "BBH_AALBORG, BBH_FREDERIKSHAVN, BBH_SVENDBORG, BBH_VESTHIMMERLAND, BBH_BORNHOLM"
    assert bbh["age_range"] == "0-13 år" and bbh["n_codes"] == 5
    assert table.set_index("name").loc["BALLAST", "forms"].split("; ")[0] == "(aldersopdelte) gruppeforløb"


# --- validation ----------------------------------------------------------------------------------

def broken(change) -> dict:
    spec = copy.deepcopy(read_yaml(SPEC_PATH))
    change(spec)
    return spec


@pytest.mark.parametrize(("change", "pattern"), [
    (lambda s: s["offers"][1]["codes"].append("NOPE"),
     r"offers\[1\] \('BRUS'\): key 'codes': unknown offer code 'NOPE'"),
    (lambda s: s["offers"][3].update(age_min=30), r"offers\[3\] \('CTU – Center.*'\): key 'age_min': age_min 30 > "),
    (lambda s: s["offers"][0].update(age_max=40), r"offers\[0\] \('Aalborg Kommune'\): key 'age_max'"),
    (lambda s: s["offers"][6]["codes"].append("CTU"),
     r"offers\[6\] \('BALLAST'\): key 'codes': offer code 'CTU' is covered twice, also by offers\[3\]"),
    (lambda s: s["offers"][12].pop("age_text"), r"offers\[12\] \('TUBA'\): key 'age_text': missing"),
    (lambda s: s["offers"][13].update(sector="offentlig"), r"offers\[13\] \('Just Be you/Care4you'\): key 'sector'"),
    # a Copenhagen row moved to another code: the declared sharing no longer holds
    (lambda s: s["offers"][7].update(codes=["TUBA"]),
     r"codes_to_several_rows': 'KK' declared for rows \['DeDrikkerDerhjemme', .*\] but covered by \['Famil"),
])
def test_validation_names_file_entry_and_key(change, pattern):
    with pytest.raises(ValueError, match=pattern) as err:
        bilag_1.validate(broken(change), set(CODES), SPEC_PATH)
    assert str(SPEC_PATH) in str(err.value)


def test_validation_catches_an_uncovered_code_and_undeclared_sharing():
    spec = broken(lambda s: s["offers"].pop(6))   # BALLAST
    spec["differences"]["printed_rows"] = 13
    with pytest.raises(ValueError, match=r"'BALLAST' is covered by no entry"):
        bilag_1.validate(spec, set(CODES), "x.yaml")
    spec = broken(lambda s: s["differences"].update(codes_to_several_rows=[]))
    with pytest.raises(ValueError, match=r"x.yaml: offers\[9\] \('Rusbehandling, København'\): key 'codes': "
                       r"offer code 'KK' is covered twice, also by offers\[7\] \('DeDrikkerDerhjemme'\), offers\[8\]"):
        bilag_1.validate(spec, set(CODES), "x.yaml")


# --- the element matrix --------------------------------------------------------------------------

ELEMENTS = ["a", "b", "c"]


def hand_intention() -> pd.DataFrame:
    """X: blank-type default a=1 b=0 c=1, overridden for gruppe on b (1) and c (0), and a 'begge'
    row for a (0). Y: only a blank-type default a=0 b=1 c=0, chosen as strings."""
    rows = [("X", np.nan, "a", 1), ("X", "", "b", 0), ("X", None, "c", 1),
            ("X", "gruppe", "b", 1), ("X", "gruppe", "c", 0), ("X", "begge", "a", 0),
            ("Y", np.nan, "a", "0"), ("Y", np.nan, "b", "1"), ("Y", np.nan, "c", "0")]
    return pd.DataFrame(rows, columns=["offer", "intervention_type", "element", "chosen"])


def test_element_matrix_resolves_type_row_else_default():
    m = bilag_1.element_matrix(hand_intention(), ["X", "Y"], ELEMENTS, types=bilag_1.COURSE_TYPES)
    got = m.set_index(["offer", "intervention_type", "element"])["chosen"]
    expected = {("X", "individuel"): [1, 0, 1], ("X", "gruppe"): [1, 1, 0], ("X", "begge"): [0, 0, 1],
                ("X", ""): [1, 0, 1], ("Y", "individuel"): [0, 1, 0], ("Y", "gruppe"): [0, 1, 0],
                ("Y", "begge"): [0, 1, 0], ("Y", ""): [0, 1, 0]}
    for (offer, itype), values in expected.items():
        assert [got[(offer, itype, el)] for el in ELEMENTS] == values, (offer, itype)
    src = m.set_index(["offer", "intervention_type", "element"])["source"]
    assert src[("X", "gruppe", "b")] == "type" and src[("X", "gruppe", "a")] == "default"
    assert m["chosen"].dtype == "int64"

    wide = bilag_1.element_matrix_wide(m, ["Y", "X"], ELEMENTS)
    assert list(wide.index) == ["Y", "X"]
    assert wide.loc["X"].tolist() == ["Ja", "Kun gruppe", "Kun individuel"]   # the 'begge' row does not count
    assert wide.loc["Y"].tolist() == ["Nej", "Ja", "Nej"]


def test_element_matrix_missing_cell_names_offer_and_element():
    intention = hand_intention()
    intention = intention[~((intention["offer"] == "Y") & (intention["element"] == "c"))]
    with pytest.raises(ValueError, match=r"offer 'Y' has no choice for element 'c'"):
        bilag_1.element_matrix(intention, ["X", "Y"], ELEMENTS)
    # without a blank row only the requested types need rows
    only_types = pd.DataFrame([("Z", t, el, 1) for t in bilag_1.TYPES for el in ELEMENTS],
                              columns=["offer", "intervention_type", "element", "chosen"])
    assert len(bilag_1.element_matrix(only_types, ["Z"], ELEMENTS)) == 6
    with pytest.raises(ValueError, match=r"offer 'Z' has no choice for element 'a' \(intervention type 'begge'\)"):
        bilag_1.element_matrix(only_types, ["Z"], ELEMENTS, types=bilag_1.COURSE_TYPES)


def test_matrix_by_printed_offer_aggregates_codes():
    spec = {"offers": [{"name": "One", "codes": ["P"]}, {"name": "Two", "codes": ["P", "Q", "R"]},
                       {"name": "Three", "codes": ["Q", "R"]}]}
    wide = pd.DataFrame({"a": ["Ja", "Ja", "Ja"], "b": ["Kun gruppe", "Nej", "Ja"], "c": ["Nej", "Nej", "Nej"],
                         "d": ["Kun individuel", "Kun individuel", "Kun individuel"]}, index=["P", "Q", "R"])
    out = bilag_1.matrix_by_printed_offer(spec, wide)
    assert out.loc["One"].tolist() == ["Ja", "Kun gruppe", "Nej", "Kun individuel"]
    assert out.loc["Two"].tolist() == ["Ja", "Delvist (2 af 3)", "Nej", "Kun individuel"]
    assert out.loc["Three", "b"] == "Delvist (1 af 2)"


# --- agreement with Bilag 4's intention shares ---------------------------------------------------

def test_shares_from_matrix_equal_intention_per_course_shares():
    types = ["individuel", "gruppe", "begge", np.nan, "gruppe", "individuel", "individuel", np.nan, "begge", "gruppe"]
    offers = ["X", "X", "X", "X", "X", "Y", "Y", "Y", "Y", "Y"]
    courses = pd.DataFrame({"course_id": [f"c{i}" for i in range(10)], "offer": offers, "intervention_type": types})
    per_course = intention_per_course(courses, hand_intention(), ELEMENTS)
    by_hand = {el: 100 * per_course[intention_column(el)].mean() for el in ELEMENTS}
    # worked out: X courses ind, grp, begge, blank, grp -> a 1,1,0,1,1; b 0,1,0,0,1; c 1,0,1,1,0; Y: a 0, b 1, c 0
    assert by_hand == pytest.approx({"a": 40.0, "b": 70.0, "c": 30.0})

    matrix = bilag_1.element_matrix(hand_intention(), ["X", "Y"], ELEMENTS, types=bilag_1.COURSE_TYPES)
    shares = bilag_1.shares_from_matrix(matrix, bilag_1.course_counts(courses))
    assert shares["element"].tolist() == ELEMENTS
    assert shares["share_pct"].tolist() == pytest.approx([by_hand[el] for el in ELEMENTS])
    assert shares["n"].unique().tolist() == [10]
    assert shares["with_intention"].tolist() == [int(per_course[intention_column(el)].sum()) for el in ELEMENTS]

    # a matrix lacking the sample's types is refused rather than silently wrong
    with pytest.raises(ValueError, match=r"no cells for offer 'X', intervention type '\(blank\)'"):
        bilag_1.shares_from_matrix(bilag_1.element_matrix(hand_intention(), ["X", "Y"], ELEMENTS),
                                   bilag_1.course_counts(courses))
