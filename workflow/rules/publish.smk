# Publishing, one path for every chapter: per chapter ({chapter} = kapitel_3, kapitel_4,
# kapitel_5, and the 2016 mapping's kortlaegning) the published tables (disclosure control,
# display precision and Danish headings from the registry config/tables.yaml) as a workbook and
# one CSV per sheet, and the figures (the evaluation's; the mapping's maps are rule
# kortlaegning_maps').

# The title each workbook's notes give its chapter.
PUBLISH_TITLES = {**CHAPTER_PAGES, MAPPING: "Kortlægningen 2016: alle rapportens tabeller"}


rule publish_tables:
    input:
        unpack(lambda wc: publish_inputs(wc.chapter)),
    output:
        workbook="results/tables/{chapter}.xlsx",
        csv_dir=directory("results/tables/{chapter}"),
        masked=directory("results/interim/published/{chapter}"),
    params:
        config=lambda wc: publish_keys(wc.chapter),
        title=lambda wc: PUBLISH_TITLES[wc.chapter],
    wildcard_constraints:
        chapter="|".join([*CHAPTER_PAGES, MAPPING]),
    threads: threads_of("publish_tables")
    resources:
        **resources_of("publish_tables"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/publish_tables_{chapter}.log",
    benchmark:
        "results/benchmarks/publish_tables_{chapter}.tsv"
    script:
        "../../scripts/publish_tables.py"


rule figures:
    input:
        unpack(lambda wc: publish_inputs(wc.chapter, FIGURE_CONFIG[wc.chapter]["side"])),
    output:
        figures=directory("results/figures/{chapter}"),
    params:
        # provenance: every figure says when its data are synthetic
        config=lambda wc: publish_keys(wc.chapter, FIGURE_CONFIG[wc.chapter]["keys"]),
    wildcard_constraints:
        chapter="|".join(FIGURE_CONFIG),
    threads: threads_of("figures")
    resources:
        **resources_of("figures"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/figures_{chapter}.log",
    benchmark:
        "results/benchmarks/figures_{chapter}.tsv"
    script:
        "../../scripts/figures.py"
