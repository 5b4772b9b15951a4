"""Danish CPR numbers: century rule, birth date, age, and keyed pseudonyms.

Rules from ../shared/reference/stats-and-privacy.md §1, checked against cpr.dk and
python-stdnum's `stdnum/dk/cpr.py`: the century follows from digit 7 and the two-digit year;
replacement numbers (erstatningspersonnumre) add 60 to the day; modulus 11 is not a validity
check since 2007, so it is not used to reject numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

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


# --------------------------------------------------------------------------- spotting CPR numbers

# A CPR number somewhere in a value: six digits (DDMMYY, possibly as DD.MM.YY or DD-MM-YY), an
# optional separator (dash, en/em dash, blank, non-breaking space, dot, slash, " - "), four
# digits, not inside a longer run of digits; or nine digits (a CPR whose leading zero Excel
# dropped). Errs on the side of yes: it only decides whether a value may be printed.
_SEP = r"(?:\s*[-\u2010-\u2015./]\s*|[\s\u00a0])?"
_CPR_IN_TEXT = re.compile(r"(?<![0-9])([0-9]{2}[./-]?[0-9]{2}[./-]?[0-9]{2})" + _SEP + r"([0-9]{4})(?![0-9])"
                          r"|(?<![0-9])([0-9]{9})(?![0-9])")
# 1.01104E+09 and the like: a CPR number that Excel turned into a float.
_CPR_AS_FLOAT = re.compile(r"[0-9](?:[.,][0-9]+)?[eE]\+?0?[89](?![0-9])")
_NON_ASCII_DIGIT = re.compile(r"[^\x00-\x7f]")


def _plausible_ddmm(six: str) -> bool:
    day, month = int(six[:2]), int(six[2:4])
    return (1 <= day <= 31 or 61 <= day <= 91) and 1 <= month <= 12


def ascii_digits(text: str) -> str:
    """Digits of any script (fullwidth, Arabic-Indic, ...) as ASCII, so none hides a CPR number."""
    if not _NON_ASCII_DIGIT.search(text):
        return text
    return "".join(str(unicodedata.digit(ch)) if ch.isdigit() and unicodedata.digit(ch, None) is not None
                   else ch for ch in text)


def looks_like_cpr(text: str) -> bool:
    """Whether `text` may contain a CPR number (10 digits with a plausible day and month,
    optionally DDMMYY-SSSS, or 9 digits missing a leading zero). Errs on the side of yes:
    it decides only whether a value may be printed, never whether a CPR number is valid."""
    text = ascii_digits(str(text))
    if _CPR_AS_FLOAT.search(text):
        return True
    for m in _CPR_IN_TEXT.finditer(text):
        six = re.sub(r"[./-]", "", m.group(1)) if m.group(1) else "0" + m.group(3)[:5]
        if _plausible_ddmm(six):
            return True
    return False


def looks_like_cpr_series(values: pd.Series) -> pd.Series:
    """`looks_like_cpr` for a column of strings; a quick pattern prefilter keeps it fast."""
    candidates = values.str.contains(r"[0-9]{6}|[eE]\+?0?[89]|[^\x00-\x7f]", regex=True, na=False)
    out = pd.Series(False, index=values.index)
    if candidates.any():
        # each distinct value once: long extracts repeat their ids on every row
        hits = values[candidates]
        verdict = {v: looks_like_cpr(v) for v in hits.unique()}
        out[candidates] = hits.map(verdict).astype(bool)
    return out
