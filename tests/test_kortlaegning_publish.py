"""The 2016 mapping's tables through the one publication path (issue 15, items 4-6): the survey
tables (one row per printed cell) in the printed layout (puljeeval/kortlaegning/publish_tables.py),
the disclosure policy for organisations (rules.organisations, config kortlaegning.disclosure,
docs/kortlaegning_disclosure.md), its registry entries, and free text never published.

The frames below are hand-made; every expected value is worked out beside it."""

from __future__ import annotations

import copy
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import base_config

from puljeeval.kortlaegning import publish_tables
from puljeeval.kortlaegning.published import load
from puljeeval.publish import display, rules
from puljeeval.publish import tables as publish
from puljeeval.publish.registry import MAPPING, Registry
from puljeeval.render import html_table, readback
from puljeeval.settings import ROOT, ConfigError, load_settings, read_yaml

RAW = read_yaml(ROOT / "config" / "tables.yaml")
POLICY = {"min_offers": 3, "min_staff": 5, "dominance": {"n": 2, "k": 0.9}}
MAPS = ("figur_3_1", "figur_5_1", "figur_9_1", "figur_9_2")


def cell(table: str, row: str, column: str, i: int, j: int, count: int, n: int, *, total: bool = False,
         printed: bool = True, sensitive: str = "none") -> dict:
    return {"table": table, "row": row, "column": column, "row_order": i, "column_order": j, "count": count,
            "n": n, "pct": 100 * count / n if n else None, "is_total": total, "printed": printed,
            "sensitive": sensitive}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry(RAW)


# --------------------------------------------------------------------------- the printed layout

def test_a_table_in_its_printed_layout_with_the_measures_the_report_prints():
    """A 2 x 2 table with a total column, rows in printed order however the cells come: the
    report prints counts only in the first row (as Tabel 4-6 prints 'Ved ikke' as a count) and
    shares in the second, with one N per column."""
    cells = pd.DataFrame([
        cell("t", "Nej", "A", 1, 0, 6, 10), cell("t", "Nej", "Total", 1, 1, 9, 25, total=True),
        cell("t", "Ja", "A", 0, 0, 4, 10), cell("t", "Ja", "Total", 0, 1, 16, 25, total=True)])
    printed = {"cells": {("Ja", "A"): {"count"}, ("Ja", "Total"): {"count"}, ("Nej", "A"): {"pct"},
                         ("Nej", "Total"): {"pct"}}, "n_per_column": True}
    wide = publish_tables.wide(publish_tables.check(cells), "t", printed)
    assert list(wide["row"]) == ["Ja", "Nej"]
    assert list(wide.columns) == ["row", "k0_count", "k0_pct", "k0_n", "k1_count", "k1_pct", "k1_n", "printed",
                                  "sensitive", "is_total"]
    assert wide.loc[0, "k0_count"] == 4 and pd.isna(wide.loc[0, "k0_pct"])
    assert pd.isna(wide.loc[1, "k0_count"]) and wide.loc[1, "k0_pct"] == pytest.approx(60.0)    # 6 of 10
    assert list(wide["k1_n"]) == [25, 25] and wide["printed"].all()


def test_one_n_column_when_the_report_prints_one_n_and_everything_for_a_new_breakdown():
    cells = pd.DataFrame([cell("t", "Ja", "A", 0, 0, 4, 10), cell("t", "Ja", "B", 0, 1, 5, 10)])
    one_n = {"cells": {("Ja", "A"): {"pct"}, ("Ja", "B"): {"pct"}}, "n_per_column": False}
    wide = publish_tables.wide(publish_tables.check(cells), "t", one_n)
    assert list(wide.columns) == ["row", "k0_pct", "k1_pct", "n", "printed", "sensitive", "is_total"]
    assert wide.loc[0, "n"] == 10
    new = publish_tables.wide(publish_tables.check(cells.assign(printed=False)), "t", None)
    assert {"k0_count", "k0_pct", "k0_n", "k1_count", "k1_pct", "k1_n"} <= set(new.columns)
    assert not new["printed"].any()


