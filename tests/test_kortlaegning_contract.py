"""The mapping's data contract (issue 15, item 1): the tiny hand-made survey dataset passes; broken
copies fail with file, row, column and what was expected; the report's Tabel 9-3 and 9-4 read
through the same machinery; every printed table is covered by some extract; the contract page
is generated from the schemas."""

from __future__ import annotations

import fnmatch
import shutil
from itertools import product
from pathlib import Path

import pandas as pd
import pytest

from puljeeval.kortlaegning import contract
from puljeeval.kortlaegning.published import load as load_published
from puljeeval.twin.files import write_xlsx

TINY = Path(__file__).parent / "fixtures" / "kortlaegning_tiny"


@pytest.fixture
def tiny_copy(tmp_path: Path) -> Path:
    dest = tmp_path / "kortlaegning_tiny"
    shutil.copytree(TINY, dest)
    return dest


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_bytes().decode("utf-8")
    assert text.count(old) == 1, f"{path.name} must contain {old!r} exactly once"
    path.write_bytes(text.replace(old, new).encode("utf-8"))


def problems(directory: Path, check=contract.validate_mapping_extracts) -> list[str]:
    with pytest.raises(contract.MappingContractProblems) as info:
        check(directory)
    return [v.describe(Path(err.path).name) for err in info.value.errors for v in err.violations]


def test_tiny_dataset_passes():
    """All 98 municipalities, 6 candidates, 4 offers with 6 actor rows each, 6 interventions, 5
    branches, 10 coverage rows (README). Typed by the contract: T1 and T2 state 2 + 1 + 0 and
    8 + 0 + 4 staff, T3 did not answer, T4 answered 'ved ikke', so 15 staff in all; I6's '2,5'
    sessions (semicolon file, decimal comma) is 2.5; I4 did not answer the methods question."""
    frames = contract.validate_mapping_extracts(TINY)
    assert {name: len(frame) for name, frame in frames.items()} == {
        "breddesurvey": 98, "nettoliste": 6, "tilbud": 4, "tilbud_aktoerer": 24, "indsatser": 6, "filialer": 5,
        "daekning": 10}
    offers = frames["tilbud"].set_index("offer_id")
    staff = offers[["staff_fulltime", "staff_parttime", "staff_volunteer"]]
    assert staff.sum().sum() == 15
    assert staff.loc[["T3", "T4"]].isna().all().all()
    assert offers["staff_answer"].isna()["T3"] and offers.loc["T4", "staff_answer"] == "ved_ikke"
    interventions = frames["indsatser"].set_index("intervention_id")
    assert interventions.loc["I6", "sessions"] == 2.5
    assert interventions.loc["I4", ["met_narrativ", "met_ved_ikke"]].isna().all()
    assert frames["breddesurvey"]["municipality"].tolist()[:2] == ["101", "147"]


