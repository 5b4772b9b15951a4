"""Rule element_statements: every statement Bilag 4 and chapter 5 make about the core-element
models (config/published.yaml `bilag_4.statements`) against the pipeline's tables, with the wild
cluster verdict beside the report's OLS one and, on the twin, the same statements on another seed
(puljeeval/evaluation/statements.py). The table is published on the chapter 5 page and read by the
reproduction check."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.evaluation import statements

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    inp = smk.input
    spec = settings.published["bilag_4"]["statements"]

    def concat(paths) -> pd.DataFrame:
        return pd.concat([pd.read_csv(p) for p in ([paths] if isinstance(paths, str) else paths)], ignore_index=True)

    table = statements.evaluate(spec, concat(inp.coefficients), concat(inp.models), pd.read_csv(inp.intention),
                                settings)
    other = None
    if "other_coefficients" in inp.keys():
        other = statements.evaluate(spec, concat(inp.other_coefficients), concat(inp.other_models),
                                    pd.read_csv(inp.other_intention), settings)
    seed = settings.config["reproduction"]["other_seed"] if other is not None else None
    table = statements.with_other_seed(table, other, seed)
    rulekit.write_csv(table, smk.output[0])
    counts = table.groupby("kind", sort=False)["holds"].agg(["sum", "count"])
    print("; ".join(f"{kind}: {int(r['sum'])} of {int(r['count'])} hold" for kind, r in counts.iterrows()))
    if other is not None:
        print(f"on seed {seed}: {int(table['other_holds'].sum())} of {len(table)} hold")
