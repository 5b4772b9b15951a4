"""No identifier leaves results/interim/: a workflow run over extracts with CPR numbers planted
where they do not belong (five columns in four extracts, as real exports go wrong: a CPR typed
into a date, a fidelity export joined on the CPR, a CPR as a response, in a code column, as a
workbook cell) prints none of them, nor any course or person id, on the terminal, in the logs,
in the problem summary or anywhere else outside results/interim/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import TINY_CONFIG, TINY_KEY, copy_workflow, snakemake

PLANTED = ["2207914562", "3112855678", "0503027781", "1810994433", "2402871239"]
FIXTURE = Path(__file__).parent / "fixtures" / "tiny"


def plant(directory: Path) -> None:
    def edit(name: str, encoding: str, old: str, new: str) -> None:
        path = directory / name
        text = path.read_bytes().decode(encoding)
        assert old in text, (name, old)
        path.write_bytes(text.replace(old, new, 1).encode(encoding))

    edit("baggrund.csv", "utf-8-sig", ";02-02-2003;", f";{PLANTED[0][:6]}-{PLANTED[0][6:]};")       # birth_date
    edit("fidelitet.csv", "utf-8-sig", "F003;2017-06-01", f"{PLANTED[1]};2017-06-01")               # course_id
    edit("spoergeskemaer.csv", "utf-8", "F001,who5,start,2017-03-01,who5_1,3",
         f"F001,who5,start,2017-03-01,who5_1,{PLANTED[2]}")                                          # response
    edit("registreringer.csv", "cp1252", "uplanlagt;begge", f"{PLANTED[3]};begge")                  # end_status
    edit("kerneelementer.csv", "utf-8", "TUBA,egen_situation,1", f"TUBA,{PLANTED[4]},1")             # element


def identifiers() -> list[str]:
    """The fixture's own course and person ids and CPR numbers (with and without dash)."""
    text = "\n".join(p.read_bytes().decode("cp1252", errors="replace") for p in FIXTURE.glob("*.csv"))
    ids = set(re.findall(r"\bF\d{3}\b", text)) | set(re.findall(r"\bT\d{6}\b", text))
    cprs = set(re.findall(r"\b\d{6}-?\d{4}\b", text))
    return sorted(ids | cprs | {c.replace("-", "") for c in cprs})


def variants(cpr: str) -> list[str]:
    return [cpr, f"{cpr[:6]}-{cpr[6:]}"]


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory):
    work = copy_workflow(tmp_path_factory.mktemp("planted"), fixtures=True)
    plant(work / "tests" / "fixtures" / "tiny")
    done = snakemake(work, "ledger_summary", configfile=TINY_CONFIG, env={"PULJEEVAL_PSEUDONYM_KEY": TINY_KEY})
    return work, done


@pytest.mark.workflow      # a Snakemake run (6 s): full tier
def test_the_run_stops_with_the_problem_report(broken_run):
    work, done = broken_run
    assert done.returncode != 0
    out = done.stdout + done.stderr
    assert "The extracts break the data contract" in out
    assert "Traceback" not in out                       # the traceback is in the log only
    assert (work / "results/interim/problems/ingest.csv").exists()
    assert "Traceback" in (work / "results/logs/ingest.log").read_text(encoding="utf-8")


@pytest.mark.workflow
def test_no_planted_cpr_or_id_outside_interim(broken_run):
    work, done = broken_run
    needles = [v for cpr in PLANTED for v in variants(cpr)] + identifiers()
    assert len(needles) > 20
    places = {"terminal": done.stdout + done.stderr}
    for path in list((work / "results").rglob("*")) + list((work / ".snakemake" / "log").glob("*")):
        if path.is_file() and "interim" not in path.relative_to(work).parts:
            places[str(path.relative_to(work))] = path.read_text(encoding="utf-8", errors="replace")
    assert any(p.startswith("results/logs") for p in places)
    found = {(where, n) for where, text in places.items() for n in needles if n in text}
    assert not found, sorted(found)
