# Shared names of the workflow: the products' paths, the side files, and `cfg` for a rule's
# declared config keys.

from pathlib import Path

import pandas as pd

from puljeeval.data.contract import EXTRACTS
from puljeeval.evaluation import reproduction
from puljeeval.scoring import score as scoring
from puljeeval.publish.registry import MAPPING, Registry
from puljeeval.render.pages import COST_INPUT, MAPPING_TWIN_INPUT
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
    "kapitel_6": "Kapitel 6. Omkostningsvurdering af udvalgte indsatser",
    "bilag_1": "Bilag 1. Oversigt over tilbud i puljen og de kerneelementer, de har arbejdet med",
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


# Every rule's threads, mem_mb and runtime (workflow/resources.yaml, calibrated from measured runs by
# `python -m puljeeval.tools.resources`): mem_mb and runtime grow linearly with the data's scale
# (config resources.scale; else twin.scale with the twin's data, 1 for real extracts). Slurm gets
# them through the executor (profiles/slurm); locally they only inform the scheduler.
from puljeeval.tools import resources as resource_spec

RESOURCE_SPEC = read_yaml("workflow/resources.yaml")
RESOURCE_SCALE = config.get("resources", {}).get("scale") or (
    config["twin"]["scale"] if config["data_source"] == "twin" else 1)


def threads_of(rule):
    return resource_spec.declared(RESOURCE_SPEC, rule, RESOURCE_SCALE)["threads"]


def resources_of(rule, scale=None):
    """A rule's mem_mb and runtime at the data's scale (`scale`: the share one job sees, for a
    partitioned rule)."""
    declared = resource_spec.declared(RESOURCE_SPEC, rule, RESOURCE_SCALE if scale is None else scale)
    return {"mem_mb": declared["mem_mb"], "runtime": declared["runtime"]}


def cfg(*paths):
    """A rule's `params.config`: exactly these dotted config keys (see settings.config_slice)."""
    return config_slice(config, *paths)


def extract_path(name):
    return config["extracts"][name]["path"]


# The twin's blocks (workflow/rules/twin.smk): a twin of `twin.scale` k is k blocks, each its own job.
TWIN_BLOCKS = config["twin"]["scale"] if config["data_source"] == "twin" else 0
TWIN_BLOCK_DIR = "results/interim/twin/blocks/{block}"


# Scoring's partitions (config `partitions.score`; puljeeval/scoring/score.py): one job per
# contiguous range of course ids. auto: one per block of the twin, one for real extracts.
SCORE_PARTS = config["partitions"]["score"] if config["partitions"]["score"] != "auto" else max(TWIN_BLOCKS, 1)
SCORE_PART = "results/interim/scores/parts/{part}/{name}.parquet"


def twin_part(name, block="{block}"):
    """A block's file of extract `name`: the extract's file name in the block's folder."""
    return f"{TWIN_BLOCK_DIR.format(block=block)}/{Path(extract_path(name)).name}"


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
# files per chapter (Snakemake outputs are patterns, not functions). The 2016 mapping
# (Kortlægning) publishes through the same rule, as one chapter (MAPPING = "kortlaegning": one
# workbook, CSV folder and folder of masked tables for all its chapters); its maps are drawn by
# rule kortlaegning_maps, not by the figures rule.
PUBLISHED_CHAPTERS = {
    chapter: {"workbook": f"results/tables/{chapter}.xlsx", "csv_dir": f"results/tables/{chapter}",
              "figures": f"results/figures/{chapter}", "masked": f"results/interim/published/{chapter}"}
    for chapter in CHAPTER_PAGES
}
# workflow/rules/kortlaegning_report.smk adds the mapping when it is included
MAPPING_PUBLISHED = {"workbook": f"results/tables/{MAPPING}.xlsx", "csv_dir": f"results/tables/{MAPPING}",
                     "masked": f"results/interim/published/{MAPPING}"}
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
# Whether the mapping's data are its survey twin's (config kortlaegning.data_source, twin when the
# key is absent): its rules then take the twin's configuration (for the seed their notes and
# banners give) as input MAPPING_TWIN_INPUT.
KORTLAEGNING_SYNTHETIC = config["kortlaegning"].get("data_source", "twin") == "twin"
KORTLAEGNING_SOURCE_INPUT = ({MAPPING_TWIN_INPUT: config["kortlaegning"]["twin"]} if KORTLAEGNING_SYNTHETIC else {})
# Chapter 6's rules (publishing, figures, pages) also get the cost input: whether it is assumed
# decides the line every output carries (render/pages.py cost_source_of).
CHAPTER_OWN_INPUTS = {"kapitel_6": {COST_INPUT: config["costs"]["input"]}}
# What each chapter's figures read beyond the registry (the label sets of the tables they draw
# included): config keys and side files.
FIGURE_CONFIG = {
    "kapitel_3": {"keys": ["age.groups"], "side": ["published"]},
    "kapitel_4": {"keys": ["age.groups"], "side": ["instruments"]},
    "kapitel_5": {"keys": ["core_elements.outcomes", "core_elements.subgroups"], "side": ["core_elements"]},
    # chapter 6's figures read only its tables (and the registry's texts)
    "kapitel_6": {"keys": [], "side": []},
    # Bilag 1 has no figures (its rule writes an empty folder, so every chapter has one)
    "bilag_1": {"keys": [], "side": []},
}


