"""The figures tell the truth about cells without a number, write every number the Danish way,
and say when the data are synthetic (issue 12, items 1, 3 and 7 as they concern figures). Issue
13's checks of every figure (overlaps, contrast, tick size, captions) are in
tests/test_figure_quality.py.

Figures are drawn from small masked tables through the chapter functions or `figures.catalogue`,
with settings made as the rule `figures` makes them (only the config keys and side files it
declares), so a figure that reads an undeclared key fails here too.
"""

from __future__ import annotations

import ast
import re

import matplotlib.text
import numpy as np
import pandas as pd
import pytest
from conftest import base_config

from puljeeval.publish import display, figures
from puljeeval.publish import registry as reg
from puljeeval.publish import tables as publish
from puljeeval.publish.figures import kapitel_3
from puljeeval.publish.masked import Masked
from puljeeval.render.pages import synthetic_line
from puljeeval.settings import ROOT, config_slice, from_params

COMMON = (ROOT / "workflow" / "rules" / "common.smk").read_text(encoding="utf-8")
# the figures rule's declarations (workflow/rules/publish.smk): its keys beyond these come from
# FIGURE_CONFIG in common.smk, read from there so the test cannot drift from the rule
FIGURE_CONFIG = ast.literal_eval(re.search(r"^FIGURE_CONFIG = (\{.*?\n\})", COMMON, re.S | re.M).group(1))
PROVENANCE = ["data_source", "twin.seed", "twin.scale"]
NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})*(,\d+)?$")     # a Danish number: 1.234,5


def rule_settings(chapter: str, data_source: str = "twin", outcomes: int | None = None):
    config = base_config()
    config["data_source"] = data_source
    if outcomes is not None:
        config["core_elements"]["outcomes"] = config["core_elements"]["outcomes"][:outcomes]
    keys = ["disclosure.min_count", *(PROVENANCE if data_source == "twin" else ["data_source"]),
            *FIGURE_CONFIG[chapter]["keys"]]
    side = {key: ROOT / config["files"][key] for key in ["tables", *FIGURE_CONFIG[chapter]["side"]]}
    return from_params(config_slice(config, *keys), side, "figures")


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]


def close(*figs) -> None:
    for fig in figs:
        figures.style.plt.close(fig)


@pytest.fixture(scope="module")
def settings3():
    return rule_settings("kapitel_3")


@pytest.fixture(scope="module")
def ctx3(settings3):
    return figures.context_of(reg.from_settings(settings3), settings3.config)


# --------------------------------------------------------------------------- markers


def profile_interim(counts: dict[str, dict[str, int]]) -> pd.DataFrame:
    """Profiles of `residence` by age group (ALLE is the groups' sum), shares from the counts."""
    rows = []
    groups = {"ALLE": {c: sum(g[c] for g in counts.values()) for c in next(iter(counts.values()))}, **counts}
    for group, cats in groups.items():
        n = sum(cats.values())
        for cat, k in cats.items():
            rows.append({"variable": "residence", "label": "x", "age_group": group, "category": cat, "n": n,
                         "count": k, "share_pct": 100 * k / n, "ci_low": 100 * k / n - 1, "ci_high": 100 * k / n + 1})
    return pd.DataFrame(rows)


def test_a_secondary_hidden_bar_is_marked_secondary_never_below_threshold(ctx3):
    """A share hidden only to protect another cell (here 193 children) is '..'; '<5' is only
    drawn for a share whose own count is below the threshold; the legend explains those two."""
    frame = profile_interim({"0-2": {"udeboende": 10, "mor": 60, "begge": 70, "far": 3, "delt": 193},
                             "3-10": {"udeboende": 40, "mor": 200, "begge": 300, "far": 50, "delt": 80}})
    masked = Masked.shown(frame)
    secondary = (frame["age_group"] == "0-2") & frame["category"].isin(["udeboende", "delt"])
    masked.hide(frame["count"] < 5, ["count", "share_pct", "ci_low", "ci_high"], display.PRIMARY)
    masked.hide(frame["count"] < 5, ["share_pct", "ci_low", "ci_high"], display.SECONDARY)
    masked.hide(secondary, ["count", "share_pct", "ci_low", "ci_high"], display.SECONDARY)
    marks = ctx3.marks()
    fig = ctx3.finish(kapitel_3.profile(masked, ["residence"], ctx3, marks, "T"), marks)
    drawn = {t.get_gid(): t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_gid()}
    assert drawn == {"marker/residence/0-2/far": "<5", "marker/residence/0-2/udeboende": "..",
                     "marker/residence/0-2/delt": ".."}
    legend = ctx3.markers.legend({display.PRIMARY, display.SECONDARY})
    assert all(text in "\n".join(texts(fig)) for _, text in legend)
    close(fig)


