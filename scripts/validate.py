"""Rule validate: check the delivered extracts against the contract without analysing
anything, for data managers iterating on an export. Always succeeds; the report is on the
terminal, in results/interim/problems/validate.txt and (every problem) validate.csv."""

import sys

from puljeeval import rulekit
from puljeeval.data import cleaning, contract, ingest, problems
from puljeeval.data.extracts import ExtractError

# Validation keeps nothing: a fixed key stands in for the pseudonymisation key, which the data
# manager need not have.
VALIDATION_KEY = b"validation-only-nothing-is-kept"

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    cfg = settings.config["problem_report"]
    interim, errors = ingest.check_all(settings, VALIDATION_KEY)
    if "questionnaires" in interim:      # response codes within their instrument's range (cleaning's check)
        try:
            path = settings.config["extracts"]["questionnaires"]["path"]
            cleaning.clean_responses(interim["questionnaires"], settings, path)
        except ExtractError as err:
            errors.append(err)
    text = problems.report(errors, len(contract.EXTRACTS), smk.output.problems, smk.output.summary,
                           cfg["language"], cfg["shown_per_file"])
    print(text)
    print(text, file=sys.__stderr__)
