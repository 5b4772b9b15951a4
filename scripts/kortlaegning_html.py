"""Rule kortlaegning_html: the mapping's executed notebook (all its chapters) as one page per
chapter for reviewers (without code) and one page with all the code for auditors, in the report's
layout, each linking the index, the mapping's front page and the neighbouring chapters."""

from pathlib import Path

import nbformat

from puljeeval import rulekit
from puljeeval.render import pages as report

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    chapters = dict(smk.params.pages)
    links = [(Path(smk.params.front).name, "up", "Kortlægningens forside")]
    nb = nbformat.read(smk.input[0], as_version=4)
    for stem, out in zip(chapters, smk.output.pages, strict=True):
        report.to_html(smk.input[0], out, with_code=False, title=chapters[stem], stem=stem, chapters=chapters,
                       page=stem, links=links, nb=nb)
    report.to_html(smk.input[0], smk.output.code, with_code=True, title="Kortlægningen 2016, kapitel 3-7 og bilag",
                   chapters=chapters, links=links, nb=nb)
