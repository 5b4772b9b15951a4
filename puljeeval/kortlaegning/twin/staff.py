"""Staff counts per offer (part-time, full-time, volunteers), calibrated to Tabel 4-3 and 4-2.

Tabel 4-3 prints, per size group, how many staff of each kind its offers have in all (4 + 25 + 1
in the 16 small offers, ...); the size group is the offer's number of staff (1-2, 3-9, 10 or
more, volunteers included). Tabel 4-2 counts the offers with volunteers (7 of 49). One MILP: an
integer count per offer and kind, a binary "has volunteers", the staff sums of Tabel 4-3 as hard
constraints (they are printed counts and fit every size range), Tabel 4-2's counts as soft ones
(the report's 49 offers with staff are 50 elsewhere: one of its cells gives way and is reported).
Offers that did not state staff (`ikke_angivet`) have no counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from puljeeval.kortlaegning.published import Published
from puljeeval.kortlaegning.twin.calibrate import RELAX_COST, CalibrationError

KINDS = ("deltid", "fuldtid", "frivillige")
SIZE_RANGES = {"lille": (1, 2), "mellem": (3, 9), "stor": (10, 1000)}


def staff_counts(offers: pd.DataFrame, spec: dict[str, Any], pub: Published,
                 rng: np.random.Generator) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Counts per offer (columns `KINDS`, empty where staff was not stated) and the report rows of the
    cells used. `spec`: {table, rows: {kind: printed row}, columns: {size: printed column},
    volunteers: {table, has: row, none: row}}."""
    t43 = pub.tables[spec["table"]]
    stated = offers.index[offers["stoerrelse"].isin(list(SIZE_RANGES))].to_numpy()
    n, k = len(stated), len(KINDS)
    nx = n * k              # integer counts
    ny = n                  # has volunteers
    nvar = nx + ny + 4      # + slacks of the two soft counts of Tabel 4-2
    rows, cols, vals, lo, hi = [], [], [], [], []

    def add(entries: list[tuple[int, float]], low: float, high: float) -> None:
        for c, v in entries:
            rows.append(len(lo))
            cols.append(c)
            vals.append(v)
        lo.append(low)
        hi.append(high)

    size_of = offers.loc[stated, "stoerrelse"].to_numpy()
    for i, size in enumerate(size_of):
        low, high = SIZE_RANGES[size]
        add([(i * k + j, 1.0) for j in range(k)], low, high)
        vol, y = i * k + KINDS.index("frivillige"), nx + i
        add([(vol, 1.0), (y, -1000.0)], -np.inf, 0)   # volunteers only with y
        add([(vol, 1.0), (y, -1.0)], 0, np.inf)       # y only with volunteers
    report = []
    for kind, row in spec["rows"].items():
        for size, col in spec["columns"].items():
            count = t43["cells"][row][col]["count"]
            add([(i * k + KINDS.index(kind), 1.0) for i in np.flatnonzero(size_of == size)], count, count)
    vspec = spec["volunteers"]
    t42 = pub.tables[vspec["table"]]
    vcol = t42["columns"][0]
    has_cell, none_cell = t42["cells"][vspec["has"]][vcol], t42["cells"][vspec["none"]][vcol]
    has, none = has_cell["count"], none_cell["count"]
    add([(nx + i, 1.0) for i in range(n)] + [(nx + n, 1.0), (nx + n + 1, -1.0)], has, has)
    add([(nx + i, -1.0) for i in range(n)] + [(nx + n + 2, 1.0), (nx + n + 3, -1.0)], none - n, none - n)
    # where the two counts cannot both hold (7 + 42 of 50), the one whose printed share its count
    # does not give at the offers' number gives way (42 of 50 is 84, printed 86; 7 of 50 is 14)
    dear = [RELAX_COST * (1.0 if abs(100 * c["count"] / n - c["pct"]) <= 0.5 else 0.5) for c in (has_cell, none_cell)]
    cost = np.concatenate([rng.uniform(0.0, 0.01, nx), rng.uniform(-1.0, 1.0, ny), np.repeat(dear, 2)])
    upper = np.concatenate([np.full(nx, 1000.0), np.ones(ny), np.full(4, np.inf)])
    integrality = np.concatenate([np.ones(nx + ny), np.zeros(4)])
    a = sparse.csr_matrix((vals, (rows, cols)), shape=(len(lo), nvar))
    res = milp(cost, constraints=LinearConstraint(a, lo, hi), integrality=integrality,
               bounds=Bounds(np.zeros(nvar), upper))
    if res.x is None:
        raise CalibrationError(f"staff counts: no solution ({res.message}); Tabel 4-3's sums do not fit the sizes")
    x = np.rint(res.x[:nx]).astype(int).reshape(n, k)
    counts = pd.DataFrame(pd.NA, index=offers.index, columns=list(KINDS), dtype="Int64")
    counts.loc[stated, list(KINDS)] = x
    for kind, row in spec["rows"].items():
        for size, col in spec["columns"].items():
            cell = t43["cells"][row][col]
            got = int(x[size_of == size, KINDS.index(kind)].sum())
            column_sum = int(x[size_of == size].sum())
            agrees = got == cell["count"] and abs(100 * got / column_sum - cell["pct"]) <= 0.5
            report.append(_row(spec["table"], row, col, f"{cell['count']}, {cell['pct']} pct. of {column_sum}",
                               got, column_sum, "reproduced" if agrees else "relaxed"))
    with_vol = int((x[:, KINDS.index("frivillige")] > 0).sum())
    for label, got, printed in ((vspec["has"], with_vol, has), (vspec["none"], n - with_vol, none)):
        report.append(_row(vspec["table"], label, vcol, f"{printed}", got, n,
                           "reproduced" if got == printed else "relaxed"))
    return counts, report


def _row(table: str, row: str, column: str, printed: str, got: int, n: int, status: str) -> dict[str, Any]:
    return {"variable": "staff", "table": table, "row": row, "column": column, "printed": printed,
            "agreeing_counts": printed.split(",")[0], "window": printed.split(",")[0], "twin_count": got,
            "twin_pct": round(100 * got / n, 2) if n else None, "n_twin": n, "status": status}
