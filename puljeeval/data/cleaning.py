"""Cleaning: the report's data cleaning ('dubletter, fejloprettelser og testpersoner') as
documented rules, and the ledger in which every raw row appears once with its fate.

Rules, applied in this order to registrations (a course gets the first reason that matches):
1. test_person: the person is a test person: a person id of theirs matches
   `cleaning.test_person_id_pattern` or a CPR of theirs (on a course or in its background) is in
   `cleaning.test_cprs` (flag set at ingestion, `ingest.resolve_persons`, before identifiers are hashed);
2. misregistration_end_before_start: end date before start date;
3. misregistration_start_after_extraction: start date after `extraction_date`;
4. misregistration_age: age at course start outside `age.valid`;
5. duplicate: another remaining course has the same `cleaning.duplicate_key` values; the one
   with the lowest course_id is kept, ids compared by `id_sort_key` (numbers as numbers).
Rows of the other extracts follow their course: dropped with reason `course_dropped:<reason>`.
Questionnaire rows are kept with a treatment when an answer becomes a missing item.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from puljeeval.data import cpr as cprlib
from puljeeval.data.extracts import ExtractError, Violation
from puljeeval.settings import Settings

LEDGER_COLUMNS = ["extract", "row", "course_id", "fate", "reason", "treatment"]
TREATMENTS = ["", "blank_item", "dont_know", "dont_know_as_missing", "out_of_range_to_missing"]


def age_groups(age: pd.Series, groups: list[dict]) -> pd.Series:
    """Age group label for each age; <NA> where the age is unknown or in no group."""
    labels = [g["label"] for g in groups]
    out = pd.Series(pd.NA, index=age.index, dtype="string")
    for g in groups:
        out[(age >= g["min"]) & (age <= g["max"])] = g["label"]
    return out.astype(pd.CategoricalDtype(labels, ordered=True))


_RUNS = re.compile(r"[0-9]+|[^0-9]+")


def id_sort_key(course_id: str) -> tuple:
    """How course ids are ordered ('the lowest course id'): split into runs of digits and of
    other characters and compare run by run, digit runs as numbers and other runs as text
    (Unicode code points, case-sensitive); a digit run sorts before a text run at the same
    place. All-digit ids thus compare as numbers (987 < 1023) and F9 < F10. Ids equal under
    this (007 and 7) are ordered by their plain text, so the order is total."""
    runs = tuple((0, int(r), "") if r.isdigit() else (1, 0, r) for r in _RUNS.findall(course_id))
    return runs, course_id


def id_order(ids: pd.Series) -> pd.Series:
    """Rank of each id under `id_sort_key` (0 = lowest)."""
    ordered = sorted(pd.unique(ids.astype(str)), key=id_sort_key)
    rank = {v: i for i, v in enumerate(ordered)}
    return ids.astype(str).map(rank).astype("int64")


def drop_reasons(reg: pd.DataFrame, settings: Settings) -> pd.Series:
    """The first cleaning rule each course breaks; <NA> for courses that are kept."""
    cfg = settings.config
    lo, hi = cfg["age"]["valid"]
    extraction = pd.Timestamp(cfg["extraction_date"])
    rules = [
        ("test_person", reg["test_person"]),
        ("misregistration_end_before_start", (reg["end_date"] < reg["start_date"]).fillna(False)),
        ("misregistration_start_after_extraction", reg["start_date"] > extraction),
        ("misregistration_age", ((reg["age"] < lo) | (reg["age"] > hi)).fillna(False)),
    ]
    reason = pd.Series(pd.NA, index=reg.index, dtype="string")
    for name, mask in rules:
        reason[reason.isna() & mask.to_numpy()] = name
    key = cfg["cleaning"]["duplicate_key"]
    remaining = reg[reason.isna()]
    remaining = remaining.iloc[np.argsort(id_order(remaining["course_id"]).to_numpy(), kind="stable")]
    dup = remaining.duplicated(key, keep="first") & remaining[key].notna().all(axis=1)
    reason[dup[dup].index] = "duplicate"
    return reason


def clean_courses(reg: pd.DataFrame, bg: pd.DataFrame, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cleaned courses (one row per kept course, background merged) and their ledger rows."""
    cfg = settings.config
    bg_birth = reg[["course_id"]].merge(bg[["course_id", "birth_date"]], on="course_id", how="left")["birth_date"]
    birth = reg["cpr_birth_date"].fillna(pd.Series(bg_birth.to_numpy(), index=reg.index))
    reg = reg.assign(
        age=cprlib.age_at(birth, reg["start_date"]),
        age_source=np.where(reg["cpr_birth_date"].notna(), "cpr",
                            np.where(birth.notna(), "birth_date", "unknown")),
    )
    reason = drop_reasons(reg, settings)
    ledger = pd.DataFrame({"extract": "registrations", "row": reg["row"], "course_id": reg["course_id"],
                           "fate": np.where(reason.isna(), "kept", "dropped"),
                           "reason": reason.fillna(""), "treatment": ""})
    kept = reg[reason.isna().to_numpy()].drop(columns=["test_person", "cpr_birth_date", "row"])
    kept["age_group"] = age_groups(kept["age"], cfg["age"]["groups"])
    kept["status"] = np.where(kept["end_date"].isna(), "ongoing", "completed")
    unfunded = {(o, b["name"]) for o in settings.offer_codes for b in settings.branches(o)
                if not b["funded_by_pool"]}
    excluded = pd.Series([(o, b) in unfunded for o, b in zip(kept["offer"], kept["branch"].fillna(""), strict=True)],
                         index=kept.index)
    kept["counted_in_production"] = ~excluded if cfg["production"]["exclude_unfunded_branches"] else True
    background = bg.drop(columns=["row", "birth_date"])
    courses = kept.merge(background, on="course_id", how="left", indicator="has_background")
    courses["has_background"] = courses["has_background"] == "both"
    return courses.sort_values("course_id").reset_index(drop=True), ledger


