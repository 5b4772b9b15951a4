# Chapter analyses (dropout comparison and model, outcome summaries, perceived benefit) and
# the published tables of chapters 3 and 4 with disclosure control and Danish headings.


rule chapter_analyses:
    input:
        courses=CLEAN["courses"],
        who5_start=SCORES["who5_start"],
        prepost=SCORES["prepost"],
        benefit=SCORES["benefit_slut"],
        parent_statements=SCORES["parent_statements_slut"],
        **SIDE_FILES,
    output:
        **ANALYSES,
    params:
        analysis=config["analysis"],
    conda:
        "../../environment.yml"
    log:
        "results/logs/chapter_analyses.log",
    benchmark:
        "results/benchmarks/chapter_analyses.tsv"
    script:
        "../../scripts/chapter_analyses.py"


rule publish_tables:
    input:
        **CHAPTER3_TABLES,
        **ANALYSES,
        **SIDE_FILES,
    output:
        kapitel_3=PUBLISHED["kapitel_3"],
        kapitel_4=PUBLISHED["kapitel_4"],
        csv_dir=directory(CSV_DIR),
    params:
        disclosure=config["disclosure"],
    conda:
        "../../environment.yml"
    log:
        "results/logs/publish_tables.log",
    benchmark:
        "results/benchmarks/publish_tables.tsv"
    script:
        "../../scripts/publish_tables.py"


rule figures:
    input:
        **CHAPTER3_TABLES,
        **ANALYSES,
        **SIDE_FILES,
    output:
        directory(FIGURES_DIR),
    params:
        disclosure=config["disclosure"],
    conda:
        "../../environment.yml"
    log:
        "results/logs/figures.log",
    benchmark:
        "results/benchmarks/figures.tsv"
    script:
        "../../scripts/figures.py"
