"""Rule kortlaegning_survey_tables: the mapping's tables counted from the ingested survey extracts
(puljeeval/kortlaegning/survey_tables.py), every printed number beside them
(reproduction.compare_survey) with the report's own inconsistencies (consistency.py) flagged, and
the same cells as one interim table per published table in the report's printed layout
(publish_tables.py), which rule publish_tables publishes. One rule, not two, because both halves
read the same cells and the mapping's time budget is mostly interpreter start-up."""

from pathlib import Path

import pandas as pd

from puljeeval import rulekit
from puljeeval.kortlaegning import consistency, contract, publish_tables, published, reproduction, survey_tables

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    inp, out = smk.input, smk.output
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

    # The published tables in the printed layout, from the cells as written (read back, so that they
    # are typed exactly as any reader of the interim file sees them).
    survey = publish_tables.read(out.cells)
    offer_level = [t for t in smk.params.tables if t in publish_tables.OFFER_TABLES]
    tables = publish_tables.interim_tables(survey, pub.tables, [t for t in smk.params.tables if t not in offer_level])
    # Tabel 9-3 and 9-4: the report's own offer-level data, as transcribed (data/kortlaegning/)
    for table_id in offer_level:
        tables[table_id] = publish_tables.offer_table(pd.read_csv(inp[table_id]), table_id)
    for table_id, frame in tables.items():
        rulekit.write_csv(frame, out[publish_tables.source_name(table_id)])
    left = sorted(set(survey["table"]) - set(tables))
    print(f"{len(tables)} tables in the printed layout" + (f"; not published (no registry entry): {left}" if left
                                                          else ""))
