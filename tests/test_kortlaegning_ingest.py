"""Ingesting the mapping's survey extracts (rule kortlaegning_ingest, scripts/kortlaegning_ingest.py):
extracts that follow the contract become typed parquet files with their rows counted; a broken
delivery stops with every problem named by file, row and column, and nothing is written; the
config keys saying where the extracts come from are checked."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import base_config, copy_workflow, snakemake

from puljeeval.kortlaegning import contract
from puljeeval.settings import ROOT, ConfigError, validate_config

TINY = Path(__file__).parent / "fixtures" / "kortlaegning_tiny"
SCRIPT = ROOT / "scripts" / "kortlaegning_ingest.py"


@pytest.fixture(scope="module")
def script():
    """The rule's script as a module (its Snakemake part runs only as __main__)."""
    spec = importlib.util.spec_from_file_location("kortlaegning_ingest_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def outputs(folder: Path) -> dict[str, Path]:
    return {name: folder / f"{name}.parquet" for name in contract.EXTRACTS}


def broken_tiny(tmp_path: Path) -> Path:
    """The tiny fixture with offer T2's substance ("ved_ikke", row 2 of tilbud.csv) delivered blank."""
    dest = tmp_path / "broken"
    shutil.copytree(TINY, dest)
    path = dest / "tilbud.csv"
    text = path.read_bytes().decode("utf-8")
    assert text.count(";ved_ikke;angivet;8;") == 1
    path.write_bytes(text.replace(";ved_ikke;angivet;8;", ";;angivet;8;").encode("utf-8"))
    return dest


def test_tiny_extracts_become_typed_parquet(script, tmp_path):
    """Rows per extract as the fixture's README counts them; the parquet files hold the contract's typed
    frames (0/1 as Int8, codes as strings, counts as floats) with `row`, the data row of the file."""
    out = outputs(tmp_path / "ingested")
    rows = script.ingest(TINY, out)
    assert rows == {"breddesurvey": 98, "nettoliste": 6, "tilbud": 4, "tilbud_aktoerer": 24, "indsatser": 6,
                    "filialer": 5, "daekning": 10}
    offers = pd.read_parquet(out["tilbud"])
    assert offers["row"].tolist() == [1, 2, 3, 4]
    assert str(offers["age_0_5"].dtype) == "Int8" and str(offers["staff_fulltime"].dtype) == "float64"
    assert offers["sector"].tolist() == ["offentlig", "privat", "offentlig", "privat"]
    expected = contract.validate_mapping_extracts(TINY)
    for name, path in out.items():
        pd.testing.assert_frame_equal(pd.read_parquet(path), expected[name], check_dtype=False)


def test_broken_delivery_names_file_row_and_column(script, tmp_path):
    """A 'ved ikke' delivered as a blank: the error names tilbud.csv, row 2 (line 3), column 'substance';
    no parquet file is written; the problem is listed in the problem CSV."""
    out = outputs(tmp_path / "ingested")
    problems_csv = tmp_path / "problems.csv"
    with pytest.raises(contract.MappingContractProblems) as info:
        script.ingest(broken_tiny(tmp_path), out, problems_csv)
    message = str(info.value)
    assert "tilbud.csv, row 2 (line 3), column 'substance': required value is blank" in message
    assert "docs/kortlaegning_data_contract.md" in message and str(problems_csv) in message
    assert not any(p.exists() for p in out.values())
    listed = pd.read_csv(problems_csv)
    assert listed[["row", "column"]].values.tolist() == [[2, "substance"]]
    assert listed["file"].str.endswith("tilbud.csv").all()


@pytest.mark.parametrize("change, named", [
    ({"data_source": "real", "extracts": None}, "config key 'kortlaegning.extracts': None is not of type 'string'"),
    ({"data_source": "excel"}, "config key 'kortlaegning.data_source': 'excel' is not one of"),
    ({"extracts": ""}, "config key 'kortlaegning.extracts': '' should be non-empty"),
])
def test_where_the_extracts_come_from_is_checked(change, named):
    config = base_config()
    config["kortlaegning"].update(change)
    with pytest.raises(ConfigError) as info:
        validate_config(config)
    assert named in str(info.value)


@pytest.mark.workflow
def test_rule_stops_on_a_broken_delivery(tmp_path):
    """With data_source: real the rule reads the delivered folder; a broken file stops the run with the
    file, row and column on the terminal."""
    work = copy_workflow(tmp_path / "work")
    delivery = broken_tiny(tmp_path)
    override = tmp_path / "real.yaml"
    override.write_text(yaml.safe_dump({"kortlaegning": {"data_source": "real", "extracts": str(delivery)}}),
                        encoding="utf-8")
    targets = [f"results/interim/kortlaegning/ingested/{n}.parquet" for n in contract.EXTRACTS]
    done = snakemake(work, *targets, configfile=["config/config.yaml", str(override)])
    assert done.returncode != 0
    assert "tilbud.csv, row 2 (line 3), column 'substance': required value is blank" in done.stderr + done.stdout
