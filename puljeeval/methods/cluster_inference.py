"""Few-cluster inference for one OLS coefficient: wild cluster bootstrap intervals by test
inversion, and CR2 (Bell-McCaffrey) standard errors with Bell-McCaffrey degrees of freedom.

Why: with 16 very unequal clusters (offers) a CR1 interval with t(G-1) and a wild cluster
bootstrap p-value can disagree (issue 14). Inverting the same bootstrap test gives an interval
that agrees with its p-value by construction; CR2 is the analytic alternative.

Wild cluster bootstrap (WCR, Roodman, MacKinnon, Nielsen & Webb 2019, "Fast and wild",
Stata Journal 19(1), section on test inversion). For H0: beta_j = b the model is refitted with
beta_j fixed at b, y* = X beta~(b) + v_g u~_g(b) with cluster weights v_g, and each draw's
t-statistic for beta_j = b is compared with the sample's. p(b) is the share of draws with
|t*| >= |t(b)| (ties, i.e. relative difference of t^2 under 1e-9, count as at least as extreme;
in WCR11 the draws v = +1 and v = -1 reproduce |t(b)| exactly, so Rademacher enumeration has two
ties). The same weight matrix is used for every b, so p(b) is a step function and the interval
{b : p(b) > alpha} has well defined ends.

Variants WCRxy (MacKinnon, Nielsen & Webb 2023, "Fast and reliable jackknife and bootstrap
methods for cluster-robust inference", J. Applied Econometrics 38(5); wildboottest's
bootstrap_type): x = 1 takes u~(b) as the restricted residuals, x = 3 each cluster's residuals
from the restricted fit without that cluster (cluster-jackknife scores, less shrunk where one
cluster has much leverage); y = 1 studentises with CR1 (factor G/(G-1) (n-1)/(n-k)), y = 3 with
the cluster jackknife CV3 = (G-1)/G sum_g (beta_(g) - beta^)^2, centred at the full-sample
estimate as in wildboottest and MNW (not at the jackknife mean), for the sample and for every
draw. Cluster-deleted fits use the pseudo-inverse, as wildboottest, where deleting a cluster
loses rank. The reported se is the studentising one (CR1 or CV3).

Closed form, every variant: with d = beta^_j - b the bootstrap cluster scores are
X_g'u*_g = v_g (S0_g + d S1_g) (restricted residuals and restricted jackknife residuals are both
affine in b), so every draw's numerator beta*_j - b is affine in d, and its studentising vector
z = (W0 + d W1) v is affine too (CR1: z_g = a'X_g'u*_g; CV3: z_g = beta*_(g),j - beta*_j, with
beta*_(g) - beta~ = pinv(X'X - X_g'X_g) sum_{h != g} v_h X_h'u*_h linear in v), so its squared
denominator is quadratic in d. After O(n k^2 + G k^3 + G^2 B) work (the G x G matrices W0, W1
per term) a new b costs O(B); the small-sample factors cancel in p(b).

CR2 (Bell & McCaffrey 2002, in the formulation of Imbens & Kolesar 2016, "Robust Standard
Errors in Small Samples: Some Practical Advice", REStat 98(4)): residuals of cluster g are
premultiplied by A_g = (I - H_gg)^(-1/2) (Moore-Penrose for singular blocks, as in Kolesar's
reference code), and the t reference has K = (tr GG)^2 / tr(GG^2) degrees of freedom with
G'G the n x G matrix of columns (I - H)_g A_g X_g (X'X)^-1 e_j under the homoskedastic working
model (Omega = I; the Imbens-Kolesar random-effects variant is not implemented).

Observation weights are supported as analytic (inverse-variance, WLS) weights: rows are
multiplied by sqrt(w) and everything above is applied to the transformed model, as statsmodels
WLS does for its cluster and HC2 covariances.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats as sps

TIE_RTOL = 1e-9                      # relative tolerance on t^2 for counting |t*| = |t| as a tie
WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
Weights = Literal["webb", "rademacher"]
Variant = Literal["11", "13", "31", "33"]
VARIANTS = ("11", "13", "31", "33")


@dataclass(frozen=True)
class ClusterInference:
    """One coefficient's inference. `se` is the studentising standard error for the wild
    bootstrap (CR1 for WCRx1, CV3 for WCRx3) and CR2 for cr2; `df` is None for the bootstrap;
    `reps` is the number of bootstrap draws used (2^G under full enumeration), None for cr2;
    `note` says what to know."""

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p: float
    df: float | None
    method: str
    reps: int | None
    note: str = ""


class _Fit:
    """OLS pieces shared by every term and method: (X'X)^-1, coefficients, residuals and the
    per-cluster cross products X_g'X_g and X_g'u_g."""

    def __init__(self, X: np.ndarray, y: np.ndarray, cluster: np.ndarray, obs_weights: np.ndarray | None) -> None:
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float).ravel()
        cluster = np.asarray(cluster).ravel()
        if X.ndim == 1:
            X = X[:, None]
        n, k = X.shape
        if len(y) != n or len(cluster) != n:
            raise ValueError("X, y and cluster must have the same number of rows")
        if obs_weights is not None:
            w = np.asarray(obs_weights, dtype=float).ravel()
            if len(w) != n or np.any(~np.isfinite(w)) or np.any(w <= 0):
                raise ValueError("obs_weights must be positive and finite, one per row")
            X, y = X * np.sqrt(w)[:, None], y * np.sqrt(w)
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
            raise ValueError("X and y must be finite")
        xtx = X.T @ X
        norms = np.sqrt(np.diag(xtx))
        if np.any(norms == 0) or np.linalg.eigvalsh(xtx / np.outer(norms, norms))[0] < 1e-10:
            raise ValueError("X is not of full column rank")          # (condition number of X over 1e5)
        _, codes = np.unique(cluster, return_inverse=True)
        self.G = int(codes.max()) + 1
        if self.G < 2:
            raise ValueError("at least two clusters are needed")
        if n <= k:
            raise ValueError("more observations than regressors are needed")
        self.X, self.y, self.codes, self.n, self.k = X, y, codes, n, k
        self.M = np.linalg.inv(xtx)
        self.beta = self.M @ (X.T @ y)
        self.resid = y - X @ self.beta
        self.rows = [np.flatnonzero(codes == g) for g in range(self.G)]
        self.XX = np.stack([X[r].T @ X[r] for r in self.rows])                  # G x k x k
        self.Xu = np.stack([X[r].T @ self.resid[r] for r in self.rows])         # G x k
        self.cr1_factor = self.G / (self.G - 1) * (n - 1) / (n - k)

    def jackknife(self) -> tuple[np.ndarray, np.ndarray]:
        """(Ainv, beta_jack): per cluster pinv(X'X - X_g'X_g) (G x k x k) and the cluster-deleted
        estimates (G x k). Pseudo-inverse, as wildboottest, where deleting a cluster loses rank."""
        if not hasattr(self, "_jack"):
            xty = self.X.T @ self.y
            xy = np.stack([self.X[r].T @ self.y[r] for r in self.rows])
            ainv = np.stack([np.linalg.pinv(self.XX.sum(0) - xx, hermitian=True) for xx in self.XX])
            self._jack = ainv, np.einsum("gij,gj->gi", ainv, xty - xy)
        return self._jack

    def restricted_jackknife_scores(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """(Sy, Sx), G x k: the scores X_g'(w_g - X1_g gamma_(g)) of the cluster-deleted regression
        of w on the other columns X1 (w = y and w = x_j). The restricted (beta_j = b) jackknife
        scores of WCR3x are Sy - b Sx, affine in b."""
        X, others = self.X, [c for c in range(self.k) if c != j]
        x1 = X[:, others]
        w = np.column_stack([self.y, X[:, j]])
        x1x1, x1w = x1.T @ x1, x1.T @ w
        out = np.empty((2, self.G, self.k))
        for g, r in enumerate(self.rows):
            gam = np.linalg.pinv(x1x1 - x1[r].T @ x1[r], hermitian=True) @ (x1w - x1[r].T @ w[r])
            out[:, g] = (X[r].T @ (w[r] - x1[r] @ gam)).T
        return out[0], out[1]

    def term_index(self, term: int) -> int:
        if not -self.k <= term < self.k:
            raise IndexError(f"term {term} out of range for {self.k} columns")
        return term % self.k


def draw_weights(G: int, reps: int, weights: Weights, seed: int) -> tuple[np.ndarray, bool]:
    """G x B matrix of cluster weights and whether it is the full enumeration. Rademacher with
    2^G <= reps enumerates all 2^G sign vectors (exact, no seed); otherwise draws from
    numpy's default_rng(seed), so results are deterministic for a seed."""
    if reps < 1:
        raise ValueError("reps must be positive")
    if weights == "rademacher" and 2**G <= reps:
        signs = (np.arange(2**G)[None, :] >> np.arange(G)[:, None]) & 1
        return 2.0 * signs - 1.0, True
    rng = np.random.default_rng(seed)
    if weights == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(G, reps)), False
    if weights == "webb":
        return rng.choice(WEBB, size=(G, reps)), False
    raise ValueError(f"unknown weights {weights!r}: use 'webb' or 'rademacher'")


