# Chapter notebooks: executed with papermill (values from config), converted to HTML for
# reviewers (no code) and auditors (with code), and an index page linking everything.


rule render_chapter:
    input:
        notebook="notebooks/{chapter}.ipynb",
        tables=lambda wc: CHAPTER_INPUTS[wc.chapter]["tables"],
        figures=lambda wc: CHAPTER_INPUTS[wc.chapter]["figures"],
        extracts=[extract_path(name) for name in EXTRACTS],
    output:
        "results/report/{chapter}.ipynb",
    params:
        csv_dir=lambda wc: CHAPTER_INPUTS[wc.chapter]["csv_dir"],
        min_count=config["disclosure"]["min_count"],
    resources:
        notebook=1,
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
    output:
        reviewer="results/report/{chapter}.html",
        auditor="results/report/{chapter}_kode.html",
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
        html=expand("results/report/{chapter}.html", chapter=CHAPTER_PAGES),
        reproduction="results/reproduction/reproduction.csv",
    output:
        "results/report/index.html",
    params:
        chapters=CHAPTER_PAGES,
    conda:
        "../../environment.yml"
    log:
        "results/logs/report_index.log",
    benchmark:
        "results/benchmarks/report_index.tsv"
    script:
        "../../scripts/report_index.py"
