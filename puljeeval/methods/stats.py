"""Confidence intervals, tests, paired effect sizes and tidy model tables for the chapter
analyses. Intervals and tests come from statsmodels/scipy; this module gives them one shape.

Effect sizes follow Lakens (2013) as summarised in ../shared/reference/stats-and-privacy.md §6:
d_z = M_diff / SD_diff; d_av = M_diff / ((SD_pre + SD_post) / 2); d_rm = M_diff /
sqrt(SD_pre^2 + SD_post^2 - 2 r SD_pre SD_post) x sqrt(2 (1 - r)).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf
from scipy import stats as sps
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint, proportions_ztest

from puljeeval.settings import ConfigError, UndeclaredConfig

# `parameters`: the rank of the design as fitted (intercept and every control dummy included);
# `df_resid` = n - parameters; `note`: why a row has no estimate (empty when it has one).
TIDY_COLUMNS = ["model", "term", "estimate", "se", "ci_low", "ci_high", "p", "n", "parameters", "df_resid", "note"]


def mean_ci(values: pd.Series | np.ndarray, level: float = 0.95) -> dict:
    """Mean with a t-based interval (n, mean, sd, ci_low, ci_high); NaNs are ignored."""
    x = pd.Series(values, dtype="float64").dropna().to_numpy()
    n = len(x)
    if n == 0:
        return {"n": 0, "mean": np.nan, "sd": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    mean = float(x.mean())
    sd = float(x.std(ddof=1)) if n > 1 else np.nan
    half = sps.t.ppf(0.5 + level / 2, n - 1) * sd / np.sqrt(n) if n > 1 else np.nan
    return {"n": n, "mean": mean, "sd": sd, "ci_low": mean - half, "ci_high": mean + half}


def proportion_ci(count: int, n: int, level: float = 0.95) -> dict:
    """Share in percent with the Wilson score interval (good for small n and shares near 0/100)."""
    if n == 0:
        return {"count": count, "n": 0, "share_pct": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    lo, hi = proportion_confint(count, n, alpha=1 - level, method="wilson")
    return {"count": int(count), "n": int(n), "share_pct": 100 * count / n, "ci_low": 100 * lo, "ci_high": 100 * hi}


def proportion_ci_columns(count: pd.Series, n: pd.Series, level: float = 0.95) -> pd.DataFrame:
    """Wilson intervals in percent for whole columns of counts and totals (NaN where n = 0)."""
    c = count.to_numpy(dtype="float64")
    t = n.to_numpy(dtype="float64")
    ok = t > 0
    lo = np.full(len(c), np.nan)
    hi = np.full(len(c), np.nan)
    if ok.any():
        lo[ok], hi[ok] = proportion_confint(c[ok], t[ok], alpha=1 - level, method="wilson")
    return pd.DataFrame({"ci_low": 100 * lo, "ci_high": 100 * hi}, index=count.index)


def compare_proportions(count1: int, n1: int, count2: int, n2: int, level: float = 0.95) -> dict:
    """Difference of two shares (group 1 - group 2) in percentage points with Newcombe's hybrid
    score interval, and the p value of the pooled two-proportion z test (= Pearson's chi-square
    without continuity correction)."""
    low, high = confint_proportions_2indep(count1, n1, count2, n2, method="newcomb", compare="diff",
                                           alpha=1 - level)
    _, p = proportions_ztest([count1, count2], [n1, n2])
    return {"diff_pp": 100 * (count1 / n1 - count2 / n2), "ci_low": 100 * low, "ci_high": 100 * high,
            "p": float(p)}


def compare_means(x1: pd.Series, x2: pd.Series, level: float = 0.95) -> dict:
    """Difference of means (1 - 2) with Welch's t interval and test."""
    a = pd.Series(x1, dtype="float64").dropna()
    b = pd.Series(x2, dtype="float64").dropna()
    res = sps.ttest_ind(a, b, equal_var=False)
    ci = res.confidence_interval(confidence_level=level)
    return {"diff": float(a.mean() - b.mean()), "ci_low": float(ci.low), "ci_high": float(ci.high),
            "p": float(res.pvalue)}


def paired_effect_sizes(pre: pd.Series, post: pd.Series) -> dict:
    """Paired effect sizes of post - pre on complete pairs: d_z, d_av and d_rm, with the
    ingredients (n, mean difference, SDs, r) so a reader can recompute them."""
    pair = pd.DataFrame({"pre": pre, "post": post}).astype("float64").dropna()
    n = len(pair)
    diff = pair["post"] - pair["pre"]
    sd_pre, sd_post, sd_diff = pair["pre"].std(), pair["post"].std(), diff.std()
    r = pair["pre"].corr(pair["post"]) if n > 2 else np.nan
    m = diff.mean()
    d_rm = m / np.sqrt(sd_pre**2 + sd_post**2 - 2 * r * sd_pre * sd_post) * np.sqrt(2 * (1 - r))
    return {"n": n, "mean_diff": m, "sd_pre": sd_pre, "sd_post": sd_post, "sd_diff": sd_diff, "r": r,
            "d_z": m / sd_diff, "d_av": m / ((sd_pre + sd_post) / 2), "d_rm": d_rm}


def tidy(result, model: str, exponentiate: bool = False, level: float = 0.95) -> pd.DataFrame:
    """A fitted statsmodels result as the project's one coefficient-table format.

    With `exponentiate` (logistic models) estimates and bounds are odds ratios; `se` stays on
    the log-odds scale."""
    ci = result.conf_int(alpha=1 - level)
    n, parameters, df_resid = model_size(result.model)
    out = pd.DataFrame({"model": model, "term": result.params.index, "estimate": result.params.to_numpy(),
                        "se": result.bse.to_numpy(), "ci_low": ci.iloc[:, 0].to_numpy(),
                        "ci_high": ci.iloc[:, 1].to_numpy(), "p": result.pvalues.to_numpy(),
                        "n": n, "parameters": parameters, "df_resid": df_resid, "note": ""})
    if exponentiate:
        for c in ("estimate", "ci_low", "ci_high"):
            out[c] = np.exp(out[c])
    return out[TIDY_COLUMNS].reset_index(drop=True)


