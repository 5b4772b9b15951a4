# Re-creation of the quantitative analysis of the Danish grant pool evaluation (Rambøll 2019).
# Stages: synthetic twin (or real extracts) -> ingest -> clean -> score instruments;
# chapter 3 tables -> reproduction check. See README.md for what each stage writes where.

from snakemake.utils import min_version, validate

from puljeeval.settings import load_settings, validate_config

min_version("9.0")


configfile: "config/config.yaml"


# Our validator first: it lists every bad key with what was expected. Then Snakemake's,
# which also fills schema defaults.
validate_config(config)
validate(config, "workflow/schemas/config.schema.yaml")
SETTINGS = load_settings(config, workflow.basedir)


include: "workflow/rules/common.smk"
include: "workflow/rules/twin.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/clean.smk"
include: "workflow/rules/score.smk"
include: "workflow/rules/chapter3.smk"
include: "workflow/rules/publish.smk"


rule all:
    input:
        ledger_summary="results/tables/ledger_summary.csv",
        reproduction="results/reproduction/reproduction.csv",
        **CLEAN,
        **CHAPTER3_TABLES,
        **SCORES,
        **ANALYSES,
        **PUBLISHED,
        figures=FIGURES,
    default_target: True


onsuccess:
    print_reproduction_summary("results/reproduction/reproduction.csv")
