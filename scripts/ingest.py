"""Rule ingest: check each extract against the contract and pseudonymise identifiers. When
extracts break the contract, every problem goes to results/interim/problems/ingest.csv and the
run stops with a short summary (no traceback: that is in the log)."""

from pathlib import Path

from puljeeval import rulekit
from puljeeval.data import contract, ingest, problems

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    for stale in (smk.params.problems, smk.params.summary):   # a report of an earlier delivery
        Path(stale).unlink(missing_ok=True)
    settings = rulekit.settings(smk)
    cfg = settings.config["problem_report"]
    key = ingest.pseudonym_key(settings)
    interim, errors = ingest.check_all(settings, key)
    if errors:
        raise rulekit.DataStop(problems.report(errors, len(contract.EXTRACTS), smk.params.problems,
                                               smk.params.summary, cfg["language"], cfg["shown_per_file"]))
    for name, frame in interim.items():
        rulekit.write_parquet(frame, smk.output[name])
        print(f"{name}: {len(frame)} rows checked")