def _crossing(pvalue: Callable[[float], float], estimate: float, direction: int, alpha: float, step: float,
              max_doublings: int, xtol: float) -> float:
    """Where p(b) - alpha crosses on one side: widen from the estimate by doubling `step` until
    p <= alpha, then bisect keeping p > alpha at `inside`. Infinite if never bracketed."""
    inside, m = estimate, 0
    outside = estimate + direction * step
    while pvalue(outside) > alpha:
        inside, m = outside, m + 1
        if m > max_doublings:
            return direction * np.inf
        outside = estimate + direction * step * 2.0**m
    while abs(outside - inside) > xtol * step:
        mid = 0.5 * (inside + outside)
        if mid in (inside, outside):
            break
        if pvalue(mid) > alpha:
            inside = mid
        else:
            outside = mid
    return 0.5 * (inside + outside)


def invert_test(pvalue: Callable[[float], float], estimate: float, step: float, alpha: float, *,
                max_doublings: int, xtol: float, grid_points: int = 101,
                pvalues: Callable[[np.ndarray], np.ndarray] | None = None) -> tuple[float, float, str]:
    """(low, high, note): the ends of the acceptance region {b : p(b) > alpha} of a test of
    H0: beta = b, found from `estimate` outwards in steps of `step` (an analytic half-width; the
    estimate's size or 1 when that is not positive), to `xtol` x step. A `grid_points` check says in
    the note when the region is not one interval, or that it is unbounded. `pvalues` evaluates a
    whole grid at once where the test can (else `pvalue` point by point). Shared by the wild
    cluster bootstrap here and the wild score bootstrap (score_bootstrap.py)."""
    if not (np.isfinite(step) and step > 0):
        step = max(abs(estimate), 1.0)
    low, high = (_crossing(pvalue, estimate, d, alpha, step, max_doublings, xtol) for d in (-1, 1))
    if not (np.isfinite(low) and np.isfinite(high)):
        return low, high, f"p(b) stays above {alpha:g} on one side: the interval is unbounded"
    width = high - low
    grid = np.linspace(low - width / 2, high + width / 2, grid_points)
    grid = grid[np.minimum(abs(grid - low), abs(grid - high)) > 1e-6 * width]
    p = pvalues(grid) if pvalues is not None else np.array([pvalue(b) for b in grid])
    if np.any((p > alpha) != ((grid > low) & (grid < high))):
        return low, high, f"acceptance region is not one interval on a {grid_points}-point grid"
    return low, high, ""


