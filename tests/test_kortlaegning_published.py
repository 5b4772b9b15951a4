"""The 2016 mapping's published numbers: the offer-level transcription of Tabel 9-3 and 9-4, the
YAML of every other printed number, and the checks that find where the report contradicts itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from puljeeval.kortlaegning import consistency, published, transcribe
from puljeeval.kortlaegning.consistency import counts_for, share_follows
from puljeeval.kortlaegning.published import PublishedError
from puljeeval.kortlaegning.transcribe import AGE_COLUMNS, TYPE_COLUMNS, TranscriptionError

needs_seed = pytest.mark.skipif(not transcribe.SEED.exists(), reason=f"seed {transcribe.SEED} not present")
DOC = published.REPO / "docs" / "kortlaegning_inconsistencies.md"


@pytest.fixture(scope="module")
def pub() -> published.Published:
    return published.load()


@pytest.fixture(scope="module")
def offers():
    return published.read_offer_tables()


@pytest.fixture(scope="module")
def found(pub, offers):
    return consistency.checks(pub, *offers)


# ---------------------------------------------------------------- Tabel 9-3 and 9-4

@needs_seed
def test_csvs_reparse_identically_from_the_seed():
    t93, t94 = transcribe.transcribe(transcribe.SEED)
    for name, t in (("tabel_9_3.csv", t93), ("tabel_9_4.csv", t94)):
        assert (published.DATA / name).read_text(encoding="utf-8") == transcribe.to_csv_text(t.rows), name
    # the one judgement call is applied and says so
    assert len(t93.judgements) == 1 and "Holstebro" in t93.judgements[0]


def test_row_counts_and_cells(offers):
    """55 offers in Tabel 9-3 (section 3.1: 'I alt er der identificeret 55 tilbud'), 53 in Tabel 9-4
    (the brief and the table); ages are ticks (0/1), intervention types counts (>= 0)."""
    t93, t94 = offers
    assert len(t93) == 55 and len(t94) == 53
    assert set(t93[AGE_COLUMNS].stack().unique()) == {0, 1}
    assert (t93[AGE_COLUMNS].sum(axis=1) >= 1).all()          # every offer serves some age group
    assert (t94[TYPE_COLUMNS] >= 0).all().all() and (t94[TYPE_COLUMNS].sum(axis=1) >= 1).all()
    assert t94[TYPE_COLUMNS].max().max() > 1                  # counts, not ticks (Slagelse: 3 børnegrupper)
    assert list(t93["footnote"]) == ["14"] + [""] * 54        # ACA Danmark14
    assert t93["offer_name"].is_unique and t94["offer_name"].is_unique


def test_column_totals_equal_the_printed_totals(pub, offers):
    """Tabel 9-3's columns add up to Tabel 3-3's counts (25, 45, 49, 35; also its 'I alt' line 2195),
    Tabel 9-4's to Tabel 5-1 [indsatstyper] (38, 38, 28, 10, 7, 6; 127 in all)."""
    t93, t94 = offers
    printed_ages = [pub.cell("tabel_3_3", "Andel", c)["count"] for c in pub.tables["tabel_3_3"]["columns"]]
    assert [int(t93[c].sum()) for c in AGE_COLUMNS] == printed_ages
    rows = pub.tables["tabel_5_1_indsatstyper"]["rows"]
    printed_types = [pub.cell("tabel_5_1_indsatstyper", r, "Indsatser")["count"] for r in rows]
    assert [int(t94[c].sum()) for c in TYPE_COLUMNS] + [int(t94[TYPE_COLUMNS].sum().sum())] == printed_types


