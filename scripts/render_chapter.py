"""Rule render_chapter: execute a chapter notebook with papermill, parameters from the rule."""

import papermill

from puljeeval import rulekit

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    papermill.execute_notebook(
        smk.input.notebook, smk.output[0], kernel_name="python3", progress_bar=False, execution_timeout=600,
        parameters={"csv_dir": smk.params.csv_dir, "figures_dir": smk.input.figures,
                    "config_path": "config/config.yaml", "extracts": list(smk.input.extracts),
                    "min_count": smk.params.min_count, "locale": "da_DK"})