def test_markers_follow_the_disclosure_rule_through_the_publish_path(ctx3, settings3):
    """The same through the registry's rule for the profiles table: every bar without a number
    whose count is not below the threshold is never drawn as '<5', and every small count is."""
    frame = profile_interim({"0-2": {"udeboende": 9, "mor": 60, "begge": 70, "far": 3, "delt": 193},
                             "3-10": {"udeboende": 40, "mor": 200, "begge": 300, "far": 50, "delt": 80},
                             "11-16": {"udeboende": 45, "mor": 210, "begge": 310, "far": 60, "delt": 90}})
    registry = ctx3.registry
    masked = publish.controlled(registry.tables["profiles"], frame, settings3.config["disclosure"]["min_count"])
    marks = ctx3.marks()
    fig = kapitel_3.profile(masked, ["residence"], ctx3, marks, "T")
    drawn = {t.get_gid(): t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_gid()}
    assert drawn, "the rule hid nothing: the case does not test anything"
    counts = frame.set_index(["age_group", "category"])["count"]
    for gid, symbol in drawn.items():
        _, _, group, cat = gid.split("/")
        assert (symbol == "<5") == (counts[group, cat] < 5), (gid, symbol, counts[group, cat])
    close(fig)


def test_the_marker_legend_appears_only_when_a_marker_is_drawn(ctx3):
    frame = profile_interim({"3-10": {"udeboende": 40, "mor": 200, "begge": 300, "far": 50, "delt": 80}})
    marks = ctx3.marks()
    fig = ctx3.finish(kapitel_3.profile(Masked.shown(frame), ["residence"], ctx3, marks, "T"), marks)
    shown = "\n".join(texts(fig))
    assert not marks.used
    assert not any(text in shown for text in ctx3.markers.legends.values())
    assert not set(ctx3.markers.symbols.values()) & set(texts(fig))
    close(fig)


# --------------------------------------------------------------------------- chapter 5 through the catalogue


def chapter5_tables(elements: list[str]) -> dict[str, Masked]:
    """One outcome: intention shares, a histogram, and the overall models' coefficients (no
    subgroup was estimated: the subgroup figure marks every subgroup 'not estimated')."""
    intention = pd.DataFrame({"outcome": "who5", "element": elements, "label": "x", "n": 2400,
                              "with_intention": 1200, "share_pct": 50.0, "ci_low_pct": 48.0, "ci_high_pct": 52.0,
                              "mean_intensity": 2.0})
    hist = pd.DataFrame([{"outcome": "who5", "element": e, "label": "x", "order": k, "bin": b,
                          "with_intention": 600, "without_intention": 600}
                         for e in elements for k, b in enumerate(["0", "0-0,5"])])
    coefs = pd.DataFrame([{"outcome": "who5", "model": m, "figure": f, "subgroup_variable": np.nan,
                           "subgroup": "Samlet", "term": f"{m}_{e}", "method": method, "estimate": 0.05 * (i - 3),
                           "se": 0.02, "ci_low": 0.05 * (i - 3) - 0.04, "ci_high": 0.05 * (i - 3) + 0.04,
                           "p": 0.01 if i == 0 else 0.5, "q": 0.5, "n": 2400, "parameters": 10, "df_resid": 2390,
                           "clusters": 16, "note": np.nan}
                          for m, f in (("intention", "10-2"), ("intensity", "10-3")) for i, e in enumerate(elements)
                          for method in ("ols", "wild_cluster", "cr2", "ipw")])
    out = {}
    for key, frame in (("element_intention", intention), ("element_histogram", hist),
                       ("element_coefficients", coefs)):
        masked = Masked.shown(frame)
        masked.mark_missing()
        out[key] = masked
    return out


