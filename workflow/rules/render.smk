# Render layer: the chapter notebooks executed with papermill (the config keys each chapter
# reads, from the effective config, i.e. with --configfile and --config), converted to HTML for
# reviewers (no code) and auditors (with code), and an index page linking everything. The 2016
# mapping's pages are rendered by workflow/rules/kortlaegning_report.smk; the index and the report
# PDF include them as the report's second part.

rule render_chapter:
    input:
        unpack(lambda wc: CHAPTER_OWN_INPUTS.get(wc.chapter, {})),
        notebook="notebooks/{chapter}.ipynb",
        tables=lambda wc: PUBLISHED_CHAPTERS[wc.chapter]["workbook"],
        masked=lambda wc: PUBLISHED_CHAPTERS[wc.chapter]["masked"],
        figures=lambda wc: PUBLISHED_CHAPTERS[wc.chapter]["figures"],
        extracts=lambda wc: chapter_inputs(wc.chapter),
        side=lambda wc: [SIDE_FILES[key] for key in chapter_side(wc.chapter)],
    output:
        "results/report/{chapter}.ipynb",
    params:
        masked_dir=lambda wc: PUBLISHED_CHAPTERS[wc.chapter]["masked"],
        title=lambda wc: CHAPTER_PAGES[wc.chapter],
        figures_dir=lambda wc: PUBLISHED_CHAPTERS[wc.chapter]["figures"],
        config=lambda wc: publish_keys(
            wc.chapter, [*LABEL_INPUTS[wc.chapter]["config"], *CHAPTER_CONFIG[wc.chapter]["keys"]]
        ),
        side_files=lambda wc: {key: SIDE_FILES[key] for key in chapter_side(wc.chapter)},
        config_sources=CONFIG_SOURCES,
    wildcard_constraints:
        chapter="(kapitel|bilag)_[0-9]+",
    resources:
        **resources_of("render_chapter"),
        notebook=1,
    threads: threads_of("render_chapter")
    conda:
        "../../environment.yml"
    log:
        "results/logs/render_chapter_{chapter}.log",
    benchmark:
        "results/benchmarks/render_chapter_{chapter}.tsv"
    script:
        "../../scripts/render_chapter.py"


rule chapter_html:
    input:
        "results/report/{chapter}.ipynb",
    wildcard_constraints:
        chapter="(kapitel|bilag)_[0-9]+",
    output:
        reviewer="results/report/{chapter}.html",
        auditor="results/report/{chapter}_kode.html",
    params:
        chapters=CHAPTER_PAGES,
    threads: threads_of("chapter_html")
    resources:
        **resources_of("chapter_html"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/chapter_html_{chapter}.log",
    benchmark:
        "results/benchmarks/chapter_html_{chapter}.tsv"
    script:
        "../../scripts/chapter_html.py"


rule report_index:
    input:
        # the mapping's part (workflow/rules/kortlaegning_report.smk)
        unpack(lambda wc: kortlaegning_render_inputs()),
        html=expand("results/report/{chapter}.html", chapter=CHAPTER_PAGES),
        reproduction=REPRODUCTION["public"],
        reproduction_page=REPRODUCTION["page"],
        kortlaegning_page=KORTLAEGNING_PAGE,
        disclosure=DISCLOSURE_AUDIT["summary"],
        document=REPORT_DOCUMENT["pdf"],
    output:
        "results/report/index.html",
    params:
        chapters=CHAPTER_PAGES,
        mapping_pages=lambda wc: KORTLAEGNING_PAGES if kortlaegning_published() else {},
        config=cfg(*PROVENANCE_KEYS),
    threads: threads_of("report_index")
    resources:
        **resources_of("report_index"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/report_index.log",
    benchmark:
        "results/benchmarks/report_index.tsv"
    script:
        "../../scripts/report_index.py"


rule report_pdf:
    input:
        # the mapping as the document's second part (workflow/rules/kortlaegning_report.smk)
        unpack(lambda wc: kortlaegning_render_inputs()),
        pages=[f"results/report/{chapter}.html" for chapter in CHAPTER_PAGES],
        reproduction=REPRODUCTION["page"],
    output:
        html=REPORT_DOCUMENT["html"],
        pdf=REPORT_DOCUMENT["pdf"],
    params:
        chapters=CHAPTER_PAGES,
        mapping_pages=lambda wc: KORTLAEGNING_PAGES if kortlaegning_published() else {},
        config=cfg(*PROVENANCE_KEYS),
    threads: threads_of("report_pdf")
    resources:
        **resources_of("report_pdf"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/report_pdf.log",
    benchmark:
        "results/benchmarks/report_pdf.tsv"
    script:
        "../../scripts/report_pdf.py"
