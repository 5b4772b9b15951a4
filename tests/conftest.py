"""Shared fixtures: the repository's config pointed at the tiny fixture dataset."""

from __future__ import annotations

import copy
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from puljeeval.data import ingest
from puljeeval.settings import ROOT, Settings, load_settings, read_yaml

TINY = Path(__file__).parent / "fixtures" / "tiny"
TINY_EXTRACTS = {
    "registrations": ("registreringer.csv", "cp1252"),
    "background": ("baggrund.csv", "utf-8"),
    "questionnaires": ("spoergeskemaer.csv", "utf-8"),
    "fidelity": ("fidelitet.csv", "utf-8"),
    "intention": ("kerneelementer.csv", "utf-8"),
}


def base_config() -> dict:
    return copy.deepcopy(read_yaml(ROOT / "config" / "config.yaml"))


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    """A private copy of the tiny dataset that a test may break."""
    dest = tmp_path / "tiny"
    shutil.copytree(TINY, dest)
    return dest


def tiny_settings(directory: Path, **changes) -> Settings:
    config = base_config()
    config["extracts"] = {name: {"path": str(directory / fname), "encoding": enc}
                          for name, (fname, enc) in TINY_EXTRACTS.items()}
    for key, value in changes.items():
        config[key] = value
    return load_settings(config, ROOT)


@pytest.fixture
def tiny(tiny_dir: Path) -> Settings:
    return tiny_settings(tiny_dir)


@pytest.fixture
def tiny_interim(tiny: Settings) -> dict:
    return ingest.ingest(tiny, ingest.pseudonym_key(tiny))


# --------------------------------------------------------------------------- workflow runs

WORKFLOW_FILES = ["Snakefile", "config", "data", "workflow", "scripts", "notebooks", "profiles", "environment.yml",
                  "requirements.txt", ".test"]
# The full tier's runs use .test/config_report.yaml (fewer bootstrap draws), the fast tier's
# .test/config_tiny.yaml (the tiny fixture as real extracts).
REPORT_CONFIG = ".test/config_report.yaml"
TINY_CONFIG = ".test/config_tiny.yaml"
TINY_KEY = "tiny-fixture-pseudonym-key-not-secret"


