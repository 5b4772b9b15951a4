"""Write data/geo/kommuner.csv (Denmark's 98 municipalities with a representative point) from the
research digest's table (shared/reference/stats-and-privacy.md, section 3.3).

The digest's points are the "<Name> Kommune" (ADM2) points of the countries-states-cities
database; for København, which has no such point there, the digest gives the city point (its
footnote 1). Columns written: code (the 3-digit DST/DAGI number), name, region, lon, lat, source
(`kommune_point` or `city_point`, see data/geo/README.md). Rows are sorted by code; UTF-8, comma,
LF line ends, so the same digest gives the same bytes.

    .venv/bin/python tools/geo/make_kommuner.py --digest ../shared/reference/stats-and-privacy.md

Every row is checked as it is read (98 rows, unique 3-digit codes equal to the 4-digit ones,
numbers where numbers belong); a bad row stops the script with its line number.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "data" / "geo" / "kommuner.csv"
SECTION = "### 3.3 Municipality table"
HEADER = ["code (3-digit)", "code (4-digit, DAGI/DAWA)", "name", "region", "DAGI regionskode", "ISO 3166-2", "lat",
          "lon"]
COLUMNS = ["code", "name", "region", "lon", "lat", "source"]
FOOTNOTE = "¹"
N_MUNICIPALITIES = 98


def parse(digest: Path) -> list[dict[str, str]]:
    """The rows of section 3.3's table, checked, in the CSV's columns."""
    lines = digest.read_text(encoding="utf-8").splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(SECTION)), None)
    if start is None:
        raise SystemExit(f"{digest}: no heading '{SECTION}'")
    rows, header_seen = [], False
    for number, line in enumerate(lines[start + 1:], start=start + 2):
        if line.startswith("#"):
            break
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells == HEADER:
            header_seen = True
            continue
        if set("".join(cells)) <= set("-: "):
            continue        # the separator row
        if not header_seen or len(cells) != len(HEADER):
            raise SystemExit(f"{digest}, line {number}: expected the header {HEADER} and rows of {len(HEADER)} cells")
        code3, code4, name, region, _, _, lat, lon = cells
        source = "city_point" if FOOTNOTE in lat or FOOTNOTE in lon else "kommune_point"
        lat, lon = (v.replace(FOOTNOTE, "").strip() for v in (lat, lon))
        if not re.fullmatch(r"\d{3}", code3) or code4 != code3.zfill(4):
            raise SystemExit(f"{digest}, line {number}: codes '{code3}'/'{code4}' are not a 3-digit code and its "
                             "zero-padded 4-digit form")
        for column, value in (("lat", lat), ("lon", lon)):
            if not re.fullmatch(r"\d{1,2}\.\d+", value):
                raise SystemExit(f"{digest}, line {number}, column {column}: expected a decimal number, got '{value}'")
        if not name or not region.startswith("Region "):
            raise SystemExit(f"{digest}, line {number}: expected a name and a region 'Region ...'")
        rows.append({"code": code3, "name": name, "region": region, "lon": lon, "lat": lat, "source": source})
    codes = [r["code"] for r in rows]
    if len(rows) != N_MUNICIPALITIES or len(set(codes)) != len(codes):
        raise SystemExit(f"{digest}: expected {N_MUNICIPALITIES} rows with unique codes, got {len(rows)} rows, "
                         f"{len(set(codes))} codes")
    return sorted(rows, key=lambda r: int(r["code"]))


def to_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--digest", type=Path, required=True, help="shared/reference/stats-and-privacy.md")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    text = to_csv(parse(args.digest))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: {text.count(chr(10)) - 1} municipalities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
