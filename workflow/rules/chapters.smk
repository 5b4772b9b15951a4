# Chapter layer of the evaluation report: the unsuppressed tables and models of chapter 3 and
# Bilag 2 (flow, production, profiles, dropout), chapter 4 (outcomes, benefit) and chapter 5 /
# Bilag 4 (core-element samples and models). Publishing reads them in publish.smk.


rule chapter3_tables:
    input:
        courses=CLEAN["courses"],
        who5_start=SCORES["who5_start"],
        ledger=CLEAN["ledger"],
        offers=SIDE_FILES["offers"],
        instruments=SIDE_FILES["instruments"],
        published=SIDE_FILES["published"],
    output:
        **CHAPTER3_TABLES,
    params:
        config=cfg("production.subtract", "production.add"),
    threads: threads_of("chapter3_tables")
    resources:
        **resources_of("chapter3_tables"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/chapter3_tables.log",
    benchmark:
        "results/benchmarks/chapter3_tables.tsv"
    script:
        "../../scripts/chapter3_tables.py"


rule chapter_analyses:
    input:
        courses=CLEAN["courses"],
        who5_start=SCORES["who5_start"],
        prepost=SCORES["prepost"],
        benefit=SCORES["benefit_slut"],
        parent_statements=SCORES["parent_statements_slut"],
        instruments=SIDE_FILES["instruments"],
    output:
        **ANALYSES,
    params:
        config=cfg("analysis", "analysis_unit", "age.groups", "disclosure.min_residual_df"),
    threads: threads_of("chapter_analyses")
    resources:
        **resources_of("chapter_analyses"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/chapter_analyses.log",
    benchmark:
        "results/benchmarks/chapter_analyses.tsv"
    script:
        "../../scripts/chapter_analyses.py"


rule core_element_samples:
    input:
        courses=CLEAN["courses"],
        fidelity=CLEAN["fidelity"],
        intention=CLEAN["intention"],
        prepost=SCORES["prepost"],
        scores=[SCORES[f"{o['instrument']}_{tp}"] for o in config["core_elements"]["outcomes"]
                for tp in ("start", "slut")],
        core_elements=SIDE_FILES["core_elements"],
    output:
        frames=expand(ELEMENT_FRAME, outcome=ELEMENT_OUTCOMES),
        attrition=expand(ELEMENT_ATTRITION, outcome=ELEMENT_OUTCOMES),
        **ELEMENT_TABLES,
    params:
        config=cfg("core_elements.aggregation", "core_elements.unrated", "core_elements.outcomes",
                   "core_elements.histogram_edges", "core_elements.controls", "core_elements.numeric_controls",
                   "core_elements.missing_controls", "core_elements.attrition.predictors", "core_elements.cluster",
                   "analysis_unit"),
    threads: threads_of("core_element_samples")
    resources:
        **resources_of("core_element_samples"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/core_element_samples.log",
    benchmark:
        "results/benchmarks/core_element_samples.tsv"
    script:
        "../../scripts/core_element_samples.py"


rule core_element_models:
    input:
        frame=ELEMENT_FRAME,
        attrition=ELEMENT_ATTRITION,
        core_elements=SIDE_FILES["core_elements"],
    output:
        coefficients="results/interim/tables/bilag4_coefficients_{outcome}.csv",
        models="results/interim/tables/bilag4_models_{outcome}.csv",
        sensitivity="results/interim/tables/bilag4_sensitivity_{outcome}.csv",
        interactions="results/interim/tables/bilag4_interactions_{outcome}.csv",
    params:
        config=cfg("disclosure.min_residual_df", "core_elements.outcomes", "core_elements.controls", "core_elements.numeric_controls",
                   "core_elements.subgroups", "core_elements.min_subgroup_df",
                   "core_elements.level", "core_elements.cluster", "core_elements.bootstrap",
                   "core_elements.attrition", "core_elements.sensitivity"),
    wildcard_constraints:
        outcome="[a-z0-9_]+",
    threads: threads_of("core_element_models")
    resources:
        **resources_of("core_element_models"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/core_element_models_{outcome}.log",
    benchmark:
        "results/benchmarks/core_element_models_{outcome}.tsv"
    script:
        "../../scripts/core_element_models.py"


rule core_element_multiplicity:
    input:
        coefficients=ELEMENT_MODELS["coefficients"],
    output:
        ELEMENT_ADJUSTED,
    params:
        config=cfg("core_elements.multiplicity", "core_elements.outcomes"),
    threads: threads_of("core_element_multiplicity")
    resources:
        **resources_of("core_element_multiplicity"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/core_element_multiplicity.log",
    benchmark:
        "results/benchmarks/core_element_multiplicity.tsv"
    script:
        "../../scripts/core_element_multiplicity.py"
