"""The reproduction check on hand-made cases: tolerances that can fail, the read-back of a page and
a workbook following the layout contract, and the safe (published) version."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from openpyxl import Workbook

from puljeeval.evaluation import reproduction as rep
from puljeeval.publish.display import PRIMARY, SECONDARY, Markers
from puljeeval.publish.masked import Masked
from puljeeval.publish.registry import Column, Table
from puljeeval.render import readback
from puljeeval.settings import Settings

MARKERS = Markers.from_registry({
    "primary": {"symbol": "<{min_count}", "legend": "Færre end {min_count}.", "words": "færre end {min_count}"},
    "secondary": {"symbol": "..", "legend": "Skjult for at beskytte en anden celle.", "words": "skjult"},
    "not_applicable": {"symbol": ".", "legend": "Ikke relevant.", "words": "ikke målt"},
    "not_estimated": {"symbol": "...", "legend": "Ikke estimeret.", "words": "ikke estimeret"},
}, 5)

# The tolerances before this check was tightened (config `reproduction.tolerance` until issue 12).
OLD = {"count": 0, "share_pct": 1.0, "mean": 0.5, "coefficient": 0.005, "standard_error": 0.005}


# ---------------------------------------------------------------------- tolerances


def footnote_3(estimate: float, se: float) -> pd.DataFrame:
    """The Figur 4-1 rows of `reproduction.benefit` on a hand-made model and shares."""
    settings = Settings(
        config={"reproduction": {"tolerance": {"coefficient_se_fraction": 0.5}}},
        side={"published": {"figur_4_1": {"reference": "Figur 4-1", "shares": {"positiv": 52},
                                           "regression": {"term": "age", "estimate": 0.014, "se": 0.005,
                                                          "n": 3543, "decimals": 3}}},
              "instruments": {"instruments": {"benefit": {"categorical": {"benefit": {3: "Positiv betydning"}}}}}})
    shares = pd.DataFrame({"age_group": ["ALLE"], "answer": ["Positiv betydning"], "share_pct": [51.6]})
    model = pd.DataFrame({"term": ["age"], "estimate": [estimate], "se": [se], "n": [3543]})
    return rep.benefit(shares, model, settings).set_index("quantity")


def test_footnote_3_is_reproduced_at_the_printed_precision():
    rows = footnote_3(0.0141, 0.0053)
    coef, se = rows.loc["Figur 4-1 note 3: age coefficient"], rows.loc["Figur 4-1 note 3: standard error"]
    assert coef["within_tolerance"] and se["within_tolerance"]
    # half a unit of the third decimal; the coefficient also within 0.5 x 0.005 (the looser here)
    assert coef["tolerance"] == se["tolerance"] == 0.0005
    assert coef["decimals"] == se["decimals"] == 3
    assert rows["could_fail"].all()


def test_a_coefficient_off_by_a_rounding_to_two_decimals_fails():
    rows = footnote_3(0.0104, 0.0053)
    assert not rows.loc["Figur 4-1 note 3: age coefficient", "within_tolerance"]
    assert not footnote_3(0.0141, 0.0101).loc["Figur 4-1 note 3: standard error", "within_tolerance"]


def test_the_standard_error_criterion_binds_when_it_is_the_tighter():
    # printed 0.5 with one decimal and SE 0.1: 0.5 x SE = 0.05 = half a unit; with fraction 0.2 it is 0.02
    assert rep.tolerance("coefficient", 1, se=0.1, se_fraction=0.2) == Decimal("0.02")
    assert rep.tolerance("coefficient", 1, se=0.1, se_fraction=0.5) == Decimal("0.05")
    with pytest.raises(ValueError, match="standard error"):
        rep.tolerance("coefficient", 3)


def test_a_standard_error_row_cannot_be_vacuous():
    width = rep.tolerance("standard_error", rep.printed_decimals(0.005))
    assert width == Decimal("0.0005") and rep.could_fail(0.005, width)
    assert rep.within("standard_error", 0.005, 0.0054, width) and not rep.within("standard_error", 0.005, 0.0056, width)
    # the old tolerance accepted every standard error from 0 to 0.01: the row could not fail
    assert not rep.could_fail(0.005, Decimal(str(OLD["standard_error"])))


def test_a_whole_percent_is_reproduced_within_half_a_point_and_a_count_exactly():
    width = rep.tolerance("share_pct", 0)
    assert rep.within("share_pct", 3, 3.4999, width) and rep.within("share_pct", 3, 2.5, width)
    assert rep.within("share_pct", 3, 3.5, width)          # the boundary: the report's rule at a tie is unknown
    assert not rep.within("share_pct", 3, 3.5001, width)
    assert rep.could_fail(1, width) and not rep.could_fail(1, Decimal(str(OLD["share_pct"])))
    assert rep.could_fail(0, width)                         # a printed 0 % fails for 0,6 %
    assert rep.within("count", 9957, 9957, Decimal(0)) and not rep.within("count", 9957, 9958, Decimal(0))


def test_a_number_the_report_derived_from_rounded_parts_carries_their_rounding():
    # 0,07 read off a figure as 2,68 - 2,61 (both rounded): the true change may be 0,075
    assert not rep.within("mean", 0.07, 0.0751, rep.tolerance("mean", 2))
    assert rep.within("mean", 0.07, 0.0751, rep.tolerance("mean", 2, rounded_parts=2))
    assert not rep.within("mean", 0.07, 0.0801, rep.tolerance("mean", 2, rounded_parts=2))


def test_printed_decimals():
    assert rep.printed_decimals(66.0) == 1 and rep.printed_decimals(53) == 0 and rep.printed_decimals(0.07) == 2
    assert rep.printed_decimals(0.1, 3) == 3
    with pytest.raises(ValueError, match="more decimals"):
        rep.printed_decimals(0.014, 2, "figur_4_1.regression")


def test_share_sum_notes_in_both_languages():
    en, da = rep.share_sum_notes([6, 52, 23, 23])
    assert "104 %" in en and "98-102 %" in en
    assert da == "rapportens andele summerer til 104 pct.; 4 afrundede andele kan kun summere til 98-102 pct."
    assert rep.share_sum_notes([33, 33, 33]) == ("", "")
    # 102 % is reachable by the sum rule, but with n = 4.901 (Figur 3-2, 17-24 år) the counts the four
    # shares allow add up to at least 0,205 x 4901 + ... = 4.902 (hand-worked: ceil(1004.7) + ceil(2131.9)
    # + ceil(1053.7) + ceil(710.6) = 1005 + 2132 + 1054 + 711)
    en, da = rep.share_sum_notes([21, 44, 22, 15], n=4901)
    assert "4902-" in en and "med 4.901 observationer" in da and "4.902-" in da
    assert rep.share_sum_notes([21, 44, 22, 15]) == ("", "")
    assert rep.share_sum_notes([21, 44, 22, 14], n=4901) == ("", "")
    assert rep.share_sum_notes([50, 20, 21], complete=False) == ("", "")


# ---------------------------------------------------------------------- the displayed values

PAGE = """<html><body>
<table class="pub" id="tabel-model" data-table="model"><thead><tr>
<th data-col="term">Variabel</th><th data-col="estimate">Estimat</th><th data-col="n">Antal</th></tr></thead>
<tbody>
<tr data-row="0"><td data-col="term" data-status="">Skæringspunkt</td><td data-col="estimate" data-status="">-0,241</td>
<td data-col="n" data-status="">3.543</td></tr>
<tr data-row="1"><td data-col="term" data-status="">Alder (år)</td><td data-col="estimate" data-status="">0,014<span
 style="display:none">9</span></td><td data-col="n" data-status="primary">&lt;5</td></tr>
