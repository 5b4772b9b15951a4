"""Labels for every code a reader could see (issue 12, item 2): the registry's label sets
(config/tables.yaml `labels`, puljeeval/publish/registry.py) and the model-term labeller
(puljeeval/publish/terms.py).

- every code the pipeline's own functions put in a published table's interim source has a label
  (small frames made by those functions; a finished run's results/interim/tables/*.csv too, when
  there is one);
- model terms as patsy names them get the variable's and level's labels and the reference level
  patsy left out;
- no published cell (CSV/workbook cells and page cells) is a code of a label set;
- a code without a label is an error naming the set and the table;
- the side files and config keys the rules must declare for the labels are exactly those read.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from conftest import TINY, base_config, tiny_settings

from puljeeval.costs import inputs as cost_inputs
from puljeeval.costs import tables as cost_tables
from puljeeval.data import cleaning, ingest
from puljeeval.evaluation import (
    bilag_1,
    core_elements,
    element_models,
    element_sensitivity,
    kapitel_3,
    kapitel_4,
    statements,
)
from puljeeval.methods import stats
from puljeeval.publish import display, terms
from puljeeval.publish import tables as publish
from puljeeval.publish.masked import Masked
from puljeeval.publish.registry import Registry, RegistryError, from_settings
from puljeeval.settings import ROOT, config_slice, from_params, load_settings, read_yaml

RAW = read_yaml(ROOT / "config" / "tables.yaml")
BACKGROUND = read_yaml(ROOT / "puljeeval" / "data" / "schemas" / "background.schema.yaml")["properties"]
# A finished run's interim tables (the registry's `source` -> file stem under results/interim/tables).
RUN = ROOT / "results" / "interim" / "tables"
RUN_FILES = {"flow": "figur_3_4_flow", "production": "tabel_8_1_production", "profiles": "figur_3_1-3_3_profiles",
             "bilag4_coefficients": "bilag4_coefficients_*", "bilag4_models": "bilag4_models_*",
             "bilag4_sensitivity": "bilag4_sensitivity_*", "bilag4_interactions": "bilag4_interactions_*"}


def side(key: str) -> dict:
    return read_yaml(ROOT / "config" / f"{key}.yaml")


@pytest.fixture(scope="module")
def settings():
    return load_settings(base_config(), ROOT)


@pytest.fixture(scope="module")
def registry(settings) -> Registry:
    return Registry(RAW, side, settings.config)


def shown(table, frame: pd.DataFrame) -> Masked:
    """`frame` as the table's interim source with every cell shown (the labels, not the disclosure
    rule, are under test; a column the frame lacks is empty)."""
    return Masked.shown(frame.reindex(columns=table.source_columns).reset_index(drop=True))


def cells(registry: Registry, table, frame: pd.DataFrame) -> list[str]:
    """Every cell of the table as the CSV/workbook and the page show it (raises on a code without a
    label, naming set and table)."""
    masked = shown(table, frame)
    markers = registry.markers(5)
    out = [str(v) for v in publish.sheet(table, masked, registry, markers).to_numpy().ravel()]
    return out + [str(v) for v in publish.page_cells(table, masked, registry, markers).to_numpy().ravel()]


# --------------------------------------------------------------------------- the pipeline's codes


def synthetic_background(settings, n: int = 240, seed: int = 1) -> pd.DataFrame:
    """Children with every background level of the data contract, a few unanswered."""
    rng = np.random.default_rng(seed)
    out = pd.DataFrame({"course_id": [f"K{i:04d}" for i in range(n)],
                        "age": rng.integers(3, 25, n).astype("float64")})
    for var in ("gender", "nationality", "abusing_party", "substance", "parents_education", "child_education",
                "lives_with_abuser", "other_support", "intervention_type", "residence"):
        levels = BACKGROUND[var]["enum"] if var in BACKGROUND else ["individuel", "gruppe", "begge"]
        col = np.array(levels, dtype=object)[rng.permutation(n) % len(levels)]
        col[rng.random(n) < 0.05] = np.nan
        out[var] = col
    groups = [g["label"] for g in settings.config["age"]["groups"]]
    out["age_group"] = np.array(groups, dtype=object)[np.arange(n) % len(groups)]
    return out


def model_tables(settings) -> dict[str, pd.DataFrame]:
    """The coefficient tables the chapters' own model functions make on synthetic children."""
    data = synthetic_background(settings)
    rng = np.random.default_rng(2)
    dropout = data.assign(unplanned=rng.integers(0, 2, len(data)), low_wellbeing=rng.random(len(data)) < 0.4)
    benefit = data.assign(benefit=rng.integers(1, 5, len(data)).astype("float64"))
    elements = settings.element_codes
    fits = {}
    base = core_elements_frame(settings, data, rng, elements)
    for kind, column in (("intention", core_elements.intention_column), ("intensity", core_elements.intensity_column)):
        fits[kind] = element_models.fit_family(base, [column(e) for e in elements], settings)
    return {"dropout_model": kapitel_3.dropout_model(dropout, settings),
            "benefit_regression": kapitel_4.benefit_regression(kapitel_4.benefit_model_data(benefit, settings),
                                                               settings),
            "element_fits": fits}