def test_parser_reads_the_flattened_layout_and_names_a_bad_line():
    """A hand-made Tabel 9-3: 'Alateen     x   ' is 13-17 only; a hyphenated name over two lines is
    joined ('Kommu-' + 'ne'); a footnote marker glued to the name is split off when the footnote is
    printed in the table; an unreadable cell string stops the parse naming its line (line 6)."""
    lines = ["Tabel 9-3: test", "  0-5 år 6-12 år 13-17 år 18-25 år ", "Alateen     x   ",
             "ACA Danmark14       x ", "Behandlingscenter Kbh - Københavns Kommu-", "ne x x x x ",
             "                                         ", "14 ACA Danmark er selvhjælpsgrupper.",
             "   0-5 år 6-12 år 13-17 år 18-25 år ", "I alt:  1 1 2 2 "]
    t = transcribe.parse_tabel_9_3(lines)
    assert t.rows[["offer_name", "footnote", *AGE_COLUMNS]].values.tolist() == [
        ["Alateen", "", 0, 0, 1, 0], ["ACA Danmark", "14", 0, 0, 0, 1],
        ["Behandlingscenter Kbh - Københavns Kommune", "", 1, 1, 1, 1]]
    assert t.rows["source_line"].tolist() == [3, 4, 5] and t.printed_totals == [1, 1, 2, 2]
    bad = lines[:5] + ["ne x  x x x "] + lines[6:]
    with pytest.raises(TranscriptionError, match=r"line 6: Tabel 9-3 row 'Behandlingscenter"):
        transcribe.parse_tabel_9_3(bad)


def test_offer_csv_errors_name_file_row_and_column(tmp_path, offers):
    t93, t94 = offers
    broken = t93.copy()
    broken.loc[2, "age_6_12"] = 2
    broken.to_csv(tmp_path / "tabel_9_3.csv", index=False)
    t94.to_csv(tmp_path / "tabel_9_4.csv", index=False)
    with pytest.raises(PublishedError, match=r"tabel_9_3.csv, row 4, column age_6_12: expected 0 or 1, found '2'"):
        published.read_offer_tables(tmp_path)


# ---------------------------------------------------------------- published.yaml

@needs_seed
def test_every_transcribed_number_is_printed_on_its_line(pub):
    """Each row's numbers, in column order, are the numbers at the end of the seed line that
    row_lines gives ('14 pct. (4)' and '3 30 pct.' both as printed). Where a table prints its counts
    in the column headings, the row line carries the shares and each count is printed as '(k)' or
    'k' in the table's lines; a figure's legend carries its numbers in order."""
    seed = transcribe.read_seed()
    token = re.compile(r"(\d+) pct?\.|\((\d+)\)|(\d+)")
    tail = re.compile(r"(?:\s*(?:\d+ pct?\.|\(\d+\)|\d+))+\s*$")
    for tid, t in pub.tables.items():
        first, last = t["source"]["lines"]
        block = "\n".join(seed[first - 1:last])
        for row, line in zip(t["rows"], t["row_lines"], strict=True):
            m = tail.search(seed[line - 1])
            printed = [int(next(g for g in tok if g)) for tok in token.findall(m.group(0))] if m else []
            cells = [t["cells"].get(row, {}).get(c) or {} for c in t["columns"]]
            expected = [v for cell in cells for v in cell.values()]
            if tid.startswith("figur_"):     # legends are prose: the numbers appear in order on the line
                everywhere = [int(next(g for g in tok if g)) for tok in token.findall(seed[line - 1])]
                it = iter(everywhere)
                assert all(v in it for v in expected), f"{tid}: line {line} prints {everywhere}, transcribed {expected}"
            elif printed != expected:
                shares = [cell["pct"] for cell in cells if "pct" in cell]
                assert printed == shares, f"{tid}, {row!r}: line {line} prints {printed}, transcribed {expected}"
                for cell in cells:
                    if "count" in cell:
                        assert re.search(rf"(?<![\d-]){cell['count']}(?!\d)", block), f"{tid}, {row!r}: {cell}"


def test_tidy_frames(pub):
    cells, statements = pub.cells, pub.statement_frame
    assert list(cells.columns) == published.CELL_COLUMNS and len(cells) > 650
    assert set(cells["measure"]) == {"count", "pct"} and (cells["decimals"] == 0).all()
    assert {"tabel_5_1_familieinddragelse", "tabel_5_1_indsatstyper"} <= set(cells["table"])
    one = cells.query("table == 'tabel_3_3' and column == '13-17 år'").set_index("measure")
    assert one.loc["count", "value"] == 49 and one.loc["pct", "value"] == 90 and one.loc["pct", "source_line"] == 559
    assert statements["id"].is_unique and len(statements) >= 100


def _tiny_yaml(path: Path, cells: str) -> Path:
    path.write_text(f"""tables:
  tabel_1_1:
    title: "test"
    source: {{lines: [1, 5]}}
    base: "20 tilbud"
    n: 20
    rows: ["A", "B", "C", "D"]
    row_lines: [2, 3, 4, 5]
    columns: ["Andel"]
    cells:
{cells}
    multi_choice: true
    notes: ""
""", encoding="utf-8")
    return path


