"""The publication registry (config/tables.yaml) and the one publish path of every chapter."""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from puljeeval.evaluation import statements
from puljeeval.publish import display, figures, rules
from puljeeval.publish import tables as publish
from puljeeval.publish.registry import CHAPTERS, UNROUNDED_UNITS, Registry, RegistryError, from_settings
from puljeeval.render.notebook import Published
from puljeeval.settings import ROOT, read_yaml

RAW = read_yaml(ROOT / "config" / "tables.yaml")
PUBLISH_CODE = sorted((ROOT / "puljeeval" / "publish").rglob("*.py")) + [
    ROOT / "scripts" / "publish_tables.py", ROOT / "scripts" / "figures.py"]


def side(key: str) -> dict:
    return read_yaml(ROOT / "config" / f"{key}.yaml")


@pytest.fixture(scope="module")
def registry() -> Registry:
    from conftest import base_config

    from puljeeval.settings import load_settings
    return Registry(RAW, side, load_settings(base_config(), ROOT).config)


# --------------------------------------------------------------------------- completeness


def test_every_published_column_has_heading_unit_and_precision(registry):
    assert {t.chapter for t in registry.tables.values()} == set(CHAPTERS)
    for t in registry.tables.values():
        assert t.sheet and t.source and t.rule in rules.RULES, t.id
        for c in t.columns:
            assert c.heading.strip() and c.unit in registry.units, (t.id, c.name)
            if c.unit not in UNROUNDED_UNITS:
                assert isinstance(c.decimals, int) and c.decimals >= 0, (t.id, c.name)
            if c.labels:
                assert registry.labels(c.labels), (t.id, c.name)


def test_one_spelling_per_heading(registry):
    """Headings that differ only in spaces or hyphens are one heading spelled twice (as chapter
    5's "95 % KI, nedre" beside chapters 3-4's "95 %-KI, nedre" were, from two publish paths)."""
    spellings: dict[str, set[str]] = {}
    for heading in registry.all_headings():
        spellings.setdefault(re.sub(r"[\s\-]", "", heading.lower()), set()).add(heading)
    assert {k: v for k, v in spellings.items() if len(v) > 1} == {}


def test_sheet_names_fit_excel_and_are_unique_per_chapter(registry):
    for chapter in CHAPTERS:
        sheets = registry.sheets(chapter)
        assert len(sheets) == len(set(sheets)) and all(len(s) <= 31 for s in sheets)


def test_an_incomplete_registry_is_an_error_naming_table_and_column():
    raw = copy.deepcopy(RAW)
    next(c for c in raw["tables"]["flow"]["columns"] if c["name"] == "n").pop("decimals")
    with pytest.raises(RegistryError, match="table 'flow', column 'n'"):
        Registry(raw)
    raw = copy.deepcopy(RAW)
    raw["tables"]["element_models"]["sheet"] = "Figur 10-2 til 10-16 modeller og formler"
    with pytest.raises(RegistryError, match="31"):
        Registry(raw)
    raw = copy.deepcopy(RAW)
    next(c for c in raw["tables"]["dropout"]["columns"] if c["name"] == "planned_pct")["unit"] = "percent"
    with pytest.raises(RegistryError, match="unit 'percent'"):
        Registry(raw)


def _literals(path: Path) -> set[str]:
    return {node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def _registry_strings(registry: Registry) -> set[str]:
    out = registry.all_headings() | registry.all_sheets() | set(registry.texts.values())
    for name, spec in RAW["labels"].items():
        if set(spec) != {"from"}:
            out |= set(registry.labels(name).values())

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for v in node.values():
                walk(v)
        elif isinstance(node, str):
            out.add(node)
    walk(RAW["figures"])
    return out


def test_no_heading_sheet_or_label_is_written_in_the_publish_code(registry):
    strings = _registry_strings(registry)
    assert len(strings) > 150
    for path in PUBLISH_CODE:
        found = _literals(path) & strings
        assert not found, f"{path.relative_to(ROOT)}: {sorted(found)} belong in config/tables.yaml"


def test_publish_code_has_no_danish_text():
    """Beyond the registry's own strings: no Danish text at all in the publish code (docstrings
    aside), so a label cannot hide in a code path the registry does not know."""
    for path in PUBLISH_CODE:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef) and n.body
                      and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        danish = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                  and id(n) not in docstrings and set(n.value) & set("æøåÆØÅ")]
        assert not danish, f"{path.relative_to(ROOT)}: {danish}"


