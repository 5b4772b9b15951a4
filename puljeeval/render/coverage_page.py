"""The auditor page of the coverage study (results/report/daekningsstudie.html): how often each
interval method covers the effects planted in Bilag 4's own designs, from the tables
coverage_summary wrote. Every number on the page is read from those tables or the config."""

from __future__ import annotations

import base64
from html import escape

import pandas as pd

from puljeeval.publish import display

METHOD_DA = {
    "wild_cluster": "Wild cluster bootstrap (konfigurationens variant)",
    "cr2_bm": "CR2 med Bell-McCaffrey-frihedsgrader",
    "cr1": "CR1 med t(G-1)",
    "ols": "Klassisk OLS",
}
SCENARIO_DA = {
    "icc02": "ICC 0,02, homoskedastisk",
    "icc10": "ICC 0,10, homoskedastisk",
    "het05": "ICC 0,05, heteroskedastisk",
}
MODEL_DA = {"intention": "intention", "intensity": "intensitet"}


def method_da(method: str) -> str:
    if method.startswith("wild_cluster_wcr"):
        return f"Wild cluster bootstrap, WCR{method.removeprefix('wild_cluster_wcr')}"
    return METHOD_DA.get(method, method)


def _pct(share: float, decimals: int = 1) -> str:
    return display.number(100 * float(share), decimals)


