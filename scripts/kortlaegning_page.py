"""Rule kortlaegning_page: the mapping's page for reviewers (puljeeval/kortlaegning/page.py)."""

import json
from pathlib import Path

import pandas as pd

from puljeeval import rulekit
from puljeeval.atomic import written
from puljeeval.kortlaegning import page
from puljeeval.render import html_table, layout

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    inp = smk.input
    table = pd.read_csv(inp.reproduction)
    checks = pd.read_csv(inp.checks, keep_default_na=False, na_values=[""])
    n_offers = (len(pd.read_csv(inp.tabel_9_3)), len(pd.read_csv(inp.tabel_9_4)))
    sidecars = [json.loads(Path(p).read_text(encoding="utf-8")) for p in inp.maps if p.endswith(".json")]
    maps = page.maps_html(sidecars, "../figures/kortlaegning")
    html = page.page_html(table, checks, pd.read_csv(inp.offers_per_type), n_offers, html_table.STYLE, maps,
                          dict(smk.params.mapping_pages))
    html = layout.finish_page(html, smk.params.title, dict(smk.params.chapters))
    with written(smk.output[0]) as tmp:
        tmp.write_text(html, encoding="utf-8")
