"""Rule twin_block: one block of the synthetic twin (puljeeval/twin/generate.py, Block) from the
twin's own config block (params.twin) and its declared side files, written in the extracts'
formats to the block's folder; block 0 also draws the intention every other block takes."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.atomic import written
from puljeeval.twin import generate as synthetic
from puljeeval.twin.inputs import TwinInputs, read_side_files

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    config = dict(smk.params.twin)
    inputs = TwinInputs.of(config, read_side_files(dict(smk.input.items())))
    block = synthetic.Block(int(smk.wildcards.block), int(config["scale"]))
    given = pd.read_parquet(smk.input.given) if block.index > 0 else None
    twin = synthetic.generate_block(inputs, int(config["seed"]), block, given)
    paths = {name: smk.output[name] for name in twin.frames()}
    synthetic.write(twin, paths, config["extract_formats"])
    with written(smk.output.matrix) as tmp:
        synthetic.block_intention(twin).to_parquet(tmp, index=False)
    for name, frame in twin.frames().items():
        print(f"block {block.index} of {block.count}, {name}: {len(frame)} rows -> {paths[name]}")
