"""puljeeval.methods.cluster_inference against brute force, wildboottest, statsmodels and hand
computation (issue 14, item 1)."""

from __future__ import annotations

import itertools
import os
import warnings

# wildboottest runs as the pipeline runs it (puljeeval/evaluation/element_models.py): numba's JIT
# off. Set before numba is first imported, whichever test file imports it first; a session that
# imports numba with the JIT on and later sees the variable set mixes both and fails.
os.environ.setdefault("NUMBA_DISABLE_JIT", "1")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import statsmodels.api as sm  # noqa: E402
from scipy import stats  # noqa: E402
from wildboottest.wildboottest import WildboottestCL  # noqa: E402

from puljeeval.methods import cluster_inference as ci  # noqa: E402

ALPHA = 0.05


def small_data(seed: int, effect: float = 0.1, G: int = 6) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """G unequal clusters, an intercept, a within-cluster and a partly cluster-level regressor."""
    rng = np.random.default_rng(seed)
    cl = np.repeat(np.arange(G), rng.integers(3, 15, G))
    n = len(cl)
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.normal(size=G)[cl] + rng.normal(size=n)])
    y = X @ np.array([1.0, effect, 0.2]) + rng.normal(size=G)[cl] + rng.normal(size=n)
    return X, y, cl


