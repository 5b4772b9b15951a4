"""Few-cluster inference for one coefficient of a logistic regression: the restricted wild score
bootstrap with its interval by test inversion, and CR1 standard errors with t(G-1).

Why: section 3.3's dropout logit has children clustered in ~16 offers of very unequal size, and
no closed-form wild bootstrap exists for a non-linear model (the wild cluster bootstrap of
puljeeval/methods/cluster_inference.py is for OLS).

Wild score bootstrap (Kline & Santos 2012, "A Score Based Approach to Wild Bootstrap Inference",
Journal of Econometric Methods 1(1), 23-41; as implemented for ML models in Stata's boottest,
Roodman, MacKinnon, Nielsen & Webb 2019). For H0: beta_j = b the logit is refitted with beta_j
fixed at b (the other coefficients free, x_j b as an offset): beta~(b). With the observations'
scores s_i = x_i (y_i - Lambda(x_i'beta~)) summed per cluster (S_g) and V = H^-1, the inverse of
the information X'diag(Lambda(1 - Lambda))X at beta~, the one-step coefficient deviation of
cluster g is z_g = (V S_g)_j. A draw perturbs the cluster scores with weights v_g:

    numerator  N(v) = sum_g v_g z_g
    variance   D(v) = sum_g (v_g z_g - w_g N(v))^2     (w_g = n_g / n: the perturbed scores
                                                        recentred per observation)
    t(v) = N(v) / sqrt(D(v)),

the Hessian held fixed (no refit per draw). The sample's statistic is t(1) (all weights one): the
cluster-robust score (Rao) statistic for H0, a one-step approximation of the Wald t at b. p(b) is
the share of draws with |t(v)| >= |t(1)| (ties, relative difference of t^2 under 1e-9, count as
at least as extreme: v = 1 and v = -1 reproduce |t(1)| exactly). The same weight matrix serves
every b, so p(b) is a step function in b and {b : p(b) > alpha} has well-defined ends, found by
widening from the estimate and bisecting, one restricted refit per b. Any small-sample factor
multiplies D(v) and D(1) alike and cancels.

CR1: V (sum_g S_g S_g') V at the unrestricted estimate times G/(G-1) (Stata's factor for
cluster-robust ML), a t(G-1) reference for the interval and p-value.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps
from scipy.special import expit

from puljeeval.methods.cluster_inference import TIE_RTOL, ClusterInference, Weights, draw_weights, invert_test

GRID_POINTS = 41        # the check that the acceptance region is one interval (one refit per point)


class LogitFitError(ValueError):
    """The logit (restricted or not) has no finite maximum likelihood estimate."""


def logit_fit(X: np.ndarray, y: np.ndarray, offset: np.ndarray | None = None, start: np.ndarray | None = None,
              tol: float = 1e-10, max_iter: int = 100) -> np.ndarray:
    """Maximum likelihood coefficients of P(y = 1) = Lambda(offset + X beta) by Newton-Raphson
    with step halving. With no columns, the empty vector. Raises LogitFitError when the
    iterations do not converge (separation: the estimate is infinite)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    off = np.zeros(len(y)) if offset is None else np.asarray(offset, dtype=float)
    k = X.shape[1]
    if k == 0:
        return np.zeros(0)
    beta = np.zeros(k) if start is None else np.asarray(start, dtype=float).copy()

    def loglik(b: np.ndarray) -> float:
        eta = off + X @ b
        return float(np.sum(y * eta - np.logaddexp(0.0, eta)))

    current = loglik(beta)
    for _ in range(max_iter):
        mu = expit(off + X @ beta)
        grad = X.T @ (y - mu)
        info = (X * (mu * (1.0 - mu))[:, None]).T @ X
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            raise LogitFitError("the information matrix is singular (a regressor without variation?)") from None
        scale = 1.0
        while True:
            trial = beta + scale * step
            value = loglik(trial)
            if value >= current - 1e-12 or scale < 1e-8:
                break
            scale /= 2.0
        beta, current = trial, value
        if np.max(np.abs(scale * step)) < tol * (1.0 + np.max(np.abs(beta))):
            return beta
    # with separation the coefficients grow by about the same step every iteration
    raise LogitFitError(f"Newton-Raphson did not converge in {max_iter} iterations (separation?)")


