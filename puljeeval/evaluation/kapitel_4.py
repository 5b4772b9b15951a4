"""Chapter 4 and Bilag 2 of the evaluation: the outcome summaries with intervals, paired effect
sizes and clustered inference, the perceived-benefit shares and regression (footnote 3), the
parent statements (Figur 4-5) and CORE-OM severity levels. Every function takes tables and config
and returns tables.

Age rows (docs/analysis_unit.md): every instrument's pairs are summarised in ALLE, the pairs of
children whose age is known and within the instrument's configured `ages` (instruments.yaml),
then per configured age group of those pairs; pairs of unknown age and pairs outside the
instrument's ages get a row each (`within_ages` false), so every pair is in exactly one age row
besides ALLE, and ALLE is the sum of the age-group rows.

Clustered inference (issue 14): beside the report's classical intervals (t intervals of the mean
change; OLS for footnote 3), the same estimates with inference clustered by offer
(`analysis.inference.cluster`): the restricted wild cluster bootstrap (p-value and the interval
inverting that test, puljeeval/methods/cluster_inference.py) and CR2 with Bell-McCaffrey degrees
of freedom. A mean change is the intercept of an intercept-only regression of the change.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats as sps

from puljeeval.evaluation import unit
from puljeeval.methods import cluster_inference, stats
from puljeeval.scoring.change import CATEGORIES, RC_CLASSES, SAMPLE_ALPHA
from puljeeval.settings import Settings

ALL = "ALLE"
UNKNOWN_AGE = "ukendt_alder"            # the age row of pairs whose age is not known
OUTSIDE_AGES = "uden_for_alder"         # ... and of pairs outside the instrument's ages
# Estimation methods of the model tables (config/tables.yaml labels `methods`): the report's
# classical fit first, then the clustered ones.
OLS_METHODS = ("ols", "wild_cluster", "cr2")


def inference_spec(config: Mapping) -> dict:
    """`analysis.inference`: cluster, level, bootstrap {reps, weights, seed}."""
    return config["analysis"]["inference"]


def age_rows(pairs: pd.DataFrame, ages: tuple[float, float]) -> pd.Series:
    """Each pair's age row: its age group when the age is known and within the instrument's
    `ages` (inclusive), else UNKNOWN_AGE or OUTSIDE_AGES. `pairs` has `age` and `age_group`."""
    lo, hi = ages
    age = pd.to_numeric(pairs["age"], errors="coerce")
    group = pairs["age_group"].astype(object)
    within = age.between(lo, hi) & group.notna()
    return pd.Series(np.where(age.isna(), UNKNOWN_AGE, np.where(within, group, OUTSIDE_AGES)),
                     index=pairs.index, dtype=object)


def analysis_pairs(prepost: pd.DataFrame, courses: pd.DataFrame, config: Mapping) -> pd.DataFrame:
    """The pairs chapter 4 analyses in the configured unit (`analysis_unit`): every pair, or per
    instrument and scale one course per child among the courses with both measurements on it."""
    parts = [unit.apply(d, courses, config) for _, d in prepost.groupby(["instrument", "scale"], sort=False)]
    return pd.concat(parts).sort_index() if parts else prepost


def _mean_change_inference(x: pd.DataFrame, cluster: str, inference: Mapping) -> dict:
    """The classical one-sample t-test p of the mean change, and the mean change clustered by
    `cluster`: wild cluster bootstrap interval and p, CR2 (Bell-McCaffrey) interval and p."""
    y = x["change"].astype("float64").to_numpy()
    out = {"change_p": float(sps.ttest_1samp(y, 0.0).pvalue) if len(y) > 1 and np.ptp(y) > 0 else np.nan}
    codes = pd.factorize(x[cluster])[0]
    g = int(codes.max()) + 1 if len(codes) else 0
    out["clusters"] = g
    empty = dict.fromkeys(["change_wild_ci_low", "change_wild_ci_high", "change_wild_p", "change_cr2_ci_low",
                           "change_cr2_ci_high", "change_cr2_p", "change_cr2_df"], np.nan)
    if g < 2:
        return {**out, **empty, "note": "færre end 2 tilbud: ingen klyngerobust inferens"}
    if np.ptp(y) == 0:
        return {**out, **empty, "note": "ingen variation i udviklingen"}
    boot = inference["bootstrap"]
    level = float(inference["level"])
    X = np.ones((len(y), 1))
    wild = cluster_inference.wild_cluster_terms(X, y, codes, [0], reps=int(boot["reps"]), weights=boot["weights"],
                                                seed=int(boot["seed"]), level=level)[0]
    cr2 = cluster_inference.cr2_terms(X, y, codes, [0], level=level)[0]
    note = ""
    low, high = wild.ci_low, wild.ci_high
    if not (np.isfinite(low) and np.isfinite(high)):
        low, high, note = np.nan, np.nan, "bootstrap-intervallet er ubegrænset"
    return {**out, "change_wild_ci_low": low, "change_wild_ci_high": high, "change_wild_p": wild.p,
            "change_cr2_ci_low": cr2.ci_low, "change_cr2_ci_high": cr2.ci_high, "change_cr2_p": cr2.p,
            "change_cr2_df": cr2.df, "note": note}


def _shares(x: pd.DataFrame, column: str, suffix: str = "") -> dict:
    """Reliable-change class shares (pct) among the pairs with a class in `column` (none when the
    pairs have no such classification)."""
    if column not in x:
        return {f"{cls}{suffix}_pct": np.nan for cls in RC_CLASSES}
    known = x[column].notna()
    if not known.any():
        return {f"{cls}{suffix}_pct": np.nan for cls in RC_CLASSES}
    classes = x.loc[known, column].astype(str)
    return {f"{cls}{suffix}_pct": stats.proportion_ci(int((classes == cls).sum()), int(known.sum()))["share_pct"]
            for cls in RC_CLASSES}


def _summary_row(x: pd.DataFrame, cluster: str, inference: Mapping) -> dict:
    row: dict = {"n": len(x)}
    for col, name in (("pre", "start"), ("post", "end"), ("change", "change")):
        m = stats.mean_ci(x[col])
        row.update({f"{name}_mean": m["mean"], f"{name}_ci_low": m["ci_low"], f"{name}_ci_high": m["ci_high"]})
    row.update(_mean_change_inference(x, cluster, inference) if len(x) else {"clusters": 0})
    if len(x) == 0:
        return row
    sign = 1.0 if x["direction"].iloc[0] == "higher_better" else -1.0
    es = stats.paired_effect_sizes(x["pre"], x["post"])
    row.update({k: sign * es[k] for k in ("d_z", "d_av", "d_rm")})
    row["r_pre_post"] = es["r"]
    for cat in CATEGORIES:
        ci = stats.proportion_ci(int((x["category"].astype(str) == cat).sum()), len(x))
        row.update({f"{cat}_pct": ci["share_pct"], f"{cat}_ci_low": ci["ci_low"], f"{cat}_ci_high": ci["ci_high"]})
    row.update(_shares(x, "rc_class"))
    row.update(_shares(x, "rc_class" + SAMPLE_ALPHA, SAMPLE_ALPHA))
    # which reliability and baseline SD the classes used (one value per instrument and scale)
    for col in ("reliability", "reliability_sample_alpha", "rc_sd_pre", "rc_threshold", "rc_threshold_sample_alpha"):
        row[col] = x[col].iloc[0] if col in x else np.nan
    return row


OUTCOME_COLUMNS = (
    ["instrument", "scale", "age_group", "within_ages", "n", "start_mean", "start_ci_low", "start_ci_high",
     "end_mean", "end_ci_low", "end_ci_high", "change_mean", "change_ci_low", "change_ci_high", "change_p",
     "change_wild_ci_low", "change_wild_ci_high", "change_wild_p", "change_cr2_ci_low", "change_cr2_ci_high",
     "change_cr2_p", "change_cr2_df", "clusters", "d_z", "d_av", "d_rm", "r_pre_post"]
    + [f"{c}_{s}" for c in CATEGORIES for s in ("pct", "ci_low", "ci_high")]
    + [f"{c}_pct" for c in RC_CLASSES] + [f"{c}{SAMPLE_ALPHA}_pct" for c in RC_CLASSES]
    + ["reliability", "reliability_sample_alpha", "rc_sd_pre", "rc_threshold", "rc_threshold_sample_alpha", "note"])


def outcome_summary(pairs: pd.DataFrame, courses: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Per instrument, scale and age row (module docstring): n, start and end means with
    intervals, the mean oriented change with its classical t interval and p, and clustered by
    offer (wild cluster bootstrap, CR2), paired effect sizes, the report's three categories as
    shares with Wilson intervals, and the reliable-change class shares with the configured and
    with the sample's reliability (with the reliabilities, baseline SD and thresholds used).
    `pairs` are the analysis pairs (analysis_pairs)."""
    inference = inference_spec(settings.config)
    cluster = inference["cluster"]
    specs = settings.instruments["instruments"]
    data = pairs.merge(courses[["course_id", "age", "age_group", cluster]], on="course_id", how="left")
    order = [g["label"] for g in settings.config["age"]["groups"]]
    rows = []
    for (instrument, scale), d in data.groupby(["instrument", "scale"], sort=False):
        where = age_rows(d, tuple(specs[instrument]["ages"]))
        within = d[~where.isin([UNKNOWN_AGE, OUTSIDE_AGES])]
        groups = [(ALL, within, True)] + [(g, d[where == g], True) for g in order if (where == g).any()]
        groups += [(code, d[where == code], False) for code in (UNKNOWN_AGE, OUTSIDE_AGES) if (where == code).any()]
        for group, x, inside in groups:
            rows.append({"instrument": instrument, "scale": scale, "age_group": group, "within_ages": inside,
                         **_summary_row(x, cluster, inference)})
    out = pd.DataFrame(rows).reindex(columns=OUTCOME_COLUMNS)
    out["note"] = out["note"].fillna("")
    return out.astype({"n": "int64", "clusters": "int64"})


