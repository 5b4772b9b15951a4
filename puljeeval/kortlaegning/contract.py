"""The 2016 mapping's data contract: its survey extracts and the report's own offer tables, read
and checked by the evaluation's contract machinery (puljeeval/data/contract.py, extracts.py)
against the schemas in puljeeval/data/schemas/kortlaegning/, plus the checks across extracts
that no single schema can state. The contract reads no config: its code lists are in the
schemas and in kortlaegning/kommuner.csv.

    python -m puljeeval.kortlaegning.contract            # rewrite docs/kortlaegning_data_contract.md
    python -m puljeeval.kortlaegning.contract DIR        # check the survey extracts in DIR
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from puljeeval.data import contract
from puljeeval.data.extracts import ExtractError, Violation, read_extract
from puljeeval.data.problems import ContractProblems
from puljeeval.settings import ROOT, Settings

FAMILY = "kortlaegning"
SCHEMA_DIR = contract.CONTRACT_DIR / FAMILY
MUNICIPALITIES = SCHEMA_DIR / "kommuner.csv"
# The survey extracts, parents before children (a foreign key is checked against its parent).
EXTRACTS = ("breddesurvey", "nettoliste", "tilbud", "tilbud_aktoerer", "indsatser", "filialer", "daekning")
# The report's own offer-level tables, transcribed into data/kortlaegning/.
OFFER_TABLES = ("tabel_9_3", "tabel_9_4")
OFFER_TABLE_DIR = ROOT / "data" / "kortlaegning"
PAGE = ROOT / "docs" / "kortlaegning_data_contract.md"
# The key each parent extract lends to its children's foreign keys.
PARENT_KEYS = {"nettoliste": "candidate_id", "tilbud": "offer_id"}
ACTOR_QUESTIONS_PER_OFFER = 6
# No config: a schema that named a config code list would fail here (UndeclaredConfig), by design.
# may_be_empty lets the shared validator check an empty file's header; emptiness is refused below.
SETTINGS = Settings(config={"extracts": {f"{FAMILY}/{n}": {"may_be_empty": True} for n in EXTRACTS + OFFER_TABLES}})


class MappingContractProblems(ContractProblems):
    """Some of the mapping's files break the contract; one ExtractError per file."""

    def __str__(self) -> str:
        return super().__str__().replace("docs/data_contract.md", "docs/kortlaegning_data_contract.md")


def schema(name: str) -> dict:
    """The schema of one of the mapping's extracts or offer tables, code lists filled in."""
    return contract.schema(f"{FAMILY}/{name}", SETTINGS)


def municipalities() -> pd.DataFrame:
    """The 98 municipalities (code, name) the contract accepts."""
    return pd.read_csv(MUNICIPALITIES, dtype=str, keep_default_na=False)


def extract_path(directory: Path, name: str) -> Path:
    """`<name>.csv`, or `<name>.xlsx` when only that exists (a missing file is reported as the .csv)."""
    csv_path, xlsx_path = directory / f"{name}.csv", directory / f"{name}.xlsx"
    return xlsx_path if xlsx_path.is_file() and not csv_path.is_file() else csv_path


def read_checked(path: Path, name: str, parents: dict[str, pd.Series] | None = None) -> tuple[pd.DataFrame, Callable]:
    """One file read and checked against its schema: the typed frame (with `row`) and the
    function giving a data row's physical line. Raises ExtractError naming file, row, column."""
    frame, dialect = read_extract(path)
    typed = contract.validate(frame, f"{FAMILY}/{name}", str(path), SETTINGS, dialect, parents)
    if len(typed) == 0:
        raise ExtractError(str(path), [Violation(None, None, f"the file has a header but no data rows; the mapping's "
                                                             f"{name} extract always has rows", kind="empty_extract")])
    return typed, dialect.line


