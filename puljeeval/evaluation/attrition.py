"""Attrition weighting for Bilag 4's models (config `core_elements.attrition`,
docs/core_elements.md "Attrition weights").

Among the children who meet every criterion of footnote 5 except "both measurements" and have a
start measurement, a logistic model of having the end measurement on the configured predictors
(by default the report's controls, the intervention type, the offer and the baseline score)
gives each analysed child the inverse of its predicted probability. Weights are

- stabilised: multiplied by the share with both measurements, so they average about 1 and their
  spread reads directly (with a marginal numerator this is a constant factor: WLS estimates do
  not change, only the weights' scale);
- trimmed: clipped at the configured quantiles of the sample's weights (`trim_quantiles`), which
  bounds the influence of a few children with a very low predicted probability;
- normalised to mean 1 in the sample.

Inference accounts for the weights being estimated: the whole procedure (weight model, weights,
stabilisation, trimming, weighted regressions) is repeated on `bootstrap.reps` cluster bootstrap
samples of offers (drawn with replacement; a drawn offer enters with all its children, as a
frequency weight). The standard error is the bootstrap standard deviation, the interval
estimate +- t(G-1) x se and p from t(G-1), with G the number of offers (the same reference the
analytic cluster methods use). A draw in which a term cannot be estimated (its column is
constant among the drawn offers) is left out for that term, and the share of such draws is
reported in the row's note.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import patsy
from scipy import linalg
from scipy import stats as sps
from scipy.special import expit

from puljeeval.methods import stats

BASELINE = "baseline"     # the candidates' start score of the outcome's scale


@dataclass(frozen=True)
class WeightModel:
    """The weight model's design on the candidates (rows: candidates with a baseline), whether each
    candidate has both measurements, and its cluster codes."""

    X: np.ndarray
    both: np.ndarray
    course_id: np.ndarray
    clusters: np.ndarray
    formula: str


def design(candidates: pd.DataFrame, predictors: list[str], numeric: list[str], cluster: str) -> WeightModel:
    """The weight model's design matrix. Predictors without variation are left out; candidates
    without a baseline score cannot be in the analysis (it needs both measurements) and are
    left out of the model (documented)."""
    if candidates["both"].astype(bool).all():      # nobody lost: no model, every weight is 1
        return WeightModel(np.ones((len(candidates), 1)), np.ones(len(candidates), dtype=bool),
                           candidates["course_id"].astype(str).to_numpy(),
                           pd.factorize(candidates[cluster])[0], "both ~ 1")
    missing = [p for p in predictors if p not in candidates]
    if missing:
        raise ValueError(f"config key 'core_elements.attrition.predictors': {missing} are not columns of the "
                         f"attrition candidates (expected among {sorted(candidates.columns)})")
    data = candidates.dropna(subset=[p for p in predictors if p in numeric])
    preds = [p for p in predictors if data[p].nunique() > 1]
    rhs = " + ".join(p if p in numeric else f"C({p})" for p in preds) or "1"
    X = patsy.dmatrix(rhs, stats.patsy_safe(data), return_type="dataframe", NA_action="raise")
    return WeightModel(X.to_numpy(dtype=float), data["both"].astype(bool).to_numpy(),
                       data["course_id"].astype(str).to_numpy(), pd.factorize(data[cluster])[0], f"both ~ {rhs}")


def fit_logit(X: np.ndarray, y: np.ndarray, freq: np.ndarray | None = None, start: np.ndarray | None = None,
              max_iter: int = 50, tol: float = 1e-10) -> np.ndarray:
    """Predicted probabilities of a logistic regression by Newton-Raphson with frequency weights
    (a bootstrap draw's multiplicities). Columns that are zero on every weighted row (an offer not
    drawn) are left out; under separation the probabilities approach 0 or 1 and are clipped to
    [1e-6, 1 - 1e-6] so that no weight is infinite."""
    return np.clip(expit(X @ _newton(X, y, freq, start, max_iter, tol)), 1e-6, 1 - 1e-6)


def _newton(X: np.ndarray, y: np.ndarray, freq: np.ndarray | None, start: np.ndarray | None, max_iter: int = 50,
            tol: float = 1e-10) -> np.ndarray:
    """Logistic regression coefficients (0 for a column that is zero on every weighted row);
    `start` warm-starts the bootstrap draws from the sample's estimate."""
    freq = np.ones(len(y)) if freq is None else freq
    used = freq > 0
    cols = np.flatnonzero(np.abs(X[used]).sum(axis=0) > 0)
    Xc = X[:, cols]
    beta = np.zeros(len(cols)) if start is None else start[cols].copy()
    for _ in range(max_iter):
        p = expit(Xc @ beta)
        w = freq * p * (1 - p)
        hess = Xc.T @ (Xc * w[:, None])
        grad = Xc.T @ (freq * (y - p))
        # a ridge of 1e-9 of the mean curvature keeps the step defined under (quasi-)separation in a
        # bootstrap draw (an offer where every child has both measurements), where the MLE does
        # not exist and the probabilities run to the clip; it does not move a regular fit
        hess[np.diag_indices_from(hess)] += 1e-9 * np.trace(hess) / len(cols)
        step = linalg.solve(hess, grad, assume_a="pos", check_finite=False)
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            break
    out = np.zeros(X.shape[1])
    out[cols] = beta
    return out