# --------------------------------------------------------------------------- chapter 5 through the registry


# as element_models.formula writes it
FORMULA = "z ~ intention_ressourcer + age + C(gender)"


def chapter5_interim() -> dict[str, pd.DataFrame]:
    flow = pd.DataFrame({"outcome": "who5", "step": range(6),
                         "criterion": ["courses", "measured", "both", "fidelity", "background", "age"],
                         "label": "x", "remaining": [100, 60, 57, 50, 50, 49], "dropped": [0, 40, 3, 7, 0, 1]})
    intention = pd.DataFrame({"outcome": "who5", "element": ["ressourcer", "netvaerk"], "label": ["R", "N"],
                              "n": 100, "with_intention": [50, 97], "share_pct": [50.0, 97.0],
                              "ci_low_pct": [40.3456, 91.5], "ci_high_pct": [59.654, 99.2],
                              "mean_intensity": [2.123456, 1.0]})
    histogram = pd.DataFrame({"outcome": "who5", "element": "ressourcer", "label": "R", "order": [0, 1],
                              "bin": ["0", "0-0,5"], "with_intention": [40, 60], "without_intention": [50, 50]})
    coefficients = pd.DataFrame({"outcome": "who5", "model": "intention", "figure": "10-2", "subgroup_variable": np.nan,
                                 "subgroup": "Samlet", "term": "intention_ressourcer", "method": ["ols", "ipw"],
                                 "estimate": [0.178047999, -0.0012844], "se": 0.0620361, "ci_low": 0.0563970958,
                                 "ci_high": 0.29969890, "p": [0.00414027, 0.98504301], "df": [2388.0, 15.0],
                                 "family": "Alle test i kapitel 5: hele analysegrupper", "family_size": 56,
                                 "q": 0.0289819, "p_holm": 0.2318,
                                 "n": 2400, "parameters": 12, "df_resid": 2388, "clusters": 16, "g_eff": [3.21, np.nan],
                                 "note": np.nan})
    models = pd.DataFrame({"outcome": ["who5"], "model": "intention", "figure": "10-2", "subgroup_variable": np.nan,
                           "subgroup": "Samlet", "formula": FORMULA, "n": 2400, "parameters": 12,
                           "df_resid": 2388, "clusters": 16, "r2": 0.0728251,
                           "full_rank": True, "note": np.nan, "weights_note": "vægte 0,7-1,4"})
    sensitivity = pd.DataFrame({"outcome": "who5", "model": "intention", "figure": "10-2",
                                "analysis": ["ancova", "mice"],
                                "term": "intention_ressourcer", "method": "ols", "estimate": [0.17, 0.18],
                                "se": 0.06, "ci_low": 0.05, "ci_high": 0.3, "p": 0.004, "n": 2400, "parameters": 13,
                                "df_resid": 2387, "note": np.nan})
    interactions = pd.DataFrame({"outcome": "who5", "figure": "10-4", "subgroup_variable": "gender",
                                 "term": "intensity_ressourcer", "levels": 2, "method": ["ols", "cluster"],
                                 "df_num": 1, "df_denom": [2300, 15], "statistic": [1.234, 2.345], "p": [0.27, 0.15],
                                 "n": 2395, "clusters": 16, "note": np.nan})
    statement = {c: np.nan for c in statements.COLUMNS}
    statement.update({"statement": "B4-001", "kind": "significance", "figure": "10-2", "outcome": "who5",
                      "model": "intention", "subgroup": "Samlet", "element": "ressourcer", "holds": True,
                      "wild_holds": False, "other_holds": True})
    return {"bilag4_flow": flow, "bilag4_intention": intention, "bilag4_histogram": histogram,
            "bilag4_coefficients": coefficients, "bilag4_models": models, "bilag4_sensitivity": sensitivity,
            "bilag4_interactions": interactions, "bilag4_statements": pd.DataFrame([statement])}


