"""The recovery paths of issue 12: for each, a small case built through the project's own
functions, how a reader recovers a hidden count from what is published (computed here), and that
the disclosure rules (puljeeval/publish/rules.py) now prevent it.

A reader sees every shown cell as displayed (rounded to the registry's precision) and knows what
a marker promises: a primary cell holds 1..min_count-1, a secondary one 0 or more. `feasible`
gives the whole-number range of a hidden count under the published relations (scipy's MILP).

Each test says whether the recovery succeeded on the rules before this change: checked by
running the same case and recovery against `git show HEAD:puljeeval/publish/rules.py` loaded
into a temporary module (whose rules returned plain frames with hidden cells empty).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from puljeeval.evaluation import core_elements as ce
from puljeeval.evaluation import element_models as em
from puljeeval.evaluation import kapitel_3, kapitel_4
from puljeeval.publish import display, rules
from puljeeval.publish.display import PRIMARY, SECONDARY, SHOWN
from puljeeval.publish.masked import Masked
from puljeeval.publish.registry import Registry
from puljeeval.scoring.change import CATEGORIES, RC_CLASSES
from puljeeval.settings import ROOT, load_settings, read_yaml

MIN = 5
BIG = 10**6
AGE_GROUPS = ["0-2", "3-10", "11-16", "17-24"]


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry(read_yaml(ROOT / "config" / "tables.yaml"),
                    lambda key: read_yaml(ROOT / "config" / f"{key}.yaml"))


def decimals(registry: Registry, table: str, column: str) -> int:
    return int(next(c.decimals for c in registry.tables[table].columns if c.name == column) or 0)


def seen(values: pd.DataFrame, row: object, column: str, places: int = 0) -> float | None:
    """A cell as a reader sees it: its displayed number, None when hidden (empty)."""
    v = values.at[row, column]
    return None if pd.isna(v) else float(display.rounded(float(v), places))


def feasible(bounds: dict[str, tuple[float, float]], equations: list[tuple[dict[str, float], float]],
             target: str) -> tuple[int, int]:
    """The smallest and largest whole value of `target` with every unknown within its bounds and
    every equation sum(coefficient * unknown) == value holding."""
    names = list(bounds)
    a = np.array([[eq.get(x, 0.0) for x in names] for eq, _ in equations])
    rhs = np.array([v for _, v in equations])
    lo, hi = zip(*(bounds[x] for x in names), strict=True)
    out = []
    for sign in (1.0, -1.0):
        c = np.array([sign if x == target else 0.0 for x in names])
        res = milp(c, constraints=LinearConstraint(a, rhs, rhs), bounds=Bounds(lo, hi), integrality=np.ones(len(names)))
        assert res.success, res.message
        out.append(round(sign * res.fun))
    return out[0], out[1]


def marker_bounds(status: str) -> tuple[float, float]:
    return (1, MIN - 1) if status == PRIMARY else (0, BIG)


# --------------------------------------------------------------------------- difference of shares


def dropout_case() -> pd.DataFrame:
    """Section 3.3's comparison of one characteristic: 3 of 200 planned endings have it, 50 of
    100 unplanned ones."""
    settings = SimpleNamespace(config={"analysis": {"dropout": {"characteristics": [
        {"label": "x", "variable": "v", "value": "ja"}]}}})
    frame = pd.DataFrame({"unplanned": [0] * 200 + [1] * 100,
                          "v": ["ja"] * 3 + ["nej"] * 197 + ["ja"] * 50 + ["nej"] * 50})
    return kapitel_3.dropout_comparison(frame, settings)


def recover_from_difference(values: pd.DataFrame, places: int) -> float | None:
    """planned share = unplanned share - difference, times planned n (the difference shown with
    `places` decimals is within half a unit: at n = 200 that pins the count)."""
    cells = [seen(values, 0, c) for c in ("planned_n", "unplanned_n", "unplanned_count")]
    diff = seen(values, 0, "diff_pp", places)
    if diff is None or None in cells:
        return None
    n_planned, n_unplanned, unplanned = cells
    return round(n_planned * (100 * unplanned / n_unplanned - diff) / 100)


def test_a_difference_of_shares_no_longer_reveals_a_hidden_group(registry):
    # Before: recovered (3) -- the old binary_counts hid the planned count and share but kept
    # diff_pp, its interval and p.
    table = dropout_case()
    places = decimals(registry, "dropout", "diff_pp")
    assert recover_from_difference(table, places) == 3           # the reader's arithmetic is right
    out = rules.apply("binary_counts", table, MIN,
                      {"groups": ["planned", "unplanned"]})
    assert out.status.at[0, "planned_count"] == PRIMARY
    assert recover_from_difference(out.values, places) is None
    assert [out.status.at[0, c] for c in ("diff_pp", "ci_low", "ci_high", "p")] == [SECONDARY] * 4
    assert out.status.at[0, "unplanned_count"] == SHOWN           # the other group stays


# --------------------------------------------------------------------------- small-subgroup n


def subgroup_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Bilag 4's models on 200 children in 6 offers with one subgroup variable whose levels a, b,
    c have 100, 97 and 3 children (c too small to fit: its row says so and prints n)."""
    import sys
    sys.path.insert(0, str(ROOT / "tests"))
    from test_core_elements import synthetic_frame

    config = read_yaml(ROOT / "config" / "config.yaml")
    config["core_elements"]["subgroups"] = [{"variable": "intervention_type", "label": "x",
                                             "levels": {"a": "A", "b": "B", "c": "C"}}]
    config["core_elements"]["bootstrap"] = {"reps": 99, "weights": "webb", "seed": 1, "variant": "31"}
    settings = load_settings(config, ROOT)
    frame = synthetic_frame(200, clusters=6)
    frame["intervention_type"] = ["a"] * 100 + ["b"] * 97 + ["c"] * 3
    outcome = next(o for o in settings.config["core_elements"]["outcomes"] if o["key"] == "sdq_p")
    return em.run_outcome(outcome, frame, frame.assign(both=True).set_index("course_id", drop=False), settings)


