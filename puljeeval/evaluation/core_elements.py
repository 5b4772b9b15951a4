"""Core elements (chapter 5, Bilag 4): each child's intention and intensity per element, the
analysis samples of footnote 5 and the descriptive overview of Figur 10-1/5/9/13.

- intention: 1 when the child's offer chose to work with the element (intention extract);
- intensity: the element's fidelity ratings over the child's registrations, aggregated by the
  configured rule (`core_elements.aggregation`); an element never rated for a child who has
  registrations was not worked with and gets `core_elements.unrated` (0);
- analysis sample per outcome: footnote 5's five criteria in order, each counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from puljeeval.evaluation import unit
from puljeeval.methods import stats
from puljeeval.settings import Settings

MISSING_LEVEL = stats.MISSING_LEVEL
CRITERIA = [
    ("measured", "Der foreligger en måling på barnet/den unge"),
    ("both", "Der foreligger både en før- og en eftermåling"),
    ("fidelity", "Der foreligger målinger på fidelitet i brugen af kerneelementer"),
    ("background", "Der er udfyldt baggrundsoplysninger"),
    ("age", "Alder er oplyst, og barnet/den unge hører til analysens aldersgrupper"),
]


def intention_column(element: str) -> str:
    return f"intention_{element}"


def intensity_column(element: str) -> str:
    return f"intensity_{element}"


def intensity(fidelity: pd.DataFrame, elements: list[str], aggregation: str, unrated: float) -> pd.DataFrame:
    """One row per course with registrations: `n_registrations` and one intensity column per
    element (see the module docstring for the rule)."""
    unknown = sorted(set(fidelity["element"].dropna().unique()) - set(elements))
    if unknown:
        raise ValueError(f"fidelity: element codes {unknown} are not in core_elements.yaml (expected {elements})")
    regs = fidelity.groupby("course_id", sort=True)["date"].nunique().rename("n_registrations")
    ordered = fidelity.sort_values(["course_id", "element", "date"], kind="stable")
    grouped = ordered.groupby(["course_id", "element"], sort=True)["rating"]
    if aggregation == "mean":
        agg = grouped.mean()
    elif aggregation == "max":
        agg = grouped.max()
    elif aggregation == "last":
        agg = grouped.last()
    else:
        raise ValueError(f"config key 'core_elements.aggregation': '{aggregation}' is not mean, max or last")
    wide = agg.unstack("element").reindex(index=regs.index, columns=elements).astype("float64")
    wide = wide.fillna(float(unrated))
    wide.columns = [intensity_column(e) for e in elements]
    out = pd.concat([regs, wide], axis=1)
    out.index.name = "course_id"
    return out.reset_index()


def intention_rows(intention: pd.DataFrame) -> pd.DataFrame:
    """The intention extract with its intervention type as text, '' for the offer's default row
    (a missing column or a blank): how intention_per_course and Bilag 1's matrix key it."""
    rows = intention.copy()
    if "intervention_type" not in rows:
        rows["intervention_type"] = ""
    rows["intervention_type"] = rows["intervention_type"].fillna("").astype(str)
    return rows


def course_types(courses: pd.DataFrame) -> pd.Series:
    """Each course's intervention type as text, '' when it has none: the key it looks its offer's
    intention up by."""
    if "intervention_type" not in courses:
        return pd.Series("", index=courses.index)
    return courses["intervention_type"].astype(object).fillna("").astype(str)


def intention_per_course(courses: pd.DataFrame, intention: pd.DataFrame, elements: list[str]) -> pd.DataFrame:
    """Each course's 0/1 intention per element from its offer's choices: the row for the
    course's offer and intervention type, else the offer's row with a blank type. A course
    with neither is an error naming the offer and element: the extract must be complete."""
    rows = intention_rows(intention)
    wide = rows.pivot(index=["offer", "intervention_type"], columns="element", values="chosen")
    wide = wide.reindex(columns=elements)
    own = pd.MultiIndex.from_arrays([courses["offer"].astype(str), course_types(courses)])
    default = pd.MultiIndex.from_arrays([courses["offer"].astype(str), pd.Series("", index=courses.index)])
    values = wide.reindex(own).to_numpy(dtype="float64")
    fallback = wide.reindex(default).to_numpy(dtype="float64")
    values = np.where(np.isnan(values), fallback, values)
    missing = np.argwhere(np.isnan(values))
    if len(missing):
        pairs = sorted({(own[r][0], own[r][1] or "(blank)", elements[c]) for r, c in missing})
        raise ValueError(f"intention: no choice registered for (offer, intervention_type, element) {pairs[:5]}"
                         f"{' ...' if len(pairs) > 5 else ''} and no row with a blank intervention type")
    out = pd.DataFrame(values.astype("int64"), columns=[intention_column(e) for e in elements])
    out.insert(0, "course_id", courses["course_id"].to_numpy())
    return out


def measured_courses(scores: list[pd.DataFrame], scale: str) -> pd.Index:
    """Courses with a score on `scale` at some timepoint."""
    ids = [s.loc[s[scale].notna(), "course_id"] for s in scores]
    return pd.Index(pd.concat(ids).unique())