def _validate(directory: Path, names: tuple[str, ...]) -> tuple[dict, dict, dict, list[ExtractError]]:
    frames: dict[str, pd.DataFrame] = {}
    lines: dict[str, Callable] = {}
    paths = {name: extract_path(Path(directory), name) for name in names}
    errors: list[ExtractError] = []
    keys: dict[str, pd.Series] = {}
    for name in names:
        fk = contract.raw_schema(f"{FAMILY}/{name}").get("x-foreign-key")
        parent = fk["extract"] if fk else None
        parents = {parent: keys[parent]} if parent in keys else None
        try:
            frames[name], lines[name] = read_checked(paths[name], name, parents)
            if name in PARENT_KEYS:
                keys[name] = frames[name][PARENT_KEYS[name]]
        except ExtractError as err:
            errors.append(err)
            if name in PARENT_KEYS:
                keys.update(_raw_keys(paths[name], name))
    return frames, lines, paths, errors


def _raw_keys(path: Path, name: str) -> dict[str, pd.Series]:
    """A parent that breaks the contract still lends the keys it holds, so that its children's
    orphans are found in the same run; nothing when the file cannot be read at all."""
    try:
        frame, _ = read_extract(path)
    except ExtractError:
        return {}
    key = PARENT_KEYS[name]
    return {name: frame.loc[frame[key] != "", key]} if key in frame.columns else {}


def validate_mapping_extracts(directory: str | Path) -> dict[str, pd.DataFrame]:
    """Every survey extract of the mapping in `directory` (`<name>.csv` or `.xlsx`, UTF-8) read
    and checked against its schema and the other extracts; the typed frames by extract name.
    Every file is checked before anything is raised: MappingContractProblems lists all problems,
    each with file, row (and line), column and what was expected."""
    frames, lines, paths, errors = _validate(Path(directory), EXTRACTS)
    found: dict[str, list[Violation]] = {}
    for check in CROSS_CHECKS:
        if all(name in frames for name in check.needs):
            for name, violations in check.run(frames, lines).items():
                found.setdefault(name, []).extend(violations)
    by_path = {err.path: err for err in errors}
    for name, violations in found.items():
        if not violations:
            continue
        path = str(paths[name])
        if path in by_path:
            by_path[path].violations.extend(violations)
        else:
            by_path[path] = ExtractError(path, violations)
    if by_path:
        order = {str(paths[n]): i for i, n in enumerate(EXTRACTS)}
        errs = sorted(by_path.values(), key=lambda e: order.get(e.path, len(order)))
        for err in errs:
            err.violations.sort(key=lambda v: (v.row or 0, v.column or ""))
        raise MappingContractProblems(errs, len(EXTRACTS))
    return frames


def validate_offer_tables(directory: str | Path = OFFER_TABLE_DIR) -> dict[str, pd.DataFrame]:
    """The report's Tabel 9-3 and 9-4 as transcribed (`tabel_9_3.csv`, `tabel_9_4.csv`), read
    through the contract like any extract; MappingContractProblems if either breaks it."""
    frames, _, _, errors = _validate(Path(directory), OFFER_TABLES)
    if errors:
        raise MappingContractProblems(errors, len(OFFER_TABLES))
    return frames


# --------------------------------------------------------------------------- across extracts


class CrossCheck:
    """A rule over two or more extracts (or over all rows of one): `needs` must all have passed
    their own checks; `run` returns the violations by the extract whose rows they name."""

    def __init__(self, needs: tuple[str, ...], description: str,
                 run: Callable[[dict, dict], dict[str, list[Violation]]]) -> None:
        self.needs, self.description, self.run = needs, description, run


def _violation(lines: dict, name: str, row: int | None, column: str, reason: str, value: object = None,
               kind: str = "rule") -> Violation:
    line = lines[name](row) if row is not None else None
    return Violation(row, column, reason, None if value is None else str(value), kind=kind, line=line,
                     contract_column=True)