# The side files and config keys each chapter's label sets read (config/tables.yaml `labels`):
# every rule that shows a chapter's tables declares them.
LABEL_INPUTS = {chapter: PUBLISH_REGISTRY.label_inputs(chapter) for chapter in PUBLISHED_CHAPTERS}


def publish_inputs(chapter, side=None):
    """The chapter's interim tables (by registry source name), the registry, and the side files
    its labels read (every table's; `side`: exactly these instead, for a rule that shows only
    some tables, such as the figures); the mapping's also the twin's configuration when its data
    are synthetic (its notes give the seed)."""
    side = LABEL_INPUTS[chapter]["side_files"] if side is None else side
    return {
        **{name: PUBLISH_SOURCES[name] for name in PUBLISH_REGISTRY.sources(chapter)},
        "tables": SIDE_FILES["tables"],
        **{key: SIDE_FILES[key] for key in side},
        **(KORTLAEGNING_SOURCE_INPUT if chapter == MAPPING else {}),
        **CHAPTER_OWN_INPUTS.get(chapter, {}),
    }


def publish_keys(chapter, keys=None):
    """A chapter's publishing rule's `params.config`: the threshold, provenance and the config
    keys its labels read (`keys`: exactly these instead). A chapter whose disclosure rules take
    their thresholds from a config block (registry `policies`: the mapping's organisations) reads
    that block instead of the evaluation's threshold and provenance."""
    keys = LABEL_INPUTS[chapter]["config"] if keys is None else keys
    policies = PUBLISH_REGISTRY.policy_keys(chapter)
    # a chapter with its own source (chapter 6: its cost input) does not say whether the twin's data are used
    provenance = [] if chapter in CHAPTER_OWN_INPUTS else PROVENANCE_KEYS
    base = policies if policies else ["disclosure.min_count", *provenance]
    return cfg(*dict.fromkeys([*base, *keys]))


