# The reproduction check: every published number of chapters 3-4, Bilag 2 and Bilag 4, and Bilag 4's
# statements about its models, beside the reproduced one (from the unsuppressed chapter tables,
# config/published.yaml) and beside the value displayed on the chapter pages and in the workbooks
# (read back as a reader sees them). The full
# table stays under results/interim/; results/reproduction/reproduction.csv is the safe, Danish
# version, and results/report/reproduktion.html shows it.

REPRODUCTION = {
    "full": "results/interim/reproduction/reproduction.csv",
    "public": "results/reproduction/reproduction.csv",
    "page": "results/report/reproduktion.html",
}

# Bilag 4's statements about the core-element models (published.yaml bilag_4.statements) checked
# against the models: published on the chapter 5 page (registry table element_statements) and
# read by the reproduction check. On the twin, the same statements on another seed
# (`reproduction.other_seed`): the chain from the twin to the OLS models run for that seed in one
# job, into results/interim/other_seed/. Real data have no other seed.
STATEMENTS = "results/interim/tables/bilag4_statements.csv"
PUBLISH_SOURCES["bilag4_statements"] = STATEMENTS
OTHER_SEED = {name: f"results/interim/other_seed/bilag4_{name}.csv" for name in ("coefficients", "models", "intention")}
HAS_OTHER_SEED = config["data_source"] == "twin" and config["reproduction"]["other_seed"] is not None
if HAS_OTHER_SEED and config["reproduction"]["other_seed"] == config["twin"]["seed"]:
    raise ValueError(f"config key 'reproduction.other_seed': {config['reproduction']['other_seed']} is the twin's own "
                     f"seed (twin.seed); choose another seed, or null for none")


if HAS_OTHER_SEED:

    rule other_seed_models:
        input:
            # the twin's side files (as for rule synthetic_twin) and the analysis chain's
            **{f"twin_{key}": SIDE_FILES[key] for key in ("offers", "published", "instruments", "core_elements")},
            offers=SIDE_FILES["offers"],
            instruments=SIDE_FILES["instruments"],
            core_elements=SIDE_FILES["core_elements"],
        output:
            **OTHER_SEED,
        params:
            # the twin's own block, with the other seed and without the search that makes the default
            # seed tell the report's story: the other seed shows what the data-generating process gives,
            # at the report's scale (its statements are the report's, whatever twin.scale the run has)
            twin={**config["twin"], "seed": config["reproduction"]["other_seed"], "scale": 1,
                  "core_elements": {**config["twin"]["core_elements"], "search": False}},
            config=cfg("data_source", "extracts", "pseudonymisation", "cleaning", "questionnaires.dont_know_code",
                       "questionnaires.out_of_range_to_missing", "age", "extraction_date",
                       "production.exclude_unfunded_branches", "analysis_unit", "disclosure.min_residual_df",
                       "core_elements.aggregation", "core_elements.unrated", "core_elements.outcomes",
                       "core_elements.histogram_edges", "core_elements.controls", "core_elements.numeric_controls",
                       "core_elements.missing_controls", "core_elements.attrition.predictors",
                       "core_elements.subgroups", "core_elements.min_subgroup_df", "core_elements.level",
                       "core_elements.cluster"),
        threads: threads_of("other_seed_models")
        resources:
            **resources_of("other_seed_models"),
        conda:
            "../../environment.yml"
        log:
            "results/logs/other_seed_models.log",
        benchmark:
            "results/benchmarks/other_seed_models.tsv"
        script:
            "../../scripts/other_seed_models.py"


rule element_statements:
    input:
        coefficients=ELEMENT_MODELS["coefficients"],
        models=ELEMENT_MODELS["models"],
        intention=ELEMENT_TABLES["bilag4_intention"],
        published=SIDE_FILES["published"],
        core_elements=SIDE_FILES["core_elements"],
        **({f"other_{name}": path for name, path in OTHER_SEED.items()} if HAS_OTHER_SEED else {}),
    output:
        STATEMENTS,
    params:
        config=cfg("core_elements.outcomes", "core_elements.subgroups",
                   "reproduction.tolerance.coefficient_se_fraction",
                   *(["reproduction.other_seed"] if HAS_OTHER_SEED else [])),
    threads: threads_of("element_statements")
    resources:
        **resources_of("element_statements"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/element_statements.log",
    benchmark:
        "results/benchmarks/element_statements.tsv"
    script:
        "../../scripts/element_statements.py"


rule reproduction:
    input:
        courses=CLEAN["courses"],
        prepost=SCORES["prepost"],
        benefit_shares=ANALYSES["benefit_shares"],
        benefit_regression=ANALYSES["benefit_regression"],
        parent_statements=SCORES["parent_statements_slut"],
        bilag4_flow=ELEMENT_TABLES["bilag4_flow"],
        bilag4_intention=ELEMENT_TABLES["bilag4_intention"],
        bilag4_statements=STATEMENTS,
        **CHAPTER3_TABLES,
        cost_totals_individual=COST_TABLES["kapitel_6_totals_individual"],
        cost_totals_group=COST_TABLES["kapitel_6_totals_group"],
        cost_ratios=COST_TABLES["kapitel_6_ratios"],
        cost_published=config["costs"]["published"],
        pages=expand("results/report/{chapter}.html", chapter=CHAPTER_PAGES),
        workbooks=[PUBLISHED_CHAPTERS[ch]["workbook"] for ch in CHAPTER_PAGES],
        masked=[PUBLISHED_CHAPTERS[ch]["masked"] for ch in CHAPTER_PAGES],
        # the 2016 mapping's printed numbers beside its survey tables (kortlaegning_tables.smk), and
        # its pages, workbook and published tables, read back like the evaluation's
        kortlaegning=lambda wc: KORTLAEGNING_TABLES["reproduction"],
        kortlaegning_published=config["kortlaegning"]["published"],
        kortlaegning_pages=KORTLAEGNING_REPORT["pages"],
        kortlaegning_workbook=MAPPING_PUBLISHED["workbook"],
        kortlaegning_masked=MAPPING_PUBLISHED["masked"],
        published=SIDE_FILES["published"],
        instruments=SIDE_FILES["instruments"],
        core_elements=SIDE_FILES["core_elements"],
        tables=SIDE_FILES["tables"],
    output:
        full=REPRODUCTION["full"],
        public=REPRODUCTION["public"],
    params:
        pages={**{ch: [f"results/report/{ch}.html"] for ch in CHAPTER_PAGES}, MAPPING: KORTLAEGNING_REPORT["pages"]},
        workbooks={**{ch: PUBLISHED_CHAPTERS[ch]["workbook"] for ch in CHAPTER_PAGES},
                   MAPPING: MAPPING_PUBLISHED["workbook"]},
        masked={**{ch: PUBLISHED_CHAPTERS[ch]["masked"] for ch in CHAPTER_PAGES}, MAPPING: MAPPING_PUBLISHED["masked"]},
        config=cfg("reproduction", "age.groups", "core_elements.outcomes", "disclosure.min_count", *SCALE_KEYS),
    threads: threads_of("reproduction")
    resources:
        **resources_of("reproduction"),
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
    threads: threads_of("reproduction_page")
    resources:
        **resources_of("reproduction_page"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/reproduction_page.log",
    benchmark:
        "results/benchmarks/reproduction_page.tsv"
    script:
        "../../scripts/reproduction_page.py"