def _all_municipalities(frames: dict, lines: dict) -> dict[str, list[Violation]]:
    survey = frames["breddesurvey"]
    missing = municipalities().loc[lambda m: ~m["code"].isin(survey["municipality"])]
    return {"breddesurvey": [
        _violation(lines, "breddesurvey", None, "municipality",
                   f"no row for municipality {code} ({name}): the breadth survey went to all 98 municipalities, "
                   "so each has a row, also those that did not answer (response ikke_gennemfoert)")
        for code, name in zip(missing["code"], missing["name"], strict=True)]}


def _candidates_of_offers(frames: dict, lines: dict) -> dict[str, list[Violation]]:
    offers, net = frames["tilbud"], frames["nettoliste"]
    screening = net.set_index("candidate_id")["screening"]
    linked = offers[offers["candidate_id"].notna() & offers["candidate_id"].isin(screening.index)]
    wrong = linked[linked["candidate_id"].map(screening) != "i_maalgruppen"]
    out = {"tilbud": [
        _violation(lines, "tilbud", int(r), "candidate_id",
                   f"the candidate's screening in nettoliste is '{screening[c]}'; an offer of the depth survey "
                   "outside the pool is a candidate screened i_maalgruppen", c)
        for r, c in zip(wrong["row"], wrong["candidate_id"], strict=True)]}
    unlinked = net[(net["screening"] == "i_maalgruppen") & ~net["candidate_id"].isin(offers["candidate_id"].dropna())]
    out["nettoliste"] = [
        _violation(lines, "nettoliste", int(r), "screening",
                   "screened i_maalgruppen, but no offer in tilbud has this candidate_id: every candidate in the "
                   "target group was interviewed in the depth survey", c)
        for r, c in zip(unlinked["row"], unlinked["candidate_id"], strict=True)]
    return out


def _six_actor_questions(frames: dict, lines: dict) -> dict[str, list[Violation]]:
    questions = schema("tilbud_aktoerer")["properties"]["question"]["enum"]
    have = frames["tilbud_aktoerer"].groupby("offer_id")["question"].agg(set)
    out = []
    for offer in frames["tilbud"]["offer_id"]:
        missing = [q for q in questions if q not in have.get(offer, set())]
        if missing:
            out.append(_violation(lines, "tilbud_aktoerer", None, "question",
                                  f"offer {offer} has no row for {', '.join(missing)}: every offer has a row for "
                                  f"each of the {ACTOR_QUESTIONS_PER_OFFER} questions (all options blank when "
                                  "it did not answer)"))
    return {"tilbud_aktoerer": out}


def _coverage_sources(frames: dict, lines: dict) -> dict[str, list[Violation]]:
    cover, branches, survey = frames["daekning"], frames["filialer"], frames["breddesurvey"]
    answered = set(survey.loc[survey["response"] != "ikke_gennemfoert", "municipality"])
    named = cover[(cover["source"] == "breddesurvey") & ~cover["municipality"].isin(answered)]
    out = {"daekning": [
        _violation(lines, "daekning", int(r), "municipality",
                   "source breddesurvey, but the municipality did not answer the breadth survey (ikke_gennemfoert "
                   "or no row in breddesurvey)", m)
        for r, m in zip(named["row"], named["municipality"], strict=True)]}
    at_branch = set(zip(branches["offer_id"], branches["municipality"], strict=True))
    by_branch = cover[cover["source"] == "filial"]
    stray = [(r, o, m) for r, o, m in zip(by_branch["row"], by_branch["offer_id"], by_branch["municipality"],
                                          strict=True) if (o, m) not in at_branch]
    out["daekning"] += [_violation(lines, "daekning", int(r), "source",
                                   f"source filial, but offer {o} has no branch in municipality {m} (filialer)",
                                   "filial") for r, o, m in stray]
    covered = set(zip(by_branch["offer_id"], by_branch["municipality"], strict=True))
    uncovered = branches[[(o, m) not in covered for o, m in zip(branches["offer_id"], branches["municipality"],
                                                                 strict=True)]]
    out["filialer"] = [_violation(lines, "filialer", int(r), "municipality",
                                  f"no row in daekning for offer {o} in this municipality with source filial: a "
                                  "branch's municipality is covered by its offer", m)
                       for r, o, m in zip(uncovered["row"], uncovered["offer_id"], uncovered["municipality"],
                                          strict=True)]
    return out


