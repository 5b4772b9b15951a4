# Chapter 6's cost assessment (puljeeval/costs/, docs/costs.md): cost per participant of the three
# anonymised offers' individual and group courses from the cost input (config costs.input: an
# assumed example by default), and the sensitivity analyses the report did not do. Publishing
# reads the tables through the registry (chapter kapitel_6).

from puljeeval.costs.tables import NAMES as COST_TABLE_NAMES

COST_TABLES = {f"kapitel_6_{name}": f"results/interim/tables/kapitel_6_{name}.csv"
               for name in COST_TABLE_NAMES}
PUBLISH_SOURCES.update(COST_TABLES)


rule cost_tables:
    input:
        cost_input=config["costs"]["input"],
        sensitivity=config["costs"]["sensitivity"],
        published=config["costs"]["published"],
    output:
        **COST_TABLES,
    threads: threads_of("cost_tables")
    resources:
        **resources_of("cost_tables"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/cost_tables.log",
    benchmark:
        "results/benchmarks/cost_tables.tsv"
    script:
        "../../scripts/cost_tables.py"
