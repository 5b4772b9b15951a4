# Shared names of the workflow: the products' paths, the side files, and `cfg` for a rule's
# declared config keys.

from pathlib import Path

import pandas as pd

from puljeeval.data.contract import EXTRACTS
from puljeeval.evaluation import reproduction
from puljeeval.scoring import score as scoring
from puljeeval.publish.registry import Registry
from puljeeval.settings import config_slice, read_yaml

INTERIM = {name: f"results/interim/ingested/{name}.parquet" for name in EXTRACTS}
# Problem reports of the contract check (under interim/: they name rows of confidential files).
PROBLEMS = {
    "ingest": {"problems": "results/interim/problems/ingest.csv", "summary": "results/interim/problems/ingest.txt"},
    "validate": {"problems": "results/interim/problems/validate.csv", "summary": "results/interim/problems/validate.txt"},
}
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
    for name in ["dropout", "dropout_age", "dropout_model", "outcomes", "benefit_shares", "benefit_regression",
                 "parent_statements", "core_om_severity"]
}
# Core elements (Bilag 4): model frames per outcome (course ids: interim only), the flow,
# descriptive tables, and coefficient and model tables per outcome.
ELEMENT_FRAME = "results/interim/core_elements/{outcome}.parquet"
ELEMENT_ATTRITION = "results/interim/core_elements/{outcome}_attrition.parquet"
ELEMENT_TABLES = {f"bilag4_{name}": f"results/interim/tables/bilag4_{name}.csv"
                  for name in ["flow", "intention", "histogram"]}
ELEMENT_OUTCOMES = [o["key"] for o in config["core_elements"]["outcomes"]]
ELEMENT_MODELS = {
    "coefficients": expand("results/interim/tables/bilag4_coefficients_{outcome}.csv", outcome=ELEMENT_OUTCOMES),
    "models": expand("results/interim/tables/bilag4_models_{outcome}.csv", outcome=ELEMENT_OUTCOMES),
    "sensitivity": expand("results/interim/tables/bilag4_sensitivity_{outcome}.csv", outcome=ELEMENT_OUTCOMES),
    "interactions": expand("results/interim/tables/bilag4_interactions_{outcome}.csv", outcome=ELEMENT_OUTCOMES),
}
# All outcomes' coefficients with the multiplicity adjustment over the configured families.
ELEMENT_ADJUSTED = "results/interim/tables/bilag4_coefficients.csv"
CHAPTER_PAGES = {
    "kapitel_3": "Kapitel 3. Karakteristik af de børn og unge, der har modtaget behandling",
    "kapitel_4": "Kapitel 4. Børn og unges udvikling, med Bilag 2",
    "kapitel_5": "Kapitel 5. Kerneelementernes betydning (Bilag 4)",
}
SCORES = {name: f"results/interim/scores/{name}.parquet"
          for name in scoring.output_names(SETTINGS.instruments["instruments"])}
# The side files by name. A rule takes as input only those it reads (rulekit.settings refuses
# the others), so editing one re-runs only the rules that use it.
SIDE_FILES = {key: config["files"][key] for key in ("offers", "instruments", "published", "core_elements", "tables")}


# The keys every output's notes and banner read: whether the data are synthetic, and the twin's
# seed and scale.
PROVENANCE_KEYS = ["data_source", "twin.seed", "twin.scale"] if config["data_source"] == "twin" else ["data_source"]
# The keys that tell how many times the report's size the data are (reproduction, index page).
SCALE_KEYS = ["data_source", "twin.scale"] if config["data_source"] == "twin" else ["data_source"]


def cfg(*paths):
    """A rule's `params.config`: exactly these dotted config keys (see settings.config_slice)."""
    return config_slice(config, *paths)


def extract_path(name):
    return config["extracts"][name]["path"]


def print_reproduction_summary(path):
    if Path(path).exists():
        print(reproduction.summary(pd.read_csv(path), reproduction.twin_scale(SETTINGS)))


def print_problem_report(path):
    """After a failed run, the contract's problem report last on the terminal, where it is seen."""
    if Path(path).exists():
        text = Path(path).read_text(encoding="utf-8")
        print(f"\n{text}")



