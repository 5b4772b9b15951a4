"""Rule clean: apply the cleaning rules and write the cleaned tables and the ledger."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.data import cleaning, contract

with rulekit.logged(snakemake):  # noqa: F821
    settings = rulekit.settings(snakemake)  # noqa: F821
    interim = {name: pd.read_parquet(snakemake.input[name]) for name in contract.EXTRACTS}  # noqa: F821
    out = cleaning.clean(interim, settings)
    for name, frame in out.items():
        rulekit.write_parquet(frame, snakemake.output[name])  # noqa: F821
    print(cleaning.ledger_summary(out["ledger"]).to_string(index=False))
