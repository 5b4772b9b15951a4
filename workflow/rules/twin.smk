# The synthetic twin writes raw extracts in the data contract to the extract paths. A twin of
# `twin.scale` k is k blocks (puljeeval/twin/generate.py, Block), each drawn like the report-scale
# twin by its own job (twin_block), so the twin grows linearly and uses every core or node;
# synthetic_twin joins the blocks' files into the extracts by streaming them (each block's CSV
# without its header after the first), so its memory does not grow with the data. Block 0 draws
# the intention extract (one per offer); the other blocks take it. The blocks are given only the
# twin's own config block and its side files, so no other setting can change their bytes. With
# data_source: real these rules are not defined and the extracts must exist.

if config["data_source"] == "twin":

    rule twin_block:
        input:
            offers=SIDE_FILES["offers"],
            published=SIDE_FILES["published"],
            instruments=SIDE_FILES["instruments"],
            core_elements=SIDE_FILES["core_elements"],
            # every block but block 0 takes block 0's intention
            given=lambda wc: [] if int(wc.block) == 0 else f"{TWIN_BLOCK_DIR.format(block=0)}/intention.parquet",
        output:
            **{name: temp(twin_part(name)) for name in EXTRACTS if name != "intention"},
            intention=twin_part("intention"),
            matrix=f"{TWIN_BLOCK_DIR}/intention.parquet",
        params:
            twin=config["twin"],
        wildcard_constraints:
            block="[0-9]+",
        threads: threads_of("twin_block")
        resources:
            **resources_of("twin_block"),
        conda:
            "../../environment.yml"
        log:
            "results/logs/twin_block_{block}.log",
        benchmark:
            "results/benchmarks/twin_block_{block}.tsv"
        script:
            "../../scripts/make_twin_block.py"

    rule synthetic_twin:
        input:
            **{name: expand(twin_part(name), block=range(TWIN_BLOCKS)) for name in EXTRACTS if name != "intention"},
            intention=twin_part("intention", 0),
        output:
            **{name: extract_path(name) for name in EXTRACTS},
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
