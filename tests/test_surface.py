"""What reviewers read, read as they read it: the rendered pages (visible text), the workbooks
and the CSVs of a report-scale run (issue 12)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from conftest import snakemake
from openpyxl import load_workbook
from test_workflow import CHAPTERS, publication

from puljeeval.publish import display
from puljeeval.settings import read_yaml

pytestmark = pytest.mark.workflow


def page(workdir: Path, name: str) -> BeautifulSoup:
    return BeautifulSoup((workdir / "results/report" / f"{name}.html").read_text(encoding="utf-8"), "html.parser")


def page_cell(soup: BeautifulSoup, table_id: str, row: int, column: str) -> str:
    cell = soup.select_one(f'table[data-table="{table_id}"] tr[data-row="{row}"] td[data-col="{column}"]')
    assert cell is not None, (table_id, row, column)
    return cell.get_text()


def workbook_cell(workdir: Path, chapter: str, sheet: str, heading: str, row: int) -> tuple[object, str]:
    """(value, number format) of a data row (0-based, the published table's order) of a sheet."""
    ws = load_workbook(workdir / "results/tables" / f"{chapter}.xlsx")[sheet]
    headings = [c.value for c in ws[1]]
    cell = ws.cell(row=row + 2, column=headings.index(heading) + 1)
    return cell.value, cell.number_format


def test_footnote_3_reads_0_014_and_0_005_on_the_page_and_in_the_workbook(report_scale):
    pub = publication(report_scale, "kapitel_4")
    table = pub.registry.tables["benefit_regression"]
    (row,) = pub.rows("benefit_regression", term="age", method="ols")
    soup = page(report_scale, "kapitel_4")
    assert page_cell(soup, "benefit_regression", row, "estimate") == "0,014"
    assert page_cell(soup, "benefit_regression", row, "se") == "0,005"
    prose = soup.get_text(" ")
    assert "koefficienten for alder er 0,014 standardafvigelser pr. år (standardfejl 0,005" in prose
    headings = {c.name: c.heading for c in table.columns}
    for column, shown in (("estimate", 0.014), ("se", 0.005)):
        value, fmt = workbook_cell(report_scale, "kapitel_4", table.sheet, headings[column], row)
        assert value == shown and fmt.endswith(".000"), (column, value, fmt)


def test_no_page_prints_a_missing_value(report_scale):
    for name in CHAPTERS:
        text = page(report_scale, name).get_text(" ")
        for bad in ("NaN", " nan", "<NA>", "None"):
            assert bad not in text, (name, bad)


def test_a_cell_hidden_to_protect_another_is_never_shown_as_below_the_threshold(report_scale):
    """Secondary cells (often large: a group of 193 children hidden only to protect a neighbour)
    show '..' on the page, in the CSV and in the workbook, never '<5'."""
    interim = report_scale / "results/interim/tables"
    large = 0
    for chapter in CHAPTERS:
        pub = publication(report_scale, chapter)
        soup = page(report_scale, chapter)
        secondary = pub.markers.symbol(display.SECONDARY)
        for t in pub.registry.chapter_tables(chapter):
            m = pub.masked(t.id)
            csv = pd.read_csv(report_scale / "results/tables" / chapter / f"{t.sheet}.csv", dtype=str)
            for col in [c for c in t.columns if c.source is None]:
                for row in m.status.index[m.status[col.name] == display.SECONDARY]:
                    assert csv.at[row, col.heading] == secondary, (t.id, row, col.name)
                    shown = soup.select_one(f'table[data-table="{t.id}"] tr[data-row="{row}"] '
                                            f'td[data-col="{col.name}"]')
                    if shown is not None:
                        assert shown.get_text() == secondary
            if t.source in ("profiles", "production") and any(m.status[c].eq(display.SECONDARY).any()
                                                              for c in ("count", "planned") if c in m.status):
                source = {"profiles": "figur_3_1-3_3_profiles", "production": "tabel_8_1_production"}[t.source]
                truth = pd.read_csv(interim / f"{source}.csv")
                for c in ("count", "ongoing", "planned", "unplanned", "not_stated"):
                    if c in m.status:
                        large += int((truth[c][m.status[c] == display.SECONDARY] >= 5).sum())
    assert large > 0, "the twin should have secondary cells of 5 or more (e.g. Bopæl 'far' 17-24)"


def test_a_last_criterion_dropping_few_children_prints_no_nan_and_one_n(report_scale, tmp_path):
    """Footnote 5's last criterion drops 1-4 children (the twin's always drops 0): the page says
    no 'NaN', and the analysis N is shown in the flow, the prose and the model tables alike."""
    work = tmp_path / "few"
    shutil.copytree(report_scale, work, symlinks=True, ignore=shutil.ignore_patterns(".snakemake"))
    path = work / "results/interim/tables/bilag4_flow.csv"
    flow = pd.read_csv(path)
    who5 = flow.index[flow["outcome"] == "who5"]
    last = flow.loc[who5, "step"].idxmax()
    flow.loc[last, "dropped"] = 3
    flow.loc[[i for i in who5 if i != last], "remaining"] += 3     # 3 more children up to the last step
    flow.to_csv(path, index=False)
    done = snakemake(work, "results/report/kapitel_5.html")
    assert done.returncode == 0, done.stderr[-3000:]
    pub = publication(work, "kapitel_5")
    final = pub.cell("element_flow", "remaining", outcome="who5", step=int(flow.loc[last, "step"]))
    assert final.shown, "the analysis N is published in the model tables, so the flow shows it too"
    n = final.text()
    soup = page(work, "kapitel_5")
    text = soup.get_text(" ")
    for bad in ("NaN", " nan", "<NA>"):
        assert bad not in text
    assert f"{n} børn og unge i analysen af" in text
    models = pub.table("element_models")
    whole = models[(models["outcome"] == "who5") & (models["subgroup"] == "Samlet")]
    assert (whole["n"] == final.value).all()
    assert pub.cell("element_flow", "dropped", outcome="who5", step=int(flow.loc[last, "step"])).status in \
        display.HIDDEN


def test_every_download_says_synthetic(report_scale):
    config = read_yaml(report_scale / "config" / "config.yaml")
    assert config["data_source"] == "twin"
    for chapter in CHAPTERS:
        # chapter 6 rests on the assumed cost input, not on the twin: it says that instead
        says = "Antaget eksempelinput" if chapter == "kapitel_6" else "Syntetiske data"
        book = load_workbook(report_scale / "results/tables" / f"{chapter}.xlsx")
        notes = book.worksheets[0]
        text = " ".join(str(c.value) for row in notes.iter_rows() for c in row)
        assert says in text and "<5" in text, chapter
        assert chapter == "kapitel_6" or "seed" in text
        readme = (report_scale / "results/tables" / chapter / "README.txt").read_text(encoding="utf-8")
        assert says in readme, chapter
        assert says in page(report_scale, chapter).select_one("div.synthetic").get_text(), chapter


def test_no_page_table_or_workbook_cell_is_a_code_of_the_label_registry(report_scale):
    """Every cell of every table on the chapter pages and of every data sheet of the workbooks is
    a label, a number or a marker: none is a code a label set knows (`age`, `ALLE`,
    `raw_registrations`) or a model term as patsy names it (`C(gender)[T.pige]`, `Intercept`)."""
    for chapter in CHAPTERS:
        registry = publication(report_scale, chapter).registry
        soup = page(report_scale, chapter)
        cells = soup.select("table[data-table] td, table[data-table] th")
        assert len(cells) > 100, chapter
        texts = [c.get_text().strip() for c in cells]
        found = {t: registry.raw_code(t) for t in texts if registry.raw_code(t)}
        assert not found, (chapter, found)
        book = load_workbook(report_scale / "results/tables" / f"{chapter}.xlsx")
        for ws in book.worksheets[1:]:          # the first is the notes sheet
            texts = [v for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
            found = {v: registry.raw_code(v) for v in texts if registry.raw_code(v)}
            assert not found, (chapter, ws.title, found)