def level_n(tables: list[pd.DataFrame], level: str) -> float | None:
    """A subgroup's n as a reader finds it: printed in any table (any method), or the
    whole-sample intensity n less the other levels (the levels partition it here)."""
    def printed(lv: str) -> float | None:
        for t in tables:
            rows = t[(t["model"] == "intensity") & (t["subgroup"] == lv)]
            shown = rows["n"].dropna()
            if len(shown):
                return float(shown.iloc[0])
        return None
    direct = printed(level)
    if direct is not None:
        return direct
    whole, others = printed("Samlet"), [printed(lv) for lv in ("a", "b", "c") if lv != level]
    return None if whole is None or None in others else whole - sum(others)


def test_small_subgroup_n_is_hidden_and_the_levels_do_not_give_it_away():
    # Before: recovered (3) -- chapter 5's model tables had rule `none`: c's n = 3 was printed,
    # and 200 - 100 - 97 gives it as well.
    coefs, models = subgroup_case()
    assert level_n([models], "c") == 3 and level_n([coefs], "c") == 3      # c is not in coefs: 200 - 100 - 97
    # the levels partition the whole sample here (no child without a level)
    assert models.loc[models["subgroup"].isin(["a", "b", "c"]), "n"].sum() == models.loc[
        (models["model"] == "intensity") & (models["subgroup"] == "Samlet"), "n"].iloc[0]
    pub_models = rules.apply("model_rows", models, MIN)
    pub_coefs = rules.apply("model_rows", coefs, MIN)
    c_row = models.index[models["subgroup"] == "c"][0]
    assert pub_models.status.at[c_row, "n"] == PRIMARY
    assert level_n([pub_models.values, pub_coefs.values], "c") is None
    # the same level is hidden in both tables (b, the smaller), so neither gives it away
    for pub, table in ((pub_models, models), (pub_coefs, coefs)):
        b = table["subgroup"] == "b"
        assert (pub.status.loc[b, "n"] == SECONDARY).all() and (pub.status.loc[b, "clusters"] == SECONDARY).all()
        assert (pub.status.loc[table["subgroup"] == "a", "n"] == SHOWN).all()
        assert (pub.status.loc[table["subgroup"] == "Samlet", "n"] == SHOWN).all()    # footnote 5's N
    # a reader's range for c: c + a + b = 200 with a shown, b secondary, c primary
    a = seen(pub_models.values, models.index[models["subgroup"] == "a"][0], "n")
    assert feasible({"c": (1, MIN - 1), "b": (0, BIG)}, [({"c": 1, "b": 1}, 200 - a)], "c") == (1, MIN - 1)


