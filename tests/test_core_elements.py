"""Core elements (Bilag 4): aggregation, intention, samples, models, wild bootstrap, q-values,
suppression, and the 200-seed coverage of the twin's planted effects."""

from __future__ import annotations

import copy
import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from puljeeval.evaluation import core_elements as ce
from puljeeval.evaluation import element_models as em
from puljeeval.methods import cluster_inference
from puljeeval.publish import rules
from puljeeval.settings import ROOT, ConfigError, load_settings, read_yaml
from puljeeval.twin import elements as te
from puljeeval.twin.inputs import SIDE_FILES, TwinInputs

ELEMENTS = ["ressourcer", "barnet_i_centrum", "leg_oevelser", "netvaerk", "tillid_tryghed", "faellesskab",
            "egen_situation"]


@pytest.fixture(scope="module")
def settings():
    return load_settings(read_yaml(ROOT / "config" / "config.yaml"), ROOT)


def with_config(settings, **changes):
    config = copy.deepcopy(settings.config)
    for key, value in changes.items():
        config["core_elements"][key] = value
    return load_settings(config, ROOT)


# --------------------------------------------------------------------------- aggregation


def fidelity_rows():
    # course A: two registrations; B: one registration rating only egen_situation
    return pd.DataFrame({
        "course_id": ["A", "A", "A", "B"],
        "date": pd.to_datetime(["2018-01-01", "2018-03-01", "2018-03-01", "2018-02-01"]),
        "element": ["ressourcer", "ressourcer", "leg_oevelser", "egen_situation"],
        "rating": [1.0, 4.0, 2.5, 3.0],
    })


@pytest.mark.parametrize("rule, ressourcer", [("mean", 2.5), ("max", 4.0), ("last", 4.0)])
def test_intensity_aggregates_ratings_and_unrated_elements_are_zero(rule, ressourcer):
    out = ce.intensity(fidelity_rows(), ELEMENTS, rule, 0).set_index("course_id")
    assert out.at["A", "intensity_ressourcer"] == ressourcer
    assert out.at["A", "intensity_leg_oevelser"] == 2.5
    assert out.at["A", "intensity_egen_situation"] == 0          # never rated: not worked with
    assert out.at["B", "intensity_egen_situation"] == 3.0
    assert out.at["B", "intensity_ressourcer"] == 0
    assert out["n_registrations"].to_dict() == {"A": 2, "B": 1}


def test_unknown_element_code_is_an_error_naming_it():
    bad = fidelity_rows().assign(element=["ressourcer", "ressourcer", "fantasi", "egen_situation"])
    with pytest.raises(ValueError, match="fantasi"):
        ce.intensity(bad, ELEMENTS, "mean", 0)


def test_intention_uses_the_intervention_type_row_then_the_offer_default():
    intention = pd.DataFrame({
        "offer": ["X"] * 4 + ["Y"] * 2,
        "intervention_type": ["gruppe", "gruppe", "", ""] + ["", ""],
        "element": ["ressourcer", "leg_oevelser"] * 3,
        "chosen": [0, 1, 1, 0, 1, 1],
    })
    courses = pd.DataFrame({"course_id": ["c1", "c2", "c3", "c4"], "offer": ["X", "X", "X", "Y"],
                            "intervention_type": ["gruppe", "individuel", None, "begge"]})
    out = ce.intention_per_course(courses, intention, ["ressourcer", "leg_oevelser"]).set_index("course_id")
    assert out.loc["c1"].tolist() == [0, 1]        # the group intervention's own row
    assert out.loc["c2"].tolist() == [1, 0]        # no row for individuel: the offer default
    assert out.loc["c3"].tolist() == [1, 0]        # no type registered: the offer default
    assert out.loc["c4"].tolist() == [1, 1]
    with pytest.raises(ValueError, match=r"\('Z', 'gruppe', 'ressourcer'\)"):
        ce.intention_per_course(courses.assign(offer=["Z", "X", "X", "Y"]), intention,
                                ["ressourcer", "leg_oevelser"])