class WildClusterBootstrap:
    """Restricted wild cluster bootstrap for one coefficient, precomputed so that p(b) for any
    b (or array of b) costs O(B): per draw it keeps the numerator's coefficients (n0, n1) and the
    squared denominator's coefficients (q00, q01, q11) as functions of d = beta^_j - b.

    `variant` is MacKinnon, Nielsen & Webb's (2023) and wildboottest's two digits: the first is
    the bootstrap DGP's cluster scores (1: restricted residuals; 3: restricted cluster-jackknife
    residuals, each cluster's from the restricted fit without it), the second the variance that
    studentises the sample's and each draw's t (1: CR1; 3: CV3 = (G-1)/G sum_g (beta_(g) -
    beta^)^2, centred at the full-sample estimate as in wildboottest)."""

    def __init__(self, X: np.ndarray, y: np.ndarray, cluster: np.ndarray, term: int, *, reps: int = 9999,
                 weights: Weights = "webb", seed: int = 0, obs_weights: np.ndarray | None = None,
                 variant: Variant = "11") -> None:
        fit = _Fit(X, y, cluster, obs_weights)
        v, enumerated = draw_weights(fit.G, reps, weights, seed)
        self._setup(fit, term, v, enumerated, weights, variant)

    @classmethod
    def _from_parts(cls, fit: _Fit, term: int, v: np.ndarray, enumerated: bool,
                    weights: Weights, variant: Variant = "11") -> WildClusterBootstrap:
        self = cls.__new__(cls)
        self._setup(fit, term, v, enumerated, weights, variant)
        return self

    def _setup(self, fit: _Fit, term: int, v: np.ndarray, enumerated: bool, weights: Weights,
               variant: Variant) -> None:
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}: use one of {VARIANTS}")
        j = fit.term_index(term)
        a = fit.M[:, j]
        aj = a[j]
        # Bootstrap cluster scores X_g'u*_g / v_g = S0_g + d S1_g (G x k each).
        if variant[0] == "1":                   # u~(b) = u^ + d X a / a_j
            S0, S1 = fit.Xu, fit.XX @ a / aj
        else:                                   # Sy - b Sx with b = beta^_j - d
            sy, sx = fit.restricted_jackknife_scores(j)
            S0, S1 = sy - fit.beta[j] * sx, sx
        c0, c1 = S0 @ a, S1 @ a                 # each cluster's contribution to beta*_j - b
        # Per draw the studentising quantities are z = W v (G-vectors), W = W0 + d W1 (G x G).
        if variant[1] == "1":                   # CR1: z_g = a'X_g'u*_g = c_g v_g - a'X_g'X_g M sum_h S_h v_h
            pa = fit.XX @ a
            W0, W1 = np.diag(c0) - pa @ fit.M @ S0.T, np.diag(c1) - pa @ fit.M @ S1.T
            sample_ss = float(fit.Xu @ a @ (fit.Xu @ a))
            factor = fit.cr1_factor
        else:                                   # CV3: z_g = beta*_(g),j - beta*_j (both minus beta~_j)
            ainv, beta_jack = fit.jackknife()
            pj = ainv[:, j, :] - a              # e_j'(pinv(X'X - X_g'X_g) - (X'X)^-1)
            own = ainv[:, j, :]
            W0 = pj @ S0.T - np.diag((own * S0).sum(1))
            W1 = pj @ S1.T - np.diag((own * S1).sum(1))
            dev = beta_jack[:, j] - fit.beta[j]
            sample_ss = float(dev @ dev)
            factor = (fit.G - 1) / fit.G
        z0, z1 = W0 @ v, W1 @ v
        self.n0, self.n1 = c0 @ v, c1 @ v
        self.q00, self.q01, self.q11 = (z0 * z0).sum(0), (z0 * z1).sum(0), (z1 * z1).sum(0)
        self.sample_ss = sample_ss
        # |t*| >= |t| <=> (n0 + d n1)^2 sample_ss >= d^2 (q00 + 2 d q01 + d^2 q11): both sides as
        # polynomials in d, coefficients stacked per draw (the small-sample factor cancels).
        self._lhs = np.stack([self.n0**2, 2 * self.n0 * self.n1, self.n1**2]) * sample_ss
        self._rhs = np.stack([self.q00, 2 * self.q01, self.q11])
        self.G, self.term = fit.G, j
        self.estimate = float(fit.beta[j])
        self.se = float(np.sqrt(factor * sample_ss))
        self.reps = v.shape[1]
        self.enumerated = enumerated
        self.weights = weights
        self.variant = variant

    def tstat(self, b: float | np.ndarray) -> np.ndarray:
        """The sample's CR1 (variant x1) or CV3 (x3) t-statistic for H0: beta_j = b (unrestricted residuals)."""
        return (self.estimate - np.asarray(b, dtype=float)) / self.se

    def pvalue(self, b: float | np.ndarray, *, strict: bool = False) -> float | np.ndarray:
        """Symmetric two-sided p(b) = share of draws with |t*(b)| >= |t(b)|; strict=True counts
        only |t*| > |t| (wildboottest's convention), which differs only by the ties."""
        b = np.asarray(b, dtype=float)
        d = (self.estimate - b)[..., None]
        lhs = self._lhs[0] + d * (self._lhs[1] + d * self._lhs[2])
        rhs = d * d * (self._rhs[0] + d * (self._rhs[1] + d * self._rhs[2]))
        hit = lhs > rhs * (1.0 + TIE_RTOL) if strict else lhs >= rhs * (1.0 - TIE_RTOL)
        p = np.count_nonzero(hit, axis=-1) / self.reps
        return float(p) if np.ndim(p) == 0 else p

    def interval(self, level: float = 0.95) -> tuple[float, float, str]:
        """(low, high, note): the ends of {b : p(b) > 1 - level} (`invert_test`), widening from the
        CR1 interval."""
        alpha = 1.0 - level
        if not 0.0 < alpha < 1.0:
            raise ValueError("level must be in (0, 1)")
        step = sps.t.ppf(1.0 - alpha / 2.0, self.G - 1) * self.se
        return invert_test(self.pvalue, self.estimate, step, alpha, max_doublings=60, xtol=1e-9,
                           pvalues=self.pvalue)

    def result(self, level: float = 0.95, null: float = 0.0) -> ClusterInference:
        low, high, note = self.interval(level)
        notes = [f"full enumeration of 2^{self.G} sign vectors"] if self.enumerated else []
        notes += [note] if note else []
        return ClusterInference(self.estimate, self.se, float(low), float(high), self.pvalue(null), None,
                                f"wild_cluster_wcr{self.variant}_{self.weights}", self.reps, "; ".join(notes))


