# Shared names and helpers of the workflow.

from pathlib import Path

import pandas as pd

from puljeeval.evaluation import reproduction
from puljeeval.scoring import score as scoring

EXTRACTS = ["registrations", "background", "questionnaires", "fidelity", "intention"]
INTERIM = {name: f"results/interim/ingested/{name}.parquet" for name in EXTRACTS}
CLEAN_TABLES = ["courses", "responses", "fidelity", "intention", "ledger"]
CLEAN = {name: f"results/interim/clean/{name}.parquet" for name in CLEAN_TABLES}
# Unsuppressed tables: inputs of the reproduction check and of the published tables.
CHAPTER3_TABLES = {
    "flow": "results/interim/tables/figur_3_4_flow.csv",
    "production": "results/interim/tables/tabel_8_1_production.csv",
    "profiles": "results/interim/tables/figur_3_1-3_3_profiles.csv",
}
ANALYSES = {
    name: f"results/interim/tables/{name}.csv"
    for name in ["dropout", "dropout_model", "outcomes", "benefit_shares", "benefit_regression",
                 "parent_statements", "core_om_severity"]
}
# Core elements (Bilag 4): model frames per outcome (course ids: interim only), the flow,
# descriptive tables, and coefficient and model tables per outcome.
ELEMENT_FRAMES = "results/interim/core_elements"
ELEMENT_TABLES = {f"bilag4_{name}": f"results/interim/tables/bilag4_{name}.csv"
                  for name in ["flow", "intention", "histogram"]}
ELEMENT_OUTCOMES = [o["key"] for o in config["core_elements"]["outcomes"]]
ELEMENT_MODELS = {
    "coefficients": expand("results/interim/tables/bilag4_coefficients_{outcome}.csv", outcome=ELEMENT_OUTCOMES),
    "models": expand("results/interim/tables/bilag4_models_{outcome}.csv", outcome=ELEMENT_OUTCOMES),
}
# Bilag 4 published: workbook, CSV per sheet, figures 10-1..10-16.
BILAG4 = {"workbook": "results/tables/kapitel_5.xlsx", "csv_dir": "results/tables/kapitel_5",
          "figures": "results/figures_kapitel_5"}
FIGURES_DIR = "results/figures"
CSV_DIR = "results/tables/csv"
# Published tables: disclosure control applied, Danish headings, one workbook per chapter.
PUBLISHED = {
    "kapitel_3": "results/tables/kapitel_3.xlsx",
    "kapitel_4": "results/tables/kapitel_4.xlsx",
    "csv_dir": CSV_DIR,
}
CHAPTER_PAGES = {
    "kapitel_3": "Kapitel 3. Karakteristik af de børn og unge, der har modtaget behandling",
    "kapitel_4": "Kapitel 4. Børn og unges udvikling, med Bilag 2",
    "kapitel_5": "Kapitel 5. Kerneelementernes betydning (Bilag 4)",
}
# What each chapter notebook reads: the rule's directory output it depends on and its CSVs.
CHAPTER_INPUTS = {
    "kapitel_3": {"tables": PUBLISHED["csv_dir"], "csv_dir": f"{CSV_DIR}/kapitel_3", "figures": FIGURES_DIR},
    "kapitel_4": {"tables": PUBLISHED["csv_dir"], "csv_dir": f"{CSV_DIR}/kapitel_4", "figures": FIGURES_DIR},
    "kapitel_5": {"tables": BILAG4["csv_dir"], "csv_dir": BILAG4["csv_dir"], "figures": BILAG4["figures"]},
}
SCORES = {name: f"results/interim/scores/{name}.parquet"
          for name in scoring.output_names(SETTINGS.instruments["instruments"])}
SIDE_FILES = {key: config["files"][key] for key in ("offers", "instruments", "published", "core_elements", "tables")}


def extract_path(name):
    return config["extracts"][name]["path"]


def print_reproduction_summary(path):
    if Path(path).exists():
        print(reproduction.summary(pd.read_csv(path), reproduction.twin_scale(SETTINGS)))
