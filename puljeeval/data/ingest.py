"""Ingestion: read each raw extract, check it against the contract, pseudonymise identifiers.

After this step no CPR number or source-system person id exists anywhere downstream: persons
are known by `person_key`, a keyed hash. What ingestion derives from identifiers before it
drops them: the birth date embedded in the CPR, and whether the person is a test person.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from puljeeval.data import contract
from puljeeval.data import cpr as cprlib
from puljeeval.data.extracts import ExtractError, Violation, read_extract
from puljeeval.settings import ConfigError, Settings


def pseudonym_key(settings: Settings, environ: dict | None = None) -> bytes:
    """The key for the keyed hash: the documented demo key for the twin, else the real key."""
    cfg = settings.config["pseudonymisation"]
    if settings.config["data_source"] == "twin":
        return cfg["demo_key"].encode()
    environ = os.environ if environ is None else environ
    key = environ.get(cfg["key_env"], "")
    if not key and cfg["key_file"]:
        path = Path(cfg["key_file"])
        if not path.exists():
            raise ConfigError(f"config key 'pseudonymisation.key_file': {path} does not exist")
        key = path.read_text(encoding="utf-8").strip()
    if not key:
        raise ConfigError(
            "real extracts need a pseudonymisation key: set the environment variable "
            f"{cfg['key_env']} or config key 'pseudonymisation.key_file' (a file outside the repository)")
    if key == cfg["demo_key"]:
        raise ConfigError("config key 'pseudonymisation': the public demo key must not be used for real extracts")
    if len(key) < 16:
        raise ConfigError(f"pseudonymisation key from {cfg['key_env']}/key_file is shorter than 16 characters")
    return key.encode()


def read_checked(name: str, settings: Settings, parents: dict | None = None) -> pd.DataFrame:
    spec = settings.config["extracts"][name]
    frame, dialect = read_extract(spec["path"], spec.get("encoding", "utf-8"))
    return contract.validate(frame, name, spec["path"], settings, dialect, parents)


def ingest_registrations(settings: Settings, key: bytes) -> pd.DataFrame:
    reg = read_checked("registrations", settings)
    cfg = settings.config["cleaning"]
    test_cprs = set(cfg["test_cprs"])
    test = reg["cpr"].isin(test_cprs).fillna(False) | reg["person_id"].str.contains(
        cfg["test_person_id_pattern"], case=False, regex=True).fillna(False)
    by_cpr = cprlib.pseudonymise(reg["cpr"], key, "cpr")
    local = (reg["source_system"] + "/" + reg["person_id"]).where(reg["person_id"].notna())
    by_local = cprlib.pseudonymise(local, key, "local")
    out = reg.drop(columns=["cpr", "person_id"])
    out.insert(2, "person_key", by_cpr.fillna(by_local))
    out["cpr_birth_date"] = cprlib.birth_date(reg["cpr"].fillna("0101010000")).where(reg["cpr"].notna())
    out["test_person"] = test.astype(bool)
    return out


def ingest_background(settings: Settings, course_ids: pd.Series) -> pd.DataFrame:
    bg = read_checked("background", settings, {"registrations": course_ids})
    path = settings.config["extracts"]["background"]["path"]
    from_cpr = cprlib.birth_date(bg["cpr"].fillna("0101010000")).where(bg["cpr"].notna())
    clash = from_cpr.notna() & bg["birth_date"].notna() & (from_cpr != bg["birth_date"])
    if clash.any():
        raise ExtractError(path, [Violation(int(r), "birth_date",
                                            "birth date disagrees with the CPR number on the same row")
                                  for r in bg.loc[clash, "row"]])
    out = bg.drop(columns=["cpr"])
    out["birth_date"] = bg["birth_date"].fillna(from_cpr)
    return out


def ingest(settings: Settings, key: bytes) -> dict[str, pd.DataFrame]:
    """All five extracts, checked and pseudonymised, in contract order."""
    reg = ingest_registrations(settings, key)
    parents = {"registrations": reg["course_id"]}
    return {
        "registrations": reg,
        "background": ingest_background(settings, reg["course_id"]),
        "questionnaires": read_checked("questionnaires", settings, parents),
        "fidelity": read_checked("fidelity", settings, parents),
        "intention": read_checked("intention", settings),
    }
