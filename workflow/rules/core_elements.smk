# Core elements (chapter 5, Bilag 4): intention and intensity per child, the analysis samples
# of footnote 5, and per outcome the intention, intensity and subgroup models.


rule core_element_samples:
    input:
        courses=CLEAN["courses"],
        fidelity=CLEAN["fidelity"],
        intention=CLEAN["intention"],
        prepost=SCORES["prepost"],
        scores=[SCORES[f"{o['instrument']}_{tp}"] for o in config["core_elements"]["outcomes"]
                for tp in ("start", "slut")],
        **SIDE_FILES,
    output:
        frames=directory(ELEMENT_FRAMES),
        **ELEMENT_TABLES,
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
        frames=ELEMENT_FRAMES,
        **SIDE_FILES,
    output:
        coefficients="results/interim/tables/bilag4_coefficients_{outcome}.csv",
        models="results/interim/tables/bilag4_models_{outcome}.csv",
    params:
        core_elements=config["core_elements"],
    wildcard_constraints:
        outcome="[a-z0-9_]+",
    conda:
        "../../environment.yml"
    log:
        "results/logs/core_element_models_{outcome}.log",
    benchmark:
        "results/benchmarks/core_element_models_{outcome}.tsv"
    script:
        "../../scripts/core_element_models.py"


rule bilag4_outputs:
    input:
        **ELEMENT_TABLES,
        coefficients=ELEMENT_MODELS["coefficients"],
        models=ELEMENT_MODELS["models"],
        **SIDE_FILES,
    output:
        workbook=BILAG4["workbook"],
        csv_dir=directory(BILAG4["csv_dir"]),
        figures=directory(BILAG4["figures"]),
    params:
        disclosure=config["disclosure"],
    conda:
        "../../environment.yml"
    log:
        "results/logs/bilag4_outputs.log",
    benchmark:
        "results/benchmarks/bilag4_outputs.tsv"
    script:
        "../../scripts/bilag4_outputs.py"