def core_elements_frame(settings, data: pd.DataFrame, rng, elements: list[str]) -> pd.DataFrame:
    cfg = settings.config["core_elements"]
    out = data.copy()
    for e in elements:
        out[core_elements.intention_column(e)] = rng.integers(0, 2, len(out)).astype("float64")
        out[core_elements.intensity_column(e)] = rng.uniform(0, 4, len(out))
    out["z"] = rng.normal(size=len(out))
    return stats.prepare_controls(out, cfg["controls"], cfg["numeric_controls"], cfg["missing_controls"])


@pytest.fixture(scope="module")
def pipeline_frames(settings) -> dict[str, pd.DataFrame]:
    """Per published table, a small interim frame whose codes come from the pipeline's own
    functions and config (the tiny fixture's cleaning for the flow, the chapters' model functions
    for the terms), not from the label sets under test."""
    tiny = tiny_settings(TINY)
    clean = cleaning.clean(ingest.ingest(tiny, ingest.pseudonym_key(tiny)), tiny)
    courses = clean["courses"]
    spec_who5 = settings.instruments["instruments"]["who5"]
    who5 = pd.DataFrame({"course_id": courses["course_id"], spec_who5["main_scale"]: 40.0})
    groups = [kapitel_3.ALL] + [g["label"] for g in settings.config["age"]["groups"]]
    instruments = settings.instruments["instruments"]
    pairs = [(i, s) for i, spec in instruments.items() for s in spec.get("scales", {})]
    core_om = instruments["core_om"]
    prepost = pd.DataFrame({"scale": "clinical", "pre": [5.0, 12.0, 30.0], "post": [3.0, 11.0, 18.0]})
    models = model_tables(settings)
    costs_dir = ROOT / "config" / "costs"
    cost = cost_tables.all_tables(cost_inputs.load_input(costs_dir / "example.yaml"),
                                  cost_inputs.load_sensitivity(costs_dir / "sensitivity.yaml"),
                                  cost_inputs.load_published(costs_dir / "published.yaml"))
    cfg = settings.config["core_elements"]
    outcomes = [o["key"] for o in cfg["outcomes"]]
    criteria = ["courses"] + [name for name, _ in core_elements.CRITERIA]
    subgroups = [("", element_models.OVERALL)] + [(s["variable"], lv) for s in cfg["subgroups"] for lv in s["levels"]]
    coef_rows, model_rows = [], []
    for o in cfg["outcomes"]:
        for kind in ("intention", "intensity"):
            fit = models["element_fits"][kind]
            for i, (var, level) in enumerate(subgroups):
                figure = o["figures"][kind] if var == "" else o["figures"]["subgroups"]
                key = {"outcome": o["key"], "model": kind, "figure": figure,
                       "subgroup_variable": var or np.nan, "subgroup": level}
                model_rows.append({**key, "formula": fit["formula"], "full_rank": bool(fit["full_rank"])})
                for method in element_models.METHODS:
                    for term in fit["result"].params.index if i == 0 else fit["terms"][:1]:
                        coef_rows.append({**key, "term": term, "method": method})
    return {
        "profiles": kapitel_3.profiles(courses, who5, tiny),
        "flow": kapitel_3.flow(clean["ledger"], courses),
        "dropout": pd.DataFrame({"characteristic": [c["label"] for c in
                                                    settings.config["analysis"]["dropout"]["characteristics"]]}),
        "dropout_age": pd.DataFrame({"planned_n": [1]}),
        "dropout_model": models["dropout_model"],
        "production": kapitel_3.production(courses, tiny),
        "benefit_shares": pd.DataFrame({"age_group": groups, "answer": "x"}),
        "benefit_regression": models["benefit_regression"],
        "parent_statements": pd.DataFrame({"item": instruments["parent_statements"]["items"]}),
        "outcomes": pd.DataFrame([{"instrument": i, "scale": s, "age_group": g} for i, s in pairs for g in groups]),
        "core_om_severity": kapitel_4.severity_shares(prepost, core_om),
        "element_flow": pd.DataFrame([{"outcome": o, "criterion": c} for o in outcomes for c in criteria]),
        "element_intention": pd.DataFrame([{"outcome": o, "element": e} for o in outcomes
                                           for e in settings.element_codes]),
        "element_histogram": pd.DataFrame([{"outcome": o, "element": e} for o in outcomes
                                           for e in settings.element_codes]),
        "element_coefficients": pd.DataFrame(coef_rows),
        "element_models": pd.DataFrame(model_rows),
        "element_sensitivity": pd.DataFrame([
            {"outcome": o["key"], "model": kind, "figure": o["figures"][kind], "analysis": a, "term": t, "method": m}
            for o in cfg["outcomes"] for kind in ("intention", "intensity") for a in element_sensitivity.ANALYSES
            for t in models["element_fits"][kind]["terms"][:1] for m in element_sensitivity.SENSITIVITY_METHODS]),
        "element_interactions": pd.DataFrame([
            {"outcome": o["key"], "figure": o["figures"]["subgroups"], "subgroup_variable": s["variable"],
             "term": models["element_fits"]["intensity"]["terms"][0], "method": m}
            for o in cfg["outcomes"] for s in cfg["subgroups"] for m in element_sensitivity.INTERACTION_METHODS]),
        "element_statements": pd.DataFrame([
            {"kind": s.kind, "figure": s.figure, "outcome": s.outcome,
             "model": s.model if s.kind != "ranking" else np.nan, "subgroup_variable": s.variable or np.nan,
             "subgroup": s.level, "element": s.element or np.nan, "holds": True, "wild_holds": False,
             "other_holds": True}
            for s in statements.statements(settings.published["bilag_4"]["statements"], settings)]),
        # the mapping's tables hold no codes: the printed rows as text (tests/test_kortlaegning_publish.py)
        **{t.id: pd.DataFrame({"row": ["x"]}) for t in Registry(RAW).chapter_tables("kortlaegning")},
        # chapter 6: the cost model's tables from the example input
        **{t.id: cost[t.source.removeprefix("kapitel_6_")] for t in Registry(RAW).chapter_tables("kapitel_6")},
        # Bilag 1: the transcription's table, the offer codes and the outcomes x elements of the agreement
        "bilag_1_tabel_7_1": bilag_1.offers_table(bilag_1.load(ROOT / "config" / "bilag_1.yaml", settings.offer_codes),
                                                  settings.offers["offers"]),
        "bilag_1_matrix": pd.DataFrame({"name": ["x"]}),
        "bilag_1_matrix_codes": pd.DataFrame({"offer": settings.offer_codes}),
        "bilag_1_agreement": pd.DataFrame([{"outcome": o, "element": e, "same": True} for o in outcomes
                                           for e in settings.element_codes]),
    }


