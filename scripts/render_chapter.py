"""Rule render_chapter: execute a chapter notebook with papermill, parameters from the rule."""

import papermill

from puljeeval import rulekit

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    papermill.execute_notebook(
        smk.input.notebook, smk.output[0], kernel_name="python3", progress_bar=False, execution_timeout=600,
        parameters={"chapter": smk.wildcards.chapter, "masked_dir": smk.params.masked_dir,
                    "figures_dir": smk.params.figures_dir,
                    "config": dict(smk.params.config), "side_files": dict(smk.params.side_files),
                    "config_sources": list(smk.params.config_sources), "extracts": list(smk.input.extracts),
                    "locale": "da_DK"})
