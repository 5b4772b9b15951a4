"""Models under disclosure control (issue 12, item 5): every published model table carries the
model's parameters (rank of the design as fitted) and residual degrees of freedom; a model with
fewer than `disclosure.min_residual_df` is withheld (rows kept, estimates empty, a Danish note),
and Benjamini-Hochberg runs over the published tests only. Parameters are counted by hand from
each formula."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from statsmodels.stats.multitest import multipletests

from puljeeval.evaluation import core_elements as ce
from puljeeval.evaluation import element_models as em
from puljeeval.evaluation import kapitel_3, kapitel_4, multiplicity
from puljeeval.methods import stats
from puljeeval.settings import ROOT, ConfigError, ConfigView, UndeclaredConfig, load_settings, read_yaml

MIN_DF = 10          # ACRO's safe_dof_threshold (AI-SDC/ACRO acro/default.yaml)
ESTIMATES = ["estimate", "se", "ci_low", "ci_high", "p"]
ELEMENTS = ["ressourcer", "barnet_i_centrum", "leg_oevelser", "netvaerk", "tillid_tryghed", "faellesskab",
            "egen_situation"]


@pytest.fixture(scope="module")
def base():
    return load_settings(read_yaml(ROOT / "config" / "config.yaml"), ROOT)


def configured(base, minimum: int | None = MIN_DF, **sections):
    """The project's settings with `disclosure.min_residual_df` given explicitly (or removed) and
    the named config sections updated."""
    config = copy.deepcopy(dict(base.config))
    config["disclosure"] = {k: v for k, v in config["disclosure"].items() if k != "min_residual_df"}
    if minimum is not None:
        config["disclosure"]["min_residual_df"] = minimum
    for section, values in sections.items():
        config[section] = {**config[section], **values}
    return dataclasses.replace(base, config=config)


def assert_withheld(rows: pd.DataFrame, df_resid: int, minimum: int = MIN_DF) -> None:
    assert len(rows) > 0
    assert rows[[c for c in [*ESTIMATES, "q"] if c in rows]].isna().all().all(), rows
    assert (rows["note"] == f"ikke offentliggjort: for få frihedsgrader (df = {df_resid} < {minimum})").all()
    assert (rows["df_resid"] == df_resid).all()


# --------------------------------------------------------------------------- Bilag 4 (chapter 5)

N_ALKOHOL, N_STOFFER = 18, 25


def element_frame(seed: int = 5) -> pd.DataFrame:
    """43 children in 4 offers: 18 with alcohol abuse at home, 25 with drugs, none with both."""
    rng = np.random.default_rng(seed)
    n = N_ALKOHOL + N_STOFFER
    frame = pd.DataFrame({"course_id": [f"c{i}" for i in range(n)], "offer": [f"o{i % 4}" for i in range(n)],
                          "gender": ["pige", "dreng"] * (n // 2) + ["pige"],
                          "age": rng.integers(3, 25, n).astype(float),
                          "substance": ["alkohol"] * N_ALKOHOL + ["stoffer"] * N_STOFFER})
    for el in ELEMENTS:
        frame[ce.intensity_column(el)] = rng.uniform(0, 4, n)
        frame[ce.intention_column(el)] = rng.integers(0, 2, n)
    frame["z"] = 0.3 * frame["intensity_ressourcer"] + rng.normal(size=n)
    return frame


@pytest.fixture(scope="module")
def element_settings(base):
    # controls gender (2 levels), age (numeric), substance (2 levels in the frame)
    return configured(base, core_elements={
        "controls": ["gender", "age", "substance"], "numeric_controls": ["age"], "min_subgroup_df": 5,
        "subgroups": [{"variable": "substance", "label": "Misbrug",
                       "levels": {"alkohol": "Alkohol", "stoffer": "Stoffer", "begge": "Begge"}}],
        "bootstrap": {"reps": 99, "weights": "webb", "seed": 1, "variant": "31"}})


@pytest.fixture(scope="module")
def element_run(element_settings):
    frame = element_frame()
    candidates = frame.assign(both=True).set_index("course_id", drop=False)
    outcome = {"key": "x", "figures": {"intention": "A", "intensity": "B", "subgroups": "C"}}
    coefs, models = em.run_outcome(outcome, frame, candidates, element_settings)
    key = ["model", "subgroup"]
    return coefs, models.set_index(key), frame


def test_a_subgroup_model_below_the_minimum_is_withheld_with_the_reason(element_run):
    coefs, models, _ = element_run
    # alcohol subgroup: intercept + 7 intensities + C(gender)[T.pige] + age = 10 parameters
    # (substance is the subgroup's own variable, dropped from the controls); 18 - 10 = 8 < 10
    row = models.loc[("intensity", "alkohol")]
    assert (row["n"], row["parameters"], row["df_resid"]) == (N_ALKOHOL, 10, 8)
    assert np.isnan(row["r2"])
    assert row["note"] == "ikke offentliggjort: for få frihedsgrader (df = 8 < 10)"
    rows = coefs[coefs["subgroup"] == "alkohol"]
    # the rows stay, so a reader sees the model exists: 7 elements x 4 methods
    assert len(rows) == 28 and set(rows["method"]) == set(em.METHODS)
    assert set(rows["term"]) == {ce.intensity_column(e) for e in ELEMENTS}
    assert_withheld(rows, 8)


def test_a_model_above_the_minimum_is_published_with_its_size(element_run):
    coefs, models, frame = element_run
    # drug subgroup: the same 10 parameters; 25 - 10 = 15 >= 10
    row = models.loc[("intensity", "stoffer")]
    assert (row["n"], row["parameters"], row["df_resid"]) == (N_STOFFER, 10, 15)
    assert row["note"] == "" or pd.isna(row["note"])
    ols = coefs[(coefs["subgroup"] == "stoffer") & (coefs["method"] == "ols")].set_index("term")
    assert ols[ESTIMATES].notna().all().all()
    assert ((ols["parameters"] == 10) & (ols["df_resid"] == 15) & (ols["note"] == "")).all()
    part = frame[frame["substance"] == "stoffer"]
    direct = smf.ols("z ~ " + " + ".join([ce.intensity_column(e) for e in ELEMENTS]) + " + C(gender) + age",
                     data=part).fit()
    assert direct.df_resid == 15
    terms = [ce.intensity_column(e) for e in ELEMENTS]
    np.testing.assert_allclose(ols.loc[terms, "estimate"], direct.params[terms], rtol=1e-10)
    # whole sample: + C(substance)[T.stoffer] = 11 parameters, 43 - 11 = 32
    for kind in ("intention", "intensity"):
        row = models.loc[(kind, em.OVERALL)]
        assert (row["n"], row["parameters"], row["df_resid"]) == (N_ALKOHOL + N_STOFFER, 11, 32)
        rows = coefs[(coefs["model"] == kind) & (coefs["subgroup"] == em.OVERALL)]
        assert (rows["parameters"] == 11).all() and (rows["df_resid"] == 32).all()


def test_an_empty_subgroup_is_not_estimated_by_the_analysis_rule(element_run):
    coefs, models, _ = element_run
    row = models.loc[("intensity", "begge")]
    assert row["n"] == 0 and row["note"] == "under 5 residuale frihedsgrader: ikke estimeret"
    assert pd.isna(row["parameters"]) and pd.isna(row["df_resid"])
    assert (coefs["subgroup"] != "begge").all()


def test_q_values_count_only_the_published_tests(element_run, element_settings):
    coefs, _, _ = element_run
    config = {"core_elements": {"multiplicity": {"family": "figure", "separate_subgroups": False}}}
    coefs = multiplicity.adjust(coefs, config)
    family = coefs[(coefs["figure"] == "C") & (coefs["method"] == "ols")]
    published = family[family["p"].notna()]
    # the family is the drug subgroup's 7 tests; the withheld alcohol model adds no test
    assert set(published["subgroup"]) == {"stoffer"} and len(published) == 7
    np.testing.assert_allclose(published["q"], multipletests(published["p"], method="fdr_bh")[1], rtol=1e-12)
    assert family.loc[family["p"].isna(), "q"].isna().all()


def test_the_threshold_is_met_at_equality(element_settings):
    """ACRO's MinimumDoFCheck passes with df_resid >= the threshold: 15 passes at 15, not at 16."""
    part = element_frame().query("substance == 'stoffer'")
    controls = ["gender", "age"]
    shown, info = em.model_rows(part, "intensity", element_settings, None, controls, min_residual_df=15)
    assert shown.loc[shown["method"] == "ols", "estimate"].notna().all() and info["df_resid"] == 15
    hidden, info = em.model_rows(part, "intensity", element_settings, None, controls, min_residual_df=16)
    assert_withheld(hidden, 15, 16)
    assert info["note"] == "ikke offentliggjort: for få frihedsgrader (df = 15 < 16)"


