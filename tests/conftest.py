"""Shared fixtures: the repository's config pointed at the tiny fixture dataset."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
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

WORKFLOW_FILES = ["Snakefile", "config", "workflow", "scripts", "notebooks", "profiles", "environment.yml",
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


def snakemake(workdir: Path, *args: str, configfile: str | list[str] | None = REPORT_CONFIG,
              env: dict | None = None) -> subprocess.CompletedProcess:
    """Snakemake in `workdir` (targets and options in `args`; the config file goes last, since
    --configfile takes every argument after it)."""
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", "--directory", str(workdir),
           "--snakefile", str(workdir / "Snakefile"), *args]
    if configfile:
        cmd += ["--configfile", *([configfile] if isinstance(configfile, str) else configfile)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=workdir, env={**os.environ, **(env or {})})


@pytest.fixture(scope="session")
def report_scale(tmp_path_factory) -> Path:
    """The whole workflow on the twin at report scale; each rule's config use traced to
    <workdir>/trace/ (tests/test_rules.py)."""
    work = copy_workflow(tmp_path_factory.mktemp("run1"))
    done = snakemake(work, env={"PULJEEVAL_CONFIG_TRACE": str(work / "trace")})
    assert done.returncode == 0, done.stderr[-3000:]
    return work
