"""Bilag 4's statements planted on the twin's own draws: the twin's own least-squares check of a
sample and a seeded search over which child of an age group gets which outcome.

What is planted. Bilag 4 and chapter 5 say, per model, which core elements are significant and
with which sign (the report's method: the classical OLS 95 % interval excludes 0), the size of
some estimates, and which elements are significant within subgroups (published.yaml
`bilag_4.statements`). Each becomes a `Target` on one coefficient of one model: a t statistic
beyond the critical value plus a margin (significant with the sign), or inside it minus a margin
(not significant: every other element of a whole-sample model, and every element of a subgroup
model that the text, which lists the significant subgroup findings, does not name); and an
estimate window (a printed value: within a fraction of its rounding interval and of its standard
error; a printed bound: inside it).

How. An outcome's values are fixed before this step: chapter 4 is calibrated on them, so only
which child of an age group gets which pair of questionnaires is free (chapter 4's numbers per age
group cannot move). `elements.plant_order` draws that assignment from the data-generating process
(rank of a latent score with the planted whole-sample effects plus noise). That draw meets most
targets but rarely all: the subgroup findings are not in the process, and chance moves the rest.
`search` then swaps the outcomes of two children of the same age group, one swap at a time,
taking the swap that most reduces the total violation (in t units) over all targets, until none
is violated or the step budget is spent. An OLS coefficient is a fixed linear function of the
outcome for a given design (a row of (X'X)^- X'), so every partner of a child is scored at once;
the residual variance behind the standard errors is recomputed exactly after each accepted swap.
The search is seeded (the twin's generator), so the same seed gives the same bytes; targets it
cannot reach are returned, not hidden.

Why this cannot make a wrong analysis pass. The check is the twin's own: numpy least squares on
its own reconstruction of the model frame from the values it generates (controls from its
background rows, its intentions per offer and intervention type, its own aggregation of ratings,
its own scoring of the changes; `elements.sample_frame`). The pipeline reads the raw extracts
through ingestion, cleaning, scoring and its own model code, none of which is used here. A
pipeline that builds another sample, other controls, another intensity or change, or forgets the
standardisation, gets other estimates and standard errors on these data and fails the printed
effect sizes and, near the margins, the significance statements.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import t as t_dist

SHAPE = {
    "sig_margin": 0.03,         # significant: |t| >= critical value + this
    "null_margin": 0.1,         # not significant: |t| <= critical value - this
    "value_rounding": 0.6,      # a printed value: within this fraction of its rounding half-interval
    "value_se": 0.4,            # ... and within this fraction of its standard error
    "bound_inside": 0.95,       # a printed bound: |estimate| <= this fraction of it
    "max_steps": 6000,          # accepted swaps per sample at most
    "candidates": 8,            # children tried per step (partners: every child of the age group)
}
RANK_TOL = 1e-9       # a column's residual sum of squares below this share of its own: collinear


@dataclass(frozen=True)
class Target:
    """What one coefficient of one model must show. `model`: intention | intensity; `variable`
    and `level` name a subgroup ("" for the whole sample); `sign`: "+" / "-" significant with that
    sign, "0" not significant; `low`/`high`: an estimate window; `value`: a printed estimate (the
    estimate also lies within a fraction of its standard error of it); `source`: the statement."""

    model: str
    variable: str
    level: str
    element: str
    sign: str
    low: float = -np.inf
    high: float = np.inf
    value: float = np.nan
    source: str = ""


def targets(statements: dict, outcome: str, elements: list[str], subgroups: list[dict]) -> list[Target]:
    """The targets of one outcome from published.yaml `bilag_4.statements`: the whole-sample
    models (named elements significant with their sign, the others not, estimate windows from the
    printed effect sizes), and every element of every subgroup model of the outcome (`subgroups`
    as in the twin's config): significant where the text lists a finding, otherwise not."""
    figures = {fig: s for fig, s in statements.get("whole_sample", {}).items() if s["outcome"] == outcome}
    windows: dict[tuple[str, str], tuple[float, float, float, str]] = {}
    for e in statements.get("effect_sizes", []):
        if e["figure"] not in figures:
            continue
        model = figures[e["figure"]]["model"]
        if "value" in e:
            half = 0.5 * 10 ** -int(e["decimals"]) * SHAPE["value_rounding"]
            windows[(model, e["element"])] = (e["value"] - half, e["value"] + half, e["value"], e.get("text", ""))
        else:
            b = e["below"] * SHAPE["bound_inside"]
            windows[(model, e["element"])] = (-b, b, np.nan, e.get("text", ""))
    out = []
    for fig, s in figures.items():
        for el in elements:
            sign = s["significant"].get(el, "0")
            low, high, value, text = windows.get((s["model"], el), (-np.inf, np.inf, np.nan, ""))
            out.append(Target(s["model"], "", "", el, sign, low, high, value, f"Figur {fig} {text}".strip()))
    findings = {(f["variable"], str(f["level"]), f["element"]): f for f in statements.get("subgroup_findings", [])
                if f["outcome"] == outcome}
    for sub in subgroups:
        if "outcomes" in sub and outcome not in sub["outcomes"]:
            continue
        for level in sub["levels"]:
            for el in elements:
                f = findings.pop((sub["variable"], str(level), el), None)
                sign, source = (f["sign"], f"Figur {f['figure']}") if f else ("0", "")
                out.append(Target("intensity", sub["variable"], str(level), el, sign, source=source))
    if findings:
        raise ValueError(f"bilag_4.statements.subgroup_findings of {outcome}: {sorted(findings)} name a subgroup "
                         f"level the twin's core_elements.subgroups do not have")
    return out


# --------------------------------------------------------------------------- the twin's estimator


def encode(frame: pd.DataFrame, columns: list[str], numeric: list[str]) -> dict[str, np.ndarray]:
    """Each column once as numbers: terms and `numeric` controls as floats, other controls as
    the codes of their sorted levels (unanswered, blank, is a level like any other)."""
    return {c: frame[c].to_numpy(dtype="float64") if c in numeric else
            pd.factorize(frame[c].astype(str), sort=True)[0] for c in dict.fromkeys(columns)}


def design(encoded: dict[str, np.ndarray], rows: np.ndarray, terms: list[str], controls: list[str],
           numeric: list[str]) -> tuple[np.ndarray, list[str]]:
    """The design of a model on `rows`: intercept, the terms and the controls (numeric ones
    linearly, others as dummies of every level but the first present); a column without
    variation on these rows is left out, as the analysis does. Returns the matrix and the terms
    kept."""
    def varies(values: np.ndarray) -> bool:
        return bool(len(values)) and values.min() != values.max()

    kept = [t for t in terms if varies(encoded[t][rows])]
    cols = [np.ones(len(rows)), *(encoded[t][rows] for t in kept)]
    for c in controls:
        values = encoded[c][rows]
        if not varies(values):
            continue
        if c in numeric:
            cols.append(values)
        else:
            cols += [(values == level).astype("float64") for level in np.unique(values)[1:]]
    return np.column_stack(cols), kept


def sweep(gram: np.ndarray) -> tuple[np.ndarray, int]:
    """Generalised inverse of a Gram matrix X'X by the sweep operator (Goodnight 1979), column
    by column: a column whose residual sum of squares on the columns before it is below RANK_TOL
    of its own is aliased (exactly collinear, such as a dummy of a level that coincides with
    another) and left out, its row and column zero. Returns the inverse and the rank. For every
    estimable coefficient (an element whose column is not aliased) the estimate and its standard
    error equal those of the minimum-norm pseudo-inverse statsmodels uses."""
    a = gram.astype("float64").copy()
    swept = np.zeros(len(a), dtype=bool)
    for k in range(len(a)):
        pivot = a[k, k]
        if not pivot > RANK_TOL * gram[k, k]:
            continue
        row, col = a[k] / pivot, a[:, k].copy()
        a -= np.multiply.outer(col, row)
        a[k, :], a[:, k], a[k, k] = row, -col / pivot, 1 / pivot
        swept[k] = True
    return np.where(np.multiply.outer(swept, swept), a, 0.0), int(swept.sum())


@dataclass
class Fit:
    """One model's algebra: rows of the sample it uses, its design, a generalised inverse of its
    Gram matrix (`sweep`), residual degrees of freedom (n minus rank) and the coefficient index of
    each element it estimates. Products are einsum's own loops, not a threaded BLAS or LAPACK:
    small matrices, and the same bits whatever the machine's thread count (the search compares
    sums)."""

    rows: np.ndarray
    design: np.ndarray
    gram_inv: np.ndarray
    df: int
    term_row: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, encoded: dict[str, np.ndarray], rows: np.ndarray, terms: dict[str, str], controls: list[str],
           numeric: list[str]) -> Fit:
        """`terms`: element -> column (of `encode`'s frame)."""
        x, kept = design(encoded, rows, list(terms.values()), controls, numeric)
        gram_inv, rank = sweep(np.einsum("ij,ik->jk", x, x))
        by_column = {c: e for e, c in terms.items()}
        return cls(rows, x, gram_inv, len(rows) - rank, {by_column[c]: 1 + k for k, c in enumerate(kept)})

    def coefficients(self, y: np.ndarray) -> np.ndarray:
        return np.einsum("jk,k->j", self.gram_inv, np.einsum("ik,i->k", self.design, y))

    def sigma(self, z: np.ndarray) -> float:
        y = z[self.rows]
        resid = y - np.einsum("ij,j->i", self.design, self.coefficients(y))
        return float(np.sqrt(np.einsum("i,i->", resid, resid) / self.df))

    def weights(self, element: str) -> np.ndarray:
        """The element's coefficient as a linear function of the model's outcomes (its row of
        (X'X)^- X'): estimate = weights . y."""
        return np.einsum("k,ik->i", self.gram_inv[self.term_row[element]], self.design)

    def estimates(self, z: np.ndarray) -> dict[str, tuple[float, float]]:
        """Element -> (estimate, standard error) for outcome z."""
        s = self.sigma(z)
        beta = self.coefficients(z[self.rows])
        return {e: (float(beta[r]), s * float(np.sqrt(self.gram_inv[r, r]))) for e, r in self.term_row.items()}


