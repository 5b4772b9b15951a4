# The synthetic twin writes raw extracts in the data contract to the extract paths (its outputs).
# It is given only its own config block and its side files, so no other setting can change its
# bytes. With data_source: real the rule is not defined and the extracts must exist.

if config["data_source"] == "twin":

    rule synthetic_twin:
        input:
            offers=SIDE_FILES["offers"],
            published=SIDE_FILES["published"],
            instruments=SIDE_FILES["instruments"],
            core_elements=SIDE_FILES["core_elements"],
        output:
            **{name: extract_path(name) for name in EXTRACTS},
        params:
            twin=config["twin"],
        threads: threads_of("synthetic_twin")
        resources:
            **resources_of("synthetic_twin"),
        conda:
            "../../environment.yml"
        log:
            "results/logs/synthetic_twin.log",
        benchmark:
            "results/benchmarks/synthetic_twin.tsv"
        script:
            "../../scripts/make_twin.py"
