"""Rule report_index: the front page linking chapters, reproduction check and downloads, and the
mapping's part."""

from pathlib import Path

from puljeeval import rulekit
from puljeeval.atomic import written
from puljeeval.evaluation import reproduction
from puljeeval.render import pages as report

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    summary = reproduction.summary_da(reproduction.read_public_csv(smk.input.reproduction),
                                      reproduction.twin_scale(settings))
    checks = {"Reproduktionstabellen: rapportens tal ved siden af de genskabte og de viste": "reproduktion.html",
              "Kortlægningen 2016: det, rapportens tilbudstabeller bestemmer, og hvor dens tal modsiger hinanden":
                  "kortlaegning.html",
              "Diskretionskontrol: opsummering af revisionen af skjulte celler": "../disclosure/summary.txt",
              "Diskretionskontrol: registrering til outputkontrol (CSV)": "../disclosure/output_checking.csv"}
    downloads = {"Hele rapporten (PDF)": "rapport.pdf",
                 "Reproduktionstabel (CSV)": "../reproduction/reproduction.csv",
                 "Kapitel 3, tabeller (Excel)": "../tables/kapitel_3.xlsx",
                 "Kapitel 3, tabeller (CSV)": "../tables/kapitel_3/",
                 "Kapitel 3, figurer (PNG og SVG)": "../figures/kapitel_3/",
                 "Kapitel 4 og Bilag 2, tabeller (Excel)": "../tables/kapitel_4.xlsx",
                 "Kapitel 4 og Bilag 2, tabeller (CSV)": "../tables/kapitel_4/",
                 "Kapitel 4 og Bilag 2, figurer (PNG og SVG)": "../figures/kapitel_4/",
                 "Kapitel 5 og Bilag 4, tabeller (Excel)": "../tables/kapitel_5.xlsx",
                 "Kapitel 5 og Bilag 4, tabeller (CSV)": "../tables/kapitel_5/",
                 "Kapitel 5 og Bilag 4, figurer (PNG og SVG)": "../figures/kapitel_5/",
                 "Kapitel 6, omkostninger og følsomhedsanalyser (Excel)": "../tables/kapitel_6.xlsx",
                 "Kapitel 6, tabeller (CSV)": "../tables/kapitel_6/",
                 "Kapitel 6, figurer (PNG og SVG)": "../figures/kapitel_6/",
                 "Bilag 1, tilbud og kerneelementer (Excel)": "../tables/bilag_1.xlsx",
                 "Bilag 1, tabeller (CSV)": "../tables/bilag_1/"}
    mapping = None
    if smk.params.mapping_pages:          # the mapping's part (workflow/rules/kortlaegning_report.smk)
        mapping = report.MappingPart(
            front="kortlaegning.html", chapters=dict(smk.params.mapping_pages),
            code=Path(smk.input.mapping_code).name,
            downloads={"Kortlægningen, alle tabeller (Excel)": "../tables/kortlaegning.xlsx",
                       "Kortlægningen, alle tabeller (CSV)": "../tables/kortlaegning/",
                       "Kortlægningen, kortene (PNG og SVG)": "../figures/kortlaegning/"},
            source=report.mapping_source_of(smk.input))
    with written(smk.output[0]) as tmp:
        page = report.index_html(smk.params.chapters, summary, downloads, report.banner(settings.config), checks,
                                 settings.config, mapping)
        tmp.write_text(page, encoding="utf-8")