CROSS_CHECKS = (
    CrossCheck(("breddesurvey",), "`breddesurvey` has a row for every one of the 98 municipalities of "
               "`kommuner.csv` (the survey went to all of them).", _all_municipalities),
    CrossCheck(("tilbud", "nettoliste"), "An offer's `candidate_id` is a candidate screened `i_maalgruppen`, and "
               "every candidate screened `i_maalgruppen` is an offer of `tilbud` (the 41 of Tabel 9-14 are the "
               "41 offers outside the pool of Tabel 9-15).", _candidates_of_offers),
    CrossCheck(("tilbud", "tilbud_aktoerer"), "`tilbud_aktoerer` has all six question rows of every offer of "
               "`tilbud`.", _six_actor_questions),
    CrossCheck(("daekning", "filialer", "breddesurvey"), "`daekning` rows with source `breddesurvey` are "
               "municipalities that answered the breadth survey; those with source `filial` are exactly the "
               "municipalities of the offer's branches in `filialer`, both ways.", _coverage_sources),
)


# --------------------------------------------------------------------------- the documentation page

KIND_TEXT = {"id": "identifier (letters, digits, `_ . -`)", "number": "number", "boolean": "`0` or `1`",
             "code": "code", "text": "text"}


def _allowed(prop: dict) -> str:
    if prop.get("x-codes-from") in contract.CODE_FILES:
        return f"a municipality code of `{contract.CODE_FILES[prop['x-codes-from']][0]}` (below)"
    if prop.get("x-kind") == "boolean":
        return "`0`, `1`" + (f": {prop['x-label']}" if "x-label" in prop else "")
    if "enum" in prop:
        labels = prop.get("x-labels", {})
        return "; ".join(f"`{c}`" + (f" {labels[c]}" if c in labels else "") for c in prop["enum"])
    if prop.get("x-kind") == "number":
        lo, hi = prop.get("x-range", [None, None])
        whole = "whole number" if prop.get("x-integer") else "number"
        return f"{whole}, {lo} or more" if hi is None and lo is not None else whole
    return ""


def _columns_text(spec: dict) -> str:
    where = spec.get("where")
    cols = ", ".join(f"`{c}`" for c in spec.get("columns", []))
    return cols + (f" (rows with {', '.join(f'`{k}` = `{v}`' for k, v in where.items())})" if where else "")


def _rule_text(rule: dict) -> str:
    cols = ", ".join(f"`{c}`" for c in rule["columns"])
    when = contract.when_text(rule)
    extra = {"at_most": f" {rule.get('max')}", "only_if": ", required" if rule.get("required") else ""}
    cond = f"; where {when}" if when else ""
    return f"- **{rule['rule']}{extra.get(rule['rule'], '')}** ({cols}{cond}): {rule['description']}."