# Publishing (publish.smk)
PUBLISH_REGISTRY = Registry(read_yaml(config["files"]["tables"]))
# What each chapter publishes; the render rules take these as the notebooks' inputs. The CSVs
# and figures are folders: a rule with a {chapter} wildcard cannot declare a different list of
# files per chapter (Snakemake outputs are patterns, not functions).
PUBLISHED_CHAPTERS = {
    chapter: {"workbook": f"results/tables/{chapter}.xlsx", "csv_dir": f"results/tables/{chapter}",
              "figures": f"results/figures/{chapter}", "masked": f"results/interim/published/{chapter}"}
    for chapter in CHAPTER_PAGES
}
# The interim tables a registry `source` names (chapter 5's models: one file per outcome).
PUBLISH_SOURCES = {
    **CHAPTER3_TABLES,
    **ANALYSES,
    **ELEMENT_TABLES,
    "bilag4_coefficients": ELEMENT_ADJUSTED,
    "bilag4_models": ELEMENT_MODELS["models"],
    "bilag4_sensitivity": ELEMENT_MODELS["sensitivity"],
    "bilag4_interactions": ELEMENT_MODELS["interactions"],
}
# What each chapter's figures read beyond the registry (the label sets of the tables they draw
# included): config keys and side files.
FIGURE_CONFIG = {
    "kapitel_3": {"keys": ["age.groups"], "side": ["published"]},
    "kapitel_4": {"keys": ["age.groups"], "side": ["instruments"]},
    "kapitel_5": {"keys": ["core_elements.outcomes", "core_elements.subgroups"], "side": ["core_elements"]},
}


# The side files and config keys each chapter's label sets read (config/tables.yaml `labels`):
# every rule that shows a chapter's tables declares them.
LABEL_INPUTS = {chapter: PUBLISH_REGISTRY.label_inputs(chapter) for chapter in PUBLISHED_CHAPTERS}


def publish_inputs(chapter, side=None):
    """The chapter's interim tables (by registry source name), the registry, and the side files
    its labels read (every table's; `side`: exactly these instead, for a rule that shows only
    some tables, such as the figures)."""
    side = LABEL_INPUTS[chapter]["side_files"] if side is None else side
    return {
        **{name: PUBLISH_SOURCES[name] for name in PUBLISH_REGISTRY.sources(chapter)},
        "tables": SIDE_FILES["tables"],
        **{key: SIDE_FILES[key] for key in side},
    }


def publish_keys(chapter, keys=None):
    """A chapter's publishing rule's `params.config`: the threshold, provenance and the config
    keys its labels read (`keys`: exactly these instead)."""
    keys = LABEL_INPUTS[chapter]["config"] if keys is None else keys
    return cfg(*dict.fromkeys(["disclosure.min_count", *PROVENANCE_KEYS, *keys]))


# Rendering (render.smk)
# The config keys and side files each chapter's notebook reads (its prose and provenance).
CHAPTER_CONFIG = {
    "kapitel_3": {"keys": [], "side": ["tables"]},
    "kapitel_4": {"keys": ["analysis_unit"], "side": ["tables"]},
    "kapitel_5": {"keys": ["core_elements.outcomes", "core_elements.few_effective_offers", "analysis_unit"],
                  "side": ["tables", "core_elements"]},
}


def chapter_side(chapter):
    """The side files a chapter's notebook reads: its own and those its tables' labels read."""
    return list(dict.fromkeys([*CHAPTER_CONFIG[chapter]["side"], *LABEL_INPUTS[chapter]["side_files"]]))


# The whole report as one document and one PDF (rule report_pdf).
REPORT_DOCUMENT = {"html": "results/report/rapport.html", "pdf": "results/report/rapport.pdf"}


def print_kortlaegning_summary(path):
    """The mapping's reproduction in one line at the end of a successful run."""
    if not Path(path).exists():
        return
    verdicts = pd.read_csv(path)["verdict"].value_counts()
    print(f"kortlægning: {verdicts.get('reproduced', 0)} of {int(verdicts.sum())} cells the report's offer tables "
          f"determine reproduced; {verdicts.get('inconsistent in the report', 0)} inconsistent in the report, "
          f"{verdicts.get('not reproduced', 0)} not reproduced")
