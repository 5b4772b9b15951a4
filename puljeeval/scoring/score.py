"""The scoring stage: every instrument scored per course and timepoint, the categorical
outcomes, and one pre/post table with change, categories and reliable-change classes.

Partitioned (issue 17): the per-course work (item matrices, scores, categorical answers, the
start items for the sample's alpha) is done per partition of courses, `score_part`; `join`
concatenates the partitions and computes the pre/post table, which needs the whole sample (the
baseline SD and Cronbach's alpha of reliable change). Partitions are contiguous ranges of
course ids in sorted order (`cuts`), and every per-course table is sorted by course id, so the
joined tables equal the unpartitioned ones row for row, whatever the number of partitions.
`score_all` is the one-partition case.
"""

from __future__ import annotations

import pandas as pd

from puljeeval.scoring import change, instruments
from puljeeval.settings import Settings

TIMEPOINTS = ("start", "slut")
BASELINE = "baseline_"          # a partition's start items of an instrument: baseline_<instrument>


def output_names(instrument_specs: dict) -> list[str]:
    """Names of the stage's tables, in a stable order (they become file names)."""
    return part_names(instrument_specs, baseline=False) + ["prepost"]


def part_names(instrument_specs: dict, baseline: bool = True) -> list[str]:
    """Names of a partition's tables: the per-course outputs and (`baseline`) each scored
    instrument's start items."""
    scored = instruments.scored_instruments(instrument_specs)
    names = [f"{i}_{tp}" for i in scored for tp in TIMEPOINTS]
    names += [f"{i}_slut" for i in instruments.categorical_instruments(instrument_specs)]
    return names + ([BASELINE + i for i in scored] if baseline else [])


def part_input(part: int, name: str) -> str:
    """The join's input key of partition `part`'s table `name`."""
    return f"part{part}_{name}"


def cuts(course_ids: pd.Series, parts: int) -> list[str]:
    """The parts - 1 course ids where partitions 1..parts-1 begin: the sorted distinct ids split
    into `parts` runs as equal as possible (with fewer ids than parts some partitions are empty)."""
    if parts < 1:
        raise ValueError(f"partitions must be at least 1, got {parts}")
    ids = sorted(pd.unique(course_ids.astype(str)))
    starts = [len(ids) * p // parts for p in range(1, parts)]
    return [ids[s] if ids else "" for s in starts]          # no courses: every partition empty


def part_filter(bounds: list[str], part: int) -> list[tuple] | None:
    """pyarrow/pandas read filters selecting partition `part`'s course ids (None: all rows)."""
    if not 0 <= part <= len(bounds):
        raise ValueError(f"partition {part} out of range 0..{len(bounds)}")
    rows = ([("course_id", ">=", bounds[part - 1])] if part > 0 else []) + \
        ([("course_id", "<", bounds[part])] if part < len(bounds) else [])
    return rows or None


def score_part(responses: pd.DataFrame, settings: Settings) -> dict[str, pd.DataFrame]:
    """One partition's per-course tables (`part_names`), each sorted by course id."""
    specs = settings.instruments["instruments"]
    out: dict[str, pd.DataFrame] = {}
    for name in instruments.scored_instruments(specs):
        spec = specs[name]
        scores = instruments.score(responses, name, spec)
        for tp in TIMEPOINTS:
            out[f"{name}_{tp}"] = scores[scores["timepoint"] == tp].reset_index(drop=True)
        out[BASELINE + name] = instruments.baseline_items(responses, name, spec).reset_index()
    for name in instruments.categorical_instruments(specs):
        table = instruments.categorical(responses, name, specs[name])
        # by course, then as delivered: the same order however the courses are partitioned
        out[f"{name}_slut"] = table.sort_values("course_id", kind="stable").reset_index(drop=True)
    return out


def join(parts: list[dict[str, pd.DataFrame]], courses: pd.DataFrame, settings: Settings) -> dict[str, pd.DataFrame]:
    """The stage's tables (`output_names`) from the partitions' tables, in partition order."""
    specs = settings.instruments["instruments"]
    whole = {name: pd.concat([p[name] for p in parts], ignore_index=True)
             for name in part_names(specs)}
    changes = []
    for name in instruments.scored_instruments(specs):
        scores = pd.concat([whole[f"{name}_{tp}"] for tp in TIMEPOINTS], ignore_index=True)
        baseline = whole.pop(BASELINE + name).set_index("course_id")
        changes.append(change.prepost(scores, name, specs[name], courses, baseline))
    whole["prepost"] = pd.concat(changes, ignore_index=True)
    return whole


def score_all(responses: pd.DataFrame, courses: pd.DataFrame, settings: Settings) -> dict[str, pd.DataFrame]:
    """Every table of the stage in one partition."""
    return join([score_part(responses, settings)], courses, settings)
