"""Declared resources (issue 17, item 2): every rule declares threads, mem_mb and runtime from
workflow/resources.yaml, calibrated from measured runs; a measured peak above the declaration fails."""

from __future__ import annotations

import re

import pytest

from puljeeval.settings import ROOT, read_yaml
from puljeeval.tools import resources

SPEC = read_yaml(ROOT / "workflow" / "resources.yaml")
TARGETS = {"all", "coverage_study"}        # rules that only name targets


def test_every_rule_has_calibrated_resources_and_declares_them():
    rules = resources.rule_names()
    assert len(rules) > 30
    # the target rules run nothing; every other rule is measured and calibrated
    missing = sorted(set(rules) - set(SPEC["rules"]) - TARGETS)
    assert not missing, f"rules without calibrated resources (run python -m puljeeval.tools.resources): {missing}"
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "workflow" / "rules").glob("*.smk"))
    for rule in set(rules) - TARGETS:
        # a partitioned rule passes the share of the data one job holds: resources_of("rule", share)
        assert f'threads_of("{rule}")' in text and re.search(rf'resources_of\("{rule}"[,)]', text), rule


def test_benchmark_files_map_to_their_rules():
    rules = ["figures", "core_element_models", "kortlaegning_html", "kortlaegning", "render_chapter"]
    assert resources.rule_of("figures_kapitel_5", rules) == "figures"
    assert resources.rule_of("core_element_models_who5", rules) == "core_element_models"
    assert resources.rule_of("kortlaegning_html", rules) == "kortlaegning_html"
    with pytest.raises(ValueError, match="matches no rule"):
        resources.rule_of("unknown_rule", rules)


def test_the_line_lies_on_or_above_every_point_and_never_falls():
    points = [(1, 400.0), (3, 900.0), (10, 1300.0)]
    base, slope = resources.line(points)
    assert slope >= 0 and all(base + slope * s >= v - 1e-9 for s, v in points)
    assert resources.line([(1, 500.0), (10, 300.0)]) == (500.0, 0.0)


def test_declared_grows_with_scale():
    spec = {"default": {"threads": 1, "mem_mb": [1000, 10], "runtime": [10, 0.5]},
            "rules": {"ingest": {"threads": 1, "mem_mb": [600, 70], "runtime": [6, 1.2]}}}
    assert resources.declared(spec, "ingest", 1) == {"threads": 1, "mem_mb": 670, "runtime": 8}
    assert resources.declared(spec, "ingest", 100) == {"threads": 1, "mem_mb": 7600, "runtime": 126}
    assert resources.declared(spec, "other", 10)["mem_mb"] == 1100


@pytest.mark.workflow
def test_no_rule_uses_more_than_it_declares_at_report_scale(report_scale):
    config = read_yaml(report_scale / "config" / "config.yaml")
    assert config["twin"]["scale"] == 1
    table = resources.measured(report_scale / "results" / "benchmarks", resources.rule_names())
    assert len(table) > 30
    over = []
    for row in table.itertuples():
        want = resources.declared(SPEC, row.rule, 1)
        if row.max_rss_mb > want["mem_mb"] or row.seconds > 60 * want["runtime"]:
            over.append((row.rule, row.max_rss_mb, want["mem_mb"], row.seconds, 60 * want["runtime"]))
    assert not over, f"measured above declared (rule, MB, declared MB, s, declared s): {over}"


def test_a_recalibration_never_lowers_a_declaration_and_keeps_unmeasured_rules(tmp_path):
    previous = {"ingest": {"threads": 1, "mem_mb": [700, 100.0], "runtime": [6, 0.1]},
                "coverage_batch": {"threads": 1, "mem_mb": [600, 20.0], "runtime": [10, 0.5]}}
    new = {"ingest": {"threads": 1, "mem_mb": [500, 300.0], "runtime": [7, 0.05]}}
    assert resources.never_lower(new, previous) == {"ingest": {"threads": 1, "mem_mb": [700, 300.0],
                                                               "runtime": [7, 0.1]}}
    growth = tmp_path / "growth_rules.csv"
    growth.write_text("scale,rule,jobs,seconds,max_job_seconds,max_rss_mb\n1,ingest,1,9,9,400\n"
                      "10,ingest,1,52,52,2300\n", encoding="utf-8")
    tables = resources.from_growth(growth)
    assert sorted(tables) == [1.0, 10.0] and list(tables[10.0].columns) == ["rule", "seconds", "max_rss_mb"]
    made = resources.calibrate(tables, previous=previous)
    assert made["coverage_batch"] == previous["coverage_batch"]        # not measured: kept
    mem0, mem1 = made["ingest"]["mem_mb"]
    assert mem0 + mem1 >= 1.5 * 400 and mem0 + 10 * mem1 >= 1.5 * 2300