def test_sample_flow_counts_each_criterion_in_order(settings):
    outcome = {"key": "sdq_p", "instrument": "sdq_p", "scale": "total", "age_groups": ["3-10"]}
    courses = pd.DataFrame({
        "course_id": list("abcdefg"),
        "has_background": [True, True, True, True, False, True, True],
        "age": [5, 5, 5, 5, 5, np.nan, 12],
        "age_group": ["3-10", "3-10", "3-10", "3-10", "3-10", None, "11-16"],
    })
    measured = pd.Index(list("abcdefg")).drop("a")                 # a: never measured
    prepost = pd.DataFrame({"course_id": list("cdefg"), "instrument": "sdq_p", "scale": "total",
                            "pre": 10.0, "post": 8.0, "change": 2.0})   # b: start only
    fidelity = pd.Index(list("befg"))                               # c, d: no registrations
    sample, flow = ce.analysis_sample(outcome, courses, measured, prepost, fidelity)
    assert flow["dropped"].tolist() == [0, 1, 1, 2, 1, 2]   # a; b; c,d; e (background); f, g (age)
    assert flow["remaining"].iloc[-1] == len(sample) == 0
    sample, flow = ce.analysis_sample(outcome, courses, measured, prepost, pd.Index(list("cdefg")))
    assert sample["course_id"].tolist() == ["c", "d"] and flow["remaining"].iloc[-1] == 2


def test_config_cross_references_are_checked(settings):
    config = copy.deepcopy(settings.config)
    config["core_elements"]["outcomes"][0]["scale"] = "nonsense"
    with pytest.raises(ConfigError, match=r"core_elements.outcomes.0.scale"):
        load_settings(config, ROOT)
    config = copy.deepcopy(settings.config)
    config["core_elements"]["subgroups"][0]["outcomes"] = ["who6"]
    with pytest.raises(ConfigError, match=r"'core_elements.subgroups.0.outcomes': unknown outcome 'who6'"):
        load_settings(config, ROOT)


# --------------------------------------------------------------------------- models


def synthetic_frame(n: int = 400, clusters: int = 8, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"course_id": [f"c{i}" for i in range(n)],
                          "offer": [f"o{i % clusters}" for i in range(n)],
                          "gender": rng.choice(["pige", "dreng", "ikke_oplyst"], n),
                          "age": rng.integers(3, 25, n).astype(float)})
    for c in ["nationality", "abusing_party", "substance", "lives_with_abuser", "parents_education",
              "child_education", "intervention_type"]:
        frame[c] = rng.choice(["a", "b"], n)
    for el in ELEMENTS:
        frame[ce.intensity_column(el)] = rng.uniform(0, 4, n).round(1)
        frame[ce.intention_column(el)] = rng.integers(0, 2, n)
    frame["z"] = 0.3 * frame["intensity_ressourcer"] + rng.normal(size=n)
    return frame