def patsy_safe(data: pd.DataFrame) -> pd.DataFrame:
    """pandas' nullable columns (strings, Int64, boolean with <NA>) as object/float with NaN,
    which is what patsy's formula machinery understands as missing."""
    out = data.copy()
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_bool_dtype(col) or pd.api.types.is_integer_dtype(col) or pd.api.types.is_float_dtype(col):
            out[c] = col.astype("float64")
        elif not pd.api.types.is_datetime64_any_dtype(col):
            out[c] = col.astype(object).where(col.notna(), np.nan)
    return out


MISSING_LEVEL = "ikke_oplyst"


def prepare_controls(frame: pd.DataFrame, variables: list[str], numeric: list[str], missing: str) -> pd.DataFrame:
    """Model data: `numeric` variables as floats, the others as categories where an unanswered
    value is its own level (`missing: category`) or stays missing (`drop`: complete cases)."""
    out = frame.copy()
    for c in dict.fromkeys(variables):
        if c in numeric:
            out[c] = out[c].astype("float64")
        elif missing == "category":
            out[c] = out[c].astype(object).where(out[c].notna(), MISSING_LEVEL)
    return patsy_safe(out)


def fit_ols(formula: str, data: pd.DataFrame, model: str):
    """OLS on complete cases of the formula's variables; returns (result, tidy table)."""
    result = smf.ols(formula, data=patsy_safe(data), missing="drop").fit()
    return result, tidy(result, model)


def fit_logit(formula: str, data: pd.DataFrame, model: str):
    """Logistic regression on complete cases; returns (result, tidy table of odds ratios)."""
    result = smf.logit(formula, data=patsy_safe(data), missing="drop").fit(disp=False)
    return result, tidy(result, model, exponentiate=True)


# ------------------------------------------------------------------ models under disclosure control
#
# A model is published only with at least `disclosure.min_residual_df` residual degrees of
# freedom: ACRO's MinimumDoFCheck (AI-SDC/ACRO acro/sdcchecks.py: fail when df_resid <
# safe_dof_threshold, default 10 in acro/default.yaml). With few residual degrees of freedom the
# fit comes close to reproducing the individual observations. A withheld model keeps its rows
# (terms, n, parameters, df_resid) with the estimates empty and the reason in `note`.

FITTERS = {"ols": smf.ols, "logit": smf.logit}


def min_residual_df(config: Mapping) -> int:
    """`disclosure.min_residual_df` from the (declared) configuration; a clear error if absent."""
    try:
        value = config["disclosure"]["min_residual_df"]
    except UndeclaredConfig:
        raise
    except KeyError:
        raise ConfigError("config key 'disclosure.min_residual_df' is missing: the minimum residual degrees "
                          "of freedom of a published model (ACRO's safe_dof_threshold, 10)") from None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"config key 'disclosure.min_residual_df': expected an integer >= 1, got {value!r}")
    return value


def model_size(model) -> tuple[int, int, int]:
    """(n, parameters, df_resid) of a statsmodels model, fitted or not: `parameters` is the rank
    of its design matrix (what the fit estimates: intercept and every dummy, less any collinear
    column), as statsmodels counts it for its own residual degrees of freedom."""
    n = int(model.exog.shape[0])
    df_resid = int(round(float(model.df_resid)))
    return n, n - df_resid, df_resid


def dof_note(df_resid: int, minimum: int) -> str:
    """The Danish note of a model withheld for too few residual degrees of freedom."""
    return f"ikke offentliggjort: for få frihedsgrader (df = {df_resid} < {minimum})"


def publishable(df_resid: int, minimum: int) -> bool:
    """ACRO's MinimumDoFCheck passes with df_resid >= the threshold."""
    return df_resid >= minimum


def withheld_table(terms: list[str], model: str, n: int, parameters: int, df_resid: int, minimum: int) -> pd.DataFrame:
    """The tidy table of a withheld model: one row per term, no estimates, the reason in `note`."""
    return pd.DataFrame({"model": model, "term": list(terms), "estimate": np.nan, "se": np.nan, "ci_low": np.nan,
                         "ci_high": np.nan, "p": np.nan, "n": n, "parameters": parameters, "df_resid": df_resid,
                         "note": dof_note(df_resid, minimum)}, index=range(len(terms)))[TIDY_COLUMNS]


def fit_disclosed(kind: str, formula: str, data: pd.DataFrame, model: str, minimum: int) -> pd.DataFrame:
    """The tidy table of an `ols` or `logit` model under disclosure control: the design is built
    first, and a model with fewer than `minimum` residual degrees of freedom is never fitted (no
    estimate of it exists to leak); otherwise fit_ols / fit_logit as usual."""
    if kind not in FITTERS:
        raise ValueError(f"model kind '{kind}' is not one of {sorted(FITTERS)}")
    design = FITTERS[kind](formula, data=patsy_safe(data), missing="drop")
    n, parameters, df_resid = model_size(design)
    if not publishable(df_resid, minimum):
        return withheld_table(design.exog_names, model, n, parameters, df_resid, minimum)
    # looked up at call time, so a test may replace fit_ols / fit_logit on the module
    _, table = (fit_ols if kind == "ols" else fit_logit)(formula, data, model)
    return table
