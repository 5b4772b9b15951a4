"""Rule coverage_batch: the coverage study's rows for one batch of seeds (every scenario, design,
method and term; puljeeval/tools/coverage_cluster_inference.py)."""

import time

from puljeeval import rulekit
from puljeeval.atomic import written
from puljeeval.tools import coverage_cluster_inference as cov

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    study, designs, _ = cov.study_of_rule(settings, smk.input.frames)
    seeds = list(smk.params.seeds)
    start = time.perf_counter()
    runs = cov.run_study(study, seeds)
    with written(smk.output[0]) as tmp:
        runs.to_parquet(tmp, index=False)
    print(f"seeds {seeds[0]}-{seeds[-1]}: {len(designs)} designs x {len(study.scenarios)} scenarios, "
          f"{len(runs)} intervals, {time.perf_counter() - start:.1f} s")
