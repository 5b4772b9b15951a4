"""Rule synthetic_twin: write the synthetic twin's raw extracts from the twin's own config block
(params.twin) and its declared side files (inputs) to the rule's outputs; nothing else."""

from puljeeval import rulekit
from puljeeval.twin import generate as synthetic
from puljeeval.twin.inputs import TwinInputs, read_side_files

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    config = dict(smk.params.twin)
    inputs = TwinInputs.of(config, read_side_files(dict(smk.input.items())))
    twin = synthetic.generate(inputs)
    paths = dict(smk.output.items())
    synthetic.write(twin, paths, config["extract_formats"])
    for name, frame in twin.frames().items():
        print(f"{name}: {len(frame)} rows -> {paths[name]}")
