"""Rule reproduction_page: the Danish page of the reproduction check (results/report/
reproduktion.html), made from the published (safe) reproduction table only."""

from puljeeval import rulekit
from puljeeval.atomic import written
from puljeeval.evaluation import reproduction
from puljeeval.publish.registry import from_settings
from puljeeval.render import html_table, layout, pages

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    markers = from_settings(settings).markers(settings.config["disclosure"]["min_count"])
    table = reproduction.read_public_csv(smk.input.reproduction)
    summary = reproduction.summary_da(table, reproduction.twin_scale(settings))
    html = reproduction.page_html(table, summary, pages.banner(settings.config), markers, html_table.STYLE)
    html = layout.finish_page(html, smk.params.title, dict(smk.params.chapters))
    with written(smk.output[0]) as tmp:
        tmp.write_text(html, encoding="utf-8")
    print(summary)