# (file, text in the fixture, replacement, what the message must say). Rows are data rows: line = row + 1.
BROKEN = {
    "unknown_municipality": ("filialer.csv", "B4,T3,461,", "B4,T3,999,",
                             "filialer.csv, row 4 (line 5), column 'municipality': unknown code; expected one of the "
                             "98 codes in kortlaegning/kommuner.csv (value '999')"),
    "duplicate_key": ("filialer.csv", "B5,T4,", "B4,T4,",
                      "filialer.csv, row 5 (line 6), column 'branch_id': duplicate key ['branch_id']: row 4 has the "
                      "same values"),
    "ved_ikke_as_blank": ("tilbud.csv", ";ved_ikke;angivet;8;", ";;angivet;8;",
                          "tilbud.csv, row 2 (line 3), column 'substance': required value is blank"),
    "ved_ikke_as_blank_in_a_multi_choice": ("tilbud_aktoerer.csv", "T4,henvisning,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,",
                                            "T4,henvisning,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,,",
                                            "tilbud_aktoerer.csv, row 19 (line 20), column 'skoler': partly answered"),
    "intervention_of_unknown_offer": ("indsatser.csv", "I6;T4;", "I6;T9;",
                                      "indsatser.csv, row 6 (line 7), column 'offer_id': no such offer_id in the "
                                      "tilbud extract (value 'T9')"),
    "top_three_with_four": ("tilbud_aktoerer.csv", "T1,top3_henvisning,1,1,0,0,1,", "T1,top3_henvisning,1,1,1,0,1,",
                            "tilbud_aktoerer.csv, row 4 (line 5), column 'sundhedsplejersker': a tick beyond the first "
                            "3: at most 3 options may be ticked"),
    "ved_ikke_with_others": ("tilbud_aktoerer.csv", "T2,samarbejde_efter,0,", "T2,samarbejde_efter,1,",
                             "tilbud_aktoerer.csv, row 9 (line 10), column 'ved_ikke': 'ved ikke' is ticked alone"),
    "negative_staff": ("tilbud.csv", ";angivet;8;0;4;", ";angivet;8;0;-4;",
                       "tilbud.csv, row 2 (line 3), column 'staff_volunteer': out of range; expected 0 or more "
                       "(value '-4')"),
    "fractional_staff": ("tilbud.csv", ";angivet;8;0;4;", ";angivet;8;0;4,5;",
                         "tilbud.csv, row 2 (line 3), column 'staff_volunteer': not a whole number (value '4,5')"),
    "staff_without_answer": ("tilbud.csv", ";alkohol;;;;;", ";alkohol;;3;;;",
                             "tilbud.csv, row 3 (line 4), column 'staff_fulltime': filled in, but asked only when "
                             "staff_answer is angivet"),
    "staff_answer_without_counts": ("tilbud.csv", ";stof;ved_ikke;", ";stof;angivet;",
                                    "tilbud.csv, row 4 (line 5), column 'staff_fulltime': blank, but required when "
                                    "staff_answer is angivet"),
    "pool_offer_with_candidate": ("tilbud.csv", "T2;Landsforeningen Blå Dør;;", "T2;Landsforeningen Blå Dør;K4;",
                                  "tilbud.csv, row 2 (line 3), column 'candidate_id': filled in, but asked only when "
                                  "in_pool is 0"),
    "forms_without_family": ("tilbud.csv", ";nej;;;;;;nej;", ";nej;1;0;0;0;0;nej;",
                             "tilbud.csv, row 2 (line 3), column 'fam_foraeldre_indgaar': filled in, but asked only "
                             "when family_involved is ja"),
    "andet_not_recoded": ("indsatser.csv", "Systemisk familieterapi;1;", "Systemisk familieterapi;;",
                          "indsatser.csv, row 2 (line 3), column 'andet_systemisk': blank, but required when "
                          "met_andet is 1"),
    "municipality_without_row": ("breddesurvey.csv", "860,gennemfoert,0\n", "",
                                 "breddesurvey.csv, column 'municipality': no row for municipality 860 (Hjørring)"),
    "candidate_not_in_target_group": ("nettoliste.csv", "K3,Foreningen Ærøskøbing,hope,i_maalgruppen",
                                      "K3,Foreningen Ærøskøbing,hope,afslog",
                                      "tilbud.csv, row 4 (line 5), column 'candidate_id': the candidate's screening in "
                                      "nettoliste is 'afslog'"),
    "target_group_candidate_without_offer": ("nettoliste.csv", "ansoegerfelt,ikke_i_maalgruppen",
                                             "ansoegerfelt,i_maalgruppen",
                                             "nettoliste.csv, row 4 (line 5), column 'screening': screened "
                                             "i_maalgruppen, but no offer in tilbud has this candidate_id"),
    "actor_question_missing": ("tilbud_aktoerer.csv", "T3,top3_samarbejde_efter,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,\n", "",
                               "tilbud_aktoerer.csv, column 'question': offer T3 has no row for top3_samarbejde_efter"),
    "coverage_from_non_respondent": ("daekning.csv", "T3,461,breddesurvey", "T3,151,breddesurvey",
                                     "daekning.csv, row 9 (line 10), column 'municipality': source breddesurvey, but "
                                     "the municipality did not answer the breadth survey"),
    "coverage_by_branch_without_branch": ("daekning.csv", "T4,492,filial", "T4,101,filial",
                                          "daekning.csv, row 10 (line 11), column 'source': source filial, but offer "
                                          "T4 has no branch in municipality 101"),
}


@pytest.mark.parametrize("case", BROKEN)
def test_bad_input_is_named(tiny_copy, case):
    fname, old, new, expected = BROKEN[case]
    edit(tiny_copy / fname, old, new)
    found = problems(tiny_copy)
    assert any(expected in p for p in found), "\n".join(found)


