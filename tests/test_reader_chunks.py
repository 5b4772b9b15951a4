"""The CSV reader works a chunk of records at a time (issue 17: ingestion's memory was sixteen
times the questionnaire extract's size, all records held as Python lists at once). Whatever the
chunk size, a file reads to the same frame and line numbers, or fails with the same problems in
the same order; a chunk of 100,000 records holds every file here in one chunk, so it is the
reader as it reads all at once."""

from __future__ import annotations

import io

import pytest

from puljeeval.data import extracts
from puljeeval.data.extracts import ExtractError, read_extract

LONG = "x" * (extracts.MAX_VALUE_CHARS + 1)
CASES = {
    "plain": "a;b;c\n1;2;3\n4;5;6\n",
    "crlf": "a;b;c\r\n1;2;3\r\n4;5;6\r\n",
    "cr": "a;b;c\r1;2;3\r4;5;6\r",
    "quoted_break": 'a;b;c\n1;"x\ny";3\n4;5;6\n7;8;9\n',
    "quoted_break_ragged": 'a;b;c\n1;"x\ny";3\n4;5\n7;8;9\n10;11;12;13\n',
    "ragged": "a;b;c\n1;2\n4;5;6\n7;8;9;10\n",
    "empty_line": "a;b;c\n1;2;3\n\n4;5;6\n",
    "repeated_header": "a;b;c\n1;2;3\na;b;c\n4;5;6\n",
    "repeated_header_bom": "a;b;c\n1;2;3\n\ufeffa;b;c\n4;5;6\n",
    "trailing_separator": "a;b;c;\n1;2;3;\n4;5;6;\n",
    "two_trailing_separators": "a;b;c;;\n1;2;3;;\n4;5;6;;\n",
    "trailing_separator_with_a_value": "a;b;c;;\n1;2;3;x;\n4;5;6;;\n",
    "trailing_separator_ragged": "a;b;c;\n1;2;3\n4;5;6;\n",
    "trailing_separator_repeated_header": "a;b;c;\n1;2;3;\na;b;c;\n4;5;6;\n",
    "header_only": "a;b;c\n",
    "too_long": "a;b;c\n" + "".join(f"{i};{LONG};{LONG}\n" for i in range(30)),
    "broken_quote": 'a;b;c\n1;2"x;3\n4;"5"x;6\n',
    "unclosed_quote": 'a;b;c\n1;"2;3\n4;5;6\n',
    "trailing_blank_lines": "a;b;c\n1;2;3\n4;5;6\n\n  \n\n",
    "spaces": "a ; b ;c\n 1; 2 ;3 \n4;5;6\n",
    "last_row_ends_in_many_blanks": "a;b;c\n1;2;3\n4;5;6" + " " * 100 + "\n\n",
}


def read(path):
    try:
        frame, dialect = read_extract(path)
    except ExtractError as err:
        return "refused", [(v.row, v.column, v.reason, v.kind, v.where_line) for v in err.violations]
    return "read", frame.to_dict("list"), [str(t) for t in frame.dtypes], dialect.lines


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_chunk_size_reads_the_same(case, tmp_path, monkeypatch):
    path = tmp_path / f"{case}.csv"
    path.write_text(CASES[case], encoding="utf-8", newline="")
    whole = read(path)
    for size in (1, 2, 3):
        monkeypatch.setattr(extracts, "CHUNK_RECORDS", size)
        assert read(path) == whole, size


def test_the_expected_outcomes_by_hand(tmp_path):
    def outcome(case):
        path = tmp_path / f"{case}.csv"
        path.write_text(CASES[case], encoding="utf-8", newline="")
        return read(path)

    assert outcome("quoted_break")[1]["b"] == ["x\ny", "5", "8"] and outcome("quoted_break")[3] == (2, 4, 5)
    assert outcome("two_trailing_separators")[1] == {"row": [1, 2], "a": ["1", "4"], "b": ["2", "5"], "c": ["3", "6"]}
    assert [p[3] for p in outcome("quoted_break_ragged")[1]] == ["ragged_row", "ragged_row"]
    assert [p[4] for p in outcome("quoted_break_ragged")[1]] == [4, 6]        # physical lines, not records
    assert [p[3] for p in outcome("trailing_separator_with_a_value")[1]] == ["missing_column_name"]
    assert len(outcome("too_long")[1]) == 50                   # the first 25 of each column, across chunks
    assert outcome("spaces")[1]["a"] == ["1", "4"]
    # the final line break goes however many blanks end the last row: no line breaks in values,
    # so no line numbers to track
    assert outcome("last_row_ends_in_many_blanks")[1]["c"] == ["3", "6"]
    assert outcome("last_row_ends_in_many_blanks")[3] is None


@pytest.mark.parametrize("text", ["a\r\nb\rc\nd", "a\n", "\n\n", "x", "a\r\n\r\nb\r", 'a;"x\ny"\nb\n'])
def test_lines_split_as_stringio_whatever_the_piece(text):
    for piece in (0, 1, 2, 5, 100):
        assert list(extracts._lines(text, piece)) == list(io.StringIO(text, newline=""))