def report_like(seed: int, effect: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """16 clusters, one with ~45 % of the rows, five regressors."""
    rng = np.random.default_rng(seed)
    sizes = np.array([90] + [7 + 2 * g for g in range(15)])
    cl = np.repeat(np.arange(16), sizes)
    n = len(cl)
    X = np.column_stack([np.ones(n), rng.normal(size=(n, 3)), rng.normal(size=16)[cl]])
    y = effect * X[:, 1] + 0.3 * X[:, 4] + 0.5 * rng.normal(size=16)[cl] + rng.standard_t(4, size=n)
    return X, y, cl


def brute_p(X: np.ndarray, y: np.ndarray, cl: np.ndarray, j: int, b: float) -> float:
    """p(b) by refitting for every Rademacher sign vector: restricted fit with beta_j = b,
    y* = X beta~ + v_g u~, statsmodels OLS with CR1 cluster covariance, |t*| >= |t| (ties, which
    are v = +1 and v = -1, counted in)."""
    G = len(np.unique(cl))
    others = [c for c in range(X.shape[1]) if c != j]
    gamma = np.linalg.lstsq(X[:, others], y - b * X[:, j], rcond=None)[0]
    fitted = X[:, others] @ gamma + b * X[:, j]
    resid = y - fitted
    full = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": cl})
    t_hat = (full.params[j] - b) / full.bse[j]
    hits = []
    for signs in itertools.product([-1.0, 1.0], repeat=G):
        star = fitted + np.array(signs)[cl] * resid
        r = sm.OLS(star, X).fit(cov_type="cluster", cov_kwds={"groups": cl})
        hits.append(abs((r.params[j] - b) / r.bse[j]) >= abs(t_hat) * (1 - 1e-9))
    return float(np.mean(hits))


def wildboottest_p(X: np.ndarray, y: np.ndarray, cl: np.ndarray, j: int, reps: int, weights: str) -> float:
    """The pipeline's call (element_models.wild_cluster_p): WCR11, two-tailed."""
    return wildboottest_variant(X, y, cl, j, reps, weights, "11")[0]


def test_rademacher_enumerates_all_sign_vectors_when_they_fit():
    v, enumerated = ci.draw_weights(6, 9999, "rademacher", 0)
    assert enumerated and v.shape == (6, 64)
    assert len({tuple(c) for c in v.T}) == 64
    v, enumerated = ci.draw_weights(16, 9999, "rademacher", 0)
    assert not enumerated and v.shape == (16, 9999)
    w, _ = ci.draw_weights(16, 9999, "webb", 3)
    assert np.array_equal(w, ci.draw_weights(16, 9999, "webb", 3)[0])
    assert set(np.round(np.unique(w) ** 2, 12)) == {0.5, 1.0, 1.5}


def test_p_of_b_equals_brute_force_refits_at_several_b():
    X, y, cl = small_data(3)
    boot = ci.WildClusterBootstrap(X, y, cl, 1, weights="rademacher")
    assert boot.enumerated and boot.reps == 64
    est, se = boot.estimate, boot.se
    bs = [0.0, est - 4 * se, est - 2 * se, est + 1.5 * se, est + 3 * se, est + 6 * se]
    fast = boot.pvalue(np.array(bs))
    slow = [brute_p(X, y, cl, 1, b) for b in bs]
    assert np.allclose(fast, slow, atol=1e-12), (fast, slow)
    assert len(set(slow)) >= 3                      # the b's are not all in one step


def test_interval_bounds_sit_on_the_alpha_boundary():
    X, y, cl = small_data(3)
    boot = ci.WildClusterBootstrap(X, y, cl, 1, weights="rademacher")
    low, high, note = boot.interval(0.95)
    assert note == "" and low < boot.estimate < high
    eps = 1e-5 * boot.se        # well above the bisection's 1e-10 and the tie tolerances, far below a step
    for inside, outside in ((low + eps, low - eps), (high - eps, high + eps)):
        assert boot.pvalue(inside) > ALPHA >= boot.pvalue(outside)
        assert brute_p(X, y, cl, 1, inside) > ALPHA >= brute_p(X, y, cl, 1, outside)
    res = ci.wild_cluster(X, y, cl, 1, weights="rademacher")
    assert (res.ci_low, res.ci_high) == (low, high) and res.reps == 64 and "enumeration" in res.note


def test_webb_interval_bounds_sit_on_the_alpha_boundary():
    X, y, cl = report_like(0, 0.15)
    boot = ci.WildClusterBootstrap(X, y, cl, 1, reps=1999, weights="webb", seed=5)
    low, high, _ = boot.interval(0.9)
    eps = 1e-6 * boot.se
    assert boot.pvalue(low + eps) > 0.1 >= boot.pvalue(low - eps)
    assert boot.pvalue(high - eps) > 0.1 >= boot.pvalue(high + eps)


def test_p0_equals_wildboottest_under_full_enumeration():
    """wildboottest counts |t*| > |t| strictly, but its two ties (v = +1, v = -1, where |t*| = |t|
    in exact arithmetic) fall either way by rounding: its p equals ours either with the ties
    (inclusive, our default) or without them (strict=True), and nothing else differs."""
    for seed in range(4):
        X, y, cl = small_data(seed)
        boot = ci.WildClusterBootstrap(X, y, cl, 1, reps=9999, weights="rademacher")
        theirs = wildboottest_p(X, y, cl, 1, 9999, "rademacher")
        inclusive, strict = boot.pvalue(0.0), boot.pvalue(0.0, strict=True)
        assert inclusive - strict == pytest.approx(2 / 64)
        assert theirs == pytest.approx(inclusive) or theirs == pytest.approx(strict), (seed, theirs, inclusive)


def test_p0_agrees_with_wildboottest_webb_within_monte_carlo_error():
    """16 unequal clusters, 9,999 Webb draws each (different random streams): the difference of
    two independent estimates of the same p has sd sqrt(2 p (1 - p) / 9999)."""
    X, y, cl = report_like(1, 0.08)
    ours = ci.wild_cluster(X, y, cl, 1, reps=9999, weights="webb", seed=1).p
    theirs = wildboottest_p(X, y, cl, 1, 9999, "webb")
    assert 0.02 < ours < 0.98
    assert abs(ours - theirs) < 4 * np.sqrt(2 * ours * (1 - ours) / 9999), (ours, theirs)


def test_interval_agrees_with_p_value_on_random_data():
    verdicts = []
    for seed in range(8):
        X, y, cl = report_like(seed, effect=0.04 * seed)
        res = ci.wild_cluster(X, y, cl, 1, reps=999, weights="webb", seed=seed)
        outside = not (res.ci_low < 0.0 < res.ci_high)
        assert outside == (res.p <= ALPHA), (seed, res)
        verdicts.append(outside)
    assert any(verdicts) and not all(verdicts)          # both cases occur


def test_se_is_statsmodels_cr1_also_with_weights_and_terms_share_draws():
    X, y, cl = report_like(2, 0.1)
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    ols = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": cl})
    wls = sm.WLS(y, X, weights=w).fit(cov_type="cluster", cov_kwds={"groups": cl})
    every = ci.wild_cluster_terms(X, y, cl, reps=499, seed=4)
    weighted = ci.wild_cluster_terms(X, y, cl, reps=499, seed=4, obs_weights=w)
    for j in range(X.shape[1]):
        assert every[j].se == pytest.approx(ols.bse[j], rel=1e-10)
        assert every[j].estimate == pytest.approx(ols.params[j], rel=1e-10)
        assert weighted[j].se == pytest.approx(wls.bse[j], rel=1e-10)
    assert every[1] == ci.wild_cluster(X, y, cl, 1, reps=499, seed=4)


def cr2_dense(X: np.ndarray, y: np.ndarray, cl: np.ndarray, j: int) -> tuple[float, float]:
    """Imbens-Kolesar (2016) with explicit n x n matrices, as in Kolesar's BMlmSE."""
    n = len(y)
    M = np.linalg.inv(X.T @ X)
    u = y - X @ (M @ X.T @ y)
    ell = np.zeros(X.shape[1])
    ell[j] = 1.0
    IH = np.eye(n) - X @ M @ X.T
    meat, cols = 0.0, []
    for g in np.unique(cl):
        idx = np.flatnonzero(cl == g)
        lam, vec = np.linalg.eigh(IH[np.ix_(idx, idx)])
        A = vec @ np.diag(1 / np.sqrt(lam)) @ vec.T
        meat += (ell @ M @ X[idx].T @ A @ u[idx]) ** 2
        cols.append(IH[:, idx] @ A @ X[idx] @ M @ ell)
    GG = np.column_stack(cols).T @ np.column_stack(cols)
    return float(np.sqrt(meat)), float(np.trace(GG) ** 2 / np.sum(GG * GG))


def test_cr2_equals_hc2_when_every_observation_is_its_own_cluster():
    X, y, _ = small_data(5)
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(y))
    hc2 = sm.OLS(y, X).fit(cov_type="HC2")
    whc2 = sm.WLS(y, X, weights=w).fit(cov_type="HC2")
    singletons = np.arange(len(y))
    for j in range(X.shape[1]):
        assert ci.cr2(X, y, singletons, j).se == pytest.approx(hc2.bse[j], rel=1e-10)
        assert ci.cr2(X, y, singletons, j, obs_weights=w).se == pytest.approx(whc2.bse[j], rel=1e-10)


