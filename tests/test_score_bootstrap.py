"""puljeeval.methods.score_bootstrap: the wild score bootstrap of a logit coefficient against a
case enumerated by hand, against brute force with statsmodels' restricted fits, its interval
against its own p-values, its null distribution, and CR1 against statsmodels (issue 14, item 2)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from puljeeval.methods import score_bootstrap as sb

ALPHA = 0.05


def hand_case() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intercept-only logit, three clusters of 2, 4 and 4 children with 2, 4 and 1 ones."""
    y = np.array([1, 1, 1, 1, 1, 1, 1, 0, 0, 0], dtype=float)
    cl = np.array([0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    return np.ones((10, 1)), y, cl


def test_hand_enumerated_rademacher_p_value():
    """H0: intercept = 0, so Lambda = 1/2 for everyone and nothing is refitted. Cluster scores
    S = (2 - 1, 4 - 2, 1 - 2) = (1, 2, -1), shares w = (0.2, 0.4, 0.4); V = 1 / (10 x 1/4) is a
    common factor and cancels in t. With N = sum v_g S_g and D = sum (v_g S_g - w_g N)^2:
      v = (+,+,+): N = 2, deviations (0.6, 1.2, -1.8), D = 5.04, t^2 = 4/5.04 = 0.794 (the sample)
      v = (+,+,-): N = 4, deviations (0.2, 0.4, -0.6), D = 0.56, t^2 = 16/0.56 = 28.6
      v = (+,-,+): N = -2, deviations (1.4, -1.2, -0.2), D = 3.44, t^2 = 4/3.44 = 1.163
      v = (-,+,+): N = 0, t^2 = 0
    and each sign vector's negation gives the same t^2. |t*| >= |t| in 6 of the 8 draws (2 ties,
    the sample and its negation): p = 0.75; strictly greater in 4: 0.5."""
    X, y, cl = hand_case()
    boot = sb.WildScoreBootstrap(X, y, cl, 0, reps=999, weights="rademacher")
    assert boot.enumerated and boot.reps == 8
    assert boot.tstat(0.0) == pytest.approx(2 / np.sqrt(5.04))
    assert boot.pvalue(0.0) == 0.75
    assert boot.pvalue(0.0, strict=True) == 0.5
    assert boot.estimate == pytest.approx(np.log(0.7 / 0.3))          # the unrestricted MLE: 7 of 10


def logit_data(seed: int, G: int = 5, effect: float = 0.4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """G unequal clusters with a cluster effect, an intercept, a child-level and a binary regressor."""
    rng = np.random.default_rng(seed)
    cl = np.repeat(np.arange(G), rng.integers(15, 60, G))
    n = len(cl)
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.integers(0, 2, n)])
    eta = -0.3 + effect * X[:, 1] + 0.3 * X[:, 2] + 0.6 * rng.normal(size=G)[cl]
    return X, (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float), cl


def brute_p(X: np.ndarray, y: np.ndarray, cl: np.ndarray, j: int, b: float) -> float:
    """p(b) from statsmodels' restricted logit (offset b x_j) and every Rademacher sign vector,
    written out the slow way: perturbed cluster scores, recentred per observation, through the
    inverse information."""
    others = [c for c in range(X.shape[1]) if c != j]
    restricted = sm.Logit(y, X[:, others], offset=b * X[:, j]).fit(disp=False, tol=1e-12)
    beta = np.empty(X.shape[1])
    beta[others], beta[j] = restricted.params, b
    mu = 1 / (1 + np.exp(-X @ beta))
    V = np.linalg.inv(X.T @ (X * (mu * (1 - mu))[:, None]))
    scores = X * (y - mu)[:, None]
    G = len(np.unique(cl))
    share = np.bincount(cl) / len(cl)

    def t(v: np.ndarray) -> float:
        per = np.array([v[g] * scores[cl == g].sum(0) for g in range(G)])          # perturbed S_g
        total = per.sum(0)
        centred = per - share[:, None] * total[None, :]
        var = V @ centred.T @ centred @ V
        return (V @ total)[j] / np.sqrt(var[j, j])

    sample = t(np.ones(G))
    draws = [t(np.array(s)) for s in itertools.product([-1.0, 1.0], repeat=G)]
    return float(np.mean([d * d >= sample * sample * (1 - 1e-9) for d in draws]))


@pytest.mark.parametrize("b", [0.0, 0.2, 0.4, 0.9])
def test_p_of_b_equals_brute_force_with_statsmodels_refits(b):
    X, y, cl = logit_data(3)
    boot = sb.WildScoreBootstrap(X, y, cl, 1, reps=99, weights="rademacher")
    assert boot.enumerated
    assert boot.pvalue(b) == pytest.approx(brute_p(X, y, cl, 1, b))


def test_restricted_fit_equals_statsmodels_with_an_offset():
    X, y, cl = logit_data(4)
    boot = sb.WildScoreBootstrap(X, y, cl, 2, reps=99)
    got = boot.restricted(0.7)
    want = sm.Logit(y, X[:, :2], offset=0.7 * X[:, 2]).fit(disp=False, tol=1e-12).params
    assert got[2] == 0.7 and np.allclose(got[:2], want, atol=1e-8)
    assert np.allclose(sb.logit_fit(X, y), sm.Logit(y, X).fit(disp=False).params, atol=1e-7)


@pytest.mark.parametrize("weights", ["webb", "rademacher"])
def test_interval_ends_sit_on_the_alpha_boundary(weights):
    X, y, cl = logit_data(5, G=8)
    boot = sb.WildScoreBootstrap(X, y, cl, 1, reps=999, weights=weights, seed=11)
    low, high, note = boot.interval(0.95)
    assert note == "" and low < boot.estimate < high
    eps = 1e-4 * (high - low)
    assert boot.pvalue(low - eps) <= ALPHA < boot.pvalue(low + eps)
    assert boot.pvalue(high + eps) <= ALPHA < boot.pvalue(high - eps)
    res = boot.result(0.95)
    assert (res.p > ALPHA) == (res.ci_low < 0 < res.ci_high)          # interval and p-value agree


def test_p_values_under_a_true_null_are_roughly_uniform():
    """200 data sets with 10 unequal clusters, a cluster effect on the outcome and a partly
    cluster-level regressor whose coefficient is 0: the p-values of H0: beta = 0 look uniform
    and reject at 5 % in about 5 % of the data sets."""
    ps = []
    for seed in range(200):
        rng = np.random.default_rng(1000 + seed)
        G = 10
        cl = np.repeat(np.arange(G), rng.integers(10, 40, G))
        n = len(cl)
        x = 0.7 * rng.normal(size=G)[cl] + rng.normal(size=n)
        eta = -0.2 + 0.7 * rng.normal(size=G)[cl]
        y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
        X = np.column_stack([np.ones(n), x])
        ps.append(sb.WildScoreBootstrap(X, y, cl, 1, reps=199, seed=seed).pvalue(0.0))
    ps = np.array(ps)
    assert 0.01 <= np.mean(ps <= 0.05) <= 0.10
    assert 0.04 <= np.mean(ps <= 0.10) <= 0.17
    assert stats.kstest(ps, "uniform").pvalue > 0.01


def test_cr1_is_statsmodels_cluster_covariance_without_its_n_factor():
    """Stata's CR1 for ML models has the factor G/(G-1) only; statsmodels adds (n-1)/(n-k)."""
    X, y, cl = logit_data(6, G=7)
    mine = sb.cr1_terms(X, y, cl)
    ref = sm.Logit(y, X).fit(disp=False, cov_type="cluster", cov_kwds={"groups": cl})
    n, k = X.shape
    assert np.allclose([r.se for r in mine], ref.bse * np.sqrt((n - k) / (n - 1)), rtol=1e-6)
    crit = stats.t.ppf(0.975, 6)
    assert mine[1].ci_high == pytest.approx(mine[1].estimate + crit * mine[1].se)
    assert mine[1].p == pytest.approx(2 * stats.t.sf(abs(mine[1].estimate / mine[1].se), 6))
    assert mine[1].df == 6


def test_terms_share_draws_and_equal_single_runs():
    X, y, cl = logit_data(7, G=6)
    both = sb.wild_score_terms(X, y, cl, [1, 2], reps=199, seed=5)
    single = sb.wild_score(X, y, cl, 2, reps=199, seed=5)
    assert both[1] == single


def test_bad_input_is_refused():
    X, y, cl = logit_data(8)
    with pytest.raises(ValueError, match="0 or 1"):
        sb.WildScoreBootstrap(X, y * 2, cl, 1, reps=99)
    with pytest.raises(ValueError, match="two clusters"):
        sb.WildScoreBootstrap(X, y, np.zeros(len(y)), 1, reps=99)
    with pytest.raises(ValueError, match="full column rank"):
        sb.WildScoreBootstrap(np.column_stack([X, X[:, 1]]), y, cl, 1, reps=99)
    separated = (X[:, 1] > 0).astype(float)
    with pytest.raises(sb.LogitFitError):
        sb.WildScoreBootstrap(X, separated, cl, 1, reps=99)
