"""Rule bilag4_outputs: Bilag 4's published tables (workbook and CSV) and figures 10-1..10-16."""

from pathlib import Path

import pandas as pd

from puljeeval import rulekit
from puljeeval.publish import bilag4, figures, xlsx

with rulekit.logged(snakemake):  # noqa: F821
    settings = rulekit.settings(snakemake)  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    tables = {"flow": pd.read_csv(inp.bilag4_flow), "intention": pd.read_csv(inp.bilag4_intention),
              "histogram": pd.read_csv(inp.bilag4_histogram),
              "coefficients": pd.concat([pd.read_csv(p) for p in inp.coefficients], ignore_index=True),
              "models": pd.concat([pd.read_csv(p) for p in inp.models], ignore_index=True)}
    public = bilag4.published(tables, settings)
    sheets = bilag4.workbook(public)
    xlsx.write(sheets, out.workbook)
    for name, frame in public.items():
        rulekit.write_csv(frame, Path(out.csv_dir) / f"{name}.csv")
    for stem, fig in bilag4.catalogue(public, settings).items():
        for path in figures.save(fig, stem, out.figures):
            print(path)
