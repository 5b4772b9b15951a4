"""Rule ledger_summary: rows per extract, fate, reason and treatment."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.data import cleaning

with rulekit.logged(snakemake):  # noqa: F821
    summary = cleaning.ledger_summary(pd.read_parquet(snakemake.input.ledger))  # noqa: F821
    rulekit.write_csv(summary, snakemake.output[0])  # noqa: F821