def test_every_code_the_pipeline_makes_has_a_label(registry, pipeline_frames):
    """Every labelled column's codes are shown as labels (an unknown code raises, naming set and
    table); a cell may equal its code only where the code is an ordinary word (its own label)."""
    assert set(pipeline_frames) == set(registry.tables), "a published table without a frame here"
    for table_id, frame in pipeline_frames.items():
        table = registry.tables[table_id]
        cells(registry, table, frame)
        page = publish.page_cells(table, shown(table, frame), registry, registry.markers(5))
        for col in table.columns:
            if col.labels is None or col.name not in frame:
                continue
            for code, cell in zip(frame[col.name], page[col.name], strict=True):
                if not display.is_missing(code) and cell == publish._code_key(code):
                    assert registry.raw_code(cell) is None, (table_id, col.name, code)


def run_sources() -> dict[str, pd.DataFrame]:
    out = {}
    for source, stem in {**{t.source: t.source for t in Registry(RAW).tables.values()}, **RUN_FILES}.items():
        files = sorted(RUN.glob(f"{stem}.csv"))
        if files:
            out[source] = pd.concat([pd.read_csv(f) for f in files], ignore_index=True)
    return out


@pytest.mark.skipif(not RUN.is_dir(), reason="no finished run in results/interim/tables")
def test_every_code_of_a_finished_run_has_a_label(registry):
    """The interim tables of the last run in this checkout: every code of every labelled column
    (and every model term) has a label."""
    sources = run_sources()
    # the mapping's tables (no codes) are made elsewhere, under results/interim/kortlaegning/
    tables = [t for t in registry.tables.values() if t.chapter != "kortlaegning"]
    missing = sorted({t.source for t in tables} - set(sources))
    if missing:
        pytest.skip(f"the run in results/interim/tables is incomplete or older than the registry: no {missing}")
    for table in tables:
        cells(registry, table, sources[table.source])


