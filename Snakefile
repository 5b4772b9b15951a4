# Re-creation of the quantitative analysis of the Danish grant pool evaluation (Rambøll 2019)
# and, as a second branch (workflow/rules/kortlaegning.smk), of the 2016 mapping of 55 offers.
# Stages: synthetic twin (or real extracts) -> ingest -> clean -> score instruments;
# chapter tables -> published tables (disclosure control) and figures -> disclosure audit,
# chapter notebooks (HTML), reproduction check on the displayed numbers -> index. See README.md for what each stage writes where.

from snakemake.utils import min_version, validate

from puljeeval.rulekit import clear_stale_locks
from puljeeval.settings import load_settings, validate_config

min_version("9.0")


configfile: "config/config.yaml"


# Our validator first: it lists every bad key with what was expected. Then Snakemake's,
# which also fills schema defaults.
validate_config(config)
validate(config, "workflow/schemas/config.schema.yaml")
SETTINGS = load_settings(config, workflow.basedir)
# A run killed mid-way resumes with the same command: its stale locks are removed (when no
# other Snakemake works here) and its incomplete outputs re-made (rerun-incomplete in the
# default profile).
for lock in clear_stale_locks():
    print(f"removed the lock of an interrupted run: {lock}")


include: "workflow/rules/common.smk"
include: "workflow/rules/twin.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/scoring.smk"
include: "workflow/rules/chapters.smk"
include: "workflow/rules/costs.smk"
include: "workflow/rules/bilag_1.smk"
include: "workflow/rules/publish.smk"
include: "workflow/rules/kortlaegning_report.smk"
include: "workflow/rules/audit.smk"
include: "workflow/rules/reproduction.smk"
include: "workflow/rules/kortlaegning.smk"
include: "workflow/rules/kortlaegning_tables.smk"
include: "workflow/rules/render.smk"
include: "workflow/rules/studies.smk"


rule all:
    input:
        ledger_summary="results/tables/ledger_summary.csv",
        reproduction=REPRODUCTION["public"],
        reproduction_page=REPRODUCTION["page"],
        disclosure_record=DISCLOSURE_AUDIT["record"],
        disclosure_summary=DISCLOSURE_AUDIT["summary"],
        **CLEAN,
        **CHAPTER3_TABLES,
        **SCORES,
        **ANALYSES,
        **ELEMENT_TABLES,
        bilag4_coefficients=ELEMENT_MODELS["coefficients"],
        bilag4_models=ELEMENT_MODELS["models"],
        **{f"{c}_{k}": v for c, paths in PUBLISHED_CHAPTERS.items() for k, v in paths.items()},
        report_index="results/report/index.html",
        report_pdf=REPORT_DOCUMENT["pdf"],
        chapters=expand("results/report/{chapter}_kode.html", chapter=CHAPTER_PAGES),
        **{f"kortlaegning_{k}": v for k, v in KORTLAEGNING.items()},
        kortlaegning_page=KORTLAEGNING_PAGE,
        kortlaegning_pages=KORTLAEGNING_REPORT["pages"],
        kortlaegning_code=KORTLAEGNING_REPORT["code"],
        kortlaegning_ingested=list(KORTLAEGNING_INGESTED.values()),
        **{f"kortlaegning_tables_{k}": v for k, v in KORTLAEGNING_TABLES.items()},
        kortlaegning_maps=KORTLAEGNING_MAPS,
        **{f"kortlaegning_twin_{k}": v for k, v in KORTLAEGNING_TWIN.items()},
    default_target: True


onsuccess:
    print_reproduction_summary(REPRODUCTION["full"])
    print_kortlaegning_summary(KORTLAEGNING["reproduction"], KORTLAEGNING_TABLES["reproduction"])


onerror:
    print_problem_report(PROBLEMS["ingest"]["summary"])
