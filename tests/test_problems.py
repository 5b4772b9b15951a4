"""The problem report: per file the count by kind and the first few problems, in Danish or
English, and every problem in the CSV."""

from __future__ import annotations

import pandas as pd

from puljeeval.data.extracts import ExtractError, Violation
from puljeeval.data.problems import ContractProblems, frame, report, summary


def errors() -> list[ExtractError]:
    reg = ExtractError("x/registreringer.csv", [Violation(r, "end_status", "unknown code", kind="unknown_code")
                                                 for r in range(1, 8)])
    fid = ExtractError("x/fidelitet.csv", [Violation(2, "rating", "not a number", kind="not_a_number"),
                                           Violation(None, "date", "required column is missing",
                                                     kind="missing_column")])
    return [reg, fid]


def test_summary_counts_by_kind_and_shows_the_first_few():
    text = summary(errors(), 5, "en", shown=3, csv_path="results/interim/problems/ingest.csv")
    lines = text.splitlines()
    assert lines[0] == "The extracts break the data contract: 9 problems in 2 of 5 files."
    assert "registreringer.csv: 7 problems (unknown_code 7)" in lines
    assert sum("column 'end_status': unknown code" in line for line in lines) == 3
    assert "  ... and 4 more in registreringer.csv" in lines
    assert "fidelitet.csv: 2 problems (not_a_number 1, missing_column 1)" in lines
    assert "results/interim/problems/ingest.csv" in text


def test_summary_in_danish():
    text = summary(errors(), 5, "da", shown=3)
    assert text.startswith("Udtrækkene overholder ikke datakontrakten: 9 problemer i 2 af 5 filer.")
    assert "fidelitet.csv: 2 problemer (ikke et tal 1, manglende kolonne 1)" in text
    assert "... og 4 mere i registreringer.csv" in text


def test_every_problem_in_the_csv(tmp_path):
    csv, txt = tmp_path / "p.csv", tmp_path / "p.txt"
    text = report(errors(), 5, csv, txt, "en", 2)
    table = pd.read_csv(csv)
    assert len(table) == 9 and list(table.columns) == ["file", "kind", "row", "line", "column", "reason", "value",
                                              "masked"]
    assert (table["line"].dropna() == table["row"].dropna() + 1).all()
    assert txt.read_text(encoding="utf-8").strip() == text.strip()
    assert frame([]).empty


def test_contract_problems_is_an_extract_error_with_the_summary():
    err = ContractProblems(errors(), 5)
    assert isinstance(err, ExtractError) and len(err.violations) == 9
    assert str(err).startswith("The extracts break the data contract")


def test_a_clean_delivery_says_so():
    assert summary([], 5, "da") == "Udtrækkene overholder datakontrakten: 5 filer kontrolleret, ingen problemer."
