"""Instrument scoring from item-level responses, driven by config/instruments.yaml.

Nothing about a particular instrument is written here: item keys, reversed items, scales,
prorating minimums, multipliers, rounding and bands all come from its config entry. The
scoring works on a (questionnaires x items) float matrix with NaN for missing items, so a
whole extract is scored with a handful of numpy operations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SCALE_SUFFIX_ANSWERED = "_answered"


def scale_items(spec: dict, scale: dict) -> list[str]:
    """The items a scale is made of; for a sum of scales, the items of its parts."""
    if "sum_of" in scale:
        return [i for part in scale["sum_of"] for i in scale_items(spec, spec["scales"][part])]
    items = scale.get("items", "all")
    return list(spec["items"]) if items == "all" else list(items)


def scored_instruments(instruments: dict) -> list[str]:
    return [k for k, v in instruments.items() if v.get("scales")]


def categorical_instruments(instruments: dict) -> list[str]:
    return [k for k, v in instruments.items() if v.get("categorical")]


def item_matrix(responses: pd.DataFrame, instrument: str, items: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """Answered item values as a float matrix (NaN = missing or 'ved ikke'), one row per
    course and timepoint, sorted by course and timepoint. Returns (keys, matrix).

    Keys are factorised and the values scattered with numpy: linear in the number of rows,
    which matters for the long extract (tens of millions of rows at benchmark scale).
    """
    r = responses[responses["instrument"] == instrument]
    course_code, courses = pd.factorize(r["course_id"], sort=True)
    tp_code, timepoints = pd.factorize(r["timepoint"], sort=True)
    row_key = course_code.astype(np.int64) * len(timepoints) + tp_code
    rows, row_of = np.unique(row_key, return_inverse=True)
    col = pd.Index(items).get_indexer(r["item"])
    answered = (r["status"] == "answered").to_numpy() & (col >= 0)
    matrix = np.full((len(rows), len(items)), np.nan)
    values = r["value"].to_numpy(dtype="float64", na_value=np.nan)
    matrix[row_of[answered], col[answered]] = values[answered]
    keys = pd.DataFrame({"course_id": pd.array(np.asarray(courses)[rows // len(timepoints)],
                                               dtype=r["course_id"].dtype),
                         "timepoint": np.asarray(timepoints, dtype=object)[rows % len(timepoints)].astype(str)})
    return keys, matrix


def baseline_items(responses: pd.DataFrame, instrument: str, spec: dict) -> pd.DataFrame:
    """Raw start item values (NaN = missing) indexed by course_id, for reliability estimates."""
    keys, values = item_matrix(responses[responses["timepoint"] == "start"], instrument, list(spec["items"]))
    return pd.DataFrame(values, index=keys["course_id"], columns=spec["items"])


def recode(values: np.ndarray, spec: dict) -> np.ndarray:
    """Reverse the reversed items: x -> lo + hi - x."""
    lo, hi = spec["range"]
    out = values.copy()
    cols = [spec["items"].index(i) for i in spec.get("reversed", [])]
    if cols:
        out[:, cols] = lo + hi - out[:, cols]
    return out


def round_half_up(x: np.ndarray) -> np.ndarray:
    """Round .5 away from zero for the non-negative scores here (Python's round() would
    round 2.5 to 2, the SDQ rules say 3)."""
    return np.floor(x + 0.5)


def score_matrix(values: np.ndarray, spec: dict) -> dict[str, np.ndarray]:
    """Every scale of the instrument for every row of raw item values (NaN = missing).

    Returns arrays per scale and per scale the number of answered items
    ('<scale>_answered'); a scale is NaN where fewer than its minimum were answered.
    """
    x = recode(values, spec)
    present = ~np.isnan(x)
    filled = np.where(present, x, 0.0)
    out: dict[str, np.ndarray] = {}
    pending = {}
    for name, scale in spec["scales"].items():
        if "sum_of" in scale:
            pending[name] = scale
            continue
        cols = [spec["items"].index(i) for i in scale_items(spec, scale)]
        answered = present[:, cols].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = filled[:, cols].sum(axis=1) / answered
        score = mean * scale["multiplier"]
        if scale.get("round_half_up"):
            score = round_half_up(score)
        out[name] = np.where(answered >= scale["min_answered"], score, np.nan)
        out[name + SCALE_SUFFIX_ANSWERED] = answered
    for name, scale in pending.items():
        out[name] = np.sum([out[s] for s in scale["sum_of"]], axis=0)   # NaN if any part is NaN
    return out


def bands(score: pd.Series, table: list[dict]) -> pd.Series:
    """Band label of each score; `max` is inclusive, `max_below` exclusive."""
    labels = [b["label"] for b in table]
    out = pd.Series(pd.NA, index=score.index, dtype="object")
    remaining = score.notna()
    for b in table:
        hit = remaining & ((score <= b["max"]) if "max" in b else (score < b["max_below"]))
        out[hit] = b["label"]
        remaining &= ~hit
    return pd.Categorical(out, categories=labels, ordered=True)


def score(responses: pd.DataFrame, instrument: str, spec: dict) -> pd.DataFrame:
    """Scores of one instrument: one row per course and timepoint with every scale, the
    answered-item counts and the configured bands."""
    keys, values = item_matrix(responses, instrument, list(spec["items"]))
    scores = pd.DataFrame(score_matrix(values, spec))
    out = pd.concat([keys, scores], axis=1)
    for scale, table in spec.get("bands", {}).items():
        out[f"{scale}_band"] = bands(out[scale], table)
    return out


def categorical(responses: pd.DataFrame, instrument: str, spec: dict) -> pd.DataFrame:
    """Answers of a categorical instrument with their labels; 'ved ikke' kept as its own
    category, missing items left out."""
    r = responses[(responses["instrument"] == instrument) & (responses["status"] != "missing")]
    out = r[["course_id", "timepoint", "item", "value", "status"]].copy()
    out["timepoint"] = out["timepoint"].astype(str)
    tables = spec["categorical"]   # per item, or one table for `all` items
    maps = {item: {int(k): v for k, v in (tables.get(item) or tables["all"]).items()} for item in spec["items"]}
    # typed, not inferred: a partition without this instrument's answers must join as text too
    out["label"] = pd.Series([maps[i].get(int(v)) if pd.notna(v) else "Ved ikke"
                              for i, v in zip(out["item"], out["value"], strict=True)], index=out.index, dtype="str")
    out["status"] = out["status"].astype(str)
    return out.reset_index(drop=True)
