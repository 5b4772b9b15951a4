"""Danish CPR numbers: century rule, birth date, age, and keyed pseudonyms.

Rules from ../shared/reference/stats-and-privacy.md §1, checked against cpr.dk and
python-stdnum's `stdnum/dk/cpr.py`: the century follows from digit 7 and the two-digit year;
replacement numbers (erstatningspersonnumre) add 60 to the day; modulus 11 is not a validity
check since 2007, so it is not used to reject numbers.
"""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd


def normalise(cpr: pd.Series) -> pd.Series:
    """Strip the optional hyphen and surrounding blanks."""
    return cpr.str.strip().str.replace("-", "", regex=False)


def century(yy: np.ndarray, d7: np.ndarray) -> np.ndarray:
    """Century (1800, 1900 or 2000) from the two-digit year and the 7th digit."""
    yy = np.asarray(yy)
    d7 = np.asarray(d7)
    return np.select(
        [d7 <= 3, np.isin(d7, (4, 9)), (d7 >= 5) & (d7 <= 8)],
        [np.full_like(yy, 1900),
         np.where(yy <= 36, 2000, 1900),
         np.where(yy <= 57, 2000, 1800)],
        default=-1,
    )


def birth_date(cpr: pd.Series) -> pd.Series:
    """Birth date of each (normalised, 10-digit) CPR; NaT where the embedded date is impossible.

    Replacement numbers (day + 60) are decoded to their real day.
    """
    c = normalise(cpr)
    dd = pd.to_numeric(c.str.slice(0, 2), errors="coerce")
    mm = pd.to_numeric(c.str.slice(2, 4), errors="coerce")
    yy = pd.to_numeric(c.str.slice(4, 6), errors="coerce")
    d7 = pd.to_numeric(c.str.slice(6, 7), errors="coerce")
    dd = dd.where(dd <= 60, dd - 60)
    year = century(yy.fillna(0).astype(int).to_numpy(), d7.fillna(0).astype(int).to_numpy()) + yy
    parts = pd.DataFrame({"year": year, "month": mm, "day": dd}, index=c.index)
    return pd.to_datetime(parts, errors="coerce")


def age_at(born: pd.Series, ref: pd.Series) -> pd.Series:
    """Completed years at `ref`; a 29 February birthday counts as reached on 1 March."""
    before = (ref.dt.month < born.dt.month) | (
        (ref.dt.month == born.dt.month) & (ref.dt.day < born.dt.day))
    return (ref.dt.year - born.dt.year - before.astype("Int64")).astype("Int64")


def pseudonymise(values: pd.Series, key: bytes, prefix: str) -> pd.Series:
    """HMAC-SHA256 of each value under `key`, as '<prefix>:<first 20 hex digits>'.

    80 bits keep collisions negligible for any cohort this size while staying readable.
    Blank values stay blank.
    """
    def one(v: object) -> object:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or v == "":
            return pd.NA
        return prefix + ":" + hmac.new(key, str(v).encode(), hashlib.sha256).hexdigest()[:20]

    uniques = pd.unique(values.dropna())
    mapping = {u: one(u) for u in uniques}
    return values.map(mapping).astype("string")