def wild_cluster(X: np.ndarray, y: np.ndarray, cluster: np.ndarray, term: int, *, reps: int = 9999,
                 weights: Weights = "webb", seed: int = 0, level: float = 0.95, null: float = 0.0,
                 obs_weights: np.ndarray | None = None, variant: Variant = "11") -> ClusterInference:
    """WCR wild cluster bootstrap p-value for H0: beta_term = null and the interval from
    inverting the same test (same draws for every b); `variant` as in WildClusterBootstrap."""
    boot = WildClusterBootstrap(X, y, cluster, term, reps=reps, weights=weights, seed=seed,
                                obs_weights=obs_weights, variant=variant)
    return boot.result(level, null)


def wild_cluster_terms(X: np.ndarray, y: np.ndarray, cluster: np.ndarray, terms: list[int] | None = None, *,
                       reps: int = 9999, weights: Weights = "webb", seed: int = 0, level: float = 0.95,
                       obs_weights: np.ndarray | None = None, variant: Variant = "11") -> list[ClusterInference]:
    """wild_cluster for several terms (default: all columns) sharing the fit and one weight
    matrix; each result equals wild_cluster with the same seed."""
    fit = _Fit(X, y, cluster, obs_weights)
    v, enumerated = draw_weights(fit.G, reps, weights, seed)
    terms = list(range(fit.k)) if terms is None else terms
    return [WildClusterBootstrap._from_parts(fit, t, v, enumerated, weights, variant).result(level) for t in terms]


