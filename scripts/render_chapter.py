"""Rules render_chapter and render_kortlaegning: execute a chapter notebook with papermill,
parameters from the rule. The mapping's notebook (one execution for all its pages) also gets its
pages and its data source."""

from puljeeval import rulekit
from puljeeval.render import pages
from puljeeval.render.execute import execute

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    chapter = smk.params.get("chapter") or smk.wildcards.chapter
    # the mapping (one execution for all its pages) and chapter 6 name their own data source
    own = {"pages": dict(smk.params.pages)} if smk.params.get("pages") else {"title": smk.params.title}
    source = pages.chapter_source(chapter, smk.input)
    if source is not None:
        own |= {"source_text": source.text, "synthetic_line": source.synthetic_line}
    execute(smk.input.notebook, smk.output[0], {
        "chapter": chapter, "masked_dir": smk.params.masked_dir, "figures_dir": smk.params.figures_dir,
        **own, "config": dict(smk.params.config), "side_files": dict(smk.params.side_files),
        "config_sources": list(smk.params.config_sources), "extracts": list(smk.input.extracts),
        "locale": "da_DK"})
