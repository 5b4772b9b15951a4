"""Shared fixtures: the repository's config pointed at the tiny fixture dataset."""

from __future__ import annotations

import copy
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
                  "requirements.txt"]


def copy_workflow(dest: Path) -> Path:
    """The workflow in a fresh directory, as shipped except for fewer wild-bootstrap draws
    (199 instead of 999): the tests check the machinery, and the models run 5 times faster."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        else:
            shutil.copy(src, dest / name)
    cfg = dest / "config" / "config.yaml"
    text = cfg.read_text(encoding="utf-8")
    assert "bootstrap: {reps: 999," in text
    cfg.write_text(text.replace("bootstrap: {reps: 999,", "bootstrap: {reps: 199,"), encoding="utf-8")
    return dest


def snakemake(workdir: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "--cores", "2", "--directory", str(workdir),
           "--snakefile", str(workdir / "Snakefile"), *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=workdir)


@pytest.fixture(scope="session")
def report_scale(tmp_path_factory) -> Path:
    work = copy_workflow(tmp_path_factory.mktemp("run1"))
    done = snakemake(work)
    assert done.returncode == 0, done.stderr[-3000:]
    return work
