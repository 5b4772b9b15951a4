"""Rule kortlaegning_twin: the survey twin of the 2016 mapping (puljeeval/kortlaegning/twin/), its
extracts and calibration report. It reads only its own configuration, the printed numbers it is
calibrated to and the report's real offer-level tables."""

from pathlib import Path

from puljeeval import rulekit
from puljeeval.atomic import written
from puljeeval.kortlaegning import published
from puljeeval.kortlaegning.twin import generate, write

with rulekit.logged(snakemake):  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    twin = generate.generate(Path(inp.twin_config), pub=published.load(Path(inp.published)),
                             data_dir=Path(inp.tabel_9_3).parent)
    frames = {**{Path(name).stem: frame for name, frame in write.extracts(twin).items()},
              Path(write.CALIBRATION_FILE).stem: twin.calibration}
    for key, frame in frames.items():
        with written(out[key]) as tmp:
            frame.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    report = twin.calibration
    print(f"kortlægning twin: {', '.join(f'{k} {len(f)} rows' for k, f in frames.items() if k != 'twin_calibration')}; "
          f"calibration report {len(report)} rows")
