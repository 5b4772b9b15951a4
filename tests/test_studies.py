"""The simulation studies as workflow targets (issue 17, item 4): the coverage study's seeds in
batches (one job each) give the same rows as one run over all seeds, a bad study option names its
config key, and `snakemake coverage_study` on the report-scale run makes the batches, the tables,
the figure and the auditor page, whose numbers are the tables'."""

from __future__ import annotations

import re
import shutil

import pandas as pd
import pytest
from conftest import REPORT_CONFIG, job_stats, snakemake
from snakemake.utils import update_config
from test_coverage_study import tiny_design

from puljeeval.publish import display
from puljeeval.settings import ROOT, load_settings, read_yaml
from puljeeval.tools import coverage_cluster_inference as cov

STUDY_CONFIG = ".test/config_coverage.yaml"


def test_seed_batches_cover_every_seed_once():
    batches = cov.seed_batches(5, 23, 10)
    assert [list(b) for b in batches] == [list(range(5, 15)), list(range(15, 25)), list(range(25, 28))]
    assert cov.seed_batches(0, 3, 10) == [range(0, 3)]
    with pytest.raises(ValueError, match="batch_size"):
        cov.seed_batches(0, 3, 0)


def test_batches_give_the_rows_of_one_run():
    study = cov.Study((tiny_design(),), (cov.SCENARIOS["icc10"], cov.SCENARIOS["het05"]), 99, "webb", 0.95,
                      tuple(cov.METHODS.items()), "13")
    whole = cov.run_study(study, range(5))
    parts = pd.concat([cov.run_study(study, b) for b in cov.seed_batches(0, 5, 2)], ignore_index=True)
    pd.testing.assert_frame_equal(whole, parts)
    assert whole["seed"].nunique() == 5 and len(whole) == 5 * 2 * len(cov.METHODS) * 2


def test_a_bad_study_option_names_its_key():
    settings = load_settings(read_yaml(ROOT / "config" / "config.yaml"), ROOT)
    options = dict(read_yaml(ROOT / "config" / "config.yaml")["studies"]["coverage"])
    with pytest.raises(ValueError, match=r"studies\.coverage\.scenarios: unknown or none \['icc99'\]"):
        cov.build_study(settings, {}, {**options, "scenarios": ["icc99"]})
    with pytest.raises(ValueError, match=r"studies\.coverage\.methods/variants: unknown or none \['bogus'\]"):
        cov.build_study(settings, {}, {**options, "methods": ["bogus"]})


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.workflow
def test_the_coverage_study_target(report_scale, tmp_path):
    work = tmp_path / "study"
    shutil.copytree(report_scale, work, symlinks=True, ignore=shutil.ignore_patterns("trace"))
    run = snakemake(work, "coverage_study", configfile=[REPORT_CONFIG, STUDY_CONFIG])
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    log = run.stdout + run.stderr
    options = read_yaml(work / STUDY_CONFIG)["studies"]["coverage"]
    batches = cov.seed_batches(options["first_seed"], options["seeds"], options["batch_size"])
    # only the study's jobs ran: one per batch, the summary and the page
    ran = job_stats(log)
    assert ran == {"coverage_batch": str(len(batches)), "coverage_summary": "1", "coverage_page": "1",
                   "coverage_study": "1", "total": str(len(batches) + 3)}, ran

    # the batches' rows are those of one run over every seed with the same settings
    config = read_yaml(work / "config" / "config.yaml")
    for extra in (REPORT_CONFIG, STUDY_CONFIG):          # merged as Snakemake merges --configfile
        update_config(config, read_yaml(work / extra))
    settings = load_settings(config, work)
    frames = cov.read_frames(work / "results/interim/core_elements", settings)
    study, designs = cov.build_study(settings, frames, options)
    whole = cov.run_study(study, range(options["first_seed"], options["first_seed"] + options["seeds"]))
    runs = pd.read_parquet(work / "results/studies/coverage/coverage_runs.parquet")
    pd.testing.assert_frame_equal(runs, whole)

    # the page shows the headline table's numbers at the precision it prints
    headline = pd.read_csv(work / "results/studies/coverage/coverage_headline.csv")
    assert len(headline) == len(options["scenarios"]) * len(options["methods"])
    page = _text((work / "results/report/daekningsstudie.html").read_text(encoding="utf-8"))
    for row in headline.itertuples():
        cells = f"{display.number(100 * row.mean_coverage, 1)} {display.number(100 * row.min_coverage, 1)}"
        assert cells in page, (row.scenario, row.method, cells)
    assert f"{options['seeds']} frø pr. scenarie" in page
    assert "data:image/png;base64," in (work / "results/report/daekningsstudie.html").read_text(encoding="utf-8")
    assert "NaN" not in page and "nan" not in page.split()
