from puljeeval.kortlaegning import contract as kortlaegning_contract
from puljeeval.kortlaegning.twin import write as kortlaegning_twin_files

# The 2016 mapping (Kortlægning, issue 15), a second branch of the DAG: the report's own
# offer-level tables (Tabel 9-3 and 9-4, transcribed into data/kortlaegning/ and read as data),
# what they determine (Tabel 3-3, the second Tabel 5-1), and every printed number checked against
# the report's own arithmetic (puljeeval/kortlaegning/consistency.py); the survey extracts (the
# twin's, or a delivery's with kortlaegning.data_source: real) checked against the mapping's
# contract and ingested; the maps drawn from them.

KORTLAEGNING = {
    "reproduction": "results/kortlaegning/reproduction.csv",
    "checks": "results/kortlaegning/consistency_checks.csv",
    "offers_per_type": "results/kortlaegning/offers_per_type.csv",
}
KORTLAEGNING_PAGE = "results/report/kortlaegning.html"
KORTLAEGNING_MAPS = [f"results/figures/kortlaegning/{stem}.{ext}" for stem in
                     ("figur_1_1", "figur_3_1", "figur_5_1", "figur_9_1", "figur_9_2") for ext in ("png", "svg", "json")]
KORTLAEGNING_TWIN_SOURCE = config["kortlaegning"]["data_source"] == "twin"
# The survey twin's extracts in the contract (synthetic answers of the named offers; under interim/
# with everything else that holds the survey's rows) and its calibration report; only with
# data_source: twin.
KORTLAEGNING_TWIN = {name: f"results/interim/kortlaegning/twin/{file}" for name, file in
                     {**kortlaegning_twin_files.FILES, "twin_calibration": kortlaegning_twin_files.CALIBRATION_FILE}.items()
                     } if KORTLAEGNING_TWIN_SOURCE else {}
# The extracts ingestion reads: the twin's, or the delivered `<name>.csv` (`.xlsx` when only that
# exists) in the folder `kortlaegning.extracts`.
KORTLAEGNING_EXTRACTS = {name: KORTLAEGNING_TWIN[name] if KORTLAEGNING_TWIN_SOURCE else
                         str(kortlaegning_contract.extract_path(Path(str(config["kortlaegning"]["extracts"])), name))
                         for name in kortlaegning_contract.EXTRACTS}
# The checked extracts, typed (0/1 as Int8, codes as strings, counts as floats; `row` the file's data
# row): what every table and map of the mapping reads.
KORTLAEGNING_INGESTED = {name: f"results/interim/kortlaegning/ingested/{name}.parquet"
                         for name in kortlaegning_contract.EXTRACTS}


rule kortlaegning_offer_tables:
    input:
        published=config["kortlaegning"]["published"],
        tabel_9_3=f"{config['kortlaegning']['offer_tables']}/tabel_9_3.csv",
        tabel_9_4=f"{config['kortlaegning']['offer_tables']}/tabel_9_4.csv",
    output:
        **KORTLAEGNING,
    threads: threads_of("kortlaegning_offer_tables")
    resources:
        **resources_of("kortlaegning_offer_tables"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/kortlaegning_offer_tables.log",
    benchmark:
        "results/benchmarks/kortlaegning_offer_tables.tsv"
    script:
        "../../scripts/kortlaegning_offer_tables.py"



rule kortlaegning_page:
    input:
        reproduction=KORTLAEGNING["reproduction"],
        checks=KORTLAEGNING["checks"],
        offers_per_type=KORTLAEGNING["offers_per_type"],
        tabel_9_3=f"{config['kortlaegning']['offer_tables']}/tabel_9_3.csv",
        tabel_9_4=f"{config['kortlaegning']['offer_tables']}/tabel_9_4.csv",
        maps=KORTLAEGNING_MAPS,
    output:
        KORTLAEGNING_PAGE,
    params:
        title="Kortlægningen 2016: rapportens egne tal",
        chapters=CHAPTER_PAGES,
        # the mapping's chapter pages and workbook, linked from here (workflow/rules/kortlaegning_report.smk)
        mapping_pages=lambda wc: KORTLAEGNING_PAGES if kortlaegning_published() else {},
    threads: threads_of("kortlaegning_page")
    resources:
        **resources_of("kortlaegning_page"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/kortlaegning_page.log",
    benchmark:
        "results/benchmarks/kortlaegning_page.tsv"
    script:
        "../../scripts/kortlaegning_page.py"


if KORTLAEGNING_TWIN_SOURCE:

    rule kortlaegning_twin:
        input:
            twin_config=config["kortlaegning"]["twin"],
            published=config["kortlaegning"]["published"],
            tabel_9_3=f"{config['kortlaegning']['offer_tables']}/tabel_9_3.csv",
            tabel_9_4=f"{config['kortlaegning']['offer_tables']}/tabel_9_4.csv",
            # the contract's municipality codes (the package's file, wherever the workflow runs)
            kommuner=str(kortlaegning_contract.MUNICIPALITIES),
        output:
            **KORTLAEGNING_TWIN,
        threads: threads_of("kortlaegning_twin")
        resources:
            **resources_of("kortlaegning_twin"),
        conda:
            "../../environment.yml"
        log:
            "results/logs/kortlaegning_twin.log",
        benchmark:
            "results/benchmarks/kortlaegning_twin.tsv"
        script:
            "../../scripts/kortlaegning_twin.py"


rule kortlaegning_ingest:
    input:
        **KORTLAEGNING_EXTRACTS,
    output:
        **KORTLAEGNING_INGESTED,
    params:
        config=cfg("kortlaegning.data_source"),
        # written only when the extracts break the contract (see rule ingest)
        problems="results/interim/problems/kortlaegning_ingest.csv",
    threads: threads_of("kortlaegning_ingest")
    resources:
        **resources_of("kortlaegning_ingest"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/kortlaegning_ingest.log",
    benchmark:
        "results/benchmarks/kortlaegning_ingest.tsv"
    script:
        "../../scripts/kortlaegning_ingest.py"


rule kortlaegning_maps:
    input:
        **{name: KORTLAEGNING_INGESTED[name] for name in ("breddesurvey", "tilbud", "indsatser", "filialer", "daekning")},
        published=config["kortlaegning"]["published"],
        # given exactly when the data are the twin's: the maps then carry the synthetic-data line with
        # its seed (the input name is puljeeval.render.pages.MAPPING_TWIN_INPUT)
        **({"kortlaegning_twin": config["kortlaegning"]["twin"]} if KORTLAEGNING_TWIN_SOURCE else {}),
        outline="data/geo/denmark_outline.geojson",
        municipalities="data/geo/kommuner.csv",
    output:
        KORTLAEGNING_MAPS,
    threads: threads_of("kortlaegning_maps")
    resources:
        **resources_of("kortlaegning_maps"),
    conda:
        "../../environment.yml"
    log:
        "results/logs/kortlaegning_maps.log",
    benchmark:
        "results/benchmarks/kortlaegning_maps.tsv"
    script:
        "../../scripts/kortlaegning_maps.py"
