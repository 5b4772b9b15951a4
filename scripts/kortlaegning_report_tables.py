"""Rule kortlaegning_report_tables: the mapping's survey tables (one row per printed cell) as one
interim table per published table, in the report's printed layout
(puljeeval/kortlaegning/publish_tables.py)."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.kortlaegning import publish_tables
from puljeeval.kortlaegning.published import load

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    survey = publish_tables.read(smk.input.survey_tables)
    offer_level = [t for t in smk.params.tables if t in publish_tables.OFFER_TABLES]
    tables = publish_tables.interim_tables(survey, load(smk.input.published).tables,
                                           [t for t in smk.params.tables if t not in offer_level])
    # Tabel 9-3 and 9-4: the report's own offer-level data, as transcribed (data/kortlaegning/)
    for table_id in offer_level:
        tables[table_id] = publish_tables.offer_table(pd.read_csv(smk.input[table_id]), table_id)
    for table_id, frame in tables.items():
        rulekit.write_csv(frame, smk.output[publish_tables.source_name(table_id)])
    left = sorted(set(survey["table"]) - set(tables))
    print(f"{len(tables)} tables in the printed layout" + (f"; not published (no registry entry): {left}" if left
                                                          else ""))
