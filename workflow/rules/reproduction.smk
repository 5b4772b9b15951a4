# The reproduction check: every published number of chapters 3-4, Bilag 2 and Bilag 4 beside the
# reproduced one (from the unsuppressed chapter tables, config/published.yaml) and beside the value
# displayed on the chapter pages and in the workbooks (read back as a reader sees them). The full
# table stays under results/interim/; results/reproduction/reproduction.csv is the safe, Danish
# version, and results/report/reproduktion.html shows it.

REPRODUCTION = {
    "full": "results/interim/reproduction/reproduction.csv",
    "public": "results/reproduction/reproduction.csv",
    "page": "results/report/reproduktion.html",
}


rule reproduction:
    input:
        courses=CLEAN["courses"],
        prepost=SCORES["prepost"],
        benefit_shares=ANALYSES["benefit_shares"],
        benefit_regression=ANALYSES["benefit_regression"],
        parent_statements=SCORES["parent_statements_slut"],
        bilag4_flow=ELEMENT_TABLES["bilag4_flow"],
        bilag4_intention=ELEMENT_TABLES["bilag4_intention"],
        **CHAPTER3_TABLES,
        pages=expand("results/report/{chapter}.html", chapter=CHAPTER_PAGES),
        workbooks=[PUBLISHED_CHAPTERS[ch]["workbook"] for ch in CHAPTER_PAGES],
        masked=[PUBLISHED_CHAPTERS[ch]["masked"] for ch in CHAPTER_PAGES],
        published=SIDE_FILES["published"],
        instruments=SIDE_FILES["instruments"],
        tables=SIDE_FILES["tables"],
    output:
        full=REPRODUCTION["full"],
        public=REPRODUCTION["public"],
    params:
        pages={ch: f"results/report/{ch}.html" for ch in CHAPTER_PAGES},
        workbooks={ch: PUBLISHED_CHAPTERS[ch]["workbook"] for ch in CHAPTER_PAGES},
        masked={ch: PUBLISHED_CHAPTERS[ch]["masked"] for ch in CHAPTER_PAGES},
        config=cfg("reproduction", "age.groups", "core_elements.outcomes", "disclosure.min_count", *SCALE_KEYS),
    conda:
        "../../environment.yml"
    log:
        "results/logs/reproduction.log",
    benchmark:
        "results/benchmarks/reproduction.tsv"
    script:
        "../../scripts/reproduction.py"


rule reproduction_page:
    input:
        reproduction=REPRODUCTION["public"],
        tables=SIDE_FILES["tables"],
    output:
        REPRODUCTION["page"],
    params:
        config=cfg("disclosure.min_count", *PROVENANCE_KEYS),
        title="Reproduktion af rapportens tal",
        chapters=CHAPTER_PAGES,
    conda:
        "../../environment.yml"
    log:
        "results/logs/reproduction_page.log",
    benchmark:
        "results/benchmarks/reproduction_page.tsv"
    script:
        "../../scripts/reproduction_page.py"
