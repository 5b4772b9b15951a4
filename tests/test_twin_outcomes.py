"""The twin's building blocks for calibrated questionnaire answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
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


@pytest.mark.workflow      # generates the twin at report scale (7 s): full tier
def test_scoring_benchmark_runs_and_rowwise_agrees_with_vectorised():
    table = bench_scoring.run(scale=1, rowwise_sample=300)
    assert set(table["instrument"]) == {"who5", "sdq_p", "yp_core", "core_om", "tool_0_2"}
    assert (table["in_memory_per_s"] > 0).all()


# --------------------------------------------------------------------------- the twin's persons


@pytest.fixture(scope="module")
def twin_extracts(report_scale):
    """The twin's default extracts at report scale, as the shipped workflow wrote them, read back
    as text."""
    from puljeeval.settings import read_yaml

    config = read_yaml(report_scale / "config" / "config.yaml")
    fmt = config["twin"]["extract_formats"]

    def read(name):
        enc = "utf-8-sig" if fmt[name]["encoding"] == "utf-8" else fmt[name]["encoding"]
        path = report_scale / config["extracts"][name]["path"]
        return pd.read_csv(path, sep=fmt[name]["separator"], encoding=enc, dtype=str).fillna("")

    return read("registrations"), read("background"), config


def persons(reg: pd.DataFrame, bg: pd.DataFrame) -> pd.DataFrame:
    """Each course's person as docs/cleaning_rules.md resolves it, from the raw text."""
    m = reg.merge(bg[["course_id", "cpr", "birth_date"]].rename(columns={"cpr": "bg_cpr", "birth_date": "bg_birth"}),
                  on="course_id", how="left").fillna("")
    m["own_cpr"] = m["cpr"].where(m["cpr"] != "", m["bg_cpr"]).str.replace("-", "")
    m["local"] = (m["source_system"] + "/" + m["person_id"]).where(m["person_id"] != "", "")
    both = m[(m["own_cpr"] != "") & (m["local"] != "")]
    assert (both.groupby("local")["own_cpr"].nunique() == 1).all()      # no conflicting identities
    linked = both.drop_duplicates("local").set_index("local")["own_cpr"]
    m["person_cpr"] = m["own_cpr"].where(m["own_cpr"] != "", m["local"].map(linked).fillna(""))
    m["key"] = ("cpr:" + m["person_cpr"]).where(m["person_cpr"] != "", "local:" + m["local"])
    for c in ("start_date", "end_date"):
        m[c] = pd.to_datetime(m[c], format="%d-%m-%Y")
    return m


@pytest.mark.workflow
def test_twin_has_children_with_several_courses_and_children_known_only_by_source_id(twin_extracts):
    reg, bg, config = twin_extracts
    m = persons(reg, bg)
    m = m[~m["person_id"].str.startswith("TEST-") & ~m["person_cpr"].isin(config["twin"]["test_persons"]["cprs"])]
    # several distinct courses (not the planted duplicates) per child, by CPR and by source-system id
    distinct = m.drop_duplicates(["key", "offer", "start_date"])
    per = distinct.groupby("key").size()
    several = per[per > 1]
    assert (several.index.str.startswith("cpr:")).sum() >= 300
    assert (several.index.str.startswith("local:")).sum() >= 100
    # consecutive (after the earlier course ended) and overlapping (while it runs, another offer)
    d = distinct[distinct["key"].isin(several.index)].sort_values(["key", "start_date"])
    prev = d.groupby("key").shift()
    same = prev["offer"].notna()
    consecutive = same & (prev["end_date"] < d["start_date"])
    overlapping = same & (prev["end_date"].isna() | (prev["end_date"] >= d["start_date"]))
    assert consecutive.sum() >= 100 and overlapping.sum() >= 50
    assert (same & (prev["offer"] != d["offer"])).sum() >= 100           # across offers
    assert (same & (prev["source_system"] != d["source_system"])).sum() >= 20   # across systems, by CPR
    # known only by the source system's id: no CPR on any row of the child
    only_local = m[m["person_cpr"] == ""]
    assert only_local["key"].nunique() >= 1000
    # ages only from the background: a birth date there and no CPR anywhere
    assert (only_local["bg_birth"] != "").sum() >= 1000
    # the identifier variants the rule must link
    assert ((m["cpr"] != "") & (m["person_id"] != "")).sum() >= 100          # both on the course
    assert ((m["cpr"] == "") & (m["person_id"] != "") & (m["bg_cpr"] != "")).sum() >= 100   # CPR in background


@pytest.mark.workflow
def test_twin_has_edge_ages_and_dirt_only_the_identity_rules_find(twin_extracts):
    from puljeeval.data import cpr as cprlib

    reg, bg, config = twin_extracts
    m = persons(reg, bg)
    born = cprlib.birth_date(m["person_cpr"].where(m["person_cpr"] != "", "0101010000")).where(m["person_cpr"] != "")
    born = born.fillna(pd.to_datetime(m["bg_birth"], format="%d-%m-%Y", errors="coerce"))
    age = cprlib.age_at(born, m["start_date"])
    birthday = (born.dt.month == m["start_date"].dt.month) & (born.dt.day == m["start_date"].dt.day)
    for edge in (0, 25):                                  # valid edges, started on the birthday
        assert ((age == edge) & birthday).sum() >= 5, edge
    assert ((age == 26) & birthday).sum() >= 1 and (age == -1).sum() >= 1   # just outside
    # duplicates registered by a person id whose CPR is known only from another row
    dup = m[m.duplicated(["key", "offer", "start_date"], keep=False)]
    hidden = dup[(dup["cpr"] == "") & dup.groupby(["key", "offer", "start_date"])["cpr"].transform(
        lambda c: (c != "").any())]
    assert len(hidden) >= 20
    # test persons whose test CPR is only in the background
    tests = config["twin"]["test_persons"]["cprs"]
    bg_only = (m["cpr"] == "") & m["bg_cpr"].str.replace("-", "").isin(tests) & ~m["person_id"].str.startswith("TEST")
    assert bg_only.sum() >= 5