def test_hand_worked_consistency_case(tmp_path):
    """N = 20, so a share is a multiple of 5 pct. at the printed precision (k/20 = 5k pct.):
    A 45 pct. = 9/20, holds; B 33 pct.: 6/20 = 30 and 7/20 = 35, no count gives it: flagged;
    C 5 of 20 printed as 25 pct. = 5/20, holds; D 3 of 20 printed as 20 pct.: 3/20 = 15: flagged."""
    path = _tiny_yaml(tmp_path / "p.yaml", """      "A": {"Andel": {pct: 45}}
      "B": {"Andel": {pct: 33}}
      "C": {"Andel": {count: 5, pct: 25}}
      "D": {"Andel": {count: 3, pct: 20}}""")
    result = consistency.checks(published.load(path)).set_index("row")
    assert result.loc["A", "holds"] and result.loc["C", "holds"]
    assert result.loc["B", "kind"] == "impossible_share" and not result.loc["B", "holds"]
    assert result.loc["D", "kind"] == "share_vs_count" and not result.loc["D", "holds"]
    assert "3/20 = 15.00" in result.loc["D", "detail"]


def test_malformed_entry_names_file_and_key(tmp_path):
    path = _tiny_yaml(tmp_path / "p.yaml", """      "A": {"Andel": {pct: -4}}""")
    with pytest.raises(PublishedError, match=r"p\.yaml: tables\.tabel_1_1\.cells\.'A'\.'Andel'\.pct: expected a non"):
        published.load(path)
    path = _tiny_yaml(tmp_path / "q.yaml", """      "E": {"Andel": {pct: 4}}""")
    with pytest.raises(PublishedError, match=r"q\.yaml: tables\.tabel_1_1\.cells\.'E': row is not in rows"):
        published.load(path)


def test_share_precision_rule():
    """Either rounding of an exact half is accepted: 10/16 = 62.5 is 62 or 63 pct.; 49/55 = 89.09
    is neither 90 nor 91; 41/55 = 74.55 is 75, not 74."""
    assert counts_for(63, 16) == [10] and counts_for(62, 16) == [10]
    assert counts_for(90, 55) == [] and counts_for(74, 55) == [] and counts_for(75, 55) == [41]
    assert share_follows(49, 55, 89) and not share_follows(49, 55, 90)


# ---------------------------------------------------------------- the report's inconsistencies

def test_49_of_55_printed_as_90_pct_is_flagged(found):
    """Tabel 3-3 prints 13-17 år as '(49)' and 90 pct.; 49/55 = 89.09, and no count of 55 gives 90
    (50/55 = 90.91)."""
    row = found.set_index("check").loc["tabel_3_3|Andel|13-17 år|pct"]
    assert row["kind"] == "share_vs_count" and not row["holds"] and row["lines"] == "559"
    assert "49/55 = 89.09" in row["detail"]


def test_known_contradictions_are_found_and_consistent_tables_pass(found):
    bad = set(found.loc[~found["holds"], "check"])
    assert {"tabel_3_1|Total|Tilbud, som indgår satspuljen|pct",   # 26 pct. of 55: 14/55 = 25.45
            "tabel_5_1_indsatstyper|Undervisning og kurser|Indsatser|pct",   # 6/127 = 4.72 printed 6
            "tabel_9_2|Ved ikke|Total|pct",                         # parts give 13 of 55, total 47 pct.
            "offers_with_staff", "medium_offers", "pool_offers", "coverage_estimate",
            "tabel_9_10_andet==tabel_9_9_andet"} <= bad
    # Tabel 3-2 and 9-1 agree with each other and add up; Tabel 3-3's counts equal Tabel 9-3's sums
    assert not any(c.startswith(("tabel_3_2|", "tabel_9_1|", "anchoring_")) for c in bad)
    assert {"age_0_5", "age_6_12", "age_13_17", "age_18_25", "interventions"}.isdisjoint(bad)


def test_the_document_lists_every_inconsistency(found):
    text = DOC.read_text(encoding="utf-8")
    missing = [c for c in found.loc[~found["holds"], "check"] if f"`{c}`" not in text]
    assert not missing, f"{DOC.name} lacks {missing}: regenerate its list with consistency.markdown"