def test_cr2_intercept_only_balanced_clusters_has_g_minus_1_df():
    y = np.random.default_rng(2).normal(size=7 * 5)
    res = ci.cr2(np.ones((35, 1)), y, np.repeat(np.arange(7), 5), 0)
    assert res.df == pytest.approx(6.0, rel=1e-10)


def test_cr2_hand_computed_mean_with_clusters_of_1_2_3():
    """Intercept only: A_g 1 = (1 - m_g/n)^(-1/2) 1, so V = sum_g (sum_g u)^2 / (n^2 (1 - m_g/n)).
    y = 1 | 2 4 | 3 5 9: mean 4, cluster residual sums -3, -2, 5, n = 6:
    V = 9/30 + 4/24 + 25/18 = 167/90. G'G = C (diag(m) - m m'/n) C, C^2 = diag(1/(n^2 (1 - m_g/n))):
    trace 1/6, sum of squares 1/60, so df = (1/36) / (1/60) = 5/3."""
    y = np.array([1.0, 2, 4, 3, 5, 9])
    res = ci.cr2(np.ones((6, 1)), y, np.array([0, 1, 1, 2, 2, 2]), 0)
    assert res.estimate == pytest.approx(4.0)
    assert res.se == pytest.approx(np.sqrt(167 / 90), rel=1e-12)
    assert res.df == pytest.approx(5 / 3, rel=1e-12)
    half = stats.t.ppf(0.975, 5 / 3) * np.sqrt(167 / 90)
    assert (res.ci_low, res.ci_high) == pytest.approx((4 - half, 4 + half))
    assert res.p == pytest.approx(2 * stats.t.sf(4 / np.sqrt(167 / 90), 5 / 3))


