"""Rule chapter_html: the executed chapter as HTML without code (reviewers) and with (auditors),
in the report's layout (Danish, titled, navigable, printable on A4)."""

from puljeeval import rulekit
from puljeeval.render import pages as report

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    chapters = dict(smk.params.chapters)
    stem = smk.wildcards.chapter
    report.to_html(smk.input[0], smk.output.reviewer, with_code=False, title=chapters[stem], stem=stem,
                   chapters=chapters)
    report.to_html(smk.input[0], smk.output.auditor, with_code=True, title=chapters[stem], stem=stem,
                   chapters=chapters)
