"""Rule synthetic_twin: write the synthetic twin's raw extracts."""

from puljeeval import rulekit
from puljeeval.twin import generate as synthetic

with rulekit.logged(snakemake):  # noqa: F821
    settings = rulekit.settings(snakemake)  # noqa: F821
    twin = synthetic.generate(settings)
    synthetic.write(twin, settings.config["extracts"])
    for name, frame in twin.frames().items():
        print(f"{name}: {len(frame)} rows -> {settings.config['extracts'][name]['path']}")
