"""What the mapping's own offer-level tables determine, and the cell-by-cell reproduction check."""

from __future__ import annotations

import pandas as pd
import pytest

from puljeeval.kortlaegning import offer_tables as ot
from puljeeval.kortlaegning import reproduction as rp


def tiny_9_3() -> pd.DataFrame:
    """Three offers: ages 0-5 ticked by 1, 6-12 by 2, 13-17 by 3, 18-25 by none."""
    return pd.DataFrame({"age_0_5": [1, 0, 0], "age_6_12": [1, 1, 0], "age_13_17": [1, 1, 1], "age_18_25": [0, 0, 0]})


def tiny_9_4() -> pd.DataFrame:
    """Two offers with 2 + 1 group interventions, 1 family conversation, nothing else: 4 in all."""
    cols = list(ot.INTERVENTION_TYPES)
    return pd.DataFrame([[2, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]], columns=cols)


def test_age_groups_by_hand():
    """Shares of the 3 offers: 1/3 = 33.3 %, 2/3 = 66.7 %, 3/3 = 100 %, 0 %."""
    cells = ot.tabel_3_3(tiny_9_3()).set_index(["column", "measure"])["value"]
    assert cells[("0-5 år", "count")] == 1 and cells[("0-5 år", "pct")] == pytest.approx(100 / 3)
    assert cells[("6-12 år", "pct")] == pytest.approx(200 / 3)
    assert cells[("13-17 år", "pct")] == 100 and cells[("18-25 år", "count")] == 0


def test_intervention_types_by_hand():
    """4 interventions: groups 3 (75 %), family 1 (25 %), the total row 4 (100 %); offers with a
    group intervention 2 of 2, with a family conversation 1 of 2."""
    cells = ot.tabel_5_1_indsatstyper(tiny_9_4()).set_index(["row", "measure"])["value"]
    assert cells[("Gruppesamtaler", "count")] == 3 and cells[("Gruppesamtaler", "pct")] == 75
    assert cells[("Familiesamtaler", "pct")] == 25 and cells[("Rådgivende samtaler", "count")] == 0
    assert cells[("I alt", "count")] == 4 and cells[("I alt", "pct")] == 100
    offers = ot.offers_per_type(tiny_9_4()).set_index("intervention_type")["offers"]
    assert offers["Gruppesamtaler"] == 2 and offers["Familiesamtaler"] == 1


def test_rounds_to_is_half_up_at_the_printed_precision():
    assert rp.rounds_to(89.5, 90, 0) and not rp.rounds_to(89.49, 90, 0)
    assert rp.rounds_to(2.5, 3, 0)                      # half up, not to even
    assert rp.rounds_to(12.25, 12.3, 1) and not rp.rounds_to(12.24, 12.3, 1)


def test_compare_verdicts_and_an_unmatched_label():
    """Printed 90 pct. for 49 of 55 (89.09 %) is not reproduced; flagged by the consistency check it
    is the report's inconsistency; 45 of 55 printed 82 pct. (81.8 %) is reproduced."""
    printed = pd.DataFrame({"table": "t", "row": "r", "column": ["a", "b"], "measure": "pct", "value": [90.0, 82.0],
                            "decimals": [0, 0], "source_line": [1, 1]})
    computed = pd.DataFrame({"table": "t", "row": "r", "column": ["a", "b"], "measure": "pct",
                             "value": [100 * 49 / 55, 100 * 45 / 55]})
    out = rp.compare(printed, computed).set_index("column")
    assert out.loc["a", "verdict"] == "not reproduced" and out.loc["b", "verdict"] == "reproduced"
    flagged = pd.DataFrame({"table": ["t"], "row": ["r"], "column": ["a"], "measure": ["pct"]})
    assert rp.compare(printed, computed, flagged).set_index("column").loc["a", "verdict"] == \
        "inconsistent in the report"
    with pytest.raises(KeyError, match="t / r / c / pct"):
        rp.compare(printed, computed.assign(column=["a", "c"]))


