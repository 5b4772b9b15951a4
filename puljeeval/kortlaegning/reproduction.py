"""The mapping's reproduction check: every computed cell beside the printed one (issue 15).

A cell is reproduced when the computed value, rounded half-up to the printed number of decimals,
equals the printed value (the report's precision: "90 pct." is reproduced by 89.5 ... 90.49).
Where the report's own numbers disagree at that cell (consistency.py: a share that does not
follow from its count and N, a total that does not add up), the row says so, and the verdict is
"inconsistent in the report" rather than a failure of ours.
"""

from __future__ import annotations

import pandas as pd

from puljeeval.publish import display

KEYS = ["table", "row", "column", "measure"]
COLUMNS = [*KEYS, "published", "decimals", "reproduced", "difference", "within", "report_inconsistent", "verdict",
           "source_line"]


def rounds_to(value: float, printed: float, decimals: int) -> bool:
    """True when `value` rounded half-up to `decimals` places is the printed number (the pages'
    own rounding, display.half_up)."""
    return display.half_up(value, int(decimals)) == display.half_up(printed, int(decimals))


def compare(published: pd.DataFrame, computed: pd.DataFrame, inconsistent: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per computed cell that the report prints: `published` (published.Published.cells:
    table, row, column, measure, value, decimals, source_line) against `computed` (table, row,
    column, measure, value). `inconsistent` holds the failed consistency checks (table, row,
    column, measure); a computed cell with no printed counterpart is an error (a label that does
    not match the transcription would otherwise drop silently)."""
    printed = published.dropna(subset=["value"])
    merged = computed.merge(printed, on=KEYS, how="left", suffixes=("_computed", ""), indicator=True)
    missing = merged[merged["_merge"] == "left_only"]
    if len(missing):
        where = "; ".join(f"{r.table} / {r.row} / {r.column} / {r.measure}" for r in missing.itertuples())
        raise KeyError(f"computed cells without a printed cell in config/kortlaegning/published.yaml: {where}")
    flagged = set()
    if inconsistent is not None and len(inconsistent):
        flagged = {tuple(r) for r in inconsistent[KEYS].dropna().itertuples(index=False)}
    out = pd.DataFrame({k: merged[k] for k in KEYS})
    out["published"] = merged["value"]
    out["decimals"] = merged["decimals"].astype(int)
    out["reproduced"] = merged["value_computed"]
    out["difference"] = out["reproduced"] - out["published"]
    out["within"] = [rounds_to(v, p, d) for v, p, d in zip(out["reproduced"], out["published"], out["decimals"],
                                                            strict=True)]
    out["report_inconsistent"] = [tuple(k) in flagged for k in out[KEYS].itertuples(index=False)]
    out["verdict"] = ["reproduced" if w else ("inconsistent in the report" if f else "not reproduced")
                      for w, f in zip(out["within"], out["report_inconsistent"], strict=True)]
    out["source_line"] = merged["source_line"].astype(int)
    return out[COLUMNS]
