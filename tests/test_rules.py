"""Rules declare exactly what they read, and re-run exactly what a config edit touches.

Every script builds its settings from the rule's `params.config` (settings.config_slice) and
the side files among its inputs; reading anything else raises UndeclaredConfig, so a rule
cannot go stale silently. These tests close the other direction with the trace each rule writes
(PULJEEVAL_CONFIG_TRACE): every declared key and side file is read, so no edit re-runs a rule
that does not use it. The dry-run tests check representative edits on a finished run.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import TINY_CONFIG, TINY_KEY, copy_workflow, snakemake

from puljeeval.settings import ROOT, ConfigView, UndeclaredConfig, config_slice, from_params

# --------------------------------------------------------------------------- the mechanism


def test_config_view_refuses_undeclared_keys_and_records_reads():
    config = {"a": {"b": 1, "c": {"d": 2}}, "e": 3}
    view = from_params(config_slice(config, "a.c"), {}, "demo").config
    assert isinstance(view, ConfigView)
    assert view["a"]["c"]["d"] == 2
    assert "a.c.d" in view.reads
    with pytest.raises(UndeclaredConfig, match="rule 'demo' reads config key 'a.b'"):
        view["a"]["b"]
    with pytest.raises(UndeclaredConfig, match="'e'"):
        view.get("e", 0)                    # no silent default for an undeclared key
    with pytest.raises(UndeclaredConfig):
        list(view["a"].items())             # iterating a partly declared block reads the rest
    assert dict(view["a"]["c"].items()) == {"d": 2}


def test_undeclared_side_file_is_refused():
    settings = from_params(config_slice({"x": 1}, "x"), {}, "demo")
    with pytest.raises(UndeclaredConfig, match="side file config/offers.yaml"):
        _ = settings.offers


def test_config_slice_names_a_missing_key():
    from puljeeval.settings import ConfigError
    with pytest.raises(ConfigError, match="'a.zz'"):
        config_slice({"a": {"b": 1}}, "a.zz")


# --------------------------------------------------------------------------- traces

def used(declared: str, reads: list[str]) -> bool:
    return any(r == declared or r.startswith(declared + ".") for r in reads)


def check_traces(folder: Path, expected_rules: set[str]) -> None:
    traces = {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}
    assert expected_rules <= {t["rule"] for t in traces.values()}, sorted(traces)
    for name, trace in traces.items():
        unused = [d for d in trace["declared"] if not used(d, trace["reads"])]
        assert not unused, f"{name}: declares config keys it does not read: {unused}"
        undeclared = [r for r in trace["reads"]
                      if not any(r == d or r.startswith(d + ".") or d.startswith(r + ".") for d in trace["declared"])]
        assert not undeclared, f"{name}: read undeclared keys {undeclared}"
        assert trace["side_files"] == trace["side_reads"], \
            f"{name}: side files given {trace['side_files']}, read {trace['side_reads']}"


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    """The workflow's data, scoring and chapter 3 rules on the tiny fixture, as real extracts."""
    work = copy_workflow(tmp_path_factory.mktemp("tiny"), fixtures=True)
    done = snakemake(work, "ledger_summary", "chapter3_tables", configfile=TINY_CONFIG,
                     env={"PULJEEVAL_PSEUDONYM_KEY": TINY_KEY, "PULJEEVAL_CONFIG_TRACE": str(work / "trace")})
    assert done.returncode == 0, done.stderr[-3000:]
    return work


def test_tiny_workflow_accounts_for_every_raw_row(tiny_run):
    import pandas as pd
    summary = pd.read_csv(tiny_run / "results/tables/ledger_summary.csv")
    raw = {"registrations": "registreringer.csv", "background": "baggrund.csv",
           "questionnaires": "spoergeskemaer.csv", "fidelity": "fidelitet.csv", "intention": "kerneelementer.csv"}
    for extract, name in raw.items():
        lines = (tiny_run / "tests/fixtures/tiny" / name).read_text(encoding="cp1252").splitlines()
        rows = sum(1 for line in lines[1:] if line.strip())
        assert summary.loc[summary["extract"] == extract, "rows"].sum() == rows, extract


def test_tiny_rules_read_exactly_what_they_declare(tiny_run):
    check_traces(tiny_run / "trace", {"ingest", "clean", "score_part", "score", "chapter3_tables"})


@pytest.mark.workflow
def test_every_rule_reads_exactly_what_it_declares(report_scale):
    """All rules of a full run (the twin takes only the `twin` block: tests/test_twin_independence.py)."""
    rules = {"ingest", "clean", "score_part", "score", "chapter3_tables", "chapter_analyses",
             "core_element_samples",
             "core_element_models", "core_element_multiplicity", "element_statements", "other_seed_models",
             "publish_tables", "figures", "reproduction", "render_chapter", "report_index",
             "reproduction_page", "disclosure_audit", "report_pdf"}
    check_traces(report_scale / "trace", rules)


# --------------------------------------------------------------------------- dry runs

