# Simulation studies as workflow targets outside `all` (issue 17): `snakemake --cores 4
# coverage_study` locally, or with `--profile profiles/slurm` one Slurm job per batch of seeds.
# The coverage study (puljeeval/tools/coverage_cluster_inference.py) plants effects in Bilag 4's
# designs, the analysis samples core_element_samples wrote, and records every method's intervals
# per seed; coverage_summary aggregates the batches into the tables and the figure, and
# coverage_page puts them on an auditor page (results/report/daekningsstudie.html).

from puljeeval.tools.coverage_cluster_inference import seed_batches

COVERAGE_OPTIONS = config["studies"]["coverage"]
COVERAGE_BATCHES = seed_batches(COVERAGE_OPTIONS["first_seed"], COVERAGE_OPTIONS["seeds"],
                                COVERAGE_OPTIONS["batch_size"])
COVERAGE_DIR = "results/studies/coverage"
COVERAGE = {
    "summary": f"{COVERAGE_DIR}/coverage_summary.csv",
    "terms": f"{COVERAGE_DIR}/coverage_terms.csv",
    "headline": f"{COVERAGE_DIR}/coverage_headline.csv",
    "by_g_eff": f"{COVERAGE_DIR}/coverage_by_g_eff.csv",
    "designs": f"{COVERAGE_DIR}/coverage_designs.csv",
    "runs": f"{COVERAGE_DIR}/coverage_runs.parquet",
    "figure": f"{COVERAGE_DIR}/coverage.png",
}
COVERAGE_PAGE = "results/report/daekningsstudie.html"
# the keys a batch's rows depend on (the design: the models as core_element_models fits them)
COVERAGE_KEYS = ("disclosure.min_residual_df", "core_elements.outcomes", "core_elements.controls",
                 "core_elements.numeric_controls", "core_elements.subgroups", "core_elements.min_subgroup_df",
                 "core_elements.level", "core_elements.cluster", "core_elements.bootstrap")


rule coverage_study:
    input:
        page=COVERAGE_PAGE,
        **COVERAGE,


rule coverage_batch:
    input:
        frames=expand(ELEMENT_FRAME, outcome=ELEMENT_OUTCOMES),
        core_elements=SIDE_FILES["core_elements"],
    output:
        f"{COVERAGE_DIR}/batches/batch_{{batch}}.parquet",
    params:
        config=cfg(*COVERAGE_KEYS, "studies.coverage.reps", "studies.coverage.scenarios",
                   "studies.coverage.subgroups", "studies.coverage.methods", "studies.coverage.variants",
                   "studies.coverage.intention_effect", "studies.coverage.intensity_effect"),
        seeds=lambda wc: list(COVERAGE_BATCHES[int(wc.batch)]),
    wildcard_constraints:
        batch="[0-9]+",
    threads: threads_of("coverage_batch")
    resources:
        **resources_of("coverage_batch"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/coverage_batch_{batch}.log",
    benchmark:
        "results/benchmarks/coverage_batch_{batch}.tsv"
    script:
        "../../scripts/coverage_batch.py"


rule coverage_summary:
    input:
        batches=expand(f"{COVERAGE_DIR}/batches/batch_{{batch}}.parquet", batch=range(len(COVERAGE_BATCHES))),
        frames=expand(ELEMENT_FRAME, outcome=ELEMENT_OUTCOMES),
        core_elements=SIDE_FILES["core_elements"],
    output:
        **COVERAGE,
    params:
        config=cfg(*COVERAGE_KEYS, "studies.coverage"),
    threads: threads_of("coverage_summary")
    resources:
        **resources_of("coverage_summary"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/coverage_summary.log",
    benchmark:
        "results/benchmarks/coverage_summary.tsv"
    script:
        "../../scripts/coverage_summary.py"


rule coverage_page:
    input:
        **{k: v for k, v in COVERAGE.items() if k != "runs"},
    output:
        COVERAGE_PAGE,
    params:
        config=cfg("studies.coverage", "core_elements.bootstrap", "core_elements.level", *PROVENANCE_KEYS),
        title="Dækningsstudie: intervallerne i Bilag 4's modeller",
        chapters=CHAPTER_PAGES,
    threads: threads_of("coverage_page")
    resources:
        **resources_of("coverage_page"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/coverage_page.log",
    benchmark:
        "results/benchmarks/coverage_page.tsv"
    script:
        "../../scripts/coverage_page.py"
