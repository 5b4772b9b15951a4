"""Confidence intervals, effect sizes, the regression helpers and disclosure control, against
hand-computed values and statsmodels fitted directly."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from puljeeval.methods import disclosure, stats


def test_mean_ci_by_hand():
    # x = 2, 4, 6, 8: mean 5, sd = sqrt(20/3) = 2.582, se = 1.291, t(0.975, 3) = 3.1824
    got = stats.mean_ci([2, 4, 6, 8, np.nan])
    assert got["n"] == 4 and got["mean"] == 5
    assert got["sd"] == pytest.approx(math.sqrt(20 / 3))
    assert got["ci_low"] == pytest.approx(5 - 3.182446 * math.sqrt(20 / 3) / 2, abs=1e-5)
    assert got["ci_high"] == pytest.approx(5 + 3.182446 * math.sqrt(20 / 3) / 2, abs=1e-5)


def test_wilson_interval_by_hand():
    # 12 of 40, z = 1.959964: centre (p + z^2/2n)/(1 + z^2/n), half-width z sqrt(p(1-p)/n + z^2/4n^2)/(1 + z^2/n)
    p, n, z = 0.3, 40, 1.959964
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    got = stats.proportion_ci(12, 40)
    assert got["share_pct"] == 30
    assert got["ci_low"] == pytest.approx(100 * (centre - half), abs=1e-4)
    assert got["ci_high"] == pytest.approx(100 * (centre + half), abs=1e-4)


def test_two_proportions_by_hand():
    # 30/100 vs 20/100: pooled p = .25, z = .1 / sqrt(.25 x .75 x (2/100)) = 1.633, p = .1025
    got = stats.compare_proportions(30, 100, 20, 100)
    assert got["diff_pp"] == pytest.approx(10)
    z = 0.1 / math.sqrt(0.25 * 0.75 * 2 / 100)
    assert got["p"] == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(z / math.sqrt(2)))), abs=1e-9)
    # Newcombe's interval from the two Wilson intervals: L = d - sqrt((p1-l1)^2 + (u2-p2)^2)
    w1, w2 = stats.proportion_ci(30, 100), stats.proportion_ci(20, 100)
    low = 10 - math.sqrt((30 - w1["ci_low"]) ** 2 + (w2["ci_high"] - 20) ** 2)
    high = 10 + math.sqrt((w1["ci_high"] - 30) ** 2 + (20 - w2["ci_low"]) ** 2)
    assert got["ci_low"] == pytest.approx(low, abs=1e-6) and got["ci_high"] == pytest.approx(high, abs=1e-6)


def test_paired_effect_sizes_by_hand():
    pre = pd.Series([10.0, 12, 14, 16])
    post = pd.Series([13.0, 14, 18, 19])
    # differences 3, 2, 4, 3: mean 3, sd sqrt(2/3)
    got = stats.paired_effect_sizes(pre, post)
    sd_pre, sd_post = np.std(pre, ddof=1), np.std(post, ddof=1)
    r = np.corrcoef(pre, post)[0, 1]
    assert got["d_z"] == pytest.approx(3 / math.sqrt(2 / 3))
    assert got["d_av"] == pytest.approx(3 / ((sd_pre + sd_post) / 2))
    assert got["d_rm"] == pytest.approx(3 / math.sqrt(sd_pre**2 + sd_post**2 - 2 * r * sd_pre * sd_post)
                                        * math.sqrt(2 * (1 - r)))
    assert got["d_z"] > got["d_av"]      # r > 0.5: d_z exceeds d_av (Lakens 2013)


@pytest.fixture
def frame():
    rng = np.random.default_rng(3)
    n = 300
    d = pd.DataFrame({"age": rng.integers(3, 25, n).astype(float), "girl": rng.integers(0, 2, n)})
    d["y"] = 0.05 * d["age"] + 0.3 * d["girl"] + rng.normal(0, 1, n)
    d["event"] = (rng.random(n) < 1 / (1 + np.exp(-(-2 + 0.1 * d["age"])))).astype(int)
    d.loc[::17, "age"] = np.nan
    return d


def test_ols_helper_matches_statsmodels(frame):
    result, table = stats.fit_ols("y ~ age + girl", frame, "m")
    direct = smf.ols("y ~ age + girl", data=frame.dropna()).fit()
    assert table["n"].iloc[0] == direct.nobs
    np.testing.assert_allclose(table["estimate"], direct.params)
    np.testing.assert_allclose(table["se"], direct.bse)
    np.testing.assert_allclose(table["p"], direct.pvalues)
    np.testing.assert_allclose(table[["ci_low", "ci_high"]], direct.conf_int())


def test_logit_helper_gives_odds_ratios(frame):
    _, table = stats.fit_logit("event ~ age", frame, "dropout")
    direct = smf.logit("event ~ age", data=frame.dropna()).fit(disp=False)
    np.testing.assert_allclose(table["estimate"], np.exp(direct.params))
    np.testing.assert_allclose(table[["ci_low", "ci_high"]], np.exp(direct.conf_int()))
    np.testing.assert_allclose(table["se"], direct.bse)


# --------------------------------------------------------------------------- disclosure

def counts(rows):
    return pd.DataFrame(rows, index=[f"r{i}" for i in range(len(rows))],
                        columns=[f"c{j}" for j in range(len(rows[0]))])


def test_primary_suppression_only_when_no_cell_can_be_recovered():
    # r0 has two small cells: neither can be recovered from its row; but each column has one
    t = counts([[3, 2, 50], [40, 60, 70], [30, 20, 10]])
    mask = disclosure.suppress(t, 5)
    assert mask.loc["r0", "c0"] and mask.loc["r0", "c1"]
    # columns c0 and c1 each had a single hidden cell: the smallest other cell of each is hidden
    assert mask.loc["r2", "c0"] and mask.loc["r2", "c1"]
    assert not mask.loc["r1"].any() and not mask["c2"].any()


def test_secondary_suppression_of_a_single_small_cell():
    t = counts([[2, 30, 40], [25, 35, 45], [50, 60, 70]])
    mask = disclosure.suppress(t, 5)
    # r0 and c0 each contain one hidden cell: r0's smallest other (30) and c0's (25) go too,
    # which leaves r1 and c1 with one each: 35 in r1 / c1 closes both
    hidden = {(r, c) for r in mask.index for c in mask.columns if mask.loc[r, c]}
    assert ("r0", "c0") in hidden and ("r0", "c1") in hidden and ("r1", "c0") in hidden
    for line in list(mask.index) + list(mask.columns):
        cells = mask.loc[line] if line in mask.index else mask[line]
        assert cells.sum() != 1, f"{line} has a single hidden cell"


def test_small_total_is_hidden_and_protected():
    t = counts([[1, 2], [40, 50]])
    mask = disclosure.suppress(t, 5)
    assert mask.loc["r0", disclosure.TOTAL]             # the row total 3 is itself small
    for line in list(mask.index) + list(mask.columns):
        cells = mask.loc[line] if line in mask.index else mask[line]
        assert cells.sum() != 1


def test_nothing_hidden_when_all_cells_are_large():
    assert not disclosure.suppress(counts([[5, 6], [7, 8]]), 5).to_numpy().any()


def test_publish_marks_hidden_cells():
    shown = disclosure.publish(counts([[3, 30, 40], [25, 35, 45]]), 5)
    assert shown.loc["r0", "c0"] == "<5" and shown.loc[disclosure.TOTAL, disclosure.TOTAL] == 178


def test_row_shares_hide_small_categories_and_their_complement():
    from puljeeval.publish import rules
    table = pd.DataFrame({"n": [100, 3], "a_pct": [96.0, 100.0], "b_pct": [3.0, 0.0], "c_pct": [1.0, 0.0]})
    out = rules.row_shares(table, 5, ["a", "b", "c"])
    # row 0: b (3) and c (1) are small, and together 4 < 5: n - a would give their sum, so a goes too
    assert out.status.loc[0, ["a_pct", "b_pct", "c_pct"]].tolist() == ["secondary", "primary", "primary"]
    assert out.values.loc[0, ["a_pct", "b_pct", "c_pct"]].isna().all() and out.values.loc[0, "n"] == 100
    assert (out.status.loc[1, ["n", "a_pct", "b_pct", "c_pct"]] == "primary").all()   # n = 3: the whole row


def test_binary_shares_hide_small_counts_and_small_complements():
    from puljeeval.publish import rules
    table = pd.DataFrame({"g_n": [50, 50, 50], "g_count": [3, 25, 48], "g_pct": [6.0, 50.0, 96.0],
                          "g_ci_low": [1.0, 36.0, 86.0], "g_ci_high": [16.0, 64.0, 99.0]})
    out = rules.binary_counts(table, 5, ["g"])
    assert out.values["g_count"].isna().tolist() == [True, False, True]
    # 3 with is below the minimum; 48 of 50 leaves 2 without: hidden to protect them
    assert out.status["g_pct"].tolist() == ["primary", "", "secondary"]


def test_danish_number_formatting():
    from puljeeval.publish.display import number
    assert number(9957) == "9.957" and number(51.6, 1) == "51,6" and number(1234567.891, 2) == "1.234.567,89"


def test_missing_and_stale_products_name_the_rule(tmp_path):
    import os

    from puljeeval.render import pages as report
    missing = tmp_path / "figur_3_1.png"
    with pytest.raises(report.ProductError, match="made by the Snakemake rule 'figures'"):
        report.product(missing, "figures")
    missing.write_bytes(b"x")
    source = tmp_path / "input.csv"
    source.write_text("a")
    os.utime(missing, (1, 1))
    with pytest.raises(report.ProductError, match="older than .*input.csv: rerun the rule 'figures'"):
        report.product(missing, "figures", [source])


def test_prose_formats_danish():
    """Prose numbers and shares go through the one display formatter (no Babel: it rounds half
    to even on the binary value)."""
    from puljeeval.publish import display
    assert display.number(9957) == "9.957" and display.number(51.6, 1) == "51,6" and display.pct(72) == "72 pct."
