# The 2016 mapping (Kortlægning) as the pipeline's second report (issue 15, item 6): its tables
# through the one publication path and its chapter pages through the same rendering path.
#
#   rule kortlaegning_survey_tables (kortlaegning_tables.smk): the survey's cells and one interim
#   table per published table in the printed layout (puljeeval/kortlaegning/publish_tables.py)
#   -> publish_tables (chapter kortlaegning, workflow/rules/publish.smk: the disclosure policy for
#   organisations, docs/kortlaegning_disclosure.md) -> results/tables/kortlaegning.xlsx, CSVs,
#   masked tables -> render_kortlaegning: notebooks/kortlaegning.ipynb executed once with papermill
#   for all the mapping's chapters -> kortlaegning_html: one page per chapter (KORTLAEGNING_PAGES)
#   and one page with the code. The index and the report PDF (render.smk) link and print them.
#
# Include after workflow/rules/publish.smk and before audit.smk, so that the disclosure audit reads
# the mapping's tables too. Names of later files (kortlaegning.smk, kortlaegning_tables.smk) are read
# only when the DAG is built (in functions).

from puljeeval.kortlaegning.publish_tables import source_name as kortlaegning_source

# The mapping publishes through publish_tables as one more chapter (common.smk MAPPING_PUBLISHED).
PUBLISHED_CHAPTERS[MAPPING] = MAPPING_PUBLISHED
LABEL_INPUTS[MAPPING] = PUBLISH_REGISTRY.label_inputs(MAPPING)
# One interim table per published table, in the printed layout, named by the registry's `source`,
# which must be "kortlaegning_<table id>".
KORTLAEGNING_TABLE_IDS = [t.id for t in PUBLISH_REGISTRY.chapter_tables(MAPPING)]
for _table in PUBLISH_REGISTRY.chapter_tables(MAPPING):
    if _table.source != kortlaegning_source(_table.id):
        raise ValueError(f"config/tables.yaml: table '{_table.id}' of chapter {MAPPING}: its source must be "
                         f"'{kortlaegning_source(_table.id)}' (one interim table per published table), "
                         f"not '{_table.source}'")
KORTLAEGNING_INTERIM = {kortlaegning_source(tid): f"results/interim/kortlaegning/published_tables/{tid}.csv"
                        for tid in KORTLAEGNING_TABLE_IDS}
PUBLISH_SOURCES.update(KORTLAEGNING_INTERIM)


rule render_kortlaegning:
    input:
        notebook="notebooks/kortlaegning.ipynb",
        tables=PUBLISHED_CHAPTERS[MAPPING]["workbook"],
        masked=PUBLISHED_CHAPTERS[MAPPING]["masked"],
        maps=lambda wc: KORTLAEGNING_MAPS,
        extracts=lambda wc: [KORTLAEGNING_TABLES["cells"]],
        side=SIDE_FILES["tables"],
        **KORTLAEGNING_SOURCE_INPUT,
    output:
        KORTLAEGNING_REPORT["notebook"],
    params:
        chapter=MAPPING,
        pages=KORTLAEGNING_PAGES,
        masked_dir=lambda wc, input: input.masked,
        figures_dir=lambda wc: str(Path(KORTLAEGNING_MAPS[0]).parent),
        config=publish_keys(MAPPING),
        side_files={"tables": SIDE_FILES["tables"]},
        config_sources=CONFIG_SOURCES,
    resources:
        **resources_of("render_kortlaegning"),
        notebook=1,
    threads: threads_of("render_kortlaegning")
    conda:
        "../../environment.yml"
    log:
        "results/logs/render_kortlaegning.log",
    benchmark:
        "results/benchmarks/render_kortlaegning.tsv"
    script:
        "../../scripts/render_chapter.py"


rule kortlaegning_html:
    input:
        KORTLAEGNING_REPORT["notebook"],
    output:
        pages=KORTLAEGNING_REPORT["pages"],
        code=KORTLAEGNING_REPORT["code"],
    params:
        pages=KORTLAEGNING_PAGES,
        front=lambda wc: KORTLAEGNING_PAGE,
    threads: threads_of("kortlaegning_html")
    resources:
        **resources_of("kortlaegning_html"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/kortlaegning_html.log",
    benchmark:
        "results/benchmarks/kortlaegning_html.tsv"
    script:
        "../../scripts/kortlaegning_html.py"
