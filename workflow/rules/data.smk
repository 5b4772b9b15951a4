# Data layer: each raw extract checked against the data contract, CPR numbers and person ids
# replaced by keyed pseudonyms (ingest); the report's cleaning rules with a ledger of every raw
# row (clean); the ledger's summary. Outputs with identifiers stay under results/interim/.


rule ingest:
    input:
        **{name: extract_path(name) for name in EXTRACTS},
        instruments=SIDE_FILES["instruments"],
        offers=SIDE_FILES["offers"],
        core_elements=SIDE_FILES["core_elements"],
    output:
        **INTERIM,
    params:
        config=cfg("data_source", "extracts", "pseudonymisation", "cleaning.test_person_id_pattern",
                   "cleaning.test_cprs", "questionnaires.dont_know_code", "problem_report"),
        # written only when the extracts break the contract, so not outputs (Snakemake deletes
        # the outputs of a failed job)
        problems=PROBLEMS["ingest"]["problems"],
        summary=PROBLEMS["ingest"]["summary"],
    threads: threads_of("ingest")
    resources:
        **resources_of("ingest"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/ingest.log",
    benchmark:
        "results/benchmarks/ingest.tsv"
    script:
        "../../scripts/ingest.py"


rule validate:
    input:
        **{name: extract_path(name) for name in EXTRACTS},
        instruments=SIDE_FILES["instruments"],
        offers=SIDE_FILES["offers"],
        core_elements=SIDE_FILES["core_elements"],
    output:
        **PROBLEMS["validate"],
    params:
        config=cfg("extracts", "cleaning.test_person_id_pattern", "cleaning.test_cprs", "questionnaires",
                   "problem_report"),
    threads: threads_of("validate")
    resources:
        **resources_of("validate"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/validate.log",
    benchmark:
        "results/benchmarks/validate.tsv"
    script:
        "../../scripts/validate.py"


rule clean:
    input:
        **INTERIM,
        instruments=SIDE_FILES["instruments"],
        offers=SIDE_FILES["offers"],
    output:
        **CLEAN,
    params:
        config=cfg("age", "cleaning", "questionnaires", "production.exclude_unfunded_branches", "extraction_date",
                   "extracts", "problem_report"),
        # written only when a response code breaks its range (see ingest)
        problems=PROBLEMS["ingest"]["problems"],
        summary=PROBLEMS["ingest"]["summary"],
    threads: threads_of("clean")
    resources:
        **resources_of("clean"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/clean.log",
    benchmark:
        "results/benchmarks/clean.tsv"
    script:
        "../../scripts/clean.py"


rule ledger_summary:
    input:
        ledger=CLEAN["ledger"],
    output:
        "results/tables/ledger_summary.csv",
    threads: threads_of("ledger_summary")
    resources:
        **resources_of("ledger_summary"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/ledger_summary.log",
    benchmark:
        "results/benchmarks/ledger_summary.tsv"
    script:
        "../../scripts/ledger_summary.py"
