"""Tabel 9-3 and 9-4 of the 2016 mapping, parsed from the seed's text into offer-level CSVs.

The seed is a plain-text extraction of the report's PDF; its tables are flattened. The rules
below read them as printed, so the transcription can be re-run and reviewed
(data/kortlaegning/README.md gives the rules, the judgement calls and the checks):

- Tabel 9-3 (offers x age groups): a row ends on the line whose last nine characters are
  " c c c c " with each cell c either "x" (ticked) or " " (empty); the name is what precedes them,
  over one or more lines. A name that ends in digits glued to a letter ("ACA Danmark14") carries a
  footnote marker, which must name a footnote printed inside the table.
- Tabel 9-4 (offers x intervention types): a row ends on the line that ends in seven integers, the
  six types' counts and the printed row total ("Antal indsatser i alt").
- A name broken over lines is joined: a line ending in a hyphen glued to a word is a break inside
  that word (hyphen dropped, no space), except the compound words in `KEEP_HYPHEN`; any other
  line break is a space.
- Page headers, the footnote block of Tabel 9-3 and blank lines are skipped; anything else that is
  neither a name fragment nor a row stops the parse with the line number.

Run `python -m puljeeval.kortlaegning.transcribe` to write the CSVs (`--check` compares instead).
"""

from __future__ import annotations

import argparse
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seeds" / "000_a19241631e4ed9eb.txt"
OUT = REPO / "data" / "kortlaegning"

AGE_COLUMNS = ["age_0_5", "age_6_12", "age_13_17", "age_18_25"]
TYPE_COLUMNS = ["boerne_unge_grupper", "familiesamtaler", "individuelle_samtaler", "raadgivende_samtaler",
                "sociale_aktiviteter", "undervisning_kursus"]
COLUMNS_9_3 = ["order", "offer_name", "footnote", *AGE_COLUMNS, "source_line"]
COLUMNS_9_4 = ["order", "offer_name", "footnote", *TYPE_COLUMNS, "source_line"]

# Compound words whose own hyphen falls at a line end: the hyphen is kept when the name is joined.
# "Lænke-ambulatorierne" (Tabel 9-4, line 2377; Tabel 9-3 prints the hyphen mid-line).
KEEP_HYPHEN = ("Lænke-",)

# Rows of Tabel 9-3 whose cell string does not have the printed layout " c c c c ". Each is a
# judgement, keyed by the row's text after the name, with the cells read and why.
CELL_JUDGEMENTS: dict[str, tuple[tuple[int, int, int, int], str]] = {
    "Holstebro, Center for Rusmiddel og forebyggelse": (
        (0, 1, 1, 1),
        "cells '   x  x x ' are ten characters, one more than the layout; deleting one space gives the "
        "layout only as ' _ x x x ' (6-12, 13-17, 18-25), and with that reading the column totals equal "
        "the printed 'I alt' (reading 13-17 as empty would give 48, not 49)",
    ),
}

_TITLE_9_3 = "Tabel 9-3:"
_TITLE_9_4 = "Tabel 9-4:"
_HEADER_9_3 = re.compile(r"^\s*0-5 år 6-12 år 13-17 år 18-25 år\s*$")
_TOTAL = re.compile(r"^I alt:\s+(?P<values>\d+(?:\s+\d+)*)\s*$")
_TAIL_9_3 = re.compile(r"^ [x ] [x ] [x ] [x ] $")
_TICK = re.compile(r"(?:^|\s)x(?:\s|$)")
_ROW_9_4 = re.compile(r"^(?P<name>.*?)\s*(?P<values>(?:\b\d+\s+){6}\d+)\s*$")
_FOOTNOTE = re.compile(r"^(?P<name>.*[^\d\s])(?P<marker>\d{1,2})$")
_FOOTNOTE_TEXT = re.compile(r"^(?P<marker>\d{1,2}) \S")


class TranscriptionError(ValueError):
    """The seed's table does not have the layout the parser reads."""


@dataclass
class Transcription:
    """One parsed table: the offer rows and what the report prints as totals."""

    rows: pd.DataFrame
    printed_totals: list[int]                       # the "I alt:" line, in column order
    total_line: int
    printed_row_totals: dict[int, int] = field(default_factory=dict)   # order -> printed row total
    judgements: list[str] = field(default_factory=list)               # judgement calls applied


def read_seed(path: Path = SEED) -> list[str]:
    """The seed's lines (line i of the file is element i - 1), without line ends."""
    return path.read_text(encoding="utf-8").splitlines()


def _find(lines: list[str], prefix: str, start: int = 0) -> int:
    for i in range(start, len(lines)):
        if lines[i].startswith(prefix):
            return i
    raise TranscriptionError(f"seed: no line starts with {prefix!r} after line {start + 1}")