# --------------------------------------------------------------------------- last flow step


def flow_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Footnote 5's criteria on 100 courses: 40 without a measurement, 3 without both, 7 without
    fidelity, none without background, and the last criterion (age group) drops 3."""
    ids = [f"c{i}" for i in range(100)]
    courses = pd.DataFrame({"course_id": ids, "has_background": True, "age": 7.0,
                            "age_group": ["3-10"] * 47 + ["17-24"] * 53})
    prepost = pd.DataFrame({"course_id": ids[:57], "instrument": "sdq_p", "scale": "total", "pre": 10.0,
                            "post": 12.0, "change": 2.0})
    outcome = {"key": "sdq_p", "instrument": "sdq_p", "scale": "total", "age_groups": ["3-10"]}
    return ce.analysis_sample(outcome, courses, pd.Index(ids[:60]), prepost, pd.Index(ids[:50]))


def chain_range(values: pd.DataFrame, status: pd.DataFrame, final_n: float, target: tuple[str, int]) -> tuple:
    """The feasible range of a hidden flow cell: remaining(k-1) - dropped(k) = remaining(k) for
    every step, shown cells as printed, the last remaining as the model tables print it."""
    steps = list(values.index)
    bounds, eqs, cell = {}, [], {}
    for k in steps:
        for col in ("remaining", "dropped"):
            v = values.at[k, col]
            if k == steps[-1] and col == "remaining":
                v = final_n
            if pd.isna(v):
                bounds[f"{col}{k}"] = marker_bounds(status.at[k, col])
                cell[(col, k)] = ({f"{col}{k}": 1.0}, 0.0)
            else:
                cell[(col, k)] = ({}, float(v))
    for before, k in zip(steps, steps[1:], strict=False):
        terms: dict[str, float] = {}
        const = 0.0
        for (col, step), sign in ((("remaining", before), 1.0), (("dropped", k), -1.0), (("remaining", k), -1.0)):
            t, c = cell[(col, step)]
            for name, coef in t.items():
                terms[name] = terms.get(name, 0.0) + sign * coef
            const += sign * c
        if terms:
            eqs.append((terms, -const))
    return feasible(bounds, eqs, f"{target[0]}{target[1]}")


def test_the_last_flow_step_is_shown_and_small_drops_are_not_determined():
    # Before: recovered (both small drops) -- the old element_flow hid the last drop (3) and the
    # final N (published unsuppressed in the model tables as 47): 50 shown before it - 47 = 3;
    # and the second step's drop 3 = 60 - (50 + 7) from the shown cells around it. The prose
    # printed the hidden N as "NaN".
    sample, flow = flow_case()
    final_n = len(sample)                  # what the whole-sample models print as n (no control missing)
    last = flow.index[-1]
    assert flow.at[last, "dropped"] == 3 and final_n == 47
    assert flow.at[last - 1, "remaining"] - final_n == 3          # the reader's arithmetic
    out = rules.apply("element_flow", flow, MIN)
    assert out.status.at[last, "remaining"] == SHOWN and out.values.at[last, "remaining"] == final_n
    assert out.status.at[0, "remaining"] == SHOWN                 # Figur 3-4's started courses
    small = [k for k in flow.index[1:] if 0 < flow.at[k, "dropped"] < MIN]
    assert len(small) == 2
    for k in small:
        assert out.status.at[k, "dropped"] == PRIMARY
        low, high = chain_range(out.values, out.status, final_n, ("dropped", k))
        assert high - low >= 2 and low <= flow.at[k, "dropped"] <= high


# --------------------------------------------------------------------------- ALLE margins


def outcome_case(unknown_age: int = 0, small: int = 3) -> pd.DataFrame:
    """Chapter 4's pre/post summary of WHO-5 with `small` children of 3-10 år, 20 of 11-16, 25 of
    17-24 and `unknown_age` children without an age (their own row, not in ALLE)."""
    sizes = {"3-10": small, "11-16": 20, "17-24": 25, None: unknown_age}
    ages = {"3-10": 8.0, "11-16": 14.0, "17-24": 20.0, None: np.nan}
    groups = [g for g, k in sizes.items() for _ in range(k)]
    n = len(groups)
    rng = np.random.default_rng(1)
    pre = rng.integers(20, 60, n).astype(float)
    change = rng.integers(-10, 30, n).astype(float)
    prepost = pd.DataFrame({"course_id": [f"c{i}" for i in range(n)], "instrument": "who5", "scale": "total",
                            "pre": pre, "post": pre + change, "change": change, "direction": "higher_better",
                            "category": pd.Categorical(np.where(change > 0, CATEGORIES[0],
                                                                np.where(change == 0, CATEGORIES[1], CATEGORIES[2]))),
                            "rc_class": pd.Categorical(np.where(change > 12, RC_CLASSES[0], RC_CLASSES[1]),
                                                       categories=RC_CLASSES)})
    courses = pd.DataFrame({"course_id": prepost["course_id"], "age": [ages[g] for g in groups],
                            "age_group": pd.Categorical(groups, categories=AGE_GROUPS, ordered=True),
                            "offer": np.array(["A", "B", "C"])[np.arange(n) % 3]})
    config = read_yaml(ROOT / "config" / "config.yaml")
    config["analysis"]["inference"]["bootstrap"]["reps"] = 99
    return kapitel_4.outcome_summary(prepost, courses, load_settings(config, ROOT))


def outcome_n_range(values: pd.DataFrame, status: pd.DataFrame) -> tuple[int, int] | None:
    """3-10's n from ALLE's n (the children in no group are 0 or more): the range, or None when
    3-10's n is shown."""
    rows = dict(zip(values["age_group"], values.index, strict=True))
    if not pd.isna(values.at[rows["3-10"], "n"]):
        return None
    bounds = {"unknown": (0, BIG)}
    terms = {"unknown": 1.0}
    rest = float(values.at[rows[rules.ALL_LABEL], "n"])
    for g in ("3-10", "11-16", "17-24"):
        v = values.at[rows[g], "n"]
        if pd.isna(v):
            bounds[g] = marker_bounds(status.at[rows[g], "n"])
            terms[g] = 1.0
        else:
            rest -= float(v)
    return feasible(bounds, [(terms, rest)], "3-10")