def test_cr2_matches_dense_imbens_kolesar_computation():
    X, y, cl = report_like(3, 0.1)
    for j, res in enumerate(ci.cr2_terms(X, y, cl)):
        se, df = cr2_dense(X, y, cl, j)
        assert res.se == pytest.approx(se, rel=1e-8)
        assert res.df == pytest.approx(df, rel=1e-8)
        assert res == ci.cr2(X, y, cl, j)


def test_bad_input_is_refused():
    X, y, cl = small_data(0)
    with pytest.raises(ValueError):
        ci.wild_cluster(np.column_stack([X, X[:, 1]]), y, cl, 1)
    with pytest.raises(ValueError):
        ci.cr2(X, y, np.zeros(len(y)), 1)
    with pytest.raises(ValueError):
        ci.wild_cluster(X, y, cl, 1, weights="mammen")  # type: ignore[arg-type]


# WCR13, WCR31, WCR33 (MacKinnon, Nielsen & Webb 2023): the first digit is the bootstrap DGP's
# cluster scores (3: restricted cluster-jackknife residuals), the second the studentising
# variance (3: the cluster jackknife CV3).

def _cv3_se(X: np.ndarray, y: np.ndarray, cl: np.ndarray, j: int) -> float:
    """sqrt((G-1)/G sum_g (beta_(g),j - beta^_j)^2) by refitting without each cluster."""
    full = np.linalg.lstsq(X, y, rcond=None)[0][j]
    groups = np.unique(cl)
    jack = np.array([np.linalg.lstsq(X[cl != g], y[cl != g], rcond=None)[0][j] for g in groups])
    return float(np.sqrt((len(groups) - 1) / len(groups) * np.sum((jack - full) ** 2)))


def brute_p_variant(X: np.ndarray, y: np.ndarray, cl: np.ndarray, j: int, b: float, variant: str) -> float:
    """p(b) of WCR<variant> by refitting for every Rademacher sign vector: y* = X beta~ + v_g u_g
    with u the restricted residuals (variant 1x) or, per cluster, the residuals of the restricted
    fit without that cluster (3x); t* studentised by statsmodels' CR1 (x1) or the cluster
    jackknife of the bootstrap sample (x3); |t*| >= |t| up to 1e-9."""
    G = len(np.unique(cl))
    others = [c for c in range(X.shape[1]) if c != j]
    x1, yb = X[:, others], y - b * X[:, j]
    fitted = x1 @ np.linalg.lstsq(x1, yb, rcond=None)[0] + b * X[:, j]
    if variant[0] == "1":
        resid = y - fitted
    else:
        resid = np.empty_like(y)
        for g in np.unique(cl):
            gam = np.linalg.lstsq(x1[cl != g], yb[cl != g], rcond=None)[0]
            resid[cl == g] = (yb - x1 @ gam)[cl == g]

    def t(w: np.ndarray) -> float:
        if variant[1] == "1":
            r = sm.OLS(w, X).fit(cov_type="cluster", cov_kwds={"groups": cl})
            return (r.params[j] - b) / r.bse[j]
        return (np.linalg.lstsq(X, w, rcond=None)[0][j] - b) / _cv3_se(X, w, cl, j)

    t_hat = abs(t(y))
    hits = [abs(t(fitted + np.array(signs)[cl] * resid)) >= t_hat * (1 - 1e-9)
            for signs in itertools.product([-1.0, 1.0], repeat=G)]
    return float(np.mean(hits))


