"""Workbooks ready for Excel and the two CSV dialects (puljeeval/workbook.py): a small workbook
written and read back with openpyxl (number formats per column from the registry's decimals,
bold frozen header tall enough for its headings, widths, autofilter, the notes sheet, the same
bytes twice), the documented and the Danish Excel CSV read back with pandas; and, in the
workflow tier, every workbook of a finished run checked against the registry."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from puljeeval import rulekit, workbook
from puljeeval.publish import notes as publish_notes
from puljeeval.publish.registry import Registry
from puljeeval.render import pages
from puljeeval.settings import ROOT, read_yaml

CHAPTERS = ("kapitel_3", "kapitel_4", "kapitel_5", "kapitel_6", "bilag_1")
NOTES = "Notes"
LONG = "a label long enough that no column of sensible width holds it on one line, so it wraps"


def sheets() -> dict[str, pd.DataFrame]:
    """A notes sheet and two data sheets as publish.tables.sheets() makes them: headings as
    columns, numbers rounded, markers and p floors as text, object columns."""
    info = pd.DataFrame([("Data source", "synthetic twin, seed 1"), ("Threshold", "counts below 5 hidden"),
                         ("Marker: <5", "fewer than 5 persons " * 12)], columns=["Item", "Value"])
    counts = pd.DataFrame({"Group": ["A", "B", "C", "All"],
                           "Number of children observed": [12345, "<5", 40, 12389],
                           "Share (pct.)": [99.6, "..", 0.3, 100.0],
                           "Mean change (score points), lower bound": [-1.25, 0.5, -0.0, 12.75],
                           "p-value": ["<0.001", 0.012, 0.5, "."]}, dtype=object)
    models = pd.DataFrame({"Model": ["m1", "m2"], "Formula": [LONG, "y ~ x"],
                           "Coefficient": [0.087, -1.234], "N": [2400, 19]}, dtype=object)
    return {NOTES: info, "Table 1": counts, "Figure 2 models": models}


def data_sheets() -> list[tuple[str, pd.DataFrame]]:
    """The sheets but the notes sheet."""
    return [(name, frame) for name, frame in sheets().items() if name != NOTES]


DECIMALS = {"Table 1": {"Number of children observed": 0, "Share (pct.)": 1,
                        "Mean change (score points), lower bound": 2, "p-value": 3},
            "Figure 2 models": {"Coefficient": 3, "N": 0}}


@pytest.fixture(scope="module")
def book_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("book") / "book.xlsx"
    workbook.write(sheets(), path, DECIMALS, notes=NOTES)
    return path


def header_fits(ws, headings: list[str]) -> None:
    """Bold, wrapped, and the row tall enough for every heading at its column's width."""
    height = ws.row_dimensions[1].height
    for j, heading in enumerate(headings, start=1):
        cell = ws.cell(row=1, column=j)
        assert cell.value == heading and cell.font.b and cell.alignment.wrap_text, (ws.title, heading)
        width = ws.column_dimensions[get_column_letter(j)].width
        assert workbook.MIN_WIDTH <= width <= workbook.MAX_WIDTH, (ws.title, heading, width)
        assert max(len(w) for w in heading.split()) * workbook.BOLD <= width, (ws.title, heading, width)
        lines = workbook.wrapped_lines(heading, width, workbook.BOLD)
        assert height is not None and height >= lines * workbook.LINE_HEIGHT, (ws.title, heading, height)


def test_numbers_stay_numeric_with_the_registry_format_per_column(book_path):
    book = load_workbook(book_path)
    for name, frame in data_sheets():
        ws = book[name]
        for j, heading in enumerate(frame.columns, start=1):
            places = DECIMALS[name].get(heading)
            cells = [c for (c,) in ws.iter_rows(min_row=2, min_col=j, max_col=j)]
            assert [c.value for c in cells] == [None if v is None else v for v in frame[heading]]
            for cell in cells:
                if isinstance(cell.value, int | float):
                    assert places is not None, (name, heading)
                    assert cell.number_format == workbook.number_format(places), (name, heading, cell.number_format)
    assert book["Table 1"]["B2"].number_format == "#,##0" and book["Table 1"]["E3"].number_format == "#,##0.000"
    assert book["Table 1"]["B3"].value == "<5" and book["Table 1"]["B3"].alignment.horizontal == "right"


def test_header_bold_wrapped_frozen_with_widths_and_filter(book_path):
    book = load_workbook(book_path)
    for name, frame in data_sheets():
        ws = book[name]
        header_fits(ws, list(frame.columns))
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{get_column_letter(len(frame.columns))}{len(frame) + 1}"
    # a text longer than the widest column wraps, in a row tall enough for it
    ws = book["Figure 2 models"]
    assert ws["B2"].alignment.wrap_text
    width = ws.column_dimensions["B"].width
    assert width == workbook.MAX_WIDTH
    lines = workbook.wrapped_lines(LONG, width, workbook.REGULAR)
    assert lines > 1 and ws.row_dimensions[2].height >= lines * workbook.LINE_HEIGHT


