from puljeeval.kortlaegning.twin import write as kortlaegning_twin_files

# The 2016 mapping (Kortlægning, issue 15), a second branch of the DAG. So far: the report's own
# offer-level tables (Tabel 9-3 and 9-4, transcribed into data/kortlaegning/ and read as data),
# what they determine (Tabel 3-3, the second Tabel 5-1), and every printed number checked against
# the report's own arithmetic (puljeeval/kortlaegning/consistency.py). The survey twin, the other
# tables, the maps and the chapter pages are the rest of issue 15.

KORTLAEGNING = {
    "reproduction": "results/kortlaegning/reproduction.csv",
    "checks": "results/kortlaegning/consistency_checks.csv",
    "offers_per_type": "results/kortlaegning/offers_per_type.csv",
}
KORTLAEGNING_PAGE = "results/report/kortlaegning.html"
KORTLAEGNING_MAPS = [f"results/figures/kortlaegning/{stem}.{ext}" for stem in
                     ("figur_1_1", "figur_3_1", "figur_5_1", "figur_9_1", "figur_9_2") for ext in ("png", "svg", "json")]
# The survey twin's extracts (synthetic answers of the named offers; kept under interim/ until the
# survey contract and the disclosure policy for organisations are applied to what is published).
KORTLAEGNING_TWIN = {Path(name).stem: f"results/interim/kortlaegning/twin/{name}"
                     for name in [*kortlaegning_twin_files.EXTRACTS, kortlaegning_twin_files.CALIBRATION_FILE]}


rule kortlaegning_offer_tables:
    input:
        published=config["kortlaegning"]["published"],
        tabel_9_3=f"{config['kortlaegning']['offer_tables']}/tabel_9_3.csv",
        tabel_9_4=f"{config['kortlaegning']['offer_tables']}/tabel_9_4.csv",
    output:
        **KORTLAEGNING,
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
    conda:
        "../../environment.yml"
    log:
        "results/logs/kortlaegning_page.log",
    benchmark:
        "results/benchmarks/kortlaegning_page.tsv"
    script:
        "../../scripts/kortlaegning_page.py"


rule kortlaegning_twin:
    input:
        twin_config=config["kortlaegning"]["twin"],
        published=config["kortlaegning"]["published"],
        tabel_9_3=f"{config['kortlaegning']['offer_tables']}/tabel_9_3.csv",
        tabel_9_4=f"{config['kortlaegning']['offer_tables']}/tabel_9_4.csv",
    output:
        **KORTLAEGNING_TWIN,
    conda:
        "../../environment.yml"
    log:
        "results/logs/kortlaegning_twin.log",
    benchmark:
        "results/benchmarks/kortlaegning_twin.tsv"
    script:
        "../../scripts/kortlaegning_twin.py"


rule kortlaegning_maps:
    input:
        tilbud=KORTLAEGNING_TWIN["tilbud"],
        daekning=KORTLAEGNING_TWIN["daekning"],
        filialer=KORTLAEGNING_TWIN["filialer"],
        kommuner=KORTLAEGNING_TWIN["kommuner"],
        indsatser=KORTLAEGNING_TWIN["indsatser"],
        published=config["kortlaegning"]["published"],
        twin_config=config["kortlaegning"]["twin"],
        outline="data/geo/denmark_outline.geojson",
        municipalities="data/geo/kommuner.csv",
    output:
        KORTLAEGNING_MAPS,
    conda:
        "../../environment.yml"
    log:
        "results/logs/kortlaegning_maps.log",
    benchmark:
        "results/benchmarks/kortlaegning_maps.tsv"
    script:
        "../../scripts/kortlaegning_maps.py"