def test_coefficient_table_equals_statsmodels_on_the_same_frame(settings):
    frame = synthetic_frame()
    table, info = em.model_rows(frame, "intensity", settings, None)
    direct = smf.ols(info["formula"], data=frame).fit()
    ols = table[table["method"] == "ols"].set_index("term")
    terms = [ce.intensity_column(e) for e in settings.element_codes]
    ci = direct.conf_int()
    np.testing.assert_allclose(ols.loc[terms, "estimate"], direct.params[terms], rtol=1e-10)
    np.testing.assert_allclose(ols.loc[terms, "se"], direct.bse[terms], rtol=1e-10)
    np.testing.assert_allclose(ols.loc[terms, "ci_low"], ci.loc[terms, 0], rtol=1e-10)
    np.testing.assert_allclose(ols.loc[terms, "p"], direct.pvalues[terms], rtol=1e-8)
    assert (ols["n"] == 400).all() and info["clusters"] == 8
    # clustered rows: the standard error studentising the configured bootstrap variant (CR1 for
    # WCRx1, the cluster jackknife CV3 by refits without each offer for WCRx3); the interval
    # inverts the bootstrap test, so it excludes 0 exactly when the bootstrap p is at most 5 %,
    # and holds the estimate
    wild = table[table["method"] == "wild_cluster"].set_index("term")
    groups = pd.factorize(frame["offer"])[0]
    if settings.config["core_elements"]["bootstrap"]["variant"][1] == "1":
        expected = smf.ols(info["formula"], data=frame).fit(cov_type="cluster", cov_kwds={"groups": groups}).bse
    else:
        jack = pd.DataFrame([smf.ols(info["formula"], data=frame[groups != g]).fit().params
                             for g in np.unique(groups)])
        g = len(jack)
        expected = np.sqrt((g - 1) / g * ((jack - direct.params) ** 2).sum())
    np.testing.assert_allclose(wild.loc[terms, "se"], expected[terms], rtol=1e-8)
    np.testing.assert_allclose(wild.loc[terms, "estimate"], direct.params[terms], rtol=1e-10)
    assert ((wild["ci_low"] < wild["estimate"]) & (wild["estimate"] < wild["ci_high"])).all()
    outside = (wild["ci_low"] > 0) | (wild["ci_high"] < 0)
    assert (outside == (wild["p"] <= 0.05)).all(), wild
    # the effective number of offers: the design's, the same on the ols, wild and cr2 rows of a
    # term, between 1 and the number of offers
    g_eff = cluster_inference.effective_clusters(direct.model.exog, groups,
                                                 [direct.model.exog_names.index(t) for t in terms])
    for method in ("ols", "wild_cluster", "cr2"):
        rows = table[table["method"] == method].set_index("term")
        np.testing.assert_allclose(rows.loc[terms, "g_eff"], g_eff, rtol=1e-12)
    assert ((g_eff >= 1) & (g_eff <= info["clusters"])).all()


def brute_force_wcr(x: np.ndarray, y: np.ndarray, groups: np.ndarray, k: int) -> tuple[float, float]:
    """Restricted wild cluster bootstrap by hand: every Rademacher sign vector over the
    clusters, refit, CR1 t statistic of coefficient k. Returns the share with |t*| > |t| and
    with |t*| >= |t|: the all-plus vector reproduces the data and the all-minus vector its
    mirror (|t*| is symmetric under the null), exact ties that floating point may break
    either way."""
    def t_stat(yy):
        beta = np.linalg.solve(x.T @ x, x.T @ yy)
        u = yy - x @ beta
        bread = np.linalg.inv(x.T @ x)
        meat = sum(np.outer(x[groups == g].T @ u[groups == g], x[groups == g].T @ u[groups == g])
                   for g in np.unique(groups))
        return beta[k] / np.sqrt((bread @ meat @ bread)[k, k])

    keep = [j for j in range(x.shape[1]) if j != k]
    beta_r = np.linalg.lstsq(x[:, keep], y, rcond=None)[0]
    fitted = x[:, keep] @ beta_r
    resid = y - fitted
    t0 = t_stat(y)
    t_boot = [t_stat(fitted + resid * np.array(signs)[groups])
              for signs in itertools.product([-1.0, 1.0], repeat=len(np.unique(groups)))]
    t_boot = np.abs(t_boot)
    tie = np.isclose(t_boot, abs(t0), rtol=1e-9, atol=0)
    return float(np.mean((t_boot > abs(t0)) & ~tie)), float(np.mean((t_boot > abs(t0)) | tie))