def join_fragments(fragments: list[str]) -> str:
    """A name printed over several lines, joined by the hyphenation rule of the module docstring."""
    name = ""
    for frag in fragments:
        if not name:
            name = frag.strip()
            continue
        nxt = frag.strip()
        if re.search(r"\w-$", name) and not name.endswith(KEEP_HYPHEN):
            name = name[:-1] + nxt
        elif re.search(r"\w-$", name):
            name = name + nxt
        else:
            name = name.rstrip() + " " + nxt
    return re.sub(r" {2,}", " ", name).strip()


def _split_footnote(name: str, footnotes: set[str], line: int, path: str) -> tuple[str, str]:
    m = _FOOTNOTE.match(name)
    if not m:
        return name, ""
    if m["marker"] not in footnotes:
        raise TranscriptionError(f"{path}, line {line}: name {name!r} ends in {m['marker']!r}, which is no "
                                 f"footnote printed in the table (footnotes: {sorted(footnotes) or 'none'})")
    return m["name"].strip(), m["marker"]


def parse_tabel_9_3(lines: list[str], path: str = "seed") -> Transcription:
    """Tabel 9-3 as one row per offer: order, name, footnote, the four age groups as 1/0, source line."""
    start = _find(lines, _TITLE_9_3)
    end = next((i for i in range(start, len(lines)) if _TOTAL.match(lines[i])), None)
    if end is None:
        raise TranscriptionError(f"{path}: Tabel 9-3 (line {start + 1}) has no 'I alt:' line")
    # footnote markers: the footnote texts printed inside the table (after the separator line)
    footnotes = {m["marker"] for i in range(start, end) if (m := _FOOTNOTE_TEXT.match(lines[i]))}
    records, judgements, fragments, first = [], [], [], None
    in_footnote = False
    for i in range(start + 1, end):
        raw, lineno = lines[i], i + 1
        if in_footnote:
            in_footnote = not _HEADER_9_3.match(raw)
            continue
        if not raw.strip() or _HEADER_9_3.match(raw):
            if raw and not raw.strip() and len(raw) >= 20:
                in_footnote = True          # the footnote separator (a line of spaces) until the page header
            continue
        if first is None:
            first = lineno
        if not _TICK.search(raw):
            fragments.append(raw)
            continue
        body = join_fragments([*fragments, raw[:-9]]) if len(raw) > 9 else ""
        tail = raw[-9:]
        if _TAIL_9_3.match(tail) and raw[:-9] and not raw[:-9][-1].isspace():
            cells = tuple(int(tail[k] == "x") for k in (1, 3, 5, 7))
            name = body
        else:
            name_part = raw.rstrip().rstrip(" x").rstrip()
            name = join_fragments([*fragments, name_part])
            if name not in CELL_JUDGEMENTS:
                raise TranscriptionError(
                    f"{path}, line {lineno}: Tabel 9-3 row {name!r}: expected the cells as ' c c c c ' "
                    f"(c = 'x' or ' ') at the line end, found {raw[len(name_part):]!r}; add a judgement to "
                    "CELL_JUDGEMENTS if the cells can be read")
            cells, why = CELL_JUDGEMENTS[name]
            judgements.append(f"line {lineno}, {name}: {why}")
        name, marker = _split_footnote(name, footnotes, first, path)
        records.append({"offer_name": name, "footnote": marker, **dict(zip(AGE_COLUMNS, cells, strict=True)),
                        "source_line": first})
        fragments, first = [], None
    if fragments:
        raise TranscriptionError(f"{path}, line {first}: Tabel 9-3 name {join_fragments(fragments)!r} has no cells")
    rows = pd.DataFrame.from_records(records)
    rows.insert(0, "order", range(1, len(rows) + 1))
    totals = [int(v) for v in _TOTAL.match(lines[end])["values"].split()]
    return Transcription(rows[COLUMNS_9_3], totals, end + 1, judgements=judgements)


def _header_9_4(stripped: str) -> bool:
    return stripped == "Børne"


