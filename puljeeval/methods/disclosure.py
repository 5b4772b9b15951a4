"""Disclosure control for published tables of person counts.

Primary suppression: a count from 1 to `min_count - 1` is hidden (zeros too with
`suppress_zeros`). Secondary suppression: the table is published with its totals, so every
row and every column, each with its total, is a linear relation; a relation with exactly one
hidden element lets a reader recover it by subtraction. While such a relation exists, the
smallest other inner cell of it (non-zero first) is hidden too. This is the usual "no
singleton in a line" rule (ESSnet Handbook on SDC, frequency tables); it does not protect
against every linear combination across tables, which optimal solvers such as tau-argus do.
"""

from __future__ import annotations

import pandas as pd

TOTAL = "I alt"


def with_totals(counts: pd.DataFrame) -> pd.DataFrame:
    """The table with a total column and a total row (label TOTAL)."""
    out = counts.copy()
    out[TOTAL] = out.sum(axis=1)
    out.loc[TOTAL] = out.sum(axis=0)
    return out


def suppress(counts: pd.DataFrame, min_count: int, suppress_zeros: bool = False) -> pd.DataFrame:
    """Boolean mask over `with_totals(counts)`: True where the published table must hide."""
    full = with_totals(counts)
    a = full.to_numpy(dtype="float64")
    hidden = (a < min_count) & ((a > 0) | suppress_zeros)
    n_rows, n_cols = a.shape
    # each relation: the positions of one row or column of the augmented table
    relations = [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    relations += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    changed = True
    while changed:
        changed = False
        for rel in relations:
            if sum(hidden[p] for p in rel) != 1:
                continue
            inner = [p for p in rel if not hidden[p] and p[0] < n_rows - 1 and p[1] < n_cols - 1]
            if not inner:
                inner = [p for p in rel if not hidden[p]]
            pick = min(inner, key=lambda p: (a[p] == 0, a[p]))
            hidden[pick] = True
            changed = True
    return pd.DataFrame(hidden, index=full.index, columns=full.columns)


def publish(counts: pd.DataFrame, min_count: int, suppress_zeros: bool = False) -> pd.DataFrame:
    """The count table with totals, hidden cells shown as '<min_count'."""
    full = with_totals(counts).astype(object)
    mask = suppress(counts, min_count, suppress_zeros).to_numpy()
    full[mask] = f"<{min_count}"
    return full
