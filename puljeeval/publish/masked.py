"""A disclosure-controlled table: the values (full precision, pipeline column names, hidden cells
<NA>) and beside them each cell's status (puljeeval/publish/display.py: "" shown, `primary`,
`secondary`, `not_applicable`, `not_estimated`), so every output can say truthfully why a cell
shows no number.

It is written by the rule publish_tables as one parquet file per table
(results/interim/published/<chapter>/<table id>.parquet: the value columns, then `status:<col>`
per column) and read from there by the notebooks, the reproduction check and the disclosure audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from puljeeval.publish.display import HIDDEN, NOT_APPLICABLE, PRIMARY, SHOWN, STATUSES

STATUS_PREFIX = "status:"


@dataclass
class Masked:
    """`values` and `status` share index and columns."""

    values: pd.DataFrame
    status: pd.DataFrame

    @classmethod
    def shown(cls, frame: pd.DataFrame) -> Masked:
        """Every cell shown (a table before its disclosure rule)."""
        frame = frame.copy()
        return cls(frame, pd.DataFrame(SHOWN, index=frame.index, columns=frame.columns, dtype=object))

    def copy(self) -> Masked:
        return Masked(self.values.copy(), self.status.copy())

    def hide(self, rows: object, columns: str | list[str], why: str) -> None:
        """Hide cells (`rows` as for .loc: labels or a boolean mask) for reason `why` (primary or
        secondary). A cell already hidden as primary stays primary: its own count is small."""
        if why not in HIDDEN:
            raise ValueError(f"cells are hidden as {HIDDEN}, not '{why}'")
        cols = [columns] if isinstance(columns, str) else [c for c in columns if c in self.values.columns]
        for c in cols:
            if pd.api.types.is_integer_dtype(self.values[c]) or pd.api.types.is_float_dtype(self.values[c]):
                if not pd.api.types.is_extension_array_dtype(self.values[c]) or \
                        pd.api.types.is_integer_dtype(self.values[c]):
                    self.values[c] = self.values[c].astype("Float64")
            elif self.values[c].dtype != object:
                self.values[c] = self.values[c].astype(object)
            target = self.status.loc[rows, c]
            keep = target == PRIMARY
            self.status.loc[rows, c] = target.where(keep, why)
            self.values.loc[rows, c] = pd.NA

    def hidden(self) -> pd.DataFrame:
        """Boolean frame: True where a cell is hidden (primary or secondary)."""
        return self.status.isin(HIDDEN)

    def mark_missing(self, not_estimated: pd.Series | None = None) -> None:
        """Cells with no value and no reason yet: `not_estimated` where the row says so (a boolean
        Series over the rows), else `not_applicable`."""
        empty = self.values.isna() & (self.status == SHOWN)
        for c in self.values.columns:
            rows = empty[c]
            if not rows.any():
                continue
            self.status.loc[rows, c] = NOT_APPLICABLE
            if not_estimated is not None:
                self.status.loc[rows & not_estimated.reindex(rows.index, fill_value=False), c] = "not_estimated"

    # ------------------------------------------------------------------ storage

    def to_frame(self) -> pd.DataFrame:
        status = self.status.astype("string").add_prefix(STATUS_PREFIX)
        return pd.concat([self.values.reset_index(drop=True), status.reset_index(drop=True)], axis=1)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> Masked:
        status_cols = [c for c in frame.columns if c.startswith(STATUS_PREFIX)]
        values = frame[[c for c in frame.columns if c not in status_cols]]
        status = frame[status_cols].astype(object).fillna(SHOWN)
        status.columns = [c[len(STATUS_PREFIX):] for c in status_cols]
        bad = set(status.to_numpy().ravel()) - set(STATUSES)
        if bad:
            raise ValueError(f"unknown cell statuses {sorted(bad)}")
        return cls(values.copy(), status[list(values.columns)].copy())

    def write(self, path: str | Path) -> None:
        from puljeeval.rulekit import write_parquet
        write_parquet(self.to_frame(), path)

    @classmethod
    def read(cls, path: str | Path) -> Masked:
        return cls.from_frame(pd.read_parquet(path))
