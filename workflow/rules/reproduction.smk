# The reproduction check: every published number of chapters 3-4, Bilag 2 and Bilag 4 beside
# the reproduced one, from the unsuppressed chapter tables (config/published.yaml).


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
        published=SIDE_FILES["published"],
        instruments=SIDE_FILES["instruments"],
    output:
        "results/reproduction/reproduction.csv",
    params:
        config=cfg("reproduction", "age.groups", *SCALE_KEYS),
    conda:
        "../../environment.yml"
    log:
        "results/logs/reproduction.log",
    benchmark:
        "results/benchmarks/reproduction.tsv"
    script:
        "../../scripts/reproduction.py"
