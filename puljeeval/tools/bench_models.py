"""Wall time of every Bilag 4 model with all its inference methods, as the pipeline runs them.
Not a test (issue 14, last item: target under 2 minutes on 2 cores).

    python -m puljeeval.tools.bench_models [--frames DIR] [--config FILE] [--workers 2] [--reps 9999]

For each outcome of `core_elements.outcomes` it calls `element_models.run_outcome` on the frames
the rule core_element_samples wrote (`<outcome>.parquet` and `<outcome>_attrition.parquet`, by
default in results/interim/core_elements): intention and intensity models on the whole sample
and every subgroup model, with whatever methods run_outcome computes (today OLS, the wild
cluster bootstrap with its inverted interval, CR2 and the attrition-weighted refit with its
bootstrap), `--reps` wild bootstrap draws (default 9,999; the other settings from the config).
Outcomes run in `--workers` processes with one BLAS thread each, as Snakemake runs the
core_element_models jobs (one thread per job) on that many cores. Prints the time per outcome (inside its process)
and the total wall time, process start included.
"""

from __future__ import annotations

import argparse
import copy
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from puljeeval.tools import threads

threads.set_defaults()          # one BLAS thread, before numpy is first loaded

import pandas as pd  # noqa: E402

from puljeeval.settings import ROOT, Settings, load, load_settings  # noqa: E402


def settings_with_reps(config_path: str | Path, reps: int | None) -> Settings:
    """The configuration, with `core_elements.bootstrap.reps` set to `reps` when given."""
    settings = load(config_path)
    if reps is None:
        return settings
    config = copy.deepcopy(settings.config)
    config["core_elements"]["bootstrap"]["reps"] = reps
    config_path = Path(config_path)
    return load_settings(config, config_path.parent.parent if config_path.parent.name == "config" else ".")


def time_outcome(key: str, frames: str, config_path: str, reps: int | None) -> dict:
    """run_outcome for one outcome; the seconds it takes, its models and coefficient rows."""
    from puljeeval.evaluation import element_models as em

    settings = settings_with_reps(config_path, reps)
    outcome = next(o for o in settings.config["core_elements"]["outcomes"] if o["key"] == key)
    frame = pd.read_parquet(Path(frames) / f"{key}.parquet")
    candidates = pd.read_parquet(Path(frames) / f"{key}_attrition.parquet").set_index("course_id", drop=False)
    start = time.perf_counter()
    coefs, models = em.run_outcome(outcome, frame, candidates, settings)
    seconds = time.perf_counter() - start
    fitted = int(models["note"].fillna("").eq("").sum()) if "note" in models else len(models)
    return {"outcome": key, "n": len(frame), "models": len(models), "fitted": fitted, "rows": len(coefs),
            "methods": ", ".join(sorted(coefs["method"].unique())), "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", default="results/interim/core_elements",
                        help="folder with core_element_samples' <outcome>.parquet and <outcome>_attrition.parquet")
    parser.add_argument("--config", default=str(ROOT / "config" / "config.yaml"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--reps", type=int, default=9999, help="wild cluster bootstrap draws")
    args = parser.parse_args(argv)
    settings = settings_with_reps(args.config, args.reps)
    cfg = settings.config["core_elements"]
    keys = [o["key"] for o in cfg["outcomes"]]
    for key in keys:
        for name in (f"{key}.parquet", f"{key}_attrition.parquet"):
            if not (Path(args.frames) / name).exists():
                print(f"{Path(args.frames) / name} is missing: run the rule core_element_samples (or give --frames)")
                return 1
    # largest samples first, so that two workers finish close together
    keys.sort(key=lambda k: -len(pd.read_parquet(Path(args.frames) / f"{k}.parquet", columns=["course_id"])))
    print(f"wild cluster bootstrap: {cfg['bootstrap']['reps']:,} {cfg['bootstrap']['weights']} draws; "
          f"{args.workers} worker(s); load average before: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    start = time.perf_counter()
    jobs = [(k, args.frames, args.config, args.reps) for k in keys]
    if args.workers <= 1:
        rows = [time_outcome(*job) for job in jobs]
    else:
        with threads.one_thread_children(), ProcessPoolExecutor(
                args.workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            rows = list(pool.map(time_outcome, *zip(*jobs, strict=True)))
    total = time.perf_counter() - start
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(table.to_string(index=False, formatters={"seconds": "{:,.1f}".format}))
    print(f"total wall time {total:,.1f} s ({args.workers} worker(s), process start included); sum over outcomes "
          f"{table['seconds'].sum():,.1f} s; load average after: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
