"""Instrument scoring from item-level responses. Item banks and rules come from
config/instruments.yaml; nothing about an instrument is written here.

The walking skeleton scores WHO-5 (needed for Figur 3-3); the scoring issue adds the others.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def wide_items(responses: pd.DataFrame, instrument: str, items: list[str],
               timepoint: str | None = None) -> pd.DataFrame:
    """One row per course (and timepoint), one column per item; <NA> where not answered."""
    r = responses[responses["instrument"] == instrument]
    if timepoint is not None:
        r = r[r["timepoint"] == timepoint]
    index = ["course_id"] if timepoint is not None else ["course_id", "timepoint"]
    values = r["value"].where(r["status"] == "answered")
    wide = (r.assign(value=values)
            .pivot(index=index, columns="item", values="value")
            .reindex(columns=items))
    return wide.astype("Int64")


def score_who5(wide: pd.DataFrame, spec: dict) -> pd.DataFrame:
    """WHO-5: raw sum of the five items times the multiplier (0-100).

    The score is missing when more than `scoring.max_missing_items` items are missing; with
    missing items allowed, the raw sum is prorated (item mean x number of items).
    """
    rules = spec["scoring"]
    n_items = len(spec["items"])
    answered = wide.notna().sum(axis=1)
    raw = wide.sum(axis=1, skipna=True).astype("float64")
    prorated = raw / answered.replace(0, np.nan) * n_items
    ok = answered >= n_items - rules["max_missing_items"]
    score = (prorated * rules["multiplier"]).where(ok)
    return pd.DataFrame({"who5_items_answered": answered, "who5_score": score,
                         "who5_low": (score <= rules["low_wellbeing_max"]).where(score.notna())},
                        index=wide.index)
