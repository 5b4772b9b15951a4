"""Rule kortlaegning_maps: the mapping's five maps from its survey extracts
(puljeeval/kortlaegning/map_figures.py, drawn by maps.py on the vendored geography)."""

from pathlib import Path

import matplotlib
import pandas as pd
import yaml

from puljeeval import rulekit
from puljeeval.kortlaegning import map_figures, maps, published

matplotlib.use("Agg")

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    inp = smk.input
    extracts = {name: pd.read_csv(inp[name], dtype={"municipality_code": str})
                for name in ("tilbud", "daekning", "filialer", "kommuner", "indsatser")}
    pub = published.load(Path(inp.published))
    titles = {stem: pub.tables[stem]["title"] for stem in ("figur_1_1", "figur_3_1", "figur_5_1", "figur_9_1",
                                                           "figur_9_2")}
    seed = yaml.safe_load(Path(inp.twin_config).read_text(encoding="utf-8"))["seed"]
    synthetic = (f"Syntetiske data: tegnet fra kortlægningens syntetiske tvilling (seed {seed}), ikke fra "
                 "rigtige data.")
    outdir = Path(smk.output[0]).parent
    for stem, fig in map_figures.figures(extracts, titles, synthetic).items():
        maps.save(fig, stem, outdir)
        matplotlib.pyplot.close(fig)
    print(f"kortlægning maps: {len(smk.output) // 3} written to {outdir}")
