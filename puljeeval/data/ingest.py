"""Ingestion: read each raw extract, check it against the contract, pseudonymise identifiers.

After this step no CPR number or source-system person id exists anywhere downstream: persons
are known by `person_key`, a keyed hash of the person's CPR number or, for a person never
registered with one, of the source system's id (`resolve_persons`; docs/cleaning_rules.md,
*Persons*). What ingestion derives from identifiers before it drops them: who the person is,
the birth date embedded in the person's CPR, and whether the person is a test person.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from puljeeval.data import contract
from puljeeval.data import cpr as cprlib
from puljeeval.data.extracts import ExtractError, Violation, read_extract
from puljeeval.data.problems import ContractProblems
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


def _rows(rows: pd.Series, shown: int = 10) -> str:
    """Row numbers for a message; a placeholder id reused on thousands of rows must not make
    every message list all of them."""
    rows = sorted(int(r) for r in rows)
    more = f" and {len(rows) - shown} more" if len(rows) > shown else ""
    return ", ".join(str(r) for r in rows[:shown]) + more


def resolve_persons(reg: pd.DataFrame, bg: pd.DataFrame | None, settings: Settings) -> pd.DataFrame:
    """Who each course's person is (docs/cleaning_rules.md, *Persons*), from the raw identifiers.

    Returns, per registration row: `cpr` (the person's CPR: the course's own, its background
    measurement's, or the one its source-system id is linked to; <NA> if none), `local` (the
    source-system id `source_system/person_id`, <NA> without person id), `birth_from_cpr`, and
    `test_person`. Conflicting identities are an ExtractError naming the rows (never the values).
    """
    path = settings.config["extracts"]["registrations"]["path"]
    cfg = settings.config["cleaning"]
    bg = bg if bg is not None else pd.DataFrame({"course_id": pd.Series(dtype="string"),
                                                 "row": pd.Series(dtype="int64"),
                                                 "cpr": pd.Series(dtype="string")})
    per_course = reg[["course_id"]].merge(bg[["course_id", "row", "cpr"]].rename(
        columns={"row": "bg_row", "cpr": "bg_cpr"}), on="course_id", how="left")
    per_course.index = reg.index
    problems: list[Violation] = []
    clash = reg["cpr"].notna() & per_course["bg_cpr"].notna() & (reg["cpr"] != per_course["bg_cpr"])
    problems += [Violation(int(r), "cpr", f"differs from the CPR number in the course's background measurement "
                                          f"(background row {int(b)}): two persons on one course", kind="identity")
                 for r, b in zip(reg.loc[clash, "row"], per_course.loc[clash, "bg_row"], strict=True)]
    own = reg["cpr"].fillna(per_course["bg_cpr"].astype("string"))
    local = (reg["source_system"] + "/" + reg["person_id"]).where(reg["person_id"].notna())
    links = pd.DataFrame({"local": local, "cpr": own, "row": reg["row"], "bg_row": per_course["bg_row"]}).dropna(
        subset=["local", "cpr"])
    n_cprs = links.groupby("local")["cpr"].nunique()
    for ident in n_cprs.index[n_cprs > 1]:
        mine = links[links["local"] == ident]
        bg_rows = mine["bg_row"].dropna()
        where = f"registrations rows {_rows(mine['row'])}" + (f"; background rows {_rows(bg_rows)}" if len(bg_rows)
                                                              else "")
        problems += [Violation(int(r), "person_id", f"the same source-system person id is linked to "
                                                    f"{int(n_cprs[ident])} different CPR numbers ({where})",
                                                    kind="identity")
                     for r in mine["row"]]
    cpr_of = links.drop_duplicates("local").set_index("local")["cpr"]
    person_cpr = own.fillna(local.map(cpr_of).astype("string"))
    born = cprlib.birth_date(person_cpr.fillna("0101010000")).where(person_cpr.notna())
    if problems:
        raise ExtractError(path, sorted(problems, key=lambda v: v.row or 0))
    identity = ("cpr:" + person_cpr).fillna("local:" + local)
    test_cprs = set(cprlib.normalise(pd.Series(cfg["test_cprs"], dtype="string")))
    test = (person_cpr.isin(test_cprs).fillna(False)
            | per_course["bg_cpr"].isin(test_cprs).fillna(False)
            | reg["person_id"].str.contains(cfg["test_person_id_pattern"], case=False, regex=True).fillna(False))
    test = identity.isin(set(identity[test.to_numpy()].dropna())) | test
    return pd.DataFrame({"cpr": person_cpr, "local": local, "birth_from_cpr": born,
                         "test_person": test.astype(bool)}, index=reg.index)


def ingest_registrations(settings: Settings, key: bytes) -> pd.DataFrame:
    """Registrations read, checked and pseudonymised on their own (for tests and tools; the
    rule's `check_all` reads each extract once)."""
    reg = read_checked("registrations", settings)
    try:
        bg = read_checked("background", settings, {"registrations": reg["course_id"]})
    except ExtractError:
        bg = None
    return pseudonymised_registrations(reg, bg, settings, key)


def pseudonymised_registrations(reg: pd.DataFrame, bg: pd.DataFrame | None, settings: Settings,
                                key: bytes) -> pd.DataFrame:
    """Registrations with `person_key` (the person's CPR pseudonymised as `cpr:...`, else the
    source-system id as `local:...`), the birth date of the person's CPR and the test-person
    flag. The background's identifiers count too (a CPR there identifies the course's person);
    `bg` is None when the background breaks the contract (its own step reports that), and
    persons are then resolved from the registrations alone."""
    persons = resolve_persons(reg, bg, settings)
    by_cpr = cprlib.pseudonymise(persons["cpr"], key, "cpr")
    by_local = cprlib.pseudonymise(persons["local"], key, "local")
    out = reg.drop(columns=["cpr", "person_id"])
    out.insert(2, "person_key", by_cpr.fillna(by_local))
    out["cpr_birth_date"] = persons["birth_from_cpr"]
    out["test_person"] = persons["test_person"]
    return out


def background_with_birth_dates(bg: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The checked background without its CPR column, the birth date taken from the CPR where
    only that is given; a birth date disagreeing with the CPR on its row is an error."""
    path = settings.config["extracts"]["background"]["path"]
    from_cpr = cprlib.birth_date(bg["cpr"].fillna("0101010000")).where(bg["cpr"].notna())
    clash = from_cpr.notna() & bg["birth_date"].notna() & (from_cpr != bg["birth_date"])
    if clash.any():
        raise ExtractError(path, [Violation(int(r), "birth_date",
                                            "birth date disagrees with the CPR number on the same row",
                                            kind="identity")
                                  for r in bg.loc[clash, "row"]])
    out = bg.drop(columns=["cpr"])
    out["birth_date"] = bg["birth_date"].fillna(from_cpr)
    return out


def check_all(settings: Settings, key: bytes) -> tuple[dict[str, pd.DataFrame], list[ExtractError]]:
    """Every extract read (once), checked and pseudonymised; the problems of each file
    collected instead of stopping at the first file, so one run reports a whole delivery. Keys
    of the other extracts are checked against the registrations only when those could be read."""
    out: dict[str, pd.DataFrame] = {}
    errors: list[ExtractError] = []

    def attempt(step):
        try:
            return step()
        except ExtractError as err:
            errors.append(err)
            return None

    reg = attempt(lambda: read_checked("registrations", settings))
    parents = {"registrations": reg["course_id"]} if reg is not None else None
    bg = attempt(lambda: read_checked("background", settings, parents))
    steps = {
        "registrations": (lambda: pseudonymised_registrations(reg, bg, settings, key)) if reg is not None else None,
        "background": (lambda: background_with_birth_dates(bg, settings)) if bg is not None else None,
        "questionnaires": lambda: read_checked("questionnaires", settings, parents),
        "fidelity": lambda: read_checked("fidelity", settings, parents),
        "intention": lambda: read_checked("intention", settings),
    }
    for name, step in steps.items():
        frame = attempt(step) if step is not None else None
        if frame is not None:
            out[name] = frame
    order = {str(settings.config["extracts"][name]["path"]): i for i, name in enumerate(contract.EXTRACTS)}
    errors.sort(key=lambda err: order.get(str(err.path), len(order)))
    return out, errors


def ingest(settings: Settings, key: bytes) -> dict[str, pd.DataFrame]:
    """All five extracts, checked and pseudonymised, in contract order; ContractProblems (an
    ExtractError) listing every file's problems if any breaks the contract."""
    out, errors = check_all(settings, key)
    if errors:
        raise ContractProblems(errors, len(contract.EXTRACTS))
    return out
