"""No message of ingestion shows an identifier: CPR numbers planted in columns of every kind
and in every extract stop ingestion, and neither the exception nor anything printed holds the
planted numbers (with or without dash) or any course id, person id or CPR number of the fixture."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from puljeeval.data import ingest
from puljeeval.data.extracts import Violation
from tests.conftest import TINY, tiny_settings

# plausible CPR numbers (valid day and month), none of them in the fixture
PLANTS = {
    # (file, encoding, text in the fixture, replacement with {cpr})
    "background_birth_date": ("baggrund.csv", "utf-8-sig", "pige;02-02-2003;", "pige;{cpr};"),
    "background_gender_code": ("baggrund.csv", "utf-8-sig", "F008;01-05-2016;pige", "F008;01-05-2016;{cpr}"),
    "questionnaire_response": ("spoergeskemaer.csv", "utf-8", "who5_4,4", "who5_4,{cpr}"),
    "fidelity_course_id": ("fidelitet.csv", "utf-8-sig", "F003;2017-06-01", "{cpr};2017-06-01"),
    "intention_element": ("kerneelementer.csv", "utf-8", "TUBA,egen_situation", "TUBA,{cpr}"),
    "intention_chosen": ("kerneelementer.csv", "utf-8", "BRUS,leg_oevelser,0", "BRUS,leg_oevelser,{cpr}"),
    "registrations_branch_text": ("registreringer.csv", "cp1252", ";TUBA;Aarhus;", ";TUBA;{cpr};"),
    "registrations_header": ("registreringer.csv", "cp1252", "intervention_type\r\n", "{cpr}\r\n"),
}
PLANTED = ["241287-3919", "1503961234", "030201-4455", "2908059876", "111111-1118", "0707077777",
           "120412-9931", "3112990001", "010203-0405"]


def fixture_identifiers() -> list[str]:
    reg = (TINY / "registreringer.csv").read_bytes().decode("cp1252")
    cprs = re.findall(r"[0-9]{6}-?[0-9]{4}", reg)
    courses = re.findall(r"^(F[0-9]{3});", reg, flags=re.MULTILINE)
    persons = ["T000001", "T000002", "TEST-1"]
    return cprs + [c.replace("-", "") for c in cprs] + [c[:6] + "-" + c[6:] for c in cprs if "-" not in c] \
        + courses + persons


def forms(cpr: str) -> list[str]:
    digits = cpr.replace("-", "")
    return [digits, digits[:6] + "-" + digits[6:], digits[:6], digits[1:] if digits.startswith("0") else digits]


def plant(directory: Path, case: str, cpr: str) -> None:
    fname, encoding, old, new = PLANTS[case]
    path = directory / fname
    text = path.read_bytes().decode(encoding)
    assert old in text, (case, old)
    path.write_bytes(text.replace(old, new.format(cpr=cpr), 1).encode(encoding))


@pytest.mark.parametrize("case", PLANTS)
def test_planted_cpr_numbers_are_never_shown(case, tiny_dir, capsys):
    cpr = PLANTED[list(PLANTS).index(case)]
    plant(tiny_dir, case, cpr)
    settings = tiny_settings(tiny_dir)
    with pytest.raises(ValueError) as info:
        ingest.ingest(settings, ingest.pseudonym_key(settings))
    printed = capsys.readouterr()
    shown = "\n".join([str(info.value), printed.out, printed.err])
    leaked = [s for s in forms(cpr) + fixture_identifiers() if s in shown]
    assert not leaked, (leaked, shown)
    assert "masked" in shown or "looks like a CPR number" in shown, shown


def test_a_cpr_shaped_person_id_is_accepted_and_pseudonymised(tiny_dir):
    """Identifier columns are not refused for looking like a CPR number (numeric database keys
    do by chance); their values are hashed at ingestion, so none survives."""
    cpr = "1503961234"
    path = tiny_dir / "registreringer.csv"
    text = path.read_bytes().decode("cp1252")
    assert ";T000001;" in text
    path.write_bytes(text.replace(";T000001;", f";{cpr};", 1).encode("cp1252"))
    settings = tiny_settings(tiny_dir)
    out = ingest.ingest(settings, ingest.pseudonym_key(settings))
    assert "person_id" not in out["registrations"].columns
    assert not any(out[name].astype(str).apply(lambda col: col.str.contains(cpr)).any().any() for name in out)


def test_a_violation_never_keeps_a_cpr_like_value():
    """Whoever builds a Violation (cleaning, ingestion) cannot print a CPR number through it."""
    for value in ["010110-4321", "0101104321", "101104321", "1.01104E+09", "x 010110 4321 y", "０１０１１０４３２１"]:
        v = Violation(3, "response", "out of range", value)
        assert v.value is None and "CPR" in v.describe("f.csv") and "4321" not in v.describe("f.csv")
    assert Violation(3, "response", "out of range", "9").value == "9"
    assert Violation(3, "start_date", "bad", "2017-03-01").value == "2017-03-01"
