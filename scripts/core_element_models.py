"""Rule core_element_models: Bilag 4's intention and intensity models for one outcome, with
wild cluster bootstrap, q-values and the attrition-weighted refit."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.evaluation import element_models as em

with rulekit.logged(snakemake):  # noqa: F821
    settings = rulekit.settings(snakemake)  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    key = snakemake.wildcards.outcome  # noqa: F821
    outcome = next(o for o in settings.config["core_elements"]["outcomes"] if o["key"] == key)
    frame = pd.read_parquet(inp.frame)
    candidates = pd.read_parquet(inp.attrition).set_index("course_id", drop=False)
    coefs, models = em.run_outcome(outcome, frame, candidates, settings)
    rulekit.write_csv(coefs, out.coefficients)
    rulekit.write_csv(models, out.models)
    print(f"{key}: {len(models)} models, {len(coefs)} coefficient rows")