def test_the_real_tables_reproduce_tabel_3_3_and_5_1_but_for_the_reports_own_errors():
    """On the transcribed Tabel 9-3 and 9-4 every count of Tabel 3-3 and Tabel 5-1 is reproduced;
    the two shares that are not (49 of 55 printed 90 pct., 6 of 127 printed 6 pct.) are the
    report's own inconsistencies."""
    from puljeeval.kortlaegning import consistency, published

    pub = published.load()
    t93, t94 = published.read_offer_tables()
    out = rp.compare(pub.cells, ot.determined_cells(t93, t94), consistency.inconsistencies(pub, t93, t94))
    assert out.loc[out["measure"] == "count", "within"].all()
    bad = out[~out["within"]]
    assert set(zip(bad["table"], bad["row"], bad["column"], strict=True)) == {
        ("tabel_3_3", "Andel", "13-17 år"), ("tabel_5_1_indsatstyper", "Undervisning og kurser", "Indsatser")}
    assert (bad["verdict"] == "inconsistent in the report").all()


def test_the_page_writes_the_numbers_and_verdicts_in_danish():
    """The tiny tables on the page: 1 of 3 offers (33,3 pct. at one more decimal than printed),
    a failing check with the checker's words in Danish, and the counts of the introduction."""
    from puljeeval.kortlaegning import page

    printed = pd.DataFrame({"table": "tabel_3_3", "row": "Andel", "column": "0-5 år", "measure": ["count", "pct"],
                            "value": [1.0, 33.0], "decimals": [0, 0], "source_line": [559, 559]})
    table = rp.compare(printed, ot.tabel_3_3(tiny_9_3()).iloc[:2])
    checks = pd.DataFrame({"kind": ["impossible_share", "total"], "check": ["a", "b"],
                           "table": ["tabel_4_6", "tabel_9_2"],
                           "row": ["0-2 år", "Ved ikke"], "column": ["Total", "Total"], "measure": "pct",
                           "printed": ["13", "47 pct. of 55"], "expected": ["no count", "13"], "holds": False,
                           "detail": "", "lines": ["853", "2057"]})
    html = page.page_html(table, checks, ot.offers_per_type(tiny_9_4()), (3, 2))
    assert "<td>genskabt</td>" in html and '<td class="num">33,3</td>' in html
    assert "intet antal giver det" in html and "47 pct. af 55" in html and "Tabel 4-6" in html
    assert "Tabel 9-3 med 3 navngivne tilbud" in html and "2 kontroller, hvoraf 2 ikke holder" in html
    assert "no count" not in html and " of " not in html


def test_offers_per_municipality_counts_each_offer_once():
    """Offer 1 covers 101 twice (a branch and its own answer) and 147; offer 2 covers 101; offer 3
    is not among the offers counted: 101 -> 2, 147 -> 1, 151 -> 0."""
    from puljeeval.kortlaegning import map_figures

    coverage = pd.DataFrame({"offer_id": ["T1", "T1", "T1", "T2", "T3"],
                             "municipality": ["101", "101", "147", "101", "151"]})
    counts = map_figures.offers_per_municipality(coverage, pd.Index(["T1", "T2"]), pd.Index([101, 147, 151]))
    assert counts.to_dict() == {101: 2, 147: 1, 151: 0}


def test_the_maps_section_has_the_synthetic_notice_and_alt_texts():
    from puljeeval.kortlaegning import page

    html = page.maps_html([{"stem": "figur_9_1", "number": "Figur 9-1", "title": "T", "alt": "Kort <a>",
                            "synthetic": "Syntetiske data: x"}], "../figures/kortlaegning")
    assert 'class="synthetic"' in html and 'src="../figures/kortlaegning/figur_9_1.png"' in html
    assert 'alt="Kort &lt;a&gt;"' in html and page.maps_html([], "x") == ""
