"""Sensitivity analyses of Bilag 4's whole-sample models and tests of subgroup differences
(config `core_elements.sensitivity`, docs/core_elements.md "Sensitivity analyses").

- `ancova`: the change model with the baseline score as a covariate (baseline-adjusted change:
  the same coefficients as a regression of the end score on the baseline, since change = end -
  start), so that regression to the mean through differing start levels cannot drive an element's
  estimate;
- `mice`: unanswered controls multiply imputed instead of kept as their own level: chained
  equations with predictive mean matching (`_imputed`; every imputed value is an observed
  answer), `imputations` data sets after `burn_in` cycles, each fitted by OLS and pooled by
  Rubin's rules (t reference with Rubin's degrees of freedom);
- interaction tests: whether an element's intensity slope differs between a subgroup variable's
  levels, in one model with element x level interactions (the controls as in the subgroup fits),
  tested jointly per element (F with L - 1 numerator df): classically and with CR1 standard errors
  clustered by offer referred to F(L - 1, G - 1). Separate fits per level show where an element
  is significant; only the interaction test says whether the levels differ.

Each analysis is reported with classical OLS inference beside CR2 (Bell-McCaffrey) by offer where
it is a single model (ancova), so the table reads like the main coefficient table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats as sps
from scipy.spatial import cKDTree

from puljeeval.evaluation import core_elements as ce
from puljeeval.evaluation import element_models as em
from puljeeval.methods import cluster_inference, stats
from puljeeval.settings import Settings

SENSITIVITY_COLUMNS = ["outcome", "model", "figure", "analysis", "term", "method", "estimate", "se", "ci_low",
                       "ci_high", "p", "n", "parameters", "df_resid", "note"]
ANALYSES = ("ancova", "mice")
SENSITIVITY_METHODS = ("ols", "cr2")
INTERACTION_METHODS = ("ols", "cluster")
INTERACTION_COLUMNS = ["outcome", "figure", "subgroup_variable", "term", "levels", "method", "df_num", "df_denom",
                       "statistic", "p", "n", "clusters", "note"]


def _rhs(terms: list[str], controls: list[str], numeric: list[str]) -> str:
    return " + ".join(list(terms) + [c if c in numeric else f"C({c})" for c in controls])


def _terms(frame: pd.DataFrame, kind: str, settings: Settings) -> tuple[list[str], list[str]]:
    column = ce.intention_column if kind == "intention" else ce.intensity_column
    terms = [column(e) for e in settings.element_codes]
    ok = [t for t in terms if frame[t].nunique() > 1]
    return ok, [t for t in terms if t not in ok]


def _ols_rows(result, terms: list[str], groups: np.ndarray, level: float) -> list[dict]:
    """Classical and CR2 rows of a fitted OLS for `terms`."""
    ci = result.conf_int(alpha=1 - level).loc[terms]
    rows = [{"term": t, "method": "ols", "estimate": result.params[t], "se": result.bse[t], "ci_low": ci.loc[t, 0],
             "ci_high": ci.loc[t, 1], "p": result.pvalues[t]} for t in terms]
    names = list(result.model.exog_names)
    found = cluster_inference.cr2_terms(np.asarray(result.model.exog), np.asarray(result.model.endog), groups,
                                        [names.index(t) for t in terms], level=level)
    rows += [{"term": t, "method": "cr2", "estimate": r.estimate, "se": r.se, "ci_low": r.ci_low,
              "ci_high": r.ci_high, "p": r.p} for t, r in zip(terms, found, strict=True)]
    return rows


def ancova(frame: pd.DataFrame, kind: str, settings: Settings) -> pd.DataFrame:
    """The whole-sample model of `kind` with the baseline score (`pre`) as a covariate."""
    cfg = settings.config["core_elements"]
    terms, _ = _terms(frame, kind, settings)
    controls = [c for c in cfg["controls"] if frame[c].nunique() > 1]
    data = frame.dropna(subset=["z", "pre", *terms, *controls])
    formula = "z ~ " + _rhs(terms + ["pre"], controls, cfg["numeric_controls"])
    model = smf.ols(formula, data=data)
    n, parameters, df_resid = stats.model_size(model)
    if not stats.publishable(df_resid, stats.min_residual_df(settings.config)):
        note = stats.dof_note(df_resid, stats.min_residual_df(settings.config))
        return pd.DataFrame([{"term": t, "method": m, "note": note, "n": n, "parameters": parameters,
                              "df_resid": df_resid} for t in terms for m in SENSITIVITY_METHODS])
    result = model.fit()
    groups = pd.factorize(data[cfg["cluster"]])[0]
    out = pd.DataFrame(_ols_rows(result, terms, groups, cfg["level"]))
    return out.assign(n=n, parameters=parameters, df_resid=df_resid, note="")


def rubin(estimates: np.ndarray, variances: np.ndarray, level: float) -> dict:
    """Rubin's rules for one coefficient over m imputations: pooled estimate, total variance
    W + (1 + 1/m) B and the t reference with Rubin's (1987) degrees of freedom."""
    m = len(estimates)
    q = float(np.mean(estimates))
    w = float(np.mean(variances))
    b = float(np.var(estimates, ddof=1)) if m > 1 else 0.0
    t = w + (1 + 1 / m) * b
    df = (m - 1) * (1 + w / ((1 + 1 / m) * b)) ** 2 if b > 0 else np.inf
    se = float(np.sqrt(t))
    crit = sps.t.ppf(0.5 + level / 2, df)
    return {"estimate": q, "se": se, "ci_low": q - crit * se, "ci_high": q + crit * se,
            "p": float(2 * sps.t.sf(abs(q) / se, df)), "df": df}