# --------------------------------------------------------------------------- model terms

HAND = {
    "units": {"code": "code", "count": "count"},
    "labels": {
        "variables": {"age": "Age (years)", "gender": "Gender", "party": "Party", "lives": "Lives with", "x": "X",
                      "y": "Y"},
        "levels": {"gender": {"girl": "Girl", "boy": "Boy"},
                   "party": {"both": "Both", "father": "Father", "mother": "Mother"},
                   "lives": {"ja": "Yes", "nej": "No"}},
        "terms": {"terms": {"variables": "variables", "levels": "levels", "missing": {"ikke_oplyst": "Not stated"},
                            "intercept": "Constant", "level": "{variable}: {level} (ref.: {reference})",
                            "level_only": "{variable}: {level}", "interaction": " x ",
                            "formula": "{response} by {terms}", "separator": "; "}},
        "formulas": {"formula": "terms"},
    },
    "tables": {"coefs": {"chapter": "kapitel_3", "sheet": "S", "source": "s", "disclosure": {"rule": "none"},
                         "columns": [{"name": "model", "heading": "Model", "unit": "code"},
                                     {"name": "term", "heading": "Term", "unit": "code", "labels": "terms"}]}},
}


@pytest.fixture
def hand() -> Registry:
    return Registry(copy.deepcopy(HAND))


