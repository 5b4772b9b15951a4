"""Rule reproduction: published vs reproduced numbers, with tolerances."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.evaluation import reproduction

with rulekit.logged(snakemake):  # noqa: F821
    settings = rulekit.settings(snakemake)  # noqa: F821
    inp = snakemake.input  # noqa: F821
    courses = pd.read_parquet(inp.courses)
    table = pd.concat([
        reproduction.chapter3(pd.read_csv(inp.production), pd.read_csv(inp.flow), pd.read_csv(inp.profiles),
                              courses, settings),
        reproduction.chapter4(pd.read_parquet(inp.prepost), courses, settings),
        reproduction.benefit(pd.read_csv(inp.benefit_shares), pd.read_csv(inp.benefit_regression), settings),
        reproduction.parent_statements(pd.read_parquet(inp.parent_statements), settings),
        reproduction.bilag4(pd.read_csv(inp.bilag4_flow), pd.read_csv(inp.bilag4_intention), settings),
    ], ignore_index=True)
    rulekit.write_csv(table, snakemake.output[0])  # noqa: F821
    print(reproduction.summary(table, reproduction.twin_scale(settings)))
