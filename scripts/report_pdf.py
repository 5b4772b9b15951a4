"""Rule report_pdf: the whole report as one document (results/report/rapport.html) and one A4
PDF printed from it with headless Chromium (results/report/rapport.pdf)."""

from html import escape

from puljeeval import rulekit
from puljeeval.atomic import written
from puljeeval.render import pages as report
from puljeeval.render import pdf

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    chapters = dict(smk.params.chapters)
    facts = [("Datakilde", report.data_source(settings.config)),
             ("Git-commit", report.git_commit()),
             ("Konfiguration brugt til dokumentet (sha256)", report.config_hash(settings.config))]
    parts = []
    mapping_pages = dict(smk.params.mapping_pages)
    if mapping_pages:               # the mapping as the second part (workflow/rules/kortlaegning_report.smk)
        source = report.mapping_source_of(smk.input)
        facts.append((report.MAPPING_PART_TITLE, f"Datakilde: {source.text}"))
        parts.append(pdf.Part("kortlaegning-del", report.MAPPING_PART_TITLE, f"<p>{escape(report.MAPPING_INTRO)}</p>",
                              source.banner(), mapping_pages,
                              dict(zip(mapping_pages, smk.input.mapping_pages, strict=True))))
    html = pdf.document(chapters, dict(zip(chapters, smk.input.pages, strict=True)), smk.input.reproduction,
                        facts, report.banner(settings.config), parts)
    with written(smk.output.html) as tmp:
        tmp.write_text(html, encoding="utf-8")
    # printed from the final file: its relative links and the data: images resolve the same way
    with written(smk.output.pdf) as tmp:
        pdf.print_pdf(smk.output.html, tmp)