def _coefficients(model: WeightModel) -> np.ndarray:
    return _newton(model.X, model.both.astype(float), None, None)


def weights_from(prob: np.ndarray, both: np.ndarray, freq: np.ndarray, trim: tuple[float, float]) -> np.ndarray:
    """Stabilised, trimmed weights of the rows with both measurements, normalised to mean 1
    (frequency-weighted; rows outside the draw get 0)."""
    in_sample = both & (freq > 0)
    share = np.average(both, weights=freq)
    w = np.zeros(len(prob))
    w[in_sample] = share / prob[in_sample]
    lo, hi = _weighted_quantiles(w[in_sample], freq[in_sample], trim)
    w[in_sample] = np.clip(w[in_sample], lo, hi)
    w[in_sample] /= np.average(w[in_sample], weights=freq[in_sample])
    return w


def _weighted_quantiles(x: np.ndarray, freq: np.ndarray, q: tuple[float, float]) -> tuple[float, float]:
    order = np.argsort(x, kind="stable")
    cum = np.cumsum(freq[order]) / freq.sum()
    lo = x[order][min(np.searchsorted(cum, q[0], side="left"), len(x) - 1)]
    hi = x[order][min(np.searchsorted(cum, q[1], side="left"), len(x) - 1)]
    return float(lo), float(hi)


def weights(model: WeightModel, trim: tuple[float, float]) -> pd.Series:
    """The sample's attrition weights (index course_id). Nobody lost: all weights are 1."""
    freq = np.ones(len(model.both))
    if model.both.all():
        w = np.ones(len(model.both))
    else:
        w = weights_from(fit_logit(model.X, model.both.astype(float)), model.both, freq, trim)
    return pd.Series(w[model.both], index=pd.Index(model.course_id[model.both], name="course_id"))


def diagnostics(w: pd.Series, trim: tuple[float, float], raw_max: float | None = None) -> str:
    """One Danish line on the weights: range and Kish's effective sample size."""
    ess = w.sum() ** 2 / (w**2).sum()
    return (f"vægte {w.min():.2f}-{w.max():.2f} (trimmet ved {trim[0]:g}- og {trim[1]:g}-kvantilen), "
            f"effektiv stikprøvestørrelse {ess:.0f} af {len(w)}").replace(".", ",")


