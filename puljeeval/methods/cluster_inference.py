"""Few-cluster inference for one OLS coefficient: wild cluster bootstrap intervals by test
inversion, and CR2 (Bell-McCaffrey) standard errors with Bell-McCaffrey degrees of freedom.

Why: with 16 very unequal clusters (offers) a CR1 interval with t(G-1) and a wild cluster
bootstrap p-value can disagree (issue 14). Inverting the same bootstrap test gives an interval
that agrees with its p-value by construction; CR2 is the analytic alternative.

Wild cluster bootstrap (WCR, Roodman, MacKinnon, Nielsen & Webb 2019, "Fast and wild",
Stata Journal 19(1), section on test inversion). For H0: beta_j = b the model is refitted with
beta_j fixed at b, y* = X beta~(b) + v_g u~(b) with cluster weights v_g, and each draw's CR1
t-statistic for beta_j = b is compared with the sample's. p(b) is the share of draws with
|t*| >= |t(b)| (ties, i.e. relative difference of t^2 under 1e-9, count as at least as extreme;
the draws v = +1 and v = -1 reproduce |t(b)| exactly, so Rademacher enumeration always has two
ties). The same weight matrix is used for every b, so p(b) is a step function and the interval
{b : p(b) > alpha} has well defined ends. Closed form: with d = beta^_j - b the restricted
residuals are u~(b) = u^ + d X a / a_j (a = (X'X)^-1 e_j), so every draw's numerator is affine
and its squared CR1 denominator quadratic in d; after O(n k^2 + G^2 B) work a new b costs O(B).
The small-sample factor G/(G-1) (n-1)/(n-k) is the one of wildboottest's WCR11 (it cancels in
p(b)); the reported se is CR1.

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

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats as sps

TIE_RTOL = 1e-9                      # relative tolerance on t^2 for counting |t*| = |t| as a tie
WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
Weights = Literal["webb", "rademacher"]


@dataclass(frozen=True)
class ClusterInference:
    """One coefficient's inference. `se` is CR1 for the wild bootstrap (the statistic it
    studentises with) and CR2 for cr2; `df` is None for the bootstrap; `reps` is the number of
    bootstrap draws used (2^G under full enumeration), None for cr2; `note` says what to know."""

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


class WildClusterBootstrap:
    """Restricted wild cluster bootstrap for one coefficient, precomputed so that p(b) for any
    b (or array of b) costs O(B): per draw it keeps the numerator's coefficients (n0, n1) and the
    squared CR1 denominator's coefficients (q00, q01, q11) as functions of d = beta^_j - b."""

    def __init__(self, X: np.ndarray, y: np.ndarray, cluster: np.ndarray, term: int, *, reps: int = 9999,
                 weights: Weights = "webb", seed: int = 0, obs_weights: np.ndarray | None = None) -> None:
        fit = _Fit(X, y, cluster, obs_weights)
        v, enumerated = draw_weights(fit.G, reps, weights, seed)
        self._setup(fit, term, v, enumerated, weights)

    @classmethod
    def _from_parts(cls, fit: _Fit, term: int, v: np.ndarray, enumerated: bool,
                    weights: Weights) -> WildClusterBootstrap:
        self = cls.__new__(cls)
        self._setup(fit, term, v, enumerated, weights)
        return self

    def _setup(self, fit: _Fit, term: int, v: np.ndarray, enumerated: bool, weights: Weights) -> None:
        j = fit.term_index(term)
        a = fit.M[:, j]
        aj = a[j]
        s0 = fit.Xu @ a                         # a'X_g'u^_g: cluster scores of the unrestricted fit
        pa = fit.XX @ a                         # X_g'X_g a, G x k
        s1 = pa @ a / aj                        # a'X_g'X_g a / a_j: how the scores move with d
        k0 = pa @ fit.M @ fit.Xu.T              # K0[h, g] = a'X_h'X_h (X'X)^-1 X_g'u^_g
        k1 = pa @ fit.M @ pa.T / aj             # K1[h, g] = a'X_h'X_h (X'X)^-1 X_g'X_g a / a_j
        z0 = s0[:, None] * v - k0 @ v           # bootstrap cluster scores at d = 0 ...
        z1 = s1[:, None] * v - k1 @ v           # ... and their slope in d
        self.n0, self.n1 = s0 @ v, s1 @ v
        self.q00, self.q01, self.q11 = (z0 * z0).sum(0), (z0 * z1).sum(0), (z1 * z1).sum(0)
        self.score_ss = float(s0 @ s0)
        # |t*| >= |t| <=> (n0 + d n1)^2 score_ss >= d^2 (q00 + 2 d q01 + d^2 q11): both sides as
        # polynomials in d, coefficients stacked per draw (the CR1 factor cancels).
        self._lhs = np.stack([self.n0**2, 2 * self.n0 * self.n1, self.n1**2]) * self.score_ss
        self._rhs = np.stack([self.q00, 2 * self.q01, self.q11])
        self.G, self.term = fit.G, j
        self.estimate = float(fit.beta[j])
        self.se = float(np.sqrt(fit.cr1_factor * self.score_ss))
        self.reps = v.shape[1]
        self.enumerated = enumerated
        self.weights = weights

    def tstat(self, b: float | np.ndarray) -> np.ndarray:
        """The sample's CR1 t-statistic for H0: beta_j = b (unrestricted residuals)."""
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

    def _bound(self, direction: int, alpha: float, step: float) -> float:
        """The crossing of p(b) - alpha on one side: widen from the CR1 bound by doubling until
        p <= alpha, then bisect keeping p > alpha at `inside`. Infinite if never bracketed."""
        inside, m = self.estimate, 0
        outside = self.estimate + direction * step
        while self.pvalue(outside) > alpha:
            inside, m = outside, m + 1
            if m > 60:
                return direction * np.inf
            outside = self.estimate + direction * step * 2.0**m
        xtol = 1e-9 * step
        while abs(outside - inside) > xtol:
            mid = 0.5 * (inside + outside)
            if mid in (inside, outside):
                break
            if self.pvalue(mid) > alpha:
                inside = mid
            else:
                outside = mid
        return 0.5 * (inside + outside)

    def interval(self, level: float = 0.95) -> tuple[float, float, str]:
        """(low, high, note): the ends of {b : p(b) > 1 - level}. A 101-point grid check says in
        the note when the acceptance region is not one interval (rare; bounds then are the
        crossings found by widening from the CR1 interval)."""
        alpha = 1.0 - level
        if not 0.0 < alpha < 1.0:
            raise ValueError("level must be in (0, 1)")
        step = sps.t.ppf(1.0 - alpha / 2.0, self.G - 1) * self.se
        if not (np.isfinite(step) and step > 0):
            step = max(abs(self.estimate), 1.0)
        low, high = self._bound(-1, alpha, step), self._bound(1, alpha, step)
        notes = []
        if not (np.isfinite(low) and np.isfinite(high)):
            notes.append(f"p(b) stays above {alpha:g} on one side: the interval is unbounded")
        else:
            width = high - low
            grid = np.linspace(low - width / 2, high + width / 2, 101)
            grid = grid[np.minimum(abs(grid - low), abs(grid - high)) > 1e-6 * width]
            accepted = self.pvalue(grid) > alpha
            if np.any(accepted != ((grid > low) & (grid < high))):
                notes.append("acceptance region is not one interval on a 101-point grid")
        return low, high, "; ".join(notes)

    def result(self, level: float = 0.95, null: float = 0.0) -> ClusterInference:
        low, high, note = self.interval(level)
        notes = [f"full enumeration of 2^{self.G} sign vectors"] if self.enumerated else []
        notes += [note] if note else []
        return ClusterInference(self.estimate, self.se, float(low), float(high), self.pvalue(null), None,
                                f"wild_cluster_wcr11_{self.weights}", self.reps, "; ".join(notes))


