"""The unit of analysis of chapter 4's pairs, footnote 3 and footnote 5's samples: courses or
children (config `analysis_unit`, docs/analysis_unit.md).

The report's text speaks of children ("børn og unge"), but its samples are courses: a child with
two courses counts twice (the default twin reproduces the printed n's only when courses are
counted). `unit: course` keeps every qualifying course, as the report does; the few-cluster
inference clusters by offer, so a child's courses in one offer are within one cluster, and the
children whose courses span offers are counted in `unit_summary`. `unit: child` keeps one
course per child: the first or last (`child_course`) of the child's courses that qualify for
the analysis at hand (ordered by start date, then course id), so a child is never lost because
an earlier course had no measurement.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from puljeeval.settings import ConfigError

UNITS = ("course", "child")
RULES = ("first", "last")


def spec(config: Mapping) -> tuple[str, str]:
    """(unit, child_course) from config `analysis_unit`, checked."""
    try:
        cfg = config["analysis_unit"]
        unit, rule = cfg["unit"], cfg["child_course"]
    except KeyError as err:
        raise ConfigError(f"config key 'analysis_unit.{err.args[0]}' is missing: the unit of analysis "
                          f"(unit: {' | '.join(UNITS)}; child_course: {' | '.join(RULES)})") from None
    if unit not in UNITS:
        raise ConfigError(f"config key 'analysis_unit.unit': expected one of {UNITS}, got {unit!r}")
    if rule not in RULES:
        raise ConfigError(f"config key 'analysis_unit.child_course': expected one of {RULES}, got {rule!r}")
    return unit, rule


def one_per_child(frame: pd.DataFrame, courses: pd.DataFrame, rule: str) -> pd.DataFrame:
    """The rows of `frame` (one per course, with `course_id`) of each child's first or last
    course by start date, then course id. `courses` supplies person_key and start_date. Row
    order of the kept rows is preserved."""
    if rule not in RULES:
        raise ValueError(f"rule must be one of {RULES}, got {rule!r}")
    if frame["course_id"].duplicated().any():
        raise ValueError("one_per_child expects one row per course")
    info = courses.set_index("course_id")[["person_key", "start_date"]]
    missing = frame.loc[~frame["course_id"].isin(info.index), "course_id"]
    if len(missing):
        raise ValueError(f"courses {list(missing[:5])} are not in the cleaned courses table")
    keyed = info.reindex(frame["course_id"]).reset_index()
    keyed["_row"] = range(len(frame))
    keyed = keyed.sort_values(["person_key", "start_date", "course_id"], kind="stable")
    chosen = keyed.groupby("person_key", sort=False).nth(0 if rule == "first" else -1)["_row"]
    return frame.iloc[sorted(chosen)]


def apply(frame: pd.DataFrame, courses: pd.DataFrame, config: Mapping) -> pd.DataFrame:
    """`frame` restricted to the configured unit: unchanged for courses, one_per_child for
    children."""
    unit, rule = spec(config)
    return frame if unit == "course" else one_per_child(frame, courses, rule)


def unit_summary(frame: pd.DataFrame, courses: pd.DataFrame, cluster: str = "offer") -> dict:
    """How many rows, children, children with more than one row, and children whose rows span
    more than one `cluster` (their courses are not nested in one cluster)."""
    info = courses.set_index("course_id")[["person_key", cluster]]
    keyed = info.reindex(frame["course_id"])
    per_child = keyed.groupby("person_key")
    return {"rows": int(len(frame)), "children": int(per_child.ngroups),
            "children_with_several": int((per_child.size() > 1).sum()),
            "children_across_clusters": int((per_child[cluster].nunique() > 1).sum())}


def describe_da(config: Mapping) -> str:
    """One Danish sentence for the pages: which unit the analyses count."""
    unit, rule = spec(config)
    if unit == "course":
        return ("Analysens enhed er forløbet, som i rapporten: et barn med flere forløb, der opfylder "
                "analysens kriterier, indgår med hvert af dem.")
    which = "første" if rule == "first" else "seneste"
    return (f"Analysens enhed er barnet: har et barn flere forløb, der opfylder analysens kriterier, indgår kun det "
            f"{which} af dem.")