def test_term_labels_of_hand_written_patsy_names(hand):
    """Hand-worked: the reference level is the one of the model's levels that patsy left out
    (patsy sorts the levels and leaves out the first)."""
    ls = hand.label_set("terms")
    model = ["Intercept", "C(gender)[T.girl]", "C(party)[T.father]", "C(party)[T.mother]", "age"]
    assert ls.label("Intercept", model_terms=model) == "Constant"
    assert ls.label("age", model_terms=model) == "Age (years)"
    assert ls.label("C(gender)[T.girl]", model_terms=model) == "Gender: Girl (ref.: Boy)"
    assert ls.label("C(party)[T.mother]", model_terms=model) == "Party: Mother (ref.: Both)"
    # the unanswered level kept as a level ('ikke_oplyst' sorts between 'father' and 'mother')
    with_missing = ["C(party)[T.father]", "C(party)[T.ikke_oplyst]", "C(party)[T.mother]"]
    assert ls.label("C(party)[T.ikke_oplyst]", model_terms=with_missing) == "Party: Not stated (ref.: Both)"
    # ... the reference when it sorts first: 'ja' and 'nej' shown, 'ikke_oplyst' left out
    lives = ["C(lives)[T.ja]", "C(lives)[T.nej]"]
    assert ls.label("C(lives)[T.nej]", model_terms=lives) == "Lives with: No (ref.: Not stated)"
    # ... and not a candidate when the model shows no unanswered level of any variable (controls
    # dropped, not kept as a level): 'nej' shown, so 'ja' was left out
    assert ls.label("C(lives)[T.nej]", model_terms=["C(lives)[T.nej]", "age"]) == "Lives with: No (ref.: Yes)"
    # a reference named in the formula wins over sorted order
    assert ls.label("C(party, Treatment(reference='mother'))[T.both]") == "Party: Both (ref.: Mother)"
    assert ls.label("C(party, Treatment('mother'))[T.father]") == "Party: Father (ref.: Mother)"
    # a text column patsy treated as categorical, an interaction, full-rank coding
    assert ls.label("gender[T.girl]", model_terms=model) == "Gender: Girl (ref.: Boy)"
    assert ls.label("C(gender)[T.girl]:age", model_terms=model) == "Gender: Girl (ref.: Boy) x Age (years)"
    assert ls.label("C(gender)[girl]") == "Gender: Girl"
    assert hand.label_set("formulas").label("y ~ age + C(gender) + C(party):x") == "Y by Age (years); Gender; Party x X"


def test_an_undetermined_reference_or_unknown_term_is_an_error(hand):
    ls = hand.label_set("terms")
    # 'both' and 'father' both sort before the one shown level: which one the data had is unknown
    with pytest.raises(KeyError, match="reference level of 'party' is not determined"):
        ls.label("C(party)[T.mother]", model_terms=["C(party)[T.mother]"])
    # the model keeps unanswered levels (gender shows one), so 'ikke_oplyst' and 'ja' both qualify
    with pytest.raises(KeyError, match="reference level of 'lives' is not determined"):
        ls.label("C(lives)[T.nej]", model_terms=["C(lives)[T.nej]", "C(gender)[T.ikke_oplyst]"])
    with pytest.raises(KeyError, match="variable 'height'"):
        ls.label("height")
    with pytest.raises(KeyError, match=r"\['aunt'\] of variable 'party'"):
        ls.label("C(party)[T.aunt]")
    with pytest.raises(KeyError, match="only treatment coding"):
        ls.label("C(party, Sum)[S.both]")
    with pytest.raises(KeyError, match="not a term"):
        ls.label("np.log(age)")


def patsy_references(result) -> dict[str, str]:
    """The reference level patsy chose per categorical variable of a fitted formula model."""
    out = {}
    design = getattr(result.model.data, "model_spec", None) or result.model.data.orig_exog.design_info
    for factor, info in design.factor_infos.items():
        if info.type == "categorical":
            out[terms.parse_factor(factor.name()).variable] = str(info.categories[0])
    return out


@pytest.mark.parametrize("drop", [(), ("mother",), ("ikke_oplyst",)])
def test_the_reference_is_the_level_patsy_left_out(hand, drop):
    """Against patsy itself: with every level present, and with a known level absent from the
    data."""
    rng = np.random.default_rng(3)
    n = 120
    party = np.array(["both", "father", "mother", "ikke_oplyst"], dtype=object)[np.arange(n) % 4]
    data = pd.DataFrame({"y": rng.normal(size=n), "party": party, "gender": np.where(np.arange(n) % 3, "girl", "boy"),
                         "age": rng.uniform(3, 25, n)})
    data = data[~data["party"].isin(drop)]
    result = smf.ols("y ~ C(party) + C(gender) + age", data=data).fit()
    names = list(result.params.index)
    ref = patsy_references(result)
    ls = hand.label_set("terms")
    for name in names:
        for f in terms.parse(name):
            if f.treatment:
                assert ls.terms.reference(f, names) == ref[f.variable], name