def test_duplicate_actor_row_is_also_a_duplicate_key(tiny_copy):
    """Renaming T3's top-three follow-up row to samarbejde_efter gives T3 two samarbejde_efter
    rows (rows 15 and 18) besides the missing question: both are reported."""
    edit(tiny_copy / "tilbud_aktoerer.csv", "T3,top3_samarbejde_efter,", "T3,samarbejde_efter,")
    found = problems(tiny_copy)
    assert any("row 18 (line 19), column 'offer_id': duplicate key ['offer_id', 'question']: row 15" in p
               for p in found), "\n".join(found)


def test_a_branch_without_coverage_is_named_in_both_files(tiny_copy):
    """T4's only coverage row is its branch's (492 Ærø, filial); moving it to 101 leaves branch
    B5 (row 5 of filialer) uncovered and the coverage row without a branch."""
    edit(tiny_copy / "daekning.csv", "T4,492,filial", "T4,101,filial")
    found = problems(tiny_copy)
    assert any(p.startswith("filialer.csv, row 5 (line 6), column 'municipality': no row in daekning for offer T4")
               for p in found), "\n".join(found)


def test_every_file_is_checked_before_stopping(tiny_copy):
    """Three files broken at once: three files in the report, the orphan found although its
    parent extract (tilbud) breaks the contract too."""
    for fname, old, new, _ in (BROKEN["unknown_municipality"], BROKEN["negative_staff"],
                               BROKEN["intervention_of_unknown_offer"]):
        edit(tiny_copy / fname, old, new)
    with pytest.raises(contract.MappingContractProblems) as info:
        contract.validate_mapping_extracts(tiny_copy)
    assert [Path(e.path).name for e in info.value.errors] == ["tilbud.csv", "indsatser.csv", "filialer.csv"]
    assert "docs/kortlaegning_data_contract.md" in str(info.value)


def test_a_missing_file_is_named(tiny_copy):
    (tiny_copy / "daekning.csv").unlink()
    found = problems(tiny_copy)
    assert any(p.startswith("daekning.csv: file does not exist") for p in found), found


def test_an_extract_may_be_a_workbook(tiny_copy):
    """filialer as .xlsx instead of .csv reads the same five branches."""
    frame = pd.read_csv(tiny_copy / "filialer.csv", dtype=str, keep_default_na=False)
    (tiny_copy / "filialer.csv").unlink()
    write_xlsx(frame, tiny_copy / "filialer.xlsx")
    frames = contract.validate_mapping_extracts(tiny_copy)
    assert frames["filialer"]["municipality"].tolist() == ["101", "851", "147", "461", "492"]


def test_the_report_offer_tables_read_through_the_contract():
    """The transcribed Tabel 9-3 and 9-4 pass; their column sums are what Tabel 9-3 prints as
    'I alt: 25 45 49 35' (line 2195) and Tabel 9-4 as 'I alt: 38 38 28 10 7 6 127' (line 2460)."""
    frames = contract.validate_offer_tables()
    ages = frames["tabel_9_3"][["age_0_5", "age_6_12", "age_13_17", "age_18_25"]].sum()
    assert ages.tolist() == [25, 45, 49, 35]
    types = frames["tabel_9_4"].iloc[:, 4:10].sum()
    assert types.tolist() == [38, 38, 28, 10, 7, 6]
    assert len(frames["tabel_9_3"]) == 55 and len(frames["tabel_9_4"]) == 53


@pytest.mark.parametrize(("fname", "old", "new", "expected"), [
    ("tabel_9_3.csv", "1,ACA Danmark,14,0,0,0,1,2068", "1,ACA Danmark,14,2,0,0,1,2068",
     "tabel_9_3.csv, row 1 (line 2), column 'age_0_5': unknown code; expected one of ['0', '1'] (value '2')"),
    ("tabel_9_3.csv", "2,Alateen,,0,0,1,0,2070", "2,ACA Danmark,,0,0,1,0,2070",
     "tabel_9_3.csv, row 2 (line 3), column 'offer_name': duplicate value of ['offer_name'], which must be unique"),
    ("tabel_9_4.csv", "1,ACA Danmark,,1,0,0,0,0,0,2242", "1,ACA Danmark,,1,0,0,-1,0,0,2242",
     "tabel_9_4.csv, row 1 (line 2), column 'raadgivende_samtaler': out of range; expected 0 or more"),
    ("tabel_9_4.csv", "2,Alateen,,1,0,0,0,0,0,2244", "2,Alateen,,0,0,0,0,0,0,2244",
     "tabel_9_4.csv, row 2 (line 3), column 'boerne_unge_grupper': answered, but none of"),
])
def test_broken_offer_tables_are_named(tmp_path, fname, old, new, expected):
    for name in contract.OFFER_TABLES:
        shutil.copy(contract.OFFER_TABLE_DIR / f"{name}.csv", tmp_path)
    edit(tmp_path / fname, old, new)
    found = problems(tmp_path, contract.validate_offer_tables)
    assert any(expected in p for p in found), "\n".join(found)