def test_alle_is_a_margin_of_the_age_groups_in_the_outcome_table():
    # Before: recovered (3) -- the old outcome_rows hid the 3-10 row (n = 3) but not ALLE's n:
    # 48 - 20 - 25 = 3. With one child without an age group (then in ALLE: n = 47, 3-10 n = 1) the
    # old rules left 3-10's n in [1, 2]: an inequality is still usable. A child without an age
    # has its own row now, outside ALLE (`within_ages` false: its own line of the rule).
    table = outcome_case()
    rows = dict(zip(table["age_group"], table.index, strict=True))
    assert table.at[rows[rules.ALL_LABEL], "n"] == 48                # ALLE is exactly the groups here
    keep = ["instrument", "scale", "age_group", "within_ages"]
    for case in (table, outcome_case(unknown_age=1, small=1)):
        out = rules.apply("outcome_rows", case, MIN, {"keep": keep})
        r = dict(zip(case["age_group"], case.index, strict=True))
        assert out.status.at[r["3-10"], "n"] == PRIMARY
        assert (out.status.loc[r["3-10"], ["start_mean", "fremgang_pct"]] == PRIMARY).all()   # the row, n's reason
        assert (out.status.loc[r["3-10"], ["instrument", "scale", "age_group"]] == SHOWN).all()
        low, high = outcome_n_range(out.values, out.status)
        assert (low, high) == (1, MIN - 1)


