"""Bilag 4's methods beyond the report: attrition weights with a bootstrap of the whole procedure,
multiplicity families, Rubin's rules, the interaction tests and the unit of analysis. Each test has
a case worked by hand or an independent computation to agree with."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from puljeeval.evaluation import attrition as at
from puljeeval.evaluation import element_sensitivity as es
from puljeeval.evaluation import multiplicity, unit
from puljeeval.settings import ROOT, load_settings, read_yaml


@pytest.fixture(scope="module")
def settings():
    return load_settings(read_yaml(ROOT / "config" / "config.yaml"), ROOT)


def logit_data(n: int = 400, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    X = np.column_stack([np.ones(n), x])
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.3 + X[:, 1] - 0.5 * X[:, 2])))).astype(float)
    return X, y


def test_the_weight_models_logit_is_statsmodels_logit():
    X, y = logit_data()
    ours = at.fit_logit(X, y)
    theirs = sm.Logit(y, X).fit(disp=False).predict(X)
    np.testing.assert_allclose(ours, theirs, rtol=1e-8)


def test_frequency_weights_are_duplicated_rows():
    """A bootstrap draw enters an offer twice as frequency weight 2: the same fit as its rows twice."""
    X, y = logit_data(60)
    freq = np.r_[np.full(20, 2.0), np.zeros(20), np.ones(20)]
    rows = np.r_[np.repeat(np.arange(20), 2), np.arange(40, 60)]
    np.testing.assert_allclose(at.fit_logit(X, y, freq)[rows], at.fit_logit(X[rows], y[rows]), rtol=1e-8)
    w = np.linspace(0.5, 2, 60)
    np.testing.assert_allclose(at.wls(X, y, w * freq, [1, 2]), at.wls(X[rows], y[rows], w[rows], [1, 2]), rtol=1e-10)


def test_weighted_least_squares_and_an_unidentified_term():
    X, y = logit_data(50)
    w = np.linspace(1, 3, 50)
    expected = sm.WLS(y, X, weights=w).fit().params
    np.testing.assert_allclose(at.wls(X, y, w, [0, 1, 2]), expected, rtol=1e-10)
    constant = np.column_stack([X, np.ones(50)])          # a term constant among the drawn rows
    out = at.wls(constant, y, w, [1, 3])
    assert np.isfinite(out[0]) or np.isnan(out[0])
    assert np.isnan(out).sum() >= 1                        # the collinear pair cannot both be identified


def test_stabilised_trimmed_weights_by_hand():
    """Four children with both measurements (probabilities 0,8 0,5 0,25 0,1) and one without: the
    share with both is 4/5, so the stabilised weights are 0,8/p = 1, 1,6, 3,2, 8; trimmed at the
    quantiles (0, 0,75) they become 1, 1,6, 3,2, 3,2 and normalised to mean 1 divided by 2,25."""
    prob = np.array([0.8, 0.5, 0.25, 0.1, 0.5])
    both = np.array([True, True, True, True, False])
    w = at.weights_from(prob, both, np.ones(5), (0.0, 0.75))
    np.testing.assert_allclose(w[:4], np.array([1, 1.6, 3.2, 3.2]) / 2.25)
    assert w[4] == 0


def test_the_bootstrap_is_deterministic_and_its_summary_is_the_spread_of_the_draws():
    rng = np.random.default_rng(5)
    n = 120
    cand = pd.DataFrame({"course_id": [f"c{i}" for i in range(n)], "offer": np.repeat(list("abcdef"), 20),
                         "x": rng.normal(size=n), "both": rng.random(n) < 0.7})
    model = at.design(cand, ["x", "offer"], ["x"], "offer")
    sample = model.both
    X = np.column_stack([np.ones(sample.sum()), rng.normal(size=sample.sum())])
    y = X[:, 1] + rng.normal(size=sample.sum())
    wm = at.WeightedModel(("m",), model.course_id[sample], X, y, [1])
    a = at.bootstrap(model, [wm], (0.01, 0.99), 50, 7)[("m",)]
    b = at.bootstrap(model, [wm], (0.01, 0.99), 50, 7)[("m",)]
    np.testing.assert_array_equal(a, b)
    table = at.summarise(pd.Series([1.0], index=["x"]), a, 6, 0.95)
    assert table.loc["x", "se"] == pytest.approx(np.nanstd(a[:, 0], ddof=1))
    from scipy import stats as sps
    half = sps.t.ppf(0.975, 5) * table.loc["x", "se"]
    assert table.loc["x", "ci_high"] - 1.0 == pytest.approx(half)


def coef_table() -> pd.DataFrame:
    return pd.DataFrame({
        "outcome": ["a", "a", "a", "b", "b", "a"], "figure": ["1", "1", "2", "3", "3", "4"],
        "subgroup": ["Samlet", "Samlet", "Samlet", "Samlet", "Samlet", "x"], "method": "ols",
        "p": [0.01, 0.04, 0.03, 0.2, np.nan, 0.01]})


def test_multiplicity_families_by_hand():
    """Chapter family, subgroups apart: the whole-sample tests p = 0,01 0,04 0,03 0,2 (the NaN is no
    test). BH: sorted 0,01 0,03 0,04 0,2 -> p m / rank 0,04 0,06 0,0533 0,2 -> step-up minimum
    0,04 0,0533 0,0533 0,2. Holm: 0,04 0,09 0,08 0,2 -> running maximum 0,04 0,09 0,09 0,2."""
    out = multiplicity.adjust(coef_table(), {"core_elements": {"multiplicity": {"family": "chapter",
                                                                                "separate_subgroups": True}}})
    np.testing.assert_allclose(out["q"][:4], [0.04, 0.16 / 3, 0.16 / 3, 0.2])
    np.testing.assert_allclose(out["p_holm"][:4], [0.04, 0.09, 0.09, 0.2])
    assert np.isnan(out["q"][4]) and pd.isna(out["family_size"][4])
    assert out["q"][5] == pytest.approx(0.01) and out["family_size"][5] == 1    # the subgroup family
    by_figure = multiplicity.adjust(coef_table(), {"core_elements": {"multiplicity": {"family": "figure",
                                                                                      "separate_subgroups": True}}})
    np.testing.assert_allclose(by_figure["q"][:2], [0.02, 0.04])                 # figure 1 alone: 2 tests
    assert by_figure["family"].nunique() == 4 and by_figure["family"][0] == "Figur 1"


def test_rubins_rules_by_hand():
    """Estimates 1, 2, 3 with variances 1: W = 1, B = 1, T = 1 + 4/3, df = 2 (1 + 3/4)^2 = 6,125."""
    out = es.rubin(np.array([1.0, 2.0, 3.0]), np.ones(3), 0.95)
    assert out["estimate"] == 2 and out["se"] == pytest.approx(np.sqrt(7 / 3)) and out["df"] == pytest.approx(6.125)


def test_the_classical_interaction_test_is_the_nested_model_f_test():
    rng = np.random.default_rng(2)
    n = 300
    d = pd.DataFrame({"g": np.repeat(["a", "b", "c"], 100), "x": rng.normal(size=n)})
    d["z"] = d["x"] * d["g"].map({"a": 0.0, "b": 0.4, "c": -0.2}) + rng.normal(size=n)
    full = smf.ols("z ~ C(g) * x", data=d).fit()
    names = list(full.model.exog_names)
    idx = [i for i, nm in enumerate(names) if nm.endswith("]:x")]
    R = np.zeros((len(idx), len(names)))
    R[np.arange(len(idx)), idx] = 1
    ours = es._wald(np.asarray(full.params), np.asarray(full.cov_params()), R)
    restricted = smf.ols("z ~ C(g) + x", data=d).fit()
    f_nested = ((restricted.ssr - full.ssr) / 2) / (full.ssr / full.df_resid)
    assert ours == pytest.approx(f_nested, rel=1e-10)


def test_one_course_per_child_among_the_qualifying_ones():
    """Child p1 has courses c1 (first, but without a measurement: not in the frame) and c2; p2 has
    c3 and c4 starting the same day (the course id decides)."""
    courses = pd.DataFrame({"course_id": ["c1", "c2", "c3", "c4", "c5"], "person_key": ["p1", "p1", "p2", "p2", "p3"],
                            "start_date": pd.to_datetime(["2017-01-01", "2018-01-01", "2017-05-01", "2017-05-01",
                                                          "2016-01-01"]), "offer": list("aabba")})
    frame = pd.DataFrame({"course_id": ["c5", "c4", "c3", "c2"], "y": [5, 4, 3, 2]})
    first = unit.one_per_child(frame, courses, "first")
    assert first["course_id"].tolist() == ["c5", "c3", "c2"]            # frame order kept
    assert unit.one_per_child(frame, courses, "last")["course_id"].tolist() == ["c5", "c4", "c2"]
    config = {"analysis_unit": {"unit": "course", "child_course": "first"}}
    assert unit.apply(frame, courses, config) is frame
    assert unit.unit_summary(frame, courses) == {"rows": 4, "children": 3, "children_with_several": 1,
                                                 "children_across_clusters": 0}
    with pytest.raises(Exception, match="analysis_unit.unit"):
        unit.spec({"analysis_unit": {"unit": "family", "child_course": "first"}})


def sensitivity_frame(n: int = 300, seed: int = 4) -> pd.DataFrame:
    """A sample with every control of the configuration, some unanswered (`ikke_oplyst`)."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).parent))
    from test_core_elements import synthetic_frame
    frame = synthetic_frame(n, clusters=6, seed=seed)
    rng = np.random.default_rng(seed)
    frame.loc[rng.random(n) < 0.2, "substance"] = "ikke_oplyst"
    frame["pre"] = rng.normal(50, 10, n)
    return frame


