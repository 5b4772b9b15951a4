"""Rule render_chapter: execute a chapter notebook with papermill, parameters from the rule."""

from puljeeval import rulekit
from puljeeval.render.execute import execute

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    execute(smk.input.notebook, smk.output[0], {
        "chapter": smk.wildcards.chapter, "masked_dir": smk.params.masked_dir, "figures_dir": smk.params.figures_dir,
        "title": smk.params.title, "config": dict(smk.params.config), "side_files": dict(smk.params.side_files),
        "config_sources": list(smk.params.config_sources), "extracts": list(smk.input.extracts),
        "locale": "da_DK"})