# --------------------------------------------------------------------------- footnote 3 (chapter 4)


def benefit_data(n: int, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"benefit": rng.integers(1, 5, n).astype(float), "age": rng.integers(3, 25, n).astype(float),
                         "gender": (["pige", "dreng"] * n)[:n], "substance": (["a", "b", "c"] * n)[:n]})


@pytest.fixture(scope="module")
def benefit_settings(base):
    spec = {"outcome": "benefit", "predictor": "age", "controls": ["gender", "substance"],
            "missing_controls": "category"}
    return configured(base, analysis={"benefit_regression": spec})


def test_benefit_regression_withheld_below_and_published_at_the_minimum(benefit_settings):
    # intercept + age + C(gender)[T.pige] + C(substance)[T.b], [T.c] = 5 parameters
    terms = ["Intercept", "C(gender)[T.pige]", "C(substance)[T.b]", "C(substance)[T.c]", "age"]
    withheld = kapitel_4.benefit_regression(benefit_data(14), benefit_settings)
    assert list(withheld["term"]) == terms
    assert (withheld["n"] == 14).all() and (withheld["parameters"] == 5).all()
    assert_withheld(withheld, 9)
    shown = kapitel_4.benefit_regression(benefit_data(15), benefit_settings)
    assert list(shown.columns) == stats.TIDY_COLUMNS
    assert list(shown["term"]) == terms and shown[ESTIMATES].notna().all().all()
    assert ((shown["n"] == 15) & (shown["parameters"] == 5) & (shown["df_resid"] == 10) & (shown["note"] == "")).all()


