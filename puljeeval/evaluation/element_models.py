"""Bilag 4's regressions: the standardised oriented change on the seven intention indicators
(intention model) or the seven intensities (intensity model) with the report's controls, for
each outcome, and the intensity model within each configured subgroup.

Every model is reported three ways, side by side in one tidy table (`method`):
- `ols`: the report's estimates, classical OLS standard errors and t intervals;
- `wild_cluster`: the same estimates with standard errors clustered by offer (CR1), the p-value
  of a restricted wild cluster bootstrap (WCR11, Webb weights by default) and the interval from
  inverting that same test (puljeeval/methods/cluster_inference.py), so interval and p agree.
  The pool has about 15 offers of very unequal size, too few for plain cluster-robust inference
  (MacKinnon & Webb; ../shared/reference/stats-and-privacy.md §4);
- `ipw`: the model refitted with inverse probability weights for having both measurements
  (attrition), CR1 errors by offer.
Benjamini-Hochberg q-values are computed within each figure's family of element tests, per
method, over the published tests only.

Disclosure control (docs/core_elements.md): every row carries the model's `parameters` (the
rank of its design as fitted: intercept, elements and every control dummy) and residual degrees
of freedom `df_resid` = n - parameters. A model with df_resid below `disclosure.min_residual_df`
(ACRO's MinimumDoFCheck) is not fitted beyond its design: its rows stay, with estimates, SEs,
intervals, p and q empty and the reason in `note`. Separately, a subgroup with fewer than
`core_elements.min_subgroup_n` children is not estimated at all (an analysis rule: too few
children to say anything about seven elements, whatever the disclosure threshold).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from puljeeval.evaluation import core_elements as ce
from puljeeval.methods import cluster_inference, stats
from puljeeval.settings import Settings

COLUMNS = ["outcome", "model", "figure", "subgroup_variable", "subgroup", "term", "method", "estimate", "se",
           "ci_low", "ci_high", "p", "q", "n", "parameters", "df_resid", "clusters", "note"]
MODEL_COLUMNS = ["outcome", "model", "figure", "subgroup_variable", "subgroup", "formula", "n", "parameters",
                 "df_resid", "clusters", "r2", "full_rank", "note"]
ESTIMATES = ["estimate", "se", "ci_low", "ci_high", "p"]
OVERALL = "Samlet"
METHODS = ["ols", "wild_cluster", "ipw"]


def formula(terms: list[str], controls: list[str], numeric: list[str]) -> str:
    rhs = list(terms) + [c if c in numeric else f"C({c})" for c in controls]
    return "z ~ " + " + ".join(rhs)


def wild_cluster_table(result, groups: np.ndarray, terms: list[str], level: float, boot: dict) -> pd.DataFrame:
    """Per term of a fitted statsmodels OLS: CR1 standard error by cluster, the restricted wild
    cluster bootstrap p-value (WCR11; `boot`: reps, weights, seed) and the interval inverting
    that test, with one set of draws for all terms."""
    names = list(result.model.exog_names)
    found = cluster_inference.wild_cluster_terms(
        np.asarray(result.model.exog), np.asarray(result.model.endog), groups, [names.index(t) for t in terms],
        reps=int(boot["reps"]), weights=boot["weights"], seed=int(boot["seed"]), level=level)
    return pd.DataFrame({"estimate": [r.estimate for r in found], "se": [r.se for r in found],
                         "ci_low": [r.ci_low for r in found], "ci_high": [r.ci_high for r in found],
                         "p": [r.p for r in found]}, index=pd.Index(terms))


def cluster_table(result, groups: np.ndarray, terms: list[str], level: float) -> pd.DataFrame:
    """CR1 standard errors by cluster with t(G-1) intervals and p-values."""
    g = len(np.unique(groups))
    robust = result.model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    est = robust.params[terms]
    se = robust.bse[terms]
    t = est / se
    crit = sps.t.ppf(0.5 + level / 2, g - 1)
    return pd.DataFrame({"estimate": est, "se": se, "ci_low": est - crit * se, "ci_high": est + crit * se,
                         "p": 2 * sps.t.sf(np.abs(t), g - 1), "clusters": g})


def usable_terms(frame: pd.DataFrame, terms: list[str]) -> tuple[list[str], list[str]]:
    """Terms with variation in the frame; a constant column (no offer in a subgroup intends
    the element) cannot be estimated and is reported as such."""
    ok = [t for t in terms if frame[t].nunique() > 1]
    return ok, [t for t in terms if t not in ok]


def fit_family(frame: pd.DataFrame, terms: list[str], settings: Settings, *, weights: pd.Series | None = None,
               controls: list[str] | None = None, min_residual_df: int | None = None) -> dict:
    """Fit one model (OLS on the frame's complete cases). With `min_residual_df`, a design with
    fewer residual degrees of freedom is not fitted (`result` None): it will not be published.
    Returns the result, data, usable and constant terms, formula and the design's size."""
    cfg = settings.config["core_elements"]
    controls = cfg["controls"] if controls is None else controls
    ok, constant = usable_terms(frame, terms)
    controls = [c for c in controls if frame[c].nunique() > 1]
    f = formula(ok, controls, cfg["numeric_controls"])
    data = frame.dropna(subset=["z", *ok, *controls])
    if weights is None:
        model = smf.ols(f, data=data)
    else:
        model = smf.wls(f, data=data, weights=weights.loc[data.index])
    n, parameters, df_resid = stats.model_size(model)
    result = None
    if min_residual_df is None or stats.publishable(df_resid, min_residual_df):
        result = model.fit()
        n, parameters, df_resid = stats.model_size(result.model)     # the rank the fit used
    return {"result": result, "data": data, "terms": ok, "constant": constant, "formula": f, "n": n,
            "parameters": parameters, "df_resid": df_resid, "full_rank": parameters == model.exog.shape[1]}


def _rows(table: pd.DataFrame, method: str, fit: dict, clusters: float, note: str = "") -> pd.DataFrame:
    out = table.reindex(columns=ESTIMATES)          # empty (NaN) where the method gives no estimate
    out["method"] = method
    out["n"] = fit["n"]
    out["parameters"] = fit["parameters"]
    out["df_resid"] = fit["df_resid"]
    out["clusters"] = clusters
    out["note"] = note
    out.index.name = "term"
    return out.reset_index()


def model_rows(frame: pd.DataFrame, kind: str, settings: Settings, attrition: pd.Series | None,
               controls: list[str] | None = None, min_residual_df: int | None = None) -> tuple[pd.DataFrame, dict]:
    """One model (intention or intensity) on one frame, all three methods; element terms only.
    `min_residual_df` defaults to `disclosure.min_residual_df`; below it the model's rows carry
    no estimates (module docstring)."""
    cfg = settings.config["core_elements"]
    minimum = stats.min_residual_df(settings.config) if min_residual_df is None else min_residual_df
    column = ce.intention_column if kind == "intention" else ce.intensity_column
    terms = [column(e) for e in settings.element_codes]
    fit = fit_family(frame, terms, settings, controls=controls, min_residual_df=minimum)
    res, data, ok = fit["result"], fit["data"], fit["terms"]
    groups = pd.factorize(data[cfg["cluster"]])[0]
    g = len(np.unique(groups))
    info = {"formula": fit["formula"], "n": fit["n"], "parameters": fit["parameters"], "df_resid": fit["df_resid"],
            "clusters": g, "full_rank": bool(fit["full_rank"])}
    constant_rows = [pd.DataFrame([{"term": t, "method": m, "n": fit["n"], "parameters": fit["parameters"],
                                    "df_resid": fit["df_resid"], "clusters": g, "note": "ingen variation i gruppen"}])
                     for t in fit["constant"] for m in METHODS]
    if res is None:                # withheld: the rows say it exists and why, nothing more
        why = stats.dof_note(fit["df_resid"], minimum)
        parts = [_rows(pd.DataFrame(index=pd.Index(ok)), m, fit, g, why) for m in METHODS]
        return pd.concat(parts + constant_rows, ignore_index=True), {**info, "r2": np.nan, "note": why}
    level = cfg["level"]
    parts = []
    ci = res.conf_int(alpha=1 - level).loc[ok]
    ols = pd.DataFrame({"estimate": res.params[ok], "se": res.bse[ok], "ci_low": ci[0], "ci_high": ci[1],
                        "p": res.pvalues[ok]})
    parts.append(_rows(ols, "ols", fit, g))
    rank_ok = fit["full_rank"]
    if g >= 2 and rank_ok:
        wild = wild_cluster_table(res, groups, ok, level, cfg["bootstrap"])
        parts.append(_rows(wild, "wild_cluster", fit, g))
    else:
        why = "færre end 2 tilbud" if g < 2 else "modellen er ikke fuld rang"
        parts.append(_rows(pd.DataFrame(index=pd.Index(ok)), "wild_cluster", fit, g, why))
    if attrition is not None and g >= 2:
        wfit = fit_family(frame, terms, settings, weights=attrition, controls=controls, min_residual_df=minimum)
        if wfit["result"] is None:
            parts.append(_rows(pd.DataFrame(index=pd.Index(wfit["terms"])), "ipw", wfit, g,
                               stats.dof_note(wfit["df_resid"], minimum)))
        else:
            wgroups = pd.factorize(wfit["data"][cfg["cluster"]])[0]
            ipw = cluster_table(wfit["result"], wgroups, wfit["terms"], level)
            parts.append(_rows(ipw.drop(columns="clusters"), "ipw", wfit, g))
    else:
        parts.append(_rows(pd.DataFrame(index=pd.Index(ok)), "ipw", fit, g, "ingen vægte"))
    return pd.concat(parts + constant_rows, ignore_index=True), {**info, "r2": float(res.rsquared), "note": ""}


def attrition_weights(candidates: pd.DataFrame, settings: Settings) -> pd.Series:
    """Inverse probability of having both measurements, from a logistic model on the
    configured background characteristics among the children who would otherwise qualify
    (measured, fidelity, background, age). Weights are normalised to mean 1 in the sample."""
    cfg = settings.config["core_elements"]
    both = candidates["both"].astype(bool)
    if both.all():                 # nobody lost between the measurements: nothing to weight
        return pd.Series(1.0, index=candidates.index[both])
    preds = [p for p in cfg["attrition_predictors"] if candidates[p].nunique() > 1]
    rhs = " + ".join(p if p in cfg["numeric_controls"] else f"C({p})" for p in preds) or "1"
    data = candidates.dropna(subset=preds)
    model = smf.logit(f"both ~ {rhs}", data=data.assign(both=data["both"].astype("float64"))).fit(disp=False)
    p = model.predict(data)
    w = (1.0 / p)[data["both"].astype(bool)]
    return w / w.mean()


def run_outcome(outcome: dict, frame: pd.DataFrame, candidates: pd.DataFrame,
                settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All models of one outcome: intention and intensity on the whole sample, intensity per
    subgroup level. Returns the coefficient table and one row per model."""
    cfg = settings.config["core_elements"]
    minimum = stats.min_residual_df(settings.config)
    weights = attrition_weights(candidates, settings).reindex(frame["course_id"]).set_axis(frame.index)
    figs = outcome["figures"]
    tables, infos = [], []

    def add(table: pd.DataFrame, info: dict, model: str, figure: str, var: str, level: str) -> None:
        table = table.assign(outcome=outcome["key"], model=model, figure=figure, subgroup_variable=var,
                             subgroup=level)
        tables.append(table)
        infos.append({"outcome": outcome["key"], "model": model, "figure": figure, "subgroup_variable": var,
                      "subgroup": level, **info})

    for kind in ("intention", "intensity"):
        table, info = model_rows(frame, kind, settings, weights, min_residual_df=minimum)
        add(table, info, kind, figs[kind], "", OVERALL)
    for sub in cfg["subgroups"]:
        if "outcomes" in sub and outcome["key"] not in sub["outcomes"]:
            continue
        controls = [c for c in cfg["controls"] if c != sub["variable"]]
        for level in sub["levels"]:
            part = frame[frame[sub["variable"]].astype(object) == level]
            # the analysis rule; the parameters (controls included) are counted by the df rule
            if len(part) < cfg["min_subgroup_n"]:
                infos.append({"outcome": outcome["key"], "model": "intensity", "figure": figs["subgroups"],
                              "subgroup_variable": sub["variable"], "subgroup": level, "n": len(part),
                              "note": f"under {cfg['min_subgroup_n']} børn: ikke estimeret"})
                continue
            table, info = model_rows(part, "intensity", settings, weights.loc[part.index], controls, minimum)
            add(table, info, "intensity", figs["subgroups"], sub["variable"], level)
    coefs = pd.concat(tables, ignore_index=True)
    models = pd.DataFrame(infos).reindex(columns=MODEL_COLUMNS)
    sizes = {"parameters": "Int64", "df_resid": "Int64"}     # integers, empty for a model never built
    return add_q_values(coefs)[COLUMNS].astype(sizes), models.astype(sizes)


def add_q_values(coefs: pd.DataFrame) -> pd.DataFrame:
    """Benjamini-Hochberg q-values within each figure's family of tests, per method. A row
    without p (a withheld model, a term without variation, no weights) is not a test: the
    family's size is the number of published p-values, so no q depends on a withheld p."""
    out = coefs.copy()
    out["q"] = np.nan
    for _, idx in out.groupby(["outcome", "figure", "method"]).groups.items():
        p = out.loc[idx, "p"]
        ok = p.notna()
        if ok.any():
            out.loc[p[ok].index, "q"] = multipletests(p[ok].to_numpy(), method="fdr_bh")[1]
    return out


def attrition_candidates(outcome: dict, courses: pd.DataFrame, measured: pd.Index, prepost: pd.DataFrame,
                         fidelity_courses: pd.Index, settings: Settings) -> pd.DataFrame:
    """Children meeting every criterion of footnote 5 but 'both measurements', with `both` as
    the outcome of the attrition model."""
    cfg = settings.config["core_elements"]
    checks, _ = ce.criteria(outcome, courses, measured, prepost, fidelity_courses)
    keep = pd.concat([v for k, v in checks.items() if k != "both"], axis=1).all(axis=1)
    cand = courses[keep.to_numpy()].assign(both=checks["both"][keep].to_numpy())
    return stats.prepare_controls(cand, cfg["attrition_predictors"], cfg["numeric_controls"],
                                  cfg["missing_controls"]).set_index("course_id", drop=False)
