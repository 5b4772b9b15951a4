"""Rule coverage_summary: the coverage study's batches in seed order, summarised (coverage per
term, design and scenario, the headline per method, coverage by the effective number of offers,
the designs) and the coverage figure."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.atomic import written
from puljeeval.tools import coverage_cluster_inference as cov

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    study, designs, options = cov.study_of_rule(settings, smk.input.frames)
    runs = pd.concat([pd.read_parquet(p) for p in smk.input.batches], ignore_index=True)
    expected = options["seeds"] * len(study.scenarios) * len(study.methods) * sum(len(d.terms) for d in designs)
    if len(runs) != expected or runs["seed"].nunique() != options["seeds"]:
        raise ValueError(f"the batches hold {len(runs)} intervals of {runs['seed'].nunique()} seeds; "
                         f"studies.coverage asks for {expected} of {options['seeds']} seeds: re-run coverage_batch")
    tables = cov.outputs(runs, designs, options["target"], study.level)
    for key, frame in tables.items():
        with written(smk.output[key]) as tmp:
            frame.to_csv(tmp, index=False, float_format="%.6g", lineterminator="\n")
    with written(smk.output.runs) as tmp:
        runs.to_parquet(tmp, index=False)
    with written(smk.output.figure) as tmp:
        cov.coverage_figure(tables["summary"], tmp, options["target"])
    print(tables["headline"].to_string(index=False, float_format=lambda x: f"{x:.3f}"))
