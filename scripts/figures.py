"""Rule figures: the report's figures as PNG and SVG from the disclosure-controlled tables."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.publish import figures
from puljeeval.publish import tables as publish

with rulekit.logged(snakemake):  # noqa: F821
    settings = rulekit.settings(snakemake)  # noqa: F821
    inp = snakemake.input  # noqa: F821
    tables = publish.suppressed({name: pd.read_csv(inp[name]) for name in publish.INPUTS}, settings)
    for stem, fig in figures.catalogue(tables, settings).items():
        for path in figures.save(fig, stem, snakemake.output[0]):  # noqa: F821
            print(path)