@dataclass(frozen=True)
class WeightedModel:
    """One model to refit in every draw: its design rows (course ids, cluster codes of the
    candidates' coding), X, y and the column positions of the terms to report."""

    key: tuple | None
    course_id: np.ndarray
    X: np.ndarray
    y: np.ndarray
    terms: list[int]


def wls(X: np.ndarray, y: np.ndarray, w: np.ndarray, terms: list[int]) -> np.ndarray:
    """WLS coefficients of `terms`: normal equations by Cholesky (fast); where the draw leaves
    the design rank deficient (a dummy or term constant among the drawn offers), pivoted QR on
    the rows with positive weight, with NaN for a term whose column is not identified."""
    use = w > 0
    Xu, wu = X[use], w[use]
    xtwx = Xu.T @ (Xu * wu[:, None])
    try:
        low = linalg.cho_factor(xtwx, check_finite=False)
        if np.min(np.abs(np.diag(low[0]))) > 1e-7 * np.sqrt(np.max(np.diag(xtwx))):
            return linalg.cho_solve(low, Xu.T @ (wu * y[use]), check_finite=False)[terms]
    except linalg.LinAlgError:
        pass
    sw = np.sqrt(wu)
    q, r, piv = linalg.qr(Xu * sw[:, None], mode="economic", pivoting=True, check_finite=False)
    d = np.abs(np.diag(r))
    rank = int(np.sum(d > d[0] * 1e-10)) if len(d) else 0
    coef = np.full(X.shape[1], np.nan)
    coef[piv[:rank]] = linalg.solve_triangular(r[:rank, :rank], (q.T @ (y[use] * sw))[:rank], check_finite=False)
    return coef[terms]


def bootstrap(weight_model: WeightModel, models: list[WeightedModel], trim: tuple[float, float], reps: int,
              seed: int) -> dict[tuple, np.ndarray]:
    """Per model key a reps x terms array of the coefficients over cluster bootstrap draws of the
    whole procedure (module docstring). Draws are shared by all models of the outcome."""
    rng = np.random.default_rng(seed)
    G = int(weight_model.clusters.max()) + 1
    row_of = {c: i for i, c in enumerate(weight_model.course_id)}
    rows = {m.key: np.array([row_of[c] for c in m.course_id]) for m in models}
    out = {m.key: np.full((reps, len(m.terms)), np.nan) for m in models}
    both = weight_model.both
    start = None if both.all() else _coefficients(weight_model)
    for b in range(reps):
        counts = np.bincount(rng.integers(0, G, G), minlength=G).astype(float)
        freq = counts[weight_model.clusters]
        if both.all():
            w = freq.copy()
        else:
            prob = fit_logit(weight_model.X, both.astype(float), freq, start, tol=1e-8)
            w = weights_from(prob, both, freq, trim) * freq
        for m in models:
            out[m.key][b] = wls(m.X, m.y, w[rows[m.key]], m.terms)
    return out


def summarise(estimates: pd.Series, draws: np.ndarray, clusters: int, level: float) -> pd.DataFrame:
    """Bootstrap standard errors, t(G-1) intervals and p-values of the terms in `estimates`, with
    the share of draws in which a term was not identified in `note`."""
    ok = np.isfinite(draws)
    se = np.array([np.std(draws[ok[:, j], j], ddof=1) if ok[:, j].sum() > 1 else np.nan
                   for j in range(draws.shape[1])])
    crit = sps.t.ppf(0.5 + level / 2, clusters - 1)
    est = estimates.to_numpy(dtype=float)
    failed = 1 - ok.mean(axis=0)
    notes = [f"{f:.1%} af bootstrap-trækkene uden estimat".replace(".", ",") if f > 0 else "" for f in failed]
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2 * sps.t.sf(np.abs(est / se), clusters - 1)
    return pd.DataFrame({"estimate": est, "se": se, "ci_low": est - crit * se, "ci_high": est + crit * se,
                         "p": p, "boot_note": notes}, index=estimates.index)
