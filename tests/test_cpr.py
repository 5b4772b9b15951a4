"""CPR century rule, birth dates, age at a date and pseudonyms.

Cases from ../shared/reference/stats-and-privacy.md §1.2-1.4 and python-stdnum's doctests.
"""

import pandas as pd
import pytest

from puljeeval.data import cpr


@pytest.mark.parametrize(("number", "born"), [
    ("2110620629", "1962-10-21"),   # python-stdnum doctest: digit 7 = 0 -> 19YY
    ("2110525629", "2052-10-21"),   # python-stdnum doctest: digit 7 = 5, YY <= 57 -> 20YY
    ("010136-4000", "2036-01-01"),  # digit 4, YY 36 -> 2000s
    ("010137-4000", "1937-01-01"),  # digit 4, YY 37 -> 1900s
    ("010136-9000", "2036-01-01"),  # digit 9 behaves like 4
    ("010137-9000", "1937-01-01"),
    ("010157-5000", "2057-01-01"),  # digits 5-8, YY <= 57 -> 2000s
    ("010158-8000", "1858-01-01"),  # digits 5-8, YY >= 58 -> 1800s
    ("010199-3000", "1999-01-01"),  # digits 0-3 -> 1900s always
    ("610110-4000", "2010-01-01"),  # replacement number: day + 60
    ("290200-4000", "2000-02-29"),  # leap day in a leap year
])
def test_birth_date_follows_the_century_rule(number, born):
    assert cpr.birth_date(pd.Series([number]))[0] == pd.Timestamp(born)


@pytest.mark.parametrize("number", ["290201-4000", "310494-1234", "001010-1234", "011310-1234"])
def test_impossible_embedded_dates_give_no_birth_date(number):
    assert pd.isna(cpr.birth_date(pd.Series([number]))[0])


def test_age_counts_completed_years_and_leap_day_birthdays_on_1_march():
    born = pd.to_datetime(pd.Series(["2012-02-29", "2012-02-29", "2000-06-15", "2000-06-15"]))
    ref = pd.to_datetime(pd.Series(["2021-02-28", "2021-03-01", "2017-06-14", "2017-06-15"]))
    assert cpr.age_at(born, ref).tolist() == [8, 9, 16, 17]


def test_pseudonyms_are_keyed_stable_and_hide_the_number():
    values = pd.Series(["0101104321", "0101104321", "1506005555", None])
    a = cpr.pseudonymise(values, b"key-one-0123456789", "cpr")
    b = cpr.pseudonymise(values, b"key-two-0123456789", "cpr")
    assert a[0] == a[1] and a[0] != a[2]
    assert a[0] != b[0]                    # another key, another pseudonym
    assert pd.isna(a[3])
    assert "0101104321" not in a[0] and a[0].startswith("cpr:")