def profiles_case(sizes: dict[str, int], far: dict[str, int] | None = None) -> pd.DataFrame:
    """Figur 3-1's age distribution and one profile variable (residence: far / mor) for courses
    of the given age groups; `far` gives how many of each group live with their father."""
    groups = [g for g, k in sizes.items() for _ in range(k)]
    far = far or {}
    residence = []
    for g, k in sizes.items():
        residence += ["far"] * far.get(g, 0) + ["mor"] * (k - far.get(g, 0))
    courses = pd.DataFrame({"course_id": [f"c{i}" for i in range(len(groups))],
                            "age_group": pd.Categorical(groups, categories=AGE_GROUPS, ordered=True),
                            "residence": residence})
    settings = SimpleNamespace(
        published={"profiles": {"variables": {"residence": {"label": "Bopæl", "categories": {"far": {}, "mor": {}}}}}},
        instruments={"instruments": {"who5": {"main_scale": "total", "low_wellbeing_max": 50}}})
    who5 = pd.DataFrame({"course_id": courses["course_id"], "total": 60.0})
    return kapitel_3.profiles(courses, who5, settings)


def test_the_age_distribution_has_alle_as_its_margin():
    # Before: recovered (3, printed) -- Figur 3-1's age line has only the ALLE group, so the old
    # share_table found no groups to suppress and printed 0-2's 3 courses.
    table = profiles_case({"0-2": 3, "3-10": 40, "11-16": 60, "17-24": 80})
    age = table.index[(table["variable"] == "age") & (table["category"] == "0-2")][0]
    assert table.at[age, "count"] == 3
    out = rules.apply("share_table", table, MIN, {"line": ["variable"], "across": "age_group", "category": "category",
                                                   "all_label": rules.ALL_LABEL})
    assert out.status.at[age, "count"] == PRIMARY and out.status.at[age, "share_pct"] == PRIMARY
    # 0-2's courses = ALLE's n (183) - the other age groups: one of them is hidden too
    line = table.index[table["variable"] == "age"]
    shown = pd.to_numeric(out.values.loc[line, "count"]).dropna()
    assert len(shown) <= len(line) - 2
    hidden = [i for i in line if out.status.at[i, "count"] != SHOWN and i != age]
    bounds = {"x": (1, MIN - 1), **{f"h{i}": marker_bounds(out.status.at[i, "count"]) for i in hidden}}
    eq = ({"x": 1.0, **{f"h{i}": 1.0 for i in hidden}}, float(out.values.at[line[0], "n"]) - float(shown.sum()))
    assert feasible(bounds, [eq], "x") == (1, MIN - 1)
    # the residence line: 0-2's column (n = 3) is hidden whole, and ALLE's n is a margin of the n's
    res = table.index[(table["variable"] == "residence") & (table["age_group"] == "0-2")]
    assert (out.status.loc[res, "n"] == PRIMARY).all()
    others = table.index[(table["variable"] == "residence") & table["age_group"].isin(AGE_GROUPS[1:])]
    assert (out.status.loc[others, "n"] == SECONDARY).any()


# --------------------------------------------------------------------------- big secondary cells


def test_a_cell_hidden_only_to_protect_another_is_secondary_however_large():
    # Before: shown as "<5" -- every hidden cell was marked as below the threshold (the issue's
    # Bopæl "far" 17-24 = 193). Here 0-2 has 2 living with their father; the far row's other
    # cells are 193 and 240, so 193 is hidden to protect the 2.
    table = profiles_case({"0-2": 50, "3-10": 400, "17-24": 500}, far={"0-2": 2, "3-10": 240, "17-24": 193})
    out = rules.apply("share_table", table, MIN, {"line": ["variable"], "across": "age_group", "category": "category",
                                                   "all_label": rules.ALL_LABEL})
    res = table[table["variable"] == "residence"]
    far = {g: i for g, i in zip(res.loc[res["category"] == "far", "age_group"], res.index[res["category"] == "far"],
                                strict=True)}
    assert out.status.at[far["0-2"], "count"] == PRIMARY
    assert out.status.at[far["17-24"], "count"] == SECONDARY and table.at[far["17-24"], "count"] == 193
    hidden = out.hidden()["count"]
    counts = pd.to_numeric(table["count"])
    assert (out.status.loc[hidden & (counts >= MIN), "count"] == SECONDARY).all()
    assert (out.status.loc[hidden & (counts < MIN) & (counts > 0), "count"] == PRIMARY).all()
    assert isinstance(out, Masked)
