"""The workflow on a real Slurm (issue 17, item 3): a single-node Slurm stood up on this machine by
tools/slurm/local_slurm.sh from Debian's packages, the whole workflow at report scale submitted
through snakemake-executor-plugin-slurm with the shipped profile (profiles/slurm), and its
products compared with the local run's. Slurm's own job list (`squeue --states=all`) goes to the
test artifacts.

Needs root and `apt-get install -y slurm-wlm munge` (README "Running on a Slurm cluster");
skipped where slurmctld is not installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from conftest import REPORT_CONFIG, copy_workflow
from test_studies import STUDY_CONFIG
from test_workflow import ARTIFACTS

from puljeeval.settings import ROOT, read_yaml

pytestmark = [pytest.mark.workflow, pytest.mark.slurm]
needs_slurm = pytest.mark.skipif(shutil.which("slurmctld") is None or os.geteuid() != 0,
                                 reason="needs root and Debian's slurm-wlm and munge")
SCRIPT = ROOT / "tools" / "slurm" / "local_slurm.sh"
# Products that carry the time they were made (pages: provenance; the reproduction reads them)
# or describe the run itself (logs, benchmarks) are not compared.
NOT_COMPARED = {"logs", "benchmarks", "report", "reproduction"}


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    state = tmp_path_factory.mktemp("slurm")
    started = subprocess.run(["bash", str(SCRIPT), "start", str(state)], capture_output=True, text=True)
    assert started.returncode == 0, started.stdout + started.stderr
    yield state
    subprocess.run(["bash", str(SCRIPT), "stop", str(state)], capture_output=True, text=True)


@needs_slurm
def test_the_workflow_on_slurm_gives_the_local_products(slurm, report_scale, tmp_path_factory):
    workdir = copy_workflow(tmp_path_factory.mktemp("on_slurm") / "workflow")
    cmd = [sys.executable, "-m", "snakemake", "--profile", "profiles/slurm", "--directory", str(workdir),
           "--snakefile", str(workdir / "Snakefile"),
           # a local test: ask squeue often (a real cluster keeps the profile's gentler defaults)
           "--slurm-init-seconds-before-status-checks", "2", "--seconds-between-status-checks", "3",
           "all", "coverage_study", "--configfile", REPORT_CONFIG, STUDY_CONFIG]
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=workdir, env={**os.environ})
    jobs = subprocess.run(["squeue", "--states=all", "-o", "%.10i %.9P %.40j %.12T %.10M %.6D %R"],
                          capture_output=True, text=True).stdout
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "slurm_squeue.txt").write_text(jobs, encoding="utf-8")
    (ARTIFACTS / "slurm_snakemake.log").write_text(run.stdout + run.stderr, encoding="utf-8")
    assert run.returncode == 0, (run.stdout + run.stderr)[-4000:]
    # every rule ran as a Slurm job, and Slurm saw them all complete
    lines = [line.split() for line in jobs.splitlines()[1:] if line.strip()]
    assert len(lines) >= 40, jobs
    assert {line[3] for line in lines} == {"COMPLETED"}, jobs
    assert "submitted with SLURM jobid" in run.stdout + run.stderr
    compared = 0
    for path in sorted((report_scale / "results").rglob("*")):
        rel = path.relative_to(report_scale)
        if path.is_file() and rel.parts[1] not in NOT_COMPARED and rel.parts[1:3] != ("interim", "reproduction"):
            assert path.read_bytes() == (workdir / rel).read_bytes(), rel
            compared += 1
    assert compared >= 100
    # the coverage study's target ran there too, one Slurm job per batch of seeds
    options = read_yaml(workdir / STUDY_CONFIG)["studies"]["coverage"]
    batches = -(-options["seeds"] // options["batch_size"])
    assert len(re.findall(r"^rule coverage_batch:", run.stdout + run.stderr, re.M)) == batches
    runs = pd.read_parquet(workdir / "results/studies/coverage/coverage_runs.parquet")
    assert sorted(runs["seed"].unique()) == list(range(options["first_seed"], options["first_seed"] + options["seeds"]))
    assert (workdir / "results/report/daekningsstudie.html").exists()
    # the pages exist too (not compared byte for byte: they carry their render time)
    assert (workdir / "results/report/index.html").exists() and (workdir / "results/report/rapport.pdf").exists()
