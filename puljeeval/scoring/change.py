"""Change from course start to end, per child, instrument and scale.

- `change` is oriented so that improvement is positive for every scale (post - pre when a
  higher score is better, pre - post otherwise).
- `category`: the report's fremgang / status quo / tilbagegang (change > 0, = 0, < 0).
- On each instrument's configured scales, beyond the report: the Jacobson-Truax reliable
  change (psyctc.org/stats/rcsc1.htm: S_diff = SD_pre * sqrt(2) * sqrt(1 - r), reliable when
  |change| > 1.96 * S_diff) with the configured reliability r (a published one with its source,
  or the sample's Cronbach alpha) or a fixed published threshold (reliable when |change| >= it):
  `rc_class`; and beside it, always, the Jacobson-Truax classification with the sample's own
  alpha, `rc_class_sample_alpha`, so the two can be compared (a sample alpha makes the rates
  depend on the sample: issue 14). Both use the baseline SD of the scale's pairs (`rc_sd_pre`);
  each records its reliability and threshold. Clinically significant change (from `rc_class`):
  recovered = reliable improvement from the clinical into the non-clinical range of the
  configured cut-off.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from puljeeval.scoring import instruments
from puljeeval.settings import ConfigError

Z95 = 1.959963984540054
CATEGORIES = ["fremgang", "status quo", "tilbagegang"]
RC_CLASSES = ["reliable_improvement", "no_reliable_change", "reliable_deterioration"]
# The suffix of the columns of the classification with the sample's own alpha (rc_class_sample_alpha,
# and the outcome table's <class>_sample_alpha_pct), beside the configured reliability's.
SAMPLE_ALPHA = "_sample_alpha"
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
    """Reliable improvement / no reliable change / reliable deterioration by |change| against
    the threshold (strict: >, Jacobson-Truax; else >=, a fixed published threshold). No class
    where the change or the threshold is unknown."""
    if not np.isfinite(threshold):
        return pd.Categorical([None] * len(change), categories=RC_CLASSES)
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


def _reliability(rule: dict, where: str) -> float | str:
    """The configured reliability: 'sample_alpha' or a number in (0, 1)."""
    value = rule.get("reliability")
    if value == "sample_alpha":
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ConfigError(f"instruments.yaml '{where}.reliability': expected a number in (0, 1) or "
                          f"'sample_alpha', got {value!r}")
    return float(value)


def _reliable_change(frame: pd.DataFrame, spec: dict, scale: str, direction: str, person: pd.DataFrame,
                     baseline_items: pd.DataFrame | None) -> pd.DataFrame:
    for col in ("rc_sd_pre", "rc_threshold", "reliability", "rc_threshold_sample_alpha", "reliability_sample_alpha"):
        frame[col] = np.nan
    frame["rc_class"] = pd.Categorical([None] * len(frame), categories=RC_CLASSES)
    frame["rc_class" + SAMPLE_ALPHA] = pd.Categorical([None] * len(frame), categories=RC_CLASSES)
    frame["csc_class"] = pd.Categorical([None] * len(frame), categories=CSC_CLASSES)
    rule = spec.get("reliable_change", {}).get(scale)
    if rule is None or frame.empty:
        return frame
    where = f"instruments.{frame['instrument'].iloc[0]}.reliable_change.{scale}"
    sd_pre = float(frame["pre"].std(ddof=1))
    alpha = np.nan
    if baseline_items is not None:          # the sample's alpha: the comparison, whatever the rule
        sub = [spec["items"].index(i) for i in instruments.scale_items(spec, spec["scales"][scale])]
        values = baseline_items.loc[frame["course_id"], spec["items"]].to_numpy(dtype="float64")
        alpha = cronbach_alpha(instruments.recode(values, spec)[:, sub])
        threshold_alpha = jacobson_truax_threshold(sd_pre, alpha)
        frame["reliability_sample_alpha"] = alpha
        frame["rc_threshold_sample_alpha"] = threshold_alpha
        frame["rc_class" + SAMPLE_ALPHA] = rc_class(frame["change"], threshold_alpha, strict=True)
    if rule["method"] == "fixed":
        threshold, strict, reliability = float(rule["threshold"]), False, np.nan
    elif rule["method"] == "jacobson_truax":
        reliability = _reliability(rule, where)
        if reliability == "sample_alpha":
            if baseline_items is None:
                raise ValueError(f"{scale}: config asks for a sample alpha but no baseline items were given")
            reliability = alpha
        threshold = jacobson_truax_threshold(sd_pre, float(reliability))
        strict = True
    else:
        raise ConfigError(f"instruments.yaml '{where}.method': expected jacobson_truax or fixed, "
                          f"got {rule['method']!r}")
    frame["rc_sd_pre"] = sd_pre
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