def test_wild_cluster_bootstrap_matches_a_hand_enumeration():
    """Five clusters, Rademacher weights: 2^5 = 32 < 99 draws, so the pipeline's bootstrap
    enumerates every sign vector and its p-value must equal the enumeration done by hand (ties,
    the identity draw and its mirror, counted as at least as extreme)."""
    rng = np.random.default_rng(11)
    groups = np.repeat(np.arange(5), 6)
    x1 = rng.normal(size=30)
    y = 1.0 + 0.4 * x1 + rng.normal(size=30) + rng.normal(size=5)[groups]
    data = pd.DataFrame({"y": y, "x1": x1})
    result = smf.ols("y ~ x1", data=data).fit()
    wild = em.wild_cluster_table(result, groups, ["x1"], 0.95, {"reps": 99, "weights": "rademacher", "seed": 1,
                                                                       "variant": "11"})
    p = float(wild.loc["x1", "p"])
    strict, with_ties = brute_force_wcr(np.column_stack([np.ones(30), x1]), y, groups, 1)
    assert with_ties - strict == pytest.approx(2 / 32)              # the identity draw and its mirror
    assert p == pytest.approx(with_ties)
    assert 0 < p < 1 and (p * 32) == pytest.approx(round(p * 32))   # a multiple of 1/32


def test_a_subgroup_added_in_config_gets_its_models(settings):
    subs = settings.config["core_elements"]["subgroups"] + [
        {"variable": "nationality", "label": "Nationalitet", "levels": {"a": "A", "b": "B", "c": "C"}}]
    s = with_config(settings, subgroups=subs, bootstrap={"reps": 99, "weights": "webb", "seed": 1, "variant": "31"})
    frame = synthetic_frame()
    cand = frame.assign(both=True).set_index("course_id", drop=False)
    outcome = next(o for o in s.config["core_elements"]["outcomes"] if o["key"] == "sdq_p")
    coefs, models = em.run_outcome(outcome, frame, cand, s)
    nat = coefs[coefs["subgroup_variable"] == "nationality"]
    assert set(nat["subgroup"]) == {"a", "b"} and set(nat["method"]) == set(em.METHODS)
    assert nat.loc[nat["method"] == "ipw", "g_eff"].isna().all()       # a weighted design: not G* of the OLS
    assert nat.loc[nat["method"] == "wild_cluster", "g_eff"].between(1, 8).all()
    assert "under 20 residuale" in models.loc[models["subgroup"] == "c", "note"].iloc[0]   # no children: not fitted
    assert "C(nationality)" not in models.loc[models["subgroup"] == "a", "formula"].iloc[0]


def test_small_counts_are_hidden_in_flow_and_histograms():
    flow = pd.DataFrame({"outcome": "x", "step": range(6), "criterion": list("abcdef"), "label": list("abcdef"),
                         "remaining": [100, 60, 57, 50, 50, 49], "dropped": [0, 40, 3, 7, 0, 1]})
    out = rules.element_flow(flow, 5)
    assert out.status["dropped"].tolist() == ["", "", "primary", "secondary", "", "primary"]
    # both ends are printed elsewhere (Figur 3-4's started, the models' N): the chain between them is hidden
    assert out.status["remaining"].tolist() == ["", "", "secondary", "secondary", "secondary", ""]
    hist = pd.DataFrame({"outcome": "x", "element": "e", "label": "E", "order": [0, 1, 2], "bin": ["0", "0-1", "1-2"],
                         "with_intention": [0, 3, 40], "without_intention": [50, 0, 0]})
    out = rules.histogram(hist, 5)
    assert out.status["with_intention"].tolist() == ["", "primary", "secondary"]
    shares = pd.DataFrame({"element": ["a", "b", "c"], "n": [100, 100, 100], "with_intention": [97, 50, 100],
                           "share_pct": [97.0, 50.0, 100.0], "ci_low_pct": 0.0, "ci_high_pct": 100.0})
    out = rules.intention_shares(shares, 5)
    assert out.status["share_pct"].tolist() == ["secondary", "", ""]   # 3 without; 0 without is no person


# --------------------------------------------------------------------------- the twin's planted effects


SEEDS = 200


