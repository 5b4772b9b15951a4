"""Rule score: the partitions' tables joined in partition order, and the pre/post table with
change and reliable change over the whole sample (puljeeval/scoring/score.py)."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.scoring import score as scoring

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    names = scoring.part_names(settings.instruments["instruments"])
    parts = [{name: pd.read_parquet(smk.input[scoring.part_input(part, name)]) for name in names}
             for part in range(int(smk.params.parts))]
    tables = scoring.join(parts, pd.read_parquet(smk.input.courses), settings)
    for name, frame in tables.items():
        rulekit.write_parquet(frame, smk.output[name])
        print(f"{name}: {len(frame)} rows")