def _design(data: pd.DataFrame, columns: list[str], categorical: list[str]) -> np.ndarray:
    """Intercept, numeric columns as they are, categorical ones as indicators (first level left out)."""
    parts = [np.ones((len(data), 1))]
    for c in columns:
        x = data[c].to_numpy(dtype=float)
        if c in categorical:
            levels = np.unique(x)
            parts.append((x[:, None] == levels[None, 1:]).astype(float))
        else:
            parts.append(x[:, None])
    return np.hstack(parts)


def _pmm(X: np.ndarray, target: np.ndarray, observed: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Donor rows for the missing rows by predictive mean matching: the imputation model (OLS of
    the target, a matrix of category indicators for a categorical variable) is fitted on a
    bootstrap sample of the observed rows (approximately proper imputation), and each missing row
    takes the observed value of one of the k observed rows whose predictions are nearest
    (Euclidean), drawn uniformly among them. The k nearest come from a k-d tree in order of
    distance, so time is O(n log n) and memory O(n) (a distance matrix of missing x observed
    rows grew with the square of the sample: 5,6 GB at ten times the report's size)."""
    obs = np.flatnonzero(observed)
    mis = np.flatnonzero(~observed)
    boot = rng.choice(obs, size=len(obs), replace=True)
    coef = np.linalg.lstsq(X[boot], target[boot], rcond=None)[0]
    pred_obs, pred_mis = X[obs] @ coef, X[mis] @ coef
    k = min(k, len(obs))
    nearest = cKDTree(pred_obs).query(pred_mis, k=np.arange(1, k + 1))[1]     # missing x k, nearest first
    return obs[nearest[np.arange(len(mis)), rng.integers(0, k, len(mis))]]


def _imputed(frame: pd.DataFrame, settings: Settings) -> tuple[list[pd.DataFrame], list[str], int]:
    """The outcome's sample with unanswered controls multiply imputed by chained equations with
    predictive mean matching (van Buuren's MICE algorithm; statsmodels' MICEData does the same for
    numeric variables but goes through patsy for every update, which is 100 times slower here, and
    treats a categorical variable's codes as a number). Each incomplete control is imputed in turn
    from all other variables: the standardised change and every term of both models (the outcome
    belongs in the imputation model) and the other controls (categorical ones as indicators);
    categorical targets are matched on their predicted category indicators, so an imputed value is
    always an observed answer. Returns the completed data sets, the categorical controls and how
    many children had something imputed."""
    cfg = settings.config["core_elements"]
    spec = cfg["sensitivity"]["mice"]
    numeric = cfg["numeric_controls"]
    rng = np.random.default_rng(int(spec["seed"]))
    terms = [f(e) for f in (ce.intention_column, ce.intensity_column) for e in settings.element_codes]
    fixed = ["z"] + [t for t in terms if frame[t].nunique() > 1]
    data = pd.DataFrame({c: frame[c].astype(float).to_numpy() for c in fixed})
    categorical = []
    for c in cfg["controls"]:
        if c in numeric:
            data[c] = frame[c].astype(float).to_numpy()
            continue
        values = frame[c].astype(object)
        values = values.where(values != stats.MISSING_LEVEL)
        cats = sorted(values.dropna().unique(), key=str)
        data[c] = values.map({v: float(i) for i, v in enumerate(cats)}).astype(float).to_numpy()
        categorical.append(c)
    observed = {c: data[c].notna().to_numpy() for c in cfg["controls"]}
    incomplete = [c for c in cfg["controls"] if not observed[c].all() and observed[c].any()]
    missing = int((~np.column_stack([observed[c] for c in cfg["controls"]])).any(axis=1).sum())
    if missing == 0:
        return [], categorical, 0
    for c in incomplete:                    # start from random observed values
        obs = np.flatnonzero(observed[c])
        data.loc[~observed[c], c] = data[c].to_numpy()[rng.choice(obs, size=int((~observed[c]).sum()))]
    sets = []
    cycles = int(spec["burn_in"]) + int(spec["imputations"]) * int(spec["cycles_between"])
    for cycle in range(1, cycles + 1):
        for c in incomplete:
            others = [o for o in data.columns if o != c]
            X = _design(data, others, categorical)
            x = data[c].to_numpy(dtype=float, copy=True)
            target = (x[:, None] == np.unique(x[observed[c]])[None, :]).astype(float) if c in categorical \
                else x[:, None]
            donors = _pmm(X, target, observed[c], int(spec["k_pmm"]), rng)
            x[~observed[c]] = x[donors]
            data[c] = x
        if cycle > int(spec["burn_in"]) and (cycle - int(spec["burn_in"])) % int(spec["cycles_between"]) == 0:
            sets.append(data.copy())
    return sets, categorical, missing


def mice(frame: pd.DataFrame, kinds: list[str], settings: Settings) -> dict[str, pd.DataFrame]:
    """Per model kind, the whole-sample model with unanswered controls multiply imputed (module
    docstring): classical OLS per completed data set, pooled by Rubin's rules."""
    cfg = settings.config["core_elements"]
    sets, categorical, missing = _imputed(frame, settings)
    out = {}
    for kind in kinds:
        terms, _ = _terms(frame, kind, settings)
        if not sets:
            out[kind] = pd.DataFrame([{"term": t, "method": "ols", "note": "ingen ubesvarede kontrolvariable"}
                                      for t in terms])
            continue
        controls = [c for c in cfg["controls"] if sets[0][c].nunique() > 1]
        formula = "z ~ " + _rhs(terms, controls, [c for c in controls if c not in categorical])
        fits = [smf.ols(formula, data=d).fit() for d in sets]
        est = np.array([f.params[terms].to_numpy() for f in fits])
        var = np.array([f.bse[terms].to_numpy() ** 2 for f in fits])
        n, parameters, df_resid = stats.model_size(fits[0].model)
        rows = []
        for j, t in enumerate(terms):
            pooled = rubin(est[:, j], var[:, j], cfg["level"])
            rows.append({"term": t, "method": "ols",
                         **{k: pooled[k] for k in ("estimate", "se", "ci_low", "ci_high", "p")},
                         "n": n, "parameters": parameters, "df_resid": df_resid,
                         "note": f"{missing} børn med mindst én ubesvaret kontrolvariabel; "
                                 f"{len(sets)} imputerede datasæt"})
        out[kind] = pd.DataFrame(rows)
    return out


def sensitivity_rows(frame: pd.DataFrame, outcome: dict, settings: Settings) -> pd.DataFrame:
    """Both sensitivity analyses of both whole-sample models of one outcome."""
    figs = outcome["figures"]
    kinds = ["intention", "intensity"]
    imputed = mice(frame, kinds, settings)
    parts = []
    for kind in kinds:
        parts.append(ancova(frame, kind, settings).assign(analysis="ancova"))
        parts.append(imputed[kind].assign(analysis="mice"))
        parts[-2:] = [p.assign(outcome=outcome["key"], model=kind, figure=figs[kind]) for p in parts[-2:]]
    out = pd.concat(parts, ignore_index=True).reindex(columns=SENSITIVITY_COLUMNS)
    return out.astype({"parameters": "Int64", "df_resid": "Int64", "n": "Int64"})


def _wald(params: np.ndarray, cov: np.ndarray, R: np.ndarray) -> float:
    rb = R @ params
    return float(rb @ np.linalg.solve(R @ cov @ R.T, rb) / R.shape[0])


def interaction_tests(frame: pd.DataFrame, outcome: dict, settings: Settings) -> pd.DataFrame:
    """Per subgroup variable of the outcome and element: the joint test that the element's
    intensity slope is the same in every configured level (module docstring)."""
    cfg = settings.config["core_elements"]
    terms = [ce.intensity_column(e) for e in settings.element_codes]
    rows = []
    for sub in em.outcome_subgroups(outcome, cfg):
        var = sub["variable"]
        levels = list(sub["levels"])
        data = frame[frame[var].astype(object).isin(levels)].copy()
        present = [lv for lv in levels if (data[var].astype(object) == lv).any()]
        base = {"outcome": outcome["key"], "figure": outcome["figures"]["subgroups"], "subgroup_variable": var,
                "levels": len(present), "n": len(data), "clusters": data[cfg["cluster"]].nunique()}
        # an element without variation in some level has no slope there to compare
        varies = {t: all(data.loc[data[var].astype(object) == lv, t].nunique() > 1 for lv in present) for t in terms}
        tested = [t for t in terms if varies[t]]
        for t in terms:
            if not varies[t]:
                rows += [{**base, "term": t, "method": m, "note": "ingen variation i mindst én gruppe"}
                         for m in INTERACTION_METHODS]
        if len(present) < 2 or not tested:
            continue
        controls = [c for c in cfg["controls"] if c != var and data[c].nunique() > 1]
        data[var] = pd.Categorical(data[var].astype(object), categories=present)
        formula = "z ~ " + " + ".join(f"C({var}) * {t}" for t in tested)
        rest = _rhs([], controls, cfg["numeric_controls"])
        formula += f" + {rest}" if rest else ""
        model = smf.ols(formula, data=data)
        n, parameters, df_resid = stats.model_size(model)
        minimum = stats.min_residual_df(settings.config)
        if not stats.publishable(df_resid, minimum):
            rows += [{**base, "term": t, "method": m, "note": stats.dof_note(df_resid, minimum)}
                     for t in tested for m in INTERACTION_METHODS]
            continue
        result = model.fit()
        names = list(result.model.exog_names)
        groups = pd.factorize(data[cfg["cluster"]])[0]
        g = len(np.unique(groups))
        robust = result.get_robustcov_results(cov_type="cluster", groups=groups)
        for t in tested:
            idx = [i for i, nm in enumerate(names) if nm.startswith(f"C({var})[T.") and nm.endswith(f"]:{t}")]
            R = np.zeros((len(idx), len(names)))
            R[np.arange(len(idx)), idx] = 1.0
            f_cl = _wald(np.asarray(robust.params), np.asarray(robust.cov_params()), R)
            f_ols = _wald(np.asarray(result.params), np.asarray(result.cov_params()), R)
            rows.append({**base, "term": t, "method": "ols", "df_num": len(idx), "df_denom": df_resid,
                         "statistic": f_ols, "p": float(sps.f.sf(f_ols, len(idx), df_resid)), "note": ""})
            rows.append({**base, "term": t, "method": "cluster", "df_num": len(idx), "df_denom": g - 1,
                         "statistic": f_cl, "p": float(sps.f.sf(f_cl, len(idx), g - 1)), "note": ""})
    out = pd.DataFrame(rows).reindex(columns=INTERACTION_COLUMNS)
    return out.astype({"levels": "Int64", "df_num": "Int64", "df_denom": "Int64", "n": "Int64", "clusters": "Int64"})
