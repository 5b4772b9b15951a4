"""The mapping's five maps (Figur 1-1, 3-1, 5-1, 9-1, 9-2) from its ingested survey extracts (the
typed frames of `contract.validate_mapping_extracts`, in the contract's columns and codes, so the
same code draws the twin's and real extracts): the counts per municipality each map draws, and the
figures with the report's titles, a note on what is counted, an alt text written from the data and,
for the twin only, the synthetic-data line (maps.py draws them).

What a panel counts (the report does not say; docs/maps.md): the offers aimed at the panel's age
group, substance or intervention type that cover the municipality (by a branch there, the
offer's own statement or a municipality naming it in the breadth survey: the extract `daekning`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from puljeeval.kortlaegning import contract, maps
from puljeeval.publish.figures.context import Caption

AGE_PANELS = {"age_0_5": "0-5 år", "age_6_12": "6-12 år", "age_13_17": "13-17 år", "age_18_25": "18-25 år"}
# substance panels: an offer aimed at both counts in both
SUBSTANCE_PANELS = {"Alkohol": ("alkohol", "alkohol_og_stof"), "Stoffer": ("stof", "alkohol_og_stof")}
TYPE_PANELS = {"boerne_unge_grupper": "Gruppesamtaler", "familiesamtaler": "Familiesamtaler",
               "individuelle_samtaler": "Individuelle samtaler", "raadgivende_samtaler": "Rådgivende samtaler",
               "sociale_aktiviteter": "Sociale aktiviteter", "undervisning_kursus": "Undervisning og kurser"}
COUNTED = ("Hver cirkel er antallet af tilbud i panelets gruppe, der dækker kommunen (med en filial, efter "
           "tilbuddets eget svar eller efter kommunens svar i breddesurveyen).")


def responses() -> dict[str, str]:
    """The breadth survey's response codes and their Danish labels (the contract's x-labels), in order."""
    prop = contract.schema("breddesurvey")["properties"]["response"]
    return {code: prop["x-labels"][code] for code in prop["enum"]}


def _codes(frame: pd.DataFrame) -> pd.Series:
    return frame["municipality"].astype(str).astype(int)


def offers_per_municipality(coverage: pd.DataFrame, offers: pd.Index, municipalities: pd.Series) -> pd.Series:
    """How many of `offers` (offer ids) cover each municipality (0 where none), indexed by code."""
    covered = coverage.assign(code=_codes(coverage))
    counts = covered[covered["offer_id"].isin(offers)].drop_duplicates(["offer_id", "code"]).groupby("code").size()
    return counts.reindex(municipalities, fill_value=0).astype(int)


def panels(extracts: dict[str, pd.DataFrame]) -> dict[str, dict[str, pd.Series]]:
    """Per count map (figur_9_1, figur_9_2, figur_5_1) its panels: label -> offers per municipality."""
    offers, coverage, kinds = extracts["tilbud"], extracts["daekning"], extracts["indsatser"]
    municipalities = pd.Index(sorted(_codes(extracts["breddesurvey"])))
    by = {}
    by["figur_9_1"] = {label: offers_per_municipality(coverage, pd.Index(offers.loc[offers[col] == 1, "offer_id"]),
                                                      municipalities) for col, label in AGE_PANELS.items()}
    by["figur_9_2"] = {label: offers_per_municipality(coverage, pd.Index(offers.loc[offers["substance"].isin(codes),
                                                                                   "offer_id"]), municipalities)
                       for label, codes in SUBSTANCE_PANELS.items()}
    by["figur_5_1"] = {label: offers_per_municipality(coverage, pd.Index(kinds.loc[kinds["type"] == t, "offer_id"]
                                                                         .unique()), municipalities)
                       for t, label in TYPE_PANELS.items()}
    return by


def figures(extracts: dict[str, pd.DataFrame], titles: dict[str, str], synthetic: str = "") -> dict[str, plt.Figure]:
    """The five maps, keyed by stem, each with its caption (number, the report's title, note, N,
    alt text and, when `synthetic` is given, the synthetic-data line)."""
    twin = " (kortlægningens syntetiske tvilling)" if synthetic else ""
    survey = extracts["breddesurvey"]
    labels = responses()
    order = list(labels.values())
    out = {}
    status = pd.Series([labels[c] for c in survey["response"]], index=_codes(survey))
    fig = maps.category_map(status, order)
    out["figur_1_1"] = maps.finish(fig, caption=Caption(
        "figur_1_1", "Figur 1-1", titles["figur_1_1"], f"Kilde: breddesurveyen{twin}.",
        (), f"N = {len(status)} kommuner", maps.describe_categories(status, order), synthetic))
    sector = extracts["tilbud"].set_index("offer_id")["sector"]
    branches = extracts["filialer"].assign(municipality=lambda f: _codes(f),
                                           sector=lambda f: f["offer_id"].map(sector))
    covered = sorted(set(_codes(extracts["daekning"])))
    fig = maps.branch_map(branches, covered)
    out["figur_3_1"] = maps.finish(fig, caption=Caption(
        "figur_3_1", "Figur 3-1", titles["figur_3_1"], f"Kilde: dybdesurveyen{twin}.",
        ("Kryds: offentlige tilbud; cirkel: private tilbud (som i rapporten); grå: kommuner, tilbuddene dækker.",),
        f"N = {len(branches)} filialer af {branches['offer_id'].nunique()} tilbud",
        maps.describe_branches(branches, covered), synthetic))
    by = panels(extracts)
    for stem, number in (("figur_5_1", "Figur 5-1"), ("figur_9_1", "Figur 9-1"), ("figur_9_2", "Figur 9-2")):
        parts = by[stem]
        fig = maps.small_multiples(parts)
        out[stem] = maps.finish(fig, caption=Caption(
            stem, number, titles[stem], f"Kilde: dybde- og breddesurveyen{twin}.",
            (COUNTED,), f"N = {len(extracts['tilbud'])} tilbud", maps.describe_counts(parts), synthetic))
    return out
