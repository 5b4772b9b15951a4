"""Rule core_element_models: Bilag 4's intention and intensity models for one outcome (report's
OLS, wild cluster bootstrap, CR2, attrition weights with a bootstrap of the whole procedure),
the sensitivity analyses (ANCOVA, multiple imputation) and the subgroup interaction tests."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.evaluation import element_models as em
from puljeeval.evaluation import element_sensitivity as es

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
    rulekit.write_csv(es.sensitivity_rows(frame, outcome, settings), out.sensitivity)
    rulekit.write_csv(es.interaction_tests(frame, outcome, settings), out.interactions)
    print(f"{key}: {len(models)} models, {len(coefs)} coefficient rows; {models['weights_note'].iloc[0]}")
