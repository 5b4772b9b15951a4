# Shared names and helpers of the workflow.

from pathlib import Path

import pandas as pd

from puljeeval import reproduction, scoring

EXTRACTS = ["registrations", "background", "questionnaires", "fidelity", "intention"]
INTERIM = {name: f"results/interim/ingested/{name}.parquet" for name in EXTRACTS}
CLEAN_TABLES = ["courses", "responses", "fidelity", "intention", "ledger"]
CLEAN = {name: f"results/interim/clean/{name}.parquet" for name in CLEAN_TABLES}
CHAPTER3_TABLES = {
    "flow": "results/tables/figur_3_4_flow.csv",
    "production": "results/tables/tabel_8_1_production.csv",
    "profiles": "results/tables/figur_3_1-3_3_profiles.csv",
}
SCORES = {name: f"results/interim/scores/{name}.parquet"
          for name in scoring.output_names(SETTINGS.instruments["instruments"])}
SIDE_FILES = {key: config["files"][key] for key in ("offers", "instruments", "published", "core_elements")}


def extract_path(name):
    return config["extracts"][name]["path"]


def print_reproduction_summary(path):
    if Path(path).exists():
        print(reproduction.summary(pd.read_csv(path), reproduction.twin_scale(SETTINGS)))
