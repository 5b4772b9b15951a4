"""The data contract: one JSON Schema per extract (puljeeval/data/schemas/*.schema.yaml).

Each schema describes one row as a JSON object, so any JSON Schema tool can check a row. The
`x-` keys carry what JSON Schema cannot say about a table: the semantic kind of each column
(date, CPR, number, ...), code lists that live in config (`x-codes-from`), primary and
foreign keys and cross-column rules. `validate` applies all of it column-wise to a whole
extract and raises ExtractError listing every problem with row, column and reason.
"""

from __future__ import annotations

import copy
import csv
import functools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from puljeeval.data import cpr as cprlib
from puljeeval.data.extracts import Dialect, ExtractError, Violation
from puljeeval.settings import Settings, read_yaml

CONTRACT_DIR = Path(__file__).resolve().parent / "schemas"
EXTRACTS = ("registrations", "background", "questionnaires", "fidelity", "intention")
# [0-9], not \\d: Python's \\d matches the digits of every script
DATE_FORMATS = {r"[0-9]{4}-[0-9]{2}-[0-9]{2}": "%Y-%m-%d", r"[0-9]{2}-[0-9]{2}-[0-9]{4}": "%d-%m-%Y",
                r"[0-9]{2}\.[0-9]{2}\.[0-9]{4}": "%d.%m.%Y"}
DATE_EXPECTED = "a date as YYYY-MM-DD, DD-MM-YYYY or DD.MM.YYYY"
# What other systems write for a missing value. Kept as text by the reader, refused here: a
# blank is the contract's only missing value, so nothing is turned into one silently.
MISSING_MARKERS = frozenset({"null", "na", "n/a", "#n/a", "none", "nan", "nat", "<na>", ".", "-", "#null!",
                             "#value!", "#ref!", "#div/0!", "#name?", "#num!"})
# Fewest answers to the reversed items before the already-scored check judges an instrument.
SCORED_EVIDENCE = 50
# Code lists kept in a file beside the schemas (no config): x-codes-from source -> (file, column).
CODE_FILES = {"kommuner": ("kortlaegning/kommuner.csv", "code")}


def raw_schema(name: str) -> dict:
    return copy.deepcopy(_schema_file(name))


@functools.cache
def _schema_file(name: str) -> dict:
    return read_yaml(CONTRACT_DIR / f"{name}.schema.yaml")


@functools.cache
def file_codes(source: str) -> tuple[str, ...]:
    """The codes of a code list kept beside the schemas (CODE_FILES), in file order."""
    name, column = CODE_FILES[source]
    with open(CONTRACT_DIR / name, encoding="utf-8", newline="") as fh:
        return tuple(row[column] for row in csv.DictReader(fh))


def codes_from(source: str, settings: Settings) -> list[str]:
    if source in CODE_FILES:
        return list(file_codes(source))
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
    s = raw_schema(name)  # a copy already
    for prop in s["properties"].values():
        if "x-codes-from" in prop:
            prop["enum"] = codes_from(prop["x-codes-from"], settings)
    return s




