"""The data contract: one JSON Schema per extract (puljeeval/data/schemas/*.schema.yaml).

Each schema describes one row as a JSON object, so any JSON Schema tool can check a row. The
`x-` keys carry what JSON Schema cannot say about a table: the semantic kind of each column
(date, CPR, number, ...), code lists that live in config (`x-codes-from`), primary and
foreign keys and cross-column rules. `validate` applies all of it column-wise to a whole
extract and raises ExtractError listing every problem with row, column and reason.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from puljeeval.data import cpr as cprlib
from puljeeval.data.extracts import Dialect, ExtractError, Violation
from puljeeval.settings import Settings

CONTRACT_DIR = Path(__file__).resolve().parent / "schemas"
EXTRACTS = ("registrations", "background", "questionnaires", "fidelity", "intention")
DATE_FORMATS = {r"^\d{4}-\d{2}-\d{2}$": "%Y-%m-%d", r"^\d{2}-\d{2}-\d{4}$": "%d-%m-%Y",
                r"^\d{2}\.\d{2}\.\d{4}$": "%d.%m.%Y"}
DATE_EXPECTED = "a date as YYYY-MM-DD, DD-MM-YYYY or DD.MM.YYYY"


def raw_schema(name: str) -> dict:
    with open(CONTRACT_DIR / f"{name}.schema.yaml", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def codes_from(source: str, settings: Settings) -> list[str]:
    if source == "offers":
        return settings.offer_codes
    if source == "core_elements":
        return settings.element_codes
    if source == "instruments":
        return list(settings.instruments["instruments"])
    if source == "items":
        return [i for ins in settings.instruments["instruments"].values() for i in ins["items"]]
    raise KeyError(f"unknown x-codes-from source '{source}'")


def schema(name: str, settings: Settings) -> dict:
    """The extract's schema with config-driven code lists filled in as `enum`."""
    s = copy.deepcopy(raw_schema(name))
    for prop in s["properties"].values():
        if "x-codes-from" in prop:
            prop["enum"] = codes_from(prop["x-codes-from"], settings)
    return s


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse the accepted date formats; returns (dates, bad mask) for non-blank values."""
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[s]")
    matched = pd.Series(False, index=values.index)
    for pattern, fmt in DATE_FORMATS.items():
        m = values.str.fullmatch(pattern)
        if m.any():
            out[m] = pd.to_datetime(values[m], format=fmt, errors="coerce")
            matched |= m
    bad = (values != "") & out.isna()
    return out, bad


class _Collector:
    def __init__(self, frame: pd.DataFrame):
        self.rows = frame["row"]
        self.frame = frame
        self.violations: list[Violation] = []

    def add(self, mask: pd.Series, column: str | None, reason: str, show_value: bool = True) -> None:
        for idx in mask[mask].index:
            value = self.frame.at[idx, column] if (show_value and column in self.frame) else None
            self.violations.append(Violation(int(self.rows[idx]), column, reason, value))


def validate(frame: pd.DataFrame, name: str, path: str, settings: Settings,
             dialect: Dialect, parents: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """Check an extract (as read by read_extract) and return it typed.

    Dates become datetime64, numbers float, booleans Int8, everything else strings ('' for
    blank is turned into <NA>). `parents` maps an extract name to its key values, for
    foreign keys. Raises ExtractError with every violation found.
    """
    s = schema(name, settings)
    props: dict = s["properties"]
    expected = list(props)
    cols = [c for c in frame.columns if c != "row"]
    problems = _Collector(frame)
    missing = [c for c in s["required"] if c not in cols]
    unknown = [c for c in cols if c not in props]
    for c in missing:
        problems.violations.append(Violation(None, c, f"required column is missing; expected columns {expected}"))
    for c in unknown:
        problems.violations.append(Violation(None, c, f"unexpected column; expected columns {expected}"))
    if problems.violations:
        raise ExtractError(path, problems.violations)
    frame = frame.copy()
    for c in expected:   # optional columns may be left out of the file
        if c not in frame:
            frame[c] = ""
    blank = {c: frame[c] == "" for c in expected}
    typed: dict[str, pd.Series] = {"row": frame["row"]}

    for c in s["required"]:
        problems.add(blank[c], c, "required value is blank", show_value=False)

    for c, p in props.items():
        v, filled = frame[c], ~blank[c]
        kind = p.get("x-kind", "text")
        if "pattern" in p and kind != "cpr":
            problems.add(filled & ~v.str.fullmatch(p["pattern"]), c,
                         f"does not match the expected pattern {p['pattern']}")
        if "enum" in p:
            problems.add(filled & ~v.isin(p["enum"]), c, f"unknown code; expected one of {p['enum']}")
        if kind == "date":
            dates, bad = parse_dates(v)
            shaped = pd.Series(False, index=v.index)
            for pattern in DATE_FORMATS:
                shaped |= v.str.fullmatch(pattern)
            problems.add(bad & shaped, c, "impossible date (no such day in the calendar)")
            problems.add(bad & ~shaped, c, f"not {DATE_EXPECTED}")
            typed[c] = dates
        elif kind == "cpr":
            shaped = v.str.fullmatch(p["pattern"])
            problems.add(filled & ~shaped, c, "broken CPR: expected 10 digits as DDMMYY-SSSS (hyphen optional)",
                         show_value=False)
            born = cprlib.birth_date(v.where(filled & shaped, "0101010000"))
            problems.add(filled & shaped & born.isna(), c,
                         "broken CPR: the first six digits with the century digit give no valid birth date",
                         show_value=False)
            typed[c] = cprlib.normalise(v).where(filled).astype("string")
        elif kind == "number":
            text = v.str.replace(",", ".", regex=False) if dialect.decimal == "," else v
            num = pd.to_numeric(text.where(filled), errors="coerce")
            problems.add(filled & num.isna(), c,
                         f"not a number (decimal {'comma' if dialect.decimal == ',' else 'point'} expected)")
            rng = _range(p, settings)
            if rng is not None:
                problems.add(num.notna() & ((num < rng[0]) | (num > rng[1])), c,
                             f"out of range; expected {rng[0]} to {rng[1]}")
            typed[c] = num.astype("float64")
        elif kind == "boolean":
            typed[c] = pd.to_numeric(v.where(filled & v.isin(["0", "1"])), errors="coerce").astype("Int8")
        else:
            typed[c] = v.where(filled).astype("string")

    pk = s.get("x-primary-key")
    if pk:
        dup = frame.duplicated(pk, keep=False) & ~pd.concat([blank[c] for c in pk], axis=1).any(axis=1)
        problems.add(dup, pk[0], f"duplicate key {pk}: another row has the same values")
    fk = s.get("x-foreign-key")
    if fk and parents is not None:
        col = fk["columns"][0]
        known = parents[fk["extract"]]
        problems.add(~blank[col] & ~frame[col].isin(known), col,
                     f"no such {col} in the {fk['extract']} extract")
    for rule in s.get("x-rules", []):
        _apply_rule(rule, frame, blank, settings, problems)

    if problems.violations:
        problems.violations.sort(key=lambda x: (x.row or 0, x.column or ""))
        raise ExtractError(path, problems.violations)
    return pd.DataFrame(typed)


def _range(prop: dict, settings: Settings) -> list[float] | None:
    src = prop.get("x-range-from")
    if src == "core_elements.rating_range":
        return settings.core_elements["rating_range"]
    return None


def _apply_rule(rule: dict, frame: pd.DataFrame, blank: dict, settings: Settings,
                problems: _Collector) -> None:
    name, cols = rule["rule"], rule["columns"]
    if name == "one_of_required":
        problems.add(pd.concat([blank[c] for c in cols], axis=1).all(axis=1), cols[0],
                     f"{' or '.join(cols)} is required: {rule['description']}", show_value=False)
    elif name == "together":
        a, b = cols
        problems.add(blank[a] != blank[b], b if blank[b].any() else a,
                     f"{a} and {b} must both be filled in or both blank: {rule['description']}")
    elif name == "all_or_none":
        n_blank = pd.concat([blank[c] for c in cols], axis=1).sum(axis=1)
        problems.add((n_blank > 0) & (n_blank < len(cols)), cols[0],
                     f"partly answered: {rule['description']}", show_value=False)
    elif name == "none_excludes":
        none_col, others = cols[0], cols[1:]
        any_other = pd.concat([frame[c] == "1" for c in others], axis=1).any(axis=1)
        problems.add((frame[none_col] == "1") & any_other, none_col, rule["description"])
    elif name == "branch_of_offer":
        offer, branch = cols
        allowed = {o: {b["name"] for b in settings.branches(o)} for o in settings.offer_codes}
        ok = pd.Series([
            (b == "") if not allowed.get(o) else (b in allowed[o])
            for o, b in zip(frame[offer], frame[branch], strict=True)], index=frame.index)
        problems.add(~ok & frame[offer].isin(settings.offer_codes), branch, rule["description"])
    elif name == "item_of_instrument":
        instr, item = cols
        pairs = {(k, i) for k, ins in settings.instruments["instruments"].items() for i in ins["items"]}
        known_instr = frame[instr].isin(list(settings.instruments["instruments"]))
        idx = pd.MultiIndex.from_arrays([frame[instr], frame[item]])
        ok = np.asarray(idx.isin(list(pairs)))
        problems.add(known_instr & ~ok, item, rule["description"])
    elif name == "response_code":
        (col,) = cols
        v = frame[col]
        ok = (v == "") | v.str.fullmatch(r"-?\d+") | (v == settings.config["questionnaires"]["dont_know_code"])
        problems.add(~ok, col, f"not an integer, the 'ved ikke' code "
                               f"'{settings.config['questionnaires']['dont_know_code']}' or blank")
    else:
        raise KeyError(f"unknown contract rule '{name}'")