def criteria(outcome: dict, courses: pd.DataFrame, measured: pd.Index, prepost: pd.DataFrame,
             fidelity_courses: pd.Index) -> tuple[dict[str, pd.Series], pd.DataFrame]:
    """Footnote 5's criteria as one boolean per course (keys of CRITERIA), and the outcome's
    pairs (pre, post, oriented change)."""
    pairs = prepost[(prepost["instrument"] == outcome["instrument"]) & (prepost["scale"] == outcome["scale"])
                    & prepost["change"].notna()]
    checks = {
        "measured": courses["course_id"].isin(measured),
        "both": courses["course_id"].isin(pairs["course_id"]),
        "fidelity": courses["course_id"].isin(fidelity_courses),
        "background": courses["has_background"].astype(bool),
        "age": courses["age"].notna() & courses["age_group"].astype(object).isin(outcome["age_groups"]),
    }
    return checks, pairs


def analysis_sample(outcome: dict, courses: pd.DataFrame, measured: pd.Index, prepost: pd.DataFrame,
                    fidelity_courses: pd.Index, child_course: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Footnote 5's criteria in order. Returns the sample (courses with `change`, the oriented
    change of the outcome's scale) and the flow: remaining and dropped per criterion. With
    `child_course` (first | last; config `analysis_unit`, unit child) a last step keeps one
    qualifying course per child (puljeeval/evaluation/unit.py)."""
    checks, pairs = criteria(outcome, courses, measured, prepost, fidelity_courses)
    keep = pd.Series(True, index=courses.index)
    rows = [{"outcome": outcome["key"], "step": 0, "criterion": "courses",
             "label": "Forløb efter datarens", "remaining": int(keep.sum()), "dropped": 0}]
    for step, (name, label) in enumerate(CRITERIA, start=1):
        before = int(keep.sum())
        keep &= checks[name].to_numpy()
        rows.append({"outcome": outcome["key"], "step": step, "criterion": name, "label": label,
                     "remaining": int(keep.sum()), "dropped": before - int(keep.sum())})
    kept = courses[keep.to_numpy()]
    if child_course is not None:
        before = len(kept)
        kept = unit.one_per_child(kept, courses, child_course)
        rows.append({"outcome": outcome["key"], "step": len(CRITERIA) + 1, "criterion": "one_per_child",
                     "label": "Ét forløb pr. barn", "remaining": len(kept), "dropped": before - len(kept)})
    sample = kept.merge(pairs[["course_id", "pre", "post", "change"]], on="course_id", how="left",
                        validate="one_to_one")
    return sample.reset_index(drop=True), pd.DataFrame(rows)


def standardised(change: pd.Series) -> pd.Series:
    """The dependent variable: mean 0 and SD 1 in the sample."""
    y = change.astype("float64")
    return (y - y.mean()) / y.std(ddof=1)


def model_frame(sample: pd.DataFrame, intentions: pd.DataFrame, intensities: pd.DataFrame,
                settings: Settings) -> pd.DataFrame:
    """The sample with the standardised outcome `z` (mean 0, SD 1 in the sample), intention and
    intensity columns, and the controls ready for a formula (unanswered as a level or NaN)."""
    cfg = settings.config["core_elements"]
    frame = (sample.merge(intentions, on="course_id", how="left", validate="one_to_one")
             .merge(intensities, on="course_id", how="left", validate="one_to_one"))
    frame["z"] = standardised(frame["change"])
    # the attrition predictors that are course variables (not the baseline score, which only the
    # weight model's candidates carry) get the same coding as in the weight model
    course_vars = [p for p in cfg["attrition"]["predictors"] if p in frame]
    return stats.prepare_controls(frame, cfg["controls"] + course_vars, cfg["numeric_controls"],
                                  cfg["missing_controls"])


def descriptive(frame: pd.DataFrame, outcome: dict, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Share of the sample with intention per element (Wilson interval) and the distribution
    of intensities over the configured bins, split by intention."""
    elements = settings.element_codes
    labels = {e["code"]: e["label"] for e in settings.core_elements["core_elements"]}
    n = len(frame)
    shares = []
    for el in elements:
        k = int(frame[intention_column(el)].sum())
        ci = stats.proportion_ci(k, n)
        shares.append({"outcome": outcome["key"], "element": el, "label": labels[el], "n": n, "with_intention": k,
                       "share_pct": 100 * k / n if n else np.nan,
                       "ci_low_pct": ci["ci_low"], "ci_high_pct": ci["ci_high"],
                       "mean_intensity": float(frame[intensity_column(el)].mean()) if n else np.nan})
    edges = settings.config["core_elements"]["histogram_edges"]
    bins = [("0", lambda x: x == edges[0])]
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        bins.append((f"{lo:g}-{hi:g}".replace(".", ","), lambda x, lo=lo, hi=hi: (x > lo) & (x <= hi)))
    hist = []
    for el in elements:
        x = frame[intensity_column(el)]
        intended = frame[intention_column(el)] == 1
        for order, (label, test) in enumerate(bins):
            hit = test(x)
            hist.append({"outcome": outcome["key"], "element": el, "label": labels[el], "order": order, "bin": label,
                         "with_intention": int((hit & intended).sum()),
                         "without_intention": int((hit & ~intended).sum())})
    hist = pd.DataFrame(hist)
    outside = len(frame) * len(elements) - int(hist[["with_intention", "without_intention"]].sum().sum())
    if outside:
        raise ValueError(f"core_elements.histogram_edges {edges}: {outside} intensities fall outside the bins")
    return pd.DataFrame(shares), hist