def _ascii(pattern: str) -> str:
    return pattern.replace(r"\d", "[0-9]")


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse the accepted date formats; returns (dates, bad mask) for non-blank values."""
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[s]")
    matched = pd.Series(False, index=values.index)
    for pattern, fmt in DATE_FORMATS.items():
        m = values.str.fullmatch(pattern).fillna(False).astype(bool)
        if m.any():
            out[m] = pd.to_datetime(values[m], format=fmt, errors="coerce")
            matched |= m
    bad = (values != "") & out.isna()
    return out, bad


def _bool(mask: pd.Series | np.ndarray) -> np.ndarray:
    if isinstance(mask, pd.Series):
        return mask.fillna(False).to_numpy(dtype=bool)
    return np.asarray(mask, dtype=bool)


class _Collector:
    """Violations of one extract, at most one per cell (the first check that fails wins), with
    values shown only where they cannot identify anyone."""

    def __init__(self, frame: pd.DataFrame, dialect: Dialect, identifiers: set[str], known_ids: set[str]):
        self.rows = frame["row"].to_numpy()
        self.frame = frame
        self.dialect = dialect
        self.identifiers = identifiers
        self.known_ids = known_ids
        self.violations: list[Violation] = []
        self.seen: set[tuple[int, str | None]] = set()

    def add(self, mask: pd.Series | np.ndarray, column: str | None, reason: str | Callable[[int], str],
            kind: str, show_value: bool = True) -> None:
        for pos in np.flatnonzero(_bool(mask)).tolist():
            if (pos, column) in self.seen:
                continue
            self.seen.add((pos, column))
            row = int(self.rows[pos])
            value = masked = None
            if show_value and column in self.frame.columns:
                v = self.frame[column].iat[pos]
                if column in self.identifiers:
                    masked = "identifier column"
                elif v in self.known_ids:
                    masked = "an identifier of this data"
                else:
                    value = v
            self.violations.append(Violation(row, column, reason(pos) if callable(reason) else reason, value,
                                             kind=kind, line=self.dialect.line(row), masked=masked,
                                             contract_column=column in self.frame.columns))

    def whole(self, column: str | None, reason: str, kind: str) -> None:
        self.violations.append(Violation(None, column, reason, kind=kind, contract_column=True))


def _header_problems(cols: list[str], s: dict) -> list[Violation]:
    props, expected = s["properties"], list(s["properties"])
    if cols and not any(c.lower() in {p.lower() for p in props} for c in cols):
        return [Violation(None, None, f"the first line is not this extract's header: none of its {len(cols)} names is "
                                      f"a column of the contract (expected columns {expected}); is the header missing, "
                                      "or is this another extract?", kind="missing_header", line=1)]
    missing = [c for c in s["required"] if c not in cols]
    by_lower = {c.lower(): c for c in props}
    out = []
    for c in [c for c in cols if c not in props]:
        target = by_lower.get(c.lower())
        if target and target not in cols:
            out.append(Violation(None, c, f"the contract's name of this column is '{target}' (column names are "
                                          "case-sensitive)", kind="column_case", line=1))
            missing = [m for m in missing if m != target]
        else:
            out.append(Violation(None, c, f"unexpected column; expected columns {expected}",
                                 kind="unexpected_column", line=1))
    return [Violation(None, c, f"required column is missing; expected columns {expected}", kind="missing_column",
                      contract_column=True) for c in missing] + out


def validate(frame: pd.DataFrame, name: str, path: str, settings: Settings,
             dialect: Dialect, parents: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """Check an extract (as read by read_extract) and return it typed.

    Dates become datetime64, numbers float, booleans Int8, everything else strings ('' for
    blank is turned into <NA>). `parents` maps an extract name to its key values, for
    foreign keys. Raises ExtractError with every violation found, each with its `kind`.
    """
    s = schema(name, settings)
    props: dict = s["properties"]
    expected = list(props)
    cols = [c for c in frame.columns if c != "row"]
    header = _header_problems(cols, s)
    if header:
        raise ExtractError(path, header)
    if len(frame) == 0 and not settings.config["extracts"][name].get("may_be_empty", False):
        raise ExtractError(path, [Violation(
            None, None, f"the file has a header but no data rows; if the {name} extract may be empty, set "
                        f"config 'extracts.{name}.may_be_empty: true'", kind="empty_extract")])
    frame = frame.reset_index(drop=True).copy()
    for c in expected:   # optional columns may be left out of the file
        if c not in frame:
            frame[c] = pd.Series([""] * len(frame), dtype="str", index=frame.index)
    identifiers = {c for c, p in props.items() if p.get("x-identifier")}
    known_ids: set[str] = set()
    for c in identifiers:
        known_ids.update(frame[c].unique().tolist())
    for keys in (parents or {}).values():
        known_ids.update(pd.Series(keys).dropna().astype(str).unique().tolist())
    known_ids.discard("")
    problems = _Collector(frame, dialect, identifiers, known_ids)
    blank = {c: (frame[c] == "").fillna(False).astype(bool) for c in expected}
    typed: dict[str, pd.Series] = {"row": frame["row"]}

    for c in s["required"]:
        problems.add(blank[c], c, "required value is blank", "required", show_value=False)
    for c in expected:
        _cell_checks(frame[c], ~blank[c], c, props[c], problems)

    for c, p in props.items():
        v, filled = frame[c], ~blank[c]
        kind = p.get("x-kind", "text")
        if "pattern" in p and kind != "cpr":
            problems.add(filled & ~v.str.fullmatch(_ascii(p["pattern"])), c,
                         f"does not match the expected pattern {p['pattern']}", "pattern")
        if "enum" in p:
            listed = (f"one of the {len(p['enum'])} codes in {CODE_FILES[p['x-codes-from']][0]}"
                      if p.get("x-codes-from") in CODE_FILES else f"one of {p['enum']}")
            problems.add(filled & ~v.isin(p["enum"]), c, f"unknown code; expected {listed}", "unknown_code")
        if kind == "date":
            typed[c] = _dates(v, filled, c, problems)
        elif kind == "cpr":
            typed[c] = _cprs(v, filled, c, p, problems)
        elif kind == "number":
            typed[c] = _numbers(v, filled, c, p, dialect, settings, problems)
        elif kind == "boolean":
            typed[c] = pd.to_numeric(v.where(filled & v.isin(["0", "1"])), errors="coerce").astype("Int8")
        else:
            typed[c] = v.where(filled).astype("string")

    _keys(s, frame, blank, parents, problems)
    _foreign_key(s, frame, blank, parents, problems)
    for rule in s.get("x-rules", []):
        _apply_rule(rule, frame, blank, settings, problems)

    if problems.violations:
        problems.violations.sort(key=lambda x: (x.row or 0, x.column or ""))
        raise ExtractError(path, problems.violations)
    return pd.DataFrame(typed)


def _cell_checks(v: pd.Series, filled: pd.Series, c: str, p: dict, problems: _Collector) -> None:
    """Checks every column gets: missing-value markers, digits of other scripts, CPR numbers
    outside the cpr column."""
    marker = filled & v.str.lower().isin(MISSING_MARKERS)
    problems.add(marker, c, lambda pos: f"'{v.iat[pos]}' is another system's missing-value marker; leave the cell "
                                        "empty for a missing value", "missing_marker", show_value=False)
    odd = filled & v.str.contains(r"[^\x00-\x7f]", regex=True)
    if odd.any():
        digits = odd.copy()
        digits[odd] = v[odd].map(lambda x: any(ch.isdigit() and not ch.isascii() for ch in x)).astype(bool)
        problems.add(digits, c, "holds digits of another script (fullwidth, Arabic-Indic, ...); only the digits 0-9 "
                                "are accepted", "non_ascii_digit", show_value=False)
    # Identifier columns are never shown and numeric database keys may look like CPR numbers by
    # chance (9-10 digits with a plausible day and month), so they are not refused for it; a
    # file joined on the CPR instead of the course id fails its foreign key instead.
    if p.get("x-kind") != "cpr" and not p.get("x-identifier"):
        hint = {"id": " (was the file joined on the CPR number instead of the course id?)",
                "date": ", not a date"}.get(p.get("x-kind", "text"), "")
        problems.add(filled & cprlib.looks_like_cpr_series(v), c,
                     f"looks like a CPR number{hint}; CPR numbers belong only in a 'cpr' column",
                     "looks_like_cpr", show_value=False)


def _dates(v: pd.Series, filled: pd.Series, c: str, problems: _Collector) -> pd.Series:
    dates, bad = parse_dates(v)
    shaped = pd.Series(False, index=v.index)
    for pattern in DATE_FORMATS:
        shaped |= v.str.fullmatch(pattern).fillna(False).astype(bool)
    problems.add(bad & shaped, c, "impossible date (no such day in the calendar)", "impossible_date")
    serial = v.str.fullmatch(r"[0-9]{5}(\.[0-9]+)?")
    problems.add(bad & serial, c, f"not {DATE_EXPECTED}: a number, as Excel stores dates (an Excel date serial "
                                  "number?); format the column as a date or text before saving", "date_format")
    timed = v.str.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?")
    problems.add(bad & timed, c, f"not {DATE_EXPECTED}: a date with a time of day", "date_format")
    problems.add(bad & ~shaped, c, f"not {DATE_EXPECTED}", "date_format")
    return dates


def _cprs(v: pd.Series, filled: pd.Series, c: str, p: dict, problems: _Collector) -> pd.Series:
    shaped = v.str.fullmatch(_ascii(p["pattern"])).fillna(False).astype(bool)
    nine = v.str.fullmatch(r"[0-9]{9}").fillna(False).astype(bool)
    problems.add(filled & nine, c, "broken CPR: 9 digits, a leading zero lost (was the column formatted as a "
                                   "number in Excel?)", "broken_cpr", show_value=False)
    problems.add(filled & ~shaped, c, "broken CPR: expected 10 digits as DDMMYY-SSSS (hyphen optional)",
                 "broken_cpr", show_value=False)
    born = cprlib.birth_date(v.where(filled & shaped, "0101010000"))
    problems.add(filled & shaped & born.isna(), c,
                 "broken CPR: the first six digits with the century digit give no valid birth date",
                 "broken_cpr", show_value=False)
    return cprlib.normalise(v).where(filled).astype("string")


def _numbers(v: pd.Series, filled: pd.Series, c: str, p: dict, dialect: Dialect, settings: Settings,
             problems: _Collector) -> pd.Series:
    """Numbers in the file's dialect only: a decimal comma in semicolon files, a decimal point
    elsewhere, never a thousands separator or exponent, so that '4.000' is never read as 4."""
    comma = dialect.decimal == ","
    ok = v.str.fullmatch(r"[+-]?[0-9]+(,[0-9]+)?" if comma else r"[+-]?[0-9]+(\.[0-9]+)?").fillna(False)
    if comma:
        wrong = v.str.fullmatch(r"[+-]?[0-9]{1,3}(\.[0-9]{3})+(,[0-9]+)?|[+-]?[0-9]+\.[0-9]+")
        why = ("a point in a number of a semicolon file, where numbers take a decimal comma and no thousands "
               "separator ('4.000' could be 4 or 4000): write e.g. 4 or 2,5")
    else:
        wrong = v.str.fullmatch(r"[+-]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?|[+-]?[0-9]+,[0-9]+")
        why = ("a comma in a number of a comma-separated file or a workbook, where numbers take a decimal point "
               "and no thousands separator: write e.g. 2.5")
    problems.add(filled & ~ok & wrong, c, why, "decimal_separator")
    problems.add(filled & ~ok & v.str.fullmatch(r"[+-]?[0-9]+([.,][0-9]+)?[eE][+-]?[0-9]+"), c,
                 "a number in scientific notation: write it out (e.g. 0.5, not 5E-01)", "not_a_number")
    problems.add(filled & ~ok, c, f"not a number (decimal {'comma' if comma else 'point'} expected)", "not_a_number")
    text = v.where(filled & ok)
    num = pd.to_numeric(text.str.replace(",", ".", regex=False) if comma else text, errors="coerce")
    if p.get("x-integer"):
        problems.add(num.notna() & (num % 1 != 0), c, "not a whole number", "not_a_number")
    rng = _range(p, settings)
    if rng is not None:
        lo, hi = rng
        if hi is None:   # an open upper end (x-range: [0, null])
            problems.add(num.notna() & (num < lo), c, f"out of range; expected {lo} or more", "out_of_range")
        else:
            problems.add(num.notna() & ((num < lo) | (num > hi)), c, f"out of range; expected {lo} to {hi}",
                         "out_of_range")
    return num.astype("float64")


def _keys(s: dict, frame: pd.DataFrame, blank: dict, parents: dict | None, problems: _Collector) -> None:
    """Primary key: a blank optional key part is a value like any other (two default rows of one
    offer and element are a duplicate); a blank required part is already an error. Unique
    columns (x-unique, a list of column lists): rows with a blank part are left out, as in SQL."""
    pk = s.get("x-primary-key")
    keys = ([(pk, True)] if pk else []) + [(cols, False) for cols in s.get("x-unique", [])]
    for key, primary in keys:
        parts = [blank[c] for c in key if c in s["required"]] if primary else [blank[c] for c in key]
        skip = pd.concat(parts or [pd.Series(False, index=frame.index)], axis=1).any(axis=1)
        dup = (frame.loc[~skip, key].duplicated(keep=False).reindex(frame.index, fill_value=False) if skip.any()
               else frame.duplicated(key, keep=False))
        if dup.any():
            _duplicates(dup, key, primary, s, frame, problems)


def _duplicates(dup: pd.Series, key: list[str], primary: bool, s: dict, frame: pd.DataFrame,
                problems: _Collector) -> None:
    positions = np.flatnonzero(_bool(dup)).tolist()
    groups: dict[tuple, list[int]] = {}
    for pos in positions:
        groups.setdefault(tuple(frame[c].iat[pos] for c in key), []).append(pos)
    rows = problems.rows
    blank_parts = [c for c in key if c not in s["required"]] if primary else []

    def reason(pos: int) -> str:
        group = groups[tuple(frame[c].iat[pos] for c in key)]
        other = next(int(rows[q]) for q in group if q != pos)
        more = f" ({len(group)} rows in all)" if len(group) > 2 else ""
        note = "".join(f"; a blank {c} counts as a value" for c in blank_parts
                       if frame[c].iat[pos] == "")
        what = f"duplicate key {key}" if primary else f"duplicate value of {key}, which must be unique"
        return f"{what}: row {other} has the same values{more}{note}"

    problems.add(dup, key[0], reason, "duplicate_key")


def _foreign_key(s: dict, frame: pd.DataFrame, blank: dict, parents: dict | None, problems: _Collector) -> None:
    """Every value of the foreign key exists in the parent extract (when the parent could be read)."""
    fk = s.get("x-foreign-key")
    if fk and parents is not None:
        col = fk["columns"][0]
        known = pd.Series(parents[fk["extract"]]).dropna()
        if len(known) == 0:
            if (~blank[col]).any():
                problems.whole(col, f"the {fk['extract']} extract has no rows, so no {col} here can belong to it: "
                                    f"fix the {fk['extract']} extract first", "orphan_key")
            return
        orphan = ~blank[col] & ~frame[col].isin(known)
        like_cpr = orphan & cprlib.looks_like_cpr_series(frame[col].fillna("").astype(str))
        problems.add(orphan & ~like_cpr, col, f"no such {col} in the {fk['extract']} extract", "orphan_key")
        problems.add(like_cpr, col, f"no such {col} in the {fk['extract']} extract; the value looks like a CPR "
                                    f"number (was the file joined on the CPR number instead of the {col}?)",
                     "orphan_key")


def _range(prop: dict, settings: Settings) -> list[float] | None:
    if "x-range" in prop:
        return prop["x-range"]
    src = prop.get("x-range-from")
    if src == "core_elements.rating_range":
        return settings.core_elements["rating_range"]
    return None


def _apply_rule(rule: dict, frame: pd.DataFrame, blank: dict, settings: Settings,
                problems: _Collector) -> None:
    name, cols = rule["rule"], rule["columns"]
    if name == "one_of_required":
        problems.add(pd.concat([blank[c] for c in cols], axis=1).all(axis=1), cols[0],
                     f"{' or '.join(cols)} is required: {rule['description']}", "rule", show_value=False)
    elif name == "together":
        a, b = cols
        problems.add(blank[a] != blank[b], b if blank[b].any() else a,
                     f"{a} and {b} must both be filled in or both blank: {rule['description']}", "rule")
    elif name == "all_or_none":
        n_blank = pd.concat([blank[c] for c in cols], axis=1).sum(axis=1)
        problems.add((n_blank > 0) & (n_blank < len(cols)), cols[0],
                     f"partly answered: {rule['description']}", "rule", show_value=False)
    elif name == "none_excludes":
        none_col, others = cols[0], cols[1:]
        any_other = pd.concat([frame[c] == "1" for c in others], axis=1).any(axis=1)
        problems.add((frame[none_col] == "1") & any_other, none_col, rule["description"], "rule")
    elif name == "branch_of_offer":
        offer, branch = cols
        allowed = {o: {b["name"] for b in settings.branches(o)} for o in settings.offer_codes}
        ok = pd.Series([
            (b == "") if not allowed.get(o) else (b in allowed[o])
            for o, b in zip(frame[offer], frame[branch], strict=True)], index=frame.index)
        problems.add(~ok & frame[offer].isin(settings.offer_codes), branch, rule["description"], "rule")
    elif name == "item_of_instrument":
        instr, item = cols
        pairs = {(k, i) for k, ins in settings.instruments["instruments"].items() for i in ins["items"]}
        known_instr = frame[instr].isin(list(settings.instruments["instruments"]))
        idx = pd.MultiIndex.from_arrays([frame[instr], frame[item]])
        ok = np.asarray(idx.isin(list(pairs)))
        problems.add(known_instr & ~ok, item, rule["description"], "rule")
    elif name == "response_code":
        (col,) = cols
        v = frame[col]
        ok = (v == "") | v.str.fullmatch(r"-?[0-9]+").fillna(False) | (
            v == settings.config["questionnaires"]["dont_know_code"])
        problems.add(~ok, col, f"not an integer, the 'ved ikke' code "
                               f"'{settings.config['questionnaires']['dont_know_code']}' or blank", "rule")
    elif name == "not_already_scored":
        _already_scored(cols, frame, settings, problems)
    elif name in ("at_least_one", "at_most", "only_if"):
        _choice_rule(rule, frame, blank, problems)
    else:
        raise KeyError(f"unknown contract rule '{name}'")


def when_text(rule: dict) -> str:
    """A rule's `when` condition in words ('' without one)."""
    cond = rule.get("when")
    return f"{cond['column']} is {' or '.join(str(v) for v in cond['in'])}" if cond else ""