def test_term_labels_of_the_pipelines_models_are_danish_and_name_the_reference(registry, pipeline_frames):
    """The real models (section 3.3, footnote 3, chapter 5) labelled through the real registry: a
    categorical term names its level and the reference; no term is shown as patsy wrote it."""
    for table_id in ("dropout_model", "benefit_regression", "element_coefficients"):
        table = registry.tables[table_id]
        frame = pipeline_frames[table_id]
        page = publish.page_cells(table, shown(table, frame), registry, registry.markers(5))
        for code, label in zip(frame["term"], page["term"], strict=True):
            assert not terms.looks_raw(label) and label != code, (table_id, code, label)
            factors = terms.parse(code)
            if any(f.treatment for f in factors):
                assert "(ref.: " in label, (code, label)
    levels = registry.labels("model_levels")
    variables = registry.labels("model_variables")
    page = publish.page_cells(registry.tables["dropout_model"], shown(registry.tables["dropout_model"],
                              pipeline_frames["dropout_model"]), registry, registry.markers(5))
    by_code = dict(zip(pipeline_frames["dropout_model"]["term"], page["term"], strict=True))
    # the contract's levels of the abusing party sorted: 'begge' is patsy's reference
    first, other = sorted(BACKGROUND["abusing_party"]["enum"])[:2]
    party = levels["abusing_party"]
    assert by_code[f"C(abusing_party)[T.{other}]"] == (f"{variables['abusing_party']}: {party[other]} "
                                                       f"(ref.: {party[first]})")


# --------------------------------------------------------------------------- what readers see


def test_no_published_cell_is_a_code(registry, pipeline_frames):
    """Whole cells of every table (CSV/workbook and page): none is a code of a label set (a code
    that is its own label, or another code's label, is an ordinary word) or a raw model term."""
    for table_id, frame in pipeline_frames.items():
        for cell in cells(registry, registry.tables[table_id], frame):
            assert registry.raw_code(cell) is None, (table_id, cell, registry.raw_code(cell))


def test_raw_code_names_what_a_cell_is(registry):
    assert "flow_steps" in registry.raw_code("raw_registrations")
    assert "age_groups" in registry.raw_code("ALLE")
    assert registry.raw_code("C(gender)[T.pige]") and registry.raw_code("Intercept")
    assert registry.raw_code("z ~ age + C(gender)")
    assert registry.raw_code(registry.labels("flow_steps")["raw_registrations"]) is None
    assert registry.raw_code("Samlet") is None          # a code that is its own label
    assert registry.raw_code("1.234") is None and registry.raw_code("<5") is None
    codes = registry.all_codes()
    assert set(codes) == set(RAW["labels"]) and "ALLE" in codes["age_group_labels"]


def test_a_code_without_a_label_is_an_error_naming_set_and_table(registry, pipeline_frames):
    profiles = registry.tables["profiles"]
    bad = pipeline_frames["profiles"].copy()
    bad.loc[bad.index[-1], "category"] = "unknown_category"
    with pytest.raises(RegistryError, match="profile_categories.*unknown_category.*table 'profiles'"):
        cells(registry, profiles, bad)
    coefs = registry.tables["benefit_regression"]
    bad = pipeline_frames["benefit_regression"].assign(term="C(shoe_size)[T.big]")
    with pytest.raises(RegistryError, match="model_terms.*shoe_size.*table 'benefit_regression'"):
        cells(registry, coefs, bad)


