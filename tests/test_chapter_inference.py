"""Chapters 3-4 beyond the report (issue 14, items 2, 5 and 7): the clustered rows beside the
classical ones in section 3.3's logit, footnote 3 and the mean changes; withheld models withheld
for every method; the ALLE rule and the age rows; the unit of analysis."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest

from puljeeval.evaluation import kapitel_3, kapitel_4
from puljeeval.publish.registry import Registry
from puljeeval.scoring.change import CATEGORIES, RC_CLASSES
from puljeeval.settings import ROOT, load_settings, read_yaml

ESTIMATES = ["estimate", "se", "ci_low", "ci_high", "p"]


@pytest.fixture(scope="module")
def settings():
    config = read_yaml(ROOT / "config" / "config.yaml")
    config["analysis"]["inference"]["bootstrap"]["reps"] = 199          # the machinery, not the precision
    return load_settings(config, ROOT)


def with_config(settings, **changes):
    config = copy.deepcopy(dict(settings.config))
    for path, value in changes.items():
        node = config
        *parents, last = path.split("__")
        for key in parents:
            node = node[key]
        node[last] = value
    return dataclasses.replace(settings, config=config)


def courses_frame(n: int, offers: int = 6, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"course_id": [f"k{i:03d}" for i in range(n)], "person_key": [f"p{i:03d}" for i in range(n)],
                         "start_date": pd.Timestamp("2017-01-01") + pd.to_timedelta(rng.integers(0, 700, n), "D"),
                         "offer": np.array([f"T{o}" for o in range(offers)])[rng.permutation(n) % offers],
                         "age": rng.integers(3, 25, n).astype(float)})


# --------------------------------------------------------------------------- footnote 3


def benefit_data(n: int, seed: int = 2, offers: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = courses_frame(n, offers, seed)
    out["benefit"] = rng.integers(1, 5, n).astype(float)
    out["gender"] = (["pige", "dreng"] * n)[:n]
    out["substance"] = (["a", "b", "c"] * n)[:n]
    return out


def benefit_settings(settings, minimum: int = 10):
    spec = {"outcome": "benefit", "predictor": "age", "controls": ["gender", "substance"],
            "missing_controls": "category"}
    return with_config(settings, analysis__benefit_regression=spec, disclosure__min_residual_df=minimum)


def test_footnote_3_has_the_classical_rows_and_two_clustered_methods_per_term(settings):
    s = benefit_settings(settings)
    table = kapitel_4.benefit_models(benefit_data(120), s)
    classical = kapitel_4.benefit_regression(benefit_data(120), s)
    terms = list(classical["term"])
    assert list(table["method"]) == [m for _ in terms for m in kapitel_4.OLS_METHODS]
    ols = table[table["method"] == "ols"].drop(columns=["method", "clusters"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(ols, classical)                      # the report's rows unchanged
    for method in ("wild_cluster", "cr2"):
        rows = table[table["method"] == method].set_index("term")
        assert rows[ESTIMATES].notna().all().all(), method
        assert np.allclose(rows["estimate"], classical.set_index("term")["estimate"])    # same estimates
        assert ((rows["ci_low"] < rows["estimate"]) & (rows["estimate"] < rows["ci_high"])).all()
        # the interval and the p-value of one method agree about 0
        assert ((rows["p"] > 0.05) == ((rows["ci_low"] < 0) & (rows["ci_high"] > 0))).all(), method
    assert (table["clusters"] == 6).all()
    assert table.loc[table["method"] == "cr2", "note"].str.contains("Bell-McCaffrey").all()


def test_a_withheld_footnote_3_is_withheld_for_every_method(settings):
    s = benefit_settings(settings, minimum=20)
    table = kapitel_4.benefit_models(benefit_data(24), s)           # 24 - 5 parameters = 19 < 20
    assert set(table["method"]) == set(kapitel_4.OLS_METHODS)
    assert table[ESTIMATES].isna().all().all()
    assert (table["note"] == "ikke offentliggjort: for få frihedsgrader (df = 19 < 20)").all()


def test_footnote_3_sample_in_the_child_unit_keeps_one_course_per_child(settings):
    data = benefit_data(40)
    courses = data[["course_id", "person_key", "start_date", "offer"]].copy()
    courses.loc[courses.index[:10], "person_key"] = "p_twice"        # ten courses of one child
    s = benefit_settings(settings)
    assert len(kapitel_4.benefit_sample(data, courses, s)) == 40
    child = with_config(s, analysis_unit={"unit": "child", "child_course": "last"})
    kept = kapitel_4.benefit_sample(data, courses, child)
    last = courses.loc[courses.index[:10]].sort_values(["start_date", "course_id"])["course_id"].iloc[-1]
    assert len(kept) == 31 and set(kept["course_id"]) & set(courses["course_id"][:10]) == {last}


# --------------------------------------------------------------------------- section 3.3's logit


def dropout_data(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = courses_frame(n, 8, seed)
    out["abusing_party"] = np.array(["far", "mor", "begge"])[rng.integers(0, 3, n)]
    out["unplanned"] = (rng.random(n) < 1 / (1 + np.exp(-(-1 + 0.05 * out["age"])))).astype(int)
    return out


def dropout_settings(settings, minimum: int = 10):
    dropout = {**settings.config["analysis"]["dropout"], "model": "unplanned ~ age + C(abusing_party)"}
    return with_config(settings, analysis__dropout=dropout, disclosure__min_residual_df=minimum)


def test_dropout_logit_has_the_classical_rows_the_score_bootstrap_and_cr1(settings):
    s = dropout_settings(settings)
    data = dropout_data(300)
    table = kapitel_3.dropout_models(data, s)
    classical = kapitel_3.dropout_model(data, s)
    assert list(table["method"]) == [m for _ in classical["term"] for m in kapitel_3.LOGIT_METHODS]
    for method in ("wild_score", "cr1"):
        rows = table[table["method"] == method].set_index("term")
        assert rows[ESTIMATES].notna().all().all(), method
        assert np.allclose(rows["estimate"], classical.set_index("term")["estimate"])    # odds ratios
        assert ((rows["ci_low"] < rows["estimate"]) & (rows["estimate"] < rows["ci_high"])).all()
        assert ((rows["p"] > 0.05) == ((rows["ci_low"] < 1) & (rows["ci_high"] > 1))).all(), method
    assert (table["clusters"] == 8).all()


def test_a_withheld_dropout_logit_is_withheld_for_every_method(settings):
    s = dropout_settings(settings, minimum=30)
    table = kapitel_3.dropout_models(dropout_data(30), s)          # 30 - 4 parameters = 26 < 30
    assert set(table["method"]) == set(kapitel_3.LOGIT_METHODS) and len(table) == 12
    assert table[ESTIMATES].isna().all().all()
    assert (table["note"] == "ikke offentliggjort: for få frihedsgrader (df = 26 < 30)").all()


def test_a_single_offer_gives_no_clustered_estimates_and_says_why(settings):
    s = dropout_settings(settings)
    data = dropout_data(200).assign(offer="T0")
    table = kapitel_3.dropout_models(data, s)
    clustered = table[table["method"] != "classical"]
    assert clustered[ESTIMATES].isna().all().all()
    assert (clustered["note"] == "færre end 2 tilbud: ingen klyngerobust inferens").all()


def test_every_method_code_has_a_danish_label(settings):
    registry = Registry(read_yaml(ROOT / "config" / "tables.yaml"),
                        lambda key: read_yaml(ROOT / "config" / f"{key}.yaml"), settings.config)
    labels = registry.labels("methods")
    for code in (*kapitel_4.OLS_METHODS, *kapitel_3.LOGIT_METHODS):
        assert labels.get(code) and labels[code] != code, code
    groups = registry.labels("outcome_age_rows")
    assert groups[kapitel_4.UNKNOWN_AGE] and groups[kapitel_4.OUTSIDE_AGES]


# --------------------------------------------------------------------------- chapter 4's pairs


def pairs_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    """SDQ (ages 3-10) pairs of eleven children: six aged 3-10 in three offers, two of unknown age,
    three aged 12-14 (outside the SDQ's ages); and YP-CORE (11-16) pairs of the three 12-14-year-olds."""
    ages = [4, 5, 6, 7, 8, 9, np.nan, np.nan, 12, 13, 14]
    groups = ["3-10"] * 6 + [None, None] + ["11-16"] * 3
    courses = pd.DataFrame({"course_id": [f"k{i}" for i in range(11)], "person_key": [f"p{i}" for i in range(11)],
                            "start_date": pd.Timestamp("2018-01-01"), "offer": ["A", "B", "C"] * 3 + ["A", "B"],
                            "age": ages, "age_group": groups})
    rows = []
    for i in range(11):
        pre, post = 14.0 + i, 10.0 + (i % 4) + 0.5 * (i % 3)
        rows.append({"course_id": f"k{i}", "instrument": "sdq_p", "scale": "total", "direction": "lower_better",
                     "pre": pre, "post": post, "change": pre - post})
    for i in range(8, 11):
        rows.append({"course_id": f"k{i}", "instrument": "yp_core", "scale": "total", "direction": "lower_better",
                     "pre": 10.0 + 2 * i, "post": 12.0 + i, "change": i - 2.0})
    pairs = pd.DataFrame(rows)
    pairs["category"] = pd.Categorical(np.where(pairs["change"] > 0, "fremgang", np.where(
        pairs["change"] == 0, "status quo", "tilbagegang")), categories=CATEGORIES)
    pairs["rc_class"] = pd.Categorical(np.where(pairs["change"] > 6, RC_CLASSES[0], RC_CLASSES[1]),
                                       categories=RC_CLASSES)
    pairs["rc_class_sample_alpha"] = pd.Categorical(np.where(pairs["change"] > 3, RC_CLASSES[0], RC_CLASSES[1]),
                                                    categories=RC_CLASSES)
    return pairs, courses


def test_alle_is_the_pairs_within_the_instruments_ages_and_every_pair_has_one_age_row(settings):
    pairs, courses = pairs_case()
    table = kapitel_4.outcome_summary(pairs, courses, settings).set_index(["instrument", "age_group"])
    sdq = table.loc["sdq_p"]
    assert list(sdq.index) == ["ALLE", "3-10", kapitel_4.UNKNOWN_AGE, kapitel_4.OUTSIDE_AGES]
    assert sdq["n"].to_dict() == {"ALLE": 6, "3-10": 6, kapitel_4.UNKNOWN_AGE: 2, kapitel_4.OUTSIDE_AGES: 3}
    assert sdq["within_ages"].to_dict() == {"ALLE": True, "3-10": True, kapitel_4.UNKNOWN_AGE: False,
                                            kapitel_4.OUTSIDE_AGES: False}
    # every pair once among the age rows: 6 + 2 + 3 = 11 pairs
    assert sdq.drop(index="ALLE")["n"].sum() == (pairs["instrument"] == "sdq_p").sum()
    # ALLE is the 3-10 pairs (k0..k5: changes 4, 3.5, 3, 4, 7.5, 7); reliable with > 6 (the
    # configured class here) for two of them, with > 3 (the sample-alpha class) for five
    assert sdq.at["ALLE", "change_mean"] == pytest.approx(29 / 6)
    assert sdq.at["ALLE", "reliable_improvement_pct"] == pytest.approx(100 * 2 / 6)
    assert sdq.at["ALLE", "reliable_improvement_sample_alpha_pct"] == pytest.approx(100 * 5 / 6)
    # an instrument with pairs in one age group has its ALLE row too
    yp = table.loc["yp_core"]
    assert list(yp.index) == ["ALLE", "11-16"] and (yp["n"] == 3).all()


def test_mean_changes_are_clustered_by_offer_beside_the_t_interval(settings):
    pairs, courses = pairs_case()
    table = kapitel_4.outcome_summary(pairs, courses, settings).set_index(["instrument", "age_group"])
    alle = table.loc[("sdq_p", "ALLE")]
    assert alle["clusters"] == 3
    for low, high, p in (("change_wild_ci_low", "change_wild_ci_high", "change_wild_p"),
                         ("change_cr2_ci_low", "change_cr2_ci_high", "change_cr2_p")):
        assert alle[low] < alle["change_mean"] < alle[high]
        assert (alle[p] > 0.05) == (alle[low] < 0 < alle[high])
    assert alle["change_cr2_df"] > 0
    # the unknown-age pairs sit in one offer (k6, k7: offers A and B): two clusters, so estimated
    assert table.loc[("sdq_p", kapitel_4.UNKNOWN_AGE), "clusters"] == 2


def test_the_child_unit_keeps_the_course_that_has_the_measurement(settings):
    """A child with two courses, the first without an end measurement on the SDQ: in the child
    unit the child enters with the second (the first course that qualifies), not not at all."""
    pairs, courses = pairs_case()
    courses.loc[courses["course_id"] == "k1", "person_key"] = "p0"            # k0 and k1: one child
    courses.loc[courses["course_id"] == "k1", "start_date"] = pd.Timestamp("2019-01-01")
    pairs = pairs[pairs["course_id"] != "k0"]                                  # k0 has no pair
    config = with_config(settings, analysis_unit={"unit": "child", "child_course": "first"}).config
    got = kapitel_4.analysis_pairs(pairs, courses, config)
    assert "k1" in set(got["course_id"])
    both = pd.concat([pairs, pairs_case()[0].iloc[[0]]]).sort_index()          # k0 measured after all
    got = kapitel_4.analysis_pairs(both, courses, config)
    sdq = got[got["instrument"] == "sdq_p"]
    assert "k0" in set(sdq["course_id"]) and "k1" not in set(sdq["course_id"])    # the first course
    assert len(kapitel_4.analysis_pairs(both, courses, settings.config)) == len(both)     # course unit: all