class _CR2:
    """Per cluster the eigen-decomposition of H_gg = X_g (X'X)^-1 X_g' = B_g B_g' (B_g = X_g L,
    L L' = (X'X)^-1) through the k x k matrix B_g'B_g = L'X_g'X_g L = W diag(lambda) W', so
    O(n_g k^2) rather than O(n_g^3): with U_g = B_g W lambda^(-1/2) (lambda > 0),
    A_g x = x + U_g (f * U_g'x), f = (1 - lambda)^(-1/2) - 1, and f = -1 where 1 - lambda is
    numerically zero (Moore-Penrose inverse square root)."""

    def __init__(self, fit: _Fit) -> None:
        self.fit = fit
        self.parts = []
        low = np.linalg.cholesky(fit.M)
        for g, r in enumerate(fit.rows):
            lam, w = np.linalg.eigh(low.T @ fit.XX[g] @ low)
            keep = lam > 1e-12 * max(lam.max(), 1.0)
            lam, w = lam[keep], w[:, keep]
            gap = 1.0 - lam
            f = np.where(gap > 1e-10, 1.0 / np.sqrt(np.clip(gap, 1e-10, None)) - 1.0, -1.0)
            self.parts.append(((fit.X[r] @ low) @ (w / np.sqrt(lam)), f))
        self.Au = [self._apply(g, fit.resid[r]) for g, r in enumerate(fit.rows)]

    def _apply(self, g: int, x: np.ndarray) -> np.ndarray:
        u, f = self.parts[g]
        return x + u @ (f * (u.T @ x))

    def result(self, term: int, level: float, null: float) -> ClusterInference:
        fit = self.fit
        j = fit.term_index(term)
        a = fit.M[:, j]
        ax = [self._apply(g, fit.X[r] @ a) for g, r in enumerate(fit.rows)]         # A_g X_g a
        scores = np.array([fit.X[r] @ a @ u for r, u in zip(fit.rows, self.Au, strict=True)])  # a'X_g'A_g u_g
        se = float(np.sqrt(scores @ scores))
        # G'G with G[:, g] = (I - H)[:, g] A_g X_g a equals diag(|A_g X_g a|^2) - C'(X'X)^-1 C,
        # C[:, g] = X_g' A_g X_g a (expand (E_g - X M X_g') and use X'X M = I).
        c = np.stack([fit.X[r].T @ x for x, r in zip(ax, fit.rows, strict=True)], axis=1)
        gg = np.diag([x @ x for x in ax]) - c.T @ fit.M @ c
        df = float(np.trace(gg) ** 2 / np.sum(gg * gg))
        est = float(fit.beta[j])
        crit = sps.t.ppf(0.5 + level / 2.0, df)
        p = float(2.0 * sps.t.sf(abs(est - null) / se, df)) if se > 0 else float("nan")
        return ClusterInference(est, se, float(est - crit * se), float(est + crit * se), p, df, "cr2_bm", None)