def test_the_label_inputs_are_exactly_what_the_labels_read(pipeline_frames):
    """`label_inputs(chapter)` lists the side files and config keys the publishing and page rules
    must declare: with exactly those declared (a rule's ConfigView refuses anything else), every
    table of the chapter is labelled and every declared one is read."""
    config = base_config()
    for chapter in ("kapitel_3", "kapitel_4", "kapitel_5"):
        want = Registry(RAW).label_inputs(chapter)
        files = {key: ROOT / "config" / f"{key}.yaml" for key in ["tables", *want["side_files"]]}
        made = from_params(config_slice(config, *want["config"]), files, rule="publish_tables")
        reg = from_settings(made)
        for t in reg.chapter_tables(chapter):
            cells(reg, t, pipeline_frames[t.id])
        assert set(want["config"]) <= made.config.reads, chapter
        assert made.side_reads == set(files), chapter


def test_every_code_column_is_shown_through_a_label_set(registry):
    """A code column without `labels` would show its codes raw."""
    raw = [(t.id, c.name) for t in registry.tables.values() for c in t.columns if c.unit == "code" and not c.labels]
    assert raw == []


def test_headings_carry_the_unit_of_every_number_that_is_not_a_count(registry):
    unit_words = {"pct": "pct.", "pp": "procentpoint", "years": "år", "score_points": "point", "sd": "SD",
                  "effect_size": "SD", "odds_ratio": "odds ratio", "log_odds": "log-odds", "correlation": "-1 til 1",
                  "r2": "R²"}
    for t in registry.tables.values():
        for c in t.columns:
            if c.unit in unit_words:
                assert unit_words[c.unit].lower() in c.heading.lower(), (t.id, c.name, c.heading)


# --------------------------------------------------------------------------- the registry's checks


def _raw_with(changes: dict) -> dict:
    raw = copy.deepcopy(RAW)
    for (table, column), spec in changes.items():
        cols = raw["tables"][table]["columns"]
        cols[[c["name"] for c in cols].index(column)] = spec
    return raw


@pytest.mark.parametrize(("change", "message"), [
    ({("profiles", "category"): {"name": "category", "heading": "Kategori", "unit": "code",
                                 "labels": "profile_categories"}}, "nested: say `by`"),
    ({("outcomes", "instrument"): {"name": "instrument", "heading": "Måleredskab", "unit": "code",
                                   "labels": "instruments", "by": "scale"}}, "`by` needs a nested label set"),
    ({("outcomes", "scale"): {"name": "scale", "heading": "Skala", "unit": "code", "labels": "scales",
                              "by": "nowhere"}}, "'nowhere' is not read"),
    ({("production", "name"): {"name": "name", "show": False, "labels": "offers"}}, "show: false"),
])
def test_a_wrong_label_column_is_an_error_naming_table_and_column(change, message):
    with pytest.raises(RegistryError, match=message):
        Registry(_raw_with(change))


def test_a_wrong_label_set_is_an_error_naming_the_set():
    raw = copy.deepcopy(RAW)
    raw["labels"]["offers"] = {"from": {"side_file": "offers", "list": "offers", "code": "code", "lable": "name"}}
    with pytest.raises(RegistryError, match="label set 'offers'.*'lable'"):
        Registry(raw)
    raw = copy.deepcopy(RAW)
    raw["labels"]["age_group_labels"]["from"].append({"set": "nowhere"})
    with pytest.raises(RegistryError, match="'nowhere'"):
        Registry(raw)
    with pytest.raises(RegistryError, match="reads config key 'age.groups'"):
        Registry(RAW, side).labels("age_group_labels")


def test_side_file_paths_may_be_nested(registry, settings):
    assert registry.labels("offers") == {o["code"]: o["name"] for o in settings.offers["offers"]}
    cats = registry.labels("profile_categories")
    for var, spec in settings.published["profiles"]["variables"].items():
        assert cats[var] == {c: s["label"] for c, s in spec["categories"].items()}
    assert set(cats["age"]) == {g["label"] for g in settings.config["age"]["groups"]}

