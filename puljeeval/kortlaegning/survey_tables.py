"""The 2016 mapping's tables computed from its survey extracts (issue 15, item 4).

`config/kortlaegning/survey_tables.yaml` says, in the data contract's vocabulary, how each table is
counted (its header documents the keys); the printed tables' row and column labels come from
`config/kortlaegning/published.yaml`, and every one of them must resolve to the contract's codes.
`compute` returns one row per cell (COLUMNS): the count, the N the report prints, the denominator
of the share and the unrounded share. Nothing here rounds: the reproduction and the pages round
to the report's precision.

How answers are counted (docs/kortlaegning_survey_tables.md): a multi-choice question is answered
when any of its 0/1 columns is filled ("ved ikke" is an option and is in the base; a blank row is
not answered and is outside the base of tables whose base is `answered`); a single-choice answer
"ved ikke" is a category like the others.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from puljeeval.kortlaegning import contract
from puljeeval.kortlaegning.published import Published
from puljeeval.settings import SAFE_LOADER

SPEC = Path(__file__).resolve().parents[2] / "config" / "kortlaegning" / "survey_tables.yaml"
UNITS = ("tilbud", "indsatser", "tilbud_aktoerer", "breddesurvey", "nettoliste", "filialer")
# The units that carry their offer's columns.
OFFER_CHILDREN = ("indsatser", "tilbud_aktoerer")
AXIS_KINDS = ("all", "variable", "options", "sum", "units")
BASES = ("group", "answered", "table", "ticks")
SENSITIVE = ("none", "staff", "magnitude")
COLUMNS = ["table", "row", "column", "row_order", "column_order", "split_axis", "unit", "count", "n", "denominator",
           "pct", "group_size", "is_total", "excluded", "printed", "sensitive", "top"]
# A sum's largest contributions, for the dominance rule of docs/kortlaegning_disclosure.md (rule 4):
# the sum of the TOP_CONTRIBUTORS largest, the most the rule's n (1 or 2) may ask for, so that it
# hides at least what it should whichever n is configured.
TOP_CONTRIBUTORS = 2
_TABLE_KEYS = {"unit", "where", "rows", "columns", "measure", "base", "n", "exclude", "sensitive", "title"}


class SurveyTableError(ValueError):
    """A table specification that cannot be computed; the message names the file, table and key."""


def load_spec(path: str | Path = SPEC) -> dict[str, Any]:
    """The specification, its top-level shape checked (the tables are checked when computed)."""
    path = Path(path)
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    if not isinstance(doc, dict) or not isinstance(doc.get("tables"), dict):
        raise SurveyTableError(f"{path}: expected a mapping with a 'tables' mapping")
    unknown = set(doc) - {"derived", "shared", "tables", "statements"}
    if unknown:
        raise SurveyTableError(f"{path}: unknown top-level keys {sorted(unknown)} "
                               "(expected derived, shared, tables, statements)")
    for sid, st in (doc.get("statements") or {}).items():
        if not (isinstance(st, dict) and st.get("measure") in ("count", "pct", "n") and st.get("cells")
                and all(isinstance(c, list) and len(c) == 3 for c in st["cells"])):
            raise SurveyTableError(f"{path}: statements.{sid}: expected {{measure: count|pct|n, cells: "
                                   f"[[table, row, column], ...]}}, found {st!r}")
    for tid, t in doc["tables"].items():
        bad = set(t) - _TABLE_KEYS
        if bad:
            raise SurveyTableError(f"{path}: tables.{tid}: unknown keys {sorted(bad)} (expected {sorted(_TABLE_KEYS)})")
    doc["path"] = path
    return doc


def _text(values: pd.Series) -> pd.Series:
    """Codes as text for comparison with the specification ('0'/'1' for the 0/1 columns)."""
    return values.astype("string")


def _mask(frame: pd.DataFrame, where: Mapping[str, list], at: str) -> pd.Series:
    keep = pd.Series(True, index=frame.index)
    for column, codes in (where or {}).items():
        if column not in frame.columns:
            raise SurveyTableError(f"{at}: where: no column {column!r} in the extract")
        keep &= _text(frame[column]).isin([str(c) for c in codes]).fillna(False).astype(bool)
    return keep


def derive(extracts: Mapping[str, pd.DataFrame], derived: Mapping[str, Any], at: str) -> dict[str, pd.DataFrame]:
    """The extracts with the derived variables added to their unit (in the specification's order)."""
    out = {name: frame.copy() for name, frame in extracts.items()}
    for name, spec in (derived or {}).items():
        frame = out[spec["unit"]]
        inside = _mask(frame, spec.get("when"), f"{at}: derived.{name}")
        if "bands" in spec:
            total = frame[spec["sum_of"]].fillna(0).sum(axis=1)
            values = pd.Series(spec.get("otherwise"), index=frame.index, dtype="object")
            for code, (low, high) in spec["bands"].items():
                hit = inside & (total >= low) & (total <= (np.inf if high is None else high))
                values[hit] = code
        elif "positive" in spec:
            values = pd.Series(None, index=frame.index, dtype="object")
            values[inside] = np.where(frame.loc[inside, spec["positive"]].fillna(0) > 0, "yes", "no")
        else:
            raise SurveyTableError(f"{at}: derived.{name}: expected 'bands' or 'positive'")
        frame[name] = pd.Series(values, index=frame.index).astype("string")
    return out


def unit_frames(extracts: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The extracts the tables count, interventions and actor answers joined with their offer."""
    out = dict(extracts)
    offers = extracts["tilbud"].drop(columns=["row"], errors="ignore")
    for name in OFFER_CHILDREN:
        child = extracts[name]
        extra = [c for c in offers.columns if c not in child.columns or c == "offer_id"]
        out[name] = child.merge(offers[extra], on="offer_id", how="left", validate="many_to_one")
    return out


@functools.cache
def _schema_props(unit: str) -> dict[str, dict]:
    """The unit's schema properties (read, never changed: one copy per process)."""
    return contract.schema(unit)["properties"]


def _option_columns(unit: str, prefix: str) -> list[str]:
    props = _schema_props(unit)
    return [c for c, p in props.items() if p.get("x-kind") == "boolean" and (prefix == "*" or c.startswith(prefix))]


def _code_labels(unit: str, column: str) -> dict[str, str]:
    """code -> label of a single-choice column (the schema's x-labels; codes themselves otherwise)."""
    prop = _schema_props(unit).get(column)
    if prop is None:
        return {}
    labels = prop.get("x-labels") or {}
    return {str(code): labels.get(code, str(code)) for code in prop.get("enum", labels)}


@dataclass
class Axis:
    """One axis of a table: its labels in order, what each label selects, which label is a total."""

    kind: str
    labels: list[str]
    select: dict[str, Any]  # label -> codes (variable), column (options, sum), unit name (units), None (all)
    total: str | None
    column: str | None = None  # the single-choice column (variable) or the question's option columns
    options: tuple[str, ...] = ()


def _axis(spec: Mapping[str, Any], unit: str, printed: list[str] | None, total: str | None, at: str) -> Axis:
    kinds = [k for k in AXIS_KINDS if k in spec]
    if len(kinds) != 1:
        raise SurveyTableError(f"{at}: expected exactly one of {list(AXIS_KINDS)}, got {sorted(spec)}")
    kind = kinds[0]
    given = spec.get("map") or {}
    if kind == "all":
        label = spec["all"]
        return Axis(kind, [label] if printed is None else printed, {label: None}, None)
    if kind in ("sum", "units"):
        select = dict(spec[kind])
        labels = printed if printed is not None else list(select)
        return Axis(kind, labels, select, None)
    if kind == "variable":
        column = spec["variable"]
        by_label = {label: [code] for code, label in _code_labels(unit, column).items()}
        by_code = {code: [code] for code in _code_labels(unit, column)}
        select = {label: [str(c) for c in codes] for label, codes in given.items()}
        labels = printed if printed is not None else [*select, *(lab for lab in by_label if lab not in select)]
        for label in labels:
            if label not in select and label != total:
                codes = by_label.get(label) or by_code.get(label)
                if codes is None:
                    raise SurveyTableError(f"{at}: printed label {label!r} is neither in `map` nor a label or code of "
                                           f"{unit}.{column} ({sorted(by_label)})")
                select[label] = codes
        return Axis(kind, labels, select, total, column=column)
    columns = _option_columns(unit, spec["options"])
    if not columns:
        raise SurveyTableError(f"{at}: options: no 0/1 column of {unit} starts with {spec['options']!r}")
    props = _schema_props(unit)
    by_label = {props[c].get("x-label", c): c for c in columns}
    select = dict(given)
    for label, column in select.items():
        if column not in columns:
            raise SurveyTableError(f"{at}: map: {label!r} -> {column!r} is not one of the question's columns {columns}")
    labels = printed if printed is not None else [*select, *(lab for lab in by_label if lab not in select)]
    for label in labels:
        if label not in select and label != total:
            if label not in by_label and label not in columns:
                raise SurveyTableError(f"{at}: printed label {label!r} is neither in `map` nor the x-label of one of "
                                       f"{columns}")
            select[label] = by_label.get(label, label)
    return Axis(kind, labels, select, total, options=tuple(columns))


def _indicator(frame: pd.DataFrame, axis: Axis, label: str) -> pd.Series:
    """Per unit: 1 when it is in the category `label` of the measured axis (the magnitude for `sum`)."""
    if axis.kind == "all":
        return pd.Series(1.0, index=frame.index)
    if axis.kind == "sum":
        return frame[axis.select[label]].astype("float64").fillna(0.0)
    if axis.kind == "options":
        if label == axis.total:
            return frame[list(axis.options)].fillna(0).astype(int).max(axis=1).astype(float)
        return frame[axis.select[label]].fillna(0).astype(float)
    codes = ([c for lab, cs in axis.select.items() if lab != axis.total for c in cs] if label == axis.total
             else axis.select[label])
    return _text(frame[axis.column]).isin(codes).fillna(False).astype(float)


def _answered(frame: pd.DataFrame, axis: Axis) -> pd.Series:
    if axis.kind == "options":
        return frame[list(axis.options)].notna().any(axis=1)
    if axis.kind == "variable":
        return frame[axis.column].notna()
    return pd.Series(True, index=frame.index)


def _group(frame: pd.DataFrame, axis: Axis, label: str) -> pd.Series:
    """The units of a splitting axis' group (its total label: those in any of its categories)."""
    return _indicator(frame, axis, label).astype(bool)


def table_cells(tid: str, spec: Mapping[str, Any], frames: Mapping[str, pd.DataFrame],
                published: Mapping[str, Any] | None, at: str) -> pd.DataFrame:
    """One table's cells (COLUMNS) from the unit frames; `published` is the printed table (None
    for a breakdown the report did not print)."""
    where_at = f"{at}: tables.{tid}"
    unit = spec.get("unit")
    if unit not in UNITS:
        raise SurveyTableError(f"{where_at}: unit {unit!r}: expected one of {list(UNITS)}")
    if published is None and "title" not in spec:
        raise SurveyTableError(f"{where_at}: not a printed table (not in published.yaml), so it needs a `title`")
    measure = spec.get("measure")
    if measure not in ("rows", "columns"):
        raise SurveyTableError(f"{where_at}: measure: expected rows or columns, got {measure!r}")
    base = spec.get("base", "group")
    if base not in BASES:
        raise SurveyTableError(f"{where_at}: base: expected one of {list(BASES)}, got {base!r}")
    sensitive = spec.get("sensitive", "none")
    if sensitive not in SENSITIVE:
        raise SurveyTableError(f"{where_at}: sensitive: expected one of {list(SENSITIVE)}, got {sensitive!r}")
    frame = frames[unit]
    frame = frame[_mask(frame, spec.get("where"), where_at)]
    totals = (published or {}).get("totals") or {}
    axes = {}
    for name, total_key in (("rows", "row"), ("columns", "column")):
        if name not in spec:
            raise SurveyTableError(f"{where_at}: missing key {name!r}")
        printed = published[name] if published is not None else None
        axes[name] = _axis(spec[name], unit, printed, totals.get(total_key) or spec[name].get("total"),
                           f"{where_at}.{name}")
    measured, split = axes[measure], axes["columns" if measure == "rows" else "rows"]
    exclude = set(spec.get("exclude") or [])
    missing = exclude - set(measured.labels)
    if missing:
        raise SurveyTableError(f"{where_at}: exclude: {sorted(missing)} are not labels of the measured axis")
    answered = _answered(frame, measured)
    indicators = ({} if measured.kind == "units" else
                  {label: _indicator(frame, measured, label) for label in measured.labels})
    # the measured categories in the base and the ticks (not a total, not printed as a count only)
    kept = [lab for lab in measured.labels if lab not in exclude and lab != measured.total]
    ticked_excluded = pd.Series(False, index=frame.index)
    for lab in exclude:
        ticked_excluded |= indicators[lab].astype(bool)
    rows = []
    for g_order, g_label in enumerate(split.labels):
        in_group = _group(frame, split, g_label)
        if base == "table":
            n = int(len(frame))
        elif spec.get("n") == "answered_not_excluded":
            n = int((in_group & answered & ~ticked_excluded).sum())
        elif base == "answered":
            n = int((in_group & answered).sum())
        else:
            n = int(in_group.sum())
        ticks = float(sum(indicators[lab][in_group].sum() for lab in kept)) if base == "ticks" else np.nan
        for m_order, m_label in enumerate(measured.labels):
            if measured.kind == "units":
                # Figur 3-1's N: the offers, and the branches they are divided into
                count = len(frames[measured.select[m_label]]) if measured.select[m_label] != unit else len(frame)
                n_cell, denominator = len(frame), np.nan
            else:
                count = float(indicators[m_label][in_group].sum())
                n_cell = n
                denominator = ticks if base == "ticks" else float(n)
            top = (float(indicators[m_label][in_group].nlargest(TOP_CONTRIBUTORS).sum())
                   if measured.kind == "sum" else np.nan)
            is_excluded = m_label in exclude
            pct = (100 * count / denominator if denominator and not is_excluded and not np.isnan(denominator)
                   else np.nan)
            r_label, c_label = (m_label, g_label) if measure == "rows" else (g_label, m_label)
            r_order, c_order = (m_order, g_order) if measure == "rows" else (g_order, m_order)
            rows.append({"table": tid, "row": r_label, "column": c_label, "row_order": r_order,
                         "column_order": c_order, "split_axis": "columns" if measure == "rows" else "rows",
                         "unit": "medarbejder" if measured.kind == "sum" else unit,
                         "count": int(round(count)), "n": n_cell, "denominator": denominator, "pct": pct,
                         "group_size": int(in_group.sum()),
                         "is_total": m_label == measured.total or g_label == split.total,
                         "excluded": is_excluded, "printed": published is not None, "sensitive": sensitive,
                         "top": top})
    return pd.DataFrame(rows, columns=COLUMNS)


def compute(extracts: Mapping[str, pd.DataFrame], pub: Published,
            spec: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Every table of the specification from the extracts (typed frames as the contract reads
    them), in the specification's order; every printed table with cells must be specified."""
    spec = spec or load_spec()
    at = str(spec.get("path", SPEC))
    with_cells = {tid for tid, t in pub.tables.items() if t["cells"]}
    unspecified = sorted(with_cells - set(spec["tables"]))
    if unspecified:
        raise SurveyTableError(f"{at}: tables: the printed tables {unspecified} are not specified")
    frames = unit_frames(derive(extracts, spec.get("derived"), at))
    parts = [table_cells(tid, t, frames, pub.tables.get(tid), at) for tid, t in spec["tables"].items()]
    out = pd.concat(parts, ignore_index=True)
    out["n"] = out["n"].astype("int64")
    return out



def statement_values(spec: Mapping[str, Any], cells: pd.DataFrame) -> dict[str, float]:
    """The prose numbers that cite no single cell, computed from the cells (`statements` of the
    specification); a cited cell that does not exist is an error naming the statement."""
    at = str(spec.get("path", SPEC))
    index = cells.set_index(["table", "row", "column"])
    out = {}
    for sid, st in (spec.get("statements") or {}).items():
        keys = [tuple(c) for c in st["cells"]]
        missing = [k for k in keys if k not in index.index]
        if missing:
            raise SurveyTableError(f"{at}: statements.{sid}: no cell {missing[0]}")
        count = float(sum(index.loc[k, "count"] for k in keys))
        n = float(index.loc[keys[0], "n"])
        out[sid] = {"count": count, "n": n, "pct": 100 * count / n if n else float("nan")}[st["measure"]]
    return out