NO_FIT = Fit(np.empty(0, dtype=int), np.empty((0, 0)), np.empty((0, 0)), 0)


def fits(frame: pd.DataFrame, elements: list[str], cfg: dict) -> dict[tuple[str, str, str], Fit]:
    """The models of one outcome as the twin's config describes the report's: intention and
    intensity on the whole sample, intensity per subgroup level (without the subgroup's own
    variable among the controls; a level below `min_subgroup_n` children is not fitted). Keyed
    by (model, variable, level)."""
    controls, numeric = cfg["controls"], cfg["numeric_controls"]
    terms = {m: {e: f"{m}_{e}" for e in elements} for m in ("intention", "intensity")}
    encoded = encode(frame, [*terms["intention"].values(), *terms["intensity"].values(), *controls],
                     [*terms["intention"].values(), *terms["intensity"].values(), *numeric])
    everyone = np.arange(len(frame))
    out = {}
    for model, cols in terms.items():
        out[(model, "", "")] = Fit.of(encoded, everyone, cols, controls, numeric)
    cols = terms["intensity"]
    for sub in cfg["subgroups"]:
        var = sub["variable"]
        for level in sub["levels"]:
            rows = np.flatnonzero((frame[var].astype(str) == str(level)).to_numpy())
            if len(rows) < cfg["min_subgroup_n"]:
                continue
            fit = Fit.of(encoded, rows, cols, [c for c in controls if c != var], numeric)
            if fit.df > 0:
                out[("intensity", var, str(level))] = fit
    return out