# Rendering (render.smk)
# Where the run's configuration came from: the default file, --configfile files, --config values.
CONFIG_SOURCES = ["config/config.yaml"] + [
    str(Path(f).relative_to(Path.cwd())) if Path(f).is_relative_to(Path.cwd()) else str(f)
    for f in workflow.config_settings.configfiles
] + [f"--config {key}={value}" for key, value in sorted((workflow.config_settings.config or {}).items())]
# The mapping's pages (one notebook, notebooks/kortlaegning.ipynb, executed once for all of them by
# rule render_kortlaegning and split into pages by rule kortlaegning_html), in the report's order,
# after its front page results/report/kortlaegning.html (rule kortlaegning_page).
KORTLAEGNING_PAGES = {
    "kortlaegning_kapitel_3": "Kortlægningen 2016, kapitel 3. Geografisk overblik over behandlingstilbud",
    "kortlaegning_kapitel_4": "Kortlægningen 2016, kapitel 4. Tilbuddenes størrelse og faglige kompetencer",
    "kortlaegning_kapitel_5": "Kortlægningen 2016, kapitel 5. Typer af indsatser i tilbuddene",
    "kortlaegning_kapitel_6": "Kortlægningen 2016, kapitel 6. Indholdet i indsatserne",
    "kortlaegning_kapitel_7": "Kortlægningen 2016, kapitel 7. Opsporing, rekruttering og samarbejde",
    "kortlaegning_bilag": "Kortlægningen 2016, bilag. Tabeller og figurer til kapitel 3-7 og metode",
}
KORTLAEGNING_REPORT = {
    "notebook": "results/report/kortlaegning_kapitler.ipynb",
    "pages": [f"results/report/{stem}.html" for stem in KORTLAEGNING_PAGES],
    "code": "results/report/kortlaegning_kode.html",
}


def kortlaegning_published():
    """Whether the mapping is published and rendered (workflow/rules/kortlaegning_report.smk is
    included): the index and the report PDF then have its part."""
    return MAPPING in PUBLISHED_CHAPTERS


def kortlaegning_render_inputs():
    """What the index and the report PDF read of the mapping: its pages, the page with the code, its
    workbook and (synthetic data) the twin's configuration; nothing without the mapping."""
    if not kortlaegning_published():
        return {}
    return {"mapping_pages": KORTLAEGNING_REPORT["pages"], "mapping_code": KORTLAEGNING_REPORT["code"],
            "mapping_workbook": MAPPING_PUBLISHED["workbook"], **KORTLAEGNING_SOURCE_INPUT}
# The config keys and side files each chapter's notebook reads (its prose and provenance).
CHAPTER_CONFIG = {
    "kapitel_3": {"keys": [], "side": ["tables"]},
    "kapitel_4": {"keys": ["analysis_unit"], "side": ["tables"]},
    "kapitel_5": {"keys": ["core_elements.outcomes", "core_elements.few_effective_offers", "analysis_unit"],
                  "side": ["tables", "core_elements"]},
    # chapter 6's inputs are the cost files, not the extracts (its provenance hashes them)
    "kapitel_6": {"keys": [], "side": ["tables"], "inputs": list(config["costs"].values())},
    # Bilag 1: the transcription and the intention extract it computes the element matrix from
    "bilag_1": {"keys": [], "side": ["tables"], "inputs": [config["bilag_1"], extract_path("intention")]},
}


def chapter_inputs(chapter):
    """The files a chapter's provenance hashes: the extracts, or the chapter's own inputs."""
    return CHAPTER_CONFIG[chapter].get("inputs", [extract_path(name) for name in EXTRACTS])


def chapter_side(chapter):
    """The side files a chapter's notebook reads: its own and those its tables' labels read."""
    return list(dict.fromkeys([*CHAPTER_CONFIG[chapter]["side"], *LABEL_INPUTS[chapter]["side_files"]]))


# The whole report as one document and one PDF (rule report_pdf).
REPORT_DOCUMENT = {"html": "results/report/rapport.html", "pdf": "results/report/rapport.pdf"}


def print_kortlaegning_summary(offer_tables, survey_tables):
    """The mapping's reproduction in two lines at the end of a successful run: the cells its own
    offer tables determine, and every printed number beside the survey tables."""
    for path, what in ((offer_tables, "cells the report's offer tables determine"),
                       (survey_tables, "printed numbers (cells, N, prose) against the survey tables")):
        if not Path(path).exists():
            continue
        verdicts = pd.read_csv(path)["verdict"].value_counts()
        line = (f"kortlægning: {verdicts.get('reproduced', 0)} of {int(verdicts.sum())} {what} reproduced; "
                f"{verdicts.get('inconsistent in the report', 0)} inconsistent in the report, "
                f"{verdicts.get('not reproduced', 0)} not reproduced")
        if verdicts.get("no cell to compare"):
            line += f", {verdicts['no cell to compare']} estimates with no survey answer to compare"
        print(line)