def test_ancova_adds_the_baseline_and_mice_imputes_observed_answers(settings):
    frame = sensitivity_frame()
    outcome = {"key": "x", "figures": {"intention": "A", "intensity": "B", "subgroups": "C"}}
    rows = es.sensitivity_rows(frame, outcome, settings)
    assert set(rows["analysis"]) == set(es.ANALYSES)
    anc = rows[(rows["analysis"] == "ancova") & (rows["method"] == "ols") & (rows["model"] == "intensity")]
    direct = smf.ols("z ~ " + " + ".join(anc["term"]) + " + pre + C(gender) + age + C(nationality) + "
                     "C(abusing_party) + C(substance) + C(lives_with_abuser) + C(parents_education) + "
                     "C(child_education)", data=frame).fit()
    np.testing.assert_allclose(anc["estimate"], direct.params[anc["term"]], rtol=1e-10)
    sets, categorical, missing = es._imputed(frame, settings)
    assert missing == int(((frame[settings.config["core_elements"]["controls"]] == "ikke_oplyst").any(axis=1)).sum())
    assert "substance" in categorical and len(sets) == settings.config["core_elements"]["sensitivity"]["mice"][
        "imputations"]
    observed = set(frame.loc[frame["substance"] != "ikke_oplyst", "substance"])
    codes = {float(i) for i in range(len(observed))}
    assert all(set(d["substance"].unique()) <= codes and d["substance"].notna().all() for d in sets)
    again, _, _ = es._imputed(frame, settings)                          # deterministic for the seed
    pd.testing.assert_frame_equal(sets[-1], again[-1])
    mice = rows[(rows["analysis"] == "mice") & (rows["model"] == "intensity")]
    assert mice["estimate"].notna().all() and (mice["se"] > 0).all()