def parse_tabel_9_4(lines: list[str], path: str = "seed") -> Transcription:
    """Tabel 9-4 as one row per offer: order, name, footnote, the six types' counts, source line."""
    start = _find(lines, _TITLE_9_4)
    end = next((i for i in range(start, len(lines)) if _TOTAL.match(lines[i])), None)
    if end is None:
        raise TranscriptionError(f"{path}: Tabel 9-4 (line {start + 1}) has no 'I alt:' line")
    records, row_totals, fragments, first = [], {}, [], None
    in_header = False
    for i in range(start + 1, end):
        raw, lineno = lines[i], i + 1
        stripped = raw.strip()
        if in_header:
            in_header = stripped != "i alt"   # the column heading ends with "Antal ind-satser i alt"
            continue
        if _header_9_4(stripped):
            in_header = True
            continue
        if not stripped:
            continue
        if first is None:
            first = lineno
        m = _ROW_9_4.match(raw)
        if not m:
            if re.search(r"\d", stripped) and re.fullmatch(r"[\d\s]+", stripped):
                raise TranscriptionError(f"{path}, line {lineno}: Tabel 9-4: expected seven integers (six "
                                         f"types and the row total), found {stripped!r}")
            fragments.append(raw)
            continue
        parts = [*fragments, m["name"]] if m["name"].strip() else fragments
        name = join_fragments(parts)
        if not name:
            raise TranscriptionError(f"{path}, line {lineno}: Tabel 9-4: counts {m['values']!r} without an offer name")
        name, marker = _split_footnote(name, set(), first, path)
        values = [int(v) for v in m["values"].split()]
        order = len(records) + 1
        records.append({"order": order, "offer_name": name, "footnote": marker,
                        **dict(zip(TYPE_COLUMNS, values[:6], strict=True)), "source_line": first})
        row_totals[order] = values[6]
        fragments, first = [], None
    if fragments:
        raise TranscriptionError(f"{path}, line {first}: Tabel 9-4 name {join_fragments(fragments)!r} has no counts")
    totals = [int(v) for v in _TOTAL.match(lines[end])["values"].split()]
    return Transcription(pd.DataFrame.from_records(records)[COLUMNS_9_4], totals, end + 1, row_totals)


def checks(t93: Transcription, t94: Transcription) -> list[str]:
    """What the transcription must satisfy against the report's own numbers; empty when all hold.

    Row counts as the text says (55 offers in Tabel 9-3, 53 in Tabel 9-4), column totals equal to
    the printed "I alt" lines, each 9-4 row's counts adding up to its printed row total.
    """
    problems = []
    if len(t93.rows) != 55:
        problems.append(f"Tabel 9-3: {len(t93.rows)} offers, the report has 55")
    if len(t94.rows) != 53:
        problems.append(f"Tabel 9-4: {len(t94.rows)} offers, the report has 53")
    sums93 = [int(t93.rows[c].sum()) for c in AGE_COLUMNS]
    if sums93 != t93.printed_totals:
        problems.append(f"Tabel 9-3: column sums {sums93}, printed 'I alt' (line {t93.total_line}) "
                        f"{t93.printed_totals}")
    sums94 = [int(t94.rows[c].sum()) for c in TYPE_COLUMNS]
    sums94.append(sum(sums94))
    if sums94 != t94.printed_totals:
        problems.append(f"Tabel 9-4: column sums and grand total {sums94}, printed 'I alt' (line "
                        f"{t94.total_line}) {t94.printed_totals}")
    for order, printed in t94.printed_row_totals.items():
        row = t94.rows.loc[t94.rows["order"] == order].iloc[0]
        if int(row[TYPE_COLUMNS].sum()) != printed:
            problems.append(f"Tabel 9-4, line {row['source_line']} ({row['offer_name']}): counts add up to "
                            f"{int(row[TYPE_COLUMNS].sum())}, printed row total {printed}")
    for name, df in (("9-3", t93.rows), ("9-4", t94.rows)):
        dupes = df.loc[df["offer_name"].map(offer_key).duplicated(keep=False), "offer_name"].tolist()
        if dupes:
            problems.append(f"Tabel {name}: offers printed twice: {dupes}")
    return problems


def offer_key(name: str) -> str:
    """A name reduced for matching the same offer between tables: case, dashes, punctuation and
    spacing differ between Tabel 9-3 and 9-4 ("Helsingør kommune" / "Helsingør Kommune")."""
    text = unicodedata.normalize("NFC", name).casefold()
    text = re.sub(r"[\u2010-\u2015-]", " ", text)
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def transcribe(seed: Path = SEED) -> tuple[Transcription, Transcription]:
    """Both tables parsed from the seed, the checks raising when one fails."""
    lines = read_seed(seed)
    t93, t94 = parse_tabel_9_3(lines, str(seed)), parse_tabel_9_4(lines, str(seed))
    problems = checks(t93, t94)
    if problems:
        raise TranscriptionError(f"{seed}: the transcription does not match the report's own numbers:\n- "
                                 + "\n- ".join(problems))
    return t93, t94


def to_csv_text(rows: pd.DataFrame) -> str:
    """The CSV as committed: UTF-8, comma, LF line ends, blank for no footnote."""
    return rows.to_csv(index=False, lineterminator="\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=Path, default=SEED)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="compare with the files in --out, write nothing")
    args = parser.parse_args(argv)
    t93, t94 = transcribe(args.seed)
    status = 0
    for name, t in (("tabel_9_3.csv", t93), ("tabel_9_4.csv", t94)):
        target, text = args.out / name, to_csv_text(t.rows)
        if args.check:
            same = target.exists() and target.read_text(encoding="utf-8") == text
            print(f"{target}: {'identical' if same else 'DIFFERS'}")
            status |= not same
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            print(f"{target}: {len(t.rows)} offers")
    for note in t93.judgements + t94.judgements:
        print(f"judgement: {note}")
    return status


if __name__ == "__main__":
    sys.exit(main())