def test_chapter_5_sheets_have_danish_headings_and_registry_precision(registry):
    done = publish.publish_chapter("kapitel_5", chapter5_interim(), registry, 5)
    markers = registry.markers(5)
    sheets = publish.sheets(done, registry, markers)
    assert list(sheets) == registry.sheets("kapitel_5")
    symbols = set(markers.symbols.values())
    for t in registry.chapter_tables("kapitel_5"):
        frame = sheets[t.sheet]
        assert list(frame.columns) == [c.heading for c in t.columns]
        for c in t.columns:
            cells = frame[c.heading]
            # a cell is a number, a label, or a marker: never blank, never NaN
            assert not cells.map(display.is_missing).any(), (t.id, c.name)
            numbers = [v for v in cells if isinstance(v, int | float) and not isinstance(v, bool)]
            if c.decimals is not None:
                assert all(v == display.rounded(v, c.decimals) for v in numbers), (t.id, c.name)
                assert all(isinstance(v, int | float) or v in symbols or str(v).startswith("<0.") for v in cells)
    coefs = sheets["Figur 10-2 til 10-16 estimater"]
    assert coefs["Estimat (SD)"].tolist() == [0.178, -0.001] and coefs["p-værdi"].tolist() == [0.004, 0.985]
    flow = sheets["Fodnote 5 inklusion"]
    assert flow["Kriterium"].iloc[1] == registry.labels("footnote5_criteria")["measured"]
    # the figures get the controlled tables at full precision
    assert done.controlled["element_coefficients"]["estimate"].iloc[0] == 0.178047999


def test_flow_descriptions_come_from_the_registry_and_unlabelled_codes_fail(registry):
    flow = pd.DataFrame({"step": ["raw_registrations", "dropped:duplicate", "started"], "n": [120, 20, 100],
                         "share_pct": np.nan, "ci_low": np.nan, "ci_high": np.nan})
    t = registry.tables["flow"]
    markers = registry.markers(5)
    sheet = publish.sheet(t, publish.controlled(t, flow, 5), registry, markers)
    assert sheet["Trin"].tolist() == [registry.labels("flow_steps")[s] for s in flow["step"]]
    # shares not computed for these steps are "not applicable", shown by their marker
    assert set(sheet["Andel (pct.)"]) == {markers.symbol(display.NOT_APPLICABLE)}
    with pytest.raises(RegistryError, match="dropped:new_reason"):
        bad = flow.assign(step=["raw_registrations", "dropped:new_reason", "started"])
        publish.sheet(t, publish.controlled(t, bad, 5), registry, markers)
    with pytest.raises(RegistryError, match=r"\['extra'\]"):
        publish.controlled(t, flow.assign(extra=1), 5)


def test_rounding_is_half_up_once_at_the_registry_precision(registry):
    """Values reach the sheet unrounded and are rounded once, half-up: 1.235 at 2 decimals is 1.24
    (round() and Babel give 1.23 or 1.24 by the binary value), 0.0145 at 3 is 0.015."""
    t = registry.tables["benefit_regression"]
    row = {c.name: 1.235 for c in t.columns if c.source is None}
    row.update(model="oplevet_betydning", term="age", method="ols", estimate=0.0145, se=0.00525, n=3543, p=0.0004,
               parameters=26, df_resid=3517, clusters=16, note=None)
    masked = publish.controlled(t, pd.DataFrame([row]), 5)
    markers = registry.markers(5)
    sheet = publish.sheet(t, masked, registry, markers).iloc[0]
    cells = publish.page_cells(t, masked, registry, markers).iloc[0]
    assert sheet["Estimat (SD)"] == 0.015 and cells["estimate"] == "0,015"
    assert sheet["Standardfejl (SD)"] == 0.005 and cells["se"] == "0,005"
    assert cells["p"] == "<0,001" and cells["n"] == "3.543" and sheet["Antal observationer"] == 3543


