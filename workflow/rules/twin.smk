# The synthetic twin writes raw extracts in the data contract to the configured paths.
# With data_source: real the rule is not defined and the extracts must exist.

if config["data_source"] == "twin":

    rule synthetic_twin:
        input:
            **SIDE_FILES,
        output:
            **{name: extract_path(name) for name in EXTRACTS},
        params:
            twin=config["twin"],
            extracts=config["extracts"],
            production=config["production"],
            age=config["age"],
            cleaning=config["cleaning"],
            questionnaires=config["questionnaires"],
            core_elements=config["core_elements"],
        conda:
            "../../environment.yml"
        log:
            "results/logs/synthetic_twin.log",
        benchmark:
            "results/benchmarks/synthetic_twin.tsv"
        script:
            "../../scripts/make_twin.py"
