"""The twin cannot echo the analysis: it imports none of the analysis layers, its rule gives it
only its own config block and side files, its bytes do not move when any other key does, and a
wrong footnote 3 model (benefit not standardised) fails the reproduction check on its data."""

from __future__ import annotations

import ast
import copy
import hashlib
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import snakemake

from puljeeval.settings import ROOT, load_settings, read_yaml
from puljeeval.twin.inputs import SIDE_FILES

TWIN_PACKAGE = ROOT / "puljeeval" / "twin"
FORBIDDEN = ("puljeeval.data", "puljeeval.scoring", "puljeeval.methods", "puljeeval.evaluation",
             "puljeeval.publish", "puljeeval.render")
SETTINGS_ALLOWED = {"read_yaml"}      # reading YAML is fine; Settings / load_settings are the pipeline's
EXTRACT_FILES = {"registrations": "registreringer.csv", "background": "baggrund.csv",
                 "questionnaires": "spoergeskemaer.csv", "fidelity": "fidelitet.csv",
                 "intention": "kerneelementer.xlsx"}


# --------------------------------------------------------------------------- imports


def imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every import in a twin module; relative imports resolved."""
    package = "puljeeval.twin"
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module or "") if p)
            out += [(module, alias.name) for alias in node.names]
    return out


def forbidden(module: str, name: str) -> bool:
    full = f"{module}.{name}" if name else module
    if any(full == f or full.startswith(f + ".") for f in FORBIDDEN):
        return True
    if full.startswith("puljeeval.settings"):
        return name not in SETTINGS_ALLOWED
    return module == "puljeeval" and name not in ("twin",)   # `from puljeeval import evaluation` etc.


def test_no_twin_module_imports_the_analysis_layers():
    modules = sorted(TWIN_PACKAGE.rglob("*.py"))
    assert len(modules) >= 4
    bad = [(p.name, m, n) for p in modules for m, n in imports(p) if forbidden(m, n)]
    assert not bad, f"the twin imports analysis code: {bad}"


def test_the_import_check_catches_the_old_imports(tmp_path):
    old = tmp_path / "old.py"
    old.write_text("from puljeeval.evaluation import kapitel_4 as analyses\nimport puljeeval.scoring.instruments\n"
                   "from puljeeval.settings import Settings, read_yaml\nfrom puljeeval import publish\n"
                   "from ..evaluation import core_elements\n", encoding="utf-8")
    flagged = [(m, n) for m, n in imports(old) if forbidden(m, n)]
    assert flagged == [("puljeeval.evaluation", "kapitel_4"), ("puljeeval.scoring.instruments", ""),
                       ("puljeeval.settings", "Settings"), ("puljeeval", "publish"),
                       ("puljeeval.evaluation", "core_elements")]


def test_importing_the_twin_loads_no_analysis_module():
    """Transitive imports too: a fresh interpreter that imports every twin module has none of
    the analysis layers in sys.modules."""
    code = ("import pkgutil, importlib, sys, puljeeval.twin as t\n"
            "for m in pkgutil.iter_modules(t.__path__): importlib.import_module('puljeeval.twin.' + m.name)\n"
            "print('\\n'.join(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    loaded = [m for m in done.stdout.split() if m.startswith(FORBIDDEN)]
    assert not loaded, loaded


# --------------------------------------------------------------------------- what the rule gives it


def rule_section(rule: str, name: str) -> list[str]:
    lines = rule.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == f"{name}:")
    indent = len(lines[start]) - len(lines[start].lstrip())
    out = []
    for line in lines[start + 1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        if line.strip() and not line.strip().startswith("#"):
            out.append(line.strip())
    return out


def test_the_rule_passes_only_the_twin_block_and_side_files():
    text = (ROOT / "workflow/rules/twin.smk").read_text(encoding="utf-8")
    rule = text[text.index("rule twin_block:"):]
    assert rule_section(rule, "params") == ['twin=config["twin"],']
    inputs = [line for line in rule_section(rule, "input") if not line.startswith("given=")]
    assert sorted(inputs) == sorted(f'{k}=SIDE_FILES["{k}"],' for k in SIDE_FILES)
    # besides them only block 0's intention, itself made from the same inputs
    assert [line for line in rule_section(rule, "input") if line.startswith("given=")] == [
        'given=lambda wc: [] if int(wc.block) == 0 else f"{TWIN_BLOCK_DIR.format(block=0)}/intention.parquet",']
    joined = text[text.index("rule synthetic_twin:"):]
    assert "params:" not in joined           # it joins the blocks' files and reads no setting


class Poisoned(dict):
    """A config that fails the test on any read."""

    def _fail(self, *args, **kwargs):
        raise AssertionError("the twin's script read snakemake.config")

    __getitem__ = get = keys = items = values = __iter__ = __contains__ = _fail


class Named(dict):
    """Enough of snakemake's Namedlist: attribute and key access, keys(), items()."""

    __getattr__ = dict.__getitem__


def side_paths() -> dict[str, str]:
    files = read_yaml(ROOT / "config" / "config.yaml")["files"]
    return {k: str(ROOT / files[k]) for k in SIDE_FILES}


def digests(directory: Path) -> dict[str, str]:
    return {f: hashlib.sha256((directory / f).read_bytes()).hexdigest() for f in EXTRACT_FILES.values()}


