"""Change from course start to end, per child, instrument and scale.

- `change` is oriented so that improvement is positive for every scale (post - pre when a
  higher score is better, pre - post otherwise).
- `category`: the report's fremgang / status quo / tilbagegang (change > 0, = 0, < 0).
- On each instrument's configured scales, beyond the report: the Jacobson-Truax reliable
  change (psyctc.org/stats/rcsc1.htm: S_diff = SD_pre * sqrt(2) * sqrt(1 - r), reliable when
  |change| > 1.96 * S_diff) or a fixed published threshold (reliable when |change| >= it), and
  clinically significant change: recovered = reliable improvement from the clinical into the
  non-clinical range of the configured cut-off.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from puljeeval.scoring import instruments

Z95 = 1.959963984540054
CATEGORIES = ["fremgang", "status quo", "tilbagegang"]
RC_CLASSES = ["reliable_improvement", "no_reliable_change", "reliable_deterioration"]
CSC_CLASSES = ["recovered", "improved", "unchanged", "deteriorated"]


def cronbach_alpha(items: np.ndarray) -> float:
    """Cronbach's alpha of complete rows of an item matrix."""
    x = items[~np.isnan(items).any(axis=1)]
    k = x.shape[1]
    if len(x) < 2 or k < 2:
        return float("nan")
    total_var = x.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total_var))


def jacobson_truax_threshold(sd_pre: float, reliability: float) -> float:
    """Smallest change (in score units) that is reliable at the 95% level."""
    return Z95 * sd_pre * np.sqrt(2) * np.sqrt(1 - reliability)


def rc_class(change: pd.Series, threshold: float, strict: bool) -> pd.Categorical:
    reliable = (change.abs() > threshold) if strict else (change.abs() >= threshold)
    cls = np.select([reliable & (change > 0), reliable & (change < 0)], RC_CLASSES[::2], RC_CLASSES[1])
    return pd.Categorical(np.where(change.isna(), None, cls), categories=RC_CLASSES)


def is_clinical(score: pd.Series, cutoff: pd.Series | float, direction: str) -> pd.Series:
    """In the clinical range: at or beyond the cut-off on the worse side."""
    return (score <= cutoff) if direction == "higher_better" else (score >= cutoff)


def cutoffs(rule: dict, frame: pd.DataFrame) -> pd.Series | float:
    """A scalar cut-off, or one per child from gender and age bands."""
    if "value" in rule:
        return rule["value"]
    out = pd.Series(np.nan, index=frame.index)
    for band in rule["by_gender_age"]:
        hit = (frame["gender"] == band["gender"]) & frame["age"].between(band["min_age"], band["max_age"])
        out[hit.fillna(False).to_numpy()] = band["value"]
    return out


def prepost(scores: pd.DataFrame, instrument: str, spec: dict, courses: pd.DataFrame,
            baseline_items: pd.DataFrame | None = None) -> pd.DataFrame:
    """Start and end side by side for every scale with both, one row per course and scale.

    `scores` is the output of instruments.score; `courses` supplies gender and age for
    cut-offs that depend on them; `baseline_items` (raw start item values indexed by
    course_id) gives the sample alpha where config asks for one.
    """
    scales = [s for s in spec["scales"]]
    pre = scores[scores["timepoint"] == "start"].set_index("course_id")
    post = scores[scores["timepoint"] == "slut"].set_index("course_id")
    both = pre.index.intersection(post.index).sort_values()
    person = courses.set_index("course_id").reindex(both)[["gender", "age"]]
    rows = []
    for scale in scales:
        direction = spec["scales"][scale].get("direction", spec["direction"])
        a, b = pre.loc[both, scale], post.loc[both, scale]
        ok = a.notna() & b.notna()
        a, b = a[ok], b[ok]
        change = (b - a) if direction == "higher_better" else (a - b)
        frame = pd.DataFrame({"course_id": a.index, "instrument": instrument, "scale": scale,
                              "direction": direction, "pre": a.to_numpy(), "post": b.to_numpy(),
                              "change": change.to_numpy()})
        frame["category"] = pd.Categorical(
            np.select([np.isclose(frame["change"], 0), frame["change"] > 0], CATEGORIES[1::-1], CATEGORIES[2]),
            categories=CATEGORIES)
        frame = _reliable_change(frame, spec, scale, direction, person.loc[a.index], baseline_items)
        rows.append(frame)
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def _reliable_change(frame: pd.DataFrame, spec: dict, scale: str, direction: str, person: pd.DataFrame,
                     baseline_items: pd.DataFrame | None) -> pd.DataFrame:
    frame["rc_threshold"] = np.nan
    frame["reliability"] = np.nan
    frame["rc_class"] = pd.Categorical([None] * len(frame), categories=RC_CLASSES)
    frame["csc_class"] = pd.Categorical([None] * len(frame), categories=CSC_CLASSES)
    rule = spec.get("reliable_change", {}).get(scale)
    if rule is None or frame.empty:
        return frame
    if rule["method"] == "fixed":
        threshold, strict, reliability = float(rule["threshold"]), False, np.nan
    else:
        reliability = rule["reliability"]
        if reliability == "sample_alpha":
            if baseline_items is None:
                raise ValueError(f"{scale}: config asks for a sample alpha but no baseline items were given")
            sub = [spec["items"].index(i) for i in instruments.scale_items(spec, spec["scales"][scale])]
            values = baseline_items.loc[frame["course_id"], spec["items"]].to_numpy(dtype="float64")
            reliability = cronbach_alpha(instruments.recode(values, spec)[:, sub])
        threshold = jacobson_truax_threshold(frame["pre"].std(ddof=1), float(reliability))
        strict = True
    frame["rc_threshold"] = threshold
    frame["reliability"] = reliability
    frame["rc_class"] = rc_class(frame["change"], threshold, strict)
    cut_rule = spec.get("clinical_cutoff", {}).get(scale)
    if cut_rule is not None:
        cut = cutoffs(cut_rule, person.reset_index(drop=True))
        pre_clin = is_clinical(frame["pre"], cut, direction)
        post_clin = is_clinical(frame["post"], cut, direction)
        frame["clinical_cutoff"] = cut
        frame["pre_clinical"] = pre_clin.where(pd.Series(cut, index=frame.index).notna())
        rc = frame["rc_class"].astype(str)
        classes = pd.Series(np.select(
            [(rc == "reliable_improvement") & pre_clin & ~post_clin, rc == "reliable_improvement",
             rc == "reliable_deterioration"], ["recovered", "improved", "deteriorated"], "unchanged"),
            index=frame.index)
        # no class where the cut-off is unknown (YP-CORE: gender unknown, age outside its bands):
        # "improved" would claim the child did not cross a line nobody knows
        known = pd.Series(cut, index=frame.index).notna()
        frame["csc_class"] = pd.Categorical(classes.where(known), categories=CSC_CLASSES)
    return frame