def follow_courses(frame: pd.DataFrame, name: str, course_ledger: pd.DataFrame) -> pd.DataFrame:
    """Ledger rows of a per-course extract: each row shares its course's fate. Fate and reason are
    categorical from the start (the questionnaire extract has tens of rows per course)."""
    reasons = course_ledger["reason"].astype(str)
    levels = list(pd.unique(reasons))
    at = pd.Index(course_ledger["course_id"]).get_indexer(frame["course_id"])
    own = pd.Index(levels).get_indexer(reasons)
    codes = np.where(at >= 0, own[np.maximum(at, 0)], len(levels))     # a course not in the ledger: nan
    labels = np.array(["" if r == "" else "course_dropped:" + r for r in levels] + ["course_dropped:nan"],
                      dtype=object)
    dropped = (labels != "")[codes]
    return pd.DataFrame({"extract": name, "row": frame["row"], "course_id": frame["course_id"],
                         "fate": pd.Categorical.from_codes(dropped.astype("int8"), ["kept", "dropped"]),
                         "reason": pd.Categorical(labels[codes]), "treatment": ""})


def clean_responses(q: pd.DataFrame, settings: Settings, path: str) -> tuple[pd.DataFrame, pd.Series]:
    """Typed responses with an answer status, and the treatment of each row for the ledger.

    status: answered | dont_know | missing. 'ved ikke' stays its own status where the
    instrument allows it and is a missing item elsewhere; configured out-of-range codes become
    missing items; any other out-of-range code is an error naming the extract row.
    """
    instruments = settings.instruments["instruments"]
    qcfg = settings.config["questionnaires"]
    text = q["response"].fillna("")
    dk = text == qcfg["dont_know_code"]
    value = pd.to_numeric(text.where(~dk & (text != "")), errors="coerce").astype("Int64")
    lo = q["instrument"].map({k: v["range"][0] for k, v in instruments.items()})
    hi = q["instrument"].map({k: v["range"][1] for k, v in instruments.items()})
    out_of_range = value.notna() & ((value < lo) | (value > hi)).fillna(False)
    mapped = pd.Series(False, index=q.index)
    if out_of_range.any():
        known = [(ins, code) for ins, codes in qcfg["out_of_range_to_missing"].items() for code in codes]
        pairs = pd.MultiIndex.from_arrays([q.loc[out_of_range, "instrument"], value[out_of_range].astype(int)])
        mapped[out_of_range] = pairs.isin(known)
    bad = out_of_range & ~mapped
    if bad.any():
        raise ExtractError(path, [
            Violation(int(r), "response", f"out of range for {ins} (expected {instruments[ins]['range'][0]}"
                      f" to {instruments[ins]['range'][1]}); map it to missing in config "
                      f"'questionnaires.out_of_range_to_missing.{ins}' if it is a known code", str(v),
                      kind="out_of_range")
            for r, ins, v in zip(q.loc[bad, "row"], q.loc[bad, "instrument"], value[bad], strict=True)])
    dk_allowed = q["instrument"].map({k: bool(v["dont_know_allowed"]) for k, v in instruments.items()}).astype(bool)
    dk = dk.astype(bool)      # an empty extract keeps string dtypes, which `&` refuses
    # categorical codes, not arrays of strings: this extract has tens of rows per course
    status = np.select([dk & dk_allowed, value.notna() & ~out_of_range], [1, 0], 2).astype("int8")
    treatment = np.select([text == "", dk & dk_allowed, dk & ~dk_allowed, mapped], [1, 2, 3, 4], 0).astype("int8")
    responses = q.drop(columns=["response"]).assign(
        value=value.where(~out_of_range),
        status=pd.Categorical.from_codes(status, ["answered", "dont_know", "missing"]))
    return responses, pd.Series(pd.Categorical.from_codes(treatment, TREATMENTS), index=q.index)