def coverage_runs(workdir: Path, outcome: dict, settings) -> list[dict]:
    """Redraw one outcome's core-element stage on SEEDS seeds; per seed and element whether
    the intensity model's 95 % interval covers the planted coefficient and whether p < 0,05.
    The model is the pipeline's: fit_family's design matrix, with only the intensities and the
    outcome replaced per seed."""
    intention = pd.read_parquet(workdir / "results/interim/clean/intention.parquet")
    effects = te.planted_effects(settings.published).get(outcome["key"], {})
    planted = effects.get("intensity", {})
    terms = [ce.intensity_column(e) for e in settings.element_codes]
    frame = pd.read_parquet(workdir / f"results/interim/core_elements/{outcome['key']}.parquet")
    base = em.fit_family(frame, terms, settings)["result"]
    names, used, exog = list(base.model.exog_names), base.model.data.row_labels, base.model.exog.copy()
    twin = TwinInputs.of(settings.config["twin"], {k: getattr(settings, k) for k in SIDE_FILES})
    cfg = settings.config["core_elements"]
    rows = []
    for seed in range(SEEDS):
        # the twin redraws ratings and outcomes; the pipeline aggregates and standardises them
        redrawn, fidelity = te.replant(frame, intention, planted, twin, np.random.default_rng(seed),
                                       ce.MISSING_LEVEL, intention_effects=effects.get("intention", {}))
        x = ce.intensity(fidelity, settings.element_codes, cfg["aggregation"], cfg["unrated"]).set_index("course_id")
        z = ce.standardised(redrawn["change"])
        for t in terms:
            exog[:, names.index(t)] = x[t].reindex(frame.loc[used, "course_id"]).to_numpy()
        result = sm.OLS(z.loc[used].to_numpy(), exog).fit()
        ci = result.conf_int()
        for el in settings.element_codes:
            beta, k = planted.get(el, 0.0), names.index(ce.intensity_column(el))
            rows.append({"outcome": outcome["key"], "element": el, "planted": beta,
                         "covered": ci[k, 0] <= beta <= ci[k, 1], "significant": result.pvalues[k] < 0.05})
    return rows


@pytest.mark.workflow
def test_planted_effects_are_covered_in_200_seeds(report_scale, settings):
    """The twin's core-element stage redrawn on 200 seeds (new ratings, outcomes re-assigned
    with the planted effects) over the report-scale samples: the intensity model's 95 %
    interval covers every planted coefficient in >= 90 % of seeds, and elements without a
    planted effect are significant at about the nominal 5 %. The issue asks for 50 seeds; with
    a true coverage of 95 % one effect in ten falls below 90 % in 50 seeds by chance (seen:
    86 % on seeds 0-49, 95 % on 200 others), in 200 seeds fewer than one in 500."""
    runs = pd.DataFrame([row for outcome in settings.config["core_elements"]["outcomes"]
                         for row in coverage_runs(report_scale, outcome, settings)])
    effects = te.planted_effects(settings.published)
    coverage = runs[runs["planted"] != 0].groupby(["outcome", "element"])["covered"].mean()
    assert len(coverage) == sum(len(v.get("intensity", {})) for v in effects.values()) == 6
    assert (coverage >= 0.90).all(), coverage
    null_rate = runs.loc[runs["planted"] == 0, "significant"].mean()
    assert 0.03 <= null_rate <= 0.08, null_rate


def test_the_coverage_shortcut_fits_the_pipelines_model(settings):
    """The coverage test swaps columns of fit_family's design matrix; on one frame that must
    give fit_family's own estimates."""
    frame = synthetic_frame()
    terms = [ce.intensity_column(e) for e in settings.element_codes]
    base = em.fit_family(frame, terms, settings)["result"]
    other = frame.assign(z=frame["z"][::-1].to_numpy(),
                         intensity_netvaerk=frame["intensity_netvaerk"][::-1].to_numpy())
    exog = base.model.exog.copy()
    names = list(base.model.exog_names)
    for t in terms:
        exog[:, names.index(t)] = other.loc[base.model.data.row_labels, t].to_numpy()
    shortcut = sm.OLS(other.loc[base.model.data.row_labels, "z"].to_numpy(), exog).fit()
    direct = em.fit_family(other, terms, settings)["result"]
    np.testing.assert_allclose(shortcut.params, direct.params[names].to_numpy(), rtol=1e-9)