@pytest.mark.workflow      # the twin at report scale (5 s) and the report-scale run: full tier
def test_rule_script_uses_only_its_params_and_gives_the_same_bytes_as_the_twin(report_scale, tmp_path):
    """scripts/make_twin_block.py (the report-scale twin is one block) run in-process with a
    snakemake object whose config fails on any read (every non-twin key is out of reach), given
    the twin block of a config whose every other block is garbage, writes exactly the extracts of
    the shipped workflow's run."""
    config = read_yaml(ROOT / "config" / "config.yaml")
    garbled = {key: "garbled" for key in config} | {"twin": copy.deepcopy(config["twin"])}
    out = tmp_path / "script"
    smk = type("Snakemake", (), {})()
    smk.config = Poisoned()
    smk.params = Named(twin=garbled["twin"])
    smk.input = Named(side_paths())
    smk.output = Named({k: str(out / f) for k, f in EXTRACT_FILES.items()} | {"matrix": str(out / "m.parquet")})
    smk.wildcards = Named(block="0")
    smk.log = [str(tmp_path / "twin.log")]
    smk.rule = "twin_block"
    runpy.run_path(str(ROOT / "scripts" / "make_twin_block.py"), init_globals={"snakemake": smk})
    shipped = {k: report_scale / v["path"] for k, v in config["extracts"].items()}
    assert digests(out) == {f: hashlib.sha256(shipped[k].read_bytes()).hexdigest() for k, f in EXTRACT_FILES.items()}


# --------------------------------------------------------------------------- through the workflow


def edit_config(path: Path, edits: dict[str, object]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for dotted, value in edits.items():
        node = data
        *parents, last = dotted.split(".")
        for p in parents:
            node = node[int(p)] if isinstance(node, list) else node[p]
        node[last] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


# Keys outside `twin:` that the twin read before it had a config of its own, and a few more.
OTHER_KEYS = {
    "extraction_date": "2019-12-31",
    "age.valid": [0, 30],
    "age.groups.3.max": 24,
    "cleaning.test_person_id_pattern": "^zz",
    "cleaning.test_cprs": ["0202020000"],
    "questionnaires.dont_know_code": "DK",
    "questionnaires.out_of_range_to_missing": {"who5": [9]},
    "production.exclude_unfunded_branches": False,
    "production.subtract": [],
    "analysis.benefit_regression.controls": ["gender"],
    "analysis.benefit_regression.missing_controls": "drop",
    "core_elements.aggregation": "max",
    "core_elements.unrated": 1,
    "reproduction.tolerance.coefficient_se_fraction": 0.25,
    "disclosure.min_count": 3,
    "extracts.registrations.encoding": "utf-8",
    "pseudonymisation.demo_key": "another-demo-key",
}


@pytest.mark.workflow
def test_other_config_keys_leave_the_twins_bytes_unchanged(report_scale, tmp_path):
    """The twin rule rerun by Snakemake after every key above changed (only the twin's outputs
    requested) writes the report-scale run's extracts byte for byte."""
    work = tmp_path / "run"
    work.mkdir()
    for name in ("Snakefile", "config", "workflow", "scripts", ".test", "profiles", "environment.yml"):
        src = report_scale / name
        if src.is_dir():
            shutil.copytree(src, work / name)
        elif src.exists():
            shutil.copy(src, work / name)
    edit_config(work / "config" / "config.yaml", OTHER_KEYS)
    outputs = {k: v["path"] for k, v in read_yaml(work / "config" / "config.yaml")["extracts"].items()}
    done = snakemake(work, *outputs.values())
    assert done.returncode == 0, done.stderr[-3000:]
    for path in outputs.values():
        assert (work / path).read_bytes() == (report_scale / path).read_bytes(), path


# --------------------------------------------------------------------------- the mutation


def benefit_rows(workdir: Path, settings) -> pd.DataFrame:
    """Footnote 3 and Figur 4-1 reproduction rows, recomputed in-process from a finished run's
    interim files with the analysis code as it is at call time."""
    from puljeeval.evaluation import kapitel_4, reproduction

    courses = pd.read_parquet(workdir / "results/interim/clean/courses.parquet")
    benefit = pd.read_parquet(workdir / "results/interim/scores/benefit_slut.parquet")
    shares = pd.read_csv(workdir / "results/interim/tables/benefit_shares.csv")
    regression = kapitel_4.benefit_regression(kapitel_4.benefit_frame(benefit, courses, settings), settings)
    return reproduction.benefit(shares, regression, settings).set_index("quantity")


@pytest.mark.workflow
def test_an_unstandardised_footnote_3_model_fails_the_reproduction_check(report_scale, monkeypatch):
    """The twin plants footnote 3's age coefficient with its own estimator of the report's model
    (standardised benefit). The pipeline's model reproduces it; the same model on the raw 1-4
    benefit (the mutation) gives about 0.6 times the coefficient and fails the check. Before the
    twin had its own estimator it calibrated with the pipeline's regression, so the mutation
    recalibrated the data and passed."""
    from puljeeval.evaluation import kapitel_4

    settings = load_settings(read_yaml(ROOT / "config" / "config.yaml"), ROOT)
    coefficient = "Figur 4-1 note 3: age coefficient"
    rows = benefit_rows(report_scale, settings)
    assert rows["within_tolerance"].all(), rows

    outcome = settings.config["analysis"]["benefit_regression"]["outcome"]
    fit_ols = kapitel_4.stats.fit_ols

    def unstandardised(formula: str, data: pd.DataFrame, model: str):
        assert formula.startswith("z_outcome ~"), formula
        return fit_ols(formula, data.assign(z_outcome=data[outcome]), model)

    monkeypatch.setattr(kapitel_4.stats, "fit_ols", unstandardised)
    mutated = benefit_rows(report_scale, settings)
    assert not mutated.loc[coefficient, "within_tolerance"], mutated.loc[coefficient]
    assert mutated.loc[coefficient, "reproduced"] < rows.loc[coefficient, "reproduced"] * 0.75