def cr2(X: np.ndarray, y: np.ndarray, cluster: np.ndarray, term: int, *, level: float = 0.95, null: float = 0.0,
        obs_weights: np.ndarray | None = None) -> ClusterInference:
    """CR2 (bias-reduced) standard error of beta_term with the Bell-McCaffrey degrees of
    freedom, its t interval and p-value for H0: beta_term = null."""
    return _CR2(_Fit(X, y, cluster, obs_weights)).result(term, level, null)


def cr2_terms(X: np.ndarray, y: np.ndarray, cluster: np.ndarray, terms: list[int] | None = None, *,
              level: float = 0.95, obs_weights: np.ndarray | None = None) -> list[ClusterInference]:
    """cr2 for several terms (default: all columns) sharing the per-cluster decompositions."""
    fit = _Fit(X, y, cluster, obs_weights)
    parts = _CR2(fit)
    return [parts.result(t, level, 0.0) for t in (range(fit.k) if terms is None else terms)]


EFFECTIVE_RHO = 0.999     # effClust's default: close to equicorrelated errors within a cluster


def effective_clusters(X: np.ndarray, cluster: np.ndarray, terms: list[int] | None = None, *,
                       rho: float = EFFECTIVE_RHO) -> np.ndarray:
    """The effective number of clusters G*A of Carter, Schnepel & Steigerwald (2017, "Asymptotic
    behavior of a t-test robust to cluster heterogeneity", REStat 99(4)) for each term: with
    a = (X'X)^-1 e_j and z_g = X_g a, gamma_g = (1 - rho) z_g'z_g + rho (sum z_g)^2 is cluster g's
    share of beta_j's variance under a working model with intra-cluster correlation rho;
    G* = G / (1 + Gamma), Gamma = mean((gamma_g - mean gamma)^2) / mean(gamma)^2, which equals
    1 / sum_g s_g^2 with s_g = gamma_g / sum gamma (the inverse Herfindahl index of the shares).
    G* is G when every cluster carries the same weight and near 1 when one carries it all; the
    wild cluster bootstrap and CR2 lose accuracy as G* falls (docs/core_elements.md, coverage study).
    Depends on the design only, not on y."""
    X = np.asarray(X, dtype=float)
    codes = np.unique(np.asarray(cluster).ravel(), return_inverse=True)[1]
    G = int(codes.max()) + 1
    A = np.linalg.solve(X.T @ X, np.eye(X.shape[1])[:, list(range(X.shape[1])) if terms is None else terms])
    Z = X @ A                                                    # n x terms: z for every term
    sums = np.zeros((G, Z.shape[1]))
    squares = np.zeros((G, Z.shape[1]))
    np.add.at(sums, codes, Z)
    np.add.at(squares, codes, Z ** 2)
    gamma = (1 - rho) * squares + rho * sums ** 2
    shares = gamma / gamma.sum(axis=0)
    return 1.0 / (shares ** 2).sum(axis=0)