def test_bad_survey_tables_are_errors_naming_file_line_and_column():
    good = pd.DataFrame([cell("t", "Ja", "A", 0, 0, 4, 10)])
    with pytest.raises(publish_tables.SurveyTablesError, match=r"survey_tables.csv, line 2, column count"):
        publish_tables.check(good.assign(count=-1))
    with pytest.raises(publish_tables.SurveyTablesError, match=r"line 2, column sensitive"):
        publish_tables.check(good.assign(sensitive="secret"))
    with pytest.raises(publish_tables.SurveyTablesError, match=r"no columns \['printed'\]"):
        publish_tables.check(good.drop(columns="printed"))
    with pytest.raises(publish_tables.SurveyTablesError, match="no cells for the published tables"):
        publish_tables.interim_tables(publish_tables.check(good), {}, ["t", "u"])


# --------------------------------------------------------------------------- the disclosure policy

def organisations(wide: pd.DataFrame, total: str | None = None):
    return rules.apply("organisations", wide, 5, {"total": total, **POLICY})


def new_breakdown(counts: dict[str, list[int]], sensitive: str = "none") -> pd.DataFrame:
    """A breakdown the report did not print: rows Ja/Nej/Ved ikke (single choice, together the
    column's N), columns A and B and their Total."""
    rows = ["Ja", "Nej", "Ved ikke"]
    cells = []
    for j, column in enumerate(["A", "B", "Total"]):
        values = counts[column]
        n = sum(values)
        for i, row in enumerate(rows):
            cells.append(cell("t", row, column, i, j, values[i], n, total=column == "Total", printed=False,
                              sensitive=sensitive))
    return publish_tables.wide(publish_tables.check(pd.DataFrame(cells)), "t", None)


def test_a_printed_table_is_published_as_printed():
    """Rule 1: the report's own small cells (2 offers) stay shown."""
    wide = new_breakdown({"A": [2, 8, 1], "B": [10, 5, 6], "Total": [12, 13, 7]}).assign(printed=True)
    masked = organisations(wide, "k2")
    assert not masked.hidden().to_numpy().any()


def test_a_new_breakdown_hides_a_small_count_with_secondary_suppression():
    """Rule 2: A's 'Ja' is 2 offers (< 3): hidden primary, with its share. Its column and its row
    each need a second hidden count, or 'Ja' follows from A's N (11) or from the total (12)."""
    wide = new_breakdown({"A": [2, 8, 1], "B": [10, 5, 6], "Total": [12, 13, 7]})
    masked = organisations(wide, "k2")
    status = masked.status
    assert status.at[0, "k0_count"] == display.PRIMARY and status.at[0, "k0_pct"] == display.PRIMARY
    assert pd.isna(masked.values.at[0, "k0_count"])
    # 'Ved ikke' in A is 1 offer: primary too; then column A and rows Ja / Ved ikke need partners
    assert status.at[2, "k0_count"] == display.PRIMARY
    for row in (0, 2):
        hidden_in_row = [c for c in ("k0_count", "k1_count", "k2_count") if status.at[row, c]]
        assert len(hidden_in_row) >= 2, row
    hidden_in_a = [r for r in range(3) if status.at[r, "k0_count"]]
    assert len(hidden_in_a) >= 2
    assert masked.values["k0_n"].notna().all()              # A's N (11) is not small: shown


def test_staff_rows_are_hidden_for_a_group_of_fewer_offers_than_min_staff():
    """Rule 3: group A has 4 offers (so at least 4 staff, possibly fewer than 5): its staff rows
    are hidden; B (21 offers) is shown unless a relation needs a partner."""
    wide = new_breakdown({"A": [3, 1, 0], "B": [10, 5, 6], "Total": [13, 6, 6]}, sensitive="staff")
    masked = organisations(wide, "k2")
    assert masked.status.at[0, "k0_count"] == display.PRIMARY      # 3 offers, but a group of 4 offers
    assert masked.status.at[0, "k2_count"] or masked.status.at[0, "k1_count"]   # Ja: A follows from B and Total


def test_magnitudes_without_the_contributions_are_hidden():
    """Rule 4: a sum of staff is hidden unless the table shows it is not dominated by the two
    largest offers (no contributions here), and never for a group of two offers."""
    wide = new_breakdown({"A": [30, 40, 0], "B": [100, 50, 60], "Total": [130, 90, 60]}, sensitive="magnitude")
    masked = organisations(wide, "k2")
    assert masked.status.at[0, "k0_count"] == display.PRIMARY
    top = wide.assign(**{f"k{j}_top": [1, 1, 1] for j in range(3)})     # two largest: 1 staff of many
    masked = organisations(top, "k2")
    assert not masked.status.at[0, "k1_count"]
    # the survey tables' optional `top` reaches the interim table of a new breakdown
    cells = pd.DataFrame([cell("t", "Ja", "A", 0, 0, 30, 40, printed=False, sensitive="magnitude")]).assign(top=5)
    assert publish_tables.wide(publish_tables.check(cells), "t", None).loc[0, "k0_top"] == 5