def scheduled(workdir: Path) -> dict[str, set[str]]:
    """Rule -> wildcard values of the jobs a dry run schedules."""
    done = snakemake(workdir, "-n")
    assert done.returncode == 0, done.stderr[-3000:]
    jobs: dict[str, set[str]] = {}
    rule = None
    for line in done.stdout.splitlines():
        if m := re.match(r"^(?:local)?rule (\w+):", line):
            rule = m.group(1)
            jobs.setdefault(rule, set())
        elif rule and (m := re.match(r"^\s+wildcards: (.*)", line)):
            jobs[rule].add(m.group(1))
    jobs.pop("all", None)
    return jobs


@pytest.fixture
def finished(report_scale, tmp_path) -> Path:
    """A copy of the finished report-scale run (outputs, metadata and mtimes) to edit."""
    work = tmp_path / "run"
    shutil.copytree(report_scale, work, symlinks=True)
    return work


@pytest.mark.workflow
def test_a_finished_run_schedules_nothing(finished):
    """The baseline of the dry runs below: without an edit, nothing re-runs."""
    assert scheduled(finished) == {}


def edit_config(workdir: Path, path: str, value) -> None:
    cfg = workdir / "config" / "config.yaml"
    data = yaml.safe_load(cfg.read_text(encoding="utf-8"))
    node = data
    *parents, last = path.split(".")
    for key in parents:
        node = node[key]
    assert node[last] != value
    node[last] = value
    cfg.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


PUBLISH_AND_PAGES = {"publish_tables", "figures", "render_chapter", "chapter_html", "report_index", "reproduction",
                     "render_kortlaegning", "kortlaegning_html",
                     "reproduction_page", "disclosure_audit", "report_pdf"}
MAPPING_PAGES = {"render_kortlaegning", "kortlaegning_html"}
UPSTREAM = {"synthetic_twin", "ingest", "clean", "score_part", "score", "chapter3_tables", "chapter_analyses"}


@pytest.mark.workflow
def test_aggregation_reruns_chapter_5_only(finished):
    edit_config(finished, "core_elements.aggregation", "max")
    jobs = scheduled(finished)
    assert {"core_element_samples", "core_element_models"} <= set(jobs)
    assert not set(jobs) & UPSTREAM
    # Bilag 1's agreement check weighs its element matrix with the analysis samples: it reruns too
    for rule in ("publish_tables", "figures", "render_chapter", "chapter_html"):
        assert jobs.get(rule, set()) <= {"chapter=kapitel_5", "chapter=bilag_1"}, (rule, jobs.get(rule))
    assert "chapter=kapitel_5" in jobs["render_chapter"]


@pytest.mark.workflow
def test_registry_heading_reruns_only_publishing_and_pages(finished):
    registry = finished / "config" / "tables.yaml"
    text = registry.read_text(encoding="utf-8")
    assert '"Antal observationer"' in text
    registry.write_text(text.replace('"Antal observationer"', '"Antal observationer (n)"', 1), encoding="utf-8")
    jobs = scheduled(finished)
    assert "publish_tables" in jobs and set(jobs) <= PUBLISH_AND_PAGES, jobs


@pytest.mark.workflow
def test_min_count_reruns_only_publishing_figures_and_pages(finished):
    edit_config(finished, "disclosure.min_count", 6)
    jobs = scheduled(finished)
    assert {"publish_tables", "figures", "render_chapter"} <= set(jobs) <= PUBLISH_AND_PAGES, jobs


@pytest.mark.workflow
def test_twin_seed_reruns_everything(finished):
    edit_config(finished, "twin.seed", 7)
    jobs = scheduled(finished)
    every = UPSTREAM | {"ledger_summary", "core_element_samples", "core_element_models", "core_element_multiplicity",
                        "element_statements", "reproduction"} \
        | PUBLISH_AND_PAGES - MAPPING_PAGES
    assert every <= set(jobs), every - set(jobs)
    # the mapping's own twin and pages do not read the evaluation's seed
    assert not {"kortlaegning_twin", "kortlaegning_survey_tables", *MAPPING_PAGES} & set(jobs), jobs


@pytest.mark.workflow
def test_mapping_twin_seed_reruns_the_mapping_only(finished, tmp_path):
    """The mapping's twin has its own configuration file: another seed re-runs the mapping's
    chain and what shows it (the reproduction, the index, the PDF), nothing of the evaluation's."""
    twin = yaml.safe_load((finished / "config/kortlaegning/twin.yaml").read_text(encoding="utf-8"))
    other = tmp_path / "twin.yaml"
    other.write_text((finished / "config/kortlaegning/twin.yaml").read_text(encoding="utf-8")
                     .replace(f"seed: {twin['seed']}", "seed: 7"), encoding="utf-8")   # as in the twin tests
    edit_config(finished, "kortlaegning.twin", str(other))
    jobs = set(scheduled(finished))
    assert {"kortlaegning_twin", "kortlaegning_ingest", "kortlaegning_survey_tables", "kortlaegning_maps",
            *MAPPING_PAGES} <= jobs, jobs
    assert not (UPSTREAM | {"core_element_models", "render_chapter"}) & jobs, jobs


# --------------------------------------------------------------------------- style gates


def test_snakemake_lint_is_clean():
    done = subprocess.run([sys.executable, "-m", "snakemake", "--lint"], capture_output=True, text=True, cwd=ROOT)
    assert "Congratulations, your workflow is in a good condition!" in done.stdout + done.stderr, \
        (done.stdout + done.stderr)[-3000:]


def test_ruff_is_clean():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "."], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-3000:]
