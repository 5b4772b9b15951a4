"""The mapping's page for reviewers (results/report/kortlaegning.html): what the report's own
offer-level tables determine beside what it prints, and where its printed numbers contradict each
other. Danish, in the report's layout (layout.finish_page); numbers as the pages write them."""

from __future__ import annotations

from html import escape

import pandas as pd

from puljeeval.kortlaegning.consistency import table_label
from puljeeval.publish import display

KINDS_DA = {
    "share_vs_count": "Andele, der ikke følger af det trykte antal og N",
    "impossible_share": "Andele, som intet helt antal af N kan give",
    "total": "Totaler, der ikke summerer",
    "distribution": "Andele af enkeltvalg, der ikke kan summere til N",
    "choice_limit": "Flere svar, end spørgsmålet tillod",
    "duplicate_table": "Tabeller trykt med en anden tabels tal",
    "duplicate_label": "Rækker trykt to gange",
    "statement": "Tal i teksten, der afviger fra tabellen, de henviser til",
    "cross_table": "Samme størrelse med forskellige værdier eller N forskellige steder",
}
MEASURE_DA = {"count": "antal", "pct": "pct."}
VERDICT_DA = {"reproduced": "genskabt", "inconsistent in the report": "rapporten er selvmodsigende her",
              "not reproduced": "ikke genskabt"}


def _number(value: object, decimals: int) -> str:
    """A number as the pages write it; text (a check's expectation in words) as it is."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    try:
        return display.number(float(value), decimals)
    except (TypeError, ValueError):
        return str(value)


def _table(heads: list[str], rows: list[list[str]], numeric: set[int]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    body = "".join("<tr>" + "".join(f'<td class="num">{escape(c)}</td>' if j in numeric else f"<td>{escape(c)}</td>"
                                    for j, c in enumerate(r)) + "</tr>" for r in rows)
    return f'<table class="pub"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def reproduction_rows(table: pd.DataFrame) -> list[list[str]]:
    """The determined cells: printed, computed at one more decimal than printed, the verdict."""
    out = []
    for r in table.itertuples(index=False):
        d = int(r.decimals)
        out.append([table_label(r.table), r.row, r.column, MEASURE_DA.get(r.measure, r.measure),
                    _number(r.published, d), _number(r.reproduced, d if r.measure == "count" else d + 1),
                    VERDICT_DA[r.verdict], str(r.source_line)])
    return out


# The checker's few words in its `printed` and `expected` columns, as the page writes them.
WORDS_DA = {"no count": "intet antal giver det", "none": "ingen fælles værdi"}


def _text_da(value: object) -> str:
    """A check's printed or expected cell in Danish: numbers with a decimal comma (decimals only
    where there are any), 'pct. of N' as 'pct. af N', 'base N' as 'grundlag N'."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    text = str(value)
    if text in WORDS_DA:
        return WORDS_DA[text]
    try:
        number = float(text)
    except ValueError:
        return text.replace(" pct. of ", " pct. af ").replace("base ", "grundlag ")
    return _number(number, 0 if number.is_integer() else 2)


def inconsistency_rows(checks: pd.DataFrame) -> list[list[str]]:
    failed = checks.loc[~checks["holds"].astype(bool)]
    out = []
    for r in failed.itertuples(index=False):
        where = " / ".join(str(x) for x in (r.row, r.column) if isinstance(x, str) and x)
        expected = _text_da(r.expected)
        if not isinstance(r.table, str) or not r.table:
            table = "flere steder"              # a cross-check names no single table
        else:
            table = table_label(r.table) if r.table.count("_") >= 2 else r.table
        out.append([KINDS_DA.get(r.kind, r.kind), table, where, _text_da(r.printed), expected, str(r.lines)])
    return out


def maps_html(sidecars: list[dict[str, str]], folder: str) -> str:
    """The maps drawn from the survey twin, each with its number, title and alt text (from the
    figure's sidecar), under a notice that they show synthetic data."""
    if not sidecars:
        return ""
    notice = sidecars[0].get("synthetic", "")
    parts = [f'<div class="synthetic" role="note">{escape(notice)}</div>' if notice else ""]
    for car in sidecars:
        parts.append(f'<figure id="{escape(car["stem"])}"><img src="{escape(folder)}/{escape(car["stem"])}.png" '
                     f'alt="{escape(car["alt"])}" style="max-width:100%"><figcaption>{escape(car["number"])}: '
                     f'{escape(car["title"])}</figcaption></figure>')
    return "<h2 id=\"kort\">Kortene</h2>" + "".join(parts)