def test_a_new_breakdown_needs_every_count_and_n():
    wide = new_breakdown({"A": [2, 8, 1], "B": [10, 5, 6], "Total": [12, 13, 7]}).drop(columns=["k1_count"])
    with pytest.raises(ValueError, match="k1_count"):
        organisations(wide, "k2")


def test_the_disclosure_keys_are_in_the_config_and_checked():
    config = base_config()
    assert config["kortlaegning"]["disclosure"] == POLICY
    for key, value in (("min_offers", 0), ("dominance", {"n": 3, "k": 0.9})):
        bad = copy.deepcopy(config)
        bad["kortlaegning"]["disclosure"][key] = value
        with pytest.raises(ConfigError, match="kortlaegning.disclosure"):
            load_settings(bad, ROOT)


def test_the_registry_takes_the_thresholds_and_markers_from_the_policy(registry):
    assert registry.policy_keys(MAPPING) == ["kortlaegning.disclosure"]
    assert registry.policy_keys("kapitel_3") == []
    min_count, fill = publish.thresholds(registry, MAPPING, {"kortlaegning": {"disclosure": POLICY}})
    assert min_count == 3 and fill["dominance_k_pct"] == "90"
    markers = registry.markers(min_count, MAPPING, fill)
    assert markers.symbol(display.PRIMARY) == "x" and "færre end 3 tilbud" in markers.legends[display.PRIMARY]
    assert registry.markers(5).symbol(display.PRIMARY) == "<5"          # the evaluation's unchanged


# --------------------------------------------------------------------------- the registry entries

def test_every_printed_table_has_its_registry_entry_with_the_report_s_title(registry):
    doc = load()
    ours = {t.id: t for t in registry.chapter_tables(MAPPING)}
    assert set(ours) == (set(doc.tables) - set(MAPS)) | set(publish_tables.OFFER_TABLES)
    for tid, table in ours.items():
        if tid in publish_tables.OFFER_TABLES:
            continue   # the offer-level tables: test_offer_tables_as_printed
        assert table.title == doc.tables[tid]["title"], tid
        assert table.source == publish_tables.source_name(tid) and table.rule == "organisations"
        total = (doc.tables[tid].get("totals") or {}).get("column")
        want = None if total is None else publish_tables.group(doc.tables[tid]["columns"].index(total))
        assert table.rule_args.get("total") == want, tid


def test_the_printed_layout_matches_the_registry_and_reads_back(registry):
    """Survey cells for every printed cell (dummy counts: the layout is under test, not the
    numbers) go through the transform and the publishing rule; the page's table reads back
    cell for cell as the workbook sheet has it."""
    doc = load()
    rows = []
    for tid, t in doc.tables.items():
        for i, r in enumerate(t["rows"]):
            for j, c in enumerate(t["columns"]):
                if doc.cell(tid, r, c):
                    rows.append(cell(tid, r, c, i, j, 1, 2))
    survey = publish_tables.check(pd.DataFrame(rows))
    ids = [t.id for t in registry.chapter_tables(MAPPING)]
    survey_ids = [t for t in ids if t not in publish_tables.OFFER_TABLES]
    interim = {publish_tables.source_name(k): v for k, v in publish_tables.interim_tables(survey, doc.tables,
                                                                                           survey_ids).items()}
    from puljeeval.kortlaegning.published import DATA
    for tid in publish_tables.OFFER_TABLES:
        interim[publish_tables.source_name(tid)] = publish_tables.offer_table(pd.read_csv(DATA / f"{tid}.csv"), tid)
    config = {"kortlaegning": {"disclosure": POLICY}}
    chapter = publish.publish_chapter(MAPPING, interim, registry, 3, config)
    markers = registry.markers(3, MAPPING, publish.thresholds(registry, MAPPING, config)[1])
    sheets = publish.sheets(chapter, registry, markers)
    assert len(sheets) == len(ids)
    table = registry.tables["tabel_4_6"]
    page = readback.page_cells(html_table.table_html(table, chapter.masked["tabel_4_6"], registry, markers))
    sheet = sheets[table.sheet]
    for (row, column), shown in page["tabel_4_6"].items():
        want = sheet.iloc[row][table.headings[column]]
        assert shown.text == (display.number(want) if isinstance(want, int | float) else want), (row, column)
    assert page["tabel_4_6"][(4, "k0_pct")].text == "."                  # 'Ved ikke' is printed as a count


