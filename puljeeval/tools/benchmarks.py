"""Print per-rule wall time and peak memory from Snakemake's benchmark files.

    python -m puljeeval.tools.benchmarks [results/benchmarks]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def collect(directory: str | Path) -> pd.DataFrame:
    rows = []
    for path in sorted(Path(directory).glob("*.tsv")):
        b = pd.read_csv(path, sep="\t")
        rows.append({"rule": path.stem, "seconds": float(b["s"].iloc[-1]),
                     "max_rss_mb": pd.to_numeric(b["max_rss"], errors="coerce").iloc[-1]})
    return pd.DataFrame(rows, columns=["rule", "seconds", "max_rss_mb"])


def main(argv: list[str]) -> int:
    directory = argv[0] if argv else "results/benchmarks"
    table = collect(directory)
    if table.empty:
        print(f"no benchmark files in {directory}; run snakemake first")
        return 1
    print(table.to_string(index=False, float_format=lambda x: f"{x:,.1f}"))
    peak = table.loc[table["max_rss_mb"].idxmax()]
    print(f"sum of rule times: {table['seconds'].sum():,.1f} s; "
          f"largest peak memory: {peak['max_rss_mb']:,.0f} MB ({peak['rule']})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