def test_notes_sheet_first_bold_items_wide_wrapped_values(book_path):
    book = load_workbook(book_path)
    assert book.sheetnames == list(sheets())
    ws = book.worksheets[0]
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width >= 80 > ws.column_dimensions["A"].width >= 12
    for row in ws.iter_rows(min_row=1):
        assert row[0].font.b and row[1].alignment.wrap_text
    long_row = 4                                  # the marker row, longer than the value column
    assert ws.row_dimensions[long_row].height >= 2 * workbook.LINE_HEIGHT
    assert not ws.auto_filter.ref


def test_same_tables_give_the_same_bytes(tmp_path, book_path):
    again = tmp_path / "again.xlsx"
    workbook.write(sheets(), again, DECIMALS, notes=NOTES)
    assert again.read_bytes() == book_path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(again.read_bytes())) as z:
        core = z.read("docProps/core.xml").decode()
        assert {i.date_time for i in z.infolist()} == {workbook.FIXED_TIME.timetuple()[:6]}
    stamps = re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core)
    assert stamps == [workbook.FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")] * 2


def numbers(column: pd.Series) -> pd.Series:
    """The numbers of a column as floats, NaN where a cell is a marker or a p floor."""
    return pd.to_numeric(column, errors="coerce").astype(float)


def test_the_two_csv_dialects_give_the_same_numbers(tmp_path):
    for name, frame in data_sheets():
        plain, excel = tmp_path / f"{name}.csv", tmp_path / "excel" / f"{name}.csv"
        rulekit.write_csv(frame, plain)
        workbook.write_excel_csv(frame, excel, DECIMALS[name])
        raw = excel.read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
        back = {"documented": pd.read_csv(plain, dtype=str, keep_default_na=False),
                "excel_da": pd.read_csv(excel, dtype=str, keep_default_na=False, **workbook.EXCEL_CSV)}
        parsed = {"documented": pd.read_csv(plain), "excel_da": pd.read_csv(excel, **workbook.EXCEL_CSV)}
        for dialect, table in back.items():
            assert list(table.columns) == list(frame.columns), dialect
            for heading in frame.columns:
                expected = numbers(frame[heading])
                if heading not in DECIMALS[name]:
                    assert list(table[heading]) == list(frame[heading].astype(str)), (dialect, heading)
                    continue
                shown = numbers(table[heading].str.replace(",", ".") if dialect == "excel_da" else table[heading])
                pd.testing.assert_series_equal(shown, expected, check_names=False)
                # markers stay text, in both
                marks = [v for v in frame[heading] if isinstance(v, str) and not v.startswith("<0")]
                assert all(m in set(table[heading]) for m in marks), (dialect, heading)
                if expected.notna().all():                   # a column of numbers only: read as numbers
                    pd.testing.assert_series_equal(parsed[dialect][heading].astype(float), expected,
                                                   check_names=False)
    text = (tmp_path / "excel" / "Table 1.csv").read_bytes().decode("utf-8-sig")
    assert text.splitlines()[1] == "A;12345;99,6;-1,25;<0,001"     # no thousands separator, decimal comma
    assert text.splitlines()[3] == "C;40;0,3;0,00;0,500"            # places as formatted; no '-0'
    assert '"Mean change (score points), lower bound"' not in text   # no quoting needed without ';'


def test_excel_cells_quote_separators_and_keep_texts(tmp_path):
    assert workbook.excel_text("a; b") == "a; b"
    frame = pd.DataFrame({"x": ["a; b"], "y": [1.5]}, dtype=object)
    workbook.write_excel_csv(frame, tmp_path / "q.csv", {"y": 1})
    assert (tmp_path / "q.csv").read_bytes().decode("utf-8-sig") == 'x;y\r\n"a; b";1,5\r\n'
    assert workbook.excel_text("<0.001") == "<0.001"            # a text outside a numeric column
    assert workbook.excel_text("<0.001", 3) == "<0,001"
    assert workbook.excel_text(1234567.5) == "1234567,5"
    assert workbook.excel_text(1e-7) == "0,0000001"             # never scientific


def registry_of(workdir: Path) -> tuple[Registry, dict]:
    """The publication registry as the run had it (side files and config from the workdir)."""
    config = read_yaml(workdir / "config" / "config.yaml")
    registry = Registry(read_yaml(workdir / "config" / "tables.yaml"),
                        lambda key: read_yaml(workdir / "config" / f"{key}.yaml"), config)
    return registry, config


def test_readme_describes_both_dialects():
    registry, config = registry_of(ROOT)
    frame = pd.DataFrame([("k", "v")], columns=list(registry.raw["notes"]["columns"]))
    text = publish_notes.readme("kapitel_3", frame, registry, workbook.EXCEL_CSV_FOLDER)
    assert f"{workbook.EXCEL_CSV_FOLDER}/" in text and "BOM" in text and "UTF-8" in text
    for sep in (workbook.EXCEL_CSV["sep"], workbook.EXCEL_CSV["encoding"]):
        assert sep in text
    assert text.rstrip().endswith("k: v")


# --------------------------------------------------------------------------- every workbook of a run


@pytest.mark.workflow
def test_every_workbook_of_the_run_is_ready_for_excel(report_scale):
    """Every workbook of a finished run: the notes sheet first and filled from data; every data
    sheet with the registry's headings, a bold frozen header tall enough for them, widths and a
    filter, every number in its column's format from the registry and no number in a column the
    registry gives no precision; the Danish Excel CSVs with the same numbers as the documented
    ones."""
    registry, config = registry_of(report_scale)
    min_count = config["disclosure"]["min_count"]
    t = registry.raw["notes"]
    tables = report_scale / "results" / "tables"
    checked = 0
    for chapter in CHAPTERS:
        book = load_workbook(tables / f"{chapter}.xlsx")
        chapter_tables = registry.chapter_tables(chapter)
        assert book.sheetnames == [t["sheet"]] + [tab.sheet for tab in chapter_tables], chapter

        # the notes sheet, filled from the run's data and config
        ws = book.worksheets[0]
        assert [c.value for c in ws[1]] == list(t["columns"]) and ws.freeze_panes == "A2"
        rows = {r[0]: r[1] for r in ws.iter_rows(min_row=2, values_only=True)}
        own = publish_notes.texts(registry, chapter)
        if chapter == "kapitel_6":        # its source is the cost input, assumed by default
            source = pages.cost_source(True, config["costs"]["input"])
            assert rows[t["data_source"]] == source.text
            assert rows[t["warning"]] == source.synthetic_line
        else:
            assert rows[t["data_source"]] == pages.data_source(config)
            if pages.is_synthetic(config):
                assert rows[t["warning"]] == pages.synthetic_line(config)
        assert rows[t["commit"]].split()[0] == pages.git_commit(report_scale).split()[0]
        assert re.fullmatch(r"[0-9a-f]{16}", rows[t["config_hash"]])
        assert rows[t["disclosure"][0]] == own["disclosure"][1].format(min_count=min_count)
        if "{min_count}" in own["disclosure"][1]:
            assert str(min_count) in rows[t["disclosure"][0]]
        for symbol, text in registry.markers(min_count).legend():
            assert rows[t["marker"].format(symbol=symbol)] == text
        assert all(ws.cell(row=i, column=1).font.b for i in range(1, ws.max_row + 1))
        assert ws.column_dimensions["B"].width >= 80

        for tab in chapter_tables:
            ws = book[tab.sheet]
            headings = [c.heading for c in tab.columns]
            header_fits(ws, headings)
            assert ws.freeze_panes == "A2", tab.sheet
            assert ws.auto_filter.ref == f"A1:{get_column_letter(len(headings))}{ws.max_row}", tab.sheet
            plain = pd.read_csv(tables / chapter / f"{tab.sheet}.csv")
            excel = pd.read_csv(tables / chapter / workbook.EXCEL_CSV_FOLDER / f"{tab.sheet}.csv",
                                **workbook.EXCEL_CSV)
            assert list(plain.columns) == list(excel.columns) == headings, tab.sheet
            for j, col in enumerate(tab.columns, start=1):
                cells = [c for (c,) in ws.iter_rows(min_row=2, min_col=j, max_col=j)]
                values = [c.value for c in cells if isinstance(c.value, int | float) and not isinstance(c.value, bool)]
                if col.decimals is None:
                    assert not values, (chapter, tab.sheet, col.heading, values[:3])
                    continue
                fmt = workbook.number_format(col.decimals)
                wrong = {c.number_format for c in cells if c.value is not None and c.number_format != fmt}
                assert not wrong, (chapter, tab.sheet, col.heading, fmt, wrong)
                shown = pd.Series([c.value if isinstance(c.value, int | float) else None for c in cells], dtype=float)
                same = [numbers(plain[col.heading]), shown, numbers(excel[col.heading].map(
                    lambda v: v.replace(",", ".") if isinstance(v, str) else v))]
                for other in same[1:]:
                    pd.testing.assert_series_equal(other, same[0], check_names=False)
                checked += 1
    assert checked >= 50
