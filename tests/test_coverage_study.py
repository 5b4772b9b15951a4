"""The coverage study of the few-cluster inference (puljeeval/tools/coverage_cluster_inference.py,
issue 14): it runs on a tiny design, catches a method with a wrong centre, its coverage does not
depend on the planted values, a seed's rows do not depend on the number of workers, and its
designs are the pipeline's models. A few seconds; the study itself is run by hand (docs)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from puljeeval.evaluation import core_elements as ce
from puljeeval.evaluation import element_models as em
from puljeeval.settings import ROOT, load_settings, read_yaml
from puljeeval.tools import coverage_cluster_inference as cov

SIZES = [40, 20, 12, 10, 8, 6, 5, 4]            # eight offers of very unequal size
INTENDS = [1, 0, 1, 0, 1, 1, 0, 0]              # an intention, constant within offer


@pytest.fixture(scope="module")
def settings():
    return load_settings(read_yaml(ROOT / "config" / "config.yaml"), ROOT)


def tiny_design(beta: tuple[float, ...] = (0.0, 0.3, 0.0, 0.0)) -> cov.Design:
    rng = np.random.default_rng(5)
    cl = np.repeat(np.arange(len(SIZES)), SIZES)
    n = len(cl)
    X = np.column_stack([np.ones(n), np.array(INTENDS, float)[cl], rng.uniform(0, 4, n).round(1), rng.normal(size=n)])
    return cov.Design("tiny", "tiny", "intensity", "x", "", "", X, ("Intercept", "intention_a", "intensity_b", "age"),
                      ("intention_a", "intensity_b"), cl, np.array(beta))


def wrong_centre(res, groups, terms, level, boot) -> pd.DataFrame:
    """OLS's interval moved by its own width: the right width around the wrong centre."""
    table = cov.METHODS["ols"](res, groups, terms, level, boot)
    width = table["ci_high"] - table["ci_low"]
    return table.assign(ci_low=table["ci_low"] + width, ci_high=table["ci_high"] + width)


def study(design: cov.Design, methods: dict) -> cov.Study:
    return cov.Study((design,), (cov.SCENARIOS["icc10"],), 199, "webb", 0.95, tuple(methods.items()))


def test_the_study_runs_and_catches_a_wrong_centre():
    design = tiny_design()
    runs = cov.run_study(study(design, {**cov.METHODS, "wrong_centre": wrong_centre}), range(5))
    assert len(runs) == 5 * 2 * 5                       # seeds x terms x methods
    assert set(runs["kind"]) == {"nonzero", "zero"}
    summary, terms = cov.summarise(runs, [design])
    assert set(summary["method"]) == {"wild_cluster", "cr2_bm", "cr1", "ols", "wrong_centre"}
    wrong = terms[terms["method"] == "wrong_centre"]
    assert (wrong["coverage"] <= 0.2).all(), wrong
    assert set(cov.failures(terms, 0.93, "wrong_centre")["term"]) == {"intention_a", "intensity_b"}
    # the wild bootstrap's interval inverts its own test: it excludes the planted value exactly
    # when the test of that value rejects, so at a zero effect covered == not rejected
    wild = runs[(runs["method"] == "wild_cluster") & (runs["kind"] == "zero")]
    assert (wild["covered"] == ~wild["reject"]).all()
    top = cov.headline(terms, 0.93, 0.95).set_index("method")
    assert top.loc["wrong_centre", "below_0.93"] == 2


def test_coverage_does_not_depend_on_the_planted_values():
    """Every method is equivariant: adding X c to y moves each interval by c, so whether it
    covers the planted value is the same for any planted values (the study compares with the
    planted value, not with 0 or the estimate)."""
    a = cov.run_seed(study(tiny_design(), cov.METHODS), 3)
    b = cov.run_seed(study(tiny_design((1.0, -0.7, 0.5, 2.0)), cov.METHODS), 3)
    assert (a["covered"] == b["covered"]).all()
    shift = b["planted"] - a["planted"]
    np.testing.assert_allclose(b["estimate"] - a["estimate"], shift, atol=1e-9)
    np.testing.assert_allclose(b["ci_low"] - a["ci_low"], shift, atol=1e-6)


def test_a_seed_gives_the_same_rows_whatever_the_workers():
    s = study(tiny_design(), cov.METHODS)
    one = cov.run_study(s, range(3), workers=1)
    two = cov.run_study(s, range(3), workers=2)
    pd.testing.assert_frame_equal(one, two)
    again = cov.run_study(s, [2], workers=1)
    pd.testing.assert_frame_equal(one[one["seed"] == 2].reset_index(drop=True), again)