def copy_workflow(dest: Path, fixtures: bool = False) -> Path:
    """The workflow in a fresh directory, as shipped (and the tiny fixture, for the fast tier)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES + (["tests/fixtures/tiny"] if fixtures else []):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        else:
            shutil.copy(src, dest / name)
    return dest


def snakemake_command(workdir: Path, *args: str, configfile: str | list[str] | None = REPORT_CONFIG) -> list[str]:
    """Snakemake in `workdir` (targets and options in `args`; the config file goes last, since
    --configfile takes every argument after it)."""
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", "--directory", str(workdir),
           "--snakefile", str(workdir / "Snakefile"), *args]
    if configfile:
        cmd += ["--configfile", *([configfile] if isinstance(configfile, str) else configfile)]
    return cmd


def snakemake(workdir: Path, *args: str, configfile: str | list[str] | None = REPORT_CONFIG,
              env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(snakemake_command(workdir, *args, configfile=configfile), capture_output=True, text=True,
                          cwd=workdir, env={**os.environ, **(env or {})})


def job_stats(log: str) -> dict[str, str]:
    """Rule -> number of jobs, from the 'Job stats:' table of a Snakemake log."""
    return dict(re.findall(r"^(\w+)\s+(\d+)$", log.split("Job stats:")[1].split("\n\n")[0], re.M))


class Run:
    """A workflow run started in the background; `result()` waits for it and returns its folder."""

    def __init__(self, workdir: Path, *args: str, configfile: str | list[str] = REPORT_CONFIG,
                 env: dict | None = None) -> None:
        self.workdir = workdir
        self.log = workdir.parent / f"{workdir.name}.snakemake.log"
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(snakemake_command(workdir, *args, configfile=configfile), cwd=workdir,
                                            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})

    def result(self) -> Path:
        code = self.process.wait()
        assert code == 0, self.log.read_text()[-3000:]
        return self.workdir


def pytest_collection_modifyitems(items: list) -> None:
    """Fast tests first (stable order otherwise): they run while the workflow runs, started by
    the first test, are still going."""
    items.sort(key=lambda item: "workflow" in item.keywords)


class InterruptedRun:
    """A run killed like a machine or a scheduler kills it (SIGKILL to the whole process group)
    while each rule of `kill_during` runs, and each time started again with the same command;
    in the background. `kills` records, per rule, whether the kill came while the rule's job was
    running (started, not finished)."""

    def __init__(self, workdir: Path, *args: str, kill_during: tuple[str, ...], configfile: str = REPORT_CONFIG):
        self.workdir, self.args, self.configfile = workdir, args, configfile
        self.kill_during, self.kills, self.logs = kill_during, {}, []
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _start(self, attempt: int) -> tuple[subprocess.Popen, Path]:
        log = self.workdir.parent / f"{self.workdir.name}.attempt{attempt}.log"
        self.logs.append(log)
        with open(log, "w") as out:
            proc = subprocess.Popen(snakemake_command(self.workdir, *self.args, configfile=self.configfile),
                                    cwd=self.workdir, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return proc, log

    def _run(self) -> None:
        for attempt, rule in enumerate(self.kill_during):
            proc, log = self._start(attempt)
            started = re.compile(rf"^\s*(local)?rule {rule}:", re.M)
            while proc.poll() is None and not started.search(log.read_text()):
                time.sleep(0.05)
            time.sleep(0.5)                       # well inside the job (ingest takes ~3 s, a model ~5 s)
            text = log.read_text()
            running = bool(started.search(text)) and f"(Rule: {rule})" not in text and proc.poll() is None
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            self.kills[rule] = running
        proc, _ = self._start(len(self.kill_during))
        self.returncode = proc.wait()

    def result(self) -> Path:
        self.thread.join()
        assert self.returncode == 0, self.logs[-1].read_text()[-3000:]
        return self.workdir


@pytest.fixture(scope="session", autouse=True)
def workflow_runs(request, tmp_path_factory) -> dict[str, Run]:
    """The full tier's end-to-end runs, started in the background when the session starts:
    one Snakemake run keeps about one of the two cores busy (most of the DAG is a chain), so
    the runs and the unit tests share the machine instead of waiting for each other. Only the
    runs the selected tests use are started (none for `-m "not workflow"`).

    - `report_scale`: the twin at report scale as shipped, each rule's config use traced
      (tests/test_rules.py);
    - `same_seed`: the same again, killed during ingestion and again during the models and each
      time resumed with the same command, for the byte-for-byte comparison;
    - `seed7`: a second seed given as a researcher would, with --configfile (chapters 3-4)."""
    wanted = {name for item in request.session.items for name in getattr(item, "fixturenames", ())}
    runs = {}
    if wanted & {"report_scale", "same_seed_run", "seed7_run"}:
        work = copy_workflow(tmp_path_factory.mktemp("run1"))
        runs["report_scale"] = Run(work, env={"PULJEEVAL_CONFIG_TRACE": str(work / "trace")})
    if "same_seed_run" in wanted:      # pages carry their render time: not compared, not rendered
        runs["same_seed"] = InterruptedRun(copy_workflow(tmp_path_factory.mktemp("run2")), "--omit-from",
                                           "render_chapter", kill_during=("ingest", "core_element_models"))
    if "seed7_run" in wanted:
        other = copy_workflow(tmp_path_factory.mktemp("seed7"))
        (other / ".test" / "seed7.yaml").write_text("twin:\n  seed: 7\n", encoding="utf-8")
        # chapters 3 and 4 suffice for the prose and provenance checks; chapter 5 (and so the
        # reproduction and index) left out to save a third of the run
        runs["seed7"] = Run(other, "--omit-from", "core_element_samples",
                            configfile=[REPORT_CONFIG, ".test/seed7.yaml"])
    return runs


@pytest.fixture(scope="session")
def report_scale(workflow_runs) -> Path:
    """The whole workflow on the twin at report scale (config use traced to <workdir>/trace/)."""
    return workflow_runs["report_scale"].result()


@pytest.fixture(scope="session")
def same_seed_run(workflow_runs) -> InterruptedRun:
    workflow_runs["same_seed"].result()
    return workflow_runs["same_seed"]


@pytest.fixture(scope="session")
def seed7_run(workflow_runs) -> Path:
    return workflow_runs["seed7"].result()