def _table(heads: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    num = ' class="num"'
    body = "".join("<tr>" + "".join(f"<td{num if j in numeric else ''}>{escape(c)}</td>"
                                    for j, c in enumerate(r)) + "</tr>" for r in rows)
    return f'<table class="pub"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def headline_table(headline: pd.DataFrame, target: float) -> str:
    below = f"below_{target:g}"
    rows = [[SCENARIO_DA.get(r["scenario"], r["scenario"]), method_da(r["method"]), str(int(r["terms"])),
             _pct(r["mean_coverage"]), _pct(r["min_coverage"]), str(int(r[below])), str(int(r["below_nominal_2se"])),
             _pct(r["zero_effect_reject"])] for _, r in headline.iterrows()]
    return _table(["Scenarie", "Metode", "Led", "Dækning i gennemsnit (%)", "Laveste led (%)",
                   f"Led under {_pct(target, 0)} %", "Led mere end 2 MC-SE under niveauet",
                   "Forkastelse ved nul-effekt (%)"], rows, {2, 3, 4, 5, 6, 7})


def band_table(bands: pd.DataFrame, target: float, order: pd.DataFrame) -> str:
    """Coverage by band of G*, scenarios and methods in the study's order (`order`: the headline)."""
    below = f"below_{target:g}"
    rank = {key: i for i, key in enumerate(zip(order["scenario"], order["method"], strict=True))}
    bands = bands.assign(_rank=[rank.get(k, len(rank)) for k in zip(bands["scenario"], bands["method"], strict=True)])
    bands = bands.sort_values("_rank", kind="stable")
    rows = [[SCENARIO_DA.get(r["scenario"], r["scenario"]), method_da(r["method"]), _band_da(r["band"]),
             str(int(r["terms"])), _pct(r["mean_coverage"]), _pct(r["min_coverage"]), str(int(r[below]))]
            for _, r in bands.iterrows()]
    return _table(["Scenarie", "Metode", "Effektivt antal tilbud G*", "Led", "Dækning i gennemsnit (%)",
                   "Laveste led (%)", f"Led under {_pct(target, 0)} %"], rows, {3, 4, 5, 6})


def _band_da(band: str) -> str:
    """'[3.0, 4.0)' -> '3 til under 4'; '[6.0, inf)' -> '6 og derover'."""
    lo, hi = (b.strip() for b in band.strip("[)").split(","))
    lo_text = display.number(float(lo), 0)
    return f"{lo_text} og derover" if hi == "inf" else f"{lo_text} til under {display.number(float(hi), 0)}"


def design_table(designs: pd.DataFrame) -> str:
    rows = []
    for _, d in designs.iterrows():
        sub = f"{d['subgroup_variable']} = {d['subgroup']}" if isinstance(d["subgroup_variable"], str) and \
            d["subgroup_variable"] else "Samlet"
        rows.append([str(d["outcome"]), MODEL_DA.get(d["model"], d["model"]), sub, str(d["figure"]),
                     display.number(d["n"]), str(int(d["clusters"])), _pct(d["largest_cluster_share"], 0),
                     str(int(d["terms"]))])
    return _table(["Udfald", "Model", "Gruppe", "Figur", "Børn (n)", "Tilbud (G)", "Største tilbuds andel (%)",
                   "Led"], rows, {4, 5, 6, 7})


def page_html(tables: dict[str, pd.DataFrame], figure_png: bytes, options: dict, bootstrap: dict, level: float,
              banner_html: str, style: str = "") -> str:
    """The page from coverage_summary's tables (headline, by_g_eff, designs, summary), its
    figure and the study's options (config studies.coverage)."""
    headline, summary = tables["headline"], tables["summary"]
    seeds = int(summary["seeds"].max())
    target = float(options["target"])
    low = headline[headline["method"] == "wild_cluster"]
    verdict = ""
    if len(low):
        worst = low.loc[low["min_coverage"].idxmin()]
        total_below = int(low[f"below_{target:g}"].sum())
        scenario = SCENARIO_DA.get(worst["scenario"], worst["scenario"])
        verdict = (f"<p>Konfigurationens interval (wild cluster bootstrap, WCR{escape(str(bootstrap['variant']))}) "
                   f"dækker i gennemsnit {_pct(low['mean_coverage'].min())}-{_pct(low['mean_coverage'].max())} % "
                   f"af de plantede værdier på tværs af scenarierne; laveste led: {_pct(worst['min_coverage'])} % "
                   f"({escape(str(worst['worst_term']))}, {escape(scenario)}). "
                   f"{total_below} led-scenarie-kombinationer ligger under målet på {_pct(target, 0)} %.</p>")
    figure = base64.b64encode(figure_png).decode("ascii")
    alt = (f"Dækning af {_pct(level, 0)} %-intervaller pr. model og metode i hvert scenarie, med ±2 Monte "
           f"Carlo-standardfejl; lodrette linjer ved {_pct(level, 0)} % og målet {_pct(target, 0)} %.")
    return (
        "<!DOCTYPE html>\n<html lang=\"da\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\">"
        "<title>Dækningsstudie</title>" + style + "</head><body>"
        "<h1>Dækningsstudie: intervallerne i Bilag 4's modeller</h1>" + banner_html +
        "<p>Side til revisorer. Studiet planter kendte effekter i Bilag 4's egne designs (analyseprøverne, "
        "kontrolvariablene og tilbuddene, som modellerne bruger) og tæller, hvor ofte hver metodes "
        f"{_pct(level, 0)} %-interval dækker den plantede værdi. Udfaldet simuleres som y = Xβ + tilbudseffekt "
        f"+ støj med {seeds} frø pr. scenarie; elementerne på ulige pladser får effekten "
        f"{display.number(float(options['intention_effect']), 2)} SD (intention) eller "
        f"{display.number(float(options['intensity_effect']), 2)} SD pr. point (intensitet), de øvrige 0. "
        f"Bootstrappen bruger {display.number(int(options['reps']))} træk. Studiet køres med "
        "<code>snakemake --cores 4 coverage_study</code> (eller med Slurm-profilen, ét job pr. gruppe af frø) "
        "og indgår ikke i rapportens almindelige kørsel; metoden er beskrevet i docs/core_elements.md, "
        "afsnittet \"Coverage study\".</p>" + verdict +
        "<h2>Dækning pr. scenarie og metode</h2>" + headline_table(headline, target) +
        f'<figure class="fig"><img src="data:image/png;base64,{figure}" alt="{escape(alt)}"></figure>'
        "<h2>Dækning efter det effektive antal tilbud bag leddet</h2>"
        "<p>Hvor få tilbud bærer et led (G*, Carter, Schnepel og Steigerwald 2017), er klyngerobuste "
        "intervaller mindst pålidelige.</p>" + band_table(tables["by_g_eff"], target, headline) +
        "<h2>De undersøgte modeller</h2>" + design_table(tables["designs"]) +
        "</body></html>")