def element_frame(settings, n: int = 240, seed: int = 1) -> pd.DataFrame:
    """An analysis frame with every column the models read: eight offers, intentions constant
    within offer and intervention type, intensities, the controls and the subgroup variables."""
    rng = np.random.default_rng(seed)
    offers = rng.choice(8, n, p=np.array(SIZES) / sum(SIZES))
    frame = pd.DataFrame({"course_id": [f"c{i}" for i in range(n)], "offer": [f"o{g}" for g in offers],
                          "gender": rng.choice(["pige", "dreng"], n), "age": rng.integers(3, 25, n).astype(float),
                          "substance": rng.choice(["alkohol", "stoffer", "begge"], n),
                          "intervention_type": rng.choice(["individuel", "gruppe", "begge"], n),
                          "z": rng.normal(size=n)})
    frame["age_group"] = np.where(frame["age"] <= 10, "3-10", np.where(frame["age"] <= 16, "11-16", "17-24"))
    for c in ["nationality", "abusing_party", "lives_with_abuser", "parents_education", "child_education"]:
        frame[c] = rng.choice(["a", "b"], n)
    unit = offers * 3 + pd.factorize(frame["intervention_type"], sort=True)[0]
    for el in settings.element_codes:        # per offer and intervention type, as the real intentions
        frame[ce.intention_column(el)] = rng.integers(0, 2, 24)[unit]
        frame[ce.intensity_column(el)] = rng.uniform(0, 4, n).round(1)
    return frame


@pytest.fixture(scope="module")
def frame_dir(settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("frames")
    for i, o in enumerate(settings.config["core_elements"]["outcomes"]):
        element_frame(settings, seed=i).to_parquet(folder / f"{o['key']}.parquet")
    return folder


EFFECTS = {"intention": 0.25, "intensity": 0.08}


def test_the_designs_are_the_pipelines_models(settings, frame_dir):
    cfg = settings.config["core_elements"]
    frames = cov.read_frames(frame_dir, settings)
    designs = cov.designs_from_frames(frames, settings, EFFECTS, "all")
    first = frames[cfg["outcomes"][0]["key"]]
    for kind in ("intention", "intensity"):
        d = next(d for d in designs if d.outcome == cfg["outcomes"][0]["key"] and d.model == kind
                 and not d.subgroup_variable)
        column = ce.intention_column if kind == "intention" else ce.intensity_column
        res = em.fit_family(first, [column(e) for e in settings.element_codes], settings)["result"]
        np.testing.assert_array_equal(d.X, res.model.exog)
        assert list(d.names) == list(res.model.exog_names)
        assert d.clusters == 8
        planted = {d.names[i]: b for i, b in enumerate(d.beta) if b}
        assert planted == {column(e): EFFECTS[kind] * s for e, s in
                           zip(settings.element_codes[1::2], [1, -1, 1], strict=True)}
    # the subgroup models run_outcome fits: each level of each subgroup variable of the outcome
    subs = [d for d in designs if d.outcome == cfg["outcomes"][0]["key"] and d.subgroup_variable]
    expected = [(s["variable"], level) for s in cfg["subgroups"] for level in s["levels"]
                if "outcomes" not in s or cfg["outcomes"][0]["key"] in s["outcomes"]]
    assert [(d.subgroup_variable, d.subgroup) for d in subs] == expected
    # `smallest` keeps the one with the fewest offers, then the fewest children
    (pick,) = cov.fewest_offers(subs)
    assert all((pick.clusters, pick.n) <= (d.clusters, d.n) for d in subs)
    assert len({(d.clusters, d.n) for d in subs}) > 1 and cov.fewest_offers([]) == []


def test_the_command_line_writes_its_tables_and_figure(settings, frame_dir, tmp_path):
    out = tmp_path / "out"
    status = cov.main(["--seeds", "2", "--reps", "99", "--frames", str(frame_dir), "--out", str(out),
                       "--scenarios", "icc02,het05", "--subgroups", "none"])
    summary = pd.read_csv(out / "coverage_summary.csv")
    terms = pd.read_csv(out / "coverage_terms.csv")
    outcomes = settings.config["core_elements"]["outcomes"]
    assert set(summary["scenario"]) == {"icc02", "het05"}
    assert set(summary["design"]) == {f"{o['key']} {kind}" for o in outcomes for kind in ("intention", "intensity")}
    assert len(summary) == 2 * 2 * len(outcomes) * 4 * 2         # scenarios x designs x methods x kinds
    assert (summary["seeds"] == 2).all() and (terms["seeds"] == 2).all()
    assert status == (1 if len(cov.failures(terms, 0.93)) else 0)
    assert (out / "coverage.png").stat().st_size > 0 and (out / "coverage_runs.parquet").exists()


def test_a_missing_frame_is_named(settings, tmp_path):
    with pytest.raises(FileNotFoundError, match="who5.parquet"):
        cov.main(["--seeds", "1", "--frames", str(tmp_path), "--out", str(tmp_path / "out")])