class _Logit:
    """The data, the cluster structure and the unrestricted fit shared by every term and method."""

    def __init__(self, X: np.ndarray, y: np.ndarray, cluster: np.ndarray) -> None:
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float).ravel()
        cluster = np.asarray(cluster).ravel()
        if X.ndim == 1:
            X = X[:, None]
        n, k = X.shape
        if len(y) != n or len(cluster) != n:
            raise ValueError("X, y and cluster must have the same number of rows")
        if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
            raise ValueError("X and y must be finite")
        if not np.all((y == 0) | (y == 1)):
            raise ValueError("y must be 0 or 1")
        norms = np.sqrt(np.sum(X * X, axis=0))
        if np.any(norms == 0) or np.linalg.eigvalsh((X / norms).T @ (X / norms))[0] < 1e-10:
            raise ValueError("X is not of full column rank")
        _, codes = np.unique(cluster, return_inverse=True)
        self.G = int(codes.max()) + 1
        if self.G < 2:
            raise ValueError("at least two clusters are needed")
        self.X, self.y, self.codes, self.n, self.k = X, y, codes, n, k
        self.share = np.bincount(codes, minlength=self.G) / n          # w_g = n_g / n
        self.beta = logit_fit(X, y)

    def cluster_sums(self, values: np.ndarray) -> np.ndarray:
        """G x k: the rows of `values` (n x k) summed per cluster."""
        return np.stack([np.bincount(self.codes, weights=col, minlength=self.G) for col in values.T], axis=1)

    def scores_and_inverse(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(S, V) at beta: the clusters' score sums (G x k) and the inverse information (k x k)."""
        mu = expit(self.X @ beta)
        info = (self.X * (mu * (1.0 - mu))[:, None]).T @ self.X
        return self.cluster_sums(self.X * (self.y - mu)[:, None]), np.linalg.inv(info)

    def cr1_se(self, j: int) -> float:
        """The CR1 standard error of beta_j at the unrestricted estimate (factor G/(G-1))."""
        S, V = self.scores_and_inverse(self.beta)
        a = S @ V[:, j]
        return float(np.sqrt(self.G / (self.G - 1) * a @ a))


class WildScoreBootstrap:
    """The restricted wild score bootstrap of one logit coefficient: p(b) for any b (one
    restricted refit each) with one weight matrix, and the interval inverting the test."""

    def __init__(self, X: np.ndarray, y: np.ndarray, cluster: np.ndarray, term: int, *, reps: int = 9999,
                 weights: Weights = "webb", seed: int = 0) -> None:
        fit = _Logit(X, y, cluster)
        v, enumerated = draw_weights(fit.G, reps, weights, seed)
        self._setup(fit, term, v, enumerated, weights)

    @classmethod
    def _from_parts(cls, fit: _Logit, term: int, v: np.ndarray, enumerated: bool,
                    weights: Weights) -> WildScoreBootstrap:
        self = cls.__new__(cls)
        self._setup(fit, term, v, enumerated, weights)
        return self

    def _setup(self, fit: _Logit, term: int, v: np.ndarray, enumerated: bool, weights: Weights) -> None:
        if not -fit.k <= term < fit.k:
            raise IndexError(f"term {term} out of range for {fit.k} columns")
        self.fit, self.j, self.v = fit, term % fit.k, v
        self.others = [c for c in range(fit.k) if c != self.j]
        self.estimate = float(fit.beta[self.j])
        self.se = fit.cr1_se(self.j)
        self.G, self.reps, self.enumerated, self.weights = fit.G, v.shape[1], enumerated, weights
        self._cache: dict[tuple[float, bool], float] = {}

    def restricted(self, b: float) -> np.ndarray:
        """beta~(b): the logit with beta_j = b, the other coefficients refitted."""
        fit = self.fit
        free = logit_fit(fit.X[:, self.others], fit.y, b * fit.X[:, self.j], start=fit.beta[self.others])
        beta = np.empty(fit.k)
        beta[self.others] = free
        beta[self.j] = b
        return beta

    def statistics(self, b: float) -> tuple[float, float, np.ndarray, np.ndarray]:
        """(N(1), D(1), N(v), D(v)) at b: the sample's and every draw's numerator and variance."""
        S, V = self.fit.scores_and_inverse(self.restricted(b))
        z = S @ V[:, self.j]
        numer = z @ self.v
        dev = z[:, None] * self.v - self.fit.share[:, None] * numer
        n1 = float(z.sum())
        d1 = float(np.sum((z - self.fit.share * n1) ** 2))
        return n1, d1, numer, np.sum(dev * dev, axis=0)

    def tstat(self, b: float) -> float:
        """The sample's score statistic t(1) for H0: beta_j = b."""
        n1, d1, _, _ = self.statistics(b)
        return n1 / np.sqrt(d1) if d1 > 0 else np.copysign(np.inf, n1)

    def pvalue(self, b: float, *, strict: bool = False) -> float:
        """Symmetric p(b): the share of draws with |t(v)| >= |t(1)| (strict: >), compared as
        N(v)^2 D(1) against N(1)^2 D(v), so a zero variance needs no division."""
        b = float(b)
        key = (b, strict)
        if key not in self._cache:
            n1, d1, numer, d = self.statistics(b)
            lhs, rhs = numer * numer * d1, n1 * n1 * d
            hit = lhs > rhs * (1.0 + TIE_RTOL) if strict else lhs >= rhs * (1.0 - TIE_RTOL)
            self._cache[key] = np.count_nonzero(hit) / self.reps
        return self._cache[key]

    def interval(self, level: float = 0.95) -> tuple[float, float, str]:
        """(low, high, note): the ends of {b : p(b) > 1 - level}, on the coefficient (log-odds)
        scale (cluster_inference.invert_test; 4096 x the CR1 half-width without a crossing: the
        data do not bound beta_j)."""
        alpha = 1.0 - level
        if not 0.0 < alpha < 1.0:
            raise ValueError("level must be in (0, 1)")
        step = sps.t.ppf(1.0 - alpha / 2.0, self.G - 1) * self.se
        return invert_test(self.pvalue, self.estimate, step, alpha, max_doublings=12, xtol=1e-7,
                           grid_points=GRID_POINTS)

    def result(self, level: float = 0.95, null: float = 0.0) -> ClusterInference:
        low, high, note = self.interval(level)
        notes = [f"full enumeration of 2^{self.G} sign vectors"] if self.enumerated else []
        notes += [note] if note else []
        return ClusterInference(self.estimate, self.se, float(low), float(high), self.pvalue(null), None,
                                f"wild_score_{self.weights}", self.reps, "; ".join(notes))


def wild_score(X: np.ndarray, y: np.ndarray, cluster: np.ndarray, term: int, *, reps: int = 9999,
               weights: Weights = "webb", seed: int = 0, level: float = 0.95, null: float = 0.0) -> ClusterInference:
    """The wild score bootstrap p-value for H0: beta_term = null and the interval inverting the
    same test (log-odds scale; `se` is CR1)."""
    return WildScoreBootstrap(X, y, cluster, term, reps=reps, weights=weights, seed=seed).result(level, null)


def wild_score_terms(X: np.ndarray, y: np.ndarray, cluster: np.ndarray, terms: list[int] | None = None, *,
                     reps: int = 9999, weights: Weights = "webb", seed: int = 0,
                     level: float = 0.95) -> list[ClusterInference]:
    """wild_score for several terms (default: all columns) sharing the fit and one weight matrix;
    each result equals wild_score with the same seed."""
    fit = _Logit(X, y, cluster)
    v, enumerated = draw_weights(fit.G, reps, weights, seed)
    terms = list(range(fit.k)) if terms is None else terms
    return [WildScoreBootstrap._from_parts(fit, t, v, enumerated, weights).result(level) for t in terms]


def cr1_terms(X: np.ndarray, y: np.ndarray, cluster: np.ndarray, terms: list[int] | None = None, *,
              level: float = 0.95) -> list[ClusterInference]:
    """CR1 standard errors of logit coefficients with t(G-1) intervals and p-values for H0: 0."""
    fit = _Logit(X, y, cluster)
    crit = sps.t.ppf(0.5 + level / 2.0, fit.G - 1)
    out = []
    for t in (range(fit.k) if terms is None else terms):
        est, se = float(fit.beta[t]), fit.cr1_se(t)
        p = float(2.0 * sps.t.sf(abs(est) / se, fit.G - 1)) if se > 0 else float("nan")
        out.append(ClusterInference(est, se, est - crit * se, est + crit * se, p, float(fit.G - 1), "cr1_t", None))
    return out
