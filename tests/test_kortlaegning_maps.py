"""The mapping's maps (issue 15, item 4): the vendored geography loads and holds what it should,
the maps draw what they are given (one marker per municipality with a count, branches by sector),
bad input is refused with its place named, the same data give the same bytes, and the five figures
are drawn from ingested extracts in the contract (the tiny fixture, counted by hand), with the
synthetic-data line only for the twin."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from puljeeval.kortlaegning import contract, geo, map_figures, maps
from puljeeval.publish.figures import style

TOOLS = Path(__file__).resolve().parents[1] / "tools" / "geo"
TINY = Path(__file__).parent / "fixtures" / "kortlaegning_tiny"


def tool(name: str):
    """A script of tools/geo as a module (they are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, TOOLS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def scatter(fig, gid: str):
    """The one collection drawn with `gid` on the figure's first axes."""
    found = [c for c in fig.axes[0].collections if c.get_gid() == gid]
    assert len(found) == 1, f"expected one collection '{gid}', found {len(found)}"
    return found[0]


# ------------------------------------------------------------------ the vendored geography


def test_outline_loads_small_and_denmark_only():
    """15 polygons from Natural Earth 1:10m (Jutland, Funen, Zealand, ..., Bornholm); nothing
    west of 8 deg E or north of 58 deg N (no Faroes, no Greenland); under 300 kB."""
    outline = geo.load_outline()
    assert geo.OUTLINE.stat().st_size < 300_000
    assert len(outline.polygons) == 15
    x0, y0, x1, y1 = outline.bbox
    assert 8.0 < x0 < 8.2 and 54.5 < y0 < 54.6 and 15.1 < x1 < 15.2 and 57.7 < y1 < 57.8
    # Bornholm's Rønne and Jutland's Viborg are land; the Kattegat is not
    assert outline.contains([14.70, 9.40, 11.5], [55.10, 56.45, 56.9]).tolist() == [True, True, False]


def test_municipalities_load_98_unique_codes_inside_denmark():
    """98 rows, 98 codes, the five regions with 29/19/11/17/22 municipalities; every point in the
    outline's box and on land or within 3 km of it (København's city point and Frederikssund's
    are on the water's edge, 0.3 and 0.5 km out)."""
    k = geo.load_kommuner()
    outline = geo.load_outline()
    assert len(k) == 98 and k.index.is_unique and k.index.min() == 101 and k.index.max() == 860
    assert k["region"].value_counts().to_dict() == {"Region Hovedstaden": 29, "Region Syddanmark": 22,
                                                    "Region Midtjylland": 19, "Region Sjælland": 17,
                                                    "Region Nordjylland": 11}
    x0, y0, x1, y1 = outline.bbox
    assert k["lon"].between(x0, x1).all() and k["lat"].between(y0, y1).all()
    distance = outline.distance_km(k["lon"], k["lat"])
    assert distance.max() < 3.0
    assert (distance == 0).sum() >= 95
    assert k.at[825, "name"] == "Læsø" and k.at[400, "region"] == "Region Hovedstaden"


def test_bad_municipality_cell_is_named(tmp_path):
    """A latitude that is not a number is refused with file, row, line and column."""
    text = geo.KOMMUNER.read_text(encoding="utf-8").replace("101,København,Region Hovedstaden,12.5653,55.6711",
                                                           "101,København,Region Hovedstaden,12.5653,nord")
    bad = tmp_path / "kommuner.csv"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(geo.GeoError, match=r"kommuner.csv, row 1 \(line 2\), column 'lat': expected a number"):
        geo.load_kommuner(bad)


def test_outline_outside_denmark_is_refused(tmp_path):
    """A ring at the Faroes (7 deg W, 62 deg N) is not Denmark proper."""
    ring = [[-7, 62], [-6.9, 62], [-6.9, 62.1], [-7, 62]]
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
                                                      "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    path = tmp_path / "o.geojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(geo.GeoError, match="no Faroes"):
        geo.load_outline(path)


def test_topojson_decoding_by_hand():
    """Two quantized arcs (scale 0.5, translate (10, 50)): arc 0 = (0,0)->(2,0)->(2,2) in
    deltas [0,0],[2,0],[0,2]; arc 1 = (0,0)->(0,2)->(2,2) in deltas [0,0],[0,2],[2,0]. The ring
    [0, ~1] runs arc 0, then arc 1 reversed ((2,2)->(0,2)->(0,0)) without repeating the joint
    (2,2): quantized (0,0) (2,0) (2,2) (0,2) (0,0) -> lon/lat (10,50) (11,50) (11,51) (10,51)
    (10,50)."""
    derive = tool("derive_outline")
    topology = {"transform": {"scale": [0.5, 0.5], "translate": [10, 50]},
                "arcs": [[[0, 0], [2, 0], [0, 2]], [[0, 0], [0, 2], [2, 0]]]}
    arcs = derive.decode_arcs(topology)
    assert derive.ring([0, ~1], arcs) == [(10, 50), (11, 50), (11, 51), (10, 51), (10, 50)]
    # counter-clockwise in lon/lat: positive area
    assert derive.signed_area([(10, 50), (11, 50), (11, 51), (10, 51)]) > 0


def test_projection_keeps_shape_and_moves_bornholm():
    """x = lon * cos 56 deg: one degree of longitude is 0.559 of one of latitude; Rønne is moved
    by (-2.45, +1.85) degrees into the inset, Odense is not."""
    x, y = geo.project([10.0, 11.0, 14.70, 10.38], [56.0, 56.0, 55.10, 55.40])
    assert x[1] - x[0] == pytest.approx(math.cos(math.radians(56)))
    assert (x[2], y[2]) == pytest.approx(((14.70 - 2.45) * math.cos(math.radians(56)), 55.10 + 1.85))
    assert (x[3], y[3]) == pytest.approx((10.38 * math.cos(math.radians(56)), 55.40))


# ------------------------------------------------------------------ drawing


def test_count_map_draws_one_marker_per_municipality_with_a_count():
    """Counts København 4, Aarhus 2, Odense 0, Aalborg missing: two filled circles (the larger,
    4 of 4 = the full S_MAX, drawn first), one open circle, one open square; areas 4:2."""
    counts = pd.Series({751: 2, 101: 4, 461: 0, 851: np.nan})
    fig = maps.municipality_map(counts)
    filled = scatter(fig, "counts")
    assert len(filled.get_offsets()) == 2
    x, y = geo.project([12.5653, 10.1690], [55.6711, 56.1632])
    assert np.allclose(filled.get_offsets(), np.column_stack([x, y]))
    assert filled.get_sizes().tolist() == pytest.approx([maps.S_MAX, maps.S_MAX / 2])
    assert len(scatter(fig, "zero").get_offsets()) == 1 and len(scatter(fig, "missing").get_offsets()) == 1
    assert len(scatter(fig, "kommuner").get_offsets()) == 98
    maps.plt.close(fig)


def test_small_multiples_share_one_scale():
    """Panel A's largest count is 2, panel B's 6: the scale is 6 for both, so A's 2 is a third
    of the largest area; the size legend shows 1, 3 and 6."""
    fig = maps.small_multiples({"A": pd.Series({101: 2}), "B": pd.Series({101: 6, 400: 3})}, width=4)
    a, b = ([c for c in ax.collections if c.get_gid() == "counts"][0] for ax in fig.axes[:2])
    assert a.get_sizes()[0] * 3 == pytest.approx(b.get_sizes()[0])
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["1", "3", "6"]
    assert [ax.get_title() for ax in fig.axes[:2]] == ["A", "B"]
    maps.plt.close(fig)


def test_branch_map_draws_sectors_apart():
    """Three branches in København (two public, one private) and one private in Aarhus: two
    crosses and two circles; the three in København at three distinct places around its point;
    legend counts 2 and 2."""
    branches = pd.DataFrame({"municipality": [101, 101, 751, 101],
                             "sector": ["offentlig", "privat", "privat", "offentlig"]})
    fig = maps.branch_map(branches, covered=[101, 751, 461])
    public, private = scatter(fig, "sector/offentlig"), scatter(fig, "sector/privat")
    assert len(public.get_offsets()) == 2 and len(private.get_offsets()) == 2
    assert public.get_paths()[0] is not private.get_paths()[0]
    copenhagen = np.vstack([public.get_offsets(), private.get_offsets()[:1]])
    assert len({tuple(np.round(p, 6)) for p in copenhagen}) == 3
    assert len(scatter(fig, "covered").get_offsets()) == 3
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["Kommune dækket af tilbud", "Offentlige tilbud (2)", "Private tilbud (2)"]
    maps.plt.close(fig)


def test_category_map_counts_each_category():
    """Two municipalities answered, one did not: the legend says so."""
    status = pd.Series({101: "Gennemført", 147: "Gennemført", 400: "Ikke gennemført"})
    fig = maps.category_map(status, ["Gennemført", "Nogle svar", "Ikke gennemført"])
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["Gennemført (2)", "Nogle svar (0)", "Ikke gennemført (1)"]
    assert len(scatter(fig, "category/0").get_offsets()) == 2
    maps.plt.close(fig)
    assert maps.describe_categories(status, ["Gennemført", "Ikke gennemført"]).endswith(
        "Gennemført 2 og Ikke gennemført 1.")


@pytest.mark.parametrize("call, message", [
    (lambda: maps.municipality_map(pd.Series({999: 1})), r"counts: unknown municipality code\(s\) \[999\]"),
    (lambda: maps.municipality_map(pd.Series({101: -1})), r"counts, municipality 101: expected a count >= 0"),
    (lambda: maps.small_multiples({"Alkohol": pd.Series({101: "mange"})}),
     r"panel 'Alkohol', municipality 101: expected a count"),
    (lambda: maps.branch_map(pd.DataFrame({"municipality": [101, 147], "sector": ["offentlig", "kommunal"]})),
     r"branches, row 2, column 'sector': expected one of \['offentlig', 'privat'\], got 'kommunal'"),
    (lambda: maps.branch_map(pd.DataFrame({"municipality": ["0101", "x"], "sector": ["privat", "privat"]})),
     r"branches, row 2, column 'municipality': expected a municipality code"),
    (lambda: maps.category_map(pd.Series({101: "Måske"}), ["Ja", "Nej"]),
     r"categories, municipality 101: expected one of \['Ja', 'Nej'\], got 'Måske'"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_same_data_same_bytes(tmp_path):
    """Drawing and saving the same counts twice (given in a different order the second time)
    gives byte-identical PNG, SVG and sidecar JSON."""
    caption = maps.Caption(stem="figur_9_2", number="Figur 9-2", title="Tilbud efter problematik",
                           source="Kilde: Rambølls dybdesurvey", alt="Et kort.")
    outputs = []
    for run, counts in enumerate([pd.Series({101: 3, 751: 1, 400: 2}), pd.Series({400: 2, 101: 3, 751: 1})]):
        fig = maps.finish(maps.municipality_map(counts, width=3), caption=caption)
        paths = maps.save(fig, "figur_9_2", tmp_path / str(run))
        outputs.append([p.read_bytes() for p in paths])
    assert [p.suffix for p in paths] == [".png", ".svg", ".json"]
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0][2])["number"] == "Figur 9-2"


def test_alt_text_from_the_data():
    """Two municipalities with offers, most in Aarhus (5)."""
    text = maps.describe_counts({"Alkohol": pd.Series({101: 2, 751: 5, 461: 0})})
    assert "Alkohol: 2 kommuner med tilbud, flest i Aarhus (5)." in text


# ------------------------------------------------------------------ the five figures from ingested extracts


@pytest.fixture(scope="module")
def tiny_frames() -> dict[str, pd.DataFrame]:
    """The tiny fixture as rule kortlaegning_ingest types it (what the maps rule reads)."""
    return contract.validate_mapping_extracts(TINY)


def test_panels_counted_from_the_contract_extracts(tiny_frames):
    """By hand from the fixture's README: 13-17 år are T1 (covering 101, 147), T2 (851, 147, 101) and
    T4 (492); alcohol is T1 and T3 (461, 479; T2's 'ved ikke' is in no panel); drugs T1 and T4; family
    conversations only T1. Every municipality of the breadth survey is in every panel (0 if none)."""
    by = map_figures.panels(tiny_frames)
    teens = by["figur_9_1"]["13-17 år"]
    assert len(teens) == 98
    assert teens[teens > 0].to_dict() == {101: 2, 147: 2, 492: 1, 851: 1}
    assert by["figur_9_2"]["Alkohol"][lambda s: s > 0].to_dict() == {101: 1, 147: 1, 461: 1, 479: 1}
    assert by["figur_9_2"]["Stoffer"][lambda s: s > 0].to_dict() == {101: 1, 147: 1, 492: 1}
    assert by["figur_5_1"]["Familiesamtaler"][lambda s: s > 0].to_dict() == {101: 1, 147: 1}


@pytest.mark.parametrize("synthetic", ["", "Syntetiske data: tegnet fra tvillingen."])
def test_figures_from_ingested_extracts(tiny_frames, synthetic):
    """Figur 1-1's legend uses the contract's labels of the response codes (94 + 2 + 2 of 98); Figur 3-1
    has 2 public and 3 private branches over 6 covered municipalities; the synthetic-data line (and the
    twin in the source line) only when given."""
    titles = {stem: stem for stem in ("figur_1_1", "figur_3_1", "figur_5_1", "figur_9_1", "figur_9_2")}
    figs = map_figures.figures(tiny_frames, titles, synthetic)
    labels = [t.get_text() for t in figs["figur_1_1"].legends[0].get_texts()]
    assert labels == ["Gennemført (94)", "Nogle svar (2)", "Ikke gennemført (2)"]
    assert [t.get_text() for t in figs["figur_3_1"].legends[0].get_texts()] == [
        "Kommune dækket af tilbud", "Offentlige tilbud (2)", "Private tilbud (3)"]
    assert len(scatter(figs["figur_3_1"], "covered").get_offsets()) == 6
    for fig in figs.values():
        caption = getattr(fig, style.CAPTION)
        notes = " ".join(t.get_text() for t in fig.texts)
        assert caption.synthetic == synthetic
        assert ("tvilling" in caption.source) == bool(synthetic)
        assert ("tvillingen" in notes) == bool(synthetic)
        maps.plt.close(fig)