def _choice_rule(rule: dict, frame: pd.DataFrame, blank: dict, problems: _Collector) -> None:
    """Rules of survey answers, on the rows where `when` ({column, in: [values]}) holds:
    at_least_one: an answered group of columns has a positive value (a ticked option, a staff
    count above 0); at_most: at most `max` of the 0/1 columns are 1 (the 'top three' questions);
    only_if: the columns are blank on the other rows (not asked there) and, with `required`,
    filled on these."""
    name, cols, why = rule["rule"], rule["columns"], rule["description"]
    cond = rule.get("when")
    on = (frame[cond["column"]].isin([str(v) for v in cond["in"]]) if cond
          else pd.Series(True, index=frame.index)).to_numpy(dtype=bool)
    if name == "at_least_one":
        answered = pd.concat([~blank[c] for c in cols], axis=1).any(axis=1).to_numpy(dtype=bool)
        positive = pd.concat([pd.to_numeric(frame[c].str.replace(",", ".", regex=False), errors="coerce") > 0
                              for c in cols], axis=1).any(axis=1)
        problems.add(on & answered & ~positive.to_numpy(dtype=bool), cols[0],
                     f"answered, but none of {cols} is above 0: {why}", "rule", show_value=False)
    elif name == "at_most":
        ticks = pd.concat([(frame[c] == "1") for c in cols], axis=1).astype(int).cumsum(axis=1)
        over = ticks.gt(rule["max"]).to_numpy() & on[:, None]
        first = np.where(over.any(axis=1), over.argmax(axis=1), -1)
        for j, c in enumerate(cols):   # name the column of the first tick beyond the limit
            problems.add(first == j, c, f"a tick beyond the first {rule['max']}: at most {rule['max']} options may "
                                        f"be ticked: {why}", "rule", show_value=False)
    else:
        where = when_text(rule)
        for c in cols:
            problems.add(~on & ~blank[c].to_numpy(dtype=bool), c,
                         f"filled in, but asked only when {where}: {why}", "rule")
            if rule.get("required"):
                problems.add(on & blank[c].to_numpy(dtype=bool), c, f"blank, but required when {where}: {why}",
                             "rule", show_value=False)


def _already_scored(cols: list[str], frame: pd.DataFrame, settings: Settings, problems: _Collector) -> None:
    """A delivery of scores instead of answers reverses the reversed items a second time at
    scoring, silently. Where an instrument's reversed items never take the top code in many
    answers while its other items do, the file looks already scored: refused."""
    instr, item, response = cols
    v = frame[response]
    num = pd.to_numeric(v.where(v.str.fullmatch(r"-?[0-9]+").fillna(False)), errors="coerce")
    for code, ins in settings.instruments["instruments"].items():
        rev = list(ins.get("reversed") or [])
        if not rev:
            continue
        lo, hi = ins["range"]
        answered = (frame[instr] == code) & num.between(lo, hi)
        is_rev = frame[item].isin(rev)
        r, o = num[answered & is_rev], num[answered & ~is_rev]
        if len(r) >= SCORED_EVIDENCE and (o == hi).any() and not (r == hi).any():
            problems.whole(response, f"the {code} responses look already scored (reversed): its reversed items "
                                     f"({', '.join(rev)}) never take the top code {hi} in {len(r)} answers while its "
                                     "other items do. The contract takes the answered category as printed on the "
                                     "form; the pipeline reverses these items itself", "already_scored")
