"""Where the 2016 mapping contradicts itself, found from its printed numbers alone.

Every check reads the transcription (config/kortlaegning/published.yaml and the offer-level
Tabel 9-3 and 9-4) and gives one tidy row (`COLUMNS`) with whether it holds and the arithmetic.
The precision rule: a share printed with d decimals follows from count k of N when
|100 k / N - share| <= 0.5 * 10^-d, so either rounding of an exact half is accepted. The kinds
(`KINDS`):

- share_vs_count: a cell prints a count and a share that do not agree at that precision
  (49 of 55 printed as 90 pct.; 49/55 = 89.09);
- impossible_share: a share no integer count of the N gives (74 pct. of 55: 40/55 = 72.73,
  41/55 = 74.55); with no N printed, against every base the table's note allows (`n_from`);
- total: the parts of a printed total row or column cannot add up to it (counts exactly; shares
  through the counts they allow), or a total column's N is not the sum of its parts' N;
- distribution: the shares of a single-choice table without a total cannot add up to its N;
- choice_limit: more answers than the question allowed ("højst tre krydser");
- duplicate_table, duplicate_label: a table printed with the same numbers as another, a row label
  printed twice;
- statement: a prose number differs from the cell it cites (a verbal quantity, `approx`, within
  `APPROX_POINTS` points; "over halvdelen", `gt`, strictly);
- cross_table: the same quantity (config `cross_checks`) with values or N that cannot agree.
  Refs whose share no count gives are reported by impossible_share and left out here; shares of
  the same N must be printed alike.

`checks` returns every check, `inconsistencies` those that fail, `markdown` the list that
docs/kortlaegning_inconsistencies.md is written from.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import pandas as pd

from puljeeval.kortlaegning.published import Published, decimals_of, load, read_offer_tables
from puljeeval.kortlaegning.transcribe import offer_key

COLUMNS = ["kind", "check", "table", "row", "column", "measure", "printed", "expected", "holds", "detail", "lines"]
KINDS = {
    "share_vs_count": "Printed shares that do not follow from the printed count and N",
    "impossible_share": "Shares that no integer count of N can give",
    "total": "Totals that do not add up",
    "distribution": "Single-choice shares that cannot add up to N",
    "choice_limit": "More answers than the question allowed",
    "duplicate_table": "Tables printed with another table's numbers",
    "duplicate_label": "Row labels printed twice",
    "statement": "Prose numbers that differ from the table they cite",
    "cross_table": "The same quantity with different values or N in different places",
}
APPROX_POINTS = 3   # a verbal quantity ("en fjerdedel") holds within this many percentage points


def share_follows(count: int, n: int, pct: float, decimals: int = 0) -> bool:
    """Whether `count` of `n` is `pct` at `decimals` printed decimals (either rounding of a half)."""
    return n > 0 and _follows(count, n, Fraction(str(pct)), decimals)


def _follows(count: int, n: int, pct: Fraction, decimals: int) -> bool:
    # |100 count / n - pct| <= 1 / (2 * 10^decimals), in integers (this runs ~30,000 times a run)
    return abs(100 * count * pct.denominator - pct.numerator * n) * 2 * 10**decimals <= n * pct.denominator


def counts_for(pct: float, n: int, decimals: int = 0) -> list[int]:
    """Every count of `n` whose share is printed as `pct` (empty: no count gives it)."""
    if n <= 0:
        return []
    exact = Fraction(str(pct))
    centre = exact * n / 100
    return [k for k in range(max(0, math.floor(centre) - 1), min(n, math.ceil(centre) + 1) + 1)
            if _follows(k, n, exact, decimals)]


def _share(k: int, n: int) -> str:
    return f"{k}/{n} = {float(Fraction(100 * k, n)):.2f}"


def _neighbours(pct: float, n: int) -> str:
    k = math.floor(Fraction(str(pct)) * n / 100)
    return " and ".join(_share(j, n) for j in (k, k + 1) if 0 <= j <= n)


def table_label(tid: str) -> str:
    """'tabel_9_5_andet' -> 'Tabel 9-5 [andet]'."""
    parts = tid.split("_")
    label = f"{parts[0].capitalize()} {parts[1]}-{parts[2]}"
    return label + (f" [{' '.join(parts[3:])}]" if len(parts) > 3 else "")


def _fmt(values: Any) -> str:
    values = sorted(values)
    if not values:
        return "none"
    if len(values) > 2 and values == list(range(values[0], values[-1] + 1)):
        return f"{values[0]}-{values[-1]}"
    return ", ".join(str(v) for v in values)


def _set_sum(sets: list[set[int]]) -> set[int]:
    total = {0}
    for s in sets:
        total = {a + b for a in total for b in s}
    return total


@dataclass
class _Cell:
    """One printed cell with the counts it allows."""

    table: str
    row: str
    column: str
    count: int | None
    pct: float | None
    decimals: int
    n: int | None
    line: int

    @property
    def counts(self) -> set[int] | None:
        """The counts this cell allows: its count, or those its share gives; None without N."""
        if self.count is not None:
            return {self.count}
        if self.pct is None or self.n is None:
            return None
        return set(counts_for(self.pct, self.n, self.decimals))

    def text(self) -> str:
        """The cell as printed: '49, 90 pct. of 55', '14 pct. of 12', '42'."""
        bits = [f"{self.count}"] if self.count is not None else []
        if self.pct is not None:
            bits.append(f"{self.pct:g} pct." + (f" of {self.n}" if self.n is not None else ""))
        return ", ".join(bits)


class _Checker:
    def __init__(self, pub: Published, t93: pd.DataFrame | None, t94: pd.DataFrame | None):
        self.pub, self.t93, self.t94 = pub, t93, t94
        self.rows: list[dict[str, Any]] = []
        self.statements = {s["id"]: s for s in pub.statements}

    # ---------------------------------------------------------------- helpers
    def add(self, kind: str, check: str, holds: bool, detail: str, lines: list[int] | str, table: str = "",
            row: str = "", column: str = "", measure: str = "", printed: str = "", expected: str = "") -> None:
        lines = lines if isinstance(lines, str) else ", ".join(str(v) for v in sorted(set(lines)))
        self.rows.append({"kind": kind, "check": check, "table": table, "row": row, "column": column,
                          "measure": measure, "printed": printed, "expected": expected, "holds": bool(holds),
                          "detail": detail, "lines": lines})

    def base(self, tid: str, row: str, column: str) -> int | None:
        t = self.pub.tables[tid]
        if t.get("pct_of") == "column_count_sum":
            counts = [(t["cells"].get(r, {}).get(column) or {}).get("count") for r in t["rows"]]
            return sum(counts) if all(c is not None for c in counts) else None
        if t.get("pct_of") == "ticks":
            return None   # the ticks are not printed: checked by `ticks`
        return self.pub.n_of(tid, column)

    def cell(self, tid: str, row: str, column: str) -> _Cell | None:
        t = self.pub.tables[tid]
        m = (t["cells"].get(row) or {}).get(column)
        if not m:
            return None
        pct = m.get("pct")
        decimals = 0 if pct is None else decimals_of(pct)
        line = dict(zip(t["rows"], t["row_lines"], strict=True))[row]
        return _Cell(tid, row, column, m.get("count"), pct, decimals, self.base(tid, row, column), line)

    def cells(self, tid: str) -> list[_Cell]:
        t = self.pub.tables[tid]
        return [c for r in t["rows"] for col in t["columns"] if (c := self.cell(tid, r, col))]

    # ---------------------------------------------------------------- cell checks
    def shares(self) -> None:
        for tid, t in self.pub.tables.items():
            for c in self.cells(tid):
                if c.pct is None:
                    continue
                where = f"{table_label(tid)}, {c.row} / {c.column}"
                check = f"{tid}|{c.row}|{c.column}|pct"
                if c.count is not None and c.n is not None:
                    ok = share_follows(c.count, c.n, c.pct, c.decimals)
                    possible = counts_for(c.pct, c.n, c.decimals)
                    tail = (f"{c.pct:g} pct. would need a count of {_fmt(possible)}" if possible
                            else f"no count of {c.n} gives {c.pct:g} pct. ({_neighbours(c.pct, c.n)})")
                    of = (f"the column's {c.n} (sum of its counts)" if t.get("pct_of") == "column_count_sum"
                          else f"N = {c.n}")
                    self.add("share_vs_count", check, ok,
                             f"{where}: printed {c.count} and {c.pct:g} pct. of {of}; "
                             f"{_share(c.count, c.n)} pct.; {tail}.", [c.line], tid, c.row, c.column, "pct",
                             f"{c.pct:g}", f"{float(Fraction(100 * c.count, c.n)):.2f}")
                elif c.count is None and c.n is not None:
                    possible = counts_for(c.pct, c.n, c.decimals)
                    detail = (f"{where}: {c.pct:g} pct. of N = {c.n} is a count of {_fmt(possible)}." if possible
                              else f"{where}: {c.pct:g} pct. of N = {c.n}: {_neighbours(c.pct, c.n)}, neither is "
                                   f"{c.pct:g}{self._total_note(tid, c)}.")
                    self.add("impossible_share", check, bool(possible), detail, [c.line], tid, c.row, c.column,
                             "pct", f"{c.pct:g}", _fmt(possible) if possible else "no count")

    def _total_note(self, tid: str, c: _Cell) -> str:
        """For a total cell: whether the report printed the sum of the rounded shares."""
        t, totals = self.pub.tables[tid], self.pub.tables[tid].get("totals") or {}
        if c.row == totals.get("row"):
            parts = [self.cell(tid, r, c.column) for r in t["rows"] if r != c.row]
        elif c.column == totals.get("column"):
            parts = [self.cell(tid, c.row, col) for col in t["columns"] if col != c.column]
        else:
            return ""
        if not parts or any(p is None or p.counts is None or len(p.counts) != 1 for p in parts):
            return ""
        pcts, counts = [p.pct for p in parts], sum(next(iter(p.counts)) for p in parts)
        same = math.isclose(sum(pcts), c.pct)
        summed = "; the printed total is the sum of the printed shares" if same else ""
        return (f"; the parts' shares {' + '.join(f'{v:g}' for v in pcts)} give counts adding to {counts}, "
                f"{_share(counts, c.n)} pct.{summed}")

    def base_candidates(self, tid: str) -> tuple[list[int], str]:
        """The bases a table without N may have by its `n_from`: the counts that give the cited share,
        or, when none does, the two nearest counts."""
        src = self.pub.tables[tid]["n_from"]
        bc = self.cell(src["table"], src["row"], src["column"])
        where = f"{bc.pct:g} pct. of {bc.n} in {table_label(src['table'])} ('{src['row']}', line {bc.line})"
        exact = counts_for(bc.pct, bc.n, bc.decimals)
        if exact:
            return exact, f"{where} gives a base of {_fmt(exact)}"
        k = math.floor(Fraction(str(bc.pct)) * bc.n / 100)
        return [k, k + 1], f"{where}, which no count gives; the nearest bases are {k} and {k + 1}"

    def bases(self) -> None:
        """Tables printed without N whose note names their base (`n_from`): one check per table."""
        for tid, t in self.pub.tables.items():
            if "n_from" not in t:
                continue
            cands, how = self.base_candidates(tid)
            cells = [c for c in self.cells(tid) if c.pct is not None]
            bad = [c for c in cells if not any(counts_for(c.pct, n, c.decimals) for n in cands)]
            fitting = [n for n in range(1, 201) if all(counts_for(c.pct, n, c.decimals) for c in cells)]
            shown = ", ".join(f"{c.row} {c.pct:g}" for c in bad)
            self.add("impossible_share", f"{tid}|base", not bad,
                     f"{table_label(tid)}: no N printed; by its note the shares are of the interventions that named "
                     f"another method: {how}. "
                     + (f"No count of {_fmt(cands)} gives {shown} pct. " if bad else "Every share fits. ")
                     + (f"The bases up to 200 that give every printed share: {_fmt(fitting[:8])}"
                        + (", ..." if len(fitting) > 8 else "") + "." if fitting else
                        "No base up to 200 gives every printed share."),
                     [c.line for c in (bad or cells)], tid, "", "Andel", "pct", shown, f"base {_fmt(cands)}")

    def tick_solutions(self, tid: str, column: str, bounded: bool = True) -> list[tuple[int, tuple[int, ...]]]:
        """The (ticks, counts per row) that give every printed share of the column as a share of the
        ticks; `bounded`: each count at most the column's N (an offer ticks a band once), else up to
        N times the rows (counts of staff rather than of offers)."""
        t = self.pub.tables[tid]
        n = self.pub.n_of(tid, column)
        cells = [c for r in t["rows"] if (c := self.cell(tid, r, column)) and c.pct is not None]
        out = []
        top = n * len(cells) if bounded else 4 * n * len(cells)
        for ticks in range(n if bounded else 1, top + 1):
            options = [[k for k in counts_for(c.pct, ticks, c.decimals) if k <= n or not bounded] for c in cells]
            stack: list[tuple[int, tuple[int, ...]]] = [(0, ())]
            for opts in options:
                stack = [(total + k, chosen + (k,)) for total, chosen in stack for k in opts if total + k <= ticks]
            out += [(ticks, chosen) for total, chosen in stack if total == ticks]
        return out

    def ticks(self) -> None:
        """Tables whose shares are of the ticks (`pct_of: ticks`): per column, a number of ticks
        and counts that give every printed share; a total column's counts the sum of its parts'."""
        for tid, t in self.pub.tables.items():
            if t.get("pct_of") != "ticks":
                continue
            total_col = (t.get("totals") or {}).get("column")
            found = {col: self.tick_solutions(tid, col) for col in t["columns"]}
            lines = [t["row_lines"][0]]
            for col, sols in found.items():
                shown = "; ".join(f"{ticks} ticks: {', '.join(map(str, c))}" for ticks, c in sols[:3])
                loose = [] if sols else self.tick_solutions(tid, col, bounded=False)
                other = "; ".join(f"{ticks}: {', '.join(map(str, c))}" for ticks, c in loose[:2])
                self.add("impossible_share", f"{tid}|{col}|ticks", bool(sols),
                         f"{table_label(tid)}, {col}: as shares of the ticks of N = {self.pub.n_of(tid, col)} "
                         + (f"offers the printed shares are given by {shown}" + (" ..." if len(sols) > 3 else "")
                            if sols else "offers (each band ticked at most once per offer) no number of ticks gives "
                            "every printed share" + (f"; counts above N would (e.g. {other}), as if the counts were "
                                                     "staff, not offers" if loose else "")) + ".",
                         lines, tid, "", col, "pct", "", shown or "none")
            if total_col:
                parts = [found[c] for c in t["columns"] if c != total_col]
                sums = {(0, ())}
                for sols in parts:
                    sums = {(a + ticks, tuple(x + y for x, y in zip(b, c, strict=True)) if b else c)
                            for a, b in sums for ticks, c in sols}
                ok = bool(sums & set(found[total_col]))
                self.add("total", f"{tid}|{total_col}|ticks", ok,
                         f"{table_label(tid)}, {total_col}: the ticks of the parts "
                         + ("add up to counts that give the total column's shares" if ok else
                            "cannot add up to counts that give the total column's shares") + ".",
                         lines, tid, "", total_col, "pct", "", "")

    # ---------------------------------------------------------------- table checks
    def totals(self) -> None:
        for tid, t in self.pub.tables.items():
            totals = t.get("totals") or {}
            if "row" in totals:
                for col in t["columns"]:
                    parts = [self.cell(tid, r, col) for r in t["rows"] if r != totals["row"]]
                    self._total(tid, f"{totals['row']} / {col}", parts, self.cell(tid, totals["row"], col),
                                totals["row"], col)
            if "column" in totals:
                parts_cols = [col for col in t["columns"] if col != totals["column"]]
                n = t["n"]
                if isinstance(n, dict) and totals["column"] in n:
                    part_n = [n.get(col) for col in parts_cols]
                    ok = None not in part_n and sum(part_n) == n[totals["column"]]
                    self.add("total", f"{tid}|N|{totals['column']}|n", ok,
                             f"{table_label(tid)}: the N of '{totals['column']}' is {n[totals['column']]}, "
                             "its parts' N "
                             f"{' + '.join(str(v) for v in part_n)} = {sum(v or 0 for v in part_n)}.",
                             [t["source"]["lines"][0]], tid, "N", totals["column"], "n", str(n[totals["column"]]),
                             str(sum(v or 0 for v in part_n)))
                    if not ok:
                        continue
                for row in t["rows"]:
                    if row == totals.get("row"):
                        continue
                    parts = [self.cell(tid, row, col) for col in parts_cols]
                    self._total(tid, f"{row} / {totals['column']}", parts, self.cell(tid, row, totals["column"]),
                                row, totals["column"])

    def _total(self, tid: str, where: str, parts: list[_Cell | None], total: _Cell | None, row: str,
               column: str) -> None:
        if total is None or any(p is None for p in parts):
            return
        part_sets, total_set = [p.counts for p in parts], total.counts
        if total_set is None or any(s is None for s in part_sets) or not total_set or not all(part_sets):
            return   # no N, or a share no count gives (reported as impossible_share)
        sums = _set_sum(part_sets)
        ok = bool(sums & total_set)
        measure = "count" if total.count is not None and all(p.count is not None for p in parts) else "pct"
        detail = (f"{table_label(tid)}, {where}: parts {' + '.join(p.text() for p in parts)}"
                  + ("" if measure == "count" else f" allow counts adding to {_fmt(sums)}")
                  + (f" = {min(sums)}" if measure == "count" else "")
                  + f"; the total prints {total.text()}" + ("" if measure == "count" else f" ({_fmt(total_set)})")
                  + ".")
        self.add("total", f"{tid}|{row}|{column}|{measure}", ok, detail, [total.line] + [p.line for p in parts],
                 tid, row, column, measure, total.text(), _fmt(sums))

    def distributions(self) -> None:
        for tid, t in self.pub.tables.items():
            totals = t.get("totals") or {}
            if t["multi_choice"] or t.get("pct_of") == "column_count_sum" or not t["cells"]:
                continue
            if len(t["rows"]) == 1 and "column" not in totals:
                groups = [(t["rows"][0], [self.cell(tid, t["rows"][0], c) for c in t["columns"]], self.pub.n_of(tid))]
            elif len(t["rows"]) > 1 and "row" not in totals:
                groups = [(col, [self.cell(tid, r, col) for r in t["rows"]], self.pub.n_of(tid, col))
                          for col in t["columns"] if col != totals.get("column")]
            else:
                continue
            for label, parts, n in groups:
                if n is None or any(p is None or p.pct is None or not p.counts for p in parts):
                    continue
                sums = _set_sum([p.counts for p in parts])
                self.add("distribution", f"{tid}|{label}|distribution", n in sums,
                         f"{table_label(tid)}, {label}: {' + '.join(f'{p.pct:g}' for p in parts)} pct. of N = {n} "
                         f"allow counts adding to {_fmt(sums)}; N is {n}.", [p.line for p in parts], tid,
                         label if len(t["rows"]) == 1 else "", "" if len(t["rows"]) == 1 else label, "pct",
                         str(sum(p.pct for p in parts)), str(n))

    def choice_limits(self) -> None:
        for tid, t in self.pub.tables.items():
            if "max_choices" not in t:
                continue
            for col in t["columns"]:
                parts = [c for r in t["rows"] if (c := self.cell(tid, r, col))]
                n = self.pub.n_of(tid, col)
                if n is None or any(not p.counts for p in parts):
                    continue
                least = sum(min(p.counts) for p in parts)
                self.add("choice_limit", f"{tid}|{col}|choices", least <= t["max_choices"] * n,
                         f"{table_label(tid)}, {col}: the shares need at least {least} answers from {n} offers, "
                         f"at most {t['max_choices']} each = {t['max_choices'] * n}.", [p.line for p in parts], tid, "",
                         col, "pct", str(least), f"<= {t['max_choices'] * n}")

    def duplicates(self) -> None:
        ids = list(self.pub.tables)
        for a, b in itertools.combinations(ids, 2):
            ta, tb = self.pub.tables[a], self.pub.tables[b]
            if ta["cells"] and ta["rows"] == tb["rows"] and ta["cells"] == tb["cells"]:
                self.add("duplicate_table", f"{b}=={a}", False,
                         f"{table_label(b)} (lines {tb['source']['lines'][0]}-{tb['source']['lines'][1]}) prints the "
                         f"same {len(tb['rows'])} rows with the same numbers as {table_label(a)} (lines "
                         f"{ta['source']['lines'][0]}-{ta['source']['lines'][1]}), although its base differs "
                         f"({tb['base']}: {self._base_text(b)} against {self._base_text(a)}).",
                         tb["source"]["lines"], b)
        for tid, t in self.pub.tables.items():
            for row, line in zip(t["rows"], t["row_lines"], strict=True):
                if row.endswith(" (2)"):
                    first = row[:-4]
                    self.add("duplicate_label", f"{tid}|{row}|label", False,
                             f"{table_label(tid)}: the row '{first}' is printed twice (line "
                             f"{dict(zip(t['rows'], t['row_lines'], strict=True))[first]} and line {line}) with "
                             f"different numbers.", [line], tid, row)

    def _base_text(self, tid: str) -> str:
        t = self.pub.tables[tid]
        if t["n"] is not None:
            return f"N = {t['n']}"
        return f"a base of {_fmt(self.base_candidates(tid)[0])}" if t.get("n_from") else "no N"

    # ---------------------------------------------------------------- prose and cross-table checks
    def statement_checks(self) -> None:
        for s in self.pub.statements:
            ref = s.get("refers_to")
            if not ref:
                continue
            tid, measure, value, compare = ref["table"], s["measure"], s["value"], s.get("compare", "eq")
            said = {"eq": "", "approx": "about ", "gt": "more than ", "lt": "less than "}[compare]
            words = f"line {s['line']}: “{s['text']}” says {said}{value:g}" + (" pct." if measure == "pct" else "")
            if measure == "n":
                n = self.pub.n_of(tid, ref.get("column"))
                self.add("statement", s["id"], n == value, f"{words}; {table_label(tid)} prints N = {n}.",
                         [s["line"]], tid, "", ref.get("column") or "", "n", f"{value:g}", str(n))
                continue
            c = self.cell(tid, ref["row"], ref["column"])
            if measure == "count":
                if c.count is not None:
                    ok, shown = c.count == value, f"{c.count}"
                else:
                    ok, shown = int(value) in (c.counts or set()), f"{c.pct:g} pct. of {c.n} (counts {_fmt(c.counts)})"
            else:
                p = c.pct
                ok = {"eq": p == value, "approx": abs(p - value) <= APPROX_POINTS, "gt": p > value,
                      "lt": p < value}[compare]
                shown = f"{p:g} pct."
                if compare == "approx":
                    words += f" (a verbal quantity, read as within {APPROX_POINTS} points)"
            self.add("statement", s["id"], ok,
                     f"{words}; {table_label(tid)}, {ref['row']} / {ref['column']} prints {shown}".rstrip(".") + ".",
                     [s["line"], c.line], tid, ref["row"], ref["column"], measure, f"{value:g}", shown)

    def resolve(self, ref: dict) -> tuple[str, str, Any, int | None, set[int] | None, list[int]]:
        """A cross-check reference as (label, measure, printed, N, counts allowed, lines)."""
        if "sum" in ref:
            parts = [self.resolve(r) for r in ref["sum"]]
            sets = [p[4] for p in parts]
            counts = None if any(not s for s in sets) else _set_sum(sets)
            return (" + ".join(p[0] for p in parts), "count", " + ".join(str(p[2]) for p in parts), None, counts,
                    [v for p in parts for v in p[5]])
        if "listed" in ref:
            k = ref["of"] - len(ref["listed"])
            return (f"{ref['label']} ({ref['of']} - {len(ref['listed'])})", "count", k, None, {k}, ref["lines"])
        if "data" in ref:
            frame = self.t93 if ref["data"] == "tabel_9_3" else self.t94
            if frame is None:
                return (f"{table_label(ref['data'])} (not read)", "count", None, None, None, [])
            if ref.get("rows"):
                k, what = len(frame), "offers"
                missing = self._missing_offers() if ref["data"] == "tabel_9_4" else []
                if missing:
                    what += f"; Tabel 9-3's {' and '.join(missing)} have no row"
            else:
                cols = [ref["column_sum"]] if isinstance(ref["column_sum"], str) else ref["column_sum"]
                k, what = int(frame[cols].to_numpy().sum()), f"sum of {', '.join(cols)}"
            return (f"{table_label(ref['data'])} as transcribed ({what})", "count", k, None, {k},
                    [int(frame["source_line"].min())] if len(frame) else [])
        if "statement" in ref:
            s = self.statements[ref["statement"]]
            label = f"line {s['line']} (“{s['text']}”)"
            if s["measure"] == "pct_range":
                return (label, "pct_range", tuple(s["value"]), None, None, [s["line"]])
            if s["measure"] == "pct":
                r = s.get("refers_to")
                n = s.get("n") or (self.cell(r["table"], r["row"], r["column"]).n if r else None)
                return (label, "pct", s["value"], n, set(counts_for(s["value"], n)) if n else None, [s["line"]])
            return (label, "count", s["value"], None, {int(s["value"])}, [s["line"]])
        tid = ref["table"]
        if "n" in ref:
            t = self.pub.tables[tid]
            n = self.pub.n_of(tid, None if ref["n"] is True else ref["n"])
            extra = t.get("missing", 0) if ref.get("plus_missing") else 0
            where = "" if ref["n"] is True else f" of '{ref['n']}'"
            label = f"{table_label(tid)}, N{where}" + (f" + missing {extra}" if ref.get("plus_missing") else "")
            return (label, "count", n + extra, None, {n + extra}, [t["source"]["lines"][0]])
        c = self.cell(tid, ref["row"], ref["column"])
        label = f"{table_label(tid)}, {ref['row']} / {ref['column']}"
        if ref["measure"] == "count":
            return (label, "count", c.count, None, {c.count}, [c.line])
        return (label, "pct", c.pct, c.n, set(counts_for(c.pct, c.n, c.decimals)) if c.n else None, [c.line])

    def _missing_offers(self) -> list[str]:
        if self.t93 is None or self.t94 is None:
            return []
        keys94 = set(self.t94["offer_name"].map(offer_key))
        return [n for n in self.t93["offer_name"] if offer_key(n) not in keys94]

    def cross_checks(self) -> None:
        for chk in self.pub.cross_checks:
            resolved = [self.resolve(r) for r in chk["refs"]]
            texts, sets, lines = [], [], []
            by_n: dict[int, set] = {}
            ranges = set()
            for label, measure, printed, n, counts, ls in resolved:
                lines += ls
                if measure == "pct_range":
                    ranges.add(printed)
                    texts.append(f"{label}: {printed[0]:g}-{printed[1]:g} pct.")
                    continue
                if measure == "pct" and n is not None:
                    by_n.setdefault(n, set()).add(printed)
                    texts.append(f"{label}: {printed:g} pct. of {n} → "
                                 + (f"count {_fmt(counts)}" if counts else "no count (see impossible_share)"))
                else:
                    texts.append(f"{label}: {printed}")
                if counts:
                    sets.append(counts)
            common = set.intersection(*sets) if sets else set()
            ok = len(ranges) <= 1 and all(len(v) == 1 for v in by_n.values()) and (bool(common) or not sets)
            why = []
            if len(ranges) > 1:
                why.append("the ranges differ")
            why += [f"shares of N = {n} printed as {' and '.join(f'{v:g}' for v in sorted(v))}"
                    for n, v in by_n.items() if len(v) > 1]
            if sets and not common:
                why.append(f"no one count fits all (counts {' / '.join(_fmt(s) for s in sets)})")
            self.add("cross_table", chk["id"], ok,
                     f"{chk['quantity']}: " + "; ".join(texts).rstrip(".")
                     + (f". Inconsistent: {'; '.join(why)}." if why else "."),
                     lines, printed=" / ".join(sorted({str(r[2]) for r in resolved})),
                     expected=_fmt(common) if sets else "")


def checks(pub: Published | None = None, t93: pd.DataFrame | None = None,
           t94: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every consistency check of the mapping's printed numbers, with `holds` and the arithmetic.

    Defaults: the repository's published.yaml and offer-level CSVs.
    """
    if pub is None:
        pub = load()
        if t93 is None and t94 is None:
            t93, t94 = read_offer_tables()
    c = _Checker(pub, t93, t94)
    c.shares()
    c.bases()
    c.ticks()
    c.totals()
    c.distributions()
    c.choice_limits()
    c.duplicates()
    c.statement_checks()
    c.cross_checks()
    frame = pd.DataFrame.from_records(c.rows, columns=COLUMNS)
    order = {k: i for i, k in enumerate(KINDS)}
    return frame.sort_values("kind", key=lambda s: s.map(order), kind="stable").reset_index(drop=True)


def inconsistencies(pub: Published | None = None, t93: pd.DataFrame | None = None,
                    t94: pd.DataFrame | None = None) -> pd.DataFrame:
    """The checks that fail: the report's internal inconsistencies, one tidy row each."""
    frame = checks(pub, t93, t94)
    return frame.loc[~frame["holds"]].reset_index(drop=True)


def markdown(frame: pd.DataFrame) -> str:
    """The failed checks as Markdown, one section per kind (the list in docs/kortlaegning_inconsistencies.md)."""
    out = []
    for kind, title in KINDS.items():
        rows = frame.loc[(frame["kind"] == kind) & ~frame["holds"]]
        if rows.empty:
            continue
        out.append(f"### {title} ({len(rows)})\n")
        out += [f"- `{r.check}` (line {r.lines}): {r.detail}" for r in rows.itertuples()]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    result = checks()
    bad = result.loc[~result["holds"]]
    print(f"{len(result)} checks, {len(bad)} fail\n")
    print(markdown(result))
