"""Rule kortlaegning_survey_tables: the mapping's tables counted from the ingested survey extracts
(puljeeval/kortlaegning/survey_tables.py) and every printed number beside them
(reproduction.compare_survey), the report's own inconsistencies (consistency.py) flagged."""

from pathlib import Path

import pandas as pd

from puljeeval import rulekit
from puljeeval.kortlaegning import consistency, contract, published, reproduction, survey_tables

with rulekit.logged(snakemake):  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    pub = published.load(Path(inp.published))
    extracts = {name: pd.read_parquet(inp[name]) for name in contract.EXTRACTS}
    spec = survey_tables.load_spec(Path(inp.survey_tables))
    cells = survey_tables.compute(extracts, pub, spec)
    t93, t94 = published.read_offer_tables(Path(inp.tabel_9_3).parent)
    checks = consistency.checks(pub, t93, t94)
    table = reproduction.compare_survey(pub, cells, checks.loc[~checks["holds"]],
                                        survey_tables.statement_values(spec, cells))
    rulekit.write_csv(cells, out.cells)
    rulekit.write_csv(table, out.reproduction)
    counts = table["verdict"].value_counts()
    print(f"kortlægning survey tables: {cells['table'].nunique()} tables, {len(cells)} cells; "
          f"{len(table)} printed numbers: {counts.get('reproduced', 0)} reproduced, "
          f"{counts.get('inconsistent in the report', 0)} inconsistent in the report, "
          f"{counts.get('not reproduced', 0)} not reproduced, {counts.get(reproduction.NO_CELL, 0)} with no cell "
          "to compare")
