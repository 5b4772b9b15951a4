"""The twin's own check and search for Bilag 4's statements (puljeeval/twin/calibrate.py) and its
data-generating process (elements.planted_signal, planted_effects), on tiny problems: the twin's
least squares equals statsmodels', the search makes stated significance hold by permuting
outcomes within groups only, and what it cannot reach it returns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from scipy.stats import t as t_dist

from puljeeval.settings import ROOT, read_yaml
from puljeeval.twin import calibrate as tc
from puljeeval.twin import elements as te

ELEMENTS = ["a", "b"]
CFG = {"controls": ["sex", "age"], "numeric_controls": ["age"], "min_subgroup_n": 20, "level": 0.95,
       "subgroups": [{"variable": "kind", "levels": ["x", "y"]}]}


def tiny_frame(n: int = 160, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    intention = rng.random((n, 2)) < 0.7
    intensity = np.where(intention, np.clip(rng.normal(2.5, 1.0, (n, 2)), 0, 4), 0.0)
    return pd.DataFrame({"course_id": [f"c{i}" for i in range(n)],
                         "age_group": np.where(np.arange(n) < n // 2, "young", "old"),
                         "sex": rng.choice(["f", "m", ""], n), "age": rng.integers(3, 25, n).astype(float),
                         "kind": rng.choice(["x", "y"], n),
                         "intention_a": intention[:, 0] * 1.0, "intention_b": intention[:, 1] * 1.0,
                         "intensity_a": intensity[:, 0], "intensity_b": intensity[:, 1],
                         "change": rng.integers(-10, 20, n).astype(float)})


def statsmodels_fit(frame: pd.DataFrame, z: np.ndarray, model: str, rows=None, controls=("sex", "age")):
    data = frame.assign(z=z)
    data = data if rows is None else data.iloc[rows]
    rhs = [f"{model}_{e}" for e in ELEMENTS] + [c if c == "age" else f"C({c})" for c in controls]
    return smf.ols("z ~ " + " + ".join(rhs), data=data).fit()


def test_the_twins_least_squares_is_statsmodels_ols():
    frame = tiny_frame()
    z = frame["change"].to_numpy()
    fitted = tc.fits(frame, ELEMENTS, CFG)
    assert set(fitted) == {("intention", "", ""), ("intensity", "", ""), ("intensity", "kind", "x"),
                           ("intensity", "kind", "y")}
    ref = statsmodels_fit(frame, z, "intensity")
    mine = fitted[("intensity", "", "")].estimates(z)
    for e in ELEMENTS:
        assert mine[e] == pytest.approx((ref.params[f"intensity_{e}"], ref.bse[f"intensity_{e}"]), rel=1e-9)
    rows = np.flatnonzero(frame["kind"] == "x")      # a subgroup drops its own variable from the controls
    sub = statsmodels_fit(frame, z, "intensity", rows)
    assert fitted[("intensity", "kind", "x")].estimates(z)["a"][0] == pytest.approx(sub.params["intensity_a"])
    # a duplicated control column (rank deficient): the minimum-norm fit keeps the elements' estimates
    twice = frame.assign(sex2=frame["sex"])
    deficient = tc.fits(twice, ELEMENTS, {**CFG, "controls": ["sex", "sex2", "age"]})[("intensity", "", "")]
    assert deficient.df == fitted[("intensity", "", "")].df
    assert deficient.estimates(z)["b"] == pytest.approx(mine["b"], rel=1e-8)


def test_the_search_plants_stated_significance_by_permuting_within_groups():
    frame = tiny_frame()
    z0 = frame["change"].to_numpy()
    z0 = (z0 - z0.mean()) / z0.std(ddof=1)
    statements = {"whole_sample": {"F1": {"outcome": "o", "model": "intensity", "significant": {"a": "+"}},
                                   "F2": {"outcome": "o", "model": "intention", "significant": {}}},
                  "subgroup_findings": [{"figure": "F3", "outcome": "o", "element": "b", "sign": "-",
                                         "variable": "kind", "level": "y"}]}
    wanted = tc.targets(statements, "o", ELEMENTS, CFG["subgroups"])
    assert len(wanted) == 2 * 2 + 2 * 2         # two whole-sample models, two subgroup models
    fitted = tc.fits(frame, ELEMENTS, CFG)
    problem = tc.Problem.of(fitted, wanted, len(frame), CFG["level"])
    groups = pd.factorize(frame["age_group"])[0]
    before = [(tg.element, tg.sign) for tg in wanted]
    perm, missed = tc.search(z0, groups, problem, np.random.default_rng(11))
    assert missed == [] and before == [(tg.element, tg.sign) for tg in wanted]
    z = z0[perm]
    for g in np.unique(groups):                  # the same outcomes in each group, only moved
        assert sorted(z[groups == g]) == sorted(z0[groups == g])
    assert not np.array_equal(z, z0)
    # statsmodels, not the twin, judges the result by the report's rule (95 % interval excludes 0)
    crit = t_dist.ppf(0.975, statsmodels_fit(frame, z, "intensity").df_resid)
    whole = statsmodels_fit(frame, z, "intensity")
    assert whole.params["intensity_a"] / whole.bse["intensity_a"] > crit
    assert abs(whole.params["intensity_b"] / whole.bse["intensity_b"]) < crit
    intention = statsmodels_fit(frame, z, "intention")
    assert (intention.pvalues[["intention_a", "intention_b"]] > 0.05).all()
    y = statsmodels_fit(frame, z, "intensity", np.flatnonzero(frame["kind"] == "y"), controls=("sex", "age"))
    assert y.params["intensity_b"] < 0 and y.pvalues["intensity_b"] < 0.05
    x = statsmodels_fit(frame, z, "intensity", np.flatnonzero(frame["kind"] == "x"), controls=("sex", "age"))
    assert (x.pvalues[["intensity_a", "intensity_b"]] > 0.05).all()


def test_the_search_returns_what_it_cannot_reach():
    """An estimate window no outcome order reaches (a bound far below the standard error, yet
    significant) comes back as missed, and the search stops."""
    frame = tiny_frame()
    z0 = frame["change"].to_numpy(dtype=float)
    statements = {"whole_sample": {"F1": {"outcome": "o", "model": "intensity", "significant": {"a": "+"}}},
                  "effect_sizes": [{"figure": "F1", "element": "a", "below": 0.001}]}
    wanted = tc.targets(statements, "o", ELEMENTS, [])
    problem = tc.Problem.of(tc.fits(frame, ELEMENTS, {**CFG, "subgroups": []}), wanted, len(frame), 0.95)
    _, missed = tc.search(z0, np.zeros(len(frame), dtype=int), problem, np.random.default_rng(0), max_steps=200)
    assert [tg.element for tg in missed] == ["a"]


def test_targets_read_the_statements_and_refuse_an_unknown_subgroup():
    statements = {"whole_sample": {"F1": {"outcome": "o", "model": "intensity", "significant": {"a": "-"}}},
                  "effect_sizes": [{"figure": "F1", "element": "a", "value": -0.08, "decimals": 2}],
                  "subgroup_findings": [{"figure": "F3", "outcome": "o", "element": "b", "sign": "+",
                                         "variable": "kind", "level": "z"}]}
    with pytest.raises(ValueError, match="subgroup level"):
        tc.targets(statements, "o", ELEMENTS, CFG["subgroups"])
    statements["subgroup_findings"][0]["level"] = "x"
    wanted = {(tg.model, tg.level, tg.element): tg for tg in tc.targets(statements, "o", ELEMENTS, CFG["subgroups"])}
    a = wanted[("intensity", "", "a")]
    assert a.sign == "-" and a.value == -0.08 and a.low < -0.08 < a.high and a.high - a.low < 0.01
    assert wanted[("intensity", "x", "b")].sign == "+" and wanted[("intensity", "y", "b")].sign == "0"


def test_the_planted_signal_has_the_planted_coefficients_in_both_models():
    frame = tiny_frame(n=400)
    coefs = te.planted_signal(frame, ELEMENTS, {"intention": {"a": 0.3}, "intensity": {"b": -0.1}})
    signal = sum(coefs[c] * frame[c] for c in coefs)
    for model, want in (("intention", {"a": 0.3, "b": 0.0}), ("intensity", {"a": 0.0, "b": -0.1})):
        fit = smf.ols("s ~ " + " + ".join(f"{model}_{e}" for e in ELEMENTS), data=frame.assign(s=signal)).fit()
        for e, value in want.items():
            assert fit.params[f"{model}_{e}"] == pytest.approx(value, abs=1e-9)


def test_planted_effects_come_from_the_statements():
    published = read_yaml(ROOT / "config" / "published.yaml")
    effects = te.planted_effects(published)
    assert effects["who5"] == {"intensity": {"ressourcer": 0.04}, "intention": {}}
    bound = te.SHAPE["bound_planted"]
    assert effects["sdq_p"]["intensity"] == pytest.approx({"egen_situation": 0.08, "leg_oevelser": -0.13 * bound,
                                                           "netvaerk": -0.13 * bound})
    assert effects["core_om"]["intention"] == {"barnet_i_centrum": 0.27}
