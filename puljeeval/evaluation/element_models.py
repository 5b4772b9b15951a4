"""Bilag 4's regressions: the standardised oriented change on the seven intention indicators
(intention model) or the seven intensities (intensity model) with the report's controls, for
each outcome, and the intensity model within each configured subgroup.

Every model is reported four ways, side by side in one tidy table (`method`):
- `ols`: the report's estimates, classical OLS standard errors and t intervals;
- `wild_cluster`: the same estimates with the p-value of a restricted wild cluster bootstrap by
  offer (the config's `bootstrap.variant`, by default WCR13: t studentised with the cluster
  jackknife CV3; Webb weights), the interval from inverting that same test
  (puljeeval/methods/cluster_inference.py), so interval and p agree, and the standard error
  studentising it (CV3 for WCR13/WCR33, CR1 for WCR11/WCR31).
  The pool has about 15 offers of very unequal size, too few for plain cluster-robust inference
  (MacKinnon & Webb; ../shared/reference/stats-and-privacy.md §4);
- `cr2`: the analytic companion, CR2 (bias-reduced) standard errors by offer with
  Bell-McCaffrey degrees of freedom;
- `ipw`: the model refitted with inverse probability weights for having both measurements
  (attrition; puljeeval/evaluation/attrition.py), with inference from a cluster bootstrap of the
  whole procedure, so that the weights count as estimated.
Multiplicity adjustment (q-values and Holm) is done over all outcomes by
puljeeval/evaluation/multiplicity.py, in its own rule.

Disclosure control (docs/core_elements.md): every row carries the model's `parameters` (the
rank of its design as fitted: intercept, elements and every control dummy) and residual degrees
of freedom `df_resid` = n - parameters. A model with df_resid below `disclosure.min_residual_df`
(ACRO's MinimumDoFCheck) is not fitted beyond its design: its rows stay, with estimates, SEs,
intervals and p empty and the reason in `note`. Separately, a subgroup model whose design
leaves fewer than `core_elements.min_subgroup_df` residual degrees of freedom is not estimated at
all (an analysis rule: too few children beyond the model's parameters to say anything about
seven elements, whatever the disclosure threshold).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from puljeeval.evaluation import attrition as at
from puljeeval.evaluation import core_elements as ce
from puljeeval.methods import cluster_inference, stats
from puljeeval.settings import Settings

COLUMNS = ["outcome", "model", "figure", "subgroup_variable", "subgroup", "term", "method", "estimate", "se",
           "ci_low", "ci_high", "p", "df", "n", "parameters", "df_resid", "clusters", "g_eff", "note"]
MODEL_COLUMNS = ["outcome", "model", "figure", "subgroup_variable", "subgroup", "formula", "n", "parameters",
                 "df_resid", "clusters", "r2", "full_rank", "note"]
ESTIMATES = ["estimate", "se", "ci_low", "ci_high", "p", "df"]
OVERALL = "Samlet"
METHODS = ["ols", "wild_cluster", "cr2", "ipw"]


def formula(terms: list[str], controls: list[str], numeric: list[str]) -> str:
    rhs = list(terms) + [c if c in numeric else f"C({c})" for c in controls]
    return "z ~ " + " + ".join(rhs)


def wild_cluster_table(result, groups: np.ndarray, terms: list[str], level: float, boot: dict) -> pd.DataFrame:
    """Per term of a fitted statsmodels OLS: the restricted wild cluster bootstrap p-value
    (`boot`: reps, weights, seed, variant: WCR11/13/31/33, cluster_inference.WildClusterBootstrap),
    the interval inverting that test, with one set of draws for all terms, and the standard error
    that studentises it (CR1 for WCRx1, the cluster jackknife CV3 for WCRx3)."""
    names = list(result.model.exog_names)
    found = cluster_inference.wild_cluster_terms(
        np.asarray(result.model.exog), np.asarray(result.model.endog), groups, [names.index(t) for t in terms],
        reps=int(boot["reps"]), weights=boot["weights"], seed=int(boot["seed"]), level=level,
        variant=boot["variant"])
    return pd.DataFrame({"estimate": [r.estimate for r in found], "se": [r.se for r in found],
                         "ci_low": [r.ci_low for r in found], "ci_high": [r.ci_high for r in found],
                         "p": [r.p for r in found]}, index=pd.Index(terms))


def cr2_table(result, groups: np.ndarray, terms: list[str], level: float) -> pd.DataFrame:
    """CR2 standard errors by cluster with Bell-McCaffrey degrees of freedom (`df`)."""
    names = list(result.model.exog_names)
    found = cluster_inference.cr2_terms(np.asarray(result.model.exog), np.asarray(result.model.endog), groups,
                                        [names.index(t) for t in terms], level=level)
    return pd.DataFrame({"estimate": [r.estimate for r in found], "se": [r.se for r in found],
                         "ci_low": [r.ci_low for r in found], "ci_high": [r.ci_high for r in found],
                         "p": [r.p for r in found], "df": [r.df for r in found]}, index=pd.Index(terms))


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


def model_rows(frame: pd.DataFrame, kind: str, settings: Settings, weights: pd.Series | None,
               controls: list[str] | None = None, min_residual_df: int | None = None,
               analysis_min_df: int = 0, methods: tuple[str, ...] = tuple(METHODS)) -> tuple[pd.DataFrame | None, dict]:
    """One model (intention or intensity) on one frame: the ols, wild_cluster and cr2 rows of the
    element terms, and the attrition-weighted point estimates (`info["ipw"]`: WLS coefficients of
    the same design, to be given their bootstrap inference by run_outcome; None with the reason
    in `info["ipw_note"]`). `min_residual_df` defaults to `disclosure.min_residual_df`; below it
    the model's rows carry no estimates (module docstring). Below `analysis_min_df` (the subgroup
    rule) the model is not estimated at all: the table is None and `info` has its size. `methods`
    limits the rows to some methods (the other seed's check needs only `ols`)."""
    cfg = settings.config["core_elements"]
    minimum = stats.min_residual_df(settings.config) if min_residual_df is None else min_residual_df
    column = ce.intention_column if kind == "intention" else ce.intensity_column
    terms = [column(e) for e in settings.element_codes]
    fit = fit_family(frame, terms, settings, controls=controls, min_residual_df=max(minimum, analysis_min_df))
    if fit["df_resid"] < analysis_min_df:
        return None, {"n": fit["n"], "parameters": fit["parameters"], "df_resid": fit["df_resid"]}
    res, data, ok = fit["result"], fit["data"], fit["terms"]
    groups = pd.factorize(data[cfg["cluster"]])[0]
    g = len(np.unique(groups))
    info = {"formula": fit["formula"], "n": fit["n"], "parameters": fit["parameters"], "df_resid": fit["df_resid"],
            "clusters": g, "full_rank": bool(fit["full_rank"]), "ipw": None, "ipw_note": "", "ipw_fit": fit,
            "constant": fit["constant"]}
    constant_rows = [pd.DataFrame([{"term": t, "method": m, "n": fit["n"], "parameters": fit["parameters"],
                                    "df_resid": fit["df_resid"], "clusters": g, "note": "ingen variation i gruppen"}])
                     for t in fit["constant"] for m in methods if m != "ipw"]
    if res is None:                # withheld: the rows say it exists and why, nothing more
        why = stats.dof_note(fit["df_resid"], minimum)
        parts = [_rows(pd.DataFrame(index=pd.Index(ok)), m, fit, g, why) for m in methods if m != "ipw"]
        info["ipw_note"] = why
        return pd.concat(parts + constant_rows, ignore_index=True), {**info, "r2": np.nan, "note": why}
    level = cfg["level"]
    parts = []
    ci = res.conf_int(alpha=1 - level).loc[ok]
    ols = pd.DataFrame({"estimate": res.params[ok], "se": res.bse[ok], "ci_low": ci[0], "ci_high": ci[1],
                        "p": res.pvalues[ok], "df": float(res.df_resid)})
    parts.append(_rows(ols, "ols", fit, g))
    clustered = [m for m in ("wild_cluster", "cr2") if m in methods]
    if g >= 2 and fit["full_rank"]:
        if "wild_cluster" in clustered:
            parts.append(_rows(wild_cluster_table(res, groups, ok, level, cfg["bootstrap"]), "wild_cluster", fit, g))
        if "cr2" in clustered:
            parts.append(_rows(cr2_table(res, groups, ok, level), "cr2", fit, g))
    else:
        why = "færre end 2 tilbud" if g < 2 else "modellen er ikke fuld rang"
        parts += [_rows(pd.DataFrame(index=pd.Index(ok)), m, fit, g, why) for m in clustered]
    if g >= 2 and fit["full_rank"]:   # how many offers the coefficient effectively rests on (design only)
        names = list(res.model.exog_names)
        g_eff = cluster_inference.effective_clusters(np.asarray(res.model.exog), groups, [names.index(t) for t in ok])
        parts = [part.assign(g_eff=part["term"].map(dict(zip(ok, g_eff, strict=True)))) for part in parts]
    if weights is None or g < 2:
        info["ipw_note"] = "ingen vægte" if weights is None else "færre end 2 tilbud"
    else:                          # the same design, weighted (no second formula evaluation)
        names = list(res.model.exog_names)
        X, y = np.asarray(res.model.exog), np.asarray(res.model.endog)
        idx = [names.index(t) for t in ok]
        w = weights.loc[data.index].to_numpy(dtype=float)
        info["ipw"] = at.WeightedModel(None, data["course_id"].astype(str).to_numpy(), X, y, idx)
        info["ipw_estimates"] = pd.Series(at.wls(X, y, w, idx), index=ok)
    return pd.concat(parts + constant_rows, ignore_index=True), {**info, "r2": float(res.rsquared), "note": ""}


def attrition_model(candidates: pd.DataFrame, settings: Settings) -> at.WeightModel:
    """The attrition weight model's design on the outcome's candidates (attrition.py)."""
    cfg = settings.config["core_elements"]
    return at.design(candidates, cfg["attrition"]["predictors"], cfg["numeric_controls"] + [at.BASELINE],
                     cfg["cluster"])


def _ipw_rows(infos: list[tuple[tuple, dict]], weight_model: at.WeightModel, settings: Settings) -> dict:
    """The ipw rows of every model of one outcome: WLS point estimates with the cluster
    bootstrap of the whole weighting procedure (one set of draws for all models)."""
    cfg = settings.config["core_elements"]
    spec = cfg["attrition"]
    trim = tuple(spec["trim_quantiles"])
    fitted = [dataclasses.replace(info["ipw"], key=key) for key, info in infos if info["ipw"] is not None]
    draws = at.bootstrap(weight_model, fitted, trim, int(spec["bootstrap"]["reps"]), int(spec["bootstrap"]["seed"]))
    out = {}
    for key, info in infos:
        fit = info["ipw_fit"]
        g = info["clusters"]
        if info["ipw"] is None:
            out[key] = _rows(pd.DataFrame(index=pd.Index(fit["terms"])), "ipw", fit, g, info["ipw_note"])
            continue
        table = at.summarise(info["ipw_estimates"], draws[key], g, cfg["level"])
        rows = _rows(table.drop(columns="boot_note").assign(df=float(g - 1)), "ipw", fit, g)
        rows["note"] = table["boot_note"].to_numpy()
        out[key] = rows
    for key, info in infos:      # a term without variation is reported as such by every method
        fit = info["ipw_fit"]
        const = [_rows(pd.DataFrame(index=pd.Index([t])), "ipw", fit, info["clusters"], "ingen variation i gruppen")
                 for t in info["constant"]]
        out[key] = pd.concat([out[key], *const], ignore_index=True)
    return out


def outcome_subgroups(outcome: dict, cfg: dict) -> list[dict]:
    """The configured subgroups that split this outcome's sample (a subgroup's `outcomes` limits it)."""
    return [sub for sub in cfg["subgroups"] if "outcomes" not in sub or outcome["key"] in sub["outcomes"]]


def subgroup_parts(frame: pd.DataFrame, outcome: dict,
                   cfg: dict) -> Iterator[tuple[dict, str, list[str], pd.DataFrame]]:
    """Each subgroup level of the outcome: (subgroup, level, the controls without the subgroup's
    own variable, the level's rows of the frame)."""
    for sub in outcome_subgroups(outcome, cfg):
        controls = [c for c in cfg["controls"] if c != sub["variable"]]
        for level in sub["levels"]:
            yield sub, level, controls, frame[frame[sub["variable"]].astype(object) == level]


def run_outcome(outcome: dict, frame: pd.DataFrame, candidates: pd.DataFrame | None,
                settings: Settings, methods: tuple[str, ...] = tuple(METHODS)) -> tuple[pd.DataFrame, pd.DataFrame]:
    """All models of one outcome: intention and intensity on the whole sample, intensity per
    subgroup level. Returns the coefficient table and one row per model. `methods` limits the
    methods (without `ipw` no candidates are needed and no weights are estimated)."""
    cfg = settings.config["core_elements"]
    minimum = stats.min_residual_df(settings.config)
    weighted = "ipw" in methods
    w = None
    if weighted:
        weight_model = attrition_model(candidates, settings)
        trim = tuple(cfg["attrition"]["trim_quantiles"])
        weights = at.weights(weight_model, trim)
        lost = ~frame["course_id"].astype(str).isin(weights.index)
        if lost.any():
            raise ValueError(f"attrition: {int(lost.sum())} children of the {outcome['key']} sample are not in the "
                             f"weight model's candidates (e.g. {frame.loc[lost, 'course_id'].iloc[0]}): every analysed "
                             f"child must have a start score and the predictors")
        w = weights.reindex(frame["course_id"].astype(str)).set_axis(frame.index)
    figs = outcome["figures"]
    tables, infos, fitted = [], [], []

    def add(table: pd.DataFrame, info: dict, model: str, figure: str, var: str, level: str) -> None:
        key = (model, var, level)
        tables.append((key, table.assign(outcome=outcome["key"], model=model, figure=figure, subgroup_variable=var,
                                         subgroup=level)))
        fitted.append((key, info))
        infos.append({"outcome": outcome["key"], "model": model, "figure": figure, "subgroup_variable": var,
                      "subgroup": level, **{k: v for k, v in info.items() if k in MODEL_COLUMNS}})

    for kind in ("intention", "intensity"):
        table, info = model_rows(frame, kind, settings, w, min_residual_df=minimum, methods=methods)
        add(table, info, kind, figs[kind], "", OVERALL)
    for sub, level, controls, part in subgroup_parts(frame, outcome, cfg):
        # the analysis rule, on the design's residual degrees of freedom (controls included)
        table, info = (None, {"n": 0, "parameters": pd.NA, "df_resid": pd.NA}) if part.empty else \
            model_rows(part, "intensity", settings, None if w is None else w.loc[part.index], controls, minimum,
                       cfg["min_subgroup_df"], methods)
        if table is None:
            infos.append({"outcome": outcome["key"], "model": "intensity", "figure": figs["subgroups"],
                          "subgroup_variable": sub["variable"], "subgroup": level, **info,
                          "note": f"under {cfg['min_subgroup_df']} residuale frihedsgrader: ikke estimeret"})
            continue
        add(table, info, "intensity", figs["subgroups"], sub["variable"], level)
    ipw = _ipw_rows(fitted, weight_model, settings) if weighted else {}
    parts = []
    for key, table in tables:
        labels = {"outcome": outcome["key"], "model": key[0], "figure": table["figure"].iloc[0],
                  "subgroup_variable": key[1], "subgroup": key[2]}
        parts.append(pd.concat([table, ipw[key].assign(**labels)], ignore_index=True) if key in ipw else table)
    coefs = pd.concat(parts, ignore_index=True)
    models = pd.DataFrame(infos).reindex(columns=MODEL_COLUMNS)
    models["weights_note"] = at.diagnostics(weights, trim) if weighted else ""
    sizes = {"parameters": "Int64", "df_resid": "Int64"}     # integers, empty for a model never built
    return coefs[COLUMNS].astype(sizes), models.astype(sizes)


def attrition_candidates(outcome: dict, courses: pd.DataFrame, measured: pd.Index, prepost: pd.DataFrame,
                         fidelity_courses: pd.Index, baseline: pd.Series, settings: Settings) -> pd.DataFrame:
    """Children meeting every criterion of footnote 5 but 'both measurements', with `both` as
    the outcome of the attrition model and `baseline` their start score on the outcome's scale
    (index course_id); children without a start score are left out (they cannot enter the
    analysis, which needs both measurements)."""
    cfg = settings.config["core_elements"]
    checks, _ = ce.criteria(outcome, courses, measured, prepost, fidelity_courses)
    keep = pd.concat([v for k, v in checks.items() if k != "both"], axis=1).all(axis=1)
    cand = courses[keep.to_numpy()].assign(both=checks["both"][keep].to_numpy())
    cand = cand.assign(**{at.BASELINE: baseline.reindex(cand["course_id"]).to_numpy(dtype="float64")})
    cand = cand[cand[at.BASELINE].notna()]
    preds = [p for p in cfg["attrition"]["predictors"] if p != at.BASELINE]
    return stats.prepare_controls(cand, preds, cfg["numeric_controls"],
                                  cfg["missing_controls"]).set_index("course_id", drop=False)
