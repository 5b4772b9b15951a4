"""The twin's children behind the courses: who has several courses, and how each course names
its child (CPR on the course or in the background, the source system's person id, or both).

The published counts are all counts of courses, so grouping courses into persons changes none
of them as long as each course keeps its age: courses are joined only when one birth date gives
every course of the person its age at start, and never two courses of a person in the same
offer with the same start date (that would be a duplicate). Shares come from the twin config's
`persons:` block; everything else here is structure.

Classes of course, by what identifies the child:
- `cpr`: known age, a CPR number (on the course; for some TUBA courses only in the background
  measurement, or on the course together with a TUBA person id);
- `birth_date`: TUBA courses with a person id and the birth date in the background, no CPR
  anywhere (ages only from the background);
- `anonymous`: TUBA courses with a person id and nothing else (age unknown).
A person's courses are all of one class.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SHAPE = {
    "max_courses": 4,             # most courses of one child
    "edge_birthdays": 5,          # courses (scale 1) of each edge age (0, and the oldest) started on the birthday
    "attempts_per_link": 6,       # draws of a later course before giving up on one link
}


def years_before(dates: pd.Series | np.ndarray, years: np.ndarray) -> np.ndarray:
    """The same day `years` earlier (29 February to 28 February in a common year)."""
    d = pd.DatetimeIndex(pd.to_datetime(dates))
    year = d.year.to_numpy() - np.asarray(years)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    day = np.where((d.month == 2) & (d.day == 29) & ~leap, 28, d.day)
    return pd.to_datetime(pd.DataFrame({"year": year, "month": d.month, "day": day})).to_numpy().astype("datetime64[D]")


def age_at(born: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Completed years (a 29 February birthday is reached on 1 March), the twin's own arithmetic."""
    b, r = pd.DatetimeIndex(born), pd.DatetimeIndex(ref)
    before = (r.month < b.month) | ((r.month == b.month) & (r.day < b.day))
    return (r.year - b.year - before.astype(int)).to_numpy()


def birth_window(start: np.ndarray, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Earliest and latest birth date giving exactly `age` completed years at `start`."""
    lo = years_before(start, age + 1) + np.timedelta64(1, "D")
    hi = years_before(start, age)
    return lo, hi


def link(courses: pd.DataFrame, members: np.ndarray, n_links: int, overlap_share: float,
         rng: np.random.Generator, window: tuple[np.ndarray, np.ndarray] | None,
         gender: np.ndarray) -> np.ndarray:
    """Person number (a course position) of each course: `n_links` courses of `members` (positions)
    joined to an earlier course's person, either after it ended (consecutive, any offer) or, with
    probability `overlap_share`, while it runs (overlapping, another offer)."""
    n = len(courses)
    person = np.arange(n)
    size = np.ones(n, dtype=int)
    start = courses["start_date"].to_numpy().astype("datetime64[D]")
    end = courses["end_date"].to_numpy().astype("datetime64[D]")
    offer = courses["offer"].to_numpy()
    lo = window[0].copy() if window is not None else None
    hi = window[1].copy() if window is not None else None
    sex = np.asarray(gender, dtype=object).copy()
    slots: dict[int, set] = {}
    members = np.asarray(members)
    done = 0
    for _ in range(n_links * SHAPE["attempts_per_link"]):
        if done >= n_links:
            break
        j = int(rng.choice(members))
        if size[person[j]] > 1 or person[j] != j:
            continue
        p = person[members]
        ok = (p != j) & (size[p] < SHAPE["max_courses"]) & (start[members] < start[j])
        overlapping = rng.random() < overlap_share
        if overlapping:
            e = end[members]
            ok &= (np.isnat(e) | (e >= start[j])) & (offer[members] != offer[j])
        else:
            ok &= ~np.isnat(end[members]) & (end[members] < start[j])
        if lo is not None:
            ok &= (np.maximum(lo[p], lo[j]) <= np.minimum(hi[p], hi[j]))
        ok &= (sex[p] == "") | (sex[j] == "") | (sex[p] == sex[j])
        cand = np.flatnonzero(ok)
        if cand.size == 0:
            continue
        target = int(p[int(rng.choice(cand))])
        if (offer[j], start[j]) in slots.get(target, {(offer[target], start[target])}):
            continue
        slots.setdefault(target, {(offer[target], start[target])}).add((offer[j], start[j]))
        person[j] = target
        size[target] += 1
        size[j] = 0
        if lo is not None:
            lo[target] = max(lo[target], lo[j])
            hi[target] = min(hi[target], hi[j])
        if sex[target] == "":
            sex[target] = sex[j]
        done += 1
    # every member of a person points at the person's first course
    return person


def persons_summary(courses: pd.DataFrame) -> dict[str, int]:
    """Counts for the log and the tests: persons with several courses, by how they are known."""
    per = courses.groupby("person").size()
    several = per.index[per > 1]
    kind = courses.groupby("person")["id_class"].first()
    return {"persons": int(len(per)), "several_courses": int(len(several)),
            "several_by_cpr": int((kind[several] == "cpr").sum()),
            "several_by_source_id": int((kind[several] != "cpr").sum())}