# --------------------------------------------------------------------------- the search


@dataclass
class Problem:
    """The targets of one sample in the search's terms: one row of W (the coefficient as a linear
    function of the outcome) per reachable target, with its model and bounds."""

    fits: list[Fit]
    targets: list[Target]
    w: np.ndarray            # K x n
    ckk: np.ndarray          # K: squared SE per unit residual variance
    model: np.ndarray        # K: index into fits
    crit: np.ndarray         # K: two-sided critical t of the model's df
    sign: np.ndarray         # K: +1, -1, 0
    low: np.ndarray
    high: np.ndarray
    value: np.ndarray

    @classmethod
    def of(cls, fitted: dict[tuple[str, str, str], Fit], wanted: list[Target], n: int, level: float) -> Problem:
        keys = list(fitted)
        kept = [tg for tg in wanted if tg.element in fitted.get((tg.model, tg.variable, tg.level), NO_FIT).term_row]
        model = np.array([keys.index((tg.model, tg.variable, tg.level)) for tg in kept], dtype=int)
        w = np.zeros((len(kept), n))
        ckk = np.zeros(len(kept))
        for k, (tg, m) in enumerate(zip(kept, model, strict=True)):
            fit = fitted[keys[m]]
            w[k, fit.rows] = fit.weights(tg.element)
            ckk[k] = fit.gram_inv[fit.term_row[tg.element], fit.term_row[tg.element]]
        df = np.array([fitted[keys[m]].df for m in model])
        return cls([fitted[k] for k in keys], kept, w, ckk, model,
                   t_dist.ppf(0.5 + level / 2, df),
                   np.array([{"+": 1, "-": -1}.get(tg.sign, 0) for tg in kept]),
                   np.array([tg.low for tg in kept]), np.array([tg.high for tg in kept]),
                   np.array([tg.value for tg in kept]))

    def bounds(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Standard errors and the estimate interval each target allows, for outcome z."""
        sigma = np.array([f.sigma(z) for f in self.fits])
        se = sigma[self.model] * np.sqrt(self.ckk)
        sig = (self.crit + SHAPE["sig_margin"]) * se
        null = (self.crit - SHAPE["null_margin"]) * se
        lo = np.where(self.sign > 0, sig, np.where(self.sign < 0, -np.inf, -null))
        hi = np.where(self.sign < 0, -sig, np.where(self.sign > 0, np.inf, null))
        lo, hi = np.maximum(lo, self.low), np.minimum(hi, self.high)
        # a printed value: also within a fraction of its standard error
        near = np.isfinite(self.value)
        lo = np.where(near, np.maximum(lo, self.value - SHAPE["value_se"] * se), lo)
        hi = np.where(near, np.minimum(hi, self.value + SHAPE["value_se"] * se), hi)
        return se, lo, hi


def violation(b: np.ndarray, se: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Per target (rows of b; columns are candidates when b is 2-d): how far outside its interval
    the estimate is, in standard errors."""
    if b.ndim == 2:
        se, lo, hi = se[:, None], lo[:, None], hi[:, None]
    return (np.maximum(lo - b, 0) + np.maximum(b - hi, 0)) / se


def search(z: np.ndarray, groups: np.ndarray, problem: Problem, rng: np.random.Generator,
           max_steps: int | None = None) -> tuple[np.ndarray, list[Target]]:
    """Swap outcomes between children of the same group until every target holds. Returns the
    permutation (position i gets the outcome first at position perm[i]) and the targets still
    violated at the end (none if the search succeeded)."""
    max_steps = SHAPE["max_steps"] if max_steps is None else max_steps
    z = z.astype("float64").copy()
    perm = np.arange(len(z))
    members = {g: np.flatnonzero(groups == g) for g in np.unique(groups)}
    w = problem.w
    b = np.einsum("kn,n->k", w, z)
    se, lo, hi = problem.bounds(z)
    total = float(violation(b, se, lo, hi).sum())
    stalled = 0
    for _ in range(max_steps):
        if total <= 0 or stalled > 20:
            break
        # the children whose outcome moves the violated coefficients most
        slope = np.where(b < lo, -1.0, np.where(b > hi, 1.0, 0.0)) / se
        pull = np.abs(np.einsum("k,kn->n", slope, w))
        if not pull.any():
            break
        picks = rng.choice(len(z), size=min(SHAPE["candidates"], int((pull > 0).sum())), replace=False,
                           p=pull / pull.sum())
        best = (total, -1, -1)
        for i in picks:
            cand = members[groups[i]]
            d = z[cand] - z[i]
            trial = b[:, None] + np.outer(w[:, i], d) - w[:, cand] * d
            score = violation(trial, se, lo, hi).sum(axis=0)
            j = int(np.argmin(score))
            if score[j] < best[0] - 1e-12:
                best = (float(score[j]), int(i), int(cand[j]))
        if best[1] < 0:
            stalled += 1
            continue
        _, i, j = best
        z[[i, j]] = z[[j, i]]
        perm[[i, j]] = perm[[j, i]]
        b = np.einsum("kn,n->k", w, z)
        se, lo, hi = problem.bounds(z)
        new = float(violation(b, se, lo, hi).sum())
        if new >= total:            # the exact residual variance undid the gain: take it back
            z[[i, j]] = z[[j, i]]
            perm[[i, j]] = perm[[j, i]]
            b = np.einsum("kn,n->k", w, z)
            se, lo, hi = problem.bounds(z)
            stalled += 1
            continue
        total, stalled = new, 0
    missed = violation(b, se, lo, hi) > 0
    return perm, [tg for tg, m in zip(problem.targets, missed, strict=True) if m]


def unfitted(fitted: dict[tuple[str, str, str], Fit], wanted: list[Target]) -> list[Target]:
    """Targets whose model or term does not exist on this sample (a subgroup below the minimum
    size, an element without variation): the twin cannot plant them."""
    return [tg for tg in wanted if (tg.model, tg.variable, tg.level) not in fitted
            or tg.element not in fitted[(tg.model, tg.variable, tg.level)].term_row]