def render() -> str:
    """The contract page, from the schemas (tests/test_kortlaegning_contract.py keeps it current)."""
    out = [
        "# Data contract for the mapping's survey data (Kortlægning 2016)",
        "",
        "<!-- Generated by `python -m puljeeval.kortlaegning.contract` from",
        "puljeeval/data/schemas/kortlaegning/*.schema.yaml and kommuner.csv. Edit those, not this page;",
        "tests/test_kortlaegning_contract.py fails when it is stale. -->",
        "",
        "The 2016 mapping (*Kortlægning*, Rambøll 2016, seed `000_a19241631e4ed9eb.txt`) rests on a breadth",
        "survey of the 98 municipalities, a net list of 140 candidate offers screened by e-mail and",
        "telephone, and a depth survey of the 55 offers (interviews typed into SurveyXact), with their",
        "127 interventions, 150 branches and the municipalities they cover (Bilag 6). The contract",
        f"describes these data as {len(EXTRACTS)} extracts, one file each in one directory (`<extract>.csv` or",
        "`<extract>.xlsx`, UTF-8 with or without byte order mark), checked by",
        "`puljeeval.kortlaegning.contract.validate_mapping_extracts(directory)` with the same reader,",
        "schemas and messages as the evaluation's extracts: the file rules (dialects, blanks, markers,",
        "headers) and the problem kinds are those of [the evaluation's contract](data_contract.md).",
        "Every problem names the file, row (and line), column and what was expected, and every file is",
        "checked before the run stops. The report's own Tabel 9-3 and 9-4, transcribed into",
        "`data/kortlaegning/`, are read through the same machinery (`validate_offer_tables`).",
        "",
        "## Extracts",
        "",
        "| extract | file | grain | collected in | the report's tables and maps |",
        "|---|---|---|---|---|",
    ]
    for name in EXTRACTS + OFFER_TABLES:
        s = schema(name)
        tables = ", ".join(table_label(t) for t in s.get("x-tables", {}))
        out.append(f"| [`{name}`](#{name}) | `{s['x-file']}` | {s['x-grain']} | {s['x-collection']} | {tables} |")
    out += [
        "",
        "## Conventions",
        "",
        "- **Blank and *ved ikke*.** A blank cell is *not answered* or *not asked* (the routing rules of",
        "  each extract say which questions are asked of whom); it is never *ved ikke* (don't know).",
        "  *Ved ikke* is an answer with a code of its own: `ved_ikke` in a single-choice column, a 0/1",
        "  column `…ved_ikke` in a multi-choice question, and a status code (`staff_answer`,",
        "  `sessions_answer`, `duration_answer`) for numbers. A question every offer answered is",
        "  required, so a *ved ikke* delivered as a blank is refused there; elsewhere the report's",
        "  denominators tell the two apart (below), so they must not be mixed up.",
        "- **Multi-choice questions are wide**: one 0/1 column per option, as SurveyXact exports a",
        "  respondent. So a question's whole answer is one row, and the checks are row checks: answered",
        "  as a whole (every option 0 or 1) or not at all (all blank), at least one option ticked,",
        "  *ved ikke* ticked alone, at most three in the top-three questions, asked only where the",
        "  routing asks it. An explicit 0 is *not ticked*, so a share is the mean of a column over the",
        "  rows that answered, and an unanswered question cannot pass for answered-with-nothing. The",
        "  six actor questions share one list of 16 options, so `tilbud_aktoerer` has one row per offer",
        "  and question instead of 96 columns in `tilbud`. (A long format, one row per ticked option,",
        "  would need checks across rows for each of these rules and loses the explicit 0.)",
        "- **Codes** are ASCII, Danish words without æ, ø, å; the report's printed labels are in the",
        "  schemas (`x-labels`, `x-label`) and below. Municipalities are the 98 DST codes (101 … 860,",
        "  no leading zero) of `puljeeval/data/schemas/kortlaegning/kommuner.csv`.",
        "- **Free text** (columns marked *free text*: the answers to *Andet, beskriv* and *Angiv venligst",
        "  hvilken*, descriptions, candidates' names) is kept for the recoding and never published",
        "  verbatim ([disclosure policy](kortlaegning_disclosure.md)).",
        "- **Identifiers** (`offer_id`, `candidate_id`, `intervention_id`, `branch_id`) are the data",
        "  deliverer's own; they name organisations, not persons, and may be shown in messages.",
        "",
        "## *Ved ikke* and blanks in the report's denominators",
        "",
        "How each printed table treats the answers: its base (the denominator of its shares) and where",
        "*ved ikke* goes. Blank (not answered or not asked) rows are outside every base.",
        "",
        "| table | extract: columns | base | *ved ikke* |",
        "|---|---|---|---|",
    ]
    rows = sorted(((t, name, spec) for name in EXTRACTS + OFFER_TABLES
                   for t, spec in schema(name).get("x-tables", {}).items()), key=lambda x: _table_order(x[0]))
    out += [f"| {table_label(t)} | `{name}`: {_columns_text(spec)} | {spec['base']} | {spec['ved_ikke']} |"
            for t, name, spec in rows]
    out += [
        "",
        "Tabel 4-6's shares, though its title calls them shares of offers, fit shares of the *ticks*: in",
        "each size group, the offers ticking a band over all ticks of the group's answering offers. Tick",
        "counts exist that give every printed cell, the total column included, where counts of the",
        "offers in the headings do not. The 0/1 experience columns give both readings.",
        "",
        "## Checks across extracts",
        "",
        "Beside each extract's foreign key (below), checked when the extracts involved pass their own checks:",
        "",
    ]
    out += [f"- {check.description}" for check in CROSS_CHECKS]
    out.append("")
    for name in EXTRACTS + OFFER_TABLES:
        out += _extract_section(name)
    codes = municipalities()
    out += ["## Municipality codes", "",
            f"The {len(codes)} codes of `kommuner.csv` (from `../shared/reference/stats-and-privacy.md` §3.3:",
            "DAGI/DAWA codes without the leading zero; Christiansø, 411, is no municipality and is not",
            "accepted):", "",
            "; ".join(f"{c} {n}" for c, n in zip(codes["code"], codes["name"], strict=True)) + ".", "",
            "## Problem kinds", "",
            "The machine codes of the problems (`Violation.kind`) are the evaluation's (*Problem kinds* in",
            "[data_contract.md](data_contract.md)); the checks across extracts report `rule`, a missing row",
            "of `breddesurvey` or `tilbud_aktoerer` included.", ""]
    return "\n".join(out)


