"""The twin's own scoring of the answers it writes. The twin needs scale scores in two places
(the low-wellbeing trait of the dropout ranking, and the changes that Bilag 4's planted effects
re-assign), and scores them here from the item banks rather than with the pipeline's scoring
engine, so that an error in that engine cannot be mirrored in the data it is tested on."""

from __future__ import annotations

import numpy as np
import pandas as pd


def scale_items(spec: dict, scale: dict) -> list[str]:
    """The items of a scale (a sum of scales: the items of its parts)."""
    if "sum_of" in scale:
        return [i for part in scale["sum_of"] for i in scale_items(spec, spec["scales"][part])]
    items = scale.get("items", "all")
    return list(spec["items"]) if items == "all" else list(items)


def scale_score(values: np.ndarray, spec: dict, name: str) -> np.ndarray:
    """One scale per row of raw item values (NaN = missing): the instrument manual's rule as the
    item bank states it (reversed items recoded, mean of answered items x multiplier when enough
    are answered, rounded half up where stated; a sum of scales is missing if any part is)."""
    scale = spec["scales"][name]
    if "sum_of" in scale:
        return np.sum([scale_score(values, spec, part) for part in scale["sum_of"]], axis=0)
    lo, hi = spec["range"]
    cols = [spec["items"].index(i) for i in scale_items(spec, scale)]
    x = values[:, cols].copy()
    rev = [k for k, c in enumerate(cols) if spec["items"][c] in spec.get("reversed", [])]
    x[:, rev] = lo + hi - x[:, rev]
    answered = (~np.isnan(x)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.nansum(x, axis=1) / answered * scale["multiplier"]
    if scale.get("round_half_up"):
        score = np.floor(score + 0.5)
    return np.where(answered >= scale["min_answered"], score, np.nan)


def scores(q: pd.DataFrame, name: str, spec: dict, scale: str) -> pd.Series:
    """A scale's score per (course_id, timepoint) from the twin's long questionnaire rows; codes
    outside the range ('ved ikke', out-of-range dirt) are missing items."""
    rows = q[q["instrument"] == name]
    value = pd.to_numeric(rows["response"], errors="coerce")
    value = value.where(value.between(*spec["range"]))
    wide = (rows.assign(value=value).groupby(["course_id", "timepoint", "item"], sort=True)["value"].first()
            .unstack("item").reindex(columns=spec["items"]))
    return pd.Series(scale_score(wide.to_numpy(dtype="float64"), spec, scale), index=wide.index, name=scale)


def scored_change(q: pd.DataFrame, name: str, spec: dict, scale: str) -> pd.Series:
    """Oriented change (end - start, positive = better) of one scale per course with both."""
    s = scores(q, name, spec, scale)
    start = s.xs("start", level="timepoint")
    end = s.xs("slut", level="timepoint")
    both = start.index.intersection(end.index)
    change = end[both] - start[both]
    direction = spec["scales"][scale].get("direction", spec["direction"])
    change = change if direction == "higher_better" else -change
    return change.dropna()
