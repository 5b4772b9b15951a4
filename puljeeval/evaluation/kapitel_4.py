"""Chapter 4 and Bilag 2 of the evaluation: the outcome summaries with intervals and paired
effect sizes, the perceived-benefit shares and regression (footnote 3), the parent statements
(Figur 4-5) and CORE-OM severity levels. Every function takes tables and config and returns
tables."""

from __future__ import annotations

import pandas as pd

from puljeeval.methods import stats
from puljeeval.scoring.change import CATEGORIES, RC_CLASSES
from puljeeval.settings import Settings

ALL = "ALLE"


def outcome_summary(prepost: pd.DataFrame, courses: pd.DataFrame) -> pd.DataFrame:
    """Per instrument, scale and age group (and ALLE): n, start and end means with intervals,
    mean oriented change with interval, paired effect sizes, the report's three categories and
    the reliable-change classes as shares with Wilson intervals."""
    data = prepost.merge(courses[["course_id", "age_group"]], on="course_id", how="left")
    rows = []
    for (instrument, scale), d in data.groupby(["instrument", "scale"], sort=False):
        # age groups in their configured order (an ordered categorical from cleaning)
        groups = [(str(g), x) for g, x in d.groupby("age_group", sort=True, observed=True)]
        if len(groups) > 1:
            groups = [(ALL, d)] + groups
        for group, x in groups:
            row = {"instrument": instrument, "scale": scale, "age_group": group, "n": len(x)}
            for col, name in (("pre", "start"), ("post", "end"), ("change", "change")):
                m = stats.mean_ci(x[col])
                row.update({f"{name}_mean": m["mean"], f"{name}_ci_low": m["ci_low"], f"{name}_ci_high": m["ci_high"]})
            sign = 1.0 if x["direction"].iloc[0] == "higher_better" else -1.0
            es = stats.paired_effect_sizes(x["pre"], x["post"])
            row.update({k: sign * es[k] for k in ("d_z", "d_av", "d_rm")})
            row["r_pre_post"] = es["r"]
            for cat in CATEGORIES:
                ci = stats.proportion_ci(int((x["category"].astype(str) == cat).sum()), len(x))
                row.update({f"{cat}_pct": ci["share_pct"], f"{cat}_ci_low": ci["ci_low"],
                            f"{cat}_ci_high": ci["ci_high"]})
            known = x["rc_class"].notna()
            if known.any():
                for cls in RC_CLASSES:
                    ci = stats.proportion_ci(int((x.loc[known, "rc_class"].astype(str) == cls).sum()), int(known.sum()))
                    row[f"{cls}_pct"] = ci["share_pct"]
            rows.append(row)
    return pd.DataFrame(rows)


def benefit_frame(benefit: pd.DataFrame, courses: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Answered benefit items (not 'ved ikke') with age and the regression controls."""
    spec = settings.config["analysis"]["benefit_regression"]
    answered = benefit[benefit["status"] == "answered"][["course_id", "value"]].rename(
        columns={"value": spec["outcome"]})
    cols = ["course_id", spec["predictor"], *spec["controls"]]
    data = answered.merge(courses[cols], on="course_id", how="inner")
    data[spec["outcome"]] = data[spec["outcome"]].astype("float64")
    return benefit_model_data(data, settings)


def benefit_model_data(data: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Outcome and predictor as numbers; unanswered controls as their own level when config
    says so."""
    spec = settings.config["analysis"]["benefit_regression"]
    numeric = [spec["outcome"], spec["predictor"]]
    return stats.prepare_controls(data, numeric + spec["controls"], numeric, spec["missing_controls"])


def benefit_regression(data: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """OLS of the standardised benefit (mean 0, SD 1 in the complete-case sample) on age with
    the report's controls (footnote 3 of chapter 4), with the model's parameters and residual
    degrees of freedom; withheld (rows kept, estimates empty, the reason in `note`) below
    `disclosure.min_residual_df`."""
    spec = settings.config["analysis"]["benefit_regression"]
    minimum = stats.min_residual_df(settings.config)
    needed = [spec["outcome"], spec["predictor"], *spec["controls"]]
    sample = data.dropna(subset=needed).copy()
    y = sample[spec["outcome"]]
    sample["z_outcome"] = (y - y.mean()) / y.std(ddof=1)
    formula = "z_outcome ~ " + " + ".join([spec["predictor"], *(f"C({c})" for c in spec["controls"])])
    return stats.fit_disclosed("ols", formula, sample, "oplevet_betydning", minimum)


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
