"""Growth curve (issue 17, item 5): the whole workflow on the twin at several scales, with wall
time and peak memory per rule against scale.

    python -m puljeeval.tools.growth [--scales 1,3,10,30,100] [--cores 4] [--work DIR] [--out DIR]
        [--target all] [--keep]

Each scale runs in a fresh copy of the workflow (`--work`/scale_<k>, removed afterwards unless
`--keep`) with `twin.scale: k` and otherwise the shipped config, as `snakemake --cores <cores>
<target>`. Measured: the run's wall time and the peak resident memory of its whole process tree
(sampled every 0,2 s with psutil), and per rule from Snakemake's benchmark files the summed and
the largest job's wall time and the largest job's peak memory (max_rss). Writes into --out:

- growth_rules.csv: scale, rule, jobs, seconds (sum over its jobs), max_job_seconds, max_rss_mb;
- growth_runs.csv: scale, wall_seconds, rule_seconds, tree_peak_mb, largest_job_mb, largest_job_rule,
  failed_rules (rules that stopped on the data; Snakemake runs with --keep-going, so the rest is measured);
- growth_exponents.csv: per rule the log-log slope of its seconds and of its peak memory
  between the two largest scales it ran at (1 = linear; above 1 grows faster than the data);
- growth.png: wall time and peak memory per rule against scale (log-log), the whole run's wall
  time in black.

Benchmark and memory figures are what this machine measured: quote medians of several runs
(farm-bench) for timing claims, machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from puljeeval.settings import ROOT
from puljeeval.tools.resources import rule_names, rule_of

WORKFLOW_FILES = ["Snakefile", "config", "data", "workflow", "scripts", "notebooks", "profiles", "environment.yml",
                  "requirements.txt", "pyproject.toml"]


def copy_workflow(dest: Path, root: Path = ROOT) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        src = root / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        elif src.exists():
            shutil.copy(src, dest / name)
    return dest


class TreePeak:
    """Peak resident memory (MB) of a process and all its descendants, sampled in a thread."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.pid, self.every, self.peak = pid, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            total = 0
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            for p in procs:
                try:
                    total += p.memory_info().rss
                except psutil.NoSuchProcess:
                    pass
            self.peak = max(self.peak, total / 2**20)
            time.sleep(self.every)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


def rule_table(benchmarks: Path, rules: list[str]) -> pd.DataFrame:
    """Per rule: jobs, summed and largest job's seconds, largest job's max_rss (MB)."""
    rows = []
    for path in sorted(benchmarks.glob("*.tsv")):
        b = pd.read_csv(path, sep="\t")
        rows.append({"rule": rule_of(path.stem, rules), "seconds": float(b["s"].iloc[-1]),
                     "max_rss_mb": float(pd.to_numeric(b["max_rss"], errors="coerce").iloc[-1])})
    if not rows:
        raise ValueError(f"no benchmark files in {benchmarks}")
    jobs = pd.DataFrame(rows)
    return (jobs.groupby("rule").agg(jobs=("seconds", "size"), seconds=("seconds", "sum"),
                                     max_job_seconds=("seconds", "max"), max_rss_mb=("max_rss_mb", "max"))
            .reset_index())


def run_scale(scale: int, work: Path, cores: int, target: str, root: Path = ROOT) -> tuple[pd.DataFrame, dict]:
    """One scale in a fresh copy: (rule table, run row)."""
    if work.exists():
        shutil.rmtree(work)
    copy_workflow(work, root)
    overlay = work / "growth_scale.yaml"
    overlay.write_text(f"twin:\n  scale: {scale}\n", encoding="utf-8")
    # --keep-going: a rule that stops on the data (the disclosure audit can, at a scale whose tables
    # pin a small count) must not keep the other rules from being measured; the run row names it
    cmd = [sys.executable, "-m", "snakemake", "--cores", str(cores), "--keep-going", "--directory", str(work),
           "--snakefile", str(work / "Snakefile"), target, "--configfile", str(overlay)]
    log = work / "growth_snakemake.log"
    start = time.perf_counter()
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=work, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "OPENBLAS_NUM_THREADS": "1"})
        peak = TreePeak(proc.pid)
        code = proc.wait()
    wall = time.perf_counter() - start
    tree = peak.stop()
    failed = sorted(set(re.findall(r"^Error in rule (\w+):", log.read_text(encoding="utf-8"), flags=re.M)))
    if code != 0 and not failed:
        raise RuntimeError(f"scale {scale}: snakemake failed ({code}); see {log}")
    if failed:
        print(f"scale {scale}: rules {', '.join(failed)} failed (their logs are under {work}/results/logs; "
              f"rules after them did not run)", flush=True)
    rules = rule_table(work / "results" / "benchmarks", rule_names(work))
    largest = rules.loc[rules["max_rss_mb"].idxmax()]
    run = {"scale": scale, "wall_seconds": round(wall, 1), "rule_seconds": round(float(rules["seconds"].sum()), 1),
           "tree_peak_mb": round(tree), "largest_job_mb": round(float(largest["max_rss_mb"])),
           "largest_job_rule": largest["rule"], "failed_rules": " ".join(failed)}
    return rules.assign(scale=scale), run