def clean(interim: dict[str, pd.DataFrame], settings: Settings) -> dict[str, pd.DataFrame]:
    """All cleaned tables plus the ledger (every raw row of every extract exactly once)."""
    courses, reg_ledger = clean_courses(interim["registrations"], interim["background"], settings)
    kept_ids = set(courses["course_id"])
    parts = [reg_ledger]
    out = {"courses": courses}
    for name in ("background", "questionnaires", "fidelity"):
        frame = interim[name]
        led = follow_courses(frame, name, reg_ledger)
        if name == "questionnaires":
            responses, treatment = clean_responses(frame, settings, settings.config["extracts"][name]["path"])
            led["treatment"] = treatment.where(led["fate"].to_numpy() == "kept", "").to_numpy()
            out["responses"] = responses[responses["course_id"].isin(kept_ids)].drop(columns=["row"])
        elif name == "fidelity":
            out["fidelity"] = frame[frame["course_id"].isin(kept_ids)].drop(columns=["row"])
        parts.append(led)
    intention = interim["intention"]
    parts.append(pd.DataFrame({"extract": "intention", "row": intention["row"], "course_id": "",
                               "fate": "kept", "reason": "", "treatment": ""}))
    out["intention"] = intention.drop(columns=["row"])
    ledger = pd.concat(parts, ignore_index=True)
    for c in ("extract", "fate", "reason", "treatment"):
        ledger[c] = ledger[c].astype("category")
    ledger["row"] = ledger["row"].astype("int64")
    out["ledger"] = ledger[LEDGER_COLUMNS]
    for name, frame in out.items():
        out[name] = frame.reset_index(drop=True)
    return out


def ledger_summary(ledger: pd.DataFrame) -> pd.DataFrame:
    """Rows per extract, fate, reason and treatment: the account of every raw row."""
    return (ledger.groupby(["extract", "fate", "reason", "treatment"], observed=True)
            .size().rename("rows").reset_index()
            .sort_values(["extract", "fate", "reason", "treatment"]).reset_index(drop=True))
