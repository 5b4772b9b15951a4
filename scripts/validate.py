"""Rule validate: check the delivered extracts against the contract without analysing
anything, for data managers iterating on an export. Always succeeds; the report is on the
terminal, in results/interim/problems/validate.txt and (every problem) validate.csv."""

import sys

from puljeeval import rulekit
from puljeeval.data import contract, ingest, problems

# Validation keeps nothing: a fixed key stands in for the pseudonymisation key, which the data
# manager need not have.
VALIDATION_KEY = b"validation-only-nothing-is-kept"

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    cfg = settings.config["problem_report"]
    _, errors = ingest.check_all(settings, VALIDATION_KEY)
    text = problems.report(errors, len(contract.EXTRACTS), smk.output.problems, smk.output.summary,
                           cfg["language"], cfg["shown_per_file"])
    print(text)
    print(text, file=sys.__stderr__)
