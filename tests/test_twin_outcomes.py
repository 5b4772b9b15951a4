"""The twin's building blocks for calibrated questionnaire answers."""

from __future__ import annotations

import numpy as np
import pytest

from puljeeval.tools import bench_scoring
from puljeeval.twin import allocate as twin_outcomes
from puljeeval.twin.generate import who5_pair_weights


def rng():
    return np.random.default_rng(7)


def test_nudge_mean_hits_the_target_within_bounds():
    x = twin_outcomes.nudge_mean(np.array([0, 5, 10, 10]), 8.0, 0, 10, rng())
    assert x.sum() == 32 and x.min() >= 0 and x.max() <= 10


def test_allocate_shares_spreads_an_impossible_sum_evenly():
    # 104 % published: each of four shares gives up one point, not the largest the most
    counts = twin_outcomes.allocate_shares(100, [6, 52, 23, 23])
    assert counts.sum() == 100 and list(counts) == [5, 51, 22, 22]


def test_paired_change_has_exact_categories_and_mean():
    pre = twin_outcomes.draw_sums(400, 16.2, 40, rng())
    delta = twin_outcomes.paired_change(pre, [72, 6, 22], 5.3, 0, 40, -1, rng())
    assert [(delta > 0).sum(), (delta == 0).sum(), (delta < 0).sum()] == [288, 24, 88]
    assert delta.mean() == pytest.approx(5.3, abs=1 / 400)
    post = pre - delta
    assert post.min() >= 0 and post.max() <= 40


def test_split_balanced_keeps_totals_and_ranges():
    totals = np.array([0, 7, 20, 13])
    items = twin_outcomes.split_balanced(totals, 5, 4, rng())
    assert (items.sum(axis=1) == totals).all() and items.min() >= 0 and items.max() <= 4


def test_move_parts_respects_direction_and_caps():
    parts = np.array([[3, 3, 3]])
    caps = np.array([4, 4, 4])
    moved = twin_outcomes.move_parts(parts, np.array([5]), np.ones(3), caps, np.array([[1, 1, 0]]), rng())
    assert moved.sum() == 4 and moved[0, 2] == 3 and (moved >= 0).all()


def test_who5_pair_weights_reproduce_the_overall_means():
    means = {"start": {"ALLE": 51.6, "a": 68.0, "b": 54.8, "c": 43.8},
             "end": {"ALLE": 66.0, "a": 76.5, "b": 66.3, "c": 61.9}}
    w = who5_pair_weights(means, ["a", "b", "c"])
    assert sum(w.values()) == pytest.approx(1)
    for tp in ("start", "end"):
        assert sum(w[g] * means[tp][g] for g in w) == pytest.approx(means[tp]["ALLE"])


def test_scoring_benchmark_runs_and_rowwise_agrees_with_vectorised():
    table = bench_scoring.run(scale=1, rowwise_sample=300)
    assert set(table["instrument"]) == {"who5", "sdq_p", "yp_core", "core_om", "tool_0_2"}
    assert (table["in_memory_per_s"] > 0).all()