def table_label(table: str) -> str:
    """'tabel_9_5_andet' as the report names it: 'Tabel 9-5 (Andet)'."""
    kind, major, minor, *rest = table.split("_")
    return f"{kind.capitalize()} {major}-{minor}" + (f" ({' '.join(rest).capitalize()})" if rest else "")


def _table_order(table: str) -> tuple:
    kind, *nums = table.split("_")[:3]
    digits = [int(n) for n in nums if n.isdigit()]
    return (kind != "tabel", *digits, table)


def _extract_section(name: str) -> list[str]:
    s = schema(name)
    out = [f"## `{name}`", "", f"File `{s['x-file']}`; one row per {s['x-grain']}.", "", s["description"].strip(), "",
           "| column | required | type | allowed values | meaning |", "|---|---|---|---|---|"]
    for col, prop in s["properties"].items():
        req = "yes" if col in s["required"] else "no"
        kind = KIND_TEXT[prop.get("x-kind", "text")] + (" (free text)" if prop.get("x-free-text") else "")
        out.append(f"| `{col}` | {req} | {kind} | {_allowed(prop)} | {prop.get('description', '')} |")
    out.append("")
    out.append(f"- **Key**: {', '.join(f'`{c}`' for c in s['x-primary-key'])} is unique in the extract.")
    for cols in s.get("x-unique", []):
        out.append(f"- **Unique**: {', '.join(f'`{c}`' for c in cols)} (blank values aside).")
    if "x-foreign-key" in s:
        fk = s["x-foreign-key"]
        out.append(f"- **Belongs to**: every `{fk['columns'][0]}` exists in the `{fk['extract']}` extract.")
    out += [_rule_text(rule) for rule in s.get("x-rules", [])]
    out += ["", "Used by: " + "; ".join(f"{table_label(t)} ({_columns_text(spec)})"
                                       for t, spec in s.get("x-tables", {}).items()) + ".", ""]
    return out


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args:
        try:
            frames = validate_mapping_extracts(args[0])
        except MappingContractProblems as err:
            print(err, file=sys.stderr)
            return 1
        print(f"{args[0]}: the mapping's {len(frames)} extracts follow the contract "
              f"({', '.join(f'{n} {len(f)}' for n, f in frames.items())} rows)")
        return 0
    PAGE.write_text(render(), encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
