"""Rule score: score every instrument and compute pre/post change."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.scoring import score as scoring

with rulekit.logged(snakemake):  # noqa: F821
    settings = rulekit.settings(snakemake)  # noqa: F821
    inp = snakemake.input  # noqa: F821
    tables = scoring.score_all(pd.read_parquet(inp.responses), pd.read_parquet(inp.courses), settings)
    for name, frame in tables.items():
        rulekit.write_parquet(frame, snakemake.output[name])  # noqa: F821
        print(f"{name}: {len(frame)} rows")