def wild_cluster(X: np.ndarray, y: np.ndarray, cluster: np.ndarray, term: int, *, reps: int = 9999,
                 weights: Weights = "webb", seed: int = 0, level: float = 0.95, null: float = 0.0,
                 obs_weights: np.ndarray | None = None) -> ClusterInference:
    """WCR wild cluster bootstrap p-value for H0: beta_term = null and the interval from
    inverting the same test (same draws for every b)."""
    boot = WildClusterBootstrap(X, y, cluster, term, reps=reps, weights=weights, seed=seed,
                                obs_weights=obs_weights)
    return boot.result(level, null)


def wild_cluster_terms(X: np.ndarray, y: np.ndarray, cluster: np.ndarray, terms: list[int] | None = None, *,
                       reps: int = 9999, weights: Weights = "webb", seed: int = 0, level: float = 0.95,
                       obs_weights: np.ndarray | None = None) -> list[ClusterInference]:
    """wild_cluster for several terms (default: all columns) sharing the fit and one weight
    matrix; each result equals wild_cluster with the same seed."""
    fit = _Fit(X, y, cluster, obs_weights)
    v, enumerated = draw_weights(fit.G, reps, weights, seed)
    terms = list(range(fit.k)) if terms is None else terms
    return [WildClusterBootstrap._from_parts(fit, t, v, enumerated, weights).result(level) for t in terms]


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
