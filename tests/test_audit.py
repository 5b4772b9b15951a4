"""The disclosure audit (puljeeval/publish/audit.py): on hand-made published tables, what a reader
can work out about each hidden count by linear programming, and the output-checking record.

Every expected range below is worked by hand in the comment beside it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from puljeeval.publish import audit, rules
from puljeeval.publish.display import PRIMARY, SECONDARY
from puljeeval.publish.masked import Masked
from puljeeval.publish.registry import Registry

CONFIG = {"min_count": 5, "suppress_zeros": False, "min_residual_df": 10, "audit": {"min_range": 2}}
UNITS = {u: u for u in ("code", "text", "count", "order", "pct", "pp", "p", "coefficient")}
COUNTS = ["started", "ongoing", "completed", "planned", "unplanned", "not_stated"]


def count(name: str) -> dict:
    return {"name": name, "heading": name, "unit": "count", "decimals": 0}


def pct(name: str, unit: str = "pct") -> dict:
    return {"name": name, "heading": name, "unit": unit, "decimals": 1}


def code(name: str) -> dict:
    return {"name": name, "heading": name, "unit": "code"}


TABLES = {
    "tab81": {"chapter": "kapitel_4", "sheet": "Tabel 8-1", "source": "production",
              "disclosure": {"rule": "production"}, "columns": [code("offer"), *map(count, COUNTS)]},
    "shares": {"chapter": "kapitel_3", "sheet": "Andele", "source": "shares",
               "disclosure": {"rule": "share_table", "line": [], "across": "group", "category": "category",
                              "all_label": "ALLE"},
               "columns": [code("group"), code("category"), count("n"), count("count"), pct("share_pct")]},
    "dropout": {"chapter": "kapitel_3", "sheet": "Frafald", "source": "dropout",
                "disclosure": {"rule": "binary_counts", "groups": ["planned", "unplanned"]},
                "columns": [{"name": "characteristic", "heading": "characteristic", "unit": "text"},
                            count("planned_n"), count("planned_count"), pct("planned_pct"),
                            count("unplanned_n"), count("unplanned_count"), pct("unplanned_pct"),
                            pct("diff_pp", "pp")]},
    "flow5": {"chapter": "kapitel_5", "sheet": "Fodnote 5", "source": "flow5", "disclosure": {"rule": "element_flow"},
              "columns": [code("outcome"), {"name": "step", "heading": "step", "unit": "order", "decimals": 0},
                          count("remaining"), count("dropped")]},
    "models": {"chapter": "kapitel_5", "sheet": "Modeller", "source": "models", "disclosure": {"rule": "none"},
               "columns": [code("outcome"), code("model"), code("subgroup_variable"), code("subgroup"), code("term"),
                           {"name": "estimate", "heading": "estimate", "unit": "coefficient", "decimals": 3},
                           count("n"), count("df_resid")]},
    "mystery": {"chapter": "kapitel_4", "sheet": "Ny tabel", "source": "mystery", "disclosure": {"rule": "new_rule"},
                "columns": [code("group"), count("count")]},
}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry({"units": UNITS, "tables": TABLES})


def masked(frame: pd.DataFrame, hidden: dict[tuple[int, str], str]) -> Masked:
    """The frame as published with the given cells hidden for the given reasons."""
    out = Masked.shown(frame)
    for (row, column), why in hidden.items():
        out.hide([row], column, why)
    return out


def production(**row: int) -> pd.DataFrame:
    return pd.DataFrame([{"offer": "A", **row}])[["offer", *COUNTS]]


def cell(result: audit.Audit, table: str, column: str, row: str | None = None) -> pd.Series:
    rec = result.record
    rows = rec[(rec["table_id"] == table) & (rec["column"] == column) & (rec["quantity"] == "")]
    if row is not None:
        rows = rows[rows["row"] == row]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# --------------------------------------------------------------------------- unsafe tables fail


def test_a_single_hidden_cell_beside_its_margins_fails_naming_it(registry):
    # 20 completed = 12 planned + 5 unplanned + not stated: the hidden 3 is recovered exactly
    pub = {"tab81": masked(production(started=30, ongoing=10, completed=20, planned=12, unplanned=5, not_stated=3),
                           {(0, "not_stated"): PRIMARY})}
    result = audit.audit(pub, registry, CONFIG)
    row = cell(result, "tab81", "not_stated")
    assert (row.range_low, row.range_high, row.outcome) == (3, 3, audit.FAIL)
    with pytest.raises(audit.AuditFailure, match=r"tab81 \(Tabel 8-1\), row \[offer=A\], column not_stated: "
                                                 r"fail; hidden count pinned to 3-3"):
        result.check()


def test_two_primary_cells_whose_sum_is_published_as_3_fail(registry):
    # unplanned + not stated = 20 - 17 = 3, each at least 1: each is 1 or 2 (width 1 < 2)
    pub = {"tab81": masked(production(started=30, ongoing=10, completed=20, planned=17, unplanned=2, not_stated=1),
                           {(0, "unplanned"): PRIMARY, (0, "not_stated"): PRIMARY})}
    result = audit.audit(pub, registry, CONFIG)
    for column in ("unplanned", "not_stated"):
        row = cell(result, "tab81", column)
        assert (row.range_low, row.range_high, row.outcome) == (1, 2, audit.FAIL)
    with pytest.raises(audit.AuditFailure, match="2 output"):
        result.check()


def test_a_safely_suppressed_table_passes(registry):
    # started 30 = 10 + completed -> completed 20 (secondary, may be recovered: it is large);
    # 20 = 12 + unplanned + not stated -> not stated in [1, 4] (unplanned 4..7 takes the rest)
    pub = {"tab81": masked(production(started=30, ongoing=10, completed=20, planned=12, unplanned=5, not_stated=3),
                           {(0, "not_stated"): PRIMARY, (0, "unplanned"): SECONDARY, (0, "completed"): SECONDARY})}
    result = audit.audit(pub, registry, CONFIG)
    result.check()
    row = cell(result, "tab81", "not_stated")
    assert (row.range_low, row.range_high, row.outcome) == (1, 4, audit.PASS)
    assert (cell(result, "tab81", "completed").range_low, cell(result, "tab81", "completed").range_high) == (20, 20)
    assert "narrowest feasible range of a primary count: 1-4 (width 3), tab81 [offer=A] not_stated" in \
        audit.summary(result)


def test_the_production_rule_output_passes_and_contains_the_truth(registry):
    interim = pd.DataFrame({"offer": ["A", "B", "C"], "started": [30, 42, 61], "ongoing": [10, 29, 12],
                            "completed": [20, 13, 49], "planned": [12, 9, 37], "unplanned": [5, 4, 10],
                            "not_stated": [3, 0, 2]})
    pub = {"tab81": rules.apply("production", interim, 5)}
    result = audit.audit(pub, registry, CONFIG)
    result.check()
    ranged = result.record[result.record["range_low"].notna() & (result.record["table_id"] == "tab81")]
    assert len(ranged) == int(pub["tab81"].hidden().to_numpy().sum()) > 0
    for r in ranged.itertuples():
        truth = interim.loc[interim["offer"] == r.row.split("=")[1], r.column].iloc[0]
        assert r.range_low <= truth <= r.range_high, r


# --------------------------------------------------------------------------- the relations


def test_a_shown_share_of_a_shown_n_pins_its_count(registry):
    # group g: n = 40, both counts hidden; b's share 7.5 % (one decimal) means b in
    # [40 * 7.45 %, 40 * 7.55 %) = [2.98, 3.02): b = 3 exactly. Without the share, b in [1, 4].
    frame = pd.DataFrame({"group": "g", "category": ["a", "b"], "n": 40, "count": [37, 3],
                          "share_pct": [92.5, 7.5]})
    leaky = {(0, "count"): SECONDARY, (0, "share_pct"): SECONDARY, (1, "count"): PRIMARY}
    result = audit.audit({"shares": masked(frame, leaky)}, registry, CONFIG)
    row = cell(result, "shares", "count", "group=g, category=b")
    assert (row.range_low, row.range_high, row.outcome) == (3, 3, audit.FAIL)
    safe = audit.audit({"shares": masked(frame, {**leaky, (1, "share_pct"): SECONDARY})}, registry, CONFIG)
    row = cell(safe, "shares", "count", "group=g, category=b")
    assert (row.range_low, row.range_high, row.outcome) == (1, 4, audit.PASS)
    # the hidden share is reported with the count it would reveal
    rec = safe.record
    share = rec[(rec["column"] == "share_pct") & (rec["row"] == "group=g, category=b")].iloc[0]
    assert share.quantity == "count"
    assert (share.range_low, share.range_high) == (1, 4)


def test_the_difference_of_shares_pins_a_hidden_group(registry):
    # unplanned 50 of 100 = 50.0 %; diff 48.5 (one decimal) -> planned share in (1.45, 1.55],
    # of a shown n of 200: planned count in (2.9, 3.1]: 3 exactly
    frame = pd.DataFrame([{"characteristic": "x", "planned_n": 200, "planned_count": 3, "planned_pct": 1.5,
                           "unplanned_n": 100, "unplanned_count": 50, "unplanned_pct": 50.0, "diff_pp": 48.5}])
    hidden = {(0, "planned_count"): PRIMARY, (0, "planned_pct"): SECONDARY}
    result = audit.audit({"dropout": masked(frame, hidden)}, registry, CONFIG)
    row = cell(result, "dropout", "planned_count")
    assert (row.range_low, row.range_high, row.outcome) == (3, 3, audit.FAIL)
    safe = audit.audit({"dropout": masked(frame, {**hidden, (0, "diff_pp"): SECONDARY})}, registry, CONFIG)
    assert (cell(safe, "dropout", "planned_count").range_low, cell(safe, "dropout", "planned_count").range_high) \
        == (1, 4)
    # the hidden difference is reported with the count it depends on
    assert (safe.record["column"] == "diff_pp").sum() == 1


def test_the_alle_row_is_a_margin_of_the_age_groups(registry):
    # within group g1 (n 50) a + b + unshown answers = 50 leaves b in [1, 4]; but ALLE (n 100 =
    # 50 + 50: nobody without a group) has b = 40 = b(g1) + 38: b(g1) = 2
    frame = pd.DataFrame({"group": ["ALLE", "ALLE", "g1", "g1", "g2", "g2"], "category": ["a", "b"] * 3,
                          "n": [100, 100, 50, 50, 50, 50], "count": [60, 40, 48, 2, 12, 38],
                          "share_pct": [60.0, 40.0, 96.0, 4.0, 24.0, 76.0]})
    hidden = {(2, "count"): SECONDARY, (2, "share_pct"): SECONDARY, (3, "count"): PRIMARY, (3, "share_pct"): PRIMARY}
    result = audit.audit({"shares": masked(frame, hidden)}, registry, CONFIG)
    row = cell(result, "shares", "count", "group=g1, category=b")
    assert (row.range_low, row.range_high, row.outcome) == (2, 2, audit.FAIL)
    assert "shares" in row.relations


def test_the_last_flow_step_follows_from_the_n_of_a_model_elsewhere(registry):
    # footnote 5's last drop (3, primary) and what remains (secondary) are hidden, but the model
    # fitted on the whole sample prints N = 57: dropped = 60 - 57 = 3
    flow = pd.DataFrame({"outcome": "who5", "step": [0, 1, 2], "remaining": [100, 60, 57], "dropped": [0, 40, 3]})
    models = pd.DataFrame([{"outcome": "who5", "model": "intention", "subgroup_variable": np.nan,
                            "subgroup": "Samlet", "term": "x", "estimate": 0.1, "n": 57, "df_resid": 40}])
    pub = {"flow5": masked(flow, {(2, "dropped"): PRIMARY, (2, "remaining"): SECONDARY}),
           "models": masked(models, {})}
    result = audit.audit(pub, registry, CONFIG)
    row = cell(result, "flow5", "dropped")
    assert (row.range_low, row.range_high, row.outcome) == (3, 3, audit.FAIL)
    assert set(result.failures["column"]) == {"dropped"}
    without = audit.audit({"flow5": pub["flow5"]}, registry, CONFIG)
    assert (cell(without, "flow5", "dropped").range_low, cell(without, "flow5", "dropped").range_high) == (1, 4)


def test_secondary_cells_are_relaxed_unless_asked_to_be_exact(registry):
    # unplanned (secondary) + not stated (primary) = 6. Relaxed (secondary >= 0): not stated in
    # [1, 4]. Exact (a secondary count is 0 or >= 5): unplanned = 5, not stated = 1.
    pub = {"tab81": masked(production(started=30, ongoing=10, completed=20, planned=14, unplanned=5, not_stated=1),
                           {(0, "unplanned"): SECONDARY, (0, "not_stated"): PRIMARY})}
    relaxed = audit.audit(pub, registry, CONFIG)
    assert (cell(relaxed, "tab81", "not_stated").range_low, cell(relaxed, "tab81", "not_stated").range_high) == (1, 4)
    exact = audit.audit(pub, registry, CONFIG, exact_secondary=True)
    assert (cell(exact, "tab81", "not_stated").range_low, cell(exact, "tab81", "not_stated").range_high) == (1, 1)


# --------------------------------------------------------------------------- coverage and models


def test_a_table_whose_rule_has_no_builder_is_reported_not_audited(registry):
    frame = pd.DataFrame({"group": ["a", "b"], "count": [3, 40]})
    result = audit.audit({"mystery": masked(frame, {(0, "count"): PRIMARY})}, registry, CONFIG)
    rec = result.record[result.record["table_id"] == "mystery"]
    assert rec["summary"].str.startswith(audit.NOT_AUDITED).sum() == 2        # the table and its hidden cell
    assert set(rec.loc[rec["summary"].str.startswith(audit.NOT_AUDITED), "outcome"]) == {audit.REVIEW}
    assert result.not_audited == ["mystery"]
    assert "1 not audited (mystery)" in audit.summary(result)
    result.check()                                                            # review, not fail


def test_a_shown_count_below_the_threshold_fails_the_threshold_check(registry):
    result = audit.audit({"tab81": masked(production(started=30, ongoing=10, completed=20, planned=14, unplanned=5,
                                                     not_stated=1), {})}, registry, CONFIG)
    row = result.failures.iloc[0]
    assert (row.column, row.check, row.acro_check, row.summary) == \
        ("not_stated", "threshold", "MinimumThresholdCheck", "fail; shown count 1 < 5")


def test_models_get_acros_dof_check(registry):
    models = pd.DataFrame({"outcome": "who5", "model": "intensity", "subgroup_variable": "substance",
                           "subgroup": ["alkohol", "stoffer", "begge"], "term": "x",
                           "estimate": [0.1, 0.2, np.nan], "n": [120, 30, 25], "df_resid": [100, 8, 7]})
    pub = Masked.shown(models)
    pub.mark_missing(pd.Series([False, False, True]))                    # begge: withheld, not estimated
    result = audit.audit({"models": pub}, registry, CONFIG)
    dof = result.record[result.record["check"] == "dof"].set_index("row")
    assert dof["acro_check"].eq("MinimumDoFCheck").all()
    key = "outcome=who5, model=intensity, subgroup_variable=substance, subgroup="
    assert dof.loc[key + "alkohol", "summary"] == "pass; dof=100 >= 10"
    assert (dof.loc[key + "stoffer", "outcome"], dof.loc[key + "begge", "outcome"]) == (audit.FAIL, audit.REVIEW)
    with pytest.raises(audit.AuditFailure, match="dof=8 < 10 and the estimates are shown"):
        result.check()


def test_parameters_from_a_formula_count_each_categorical_term_once():
    assert audit.formula_parameters("z ~ a + C(b) + age") == 4
    assert audit.formula_parameters("z ~ C(b, Treatment('x')) + a") == 3


def test_a_minimum_width_wider_than_the_marker_allows_is_refused(registry):
    with pytest.raises(ValueError, match="min_range = 4"):
        audit.audit({}, registry, {**CONFIG, "audit": {"min_range": 4}})


@pytest.mark.parametrize(("shown", "decimals", "low", "high"),
                         [(7.5, 1, 7.45, 7.55), (0.0, 1, -0.05, 0.05), (-2.0, 0, -2.5, -1.5), (12.0, 0, 11.5, 12.5)])
def test_a_shown_value_is_an_interval_of_half_a_last_digit(shown, decimals, low, high):
    lo, hi, _, _ = audit.shown_interval(shown, decimals)
    assert math.isclose(lo, low) and math.isclose(hi, high)


def test_a_share_exactly_half_way_displays_rounded_up_so_the_upper_end_is_open(registry):
    # 1 of 8 = 12.5 % is shown as 13 at 0 decimals (half-up): a shown 12 % of n = 8 excludes
    # count 1, leaving no whole count -> the published numbers contradict the model (review)
    frame = pd.DataFrame({"group": "g", "category": ["a", "b"], "n": 8, "count": [7, 1], "share_pct": [87.5, 12.5]})
    reg = Registry({"units": UNITS, "tables": {"shares": {**TABLES["shares"], "columns": [
        code("group"), code("category"), count("n"), count("count"),
        {"name": "share_pct", "heading": "share_pct", "unit": "pct", "decimals": 0}]}}})
    ok = audit.audit({"shares": masked(frame, {(1, "count"): PRIMARY})}, reg, CONFIG)
    assert (cell(ok, "shares", "count").range_low, cell(ok, "shares", "count").range_high) == (1, 1)
    wrong = masked(frame.assign(share_pct=[87.5, 12.4]), {(1, "count"): PRIMARY})
    assert audit.audit({"shares": wrong}, reg, CONFIG).infeasible


def test_the_written_record_has_whole_numbers_and_inf_for_unbounded(registry):
    # a secondary cell with nothing bounding it from above: 0 to unbounded
    frame = pd.DataFrame({"group": ["a", "b"], "category": "x", "n": [40, 60], "count": [3, 60],
                          "share_pct": [7.5, 100.0]})
    result = audit.audit({"shares": masked(frame, {(1, "n"): SECONDARY, (1, "count"): SECONDARY,
                                                   (1, "share_pct"): SECONDARY})}, registry, CONFIG)
    written = audit.record_csv(result.record)
    row = written[(written["column"] == "n") & (written["row"] == "group=b, category=x")].iloc[0]
    assert (row.range_low, row.range_high, row.range_width) == (0, "inf", "inf")