</tbody></table>
<table class="pub" data-table="model"><tbody><tr data-row="1"><td data-col="estimate" data-status="">0,014</td></tr>
</tbody></table>
</body></html>"""

MODEL = Table(id="model", chapter="kapitel_4", sheet="Model", source="model", rule="none",
              columns=(Column("term", "Variabel", "code"), Column("estimate", "Estimat", "sd", 3),
                       Column("n", "Antal", "count", 0)))


def workbook(path, estimate=0.014, fmt="#,##0.000"):
    book = Workbook()
    book.active.title = "Noter"
    sheet = book.create_sheet("Model")
    sheet.append(["Syntetiske data"])
    sheet.append([])
    sheet.append(["Variabel", "Estimat", "Antal"])
    sheet.append(["Skæringspunkt", -0.241, 3543])
    sheet.append(["Alder (år)", estimate, "<5"])
    for row in (4, 5):
        sheet.cell(row=row, column=2).number_format = fmt
    sheet.cell(row=4, column=3).number_format = "#,##0"
    book.save(path)
    return path


def test_page_cells_read_the_visible_text_of_the_contract():
    cells = readback.page_cells(PAGE)["model"]
    assert cells[(1, "estimate")] == readback.Shown("0,014", Decimal("0.014"), 3, "")
    assert cells[(0, "n")].value == 3543 and cells[(0, "n")].decimals == 0
    assert cells[(1, "n")] == readback.Shown("<5", status="primary")
    with pytest.raises(readback.ReadbackError, match="shown twice"):
        readback.page_cells(PAGE.replace("<td data-col=\"estimate\" data-status=\"\">0,014</td></tr>",
                                         "<td data-col=\"estimate\" data-status=\"\">0,01</td></tr>"))


def test_workbook_cells_find_the_header_and_show_the_format_decimals(tmp_path):
    cells = readback.workbook_cells(workbook(tmp_path / "k.xlsx", 0.0141), [MODEL])["model"]
    assert cells[(1, "estimate")] == readback.Shown("0,014", Decimal("0.014"), 3)
    assert cells[(0, "n")].text == "3.543" and cells[(1, "n")].text == "<5"
    assert readback.format_decimals("General") is None and readback.format_decimals("0.0") == 1


def model_rows(estimate_printed: float = 0.014) -> pd.DataFrame:
    rows = [rep._row("coef", "Alder", "Figur 4-1", "coefficient", estimate_printed, 0.0141, decimals=3, se=0.005,
                     se_fraction=0.5, cell=rep.Cell.at("kapitel_4", "model", "estimate", term="age")),
            rep._row("n", "Antal", "Figur 4-1", "count", 3, 3, cell=rep.Cell.at("kapitel_4", "model", "n", term="age")),
            rep._row("total", "I alt", "Figur 4-1", "count", 3546, 3546,
                     sources=[rep.Cell.at("kapitel_4", "model", "n")]),
            rep._row("none", "Uden celle", "Figur 4-1", "share_pct", 50, 50.2)]
    return rep._frame(rows)


def model_masked() -> Masked:
    masked = Masked.shown(pd.DataFrame({"term": ["Intercept", "age"], "estimate": [-0.241, 0.0141], "n": [3543, 3]}))
    masked.hide([1], "n", PRIMARY)
    return masked


def test_the_displayed_values_are_compared_at_the_reports_precision(tmp_path):
    pages = {"kapitel_4": readback.page_cells(PAGE)}
    books = {"kapitel_4": readback.workbook_cells(workbook(tmp_path / "k.xlsx"), [MODEL])}
    out = rep.compare_displayed(model_rows(), lambda ch, t: model_masked(), pages, books, MARKERS, 5)
    out = out.set_index("quantity")
    assert out.loc["coef", ["displayed_page", "displayed_workbook"]].tolist() == ["0,014", "0,014"]
    assert out.loc["coef", "displayed_ok"]
    assert out.loc["n", "displayed_page"] == "<5" and out.loc["n", "page_ok"]   # 3 is below 5
    assert out.loc["total", "displayed_page"] == rep.NOT_DISPLAYED and pd.isna(out.loc["total", "displayed_ok"])
    assert out.loc["none", "displayed_note"] == "står ikke i en publiceret tabel"
    # a workbook rounding the coefficient to two decimals (the bug of issue 12) does not agree
    two = {"kapitel_4": readback.workbook_cells(workbook(tmp_path / "k2.xlsx", 0.01, "0.00"), [MODEL])}
    bad = rep.compare_displayed(model_rows(), lambda ch, t: model_masked(), pages, two, MARKERS, 5)
    bad = bad.set_index("quantity")
    assert bad.loc["coef", "displayed_workbook"] == "0,01" and not bad.loc["coef", "workbook_ok"]
    assert not bad.loc["coef", "displayed_ok"] and "færre decimaler" in bad.loc["coef", "displayed_note"]


def test_display_agrees_with_markers_and_precision():
    half = rep.tolerance("share_pct", 0)
    assert rep.display_agrees(readback.shown_text("2,5"), "share_pct", 2, 0, half, 5)      # 2,45..2,55 meets 1,5..2,5
    assert not rep.display_agrees(readback.shown_text("2,6"), "share_pct", 2, 0, half, 5)
    assert not rep.display_agrees(readback.shown_text("3"), "share_pct", 2, 0, half, 5)
    assert rep.display_agrees(readback.shown_text(".."), "count", 172, 0, Decimal(0), 5, SECONDARY) is None
    assert not rep.display_agrees(readback.shown_text("<5"), "count", 172, 0, Decimal(0), 5, PRIMARY)
    assert not rep.display_agrees(readback.shown_text("."), "count", 172, 0, Decimal(0), 5, "not_applicable")


# ---------------------------------------------------------------------- the safe version


def test_the_safe_version_hides_a_small_reproduced_count_and_what_reveals_it(tmp_path):
    pages = {"kapitel_4": readback.page_cells(PAGE)}
    books = {"kapitel_4": readback.workbook_cells(workbook(tmp_path / "k.xlsx"), [MODEL])}
    full = rep.compare_displayed(model_rows(), lambda ch, t: model_masked(), pages, books, MARKERS, 5)
    safe = rep.safe(full, lambda ch, t: model_masked(), MARKERS, 5).set_index("quantity")
    for quantity, symbol in (("n", "<5"), ("total", "..")):      # the count itself; a margin of it
        row = safe.loc[quantity]
        assert row[rep.WITHHELD].tolist() == [symbol] * len(rep.WITHHELD), quantity
        assert row["published"] in (3, 3546)                       # the report's own numbers are public
    assert safe.loc["n", "withheld"] == PRIMARY and safe.loc["total", "withheld"] == SECONDARY
    assert safe.loc["n", "displayed_note"] == "tilbageholdt: Færre end 5"
    assert safe.loc["coef", "reproduced"] == 0.0141 and safe.loc["coef", "withheld"] == ""
    # a small count the published table shows all the same is withheld too
    shown = Masked.shown(pd.DataFrame({"term": ["age"], "estimate": [0.0141], "n": [3]}))
    small = rep.safe(rep._frame([model_rows().iloc[1].to_dict()]), lambda ch, t: shown, MARKERS, 5)
    assert small.loc[0, "reproduced"] == "<5"
    # the published CSV and its summary: withheld rows are neither reproduced nor not
    public = rep.public(safe.reset_index(), MARKERS)
    assert public["Genberegnet"].tolist()[1:3] == ["<5", ".."]
    back = rep.read_public(public.astype(str))
    assert rep.summary_da(back).startswith("Reproduktion: 2 af 2 sammenlignede tal")
    assert "2 rækker er tilbageholdt af diskretionshensyn" in rep.summary_da(back)
    html = rep.page_html(back, rep.summary_da(back), "", MARKERS)
    assert "Færre end 5." in html and "NaN" not in html and ">nan<" not in html


def test_the_old_tolerances_left_rows_vacuous():
    """The 'before' count in miniature: under the old tolerances a printed 1 % share, a mean change
    of 0,07 and footnote 3's standard error could not fail; under the new ones every row can."""
    printed = [("share_pct", 1), ("mean", 0.07), ("standard_error", 0.005), ("coefficient", 0.014), ("count", 0)]
    before = [rep.could_fail(p, Decimal(str(OLD[kind]))) for kind, p in printed]
    after = [rep.could_fail(p, rep.tolerance(kind, rep.printed_decimals(p), se=0.005, se_fraction=0.5)
                            if kind == "coefficient" else rep.tolerance(kind, rep.printed_decimals(p)))
             for kind, p in printed]
    assert before == [False, False, False, True, True] and all(after)
