# Ingestion: each extract checked against the data contract; CPR and person ids replaced by
# keyed pseudonyms. Outputs stay under results/interim/.


rule ingest:
    input:
        **{name: extract_path(name) for name in EXTRACTS},
        **SIDE_FILES,
    output:
        **INTERIM,
    params:
        extracts=config["extracts"],
        cleaning=config["cleaning"],
        pseudonymisation=config["pseudonymisation"],
        questionnaires=config["questionnaires"],
        data_source=config["data_source"],
    conda:
        "../../environment.yml"
    log:
        "results/logs/ingest.log",
    benchmark:
        "results/benchmarks/ingest.tsv"
    script:
        "../../scripts/ingest.py"
