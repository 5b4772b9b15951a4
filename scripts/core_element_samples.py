"""Rule core_element_samples: intention and intensity per child, the analysis sample of each
outcome with footnote 5's flow, the attrition candidates and the descriptive overview
(puljeeval/evaluation/element_samples.py)."""

from pathlib import Path

import pandas as pd

from puljeeval import rulekit
from puljeeval.evaluation import element_samples, unit

with rulekit.logged(snakemake):  # noqa: F821
    settings = rulekit.settings(snakemake)  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    clean = {name: pd.read_parquet(inp[name]) for name in ("courses", "fidelity", "intention")}
    scores = {Path(p).stem: pd.read_parquet(p) for p in inp.scores} | {"prepost": pd.read_parquet(inp.prepost)}
    samples = element_samples.outcome_samples(clean, scores, settings)
    unit_name, _ = unit.spec(settings.config)
    cluster = settings.config["core_elements"]["cluster"]
    for key, s in samples.items():
        rulekit.write_parquet(s.frame, next(p for p in out.frames if p.endswith(f"/{key}.parquet")))
        rulekit.write_parquet(s.candidates, next(p for p in out.attrition if p.endswith(f"/{key}_attrition.parquet")))
        print(f"{key}: sample {len(s.frame)}; dropped per criterion {s.flow['dropped'].tolist()[1:]}; "
              f"unit {unit_name}: {unit.unit_summary(s.frame, clean['courses'], cluster)}")
    rulekit.write_csv(pd.concat([s.flow for s in samples.values()], ignore_index=True), out.bilag4_flow)
    rulekit.write_csv(pd.concat([s.shares for s in samples.values()], ignore_index=True), out.bilag4_intention)
    rulekit.write_csv(pd.concat([s.histogram for s in samples.values()], ignore_index=True), out.bilag4_histogram)
