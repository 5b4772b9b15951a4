"""Disclosure control for published tables of person counts.

Primary suppression: a count from 1 to `min_count - 1` is hidden (zeros too with
`suppress_zeros`). Secondary suppression: the table is published with its totals, so every
row and every column, each with its total, is a linear relation; a relation with exactly one
hidden element lets a reader recover it by subtraction. While such a relation exists, the
smallest other inner cell of it (non-zero first) is hidden too. This is the usual "no
singleton in a line" rule (ESSnet Handbook on SDC, frequency tables); it does not protect
against every linear combination across tables, which optimal solvers such as tau-argus do.

`protect` is the same rule over any set of relations (a flow's steps, a hierarchy of totals,
margins published in other tables), with one addition the publication rules use (`partner`):
a relation holding a hidden count below the threshold must also hide a count of at least
`min_count`. Two small hidden counts alone do not protect each other: their published sum
(say 3) leaves each of them one of very few values (1 or 2), which the disclosure audit
(puljeeval/publish/audit.py) rejects.

Every function returns, or is built on, the reason per cell: "" shown, "primary" (the count is
below the threshold), "secondary" (hidden so that another hidden cell cannot be recovered).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Mapping, Sequence

import pandas as pd

TOTAL = "I alt"

# The reasons; the same words as the publication's cell statuses (puljeeval/publish/display.py).
SHOWN = ""
PRIMARY = "primary"
SECONDARY = "secondary"


def with_totals(counts: pd.DataFrame) -> pd.DataFrame:
    """The table with a total column and a total row (label TOTAL)."""
    out = counts.copy()
    out[TOTAL] = out.sum(axis=1)
    out.loc[TOTAL] = out.sum(axis=0)
    return out


def is_small(value: float, min_count: int, suppress_zeros: bool = False) -> bool:
    """Whether a count is below the threshold: 1 .. min_count - 1 (and 0 with `suppress_zeros`)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return False
    return value < min_count and (value > 0 or (suppress_zeros and value == 0))


def protect(values: Mapping[Hashable, float], relations: Sequence[Sequence[Hashable]], min_count: int, *,
            hidden: Mapping[Hashable, str] | None = None, fixed: Collection[Hashable] = (),
            margins: Collection[Hashable] = (), free: Collection[Hashable] = (), suppress_zeros: bool = False,
            partner: bool = True) -> dict[Hashable, str]:
    """The reason every hidden cell is hidden ({cell: "primary" | "secondary"}; shown cells are
    left out).

    `values` are the counts by cell; each relation lists cells whose published values are tied by
    one linear equation (parts and their total). Counts below the threshold are primary (cells in
    `fixed` excepted: they are published elsewhere and can never be hidden); `hidden` adds cells
    hidden for a reason of the caller's (a count whose complement is small, a column whose n is
    hidden). Then, while a relation would let a reader recover a hidden cell, another cell of it
    is hidden (secondary):
      - a relation with exactly one hidden cell hides one more;
      - with `partner`, a relation holding a primary cell but no hidden cell of at least
        `min_count` hides such a cell (if it has one left to hide).
    The cell picked is the cheapest: a `free` one (a quantity nobody publishes, such as answers
    outside the shown categories) before a published one, an inner cell before a `margins` one,
    a non-zero one before a zero, then the smallest, then the first in the relation.
    A relation that cannot be protected (every other cell fixed) is left as it is.
    """
    fixed = set(fixed)
    margins, free = set(margins), set(free)
    status: dict[Hashable, str] = {k: PRIMARY for k, v in values.items()
                                   if k not in fixed and is_small(v, min_count, suppress_zeros)}
    for k, why in (hidden or {}).items():
        if k in fixed:
            raise ValueError(f"cell {k!r} is published elsewhere (fixed) and cannot be hidden as {why}")
        if why not in (PRIMARY, SECONDARY):
            raise ValueError(f"cell {k!r}: a hidden cell is {PRIMARY} or {SECONDARY}, not '{why}'")
        status.setdefault(k, why)
    rels = [list(dict.fromkeys(r)) for r in relations]
    for rel in rels:
        missing = [k for k in rel if k not in values]
        if missing:
            raise KeyError(f"relation {rel!r}: cells {missing!r} have no value")

    def cost(item: tuple[int, Hashable]) -> tuple:
        pos, k = item
        v = values[k]
        return (k not in free, k in margins, v == 0, v, pos)

    changed = True
    while changed:
        changed = False
        for rel in rels:
            hid = [k for k in rel if k in status]
            if not hid:
                continue
            candidates = [(i, k) for i, k in enumerate(rel) if k not in status and k not in fixed]
            pick = None
            if partner and any(status[k] == PRIMARY for k in hid) and not any(values[k] >= min_count for k in hid):
                big = [c for c in candidates if values[c[1]] >= min_count]
                if big:
                    pick = min(big, key=cost)
            if pick is None and len(hid) == 1 and candidates:
                pick = min(candidates, key=cost)
            if pick is not None:
                status[pick[1]] = SECONDARY
                changed = True
    return status


def reasons(counts: pd.DataFrame, min_count: int, suppress_zeros: bool = False,
            partner: bool = False) -> pd.DataFrame:
    """Per cell of `with_totals(counts)`: "" shown, "primary" or "secondary". Each row and each
    column with its total is a relation; totals are hidden only when an inner cell will not do.
    Without `partner` this is the classic rule of `suppress`."""
    full = with_totals(counts)
    a = full.to_numpy(dtype="float64")
    n_rows, n_cols = a.shape
    values = {(i, j): a[i, j] for i in range(n_rows) for j in range(n_cols)}
    relations = [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    relations += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    margins = {k for k in values if k[0] == n_rows - 1 or k[1] == n_cols - 1}
    status = protect(values, relations, min_count, margins=margins, suppress_zeros=suppress_zeros, partner=partner)
    out = pd.DataFrame(SHOWN, index=full.index, columns=full.columns, dtype=object)
    for (i, j), why in status.items():
        out.iat[i, j] = why
    return out


def suppress(counts: pd.DataFrame, min_count: int, suppress_zeros: bool = False) -> pd.DataFrame:
    """Boolean mask over `with_totals(counts)`: True where the published table must hide."""
    return reasons(counts, min_count, suppress_zeros) != SHOWN


def publish(counts: pd.DataFrame, min_count: int, suppress_zeros: bool = False) -> pd.DataFrame:
    """The count table with totals, hidden cells shown as '<min_count'."""
    full = with_totals(counts).astype(object)
    mask = suppress(counts, min_count, suppress_zeros).to_numpy()
    full[mask] = f"<{min_count}"
    return full
