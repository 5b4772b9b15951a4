# Cleaning: the report's cleaning rules and a ledger with every raw row's fate.


rule clean:
    input:
        **INTERIM,
        **SIDE_FILES,
    output:
        **CLEAN,
    params:
        age=config["age"],
        cleaning=config["cleaning"],
        questionnaires=config["questionnaires"],
        production=config["production"],
        extraction_date=config["extraction_date"],
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
    conda:
        "../../environment.yml"
    log:
        "results/logs/ledger_summary.log",
    benchmark:
        "results/benchmarks/ledger_summary.tsv"
    script:
        "../../scripts/ledger_summary.py"