def test_predictive_mean_matching_draws_among_the_k_nearest_by_hand():
    # The target is a column of X, so every bootstrap fit predicts it exactly: prediction = x.
    # Observed x = 0..99; the 3 nearest to 10,2 are 10, 11, 9 and to 50,7 are 51, 50, 52.
    x = np.concatenate([np.arange(100.0), [10.2, 50.7]])
    X = np.column_stack([np.ones_like(x), x])
    observed = np.arange(len(x)) < 100
    seen = [set(), set()]
    for seed in range(60):
        donors = es._pmm(X, x[:, None], observed, 3, np.random.default_rng(seed))
        for i, d in enumerate(donors):
            seen[i].add(int(d))
    assert seen == [{9, 10, 11}, {50, 51, 52}]           # only the nearest three, each of them drawn
    twice = [es._pmm(X, x[:, None], observed, 3, np.random.default_rng(7)) for _ in range(2)]
    np.testing.assert_array_equal(*twice)


def test_predictive_mean_matching_matches_on_every_category_indicator():
    # Two category indicators as the target: the distance is over both predictions. Observed rows
    # (each pattern 30 times, so every bootstrap sample fits exactly) predict (0, 0), (1, 0), (0, 1)
    # and (1, 1); a missing row at (0,9; 0,2) is nearest (1, 0) and with k = 1 takes such a donor.
    patterns = np.array([[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1]], dtype=float)
    X = np.vstack([np.repeat(patterns, 30, axis=0), [[1, 0.9, 0.2]]])
    observed = np.arange(len(X)) < 120
    for seed in range(10):
        donor = int(es._pmm(X, X[:, 1:], observed, 1, np.random.default_rng(seed))[0])
        assert X[donor, 1:].tolist() == [1.0, 0.0]