@pytest.fixture(scope="module", params=["twin", "real"])
def chapter5(request):
    settings = rule_settings("kapitel_5", request.param, outcomes=1)
    registry = reg.from_settings(settings)
    made = figures.catalogue("kapitel_5", chapter5_tables(list(registry.labels("elements"))), registry, settings)
    yield request.param, settings, registry, made
    close(*made.values())


def test_every_figure_says_when_the_data_are_synthetic(chapter5):
    data_source, settings, _, made = chapter5
    assert set(made) == {"figur_10_1", "figur_10_2", "figur_10_3", "figur_10_4"}
    twin = base_config()["twin"]
    line = synthetic_line({"data_source": "twin", "twin": twin})
    for stem, fig in made.items():
        # the footnote wraps the line: compare without line breaks
        shown = " ".join(" ".join(texts(fig)).split())
        if data_source == "twin":
            assert line and " ".join(line.split()) in shown, stem
        else:
            assert str(twin["seed"]) not in shown and " ".join(line.split()[:2]) not in shown, stem


def test_ticks_and_numbers_are_danish(chapter5):
    *_, made = chapter5
    fig = made["figur_10_2"]
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert ticks and all(NUMBER.match(t) for t in ticks), ticks
    assert any("," in t for t in ticks) and not any("." in t for t in ticks), ticks
    # N under the figure through the one formatter: 2400 -> 2.400
    assert "N = 2.400" in "\n".join(texts(fig)) and figures.caption_of(fig).n == "N = 2.400"
    hist_ticks = [t.get_text() for ax in made["figur_10_1"].axes for t in ax.get_yticklabels() if t.get_text()]
    assert all(NUMBER.match(t) for t in hist_ticks if t[0].isdigit()), hist_ticks


def test_not_estimated_subgroups_are_marked_and_explained(chapter5):
    _, _, registry, made = chapter5
    markers = registry.markers(5)
    sub, forest = "\n".join(texts(made["figur_10_4"])), "\n".join(texts(made["figur_10_2"]))
    assert markers.symbol(display.NOT_ESTIMATED) in texts(made["figur_10_4"])
    assert markers.legends[display.NOT_ESTIMATED] in sub
    assert not any(markers.legends[s] in sub for s in (display.PRIMARY, display.SECONDARY))
    # every estimate of 10-2 is shown: no marker legend at all
    assert not any(text in forest for text in markers.legends.values())


def test_flow_counts_have_thousands_points(ctx3):
    flow = pd.DataFrame({"step": ["raw_registrations", "dropped:duplicate", "started", "completed"],
                         "n": [12050, 3, 12047, 9000], "share_pct": [np.nan, np.nan, np.nan, 74.71]})
    masked = Masked.shown(flow)
    masked.hide(flow["n"] < 5, "n", display.PRIMARY)
    masked.mark_missing()
    marks = ctx3.marks()
    fig = ctx3.finish(kapitel_3.flow(masked, ctx3, marks, "T", "A"), marks)
    shown = texts(fig)
    assert "12.050" in shown and "<5" in shown
    assert any("9.000" in t and "74,7" in t for t in shown), shown
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert all(NUMBER.match(t) for t in ticks) and any("." in t for t in ticks), ticks
    close(fig)


def test_figures_are_drawn_from_masked_tables_only(settings3):
    registry = reg.from_settings(settings3)
    with pytest.raises(TypeError, match="masked"):
        figures.catalogue("kapitel_3", {"profiles": pd.DataFrame(), "flow": pd.DataFrame()}, registry, settings3)


def test_same_tables_give_the_same_bytes(ctx3, tmp_path):
    frame = profile_interim({"3-10": {"udeboende": 40, "mor": 200, "begge": 300, "far": 3, "delt": 80}})
    masked = Masked.shown(frame)
    masked.hide(frame["count"] < 5, ["count", "share_pct"], display.PRIMARY)
    out = []
    for run in ("a", "b"):
        marks = ctx3.marks()
        fig = ctx3.finish(kapitel_3.profile(masked, ["residence"], ctx3, marks, "T"), marks)
        out.append([p.read_bytes() for p in figures.save(fig, "f", tmp_path / run)])
    assert out[0] == out[1]
