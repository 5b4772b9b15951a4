"""Rule kortlaegning_maps: the mapping's five maps from its ingested survey extracts
(puljeeval/kortlaegning/map_figures.py, drawn by maps.py on the vendored geography). The same
code draws the twin's and real extracts; the maps carry the synthetic-data line exactly when the
rule is given the twin's configuration (input `pages.MAPPING_TWIN_INPUT`), whose seed it names."""

from pathlib import Path

import matplotlib
import pandas as pd
import yaml

from puljeeval import rulekit
from puljeeval.kortlaegning import map_figures, maps, published
from puljeeval.render.pages import MAPPING_TWIN_INPUT

matplotlib.use("Agg")

EXTRACTS = ("breddesurvey", "tilbud", "indsatser", "filialer", "daekning")

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    inp = smk.input
    extracts = {name: pd.read_parquet(inp[name]) for name in EXTRACTS}
    pub = published.load(Path(inp.published))
    titles = {stem: pub.tables[stem]["title"] for stem in ("figur_1_1", "figur_3_1", "figur_5_1", "figur_9_1",
                                                           "figur_9_2")}
    synthetic = ""
    if MAPPING_TWIN_INPUT in inp.keys():
        seed = yaml.safe_load(Path(inp[MAPPING_TWIN_INPUT]).read_text(encoding="utf-8"))["seed"]
        synthetic = (f"Syntetiske data: tegnet fra kortlægningens syntetiske tvilling (seed {seed}), ikke fra "
                     "rigtige data.")
    outdir = Path(smk.output[0]).parent
    for stem, fig in map_figures.figures(extracts, titles, synthetic).items():
        maps.save(fig, stem, outdir)
        matplotlib.pyplot.close(fig)
    print(f"kortlægning maps ({'the twin' if synthetic else 'real'} extracts): {len(smk.output) // 3} written to "
          f"{outdir}")
