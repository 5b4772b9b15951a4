"""Rule kortlaegning_twin: the survey twin of the 2016 mapping (puljeeval/kortlaegning/twin/), its seven
extracts in the mapping's data contract and its calibration report. It reads only its own
configuration, the printed numbers it is calibrated to, the report's real offer-level tables and
the contract's municipality codes."""

from pathlib import Path

from puljeeval import rulekit
from puljeeval.atomic import written
from puljeeval.kortlaegning import published
from puljeeval.kortlaegning.twin import generate, write

with rulekit.logged(snakemake):  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    twin = generate.generate(Path(inp.twin_config), pub=published.load(Path(inp.published)),
                             data_dir=Path(inp.tabel_9_3).parent, municipalities_path=Path(inp.kommuner))
    frames = {**write.extracts(twin), Path(write.CALIBRATION_FILE).stem: twin.calibration}
    for key, frame in frames.items():
        with written(out[key]) as tmp:
            write.write_csv(frame, tmp)
    status = twin.calibration["status"].value_counts()
    print(f"kortlægning twin (seed {twin.seed}): {', '.join(f'{k} {len(f)} rows' for k, f in frames.items())}; "
          f"calibration: {', '.join(f'{k} {v}' for k, v in status.items())}")
