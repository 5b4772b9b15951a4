"""Scoring in partitions of courses (issue 17, item 1): partitions are contiguous ranges of course
ids, every course is in exactly one, and the joined tables are the same bytes as one partition's,
in process on the tiny fixture and through the workflow at report scale (`partitions.score: 3`
against the report-scale run's unpartitioned scores)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import REPORT_CONFIG, job_stats, snakemake

from puljeeval import rulekit
from puljeeval.data import cleaning
from puljeeval.scoring import score as scoring


def parquet_bytes(frame: pd.DataFrame, path: Path) -> bytes:
    """The bytes the rules write for this frame."""
    rulekit.write_parquet(frame, path)
    return path.read_bytes()


def test_cuts_split_the_sorted_ids_into_contiguous_runs_by_hand():
    ids = pd.Series(["F2", "F10", "F1", "F3", "F10"])          # sorted as text: F1, F10, F2, F3
    assert scoring.cuts(ids, 1) == []
    assert scoring.cuts(ids, 2) == ["F2"]
    assert scoring.cuts(ids, 4) == ["F10", "F2", "F3"]
    assert scoring.part_filter([], 0) is None
    assert scoring.part_filter(["F2"], 0) == [("course_id", "<", "F2")]
    assert scoring.part_filter(["F2"], 1) == [("course_id", ">=", "F2")]
    assert scoring.part_filter(["F10", "F2"], 1) == [("course_id", ">=", "F10"), ("course_id", "<", "F2")]
    # more partitions than courses: partitions 0 (< a) and 2 ([b, b)) are empty, 1 holds a and 3 holds b
    assert scoring.cuts(pd.Series(["a", "b"]), 4) == ["a", "b", "b"]
    with pytest.raises(ValueError, match="at least 1"):
        scoring.cuts(ids, 0)
    with pytest.raises(ValueError, match="out of range"):
        scoring.part_filter(["F2"], 2)


@pytest.mark.parametrize("parts", [3, 40])
def test_partitioned_scores_are_the_same_bytes_as_one_partition(tiny, tiny_interim, tmp_path, parts):
    clean = cleaning.clean(tiny_interim, tiny)
    path = tmp_path / "responses.parquet"
    clean["responses"].to_parquet(path, index=False, compression="zstd")
    whole = scoring.score_all(pd.read_parquet(path), clean["courses"], tiny)
    bounds = scoring.cuts(clean["courses"]["course_id"], parts)
    read = [pd.read_parquet(path, filters=scoring.part_filter(bounds, p)) for p in range(parts)]
    # every response row in exactly one partition, and each partition one range of courses
    assert sum(len(r) for r in read) == len(clean["responses"])
    seen = [set(r["course_id"]) for r in read]
    assert sum(len(s) for s in seen) == len(set().union(*seen))
    assert sum(1 for s in seen if s) > 1                         # the split did split
    joined = scoring.join([scoring.score_part(r, tiny) for r in read], clean["courses"], tiny)
    assert list(joined) == list(whole) == scoring.output_names(tiny.instruments["instruments"])
    for name in whole:
        assert parquet_bytes(joined[name], tmp_path / "joined.parquet") == \
            parquet_bytes(whole[name], tmp_path / "whole.parquet"), name


def test_the_workflow_scores_in_partitions_with_the_same_bytes(report_scale, tmp_path):
    work = tmp_path / "parts"
    shutil.copytree(report_scale, work, symlinks=True, ignore=shutil.ignore_patterns("trace"))
    (work / "partitions.yaml").write_text("partitions:\n  score: 3\n", encoding="utf-8")
    targets = sorted(str(p.relative_to(work)) for p in (work / "results/interim/scores").glob("*.parquet"))
    assert targets, "the report-scale run has no scores"
    run = snakemake(work, *targets, configfile=[REPORT_CONFIG, "partitions.yaml"])
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    log = run.stdout + run.stderr
    ran = job_stats(log)
    assert ran == {"score_part": "3", "score": "1", "total": "4"}, ran
    for target in targets:
        assert (work / target).read_bytes() == (report_scale / target).read_bytes(), target
    # the partitions' files are temporary: gone once joined
    assert not list((work / "results/interim/scores/parts").rglob("*.parquet"))
