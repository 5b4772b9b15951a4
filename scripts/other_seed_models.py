"""Rule other_seed_models: Bilag 4's OLS tables on another seed of the synthetic twin. The twin
(its own config block with `reproduction.other_seed` as seed, and its side files) writes raw
extracts to a scratch folder under results/interim/other_seed/ (CPR-shaped: kept under interim/,
removed afterwards); ingestion, cleaning, scoring, footnote 5's samples and the OLS models run on
them in this process (puljeeval/evaluation/other_seed.py)."""

import shutil
import tempfile
from pathlib import Path

from puljeeval import rulekit
from puljeeval.data.contract import EXTRACTS
from puljeeval.evaluation import other_seed
from puljeeval.twin import generate as synthetic
from puljeeval.twin.inputs import SIDE_FILES as TWIN_SIDE_FILES
from puljeeval.twin.inputs import TwinInputs, read_side_files

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    twin_config = dict(smk.params.twin)
    twin = synthetic.generate(TwinInputs.of(twin_config, read_side_files(
        {key: smk.input[f"twin_{key}"] for key in TWIN_SIDE_FILES})))
    out = {name: Path(path) for name, path in smk.output.items()}
    folder = out["coefficients"].parent
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("extracts-*"):          # left by a job that was killed
        shutil.rmtree(stale, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix="extracts-") as scratch:
        # the file names of the configured extracts, so each is written in its configured format
        paths = {name: str(Path(scratch) / Path(settings.config["extracts"][name]["path"]).name) for name in EXTRACTS}
        synthetic.write(twin, paths, twin_config["extract_formats"])
        tables = other_seed.element_tables(settings, paths)
    for name, frame in tables.items():
        rulekit.write_csv(frame, out[name])
    print(f"seed {twin_config['seed']}: {len(tables['coefficients'])} OLS rows, {len(tables['models'])} models")