def test_parameters_are_the_rank_actually_fitted(base):
    """A control that repeats another adds a column but no parameter: the rank counts."""
    spec = {"outcome": "benefit", "predictor": "age", "controls": ["gender", "substance", "girl"],
            "missing_controls": "category"}
    settings = configured(base, analysis={"benefit_regression": spec})
    data = benefit_data(15).assign(girl=lambda d: d["gender"].map({"pige": "ja", "dreng": "nej"}))
    with pytest.warns(Warning, match="rank-deficient"):
        table = kapitel_4.benefit_regression(data, settings)
    assert len(table) == 6                                  # six columns in the design ...
    assert (table["parameters"] == 5).all() and (table["df_resid"] == 10).all()   # ... of rank 5


# --------------------------------------------------------------------------- dropout model (chapter 3)


def dropout_frame(n: int) -> pd.DataFrame:
    # period 4 against the levels' period 3: both outcomes in every level, no separation
    return pd.DataFrame({"unplanned": ([0, 1, 1, 0] * n)[:n], "age": np.arange(n, dtype=float) % 7 + 10,
                         "abusing_party": (["far", "mor", "begge"] * n)[:n]})


def test_dropout_model_withheld_below_and_published_at_the_minimum(base):
    settings = configured(base, analysis={"dropout": {**base.config["analysis"]["dropout"],
                                                      "model": "unplanned ~ age + C(abusing_party)"}})
    # intercept + C(abusing_party)[T.far], [T.mor] + age = 4 parameters
    withheld = kapitel_3.dropout_model(dropout_frame(13), settings)
    assert len(withheld) == 4 and (withheld["parameters"] == 4).all()
    assert_withheld(withheld, 9)
    shown = kapitel_3.dropout_model(dropout_frame(14), settings)
    assert shown[ESTIMATES].notna().all().all()
    assert ((shown["parameters"] == 4) & (shown["df_resid"] == 10) & (shown["n"] == 14)).all()


# --------------------------------------------------------------------------- configuration


def test_a_missing_minimum_is_an_error_naming_the_key(base, benefit_settings):
    settings = configured(base, minimum=None, analysis=dict(benefit_settings.config["analysis"]))
    with pytest.raises(ConfigError, match=r"disclosure\.min_residual_df"):
        kapitel_4.benefit_regression(benefit_data(15), settings)
    # an undeclared read stays the rule-declaration error, not "missing"
    view = ConfigView({"disclosure": {"min_count": 5}}, ["disclosure.min_count"], rule="r")
    with pytest.raises(UndeclaredConfig, match="min_residual_df"):
        stats.min_residual_df(view)
