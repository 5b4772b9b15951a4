"""The disclosure audit: what a reader can work out about every hidden count from everything the
publication shows, computed by integer linear programming (scipy's HiGHS), and the output-checking
record for the person who clears outputs from a secure environment (docs/output_checking.md).

The reader's model. The unknowns are the hidden counts (and the counts behind shares that are
shown without their count, and a few never-published totals such as "answers in categories the
table does not show"). A reader knows every shown cell *as displayed*: a count exactly; a share s
shown with d decimals of a count out of n only as s +- half a unit of its last decimal (half-up,
puljeeval/publish/display.py); a cell marked primary ("<5") lies in [1, min_count - 1]; a cell
marked secondary ("..") is >= 0 (it is really 0 or >= min_count; relaxed, see
docs/output_checking.md). Counts are whole numbers. The relations are the arithmetic of each table
(one builder per disclosure rule of config/tables.yaml, `BUILDERS`) and of the relations between
tables that a reader can use (`LINKS`). For every hidden count the audit minimises and maximises it
subject to all of that: the feasible range. A hidden count below the threshold (status primary, or
any count whose range lies within [1, min_count - 1]) must keep a range at least
`disclosure.audit.min_range` wide, else the audit fails naming the cell.

A table whose disclosure rule has no builder is reported as not audited, never skipped silently.
Models get ACRO's residual-degrees-of-freedom check ("dof") against `disclosure.min_residual_df`.
Check names and status words follow ACRO (AI-SDC/ACRO): threshold / dof (0.4.x names), with the
ontology names of ACRO 1.0 beside them, and pass / fail / review.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from puljeeval.publish import display
from puljeeval.publish.display import HIDDEN, PRIMARY, SECONDARY, SHOWN
from puljeeval.publish.masked import Masked
from puljeeval.publish.registry import Registry, Table

# ACRO's check names (0.4.x, acro/acro_tables.py get_summary and acro/acro_regression.py) and the
# ontology names of ACRO 1.0 (acro/checks.json); the audit's differencing check is what ACRO 1.0
# leaves to a person as PresenceOfLinkedTableCheck.
THRESHOLD, LINKED, DOF = "threshold", "linked-tables", "dof"
ACRO_NAMES = {THRESHOLD: "MinimumThresholdCheck", LINKED: "PresenceOfLinkedTableCheck", DOF: "MinimumDoFCheck"}
PASS, FAIL, REVIEW = "pass", "fail", "review"
NOT_AUDITED = "not audited"

# The all-ages group of the chapter tables (puljeeval/evaluation/kapitel_3.py and kapitel_4.py ALL)
# and the column holding it, for tables whose rule arguments do not name it.
ALL_LABEL = "ALLE"
AGE_COLUMN = "age_group"
# Columns of unit `count` that count something else than persons (offers, parameters).
NOT_PERSONS = frozenset({"parameters", "df_resid", "clusters"})
# Model tables: the columns that identify one model, and those that are its published estimates.
MODEL_ROW_COLUMNS = frozenset({"term", "method", "figure"})
ESTIMATE_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "p", "q", "r2")
# Upper bound on any count (a finite bound keeps every programme bounded; a range reaching it is
# reported as unbounded).
CAP_FLOOR = 10**6


def strict_margin(decimals: int) -> float:
    """The margin that makes a display interval's open end strict: with whole counts, 100 * count
    - n * (s + h) is a multiple of 10^-(decimals + 1) (s + h has decimals + 1 digits), so half of
    that excludes the end and nothing else (and is far above the solver's tolerance)."""
    return 0.5 * 10.0 ** -(decimals + 1)

RECORD_COLUMNS = ["chapter", "table_id", "sheet", "rule", "row", "column", "heading", "status", "why_hidden",
                  "quantity", "range_low", "range_high", "range_width", "check", "acro_check", "outcome",
                  "summary", "relations"]

Cell = tuple[str, int, str]          # (table id, row position, column)


class AuditFailure(Exception):
    """Hidden counts a reader can pin down, or models published with too few degrees of freedom;
    the message lists every one (table, row, column, feasible range)."""


# ---------------------------------------------------------------------------- linear expressions


class Lin:
    """A linear expression over the audit's unknowns: {variable index: coefficient} + constant."""

    __slots__ = ("terms", "const")

    def __init__(self, terms: Mapping[int, float] | None = None, const: float = 0.0) -> None:
        self.terms = {k: v for k, v in (terms or {}).items() if v != 0}
        self.const = float(const)

    @property
    def is_const(self) -> bool:
        return not self.terms

    def __add__(self, other: Lin | float) -> Lin:
        if not isinstance(other, Lin):
            return Lin(self.terms, self.const + float(other))
        terms = dict(self.terms)
        for k, v in other.terms.items():
            terms[k] = terms.get(k, 0.0) + v
        return Lin(terms, self.const + other.const)

    __radd__ = __add__

    def __neg__(self) -> Lin:
        return Lin({k: -v for k, v in self.terms.items()}, -self.const)

    def __sub__(self, other: Lin | float) -> Lin:
        return self + (-other if isinstance(other, Lin) else -float(other))

    def __rsub__(self, other: float) -> Lin:
        return (-self) + other

    def __mul__(self, factor: float) -> Lin:
        return Lin({k: v * factor for k, v in self.terms.items()}, self.const * factor)

    __rmul__ = __mul__


def total(items: Iterable[Lin]) -> Lin:
    out = Lin()
    for item in items:
        out = out + item
    return out


def shown_interval(value: float, decimals: int) -> tuple[float, float, bool, bool]:
    """The true values that display as `value` at `decimals` (half-up, halves away from zero):
    (low, high, low is strict, high is strict)."""
    h = 0.5 * 10.0 ** -decimals
    if value > 0:
        return value - h, value + h, False, True
    if value < 0:
        return value - h, value + h, True, False
    return -h, h, True, True


# ---------------------------------------------------------------------------- the published tables


@dataclass
class View:
    """One published table as a reader has it: the registry entry and the masked table."""

    table: Table
    masked: Masked

    @property
    def id(self) -> str:
        return self.table.id

    @property
    def frame(self) -> pd.DataFrame:
        return self.masked.values

    def has(self, column: str) -> bool:
        return column in self.masked.values.columns

    def decimals(self, column: str) -> int:
        for c in self.table.columns:
            if c.name == column:
                return int(c.decimals or 0)
        return 0

    def status(self, row: int, column: str) -> str:
        return str(self.masked.status.at[row, column])

    def shown(self, row: int, column: str) -> float | None:
        """The number a reader sees in the cell (rounded as displayed), None when it shows none."""
        if not self.has(column) or self.status(row, column) != SHOWN:
            return None
        value = self.masked.values.at[row, column]
        if display.is_missing(value):
            return None
        return float(display.rounded(float(value), self.decimals(column)))

    def key_columns(self) -> list[str]:
        """The columns that say which row it is: codes and orders, and the columns the rule's
        arguments name (a category kept as text); else the first text column."""
        args = self.table.rule_args
        named = [*args.get("line", []), args.get("across"), args.get("category")]
        keys = [c.name for c in self.table.columns
                if c.source is None and (c.unit in ("code", "order") or c.name in named)]
        if keys:
            return keys
        return [c.name for c in self.table.columns if c.source is None and c.unit == "text"][:1]

    def unit(self, column: str) -> str | None:
        return next((c.unit for c in self.table.columns if c.name == column), None)

    def row_label(self, row: int) -> str:
        parts = []
        for c in self.key_columns():
            v = self.masked.values.at[row, c]
            parts.append(f"{c}={'' if display.is_missing(v) else v}")
        return ", ".join(parts)

    def heading(self, column: str) -> str:
        return self.table.headings.get(column, column)


# ---------------------------------------------------------------------------- the reader's model


@dataclass
class Var:
    """One unknown. `cells` are the published cells it stands for (the first is its own);
    `hidden` says whether they are hidden (else a latent count behind a shown share, or a
    never-published total)."""

    index: int
    label: str
    low: float
    high: float
    status: str = SHOWN
    cells: list[Cell] = field(default_factory=list)
    hidden: bool = False
    disjunctive: bool = False     # secondary, modelled exactly as 0 or >= min_count


@dataclass
class Protected:
    """A quantity that is not a cell but may reveal persons (the complement n - count of a
    yes/no share); checked like a hidden count when its range lies below the threshold."""

    expr: Lin
    cell: Cell
    label: str


@dataclass
class Constraint:
    terms: dict[int, float]
    low: float
    high: float
    source: str


class Model:
    """The unknowns and relations of the published tables, as a reader can set them up."""

    def __init__(self, views: Mapping[str, View], min_count: int, suppress_zeros: bool = False,
                 exact_secondary: bool = False) -> None:
        self.views = dict(views)
        self.min_count = min_count
        self.primary_low = 0 if suppress_zeros else 1
        self.exact_secondary = exact_secondary
        shown = [abs(float(v)) for view in views.values() for c in view.table.columns if c.unit == "count"
                 for v in pd.to_numeric(view.frame[c.name], errors="coerce").dropna()] if views else []
        self.cap = float(max(CAP_FLOOR, 10 * max(shown, default=0.0)))
        self.vars: list[Var] = []
        self.constraints: list[Constraint] = []
        self.protected: list[Protected] = []
        self.inconsistent: list[str] = []
        self._by_cell: dict[Cell, Lin | None] = {}
        self.attached: dict[Cell, int] = {}

    # -- unknowns

    def _new(self, label: str, low: float, high: float, status: str = SHOWN, cells: Iterable[Cell] = (),
             hidden: bool = False, count: bool = False) -> Lin:
        var = Var(len(self.vars), label, low, min(high, self.cap), status, list(cells), hidden)
        # only a count cell marked secondary is known not to be 1..min_count-1 (Masked.hide keeps
        # a small count primary); a share's marker says nothing of the sort
        if hidden and count and status == SECONDARY and self.exact_secondary:
            var.disjunctive = True
        self.vars.append(var)
        for c in var.cells:
            if hidden:
                self.attached[c] = var.index
        return Lin({var.index: 1.0})

    def _bounds(self, status: str) -> tuple[float, float]:
        if status == PRIMARY:
            return self.primary_low, self.min_count - 1
        return 0.0, math.inf

    def latent(self, label: str, low: float = 0.0, high: float = math.inf) -> Lin:
        """A count nobody publishes (answers outside the shown categories, children without an
        age group): a whole number in [low, high]."""
        return self._new(label, low, high)

    def cell(self, tid: str, row: int, column: str, deps: Iterable[str] = ()) -> Lin | None:
        """A count cell: its shown value, or an unknown when hidden (hidden `deps` of the same row,
        such as its share and interval, are reported with it). None when the cell holds no number
        (not measured, not estimated) or the table has no such column."""
        key = (tid, row, column)
        if key in self._by_cell:
            return self._by_cell[key]
        view = self.views[tid]
        out: Lin | None
        if not view.has(column):
            out = None
        else:
            status = view.status(row, column)
            if status in HIDDEN:
                low, high = self._bounds(status)
                cells = [key] + [(tid, row, d) for d in deps if view.has(d) and view.status(row, d) in HIDDEN]
                out = self._new(f"{tid}[{row}].{column}", low, high, status, cells, hidden=True,
                                count=view.unit(column) == "count")
            else:
                value = view.shown(row, column)
                out = None if value is None else Lin(const=value)
        self._by_cell[key] = out
        return out

    def share_count(self, tid: str, row: int, share_column: str, deps: Iterable[str] = ()) -> Lin | None:
        """The count behind a share published without its count (a row of shares of n): always an
        unknown, bounded by the share when it is shown, by the marker when it is hidden."""
        key = (tid, row, f"count:{share_column}")
        if key in self._by_cell:
            return self._by_cell[key]
        view = self.views[tid]
        out: Lin | None = None
        if view.has(share_column):
            status = view.status(row, share_column)
            if status in HIDDEN:
                low, high = self._bounds(status)
                cells = [(tid, row, share_column)] + [(tid, row, d) for d in deps
                                                      if view.has(d) and view.status(row, d) in HIDDEN]
                out = self._new(f"{tid}[{row}].{share_column}", low, high, status, cells, hidden=True)
            elif view.shown(row, share_column) is not None:
                out = self._new(f"{tid}[{row}].{share_column}", 0.0, math.inf, SHOWN, [(tid, row, share_column)])
        self._by_cell[key] = out
        return out

    def attach(self, quantity: Lin | None, cells: Iterable[Cell]) -> None:
        """Report hidden `cells` (hidden because `quantity` is) with the quantity's range."""
        if quantity is None or quantity.is_const or len(quantity.terms) != 1:
            return
        (index,) = quantity.terms
        for c in cells:
            tid, row, column = c
            view = self.views[tid]
            if c not in self.attached and view.has(column) and view.status(row, column) in HIDDEN:
                self.attached[c] = index
                self.vars[index].cells.append(c)

    def same(self, cells: Iterable[Cell], deps: Iterable[str] = ()) -> Lin | None:
        """One quantity printed in several cells (an n repeated on every row of a group, a model's N
        in two tables): every one of them equals the first."""
        lins = [lin for lin in (self.cell(*c, deps=deps) for c in cells) if lin is not None]
        if not lins:
            return None
        # a hidden copy equals a shown one: prefer the shown value as the representative
        lins.sort(key=lambda lin: not lin.is_const)
        for other in lins[1:]:
            self.equal(lins[0], other, cells_source(cells))
        return lins[0]

    # -- relations

    def bound(self, expr: Lin, low: float, high: float, source: str, where: str = "") -> None:
        """low <= expr <= high; a relation of constants only is checked instead, and one the
        published numbers break is noted (`where` says which row and relation)."""
        if expr.is_const:
            if not (low - 1e-6 <= expr.const <= high + 1e-6):
                self.inconsistent.append(f"{source}{f' [{where}]' if where else ''}: off by "
                                         f"{expr.const - min(max(expr.const, low), high):g}")
            return
        self.constraints.append(Constraint(dict(expr.terms), low - expr.const, high - expr.const, source))

    def equal(self, a: Lin | None, b: Lin | None, source: str, where: str = "") -> None:
        if a is not None and b is not None:
            self.bound(a - b, 0.0, 0.0, source, where)

    def at_most(self, a: Lin | None, b: Lin | None, source: str, where: str = "") -> None:
        if a is not None and b is not None:
            self.bound(a - b, -math.inf, 0.0, source, where)

    def share(self, count: Lin | None, n: Lin | None, tid: str, row: int, column: str, scale: float = 100.0) -> None:
        """A shown share (in percent of n) bounds its count: n * (s - h) <= scale * count < n * (s + h)."""
        view = self.views[tid]
        value = view.shown(row, column)
        if count is None or n is None or value is None:
            return
        decimals = view.decimals(column)
        low, high, _, high_strict = shown_interval(value, decimals)
        self.bound(count * scale - n * max(low, 0.0), 0.0, math.inf, tid)
        self.bound(count * scale - n * high, -math.inf, -strict_margin(decimals) if high_strict else 0.0, tid)

    def share_difference(self, count_a: Lin | None, n_a: Lin | None, count_b: Lin | None, n_b: Lin | None,
                         tid: str, row: int, column: str) -> None:
        """A shown difference of two shares, 100 * (a / n_a - b / n_b), with both n's shown."""
        view = self.views[tid]
        value = view.shown(row, column)
        if value is None or any(x is None for x in (count_a, n_a, count_b, n_b)):
            return
        if not (n_a.is_const and n_b.is_const) or n_a.const <= 0 or n_b.const <= 0:
            return        # with a hidden n the relation is not linear (docs/output_checking.md)
        decimals = view.decimals(column)
        low, high, low_strict, high_strict = shown_interval(value, decimals)
        # times n_a * n_b: whole-number coefficients, and the strict ends as for a share
        na, nb = n_a.const, n_b.const
        expr = count_a * (100.0 * nb) - count_b * (100.0 * na)
        eps = strict_margin(decimals)
        self.bound(expr, low * na * nb + (eps if low_strict else 0.0), high * na * nb - (eps if high_strict else 0.0),
                   tid)

    def protect(self, expr: Lin | None, cell: Cell, label: str) -> None:
        if expr is not None:
            self.protected.append(Protected(expr, cell, label))


def cells_source(cells: Iterable[Cell]) -> str:
    return "+".join(dict.fromkeys(c[0] for c in cells))


# ---------------------------------------------------------------------------- builders per rule


def _rows(view: View, by: list[str]) -> list[list[int]]:
    frame = view.frame
    if not by:
        return [list(frame.index)]
    return [list(idx) for idx in frame.groupby(by if len(by) > 1 else by[0], sort=False, dropna=False)
            .groups.values()]


def _groups(model: Model, counts: dict[Any, dict[Any, Lin | None]], ns: dict[Any, Lin | None],
            all_label: str | None, kind: str, source: str) -> None:
    """Category counts per group (counts[group][category]) with the group's n. `kind`: 'complete'
    (the categories make up n), 'partial' (answers outside the shown categories too), 'multi'
    (categories may overlap: each at most n). With `all_label`, that group is all the others plus
    any without a group (never negative)."""
    cats = list(dict.fromkeys(c for per in counts.values() for c in per))
    # a group whose n shows no number (not measured) has an n nobody knows
    ns = {g: ns.get(g) if ns.get(g) is not None else model.latent(f"{source}:{g}:n") for g in counts}
    for g, per in counts.items():
        for c in cats:                     # a category missing from a group is not shown: unknown
            if per.get(c) is None:
                per[c] = model.latent(f"{source}:{g}:{c}")
    if kind == "partial":
        for g in counts:
            counts[g]["__other__"] = model.latent(f"{source}:{g}:other")
        cats.append("__other__")
    for g, per in counts.items():
        n = ns[g]
        if kind == "multi":
            for c in cats:
                model.at_most(per[c], n, source)
        else:
            model.equal(total(per[c] for c in cats), n, source)
    body = [g for g in counts if g != all_label]
    if all_label is None or all_label not in counts or not body:
        return
    outside_n = model.latent(f"{source}:no group:n")
    model.equal(ns[all_label], total(ns[g] for g in body) + outside_n, source)
    outside = {}
    for c in cats:
        outside[c] = model.latent(f"{source}:no group:{c}")
        model.equal(counts[all_label][c], total(counts[g][c] for g in body) + outside[c], source)
        model.at_most(outside[c], outside_n, source)
    if kind != "multi":
        model.equal(total(outside.values()), outside_n, source)


def _multi_select(view: View, rows: list[int], across: str) -> bool:
    """Categories that can overlap (several answers per person): the shown shares of a group add
    up to more than 100 beyond rounding."""
    frame = view.frame
    for _, idx in frame.loc[rows].groupby(across, sort=False, dropna=False).groups.items():
        shares = [view.shown(r, "share_pct") for r in idx]
        shares = [s for s in shares if s is not None]
        if sum(shares) > 100.0 + len(shares) * 0.5 * 10.0 ** -view.decimals("share_pct") + 1e-9:
            return True
    return False


def build_none(model: Model, view: View, **_: Any) -> None:
    """Estimates, not counts: no arithmetic of their own (their N's are linked in `LINKS`)."""


SHARE_DEPENDENTS = ("share_pct", "ci_low", "ci_high")


def build_share_table(model: Model, view: View, line: list[str], across: str, category: str,
                      all_label: str | None = None, dependents: tuple[str, ...] = SHARE_DEPENDENTS,
                      **_: Any) -> None:
    """Long tables of category counts out of n per line x group (rules.share_table)."""
    frame = view.frame
    for rows in _rows(view, list(line)):
        kind = "multi" if _multi_select(view, rows, across) else "partial"
        counts: dict[Any, dict[Any, Lin | None]] = {}
        ns: dict[Any, Lin | None] = {}
        for g, idx in frame.loc[rows].groupby(across, sort=False, dropna=False).groups.items():
            n = model.same([(view.id, r, "n") for r in idx])
            ns[g] = n
            counts[g] = {}
            for r in idx:
                x = model.cell(view.id, r, "count", deps=dependents)
                counts[g][frame.at[r, category]] = x
                model.share(x, n, view.id, r, "share_pct")
            # a hidden n hides the whole group: its counts and shares are reported with it
            model.attach(n, [(view.id, r, c) for r in idx for c in ("count", *dependents)])
        _groups(model, counts, ns, all_label, kind, view.id)


def _row_share_counts(model: Model, view: View, row: int, categories: Iterable[str],
                      n: Lin | None) -> dict[str, Lin | None]:
    out = {c: model.share_count(view.id, row, f"{c}_pct", deps=(f"{c}_ci_low", f"{c}_ci_high"))
           for c in categories}
    for c, x in out.items():
        model.share(x, n, view.id, row, f"{c}_pct")
    return out


def build_row_shares(model: Model, view: View, categories: list[str], **_: Any) -> None:
    """Wide rows of shares of n whose categories make up n (rules.row_shares)."""
    for row in view.frame.index:
        n = model.cell(view.id, row, "n")
        xs = _row_share_counts(model, view, row, categories, n)
        if n is not None and all(x is not None for x in xs.values()):
            model.equal(total(xs.values()), n, view.id)


def build_outcome_rows(model: Model, view: View, keep: list[str], **_: Any) -> None:
    """The pre/post summaries (rules.outcome_rows): the change categories make up n, the reliable
    change classes (with the configured reliability, and with the sample's alpha when shown) make
    up those with a known class (at most n); the ALLE row of an instrument and scale is its age
    groups plus any child without one."""
    from puljeeval.scoring.change import CATEGORIES, RC_CLASSES, SAMPLE_ALPHA

    frame = view.frame
    line = [c for c in keep if c != AGE_COLUMN and c in frame.columns]
    variants = {"": list(RC_CLASSES), SAMPLE_ALPHA: [f"{c}{SAMPLE_ALPHA}" for c in RC_CLASSES]}
    for rows in _rows(view, line):
        change: dict[Any, dict[Any, Lin | None]] = {}
        ns: dict[Any, Lin | None] = {}
        classes: dict[str, dict[Any, dict[Any, Lin | None]]] = {v: {} for v in variants}
        known: dict[str, dict[Any, Lin | None]] = {v: {} for v in variants}
        for row in rows:
            g = frame.at[row, AGE_COLUMN] if AGE_COLUMN in frame.columns else row
            n = model.cell(view.id, row, "n")
            ns[g] = n
            change[g] = _row_share_counts(model, view, row, CATEGORIES, n)
            for variant, names in variants.items():
                rc = _row_share_counts(model, view, row, names, None)
                if any(x is not None for x in rc.values()):
                    k = model.latent(f"{view.id}[{row}]:known class{variant}")
                    model.at_most(k, n, view.id)
                    for c, x in rc.items():
                        model.share(x, k, view.id, row, f"{c}_pct")
                    classes[variant][g], known[variant][g] = rc, k
            # a hidden n hides the row's statistics: they are reported with it
            model.attach(n, [(view.id, row, c) for c in frame.columns])
        complete = {g: per for g, per in change.items() if all(x is not None for x in per.values())}
        _groups(model, complete, ns, ALL_LABEL, "complete", view.id)
        for variant in variants:
            complete = {g: per for g, per in classes[variant].items() if all(x is not None for x in per.values())}
            _groups(model, complete, known[variant], ALL_LABEL, "complete", view.id)


def build_binary_counts(model: Model, view: View, groups: list[str], **_: Any) -> None:
    """Yes/no shares per group (rules.binary_counts): count <= n, the share of n, the complement
    n - count (which reveals persons as much as the count), and the difference of the two groups'
    shares (`diff_pp`, second minus first) when both n's are shown."""
    frame = view.frame
    for row in frame.index:
        cn = []
        for g in groups:
            n = model.cell(view.id, row, f"{g}_n")
            x = model.cell(view.id, row, f"{g}_count", deps=(f"{g}_pct", f"{g}_ci_low", f"{g}_ci_high"))
            if x is not None and n is not None:
                model.at_most(x, n, view.id)
                model.share(x, n, view.id, row, f"{g}_pct")
                model.protect(n - x, (view.id, row, f"{g}_count"), f"{g}_n - {g}_count")
            cn.append((x, n))
        if len(groups) == 2 and view.has("diff_pp"):
            (xa, na), (xb, nb) = cn
            model.share_difference(xb, nb, xa, na, view.id, row, "diff_pp")
            hidden_count = next((x for x, _ in cn if x is not None and not x.is_const), None)
            model.attach(hidden_count, [(view.id, row, c) for c in ("diff_pp", "ci_low", "ci_high", "p")])


PRODUCTION_PARTS = ("planned", "unplanned", "not_stated")


def build_production(model: Model, view: View, **_: Any) -> None:
    """Tabel 8-1 per offer: started = ongoing + completed, completed = planned + unplanned + not
    stated (the report's own adjustments can break the second in a row shown whole, BRUS's seven
    courses added to `unplanned` only; such a row is noted, not used). Its column totals are not
    published: Figur 3-4's counts are not their sums."""
    for row in view.frame.index:
        c = {k: model.cell(view.id, row, k) for k in ("started", "ongoing", "completed", *PRODUCTION_PARTS)}
        where = view.row_label(row)
        if c["ongoing"] is not None and c["completed"] is not None:
            model.equal(c["started"], c["ongoing"] + c["completed"], view.id, f"{where}: started = ongoing + completed")
        if all(c[k] is not None for k in PRODUCTION_PARTS):
            model.equal(c["completed"], total(c[k] for k in PRODUCTION_PARTS), view.id,
                        f"{where}: completed = planned + unplanned + not_stated")


# Figur 3-4's steps: the cleaning's drops, and the shares with their denominators.
FLOW_SHARE_OF = {"completed": "started", "ongoing": "started", "planned": "completed", "unplanned": "completed",
                 "not_stated": "completed"}


def _steps(model: Model, view: View) -> dict[str, tuple[int, Lin | None]]:
    return {str(view.frame.at[r, "step"]): (r, model.cell(view.id, r, "n", deps=SHARE_DEPENDENTS))
            for r in view.frame.index}


def build_flow_steps(model: Model, view: View, **_: Any) -> None:
    """Figur 3-4: raw - sum of dropped = started = completed + ongoing; completed = planned +
    unplanned + not stated; shares of started and of completed."""
    steps = _steps(model, view)
    n = {k: v[1] for k, v in steps.items()}
    dropped = [v for k, v in n.items() if k.startswith("dropped:")]
    if "raw_registrations" in n and "started" in n and all(d is not None for d in dropped):
        model.equal(n["raw_registrations"], total(dropped) + n["started"], view.id)
    if all(k in n for k in ("started", "completed", "ongoing")):
        model.equal(n["started"], n["completed"] + n["ongoing"], view.id)
    if all(k in n for k in ("completed", *PRODUCTION_PARTS)):
        model.equal(n["completed"], total(n[k] for k in PRODUCTION_PARTS), view.id)
    for step, of in FLOW_SHARE_OF.items():
        if step in steps and of in n:
            model.share(n[step], n[of], view.id, steps[step][0], "share_pct")


def build_element_flow(model: Model, view: View, **_: Any) -> None:
    """Footnote 5's flow per outcome: remaining(k-1) - dropped(k) = remaining(k)."""
    frame = view.frame
    for rows in _rows(view, ["outcome"]):
        ordered = sorted(rows, key=lambda r: float(frame.at[r, "step"]))
        for before, row in zip(ordered, ordered[1:], strict=False):
            remaining = model.cell(view.id, before, "remaining")
            dropped = model.cell(view.id, row, "dropped")
            if remaining is not None and dropped is not None:
                model.equal(remaining - dropped, model.cell(view.id, row, "remaining"), view.id)
            # a hidden remaining next to a hidden drop is hidden because of it
            model.attach(dropped, [(view.id, row, "remaining")])


def build_intention_shares(model: Model, view: View, **_: Any) -> None:
    """Chapter 5's shares with an intention per element: with <= n, the share, the complement."""
    for row in view.frame.index:
        n = model.cell(view.id, row, "n")
        w = model.cell(view.id, row, "with_intention", deps=("share_pct", "ci_low_pct", "ci_high_pct"))
        if w is not None and n is not None:
            model.at_most(w, n, view.id)
            model.share(w, n, view.id, row, "share_pct")
            model.protect(n - w, (view.id, row, "with_intention"), "n - with_intention")


def build_histogram(model: Model, view: View, **_: Any) -> None:
    """Chapter 5's fidelity histograms: counts per bin; their sums are published in the intention
    table (`LINKS`)."""
    for row in view.frame.index:
        for c in ("with_intention", "without_intention"):
            model.cell(view.id, row, c)


BUILDERS: dict[str, Callable[..., None]] = {
    "none": build_none, "share_table": build_share_table, "row_shares": build_row_shares,
    "outcome_rows": build_outcome_rows, "binary_counts": build_binary_counts, "production": build_production,
    "flow_steps": build_flow_steps, "element_flow": build_element_flow,
    "intention_shares": build_intention_shares, "histogram": build_histogram,
}


# ---------------------------------------------------------------------------- relations between tables


def _by_rule(model: Model, rule: str) -> list[View]:
    return [v for v in model.views.values() if v.table.rule == rule]


def _final_n(model: Model) -> dict[str, Lin]:
    """Footnote 5's analysis sample size per outcome: the flow's last remaining count."""
    out = {}
    for view in _by_rule(model, "element_flow"):
        frame = view.frame
        for rows in _rows(view, ["outcome"]):
            last = max(rows, key=lambda r: float(frame.at[r, "step"]))
            n = model.cell(view.id, last, "remaining")
            if n is not None:
                out[str(frame.at[last, "outcome"])] = n
    return out


def link_courses(model: Model) -> int:
    """Figur 3-4's started courses are footnote 5's first count ("courses after cleaning")."""
    used = 0
    for flow in _by_rule(model, "flow_steps"):
        started = [r for r in flow.frame.index if flow.frame.at[r, "step"] == "started"]
        if not started:
            continue
        n = model.cell(flow.id, started[0], "n")
        for view in _by_rule(model, "element_flow"):
            frame = view.frame
            for rows in _rows(view, ["outcome"]):
                first = min(rows, key=lambda r: float(frame.at[r, "step"]))
                model.equal(n, model.cell(view.id, first, "remaining"), f"{flow.id}+{view.id}")
                used += 1
    return used


MODEL_KEY = ["outcome", "model", "subgroup_variable", "subgroup"]


def link_samples(model: Model) -> int:
    """Chapter 5's N: the flow's final count is the n of every intention share and of every model
    fitted on the whole sample (in the model and coefficient tables); subgroup models' n's add up
    to at most N; the histogram's bins add up to the intention table's counts."""
    final = _final_n(model)
    used = 0
    for view in _by_rule(model, "intention_shares"):
        for row in view.frame.index:
            n = final.get(str(view.frame.at[row, "outcome"]))
            model.equal(n, model.cell(view.id, row, "n"), f"element_flow+{view.id}")
            used += n is not None
    cells: dict[tuple, list[Cell]] = {}
    for view in _by_rule(model, "none"):
        if not set(MODEL_KEY) | {"n"} <= set(view.frame.columns):
            continue
        for row in view.frame.index:
            key = tuple("" if display.is_missing(v) else str(v) for v in view.frame.loc[row, MODEL_KEY])
            cells.setdefault(key, []).append((view.id, row, "n"))
    levels: dict[tuple, list[Lin]] = {}
    for key, where in cells.items():
        n = model.same(where)
        outcome, mdl, subgroup_variable, _ = key
        if not subgroup_variable:
            model.equal(final.get(outcome), n, "element_flow+" + cells_source(where))
            used += outcome in final
        elif n is not None:
            levels.setdefault((outcome, mdl, subgroup_variable), []).append(n)
    for (outcome, _, _), ns in levels.items():
        model.at_most(total(ns), final.get(outcome), "element_flow+models")
    for hist in _by_rule(model, "histogram"):
        for shares in _by_rule(model, "intention_shares"):
            h, s = hist.frame, shares.frame
            for (outcome, element), rows in h.groupby(["outcome", "element"], sort=False).groups.items():
                match = s.index[(s["outcome"] == outcome) & (s["element"] == element)]
                if len(match) != 1:
                    continue
                r = match[0]
                n, w = model.cell(shares.id, r, "n"), model.cell(shares.id, r, "with_intention")
                with_ = [model.cell(hist.id, b, "with_intention") for b in rows]
                without = [model.cell(hist.id, b, "without_intention") for b in rows]
                source = f"{hist.id}+{shares.id}"
                if all(x is not None for x in with_):
                    model.equal(total(with_), w, source)
                if all(x is not None for x in without) and n is not None and w is not None:
                    model.equal(total(without), n - w, source)
                used += 1
    return used


@dataclass(frozen=True)
class Link:
    name: str
    rules: tuple[str, ...]
    apply: Callable[[Model], int]


LINKS = (
    Link("Figur 3-4 started = footnote 5's first count", ("flow_steps", "element_flow"), link_courses),
    Link("footnote 5's N = intention n, whole-sample model n; subgroup n's <= N; histogram sums = intention counts",
         ("element_flow",), link_samples),
)


# ---------------------------------------------------------------------------- solving


@dataclass
class Range:
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low


def _components(model: Model) -> list[tuple[list[int], list[int]]]:
    """(variables, constraints) of each connected part of the model."""
    parent = list(range(len(model.vars)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(keys: Iterable[int]) -> None:
        keys = list(keys)
        for k in keys[1:]:
            a, b = find(keys[0]), find(k)
            if a != b:
                parent[b] = a

    for con in model.constraints:
        join(con.terms)
    for p in model.protected:
        join(p.expr.terms)
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for v in range(len(model.vars)):
        groups.setdefault(find(v), ([], []))[0].append(v)
    for i, con in enumerate(model.constraints):
        groups[find(next(iter(con.terms)))][1].append(i)
    return list(groups.values())


class _Programme:
    """One component as an integer programme: min/max of a linear objective."""

    def __init__(self, model: Model, variables: list[int], constraints: list[int]) -> None:
        self.pos = {v: i for i, v in enumerate(variables)}
        disj = [v for v in variables if model.vars[v].disjunctive]
        size = len(variables) + len(disj)
        ub_rows, ub_rhs, eq_rows, eq_rhs = [], [], [], []
        for c in constraints:
            con = model.constraints[c]
            row = np.zeros(size)
            for k, a in con.terms.items():
                row[self.pos[k]] = a
            if con.low == con.high:
                eq_rows.append(row)
                eq_rhs.append(con.low)
                continue
            if con.high < math.inf:
                ub_rows.append(row)
                ub_rhs.append(con.high)
            if con.low > -math.inf:
                ub_rows.append(-row)
                ub_rhs.append(-con.low)
        # a secondary cell modelled exactly: x <= cap * b, x >= min_count * b, b in {0, 1}
        for j, v in enumerate(disj):
            b = len(variables) + j
            row = np.zeros(size)
            row[self.pos[v]], row[b] = 1.0, -model.cap
            ub_rows.append(row)
            ub_rhs.append(0.0)
            row = np.zeros(size)
            row[self.pos[v]], row[b] = -1.0, float(model.min_count)
            ub_rows.append(row)
            ub_rhs.append(0.0)
        self.size = size
        self.bounds = [(model.vars[v].low, min(model.vars[v].high, model.cap)) for v in variables]
        self.bounds += [(0, 1)] * len(disj)
        self.a_ub = np.array(ub_rows) if ub_rows else None
        self.b_ub = np.array(ub_rhs) if ub_rows else None
        self.a_eq = np.array(eq_rows) if eq_rows else None
        self.b_eq = np.array(eq_rhs) if eq_rows else None
        self.integrality = np.ones(size)

    def _solve(self, c: np.ndarray) -> tuple[int, float]:
        res = linprog(c, A_ub=self.a_ub, b_ub=self.b_ub, A_eq=self.a_eq, b_eq=self.b_eq, bounds=self.bounds,
                      method="highs", integrality=self.integrality)
        return res.status, (float(res.fun) if res.status == 0 else math.nan)

    def feasible(self) -> bool:
        return self._solve(np.zeros(self.size))[0] == 0

    def range(self, expr: Lin, cap: float) -> Range:
        c = np.zeros(self.size)
        for k, a in expr.terms.items():
            c[self.pos[k]] = a
        s1, low = self._solve(c)
        s2, high = self._solve(-c)
        if s1 != 0 or s2 != 0:
            raise RuntimeError(f"the audit's programme did not solve (status {s1}, {s2})")
        low, high = low + expr.const, -high + expr.const
        # whole numbers: the solver's optimum is an integer up to its tolerance
        low, high = math.ceil(low - 1e-6), math.floor(high + 1e-6)
        return Range(low, math.inf if high >= cap - 1 else high)


@dataclass
class Solved:
    ranges: dict[int, Range]
    protected: list[tuple[Protected, Range]]
    infeasible: list[str]          # sources of components whose relations the published numbers break


def solve(model: Model) -> Solved:
    """The feasible range of every unknown that stands for a published cell and of every
    protected quantity."""
    ranges: dict[int, Range] = {}
    protected: list[tuple[Protected, Range]] = []
    infeasible: list[str] = []
    by_var: dict[int, list[Protected]] = {}
    for p in model.protected:
        if p.expr.is_const:
            protected.append((p, Range(p.expr.const, p.expr.const)))
        else:
            by_var.setdefault(next(iter(p.expr.terms)), []).append(p)
    for variables, constraints in _components(model):
        wanted = [v for v in variables if model.vars[v].cells]
        prots = [p for v in variables for p in by_var.get(v, [])]
        if not wanted and not prots:
            continue
        if not constraints and not any(model.vars[v].disjunctive for v in variables):
            for v in wanted:
                var = model.vars[v]
                ranges[v] = Range(var.low, var.high if var.high < model.cap else math.inf)
            if not prots:
                continue
        prog = _Programme(model, variables, constraints)
        if not prog.feasible():
            infeasible.append(", ".join(sorted({model.constraints[c].source for c in constraints})))
            continue
        for v in wanted:
            if v not in ranges:
                ranges[v] = prog.range(Lin({v: 1.0}), model.cap)
        for p in prots:
            protected.append((p, prog.range(p.expr, model.cap)))
    return Solved(ranges, protected, infeasible)


# ---------------------------------------------------------------------------- the audit


@dataclass
class Audit:
    """The output-checking record and what the summary says."""

    record: pd.DataFrame
    failures: pd.DataFrame
    min_count: int
    min_range: int
    links: list[str]
    infeasible: list[str]
    inconsistent: list[str]
    not_audited: list[str]

    def check(self) -> None:
        """Raise AuditFailure listing every failing cell and model."""
        if self.failures.empty:
            return
        # a share or interval failing with its count is listed once, as the count
        counts = set(zip(self.failures["table_id"], self.failures["row"], self.failures["column"], strict=True))
        lines = [f"- {r.chapter} {r.table_id} ({r.sheet}), row [{r.row}], column {r.column}: {r.summary}"
                 for r in self.failures.itertuples() if (r.table_id, r.row, r.quantity) not in counts]
        raise AuditFailure(f"disclosure audit: {len(lines)} output(s) fail (disclosure.audit.min_range = "
                           f"{self.min_range}, disclosure.min_count = {self.min_count}):\n" + "\n".join(lines))


def _fmt(x: float) -> str:
    return "inf" if x == math.inf else str(int(x))


def _why(status: str, markers: display.Markers | None) -> str:
    if not status:
        return ""
    return markers.legends.get(status, status) if markers is not None else status


def audit(published: Mapping[str, Masked], registry: Registry, config: Mapping[str, Any],
          markers: display.Markers | None = None, exact_secondary: bool = False) -> Audit:
    """The audit of the published tables (`published`: table id -> Masked) under the `disclosure`
    config block (min_count, suppress_zeros, min_residual_df, audit.min_range)."""
    min_count = int(config["min_count"])
    suppress_zeros = bool(config.get("suppress_zeros", False))
    min_df = config.get("min_residual_df")
    min_range = int(config["audit"]["min_range"])
    floor = 0 if suppress_zeros else 1
    if min_range > min_count - 1 - floor:
        raise ValueError(f"disclosure.audit.min_range = {min_range} is wider than a count hidden as below "
                         f"{min_count} can be ([{floor}, {min_count - 1}]): every such count would fail")
    unknown = sorted(set(published) - set(registry.tables))
    if unknown:
        raise KeyError(f"published tables {unknown} are not in the registry (config/tables.yaml)")
    views = {tid: View(registry.tables[tid], published[tid]) for tid in registry.tables if tid in published}
    model = Model({tid: v for tid, v in views.items() if v.table.rule in BUILDERS}, min_count, suppress_zeros,
                  exact_secondary)
    for view in model.views.values():
        BUILDERS[view.table.rule](model, view, **view.table.rule_args)
    links = []
    for link in LINKS:
        if all(_by_rule(model, r) for r in link.rules) and link.apply(model):
            links.append(link.name)
    solved = solve(model)

    rows: list[dict[str, Any]] = []

    def base(view: View, row: int | None, column: str) -> dict[str, Any]:
        t = view.table
        return {"chapter": t.chapter, "table_id": t.id, "sheet": t.sheet, "rule": t.rule,
                "row": "" if row is None else view.row_label(row), "column": column,
                "heading": view.heading(column) if column else ""}

    def verdict(status: str, r: Range) -> tuple[bool, bool]:
        """(checked: a count below the threshold, failed: pinned narrower than min_range). A count
        is below the threshold when it is marked so, or when its range lies below min_count and
        is not just zero (zeros are shown unless disclosure.suppress_zeros)."""
        checked = status == PRIMARY or (1 - int(suppress_zeros) <= r.high < min_count)
        return checked, checked and r.width < min_range

    var_sources: dict[int, set[str]] = {}
    for con in model.constraints:
        for k in con.terms:
            var_sources.setdefault(k, set()).add(con.source)
    # hidden cells and shown shares of small counts
    for var in model.vars:
        if not var.cells or var.index not in solved.ranges:
            continue
        r = solved.ranges[var.index]
        checked, failed = verdict(var.status, r)
        sources = sorted(var_sources.get(var.index, ()))
        own = var.cells[0]
        for cell in var.cells if var.hidden else var.cells[:1]:
            tid, row, column = cell
            view = views[tid]
            status = view.status(row, column)
            if not var.hidden and not failed:
                continue
            check = LINKED if var.hidden else THRESHOLD
            what = "hidden count" if var.hidden else "count behind a shown share"
            if failed:
                summary = (f"fail; {what} pinned to {_fmt(r.low)}-{_fmt(r.high)} (width {_fmt(r.width)} < "
                           f"{min_range})")
            elif checked:
                summary = f"pass; {what} in {_fmt(r.low)}-{_fmt(r.high)} (width {_fmt(r.width)} >= {min_range})"
            else:
                summary = f"pass; {what} in {_fmt(r.low)}-{_fmt(r.high)}"
            rows.append({**base(view, row, column), "status": status, "why_hidden": _why(status, markers),
                         "quantity": own[2] if own[2] != column else "", "range_low": r.low, "range_high": r.high,
                         "range_width": r.width, "check": check, "acro_check": ACRO_NAMES[check],
                         "outcome": FAIL if failed else PASS, "summary": summary, "relations": "; ".join(sources)})
    for p, r in solved.protected:
        checked, failed = verdict(SHOWN, r)
        if not checked:
            continue
        tid, row, column = p.cell
        view = views[tid]
        check = THRESHOLD if p.expr.is_const else LINKED
        summary = (f"{'fail' if failed else 'pass'}; {p.label} in {_fmt(r.low)}-{_fmt(r.high)} "
                   f"(width {_fmt(r.width)} {'<' if failed else '>='} {min_range})")
        rows.append({**base(view, row, column), "status": view.status(row, column), "why_hidden": "",
                     "quantity": p.label, "range_low": r.low, "range_high": r.high, "range_width": r.width,
                     "check": check, "acro_check": ACRO_NAMES[check], "outcome": FAIL if failed else PASS,
                     "summary": summary, "relations": tid})
    # hidden cells the model does not cover: statistics of hidden counts, or relations that broke
    infeasible_tables = {t for s in solved.infeasible for part in s.split(", ") for t in part.split("+")}
    for view in views.values():
        hidden = view.masked.status.isin(HIDDEN)
        for column in view.frame.columns:
            for row in view.frame.index[hidden[column].to_numpy()]:
                index = model.attached.get((view.id, row, column))
                if index is not None and index in solved.ranges:
                    continue
                status = view.status(row, column)
                if view.table.rule not in BUILDERS:
                    summary = f"{NOT_AUDITED}: no audit builder for rule '{view.table.rule}'"
                elif index is not None:
                    summary = (f"review; the relations of {', '.join(sorted(infeasible_tables)) or view.id} do not "
                               f"hold for the published numbers: no range")
                else:
                    summary = "review; not a count the audit models (a statistic of hidden counts): check by eye"
                rows.append({**base(view, row, column), "status": status, "why_hidden": _why(status, markers),
                             "quantity": "", "range_low": math.nan, "range_high": math.nan,
                             "range_width": math.nan, "check": LINKED, "acro_check": ACRO_NAMES[LINKED],
                             "outcome": REVIEW, "summary": summary, "relations": ""})
    # per table: shown counts below the threshold (ACRO's threshold check), suppression, coverage
    not_audited = []
    for view in views.values():
        small = []
        for col in view.table.columns:
            if col.unit != "count" or col.name in NOT_PERSONS or col.source is not None:
                continue
            for row in view.frame.index:
                v = view.shown(row, col.name)
                if v is not None and v < min_count and (v >= 1 or suppress_zeros):
                    small.append((row, col.name, v))
        for row, column, v in small:
            rows.append({**base(view, row, column), "status": SHOWN, "why_hidden": "", "quantity": "",
                         "range_low": v, "range_high": v, "range_width": 0.0, "check": THRESHOLD,
                         "acro_check": ACRO_NAMES[THRESHOLD], "outcome": FAIL,
                         "summary": f"fail; shown count {_fmt(v)} < {min_count}", "relations": ""})
        n_hidden = int(view.masked.status.isin(HIDDEN).to_numpy().sum())
        if small:
            outcome, summary = FAIL, f"fail; threshold: {len(small)} shown cells below {min_count}"
        elif n_hidden:
            outcome, summary = REVIEW, f"review; threshold: {n_hidden} cells suppressed"
        else:
            outcome, summary = PASS, PASS
        rows.append({**base(view, None, ""), "status": "", "why_hidden": "", "quantity": "",
                     "range_low": math.nan, "range_high": math.nan, "range_width": math.nan, "check": THRESHOLD,
                     "acro_check": ACRO_NAMES[THRESHOLD], "outcome": outcome, "summary": summary, "relations": ""})
        # a table without a builder is reported for review when it hides something (the mapping's
        # printed tables, published as printed, hide nothing: docs/kortlaegning_disclosure.md)
        if view.table.rule not in BUILDERS and n_hidden:
            not_audited.append(view.id)
            rows.append({**base(view, None, ""), "status": "", "why_hidden": "", "quantity": "",
                         "range_low": math.nan, "range_high": math.nan, "range_width": math.nan, "check": LINKED,
                         "acro_check": ACRO_NAMES[LINKED], "outcome": REVIEW,
                         "summary": f"{NOT_AUDITED}: no audit builder for rule '{view.table.rule}' "
                                    f"(puljeeval/publish/audit.py BUILDERS)", "relations": ""})
    # models: residual degrees of freedom
    if min_df is not None:
        for view in views.values():
            rows.extend({**base(view, None, "df_resid"), **r} for r in model_checks(view, int(min_df)))
    record = pd.DataFrame(rows, columns=RECORD_COLUMNS)
    failures = record[record["outcome"] == FAIL].reset_index(drop=True)
    return Audit(record, failures, min_count, min_range, links, solved.infeasible, model.inconsistent, not_audited)


# ---------------------------------------------------------------------------- models


def formula_parameters(formula: str) -> int:
    """A lower bound on a model's parameters from its formula: the intercept, one per numeric
    term, and at least one per categorical term C(...) (its levels are not published)."""
    rhs = formula.split("~", 1)[1] if "~" in formula else formula
    terms = [t.strip() for t in re.split(r"\+(?![^()]*\))", rhs) if t.strip() and t.strip() not in ("1", "0")]
    intercept = 0 if re.search(r"(^|\+)\s*(0|-\s*1)\s*($|\+)", rhs) else 1
    return intercept + len(terms)


def model_checks(view: View, min_df: int) -> list[dict[str, Any]]:
    """ACRO's dof check per model of a model table (one with `df_resid` or a `formula`): pass when
    the residual degrees of freedom reach `min_df`; below it, review when the estimates are
    withheld and fail when they are shown."""
    frame = view.frame
    if not ({"df_resid", "formula"} & set(frame.columns)) or "n" not in frame.columns:
        return []
    keys = [c for c in view.key_columns() if c not in MODEL_ROW_COLUMNS]
    estimates = [c for c in ESTIMATE_COLUMNS if c in frame.columns]
    out = []
    for rows in _rows(view, keys):
        first = rows[0]
        n = view.shown(first, "n")
        df = view.shown(first, "df_resid") if "df_resid" in frame.columns else None
        how = "dof="
        if df is None and "formula" in frame.columns and n is not None and not display.is_missing(
                frame.at[first, "formula"]):
            df = n - formula_parameters(str(frame.at[first, "formula"]))
            how = "dof<="       # from the formula: an upper bound
        shown = any(view.shown(r, c) is not None for r in rows for c in estimates)
        if df is None:
            outcome, summary = REVIEW, "review; no residual degrees of freedom published or derivable"
        elif df >= min_df and how == "dof=":
            outcome, summary = PASS, f"pass; dof={int(df)} >= {min_df}"
        elif df >= min_df:
            outcome, summary = REVIEW, (f"review; {how}{int(df)} (parameters counted from the formula, one per "
                                        f"categorical term): cannot confirm >= {min_df}")
        elif shown:
            outcome, summary = FAIL, f"fail; {how}{int(df)} < {min_df} and the estimates are shown"
        else:
            outcome, summary = REVIEW, f"review; {how}{int(df)} < {min_df}: estimates withheld"
        label = ", ".join(f"{k}={'' if display.is_missing(frame.at[first, k]) else frame.at[first, k]}" for k in keys)
        out.append({"row": label,
                    "status": "", "why_hidden": "", "quantity": "", "range_low": math.nan, "range_high": math.nan,
                    "range_width": math.nan, "check": DOF, "acro_check": ACRO_NAMES[DOF], "outcome": outcome,
                    "summary": summary, "relations": ""})
    return out


def record_csv(record: pd.DataFrame) -> pd.DataFrame:
    """The record as written: ranges as whole numbers, "inf" for unbounded, empty for none."""
    out = record.copy()
    for c in ("range_low", "range_high", "range_width"):
        out[c] = [("" if pd.isna(v) else "inf" if v == math.inf else int(v)) for v in out[c]]
    return out


# ---------------------------------------------------------------------------- summary


def summary(result: Audit) -> str:
    """The short text beside the record: what was checked and the narrowest ranges found."""
    rec = result.record
    cells = rec[rec["status"].isin(HIDDEN)]
    ranged = cells[cells["range_low"].notna()]
    counts = ranged[ranged["quantity"] == ""]
    primary = counts[counts["status"] == PRIMARY]
    lines = [
        "Disclosure audit of the published tables (puljeeval/publish/audit.py; docs/output_checking.md)",
        f"threshold disclosure.min_count = {result.min_count}; minimum feasible width "
        f"disclosure.audit.min_range = {result.min_range}",
        f"tables: {rec['table_id'].nunique()} published, {len(result.not_audited)} not audited"
        + (f" ({', '.join(result.not_audited)})" if result.not_audited else ""),
        f"hidden cells: {len(cells)}; with a feasible range: {len(ranged)} "
        f"(hidden counts: {len(counts)}, of which primary: {len(primary)}); without: {len(cells) - len(ranged)}",
    ]

    def narrowest(frame: pd.DataFrame, what: str) -> None:
        if frame.empty:
            lines.append(f"narrowest feasible range of a {what}: none checked")
            return
        r = frame.sort_values(["range_width", "table_id"], kind="stable").iloc[0]
        lines.append(f"narrowest feasible range of a {what}: {_fmt(r.range_low)}-{_fmt(r.range_high)} "
                     f"(width {_fmt(r.range_width)}), {r.table_id} [{r.row}] {r.column} ({r.status})")

    narrowest(primary, "primary count")
    narrowest(counts, "hidden count")
    widths = primary["range_width"].value_counts().sort_index()
    lines.append("primary counts by feasible width: "
                 + (", ".join(f"{_fmt(w)}: {k}" for w, k in widths.items()) if len(widths) else "none"))
    checks = rec[rec["check"] == DOF]
    lines.append(f"models (dof, disclosure.min_residual_df): {len(checks)} checked, "
                 f"{int((checks['outcome'] == PASS).sum())} pass, {int((checks['outcome'] == REVIEW).sum())} review, "
                 f"{int((checks['outcome'] == FAIL).sum())} fail")
    lines.append(f"relations between tables used: {'; '.join(result.links) if result.links else 'none'}")
    if result.infeasible:
        lines.append("relations that the published numbers contradict, hidden cells without a range (review): "
                     + "; ".join(result.infeasible))
    if result.inconsistent:
        lines.append("relations a fully shown row does not satisfy (nothing hidden in them; not used): "
                     + "; ".join(result.inconsistent))
    outcome = rec["outcome"].value_counts()
    lines.append(f"record: {len(rec)} rows; pass {int(outcome.get(PASS, 0))}, review {int(outcome.get(REVIEW, 0))}, "
                 f"fail {int(outcome.get(FAIL, 0))}")
    lines.append("AUDIT FAILED" if len(result.failures) else "audit passed")
    return "\n".join(lines) + "\n"
