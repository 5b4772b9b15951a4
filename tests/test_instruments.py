"""Hand-worked cases from the published scoring rules (../shared/reference/instruments.md),
run against the repository's own config/instruments.yaml."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from puljeeval.scoring import change, instruments
from puljeeval.settings import ConfigError, load

SPECS = load().instruments["instruments"]
NAN = np.nan


def scores(instrument: str, *rows: dict) -> pd.DataFrame:
    """Score questionnaires given as {item: raw answer}; unlisted items are missing."""
    spec = SPECS[instrument]
    values = np.array([[row.get(i, NAN) for i in spec["items"]] for row in rows], dtype=float)
    return pd.DataFrame(instruments.score_matrix(values, spec))


def all_items(instrument: str, value: float, **override) -> dict:
    return {**{i: value for i in SPECS[instrument]["items"]}, **override}


# --------------------------------------------------------------------------- WHO-5

def test_who5_is_raw_sum_times_four_at_both_ends():
    s = scores("who5", all_items("who5", 0), all_items("who5", 5), {"who5_1": 3, "who5_2": 3, "who5_3": 2,
                                                                      "who5_4": 4, "who5_5": 1})
    assert s["total"].tolist() == [0, 100, 52]


def test_who5_needs_all_five_items():
    s = scores("who5", all_items("who5", 3, who5_5=NAN))
    assert np.isnan(s["total"][0]) and s["total_answered"][0] == 4


@pytest.mark.parametrize(("score", "band"), [(32, "0-35"), (36, "36-50"), (48, "36-50"), (52, "Over 50")])
def test_who5_risk_bands(score, band):
    got = instruments.bands(pd.Series([float(score)]), SPECS["who5"]["bands"]["total"])[0]
    assert got.startswith(band)


# --------------------------------------------------------------------------- SDQ

SDQ_SUBSCALE_OF_REVERSED = {"sdq_obeys": "conduct", "sdq_friend": "peer", "sdq_popular": "peer",
                            "sdq_reflect": "hyperactivity", "sdq_attend": "hyperactivity"}


@pytest.mark.parametrize(("item", "scale"), SDQ_SUBSCALE_OF_REVERSED.items())
def test_sdq_each_reversed_item(item, scale):
    # everything else 'not true' (0); the reversed item answered 'certainly true' (2) scores 0,
    # answered 'not true' (0) scores 2
    good = scores("sdq_p", all_items("sdq_p", 0, **{item: 2}))
    bad = scores("sdq_p", all_items("sdq_p", 0, **{item: 0}))
    others = [i for i in SDQ_SUBSCALE_OF_REVERSED if i != item and SDQ_SUBSCALE_OF_REVERSED[i] == scale]
    base = 2 * len(others)      # the other reversed items of the subscale answered 0 score 2 each
    assert good[scale][0] == base and bad[scale][0] == base + 2


def test_sdq_prorates_at_three_items_and_not_at_two():
    # official example: raw 4 from 3 answered items -> 4/3 x 5 = 6.67 -> 7
    three = scores("sdq_p", {"sdq_somatic": 1, "sdq_worries": 1, "sdq_unhappy": 2})
    two = scores("sdq_p", {"sdq_somatic": 1, "sdq_worries": 1})
    assert three["emotional"][0] == 7 and three["emotional_answered"][0] == 3
    assert np.isnan(two["emotional"][0])


def test_sdq_rounds_half_up():
    # 4 answered items summing to 2: 2/4 x 5 = 2.5 -> 3 (Python's round() would give 2)
    s = scores("sdq_p", {"sdq_somatic": 1, "sdq_worries": 1, "sdq_unhappy": 0, "sdq_clingy": 0})
    assert s["emotional"][0] == 3
    assert round(2.5) == 2   # the trap the rule avoids


def test_sdq_total_of_the_four_difficulty_scales_at_both_ends():
    worst = {i: (0 if i in SDQ_SUBSCALE_OF_REVERSED else 2) for i in SPECS["sdq_p"]["items"]}
    best = {i: (2 if i in SDQ_SUBSCALE_OF_REVERSED else 0) for i in SPECS["sdq_p"]["items"]}
    s = scores("sdq_p", worst, best)
    assert s["total"].tolist() == [40, 0]
    assert s["prosocial"].tolist() == [10, 0]     # prosocial is reported separately, not in the total


def test_sdq_total_missing_when_a_difficulty_scale_is():
    row = all_items("sdq_p", 1, sdq_loner=NAN, sdq_friend=NAN, sdq_popular=NAN)   # peer: 2 of 5 answered
    s = scores("sdq_p", row)
    assert np.isnan(s["peer"][0]) and np.isnan(s["total"][0]) and s["emotional"][0] == 5


def test_sdq_total_not_missing_when_only_prosocial_is():
    row = all_items("sdq_p", 1, sdq_consid=NAN, sdq_shares=NAN, sdq_caring=NAN)
    s = scores("sdq_p", row)
    assert np.isnan(s["prosocial"][0]) and s["total"][0] == 20


# --------------------------------------------------------------------------- YP-CORE

YP_REVERSED = ["ypc_03", "ypc_05", "ypc_10"]


def test_yp_core_complete_at_both_ends_and_reversed_items():
    worst = {i: (0 if i in YP_REVERSED else 4) for i in SPECS["yp_core"]["items"]}
    best = {i: (4 if i in YP_REVERSED else 0) for i in SPECS["yp_core"]["items"]}
    s = scores("yp_core", worst, best)
    assert s["total"].tolist() == [40, 0] and s["mean_item"].tolist() == [4, 0]


@pytest.mark.parametrize("item", YP_REVERSED)
def test_yp_core_each_reversed_item(item):
    s = scores("yp_core", all_items("yp_core", 2, **{item: 0}))
    assert s["total"][0] == 22      # nine items at 2 plus the reversed 0 -> 4


def test_yp_core_prorates_one_missing_item_not_two():
    one = scores("yp_core", all_items("yp_core", 2, ypc_01=NAN, ypc_02=4))
    two = scores("yp_core", all_items("yp_core", 2, ypc_01=NAN, ypc_02=NAN))
    assert one["total"][0] == pytest.approx((2 * 7 + 4 + 2) / 9 * 10)   # mean of nine x 10, not the sum
    assert np.isnan(two["total"][0])


# --------------------------------------------------------------------------- CORE-OM

CORE_REVERSED = ["com_03", "com_04", "com_07", "com_12", "com_19", "com_21", "com_31", "com_32"]


def core_scored(value: int, **override) -> dict:
    """A CORE-OM form whose every item *scores* `value` (reversed items answered 4 - value)."""
    row = {i: (4 - value if i in CORE_REVERSED else value) for i in SPECS["core_om"]["items"]}
    return {**row, **override}


def test_core_om_complete_at_both_ends():
    worst = {i: (0 if i in CORE_REVERSED else 4) for i in SPECS["core_om"]["items"]}
    best = {i: (4 if i in CORE_REVERSED else 0) for i in SPECS["core_om"]["items"]}
    s = scores("core_om", worst, best)
    assert s["total"].tolist() == [136, 0] and s["clinical"].tolist() == [40, 0]
    assert s["mean_item"].tolist() == [4, 0] and s["non_risk"].tolist() == [40, 0]
    for domain in ("wellbeing", "problems", "functioning", "risk"):
        assert s[domain].tolist() == [4, 0]


@pytest.mark.parametrize("item", CORE_REVERSED)
def test_core_om_each_reversed_item(item):
    # every item scores 1 (total 34); the reversed item answered 0 ('not at all') scores 4
    s = scores("core_om", core_scored(1, **{item: 0}))
    assert s["total"][0] == 33 + 4


def test_core_om_item_30_is_not_reversed():
    s = scores("core_om", core_scored(1, com_30=0))
    assert s["total"][0] == 33


def test_core_om_total_prorates_up_to_three_missing():
    three = scores("core_om", core_scored(1, com_01=NAN, com_02=NAN, com_05=NAN))
    four = scores("core_om", core_scored(1, com_01=NAN, com_02=NAN, com_05=NAN, com_08=NAN))
    assert three["total"][0] == 34 and three["clinical"][0] == 10     # mean 1 over 31 items, x 34
    assert np.isnan(four["total"][0]) and np.isnan(four["clinical"][0])


def test_core_om_domain_prorating_limits():
    one_p = scores("core_om", core_scored(1, com_02=NAN))
    two_p = scores("core_om", core_scored(1, com_02=NAN, com_05=NAN))
    one_w = scores("core_om", core_scored(1, com_14=NAN))
    one_r = scores("core_om", core_scored(1, com_09=NAN))
    assert one_p["problems"][0] == 1 and np.isnan(two_p["problems"][0])
    assert np.isnan(one_w["wellbeing"][0]) and np.isnan(one_r["risk"][0])
    assert one_r["non_risk"][0] == 10           # the risk item does not count for non-risk


@pytest.mark.parametrize(("clinical", "band"), [(9.99, "Rask/lav"), (10.0, "Mild"), (14.9, "Mild"),
                                                 (15.0, "Moderat"), (25.0, "Svær")])
def test_core_om_severity_bands_start_mild_at_the_cut_off(clinical, band):
    assert instruments.bands(pd.Series([clinical]), SPECS["core_om"]["bands"]["clinical"])[0] == band


# --------------------------------------------------------------------------- 0-2 tool

def test_tool_0_2_reverses_negative_items_and_averages_themes():
    row = {"t02_san_1": 1, "t02_san_2": 3, "t02_san_3": 1, "t02_fys_1": 3}
    s = scores("tool_0_2", row)
    assert s["senses"][0] == pytest.approx((3 + 1 + 3) / 3)   # 'passer ikke' on a negative item is best
    assert s["physical"][0] == 3 and np.isnan(s["rhythm"][0])
    assert s["overall"][0] == pytest.approx((3 + 1 + 3 + 3) / 4)


def test_dont_know_is_left_out_of_the_0_2_tool():
    responses = pd.DataFrame({
        "course_id": "C1", "instrument": "tool_0_2", "timepoint": "start",
        "item": ["t02_fys_1", "t02_fys_2", "t02_fys_3"],
        "value": pd.array([3, pd.NA, 2], dtype="Int64"),
        "status": ["answered", "dont_know", "answered"]})
    s = instruments.score(responses, "tool_0_2", SPECS["tool_0_2"])
    assert s.loc[0, "physical"] == pytest.approx((3 + 2) / 2) and s.loc[0, "physical_answered"] == 2


# --------------------------------------------------------------------------- change

def test_jacobson_truax_worked_example():
    # Jacobson & Truax's example SD 7.5, r .80: S_diff = 4.743, threshold 1.96 x 4.743 = 9.30
    assert change.jacobson_truax_threshold(7.5, 0.80) == pytest.approx(9.2966, abs=1e-3)


def test_reliable_change_on_both_sides_of_the_threshold():
    t = change.jacobson_truax_threshold(7.5, 0.80)
    cls = change.rc_class(pd.Series([t - 0.01, t, t + 0.01, -(t + 0.01), -(t - 0.01)]), t, strict=True)
    assert list(cls) == ["no_reliable_change", "no_reliable_change", "reliable_improvement",
                         "reliable_deterioration", "no_reliable_change"]
    fixed = change.rc_class(pd.Series([16.0, 17.0, -17.0]), 17.0, strict=False)   # CORE-IMS: 5 points or more
    assert list(fixed) == ["no_reliable_change", "reliable_improvement", "reliable_deterioration"]


def test_cronbach_alpha_by_hand():
    items = np.array([[1, 2, 3], [2, 3, 4], [3, 3, 5], [4, 5, 5]], dtype=float)
    k, item_var, total_var = 3, items.var(axis=0, ddof=1).sum(), items.sum(axis=1).var(ddof=1)
    assert change.cronbach_alpha(items) == pytest.approx(k / (k - 1) * (1 - item_var / total_var))
    # by hand: item variances 1.6667 + 1.5833 + 0.9167 = 4.1667, total variance 34/3 = 11.333,
    # alpha = 3/2 x (1 - 4.1667/11.333) = 0.9485
    assert change.cronbach_alpha(items) == pytest.approx(0.9485, abs=1e-4)


def test_prepost_orients_change_and_classifies():
    spec = SPECS["core_om"]
    sc = pd.DataFrame({"course_id": ["a", "a", "b", "b", "c", "c", "d"],
                       "timepoint": ["start", "slut"] * 3 + ["start"],
                       "total": [60.0, 30.0, 40.0, 40.0, 20.0, 40.0, 50.0]})
    for scale in spec["scales"]:
        if scale != "total":
            sc[scale] = np.nan
    courses = pd.DataFrame({"course_id": list("abcd"), "gender": "pige", "age": 20})
    out = change.prepost(sc, "core_om", spec, courses)
    total = out[out["scale"] == "total"].set_index("course_id")
    assert total["change"].to_dict() == {"a": 30.0, "b": 0.0, "c": -20.0}     # lower is better: pre - post
    assert total["category"].astype(str).to_dict() == {"a": "fremgang", "b": "status quo", "c": "tilbagegang"}
    assert total["rc_class"].astype(str).to_dict() == {
        "a": "reliable_improvement", "b": "no_reliable_change", "c": "reliable_deterioration"}
    # a: from 60 (clinical, >= 34) to 30 (below): recovered
    assert total["csc_class"].astype(str).to_dict() == {"a": "recovered", "b": "unchanged", "c": "deteriorated"}
    assert "d" not in total.index                    # no end measurement, no change


def who5_case(reliability) -> pd.DataFrame:
    """Four WHO-5 pairs whose baseline items give a Cronbach alpha worked by hand, classified with
    `reliability` as the configured (primary) one."""
    spec = {**SPECS["who5"], "reliable_change": {"total": {"method": "jacobson_truax", "reliability": reliability}}}
    spec.pop("clinical_cutoff")
    items = pd.DataFrame([[1, 1, 1, 1, 1], [2, 2, 2, 2, 3], [3, 3, 3, 3, 3], [4, 4, 5, 5, 4]],
                         index=list("abcd"), columns=spec["items"], dtype=float)
    sc = pd.DataFrame({"course_id": list("abcdabcd"), "timepoint": ["start"] * 4 + ["slut"] * 4,
                       "total": [20.0, 44.0, 60.0, 88.0, 40.0, 88.0, 60.0, 76.0]})
    courses = pd.DataFrame({"course_id": list("abcd"), "gender": "pige", "age": 15})
    return change.prepost(sc, "who5", spec, courses, items).set_index("course_id")


def test_reliable_change_with_a_published_reliability_beside_the_sample_alpha():
    """Baseline raw sums 5, 11, 15, 22 (totals 20, 44, 60, 88): item variances 1.6667, 1.6667,
    2.9167, 2.9167, 1.5833 (sum 10.75), variance of the sums 152.75/3 = 50.917, alpha = 5/4 x
    (1 - 10.75/50.917) = 0.9861. SD of the baseline totals: sqrt(2444/3) = 28.542. Thresholds
    1.96 x 28.542 x sqrt(2) x sqrt(1 - r): published r = .80 gives 35.38, the sample alpha 9.33.
    Changes +20, +44, 0, -12: with .80 only +44 is reliable; with the alpha +20, +44 and -12."""
    out = who5_case(0.80)
    assert out["rc_sd_pre"].unique() == pytest.approx([28.5424], abs=1e-4)
    assert out["reliability"].unique() == pytest.approx([0.80])
    assert out["rc_threshold"].unique() == pytest.approx([35.3808], abs=1e-4)
    assert out["reliability_sample_alpha"].unique() == pytest.approx([0.98609], abs=1e-5)
    assert out["rc_threshold_sample_alpha"].unique() == pytest.approx([9.3313], abs=1e-4)
    assert out["rc_class"].astype(str).to_dict() == {
        "a": "no_reliable_change", "b": "reliable_improvement", "c": "no_reliable_change", "d": "no_reliable_change"}
    assert out["rc_class_sample_alpha"].astype(str).to_dict() == {
        "a": "reliable_improvement", "b": "reliable_improvement", "c": "no_reliable_change",
        "d": "reliable_deterioration"}


def test_a_sample_alpha_rule_gives_the_same_two_classifications():
    out = who5_case("sample_alpha")
    assert out["reliability"].unique() == pytest.approx([0.98609], abs=1e-5)
    assert (out["rc_class"].astype(str) == out["rc_class_sample_alpha"].astype(str)).all()


def test_a_bad_reliability_names_the_key():
    with pytest.raises(ConfigError, match=r"instruments\.who5\.reliable_change\.total\.reliability"):
        who5_case(1.2)


def test_every_published_reliability_has_its_source():
    """A reliability given as a number is a published one: config says where it comes from."""
    for name, spec in SPECS.items():
        for scale, rule in spec.get("reliable_change", {}).items():
            if rule["method"] == "jacobson_truax" and rule["reliability"] != "sample_alpha":
                assert 0 < rule["reliability"] < 1 and rule.get("source"), (name, scale)


def test_yp_core_cut_off_by_gender_and_age_band():
    rule = SPECS["yp_core"]["clinical_cutoff"]["total"]
    people = pd.DataFrame({"gender": ["dreng", "dreng", "pige", "pige", "pige"], "age": [12, 15, 11, 16, 17]})
    got = change.cutoffs(rule, people)
    assert got[:4].tolist() == [10.3, 14.1, 14.4, 15.9] and np.isnan(got[4])


def test_no_clinical_class_where_the_cut_off_is_unknown():
    """YP-CORE's cut-off depends on gender and age 11-16: a pair with unknown gender or age 17
    gets a reliable-change class but no clinically-significant-change class."""
    spec = SPECS["yp_core"]
    sc = pd.DataFrame({"course_id": ["a", "a", "b", "b", "c", "c"], "timepoint": ["start", "slut"] * 3,
                       "total": [30.0, 5.0, 30.0, 5.0, 30.0, 5.0]})
    for scale in spec["scales"]:
        if scale != "total":
            sc[scale] = np.nan
    courses = pd.DataFrame({"course_id": list("abc"), "gender": ["pige", None, "pige"], "age": [12, 12, 17]})
    total = change.prepost(sc, "yp_core", spec, courses).set_index("course_id")
    total = total[total["scale"] == "total"]
    assert total["rc_class"].astype(str).to_dict() == dict.fromkeys("abc", "reliable_improvement")
    assert total.loc["a", "csc_class"] == "recovered"      # 30 -> 5 crosses the girls' 11-13 cut-off 14.4
    assert total.loc[["b", "c"], "csc_class"].isna().all()


def test_categorical_outcomes_keep_dont_know_and_drop_missing():
    responses = pd.DataFrame({
        "course_id": ["C1", "C2", "C3"], "instrument": "benefit", "timepoint": "slut", "item": "benefit",
        "value": pd.array([4, pd.NA, pd.NA], dtype="Int64"),
        "status": pd.Categorical(["answered", "dont_know", "missing"])})
    out = instruments.categorical(responses, "benefit", SPECS["benefit"])
    assert out["label"].tolist() == ["Meget positiv betydning", "Ved ikke"]


T02_REVERSED = SPECS["tool_0_2"]["reversed"]


@pytest.mark.parametrize("item", T02_REVERSED)
def test_tool_0_2_each_reversed_item(item):
    # every other item 'passer godt' (3, best); the negative item 'passer godt' is worst (1)
    s = scores("tool_0_2", all_items("tool_0_2", 3, **{item: 3}), all_items("tool_0_2", 3, **{item: 1}))
    n = len(SPECS["tool_0_2"]["items"])
    positives_at_3 = n - len(T02_REVERSED)
    negatives_at_3_scoring_1 = len(T02_REVERSED) - 1
    expected_worst = (positives_at_3 * 3 + negatives_at_3_scoring_1 * 1 + 1) / n
    assert s["overall"][0] == pytest.approx(expected_worst)
    assert s["overall"][1] == pytest.approx(expected_worst + 2 / n)


def test_tool_0_2_complete_at_both_ends():
    best = {i: (1 if i in T02_REVERSED else 3) for i in SPECS["tool_0_2"]["items"]}
    worst = {i: (3 if i in T02_REVERSED else 1) for i in SPECS["tool_0_2"]["items"]}
    s = scores("tool_0_2", best, worst)
    for scale in SPECS["tool_0_2"]["scales"]:
        assert s[scale].tolist() == [3, 1], scale