# Where the mapping's chapter pages and downloads are, relative to results/report/.
WORKBOOK, CSV_FOLDER, CODE_PAGE = "../tables/kortlaegning.xlsx", "../tables/kortlaegning/", "kortlaegning_kode.html"


def chapters_html(pages: dict[str, str]) -> str:
    """The front page's list of the mapping's chapter pages (stem -> title) and its downloads."""
    if not pages:
        return ""
    items = "".join(f'<li><a href="{escape(stem)}.html">{escape(title)}</a></li>' for stem, title in pages.items())
    return ('<h2 id="kapitler">Kortlægningens kapitler</h2>'
            "<p>Alle rapportens tabeller, beregnet fra kortlægningens surveydata og publiceret under "
            "diskretionspolitikken for navngivne tilbud, med kortene og en kort tekst, hvis tal er læst fra "
            f"tabellerne:</p><ul>{items}<li><a href=\"{CODE_PAGE}\">Alle kapitler med kode</a></li></ul>"
            f'<p>Tabellerne som <a href="{WORKBOOK}">Excel-projektmappe</a> og som '
            f'<a href="{CSV_FOLDER}">CSV-filer</a>.</p>')


def page_html(table: pd.DataFrame, checks: pd.DataFrame, offers_per_type: pd.DataFrame, n_offers: tuple[int, int],
              style: str = "", maps: str = "", pages: dict[str, str] | None = None) -> str:
    """The page's HTML before the shared frame: `table` is reproduction.compare's output, `checks`
    consistency.checks', `n_offers` the offers of Tabel 9-3 and 9-4, `maps` maps_html's section,
    `pages` the mapping's chapter pages (stem -> title) it links."""
    verdicts = table["verdict"].value_counts()
    failed = int((~checks["holds"].astype(bool)).sum())
    per_type = "; ".join(f"{r.intervention_type.lower()} {display.number(r.offers)}"
                         for r in offers_per_type.itertuples(index=False))
    intro = (
        f"<p>Kortlægningen (Rambøll 2016) trykker to tabeller på tilbudsniveau: Tabel 9-3 med "
        f"{display.number(n_offers[0])} navngivne tilbud og de aldersgrupper, de henvender sig til, og Tabel 9-4 med "
        f"{display.number(n_offers[1])} tilbud og antallet af indsatser af hver af de seks typer. Her er de læst som "
        f"data (uddraget af rapportens tekst, se data/kortlaegning/README.md), og det, de bestemmer, er regnet ud "
        f"og stillet ved siden af rapportens trykte tal: {display.number(verdicts.get('reproduced', 0))} af "
        f"{display.number(len(table))} tal er genskabt, "
        f"{display.number(verdicts.get('inconsistent in the report', 0))} afviger, fordi rapporten selv er "
        f"selvmodsigende, og {display.number(verdicts.get('not reproduced', 0))} "
        f"er ikke genskabt. Antal tilbud med mindst én indsats af hver type (Tabel 9-4): {escape(per_type)}.</p>"
        f"<p>Alle rapportens trykte tal er desuden holdt op mod hinanden: {display.number(len(checks))} kontroller, "
        f"hvoraf {display.number(failed)} ikke holder. De står i den sidste tabel med rapportens linje; "
        f"regnestykket bag hver står i docs/kortlaegning_inconsistencies.md. Kortlægningens øvrige tabeller, "
        f"beregnet fra surveydata, {'står på kapitelsiderne nedenfor' if pages else 'kommer til i næste trin'}; "
        f"kortene nederst er tegnet fra en syntetisk tvilling af surveydata, ikke fra rigtige data.</p>")
    rep = _table(["Tabel", "Række", "Kolonne", "Mål", "Rapportens tal", "Genberegnet", "Vurdering", "Linje"],
                 reproduction_rows(table), {4, 5, 7})
    inc = _table(["Type", "Tabel", "Række / kolonne", "Trykt", "Hvad tallene giver", "Linje(r)"],
                 inconsistency_rows(checks), set())
    return ("<!DOCTYPE html>\n<html lang=\"da\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\">"
            "<title>Kortlægningen 2016</title>" + style +
            "<style>body{font-family:sans-serif;margin:2em auto;max-width:80em;line-height:1.4}</style></head><body>"
            "<h1>Kortlægningen 2016: rapportens egne tal</h1>" + intro + chapters_html(pages or {}) +
            "<h2 id=\"tilbudstabeller\">Det, som tilbudstabellerne bestemmer</h2>" + rep +
            "<h2 id=\"selvmodsigelser\">Hvor rapportens tal modsiger hinanden</h2>" + inc + maps + "</body></html>")
