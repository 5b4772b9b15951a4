"""The one Danish formatter: every number a reader sees (page prose, page tables, CSV, workbook,
figure labels and axis ticks) is rounded here, once, half-up, at the precision the publication
registry gives its column (config/tables.yaml).

Rounding is half-up on the shortest decimal representation of the float (0.0145 -> 0.015,
-2.5 -> -3: halves away from zero), as a reader rounding the printed digits by hand would.
Python's round() and Babel round half to even, and on the binary value (round(0.0145, 3) is
0.014), which is why neither is used for anything shown.

Hidden and missing cells are shown by markers (`Markers`, from the registry's `markers`), never as
blanks: a blank in a CSV or a workbook would look like "not applicable" whatever it meant.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

# Cell statuses: why a cell shows no number. "" is a shown number.
SHOWN = ""
PRIMARY = "primary"            # the count itself is below the threshold
SECONDARY = "secondary"        # hidden so that another hidden cell cannot be recovered
NOT_APPLICABLE = "not_applicable"  # not measured, or does not apply to the group
NOT_ESTIMATED = "not_estimated"    # a model or statistic that was not estimated (reason in the row)
STATUSES = (SHOWN, PRIMARY, SECONDARY, NOT_APPLICABLE, NOT_ESTIMATED)
HIDDEN = (PRIMARY, SECONDARY)

# p-values below this are written "<0,001", as Danish reports write them.
P_FLOOR = 0.001
P_DECIMALS = 3


def half_up(value: float, decimals: int) -> Decimal:
    """`value` rounded half-up (halves away from zero) to `decimals` places, on its shortest
    decimal representation."""
    step = Decimal(1).scaleb(-decimals)
    return Decimal(repr(float(value))).quantize(step, rounding=ROUND_HALF_UP)


def _infinite(value: float) -> str | None:
    """'∞' or '-∞' for an infinite value (an odds ratio's bound under separation), else None:
    neither a workbook nor Decimal's rounding takes one as a number."""
    if isinstance(value, int | float) and math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return None


def rounded(value: float, decimals: int) -> float | int | str:
    """The number a reader sees, as a number (for CSV and workbook cells): an int when
    `decimals` is 0; an infinite value as the text '∞' or '-∞'."""
    if _infinite(value):
        return _infinite(value)
    q = half_up(value, decimals)
    return int(q) if decimals == 0 else float(q)


def number(value: float, decimals: int = 0) -> str:
    """9957 -> '9.957', 51.64 (1) -> '51,6', -0.0141 (3) -> '-0,014'; thousands point, decimal
    comma. A value that rounds to zero is written without a sign; an infinite one is '∞'."""
    if _infinite(value):
        return _infinite(value)
    q = half_up(value, decimals)
    if q == 0:
        q = abs(q)
    sign = "-" if q < 0 else ""
    whole, _, frac = f"{abs(q):f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + ".".join(groups) + ("," + frac if frac else "")


def p_value(p: float, decimals: int = P_DECIMALS) -> str:
    """A p- or q-value as Danish reports write it: '0,047', '<0,001'."""
    floor = 10.0 ** -decimals
    if p < floor:
        return "<" + number(floor, decimals)
    return number(p, decimals)


def pct(value: float, decimals: int = 0) -> str:
    """A share in percent as prose: 72.4 -> '72 pct.'."""
    return f"{number(value, decimals)} pct."


def is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


@dataclass(frozen=True)
class Markers:
    """The symbols for cells without a number and their legend, from the registry's `markers`
    (filled with the disclosure threshold). `words` are what prose says instead of a number."""

    symbols: Mapping[str, str]
    legends: Mapping[str, str]
    words: Mapping[str, str]
    convention: str = ""

    @classmethod
    def from_registry(cls, spec: Mapping[str, Any], min_count: int, extra: Mapping[str, Any] | None = None) -> Markers:
        missing = [s for s in STATUSES if s and s not in spec]
        if missing:
            raise KeyError(f"tables.yaml: `markers` has no entry for {missing}")
        fill = {"min_count": min_count, **(extra or {})}
        return cls(symbols={s: str(spec[s]["symbol"]).format(**fill) for s in STATUSES if s},
                   legends={s: str(spec[s]["legend"]).format(**fill) for s in STATUSES if s},
                   words={s: str(spec[s]["words"]).format(**fill) for s in STATUSES if s},
                   convention=str(spec.get("convention", "")))

    def symbol(self, status: str) -> str:
        return self.symbols[status]

    def legend(self, statuses: set[str] | None = None) -> list[tuple[str, str]]:
        """(symbol, explanation) for the given statuses (all when None), in a fixed order."""
        return [(self.symbols[s], self.legends[s]) for s in STATUSES
                if s and (statuses is None or s in statuses)]


def text(value: Any, unit: str, decimals: int | None, status: str = SHOWN,
         markers: Markers | None = None) -> str:
    """A cell as a reader sees it on a page: the marker when it has no number, else the value
    formatted for its unit (p- and q-values with '<0,001', counts as integers with a thousands
    point, codes and texts as they are)."""
    if status:
        if markers is None:
            raise ValueError(f"a cell with status '{status}' needs the markers to be shown")
        return markers.symbol(status)
    if is_missing(value):
        if markers is None:
            raise ValueError("a missing value without a status cannot be shown")
        return markers.symbol(NOT_APPLICABLE)
    if unit in ("code", "text"):
        return str(value)
    if unit == "flag":
        return "ja" if bool(value) else "nej"
    if unit in ("p", "q"):
        return p_value(float(value), decimals if decimals is not None else P_DECIMALS)
    return number(float(value), decimals or 0)


def machine(value: Any, unit: str, decimals: int | None, status: str = SHOWN,
            markers: Markers | None = None) -> Any:
    """A cell for CSV and workbook: the marker when it has no number, else the number rounded
    half-up to the shown precision (so a spreadsheet shows what the page shows, without rounding
    a second time); p-values below the floor as the marker text '<0.001'."""
    if status or is_missing(value):
        if markers is None:
            raise ValueError("a cell without a number needs the markers")
        return markers.symbol(status or NOT_APPLICABLE)
    if unit in ("code", "text"):
        return str(value)
    if unit == "flag":
        return bool(value)
    d = decimals if decimals is not None else 0
    if unit in ("p", "q") and float(value) < 10.0 ** -d:
        return f"<{10.0 ** -d:.{d}f}"
    return rounded(float(value), d)


def axis_formatter(decimals: int = 0):
    """A matplotlib tick formatter writing ticks the Danish way at `decimals` places."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: number(x, decimals))