def benefit_frame(benefit: pd.DataFrame, courses: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Answered benefit items (not 'ved ikke') with age, the regression controls and the cluster."""
    spec = settings.config["analysis"]["benefit_regression"]
    answered = benefit[benefit["status"] == "answered"][["course_id", "value"]].rename(
        columns={"value": spec["outcome"]})
    cols = list(dict.fromkeys(["course_id", spec["predictor"], *spec["controls"],
                               inference_spec(settings.config)["cluster"]]))
    data = answered.merge(courses[cols], on="course_id", how="inner")
    data[spec["outcome"]] = data[spec["outcome"]].astype("float64")
    return benefit_model_data(data, settings)


def benefit_model_data(data: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Outcome and predictor as numbers; unanswered controls as their own level when config
    says so."""
    spec = settings.config["analysis"]["benefit_regression"]
    numeric = [spec["outcome"], spec["predictor"]]
    return stats.prepare_controls(data, numeric + spec["controls"], numeric, spec["missing_controls"])


def benefit_sample(data: pd.DataFrame, courses: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Footnote 3's sample: the complete cases of the regression, in the configured unit
    (`analysis_unit`: one course per child among these for `child`)."""
    spec = settings.config["analysis"]["benefit_regression"]
    sample = data.dropna(subset=[spec["outcome"], spec["predictor"], *spec["controls"]])
    return unit.apply(sample, courses, settings.config)


def _benefit_design(data: pd.DataFrame, settings: Settings) -> tuple[str, pd.DataFrame]:
    """The formula and the complete-case sample with the outcome standardised in it."""
    spec = settings.config["analysis"]["benefit_regression"]
    needed = [spec["outcome"], spec["predictor"], *spec["controls"]]
    sample = data.dropna(subset=needed).copy()
    y = sample[spec["outcome"]]
    sample["z_outcome"] = (y - y.mean()) / y.std(ddof=1)
    formula = "z_outcome ~ " + " + ".join([spec["predictor"], *(f"C({c})" for c in spec["controls"])])
    return formula, sample


def benefit_regression(data: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """OLS of the standardised benefit (mean 0, SD 1 in the complete-case sample) on age with
    the report's controls (footnote 3 of chapter 4), with the model's parameters and residual
    degrees of freedom; withheld (rows kept, estimates empty, the reason in `note`) below
    `disclosure.min_residual_df`. The classical fit only: benefit_models adds the clustered."""
    formula, sample = _benefit_design(data, settings)
    return stats.fit_disclosed("ols", formula, sample, "oplevet_betydning", stats.min_residual_df(settings.config))


def method_rows(classical: pd.DataFrame, first: str, methods: Mapping[str, pd.DataFrame | str],
                clusters: int) -> pd.DataFrame:
    """A tidy model table with a `method` column: per term the classical row (`first`), then each
    clustered method's row (a frame indexed by term with estimate, se, ci_low, ci_high, p and
    note; or a string: why that method has no estimates). A withheld classical model (a note on
    its rows) stays withheld for every method."""
    out = []
    for _, row in classical.iterrows():
        out.append({**row.to_dict(), "method": first, "clusters": clusters})
        for method, found in methods.items():
            base = {**row.to_dict(), "method": method, "clusters": clusters}
            if row["note"] or isinstance(found, str):
                out.append({**base, **dict.fromkeys(["estimate", "se", "ci_low", "ci_high", "p"], np.nan),
                            "note": row["note"] or found})
            else:
                out.append({**base, **found.loc[row["term"]].to_dict()})
    columns = list(classical.columns)
    columns[columns.index("term") + 1:columns.index("term") + 1] = ["method"]
    columns.insert(columns.index("note"), "clusters")
    return pd.DataFrame(out, columns=columns)


def inference_frame(results: list, terms: list[str], exponentiate: bool = False) -> pd.DataFrame:
    """ClusterInference results as rows by term (estimates and bounds exp'ed for odds ratios;
    an unbounded bootstrap interval is left empty with a note)."""
    rows = []
    for r in results:
        low, high, note = r.ci_low, r.ci_high, ""
        if not (np.isfinite(low) and np.isfinite(high)):
            low, high, note = np.nan, np.nan, "bootstrap-intervallet er ubegrænset"
        if r.df is not None and r.method.startswith("cr2"):
            note = f"t-fordeling med {r.df:.1f} frihedsgrader (Bell-McCaffrey)".replace(".", ",")
        est = r.estimate
        if exponentiate:
            est, low, high = np.exp(est), np.exp(low), np.exp(high)
        rows.append({"estimate": est, "se": r.se, "ci_low": low, "ci_high": high, "p": r.p, "note": note})
    return pd.DataFrame(rows, index=pd.Index(terms, name="term"))


def design(kind: str, formula: str, data: pd.DataFrame, cluster: str) -> tuple:
    """(exog, endog, term names, cluster codes) of a statsmodels model on the formula's complete
    cases, with the cluster of each row used."""
    model = stats.FITTERS[kind](formula, data=stats.patsy_safe(data), missing="drop")
    codes = pd.factorize(data.loc[model.data.row_labels, cluster])[0]
    return np.asarray(model.exog), np.asarray(model.endog), list(model.exog_names), codes


def benefit_models(sample: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Footnote 3 with every method (`method`: ols, the report's; wild_cluster: the restricted
    wild cluster bootstrap p and the interval inverting it, se CR1; cr2: CR2 with Bell-McCaffrey
    degrees of freedom), clustered by `analysis.inference.cluster`."""
    inference = inference_spec(settings.config)
    classical = benefit_regression(sample, settings)
    formula, data = _benefit_design(sample, settings)
    X, y, terms, codes = design("ols", formula, data, inference["cluster"])
    g = int(codes.max()) + 1 if len(codes) else 0
    methods: dict[str, pd.DataFrame | str] = {}
    if (classical["note"] != "").any():
        methods = dict.fromkeys(OLS_METHODS[1:], "")
    elif g < 2:
        methods = dict.fromkeys(OLS_METHODS[1:], "færre end 2 tilbud: ingen klyngerobust inferens")
    else:
        boot, level = inference["bootstrap"], float(inference["level"])
        try:
            wild = cluster_inference.wild_cluster_terms(X, y, codes, reps=int(boot["reps"]), weights=boot["weights"],
                                                        seed=int(boot["seed"]), level=level)
            cr2 = cluster_inference.cr2_terms(X, y, codes, level=level)
            methods = {"wild_cluster": inference_frame(wild, terms), "cr2": inference_frame(cr2, terms)}
        except ValueError as err:               # a design not of full rank: the classical fit drops a column
            if "full column rank" not in str(err):
                raise
            methods = dict.fromkeys(OLS_METHODS[1:], "modellen er ikke fuld rang")
    return method_rows(classical, OLS_METHODS[0], methods, g)


def benefit_shares(benefit: pd.DataFrame, courses: pd.DataFrame) -> pd.DataFrame:
    """Figur 4-1: the answer shares with Wilson intervals, overall and by age group ('ved
    ikke' left out, as in the report)."""
    data = benefit[benefit["status"] == "answered"].merge(courses[["course_id", "age_group"]], on="course_id")
    rows = []
    for group, d in [(ALL, data)] + [(str(g), x) for g, x in data.groupby("age_group", sort=True, observed=True)]:
        for label in d["label"].drop_duplicates().sort_values():
            ci = stats.proportion_ci(int((d["label"] == label).sum()), len(d))
            rows.append({"age_group": group, "answer": label, **ci})
    return pd.DataFrame(rows)


def answer_shares(answers: pd.DataFrame, item_text: dict[str, str] | None = None) -> pd.DataFrame:
    """Shares of each answer per item with Wilson intervals, 'ved ikke' left out (Figur 4-5)."""
    data = answers[answers["status"] == "answered"]
    rows = []
    for item, d in data.groupby("item", sort=True):
        for label in d["label"].drop_duplicates().sort_values():
            ci = stats.proportion_ci(int((d["label"] == label).sum()), len(d))
            rows.append({"item": item, "label": (item_text or {}).get(item, item), "answer": label, **ci})
    return pd.DataFrame(rows)


def severity_shares(prepost: pd.DataFrame, spec: dict, scale: str = "clinical") -> pd.DataFrame:
    """Share of children in each severity band at start and end, among those with both
    (Figur 4-11's levels of concern)."""
    from puljeeval.scoring.instruments import bands
    d = prepost[prepost["scale"] == scale]
    rows = []
    for tp, col in (("start", "pre"), ("slut", "post")):
        band = pd.Series(bands(d[col].reset_index(drop=True), spec["bands"][scale]))
        for label in spec["bands"][scale]:
            ci = stats.proportion_ci(int((band == label["label"]).sum()), len(d))
            rows.append({"timepoint": tp, "band": label["label"], **ci})
    return pd.DataFrame(rows)