class _WildboottestCV3(WildboottestCL):
    """wildboottest's own CV3 bootstrap denominator (get_denom, crv3 branch), verbatim but for the
    last line: `sum(...)[np.where(R == 1)]` is a one-element array, which the installed numpy
    refuses to store in a scalar slot (ValueError), so its WCR13/WCR33 fail as shipped."""

    def get_denom(self):
        if self.crv_type != "crv3":
            return super().get_denom()
        inv = [np.linalg.pinv(self.tXX - xx) for xx in self.tXgXg_list]
        self.denom = np.zeros(self.B)
        for b in range(self.B):
            scores_g_boot = (self.scores_mat * self.v[:, b]).T
            scores_boot = scores_g_boot.sum(axis=0)
            delta_b_star = self.tXXinv @ scores_boot
            delta_diff = np.stack([(inv[g] @ (scores_boot - scores_g_boot[g]) - delta_b_star) ** 2
                                   for g in range(self.G)])
            self.denom[b] = self.ssc * np.sum(delta_diff, axis=0)[np.where(self.R == 1)][0]


def wildboottest_variant(X: np.ndarray, y: np.ndarray, cl: np.ndarray, j: int, reps: int, weights: str,
                         variant: str) -> tuple[float, np.ndarray, float]:
    """(p, t* of every draw, t) of wildboottest's WCR<variant>."""
    r = np.zeros(X.shape[1])
    r[j] = 1.0
    boot = _WildboottestCV3(X=X, Y=y, cluster=cl, R=r, B=reps, seed=0, parallel=False)
    boot.get_scores(bootstrap_type=variant, impose_null=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot.get_weights(weights_type=weights)
    boot.get_numer()
    boot.get_denom()
    boot.get_tboot()
    boot.get_vcov()
    boot.get_tstat()
    boot.get_pvalue(pval_type="two-tailed")
    return float(boot.pvalue), np.asarray(boot.t_boot, dtype=float), float(np.ravel(boot.t_stat)[0])


def _tstar_at_zero(boot: ci.WildClusterBootstrap) -> np.ndarray:
    """Every draw's |t*| for H0: beta_j = 0, up to the small-sample factor that cancels."""
    d = boot.estimate
    return np.abs(boot.n0 + d * boot.n1) / np.sqrt(boot.q00 + d * (2 * boot.q01 + d * boot.q11))


@pytest.mark.parametrize("variant", ["13", "31", "33"])
def test_variant_p_of_b_equals_brute_force_refits(variant: str):
    X, y, cl = small_data(3)
    boot = ci.WildClusterBootstrap(X, y, cl, 1, weights="rademacher", variant=variant)
    assert boot.enumerated and boot.variant == variant
    est, se = boot.estimate, boot.se
    bs = [0.0, est - 4 * se, est - 2 * se, est + 1.5 * se, est + 3 * se, est + 6 * se]
    fast = boot.pvalue(np.array(bs))
    slow = [brute_p_variant(X, y, cl, 1, b, variant) for b in bs]
    assert np.allclose(fast, slow, atol=1e-12), (fast, slow)
    assert len(set(slow)) >= 3
    low, high, note = boot.interval(0.95)
    eps = 1e-5 * se
    for inside, outside in ((low + eps, low - eps), (high - eps, high + eps)):
        assert brute_p_variant(X, y, cl, 1, inside, variant) > ALPHA >= brute_p_variant(X, y, cl, 1, outside, variant)


@pytest.mark.parametrize("variant", ["11", "13", "31", "33"])
def test_variant_bootstrap_t_and_p_equal_wildboottest_under_full_enumeration(variant: str):
    """The same 64 draws: wildboottest's |t*| (times sqrt of its small-sample factor, which we
    leave out as it cancels), its sample t and, with its strict |t*| > |t|, its p."""
    for seed in range(3):
        X, y, cl = small_data(seed)
        boot = ci.WildClusterBootstrap(X, y, cl, 1, reps=9999, weights="rademacher", variant=variant)
        p, t_boot, t_hat = wildboottest_variant(X, y, cl, 1, 9999, "rademacher", variant)
        ssc = (6 - 1) / 6 if variant[1] == "3" else 6 / 5 * (len(y) - 1) / (len(y) - 3)
        ours = np.sort(_tstar_at_zero(boot) / np.sqrt(ssc))
        assert np.allclose(ours, np.sort(np.abs(t_boot)), rtol=1e-10)
        assert boot.tstat(0.0) == pytest.approx(t_hat, rel=1e-10)
        if variant[0] == "1":               # the two exact ties may fall either way in wildboottest
            assert p in (pytest.approx(boot.pvalue(0.0)), pytest.approx(boot.pvalue(0.0, strict=True)))
        else:
            assert p == pytest.approx(boot.pvalue(0.0, strict=True))


def test_variant_webb_p_agrees_with_wildboottest_within_monte_carlo_error():
    X, y, cl = report_like(1, 0.08)
    ours = ci.wild_cluster(X, y, cl, 1, reps=9999, weights="webb", seed=1, variant="31")
    theirs, _, _ = wildboottest_variant(X, y, cl, 1, 9999, "webb", "31")
    assert 0.02 < ours.p < 0.98 and ours.method == "wild_cluster_wcr31_webb"
    assert abs(ours.p - theirs) < 4 * np.sqrt(2 * ours.p * (1 - ours.p) / 9999), (ours.p, theirs)


def test_cv3_se_is_the_cluster_jackknife_also_with_weights():
    X, y, cl = report_like(2, 0.1)
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    cv3 = ci.wild_cluster_terms(X, y, cl, reps=199, seed=4, variant="13")
    cr1 = ci.wild_cluster_terms(X, y, cl, reps=199, seed=4, variant="31")
    weighted = ci.wild_cluster_terms(X, y, cl, reps=199, seed=4, variant="33", obs_weights=w)
    sw = np.sqrt(w)
    ols = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": cl})
    for j in range(X.shape[1]):
        assert cv3[j].se == pytest.approx(_cv3_se(X, y, cl, j), rel=1e-9)
        assert weighted[j].se == pytest.approx(_cv3_se(X * sw[:, None], y * sw, cl, j), rel=1e-9)
        assert cr1[j].se == pytest.approx(ols.bse[j], rel=1e-10)
    assert cv3[1] == ci.wild_cluster(X, y, cl, 1, reps=199, seed=4, variant="13")
    with pytest.raises(ValueError, match="variant"):
        ci.wild_cluster(X, y, cl, 1, variant="22")  # type: ignore[arg-type]


def test_effective_clusters_by_hand():
    """Intercept only, clusters of sizes 1, 1 and 2 (n = 4): a = (X'X)^-1 = 1/4, z_i = 1/4, so
    per cluster sum z = 1/4, 1/4, 1/2 and sum z^2 = 1/16, 1/16, 2/16.
    rho = 1: gamma proportional to 1, 1, 4, shares 1/6, 1/6, 4/6, G* = 1 / (18/36) = 2.
    rho = 0: gamma proportional to 1, 1, 2, shares 1/4, 1/4, 1/2, G* = 1 / (6/16) = 8/3.
    rho = 1/2: gamma = (1/16, 1/16, 3/16), Gamma = (8/9) / (25/9) = 8/25, G* = 3 / (33/25) = 25/11.
    Equal clusters with a cluster-level regressor: G* = G for every rho."""
    X = np.ones((4, 1))
    c = np.array([0, 1, 2, 2])
    assert ci.effective_clusters(X, c, rho=1.0)[0] == pytest.approx(2.0)
    assert ci.effective_clusters(X, c, rho=0.0)[0] == pytest.approx(8 / 3)
    assert ci.effective_clusters(X, c, rho=0.5)[0] == pytest.approx(25 / 11)
    X2 = np.column_stack([np.ones(8), [1, 1, -1, -1, 1, 1, -1, -1]])
    assert ci.effective_clusters(X2, np.repeat([0, 1, 2, 3], 2)) == pytest.approx([4.0, 4.0])
    # a term chosen by index gives the same as all terms
    assert ci.effective_clusters(X2, np.repeat([0, 1, 2, 3], 2), [1]) == pytest.approx([4.0])
