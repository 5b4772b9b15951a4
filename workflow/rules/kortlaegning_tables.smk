# The 2016 mapping's tables from its survey extracts (issue 15): every printed table counted as
# config/kortlaegning/survey_tables.yaml says, from the ingested extracts (rule kortlaegning_ingest),
# and every printed number of the mapping (cells, N, Missing, prose statements) beside it, with the
# report's own inconsistencies flagged (puljeeval/kortlaegning/survey_tables.py, reproduction.py),
# and the same cells as one interim table per published table (KORTLAEGNING_INTERIM, defined in
# kortlaegning_report.smk) for rule publish_tables.

KORTLAEGNING_TABLES = {
    "cells": "results/interim/kortlaegning/survey_tables.csv",
    "reproduction": "results/kortlaegning/survey_reproduction.csv",
}


rule kortlaegning_survey_tables:
    input:
        **KORTLAEGNING_INGESTED,
        published=config["kortlaegning"]["published"],
        survey_tables=config["kortlaegning"]["survey_tables"],
        tabel_9_3=f"{config['kortlaegning']['offer_tables']}/tabel_9_3.csv",
        tabel_9_4=f"{config['kortlaegning']['offer_tables']}/tabel_9_4.csv",
    output:
        **KORTLAEGNING_TABLES,
        **KORTLAEGNING_INTERIM,
    params:
        # the published tables (config/tables.yaml chapter kortlaegning) by id; their headings are
        # not read here, so a registry edit of a heading re-runs only the publishing
        tables=KORTLAEGNING_TABLE_IDS,
    threads: threads_of("kortlaegning_survey_tables")
    resources:
        **resources_of("kortlaegning_survey_tables"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/kortlaegning_survey_tables.log",
    benchmark:
        "results/benchmarks/kortlaegning_survey_tables.tsv"
    script:
        "../../scripts/kortlaegning_survey_tables.py"