def test_display_rounds_halves_up_and_writes_infinite_bounds_as_text():
    assert display.number(1.235, 2) == "1,24" and display.number(-0.0145, 3) == "-0,015"
    assert display.number(-0.0004, 3) == "0,000" and display.rounded(2.5, 0) == 3
    # an odds ratio's upper bound under separation: text in every output, never a crash
    assert display.number(float("inf"), 2) == "∞" and display.rounded(float("-inf"), 2) == "-∞"


def test_notebook_helper_reads_by_id_and_never_prints_a_hidden_number(registry, tmp_path):
    interim = chapter5_interim()
    interim["bilag4_intention"] = interim["bilag4_intention"].assign(with_intention=[50, 97], n=100)
    done = publish.publish_chapter("kapitel_5", interim, registry, 5)
    for table_id, masked in done.masked.items():
        masked.write(tmp_path / f"{table_id}.parquet")
    pub = Published(tmp_path, registry, 5)
    assert pub.cell("element_coefficients", "estimate", method="ols").text() == "0,178"
    # 100 - 97 = 3 children without the intention: the share is hidden, prose says so in words
    hidden = pub.cell("element_intention", "share_pct", element="netvaerk")
    assert not hidden.shown and "skjult" in hidden.pct() and "97" not in hidden.pct()
    with pytest.raises(ValueError):
        float(hidden)
    assert 'data-table="element_coefficients"' in pub.html("element_coefficients")


@pytest.mark.filterwarnings("ignore:No artists with labels")
def test_figures_of_chapter_5_read_the_registry(registry):
    """A smoke test of one catalogue on the synthetic tables: labels from the registry and
    core_elements.yaml, stems from config's figure numbers."""
    from conftest import base_config

    from puljeeval.settings import load_settings
    settings = load_settings(base_config(), ROOT)
    interim = chapter5_interim()
    elements = [e["code"] for e in settings.core_elements["core_elements"]]
    interim["bilag4_intention"] = pd.DataFrame({"outcome": "who5", "element": elements, "label": "x", "n": 100,
                                                "with_intention": 50, "share_pct": 50.0, "ci_low_pct": 40.0,
                                                "ci_high_pct": 60.0, "mean_intensity": 2.0})
    interim["bilag4_histogram"] = pd.DataFrame({"outcome": "who5", "element": elements, "label": "x", "order": 0,
                                                "bin": "0", "with_intention": 50, "without_intention": 50})
    done = publish.publish_chapter("kapitel_5", interim, from_settings(settings), 5)
    config = copy.deepcopy(settings.config)
    config["core_elements"]["outcomes"] = config["core_elements"]["outcomes"][:1]
    made = figures.catalogue("kapitel_5", done.masked, from_settings(settings),
                             type(settings)(config=config, side=settings.side))
    assert set(made) == {"figur_10_1", "figur_10_2", "figur_10_3", "figur_10_4"}
    caption = figures.caption_of(made["figur_10_2"])
    assert caption.number == "Figur 10-2"
    assert caption.title == RAW["figures"]["kapitel_5"]["by_number"]["10-2"]["title"]
    heading = " ".join(made["figur_10_2"].get_suptitle().split())
    assert heading == f"{caption.number}: {caption.title}"
    assert registry.labels("methods")["ols"] in caption.alt
    for fig in made.values():
        figures.style.plt.close(fig)
