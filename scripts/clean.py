"""Rule clean: apply the cleaning rules and write the cleaned tables and the ledger. A response
code outside its instrument's range (and not mapped to missing in config) stops the run with the
problem report, like a contract problem at ingestion."""

from pathlib import Path

import pandas as pd

from puljeeval import rulekit
from puljeeval.data import cleaning, contract, problems
from puljeeval.data.extracts import ExtractError

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    for stale in (smk.params.problems, smk.params.summary):   # a report of an earlier run
        Path(stale).unlink(missing_ok=True)
    settings = rulekit.settings(smk)
    cfg = settings.config["problem_report"]
    interim = {name: pd.read_parquet(smk.input[name]) for name in contract.EXTRACTS}
    try:
        out = cleaning.clean(interim, settings)
    except ExtractError as err:
        raise rulekit.DataStop(problems.report([err], len(contract.EXTRACTS), smk.params.problems,
                                               smk.params.summary, cfg["language"], cfg["shown_per_file"])) from None
    for name, frame in out.items():
        rulekit.write_parquet(frame, smk.output[name])
    print(cleaning.ledger_summary(out["ledger"]).to_string(index=False))