# --------------------------------------------------------------------------- free text (rule 5)

def free_text_columns() -> set[str]:
    out = set()
    for path in (ROOT / "puljeeval" / "data" / "schemas" / "kortlaegning").glob("*.schema.yaml"):
        props = yaml.safe_load(path.read_text(encoding="utf-8")).get("properties", {})
        out |= {name for name, spec in props.items() if isinstance(spec, dict) and spec.get("x-free-text")}
    return out


def test_no_free_text_column_reaches_a_published_table(registry):
    """Rule 5: the contract's free-text answers (x-free-text) are neither read from the survey
    tables nor a column of any published mapping table; a free-text column smuggled into the
    survey tables is dropped, and its text appears in no published cell."""
    free = free_text_columns()
    assert {"met_andet_text", "andet_text", "recruitment_text", "name"} <= free
    shown = {c.name for t in registry.chapter_tables(MAPPING) for c in t.columns} | \
            {k for t in registry.chapter_tables(MAPPING) for k in t.kept}
    assert not free & shown and not free & set(publish_tables.REQUIRED)
    secret = "Vores egen metode hos Tilbud X"
    cells = pd.DataFrame([cell("t", "Ja", "A", 0, 0, 4, 10)]).assign(met_andet_text=secret, andet_text=secret)
    wide = publish_tables.wide(publish_tables.check(cells), "t", None)
    assert not free & set(wide.columns)
    assert secret not in wide.astype(str).to_numpy().ravel()


def test_the_workflow_wires_the_mapping_through_the_one_publication_path():
    """The mapping publishes with rule publish_tables (chapter kortlaegning) from the interim tables of
    rule kortlaegning_survey_tables (which writes them beside the survey's cells); its pages come from
    one notebook executed once."""
    text = (ROOT / "workflow" / "rules" / "kortlaegning_report.smk").read_text(encoding="utf-8")
    assert "PUBLISHED_CHAPTERS[MAPPING] = MAPPING_PUBLISHED" in text
    for rule in ("render_kortlaegning", "kortlaegning_html"):
        assert f"rule {rule}:" in text
    tables = (ROOT / "workflow" / "rules" / "kortlaegning_tables.smk").read_text(encoding="utf-8")
    assert "**KORTLAEGNING_INTERIM," in tables.split("rule kortlaegning_survey_tables:")[1].split("output:")[1]
    assert Path(ROOT / "notebooks" / "kortlaegning.ipynb").exists()


def test_offer_tables_as_printed(registry):
    """Tabel 9-3 and 9-4 per named offer (the report's own data, as transcribed), with the seed's
    titles and a total row equal to the column sums Tabel 3-3 and Tabel 5-1 print."""
    import pandas as pd

    from puljeeval.kortlaegning.published import DATA
    seed = (Path(__file__).resolve().parents[2] / "shared" / "seeds" / "000_a19241631e4ed9eb.txt")
    doc = load()
    ours = {t.id: t for t in registry.chapter_tables(MAPPING)}
    t93 = publish_tables.offer_table(pd.read_csv(DATA / "tabel_9_3.csv"), "tabel_9_3")
    t94 = publish_tables.offer_table(pd.read_csv(DATA / "tabel_9_4.csv"), "tabel_9_4")
    assert len(t93) == 55 + 1 and len(t94) == 53 + 1
    total93 = t93.iloc[-1]
    assert [int(total93[f"k{j}_count"]) for j in range(4)] == [
        doc.cell("tabel_3_3", "Andel", c)["count"] for c in doc.tables["tabel_3_3"]["columns"]]
    assert total93["k0_mark"] == str(total93["k0_count"]) and set(t93["k0_mark"].iloc[:-1]) <= {"X", "–"}
    types = doc.tables["tabel_5_1_indsatstyper"]
    assert [int(t94.iloc[-1][f"k{j}_count"]) for j in range(6)] == [
        doc.cell("tabel_5_1_indsatstyper", r, "Indsatser")["count"] for r in types["rows"] if r != "I alt"]
    assert int(t94.iloc[-1]["k6_count"]) == types["n"]
    if seed.is_file():
        text = seed.read_text(encoding="utf-8")
        for tid in publish_tables.OFFER_TABLES:
            assert f"{tid.replace('tabel_', 'Tabel ').replace('_', '-')}: {ours[tid].title}" in text