def exponents(rules: pd.DataFrame) -> pd.DataFrame:
    """Per rule the log-log slope of seconds and of peak memory between its two largest scales."""
    rows = []
    for rule, part in rules.groupby("rule"):
        part = part.sort_values("scale")
        if len(part) < 2:
            continue
        a, b = part.iloc[-2], part.iloc[-1]
        ratio = np.log(b["scale"] / a["scale"])
        seconds = np.log(max(b["seconds"], 1e-3) / max(a["seconds"], 1e-3))
        rows.append({"rule": rule, "from_scale": int(a["scale"]), "to_scale": int(b["scale"]),
                     "seconds_exponent": round(float(seconds / ratio), 2),
                     "memory_exponent": round(float(np.log(b["max_rss_mb"] / a["max_rss_mb"]) / ratio), 2),
                     "seconds": b["seconds"], "max_rss_mb": b["max_rss_mb"]})
    return pd.DataFrame(rows).sort_values("seconds", ascending=False)


def figure(rules: pd.DataFrame, runs: pd.DataFrame, path: Path, top: int = 10) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    largest = rules.groupby("rule")["seconds"].max().sort_values(ascending=False).index[:top]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5))
    for rule in largest:
        part = rules[rules["rule"] == rule].sort_values("scale")
        left.plot(part["scale"], part["seconds"], marker="o", lw=1, label=rule)
        right.plot(part["scale"], part["max_rss_mb"], marker="o", lw=1, label=rule)
    left.plot(runs["scale"], runs["wall_seconds"], color="black", lw=2, marker="s", label="whole run (wall)")
    right.plot(runs["scale"], runs["tree_peak_mb"], color="black", lw=2, marker="s", label="process tree (peak)")
    s = np.array(sorted(runs["scale"]), dtype=float)
    for ax, base in ((left, float(runs.sort_values("scale")["wall_seconds"].iloc[0])),
                     (right, float(runs.sort_values("scale")["tree_peak_mb"].iloc[0]))):
        ax.plot(s, base * s / s[0], color="0.6", ls=":", label="linear from the smallest scale")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("twin.scale (1 = the report's size)")
        ax.grid(color="0.9", which="both")
    left.set_ylabel("wall time (s): summed over the rule's jobs")
    right.set_ylabel("peak resident memory (MB): the rule's largest job")
    left.set_title(f"Time, the {top} slowest rules")
    right.set_title("Memory")
    right.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120, metadata={"Software": None})
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,3,10,30,100")
    parser.add_argument("--cores", type=int, default=4)
    parser.add_argument("--work", default="/tmp/puljeeval-growth")
    parser.add_argument("--out", default="results/growth")
    parser.add_argument("--target", default="all")
    parser.add_argument("--keep", action="store_true", help="keep each scale's run folder")
    args = parser.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",") if s]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tables, runs = [], []
    for scale in scales:
        work = Path(args.work) / f"scale_{scale}"
        print(f"scale {scale}: running in {work} ...", flush=True)
        table, run = run_scale(scale, work, args.cores, args.target)
        tables.append(table)
        runs.append(run)
        print(f"scale {scale}: {run['wall_seconds']:.0f} s wall, process tree {run['tree_peak_mb']:,} MB, largest job "
              f"{run['largest_job_rule']} {run['largest_job_mb']:,} MB", flush=True)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        # written after every scale, so a long run shows its progress
        rules = pd.concat(tables, ignore_index=True)[["scale", "rule", "jobs", "seconds", "max_job_seconds",
                                                      "max_rss_mb"]]
        rules.to_csv(out / "growth_rules.csv", index=False, float_format="%.6g")
        pd.DataFrame(runs).to_csv(out / "growth_runs.csv", index=False)
    runs_frame = pd.DataFrame(runs)
    exp = exponents(rules)
    exp.to_csv(out / "growth_exponents.csv", index=False, float_format="%.6g")
    figure(rules, runs_frame, out / "growth.png")
    print(runs_frame.to_string(index=False))
    if len(exp):
        print("\nper rule, between its two largest scales (exponent 1 = linear):")
        print(exp.head(15).to_string(index=False))
    print(f"\nwritten to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
