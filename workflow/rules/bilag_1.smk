# Bilag 1 (puljeeval/evaluation/bilag_1.py, docs/bilag_1.md): Tabel 7-1's offers, transcribed into
# config/bilag_1.yaml, and the offer x core element matrix the report promises but never prints,
# computed from the intention extract and checked against Bilag 4's intention shares (the matrix
# weighted by each analysis sample's courses must give them exactly: the rule stops otherwise).

BILAG_1_TABLES = {f"bilag_1_{name}": f"results/interim/tables/bilag_1_{name}.csv"
                  for name in ("offers", "matrix", "matrix_codes", "agreement")}
PUBLISH_SOURCES.update(BILAG_1_TABLES)


rule bilag_1_tables:
    input:
        bilag_1=config["bilag_1"],
        offers=SIDE_FILES["offers"],
        core_elements=SIDE_FILES["core_elements"],
        intention=CLEAN["intention"],
        frames=expand(ELEMENT_FRAME, outcome=ELEMENT_OUTCOMES),
        bilag4_intention=ELEMENT_TABLES["bilag4_intention"],
    output:
        **BILAG_1_TABLES,
    params:
        config=cfg("core_elements.outcomes"),
    threads: threads_of("bilag_1_tables")
    resources:
        **resources_of("bilag_1_tables"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/bilag_1_tables.log",
    benchmark:
        "results/benchmarks/bilag_1_tables.tsv"
    script:
        "../../scripts/bilag_1_tables.py"