def test_every_printed_table_is_computable_from_an_extract():
    """Every table and map of config/kortlaegning/published.yaml, and Tabel 9-3 and 9-4, is
    named by some survey extract's x-tables; every name there is a printed table, and every
    column it names exists in that extract (or, as `extract.column`, in the one named)."""
    printed = set(load_published().tables) | {"tabel_9_3", "tabel_9_4"}
    named: dict[str, set[str]] = {}
    for name in contract.EXTRACTS:
        for table, spec in contract.schema(name).get("x-tables", {}).items():
            named.setdefault(table, set()).add(name)
            for ref in spec.get("columns", []) + list(spec.get("where", {})):
                other, _, pattern = ref.rpartition(".")
                props = list(contract.schema(other or name)["properties"])
                assert fnmatch.filter(props, pattern), f"{name}: {table} names {ref!r}, no such column"
    assert printed - set(named) == set()
    assert set(named) - printed == set()


def test_municipality_codes():
    """98 unique DST codes from 101 (København) to 860 (Hjørring); Christiansø (411) is not one."""
    codes = contract.municipalities()
    assert len(codes) == 98 and codes["code"].is_unique
    assert (codes["code"].iloc[0], codes["name"].iloc[0]) == ("101", "København")
    assert (codes["code"].iloc[-1], codes["name"].iloc[-1]) == ("860", "Hjørring")
    assert "411" not in set(codes["code"])


def test_contract_page_is_current():
    assert contract.PAGE.read_text(encoding="utf-8") == contract.render(), \
        "run: python -m puljeeval.kortlaegning.contract"


def test_contract_page_lists_every_column():
    page = contract.render()
    for name in contract.EXTRACTS + contract.OFFER_TABLES:
        assert f"## `{name}`" in page
        for col in contract.schema(name)["properties"]:
            assert f"| `{col}` |" in page


def _half_up_pct(count: int, base: int) -> int:
    return (200 * count + base) // (2 * base)   # 100 * count / base rounded half up, in integers


def _tick_counts(pcts: list[int], most: int) -> list[tuple[int, ...]]:
    """Every set of band counts (one per printed share) whose shares of their own sum print as `pcts`."""
    out = []
    for total in range(1, most + 1):
        options = [[k for k in range(total + 1) if _half_up_pct(k, total) == p] for p in pcts]
        out += [c for c in product(*options) if sum(c) == total]
    return out


def test_tabel_4_6_prints_shares_of_ticks_not_of_offers():
    """The page's reading of Tabel 4-6: with n offers per size group (12, 15, 9 in the headings)
    each ticking at most the four bands, tick counts exist whose shares of the group's ticks print
    every cell of the three groups, and summed they print the total column too; shares of the n
    offers cannot print all four bands of any of the three groups."""
    table = load_published().tables["tabel_4_6"]
    bands = [r for r in table["rows"] if not r.startswith("Ved ikke")]
    groups = [c for c in table["columns"] if c != "Total"]
    pcts = {c: [table["cells"][r][c]["pct"] for r in bands] for c in table["columns"]}
    fits = {g: _tick_counts(pcts[g], len(bands) * table["n"][g]) for g in groups}
    assert all(fits.values())
    totals = [tuple(map(sum, zip(*combo, strict=True))) for combo in product(*fits.values())]
    assert any([_half_up_pct(k, sum(t)) for k in t] == pcts["Total"] for t in totals)
    for g in groups:
        n = table["n"][g]
        assert not all(any(_half_up_pct(k, n) == p for k in range(n + 1)) for p in pcts[g])
