"""Bilag 4's statements about the core-element models (puljeeval/evaluation/statements.py) on
hand-made tables: every verdict, "not estimated" never read as "not significant", ties in a
ranking, the report's Barnet i centrum discrepancy; the reproduction rows the statements become and
their displayed verdicts; the other seed's OLS models against the pipeline's own."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from test_reproduction import MARKERS

from puljeeval.evaluation import core_elements as ce
from puljeeval.evaluation import element_models as em
from puljeeval.evaluation import other_seed
from puljeeval.evaluation import reproduction as rep
from puljeeval.evaluation import statements as st
from puljeeval.publish.masked import Masked
from puljeeval.render import readback
from puljeeval.settings import ROOT, ConfigView, Settings, read_yaml

ELEMENTS = {"ressourcer": "Ressourcer", "barnet_i_centrum": "Barnet i centrum", "leg_oevelser": "Leg og øvelser"}
SUBGROUPS = [{"variable": "gender", "label": "Køn", "levels": {"pige": "Pige", "dreng": "Dreng"}},
             {"variable": "substance", "label": "Misbrug", "levels": {"alkohol": "Alkoholmisbrug", "begge": "Begge"}},
             {"variable": "intervention_type", "label": "Indsatstype",
              "levels": {"individuel": "Individuel", "gruppe": "Gruppe"}}]
FIGURES = {"descriptive": "10-13", "intention": "10-14", "intensity": "10-15", "subgroups": "10-16"}


def settings() -> Settings:
    config = {"core_elements": {"outcomes": [{"key": "core_om", "label": "CORE-OM", "figures": FIGURES}],
                                "subgroups": SUBGROUPS},
              "reproduction": {"tolerance": {"coefficient_se_fraction": 0.5}}}
    side = {"core_elements": {"core_elements": [{"code": c, "label": lb} for c, lb in ELEMENTS.items()]}}
    return Settings(config=config, side=side)


SPEC = {
    "whole_sample": {"10-14": {"outcome": "core_om", "model": "intention", "significant": {"ressourcer": "+"}},
                     "10-15": {"outcome": "core_om", "model": "intensity", "significant": {"barnet_i_centrum": "-"}}},
    "effect_sizes": [{"figure": "10-14", "element": "ressourcer", "value": 0.2, "decimals": 2, "text": "på 0,20"},
                     {"figure": "10-15", "element": "barnet_i_centrum", "below": 0.13, "text": "under 0,13"}],
    "subgroup_n": {"core_om": {"gender": {"pige": 100, "dreng": 50}, "intervention_type": {"gruppe": 30}}},
    "subgroup_findings": [
        {"figure": "10-16", "outcome": "core_om", "element": "barnet_i_centrum", "sign": "+", "variable": "gender",
         "level": "pige"},
        {"figure": "10-16", "outcome": "core_om", "element": "barnet_i_centrum", "sign": "+",
         "variable": "substance", "level": "alkohol"}],
    "most_fewest": {"core_om": {"intention_most": ["ressourcer"], "intention_fewest": ["leg_oevelser"],
                                "intensity_most": ["leg_oevelser"]}},
}


def coef(model: str, element: str, low: float, high: float, method: str = "ols", var: str = "",
         level: str = "Samlet", note: str = "", estimate: float | None = None) -> dict:
    figure = FIGURES[model] if not var else FIGURES["subgroups"]
    est = (low + high) / 2 if estimate is None else estimate
    return {"outcome": "core_om", "model": model, "figure": figure, "subgroup_variable": var or np.nan,
            "subgroup": level, "term": f"{model}_{element}", "method": method, "estimate": est,
            "se": (high - low) / 3.92, "ci_low": low, "ci_high": high, "note": note}


def tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rows = [
        coef("intention", "ressourcer", 0.1, 0.3), coef("intention", "ressourcer", -0.05, 0.3, "wild_cluster"),
        coef("intention", "barnet_i_centrum", -0.3, -0.1), coef("intention", "barnet_i_centrum", -0.3, -0.1, "cr2"),
        {**coef("intention", "leg_oevelser", 0, 0), "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
         "note": "ingen variation i gruppen"},
        coef("intensity", "ressourcer", -0.1, 0.1),
        coef("intensity", "barnet_i_centrum", -0.24, 0.0, estimate=-0.12),     # the interval ends at 0
        # leg_oevelser's intensity row is missing altogether
        coef("intensity", "barnet_i_centrum", 0.02, 0.4, var="gender", level="pige"),
        coef("intensity", "barnet_i_centrum", 0.02, 0.4, "wild_cluster", var="gender", level="pige"),
        coef("intensity", "barnet_i_centrum", -0.1, 0.3, var="intervention_type", level="individuel"),
    ]
    models = pd.DataFrame([
        {"outcome": "core_om", "model": "intention", "subgroup_variable": np.nan, "subgroup": "Samlet", "n": 400,
         "note": np.nan},
        {"outcome": "core_om", "model": "intensity", "subgroup_variable": np.nan, "subgroup": "Samlet", "n": 400,
         "note": np.nan},
        {"outcome": "core_om", "model": "intensity", "subgroup_variable": "gender", "subgroup": "pige", "n": 100,
         "note": np.nan},
        {"outcome": "core_om", "model": "intensity", "subgroup_variable": "gender", "subgroup": "dreng", "n": 48,
         "note": np.nan},
        {"outcome": "core_om", "model": "intensity", "subgroup_variable": "substance", "subgroup": "alkohol",
         "n": 25, "note": "under 20 residuale frihedsgrader: ikke estimeret"},
        {"outcome": "core_om", "model": "intensity", "subgroup_variable": "intervention_type",
         "subgroup": "individuel", "n": 90, "note": np.nan}])
    # barnet_i_centrum and leg_oevelser tie at the bottom of intention; leg_oevelser is least intensive
    intention = pd.DataFrame({"outcome": "core_om", "element": list(ELEMENTS), "n": 400,
                              "share_pct": [80.0, 60.0, 60.0], "mean_intensity": [2.5, 2.0, 1.0]})
    return pd.DataFrame(rows), models, intention


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    coefs, models, intention = tables()
    return st.evaluate(SPEC, coefs, models, intention, settings())


def row(table: pd.DataFrame, kind: str, **where) -> pd.Series:
    hit = table["kind"] == kind
    for col, value in where.items():
        hit &= table[col].astype("string").fillna("") == value
    assert hit.sum() == 1, (kind, where, hit.sum())
    return table[hit].iloc[0]


# ---------------------------------------------------------------------- verdicts


def test_the_report_significance_is_the_ols_interval_excluding_zero():
    assert st.verdict(0.2, 0.1, 0.3) == "+" and st.verdict(-0.2, -0.3, -0.1) == "-"
    assert st.verdict(0.1, -0.1, 0.3) == "ikke signifikant"
    assert st.verdict(0.1, 0.0, 0.2) == "ikke signifikant"          # an end at 0: the interval holds 0
    assert st.verdict(np.nan, np.nan, np.nan) == "ikke estimeret"
    assert st.verdict(0.1, np.nan, 0.2) == "ikke estimeret"


def test_every_whole_sample_element_is_a_statement_with_its_verdict(table):
    whole = table[(table["kind"] == "significance") & table["subgroup_variable"].isna()]
    assert len(whole) == 2 * len(ELEMENTS)                       # named and not named, per figure
    r = row(table, "significance", figure="10-14", element="ressourcer")
    assert (r["report"], r["found"], r["holds"]) == ("positiv og signifikant", "positiv og signifikant", True)
    # the wild cluster interval holds 0: the finding does not survive few-cluster inference
    assert r["wild"] == "ikke signifikant" and r["wild_holds"] is False or r["wild_holds"] == False  # noqa: E712
    r = row(table, "significance", figure="10-14", element="barnet_i_centrum")
    assert (r["expected"], r["found_code"], r["holds"]) == ("ikke signifikant", "-", False)
    # no wild_cluster row at all (only cr2, which is not read): not estimated, never "not significant"
    assert r["wild"] == "ikke estimeret"
    r = row(table, "significance", figure="10-15", element="barnet_i_centrum")
    assert (r["expected"], r["found_code"], r["holds"]) == ("-", "ikke signifikant", False)


def test_a_statement_without_an_estimate_is_not_estimated_and_never_holds(table):
    r = row(table, "significance", figure="10-14", element="leg_oevelser")
    assert r["found_code"] == "ikke estimeret" and not r["holds"] and r["note"] == "ingen variation i gruppen"
    r = row(table, "significance", figure="10-15", element="leg_oevelser")     # no row in the table
    assert r["found_code"] == "ikke estimeret" and not r["holds"] and "ingen række" in r["note"]
    r = row(table, "significance", figure="10-16", subgroup_variable="substance", subgroup="alkohol")
    assert r["found_code"] == "ikke estimeret" and "residuale frihedsgrader" in r["note"]
    r = row(table, "subgroup_n", subgroup_variable="intervention_type", subgroup="gruppe")
    assert r["found"] == "ikke estimeret" and not r["holds"]


def test_effect_sizes_bounds_and_subgroup_n(table):
    r = row(table, "effect_size", figure="10-14", element="ressourcer")
    assert r["holds"] and r["found"] == "effektstørrelse 0,20"       # 0,2 at 2 decimals, within SE/2
    r = row(table, "bound", figure="10-15", element="barnet_i_centrum")
    assert r["holds"] and r["found"] == "numerisk under 0,13"
    assert row(table, "subgroup_n", subgroup="pige")["holds"]
    dreng = row(table, "subgroup_n", subgroup="dreng")
    assert not dreng["holds"] and dreng["found"] == "et andet antal" and dreng["n"] == 48


def test_a_ranking_holds_with_a_tie_at_the_boundary(table):
    assert st.ranking_holds({"a": 3.0, "b": 1.0, "c": 1.0}, ["b"], "bottom")
    assert st.ranking_holds({"a": 3.0, "b": 1.0, "c": 1.0}, ["c"], "bottom")
    assert not st.ranking_holds({"a": 3.0, "b": 1.0, "c": 1.0}, ["a"], "bottom")
    assert st.ranking_holds({"a": 3.0, "b": 2.0, "c": 1.0}, ["b", "a"], "top")          # order is no statement
    assert not st.ranking_holds({"a": 3.0, "b": np.nan, "c": 1.0}, ["a"], "top")
    assert st.ranked({"a": 3.0, "b": 1.0, "c": 1.0}, 1, "bottom") == (["b"], ["c"])
    fewest = row(table, "ranking", which="intention_fewest")
    # named the report's way (the data's own order would name Barnet i centrum first)
    assert fewest["holds"] and fewest["found"] == "færrest med intention om Leg og øvelser (delt plads med " \
        "Barnet i centrum)" and fewest["found_code"] == "leg_oevelser"
    assert row(table, "ranking", which="intention_most")["holds"]
    most = row(table, "ranking", which="intensity_most")
    assert not most["holds"] and most["found_code"] == "ressourcer"


def test_the_barnet_i_centrum_discrepancy_is_flagged(table):
    alkohol = row(table, "significance", figure="10-16", subgroup_variable="substance")
    assert alkohol["report_inconsistent"] and "afsnit 5.2.3" in alkohol["remark"]
    # 5.2.3's other subgroups, with what the data say there (individuel is estimated, begge not)
    assert "indsatstype: individuel (ikke signifikant)" in alkohol["remark"]
    assert "misbrug: begge (ikke estimeret)" in alkohol["remark"]
    pige = row(table, "significance", figure="10-16", subgroup_variable="gender")
    assert not pige["report_inconsistent"] and pige["remark"] == "Afsnit 5.2.3 nævner det samme fund."
    assert pige["holds"] and pige["wild_holds"]


def test_a_wrong_transcription_is_an_error_naming_the_key():
    coefs, models, intention = tables()
    bad = copy.deepcopy(SPEC)
    bad["whole_sample"]["10-14"]["model"] = "intensity"
    with pytest.raises(ValueError, match=r"bilag_4.statements.whole_sample.10-14: model 'intensity'"):
        st.evaluate(bad, coefs, models, intention, settings())
    bad = copy.deepcopy(SPEC)
    bad["subgroup_findings"][0]["level"] = "ung"
    with pytest.raises(ValueError, match=r"subgroup_findings.0: 'ung' is not a level"):
        st.evaluate(bad, coefs, models, intention, settings())
    with pytest.raises(ValueError, match="two rows"):
        st.evaluate(SPEC, pd.concat([coefs, coefs.iloc[:1]]), models, intention, settings())


def test_the_other_seed_columns(table):
    other = table.assign(holds=~table["holds"].astype(bool), found="x")
    both = st.with_other_seed(table, other, 11)
    assert (both["other_seed"] == "11").all() and (both["other_holds"] == ~table["holds"]).all()
    none = st.with_other_seed(table, None, None)
    assert none["other_seed"].isna().all() and none["other_holds"].isna().all()
    with pytest.raises(ValueError, match="other statements"):
        st.with_other_seed(table, other.iloc[1:], 11)


# ---------------------------------------------------------------------- reproduction rows


def reproduction_rows(table: pd.DataFrame) -> pd.DataFrame:
    s = settings()
    return rep.bilag4_statements(table, s)


def test_every_statement_is_a_reproduction_row_that_can_fail(table):
    rows = reproduction_rows(table)
    assert len(rows) == len(table)
    assert rows["within_tolerance"].tolist() == table["holds"].astype(bool).tolist()
    assert rows["could_fail"].all()
    kinds = dict(zip(table["kind"], rows["kind"], strict=True))
    assert kinds == {"significance": "significance", "effect_size": "coefficient", "bound": "bound",
                     "subgroup_n": "count", "ranking": "ranking"}
    sig = rows[rows["kind"] == "significance"]
    assert set(sig["published"]) == {"+", "-", "ikke signifikant"}
    assert "ikke estimeret" in set(sig["reproduced"])
    # the inconsistency travels with its note
    flagged = rows[rows["report_inconsistent"]]
    assert len(flagged) == 1 and "5.2.3" in flagged["note"].iloc[0] and "5.2.3" in flagged["note_da"].iloc[0]
    # a bound: the size strictly below; a printed n: exactly
    assert rep.within("bound", 0.13, 0.1299, rep.tolerance("bound", 2))
    assert not rep.within("bound", 0.13, 0.13, rep.tolerance("bound", 2))
    assert rep.could_fail(0.13, rep.tolerance("bound", 2))


def test_a_displayed_estimate_agrees_with_a_bound_only_when_all_it_stands_for_is_below():
    def agrees(text: str) -> bool:
        return rep.display_agrees(readback.shown_text(text), "bound", 0.13, 2, rep.tolerance("bound", 2), 5)

    assert agrees("-0,120") and agrees("0,129")               # 0,1295 at most: below 0,13
    assert not agrees("0,130") and not agrees("-0,131")
    assert not agrees("0,1")                                   # fewer decimals than the report


def test_the_table_and_the_check_must_agree(table):
    lying = table.copy()
    lying.loc[lying["kind"] == "bound", "holds"] = False
    with pytest.raises(ValueError, match="the table says holds = False"):
        reproduction_rows(lying)


def coefficient_masked(table: pd.DataFrame) -> Masked:
    coefs, _, _ = tables()
    return Masked.shown(coefs.reset_index(drop=True))


def significance_cells(i: int, estimate: str, low: str, high: str) -> dict:
    return {"element_coefficients": {(i, "estimate"): readback.shown_text(estimate),
                                     (i, "ci_low"): readback.shown_text(low),
                                     (i, "ci_high"): readback.shown_text(high)}}


def test_the_displayed_estimate_and_interval_give_the_verdict(table):
    rows = reproduction_rows(table)
    first = rows[rows["quantity"].str.contains("Figur 10-14") & rows["quantity"].str.endswith("ressourcer")
                 & (rows["kind"] == "significance")]
    masked = {"element_coefficients": coefficient_masked(table)}

    def compare(page: dict, book: dict) -> pd.Series:
        out = rep.compare_displayed(first, lambda ch, t: masked[t], {"kapitel_5": page}, {"kapitel_5": book},
                                    MARKERS, 5)
        return out.iloc[0]

    shown = compare(significance_cells(0, "0,200", "0,100", "0,300"), significance_cells(0, "0,200", "0,100", "0,300"))
    assert shown["displayed_page"] == "0,200 [0,100; 0,300]" and shown["displayed_ok"]
    # an end displayed as 0: the reader cannot tell the sign
    zero = compare(significance_cells(0, "0,200", "0,000", "0,300"), {})
    assert zero["page_ok"] is False or zero["page_ok"] == False  # noqa: E712
    assert "som 0" in zero["displayed_note"] and "tabellen vises ikke på regnearket" in zero["displayed_note"]
    missing = compare(significance_cells(0, "...", "...", "..."), significance_cells(0, "0,200", "0,100", "0,300"))
    assert not missing["page_ok"] and missing["workbook_ok"] and not missing["displayed_ok"]


def test_a_ranking_is_read_off_the_displayed_values(table):
    rows = reproduction_rows(table)
    fewest = rows[(rows["kind"] == "ranking") & rows["statement"].str.contains("intention_fewest|leg_oevelser")]
    fewest = fewest[fewest["published"].str.startswith("færrest")]
    _, _, intention = tables()
    masked = {"element_intention": Masked.shown(intention)}

    def cells(values: list[str]) -> dict:
        return {"element_intention": {(i, "share_pct"): readback.shown_text(v) for i, v in enumerate(values)}}

    out = rep.compare_displayed(fewest, lambda ch, t: masked[t], {"kapitel_5": cells(["80,0", "60,0", "60,0"])},
                                {"kapitel_5": cells(["80,0", "59,9", "60,1"])}, MARKERS, 5).iloc[0]
    assert out["page_ok"] and out["displayed_page"] == "nævnte 60,0; øvrige mindst 60,0"
    assert not out["workbook_ok"] and "regnearket viser en anden rangorden" in out["displayed_note"]


def test_the_public_table_and_page_show_statements(table):
    rows = reproduction_rows(table)
    full = rep.compare_displayed(rows, lambda ch, t: coefficient_masked(table) if t == "element_coefficients"
                                 else Masked.shown(tables()[1 if t == "element_models" else 2]), {}, {}, MARKERS, 5)
    safe = rep.safe(full, lambda ch, t: Masked.shown(tables()[2]) if t == "element_intention"
                    else coefficient_masked(table) if t == "element_coefficients" else Masked.shown(tables()[1]),
                    MARKERS, 5)
    public = rep.public(safe, MARKERS)
    assert set(public["Udsagn (Bilag 4, kapitel 5-siden)"]) == set(table["statement"])
    sig = public[public["Type"] == "signifikans og fortegn"]
    assert set(sig["Rapportens tal"]) == {"+", "-", "ikke signifikant"} and set(sig["Tolerance (±)"]) == {"."}
    back = rep.read_public(public.astype(str))
    summary = rep.summary_da(back)
    assert f"Af Bilag 4's {len(table)} udsagn" in summary
    assert f"holder {int(table['holds'].sum())} på data" in summary
    html = rep.page_html(back, summary, "", MARKERS)
    assert "ikke signifikant" in html and "NaN" not in html and ">nan<" not in html
    assert "B4-001" in html


# ---------------------------------------------------------------------- the other seed's models


def model_settings() -> Settings:
    config = copy.deepcopy(read_yaml(ROOT / "config" / "config.yaml"))
    config["core_elements"]["bootstrap"] = {"reps": 9, "weights": "webb", "seed": 1, "variant": "31"}
    return Settings(config=config, side={"core_elements": read_yaml(ROOT / "config" / "core_elements.yaml")})


def synthetic_frame(n: int = 300, seed: int = 3) -> pd.DataFrame:
    s = model_settings()
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"course_id": [f"c{i}" for i in range(n)], "offer": [f"o{i % 8}" for i in range(n)],
                          "age": rng.integers(3, 25, n).astype(float)})
    for var in s.config["core_elements"]["controls"]:
        if var != "age":
            frame[var] = rng.choice(["a", "b"], n)
    for sub in s.config["core_elements"]["subgroups"]:
        levels = list(sub["levels"])
        # the last level has 12 children: too few residual degrees of freedom for a model
        frame[sub["variable"]] = np.where(np.arange(n) < 12, levels[-1], rng.choice(levels[:-1], n))
    for el in s.element_codes:
        frame[ce.intensity_column(el)] = rng.uniform(0, 4, n).round(1)
        frame[ce.intention_column(el)] = rng.integers(0, 2, n)
    frame["z"] = 0.3 * frame[ce.intensity_column(s.element_codes[0])] + rng.normal(size=n)
    return frame


def test_the_other_seeds_ols_models_are_the_pipelines():
    """ols_models fits what element_models fits: the same OLS rows for the whole sample and every
    estimated subgroup, the same subgroups left out."""
    s = model_settings()
    cfg = s.config["core_elements"]
    outcome = next(o for o in cfg["outcomes"] if o["key"] == "sdq_p")
    frame = synthetic_frame()
    coefs, models = other_seed.ols_models(outcome, frame, s)
    assert set(coefs["method"]) == {"ols"} and list(coefs.columns) == em.COLUMNS
    checked = 0
    for (model, var, level), part in coefs.groupby(["model", coefs["subgroup_variable"].fillna(""), "subgroup"]):
        sub = next((x for x in cfg["subgroups"] if x["variable"] == var), None)
        data = frame if not var else frame[frame[var].astype(object) == level]
        controls = None if not var else [c for c in cfg["controls"] if c != var]
        table, _ = em.model_rows(data, model, s, None, controls)
        ols = table[table["method"] == "ols"].set_index("term")
        mine = part.set_index("term").loc[ols.index]
        np.testing.assert_allclose(mine["estimate"], ols["estimate"], rtol=1e-10)
        np.testing.assert_allclose(mine["ci_low"], ols["ci_low"], rtol=1e-10)
        np.testing.assert_allclose(mine["ci_high"], ols["ci_high"], rtol=1e-10)
        assert (mine["n"] == ols["n"]).all() and (sub is not None) == bool(var)
        checked += 1
    skipped = models[models["note"].fillna("").str.contains("residuale frihedsgrader")]
    assert checked >= 4 and len(skipped) == len([x for x in cfg["subgroups"] if "outcomes" not in x])
    assert (skipped["n"] == 12).all()


def test_with_extracts_changes_only_the_paths_and_records_reads():
    values = {"extracts": {"registrations": {"path": "a.csv", "encoding": "cp1252"}}, "data_source": "twin"}
    view = ConfigView(copy.deepcopy(values), ["extracts", "data_source"], "demo")
    made = other_seed.with_extracts(Settings(config=view, rule="demo"), {"registrations": "/tmp/x/a.csv"})
    assert made.config["extracts"]["registrations"]["path"] == "/tmp/x/a.csv"
    assert made.config["extracts"]["registrations"]["encoding"] == "cp1252"
    assert "extracts.registrations.path" in view.reads and view.plain()["extracts"]["registrations"]["path"] == "a.csv"
    with pytest.raises(KeyError):
        made.config["pseudonymisation"]
    with pytest.raises(KeyError, match="extracts.background"):
        other_seed.with_extracts(Settings(config=view), {"background": "b.csv"})
