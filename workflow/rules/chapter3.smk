# Chapter 3 and Bilag 2: the flow (Figur 3-4), the production table (Tabel 8-1) and the
# target-group profiles (Figur 3-1..3-3), then the reproduction check against the report
# (chapter 3 and Bilag 2 from these tables, chapter 4 from the scored pre/post table).


rule chapter3_tables:
    input:
        courses=CLEAN["courses"],
        who5_start=SCORES["who5_start"],
        ledger=CLEAN["ledger"],
        **SIDE_FILES,
    output:
        **CHAPTER3_TABLES,
    params:
        age=config["age"],
        production=config["production"],
    conda:
        "../../environment.yml"
    log:
        "results/logs/chapter3_tables.log",
    benchmark:
        "results/benchmarks/chapter3_tables.tsv"
    script:
        "../../scripts/chapter3_tables.py"


rule reproduction:
    input:
        courses=CLEAN["courses"],
        prepost=SCORES["prepost"],
        benefit_shares=ANALYSES["benefit_shares"],
        benefit_regression=ANALYSES["benefit_regression"],
        parent_statements=SCORES["parent_statements_slut"],
        bilag4_flow=ELEMENT_TABLES["bilag4_flow"],
        bilag4_intention=ELEMENT_TABLES["bilag4_intention"],
        **CHAPTER3_TABLES,
        **SIDE_FILES,
    output:
        "results/reproduction/reproduction.csv",
    params:
        reproduction=config["reproduction"],
    conda:
        "../../environment.yml"
    log:
        "results/logs/reproduction.log",
    benchmark:
        "results/benchmarks/reproduction.tsv"
    script:
        "../../scripts/reproduction.py"
