"""Rule chapter_html: the executed chapter as HTML without code (reviewers) and with (auditors)."""

from puljeeval import rulekit
from puljeeval.render import pages as report

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    report.to_html(smk.input[0], smk.output.reviewer, with_code=False)
    report.to_html(smk.input[0], smk.output.auditor, with_code=True)
