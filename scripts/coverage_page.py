"""Rule coverage_page: the coverage study's auditor page (results/report/daekningsstudie.html)
from coverage_summary's tables and figure."""

from pathlib import Path

import pandas as pd

from puljeeval import rulekit
from puljeeval.atomic import written
from puljeeval.render import coverage_page, html_table, layout, pages

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    cfg = settings.config
    tables = {key: pd.read_csv(smk.input[key], keep_default_na=False, na_values=[""])
              for key in ("headline", "by_g_eff", "designs", "summary")}
    html = coverage_page.page_html(tables, Path(smk.input.figure).read_bytes(), cfg["studies"]["coverage"],
                                   cfg["core_elements"]["bootstrap"], float(cfg["core_elements"]["level"]),
                                   pages.banner(cfg), html_table.STYLE)
    html = layout.finish_page(html, smk.params.title, dict(smk.params.chapters))
    with written(smk.output[0]) as tmp:
        tmp.write_text(html, encoding="utf-8")
    print(f"{smk.output[0]}: {len(tables['headline'])} scenario x method rows")
