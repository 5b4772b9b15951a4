"""Shared fixtures: the repository's config pointed at the tiny fixture dataset."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest

from puljeeval import ingest
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
