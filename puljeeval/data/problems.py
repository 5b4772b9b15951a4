"""One readable problem report for extracts that break the contract.

Ingestion checks all five extracts before it stops, so a data manager sees every problem of a
delivery at once: a short summary on the terminal (per file, the number of problems by kind and
the first few with row, line, column and reason; Danish or English by config) and every
problem in a CSV under results/interim/ (it names rows of confidential files, so it stays with
them). Values are already masked by the contract where they could be identifiers.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from puljeeval.data.extracts import ExtractError, Violation

COLUMNS = ["file", "kind", "row", "line", "column", "reason", "value", "masked"]

TEXT = {
    "en": {"head": "The extracts break the data contract: {n} in {files} of {total} files.",
           "file": "{file}: {n} ({kinds})", "one": "1 problem", "many": "{n} problems",
           "more": "  ... and {n} more in {file}",
           "csv": "Every problem, with row, line and column: {csv}",
           "docs": "The contract: docs/data_contract.md. Nothing was analysed.",
           "ok": "The extracts follow the data contract: {total} files checked, no problems."},
    "da": {"head": "Udtrækkene overholder ikke datakontrakten: {n} i {files} af {total} filer.",
           "file": "{file}: {n} ({kinds})", "one": "1 problem", "many": "{n} problemer",
           "more": "  ... og {n} mere i {file}",
           "csv": "Alle problemer med række, linje og kolonne: {csv}",
           "docs": "Kontrakten: docs/data_contract.md. Intet er analyseret.",
           "ok": "Udtrækkene overholder datakontrakten: {total} filer kontrolleret, ingen problemer."},
}
# Danish names of the contract's kinds of problem; a kind without one is shown by its code.
KIND_DA = {
    "encoding": "tegnsæt", "empty_file": "tom fil", "missing_column": "manglende kolonne",
    "unexpected_column": "ukendt kolonne", "duplicate_column": "dobbelt kolonne", "ragged_row": "antal felter",
    "not_a_number": "ikke et tal", "out_of_range": "uden for intervallet", "unknown_code": "ukendt kode",
    "duplicate_key": "dobbelt nøgle", "orphan_key": "ukendt nøgle", "date_format": "datoformat",
    "impossible_date": "umulig dato", "broken_cpr": "ugyldigt CPR-nummer", "non_ascii_digit": "fremmede cifre",
    "decimal_separator": "decimaltegn", "value_too_long": "for lang værdi", "not_a_workbook": "ikke et regneark",
    "missing_value": "manglende værdi", "file": "filen", "rule": "regel", "identity": "identitet",
    "looks_like_cpr": "ligner et CPR-nummer", "missing_marker": "markør for manglende værdi", "dialect": "dialekt",
    "truncated": "afkortet fil", "repeated_header": "gentaget overskrift", "empty_extract": "tomt udtræk",
    "not_a_csv": "ikke en CSV-fil", "already_scored": "allerede scoret", "contract": "kontrakt",
}


class ContractProblems(ExtractError):
    """Several extracts break the contract. `errors` holds one ExtractError per file; str() is
    the English summary (the rule prints the configured language)."""

    def __init__(self, errors: list[ExtractError], total_files: int, csv_path: str = "") -> None:
        self.errors, self.total_files, self.csv_path = errors, total_files, csv_path
        super().__init__(errors[0].path, [v for e in errors for v in e.violations])

    def __str__(self) -> str:
        return summary(self.errors, self.total_files, "en", csv_path=self.csv_path)


def kind_of(violation: Violation) -> str:
    return getattr(violation, "kind", None) or "rule"


def frame(errors: list[ExtractError]) -> pd.DataFrame:
    """Every problem, one row each (the data manager's worklist)."""
    rows = [{"file": e.path, "kind": kind_of(v), "row": v.row, "line": v.where_line,
             "column": v.column, "reason": v.reason, "value": v.value, "masked": getattr(v, "masked", None)}
            for e in errors for v in e.violations]
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.astype({"row": "Int64", "line": "Int64"})


def summary(errors: list[ExtractError], total_files: int, language: str = "en", shown: int = 5,
            csv_path: str = "") -> str:
    """The terminal's summary: per file the count by kind and the first `shown` problems."""
    text = TEXT[language]
    if not errors:
        return text["ok"].format(total=total_files)
    def count(n: int) -> str:
        return text["one"] if n == 1 else text["many"].format(n=n)

    n = sum(len(e.violations) for e in errors)
    lines = [text["head"].format(n=count(n), files=len(errors), total=total_files), ""]
    for err in errors:
        counts = Counter(kind_of(v) for v in err.violations)
        name = (lambda k: KIND_DA.get(k, k)) if language == "da" else (lambda k: k)
        kinds = ", ".join(f"{name(k)} {c}" for k, c in counts.most_common())
        lines.append(text["file"].format(file=Path(err.path).name, n=count(len(err.violations)), kinds=kinds))
        lines += ["  " + v.describe(Path(err.path).name) for v in err.violations[:shown]]
        if len(err.violations) > shown:
            lines.append(text["more"].format(n=len(err.violations) - shown, file=Path(err.path).name))
    lines.append("")
    if csv_path:
        lines.append(text["csv"].format(csv=csv_path))
    lines.append(text["docs"])
    return "\n".join(lines)


def write(errors: list[ExtractError], path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame(errors).to_csv(path, index=False, lineterminator="\n")


def report(errors: list[ExtractError], total_files: int, csv_path: str | Path, text_path: str | Path,
           language: str, shown: int) -> str:
    """Write every problem to `csv_path` and the summary to `text_path`; return the summary."""
    write(errors, csv_path)
    text = summary(errors, total_files, language, shown, csv_path=str(csv_path))
    Path(text_path).write_text(text + "\n", encoding="utf-8")
    return text
