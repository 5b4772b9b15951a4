"""Disclosure rules of the published tables, by the name the registry gives them
(config/tables.yaml, `disclosure.rule`).

Every count of persons below `disclosure.min_count` is hidden (`primary`), with the shares and
intervals computed from it, and more cells are hidden (`secondary`) so that no hidden count can be
recovered from what the publication shows: the totals of the table itself, margins published in
the same table (the ALLE group, a flow's start and end) or in another one (footnote 5's N in the
model tables, Figur 3-4's started courses), differences of shares. The arithmetic is
puljeeval/methods/disclosure.py's `protect`; each rule here knows which counts of one kind of
table sum to which, which is why there are several; the registry says which table is which kind.
Tables of estimates (`none`) hold no person counts; model tables (`model_rows`) hold n's.

A rule is called as `rule(table, min_count, **arguments from the registry)` and returns a
`Masked` (puljeeval/publish/masked.py): the table with hidden cells <NA>, still with the
pipeline's column names, and per cell why it is hidden. A share or interval computed from a
hidden count has that count's reason; a group whose n is hidden is hidden whole, with n's reason
(a cell keeps its own reason when that is primary).

What a reader can work out is checked independently by the disclosure audit
(puljeeval/publish/audit.py, by linear programming); these rules are what keeps it passing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from puljeeval.methods import disclosure
from puljeeval.methods.disclosure import PRIMARY, SECONDARY, is_small
from puljeeval.publish.masked import Masked
from puljeeval.scoring.change import CATEGORIES, RC_CLASSES, SAMPLE_ALPHA

HIDDEN_DEPENDENTS = ("share_pct", "ci_low", "ci_high")
# The group that is all the others (puljeeval/evaluation/kapitel_3.py and kapitel_4.py ALL).
ALL_LABEL = "ALLE"
# Keys of pseudo cells: quantities no table prints but a reader can derive from those it does
# (answers outside the shown categories, children without a group); and of n cells.
OTHER, UNKNOWN, N, ALL = "__other__", "__unknown__", "__n__", "__all__"
EPS = 1e-9


def _count(value: object) -> float:
    """A count as a float; a missing count (not measured) is 0 persons."""
    v = pd.to_numeric(value, errors="coerce")
    return 0.0 if pd.isna(v) else float(v)


def _hide(out: Masked, rows: Iterable[object], columns: Iterable[str], why: str) -> None:
    """Hide the cells of `rows` x `columns` that hold a value (an empty cell stays empty: it
    is not applicable or not estimated, and hides nothing)."""
    rows = list(rows)
    for c in columns:
        if c not in out.values.columns or not rows:
            continue
        filled = [r for r in rows if not pd.isna(out.values.at[r, c]) or out.status.at[r, c] != ""]
        if filled:
            out.hide(filled, [c], why)


# ---------------------------------------------------------------------------- grids of counts


@dataclass
class _Problem:
    """Cells (any hashable key) with their counts, the relations between them, and which cells
    are margins, free (pseudo), fixed (published elsewhere) or hidden from the start; `covers`
    maps an n cell to the cells of its group (a group whose n is hidden is hidden whole)."""

    min_count: int
    values: dict[Hashable, float] = field(default_factory=dict)
    relations: list[list[Hashable]] = field(default_factory=list)
    margins: set[Hashable] = field(default_factory=set)
    free: set[Hashable] = field(default_factory=set)
    fixed: set[Hashable] = field(default_factory=set)
    hidden: dict[Hashable, str] = field(default_factory=dict)
    covers: dict[Hashable, list[Hashable]] = field(default_factory=dict)

    def solve(self) -> dict[Hashable, str]:
        """`disclosure.protect`, with every group whose n is hidden hidden whole (and protected
        again until nothing changes); the cells of a group whose n is primary are primary."""
        hidden = dict(self.hidden)
        while True:
            status = disclosure.protect(self.values, self.relations, self.min_count, hidden=hidden, fixed=self.fixed,
                                        margins=self.margins, free=self.free)
            more = {c: status[n] for n, cells in self.covers.items() if n in status for c in cells if c not in status}
            if not more:
                break
            hidden = {**status, **more}
        for n, cells in self.covers.items():
            if status.get(n) == PRIMARY:
                status.update({c: PRIMARY for c in cells})
        return status


def _grid(problem: _Problem, name: str, counts: pd.DataFrame, n: pd.Series, all_counts: pd.Series | None = None,
          all_n: float | None = None, where: str = "") -> None:
    """Add a table of category counts (rows) x groups (columns) to `problem`. Each group's
    counts and the answers in no shown category (a pseudo row) make up its n, unless categories
    overlap (several answers per person: then each category is a yes/no of n, and a count whose
    complement n - count is small is hidden too). With `all_counts`/`all_n` (the ALLE group),
    each category and n is the sum of the groups plus the children in no group (a pseudo column
    when there are any). Cells are (name, category, group); n cells are (N, group), shared by
    every grid over the same groups."""
    cats, groups = list(counts.index), list(counts.columns)
    has_all = all_counts is not None
    counts = counts.astype("float64")
    n = n.reindex(groups).astype("float64")
    sums = counts.sum(axis=0)
    multi = bool((sums > n + EPS).any()) or (has_all and float(all_counts.sum()) > all_n + EPS)
    if not multi:
        other, other_all = n - sums, (all_n - float(all_counts.sum())) if has_all else 0.0
        if (other > EPS).any() or other_all > EPS:
            counts.loc[OTHER] = other
            if has_all:
                all_counts = pd.concat([all_counts, pd.Series({OTHER: other_all})])
            cats.append(OTHER)
    if has_all:
        unknown = all_counts.reindex(cats).astype("float64") - counts.sum(axis=1)
        unknown_n = all_n - float(n.sum())
        if (unknown < -EPS).any() or unknown_n < -EPS:
            bad = [str(c) for c in unknown.index[unknown < -EPS]] or ["n"]
            raise ValueError(f"{where}: the all-groups row is less than the sum of the groups for {bad}, "
                             "so it is not all of them")
        if (unknown.abs() > EPS).any() or abs(unknown_n) > EPS:
            counts[UNKNOWN] = unknown
            n[UNKNOWN] = unknown_n
            groups.append(UNKNOWN)
    columns = [*groups, *([ALL] if has_all else [])]
    for g in columns:
        problem.values[(N, g)] = float(all_n if g == ALL else n[g])
        problem.margins.add((N, g))
        for c in cats:
            key = (name, c, g)
            problem.values[key] = float(all_counts[c] if g == ALL else counts.at[c, g])
            problem.covers.setdefault((N, g), []).append(key)
            if g == ALL:
                problem.margins.add(key)
            if c == OTHER or g == UNKNOWN:
                problem.free.add(key)
    if UNKNOWN in groups:
        problem.free.add((N, UNKNOWN))
    if not multi:
        for g in columns:
            problem.relations.append([*((name, c, g) for c in cats), (N, g)])
    else:
        for g in columns:
            n_g = problem.values[(N, g)]
            for c in cats:
                v = problem.values[(name, c, g)]
                if v >= problem.min_count and is_small(n_g - v, problem.min_count):
                    problem.hidden.setdefault((name, c, g), SECONDARY)
    if has_all:
        for c in cats:
            problem.relations.append([*((name, c, g) for g in groups), (name, c, ALL)])
        problem.relations.append([*((N, g) for g in groups), (N, ALL)])


# ---------------------------------------------------------------------------- the rules


def none(table: pd.DataFrame, min_count: int) -> Masked:
    """Estimates, not counts: published as they are."""
    return Masked.shown(table)


def share_table(long: pd.DataFrame, min_count: int, line: list[str], across: str, category: str,
                all_label: str | None = None, dependents: tuple[str, ...] = HIDDEN_DEPENDENTS) -> Masked:
    """A long table of category counts (`count`, out of `n`) per `line` x `across` value.

    Within each line the categories x `across` groups form a table whose column totals are the
    n's; with `all_label` that group (ALLE: all the others, perhaps with some in no group) is the
    row margin and takes part in the suppression. A line that has only the `all_label` group (the
    age distribution of Figur 3-1) is a table of one column. Hidden counts hide their
    `dependents` (share, interval); a hidden n hides its group."""
    out = Masked.shown(long)
    parts = [long] if not line else [p for _, p in long.groupby(line, sort=False, dropna=False)]
    for part in parts:
        where = f"share_table, {line}={part[line].iloc[0].tolist() if line else ''}"
        groups = list(dict.fromkeys(part[across]))
        has_all = all_label is not None and all_label in groups and len(groups) > 1
        body = [g for g in groups if not (has_all and g == all_label)]
        cats = list(dict.fromkeys(part[category]))
        num = part.assign(_count=[_count(v) for v in part["count"]], _n=[_count(v) for v in part["n"]])
        cells = num.groupby([category, across], sort=False)["_count"].sum()
        counts = cells.unstack(across).reindex(index=cats, columns=groups).fillna(0.0)
        ns = num.groupby(across, sort=False)["_n"].first().reindex(groups).fillna(0.0)
        problem = _Problem(min_count)
        if has_all:
            _grid(problem, "c", counts[body], ns[body], counts[all_label], float(ns[all_label]), where)
        else:
            _grid(problem, "c", counts[body], ns[body], where=where)
        status = problem.solve()
        key = {g: (ALL if has_all and g == all_label else g) for g in groups}
        deps = [d for d in dependents if d in long.columns]
        for g in groups:
            in_group = part[across] == g
            for c in cats:
                why = status.get(("c", c, key[g]))
                if why:
                    _hide(out, part.index[in_group & (part[category] == c)], ["count", *deps], why)
        for g in groups:
            why = status.get((N, key[g]))
            if why:
                _hide(out, part.index[part[across] == g], ["count", "n", *deps], why)
    return out


def row_shares(table: pd.DataFrame, min_count: int, categories: list[str]) -> Masked:
    """Wide rows with `n` and shares `<category>_pct` (with optional `_ci_low/_ci_high`) of
    categories that together make up n: a share whose count is below the minimum is hidden,
    plus what would reveal it from n. A row with n below the minimum is hidden whole."""
    out = Masked.shown(table)
    shares = {"n", *(f"{c}_{s}" for c in categories for s in ("pct", "ci_low", "ci_high"))}
    other_columns = [c for c in table.columns if c not in shares]
    for i in table.index:
        problem = _Problem(min_count)
        _grid(problem, "c", _row_counts(table.loc[[i]], categories).T, pd.Series({i: _count(table.at[i, "n"])}),
              where=f"row_shares, row {i}")
        _apply_row_status(out, table, problem.solve(), {"c": categories}, i, i, keep=other_columns)
    return out


def _row_counts(rows: pd.DataFrame, categories: list[str]) -> pd.DataFrame:
    """The counts behind the shares of each row (rows x categories): share x n / 100."""
    data = {}
    for c in categories:
        pct = pd.to_numeric(rows[f"{c}_pct"], errors="coerce").fillna(0.0)
        n = pd.to_numeric(rows["n"], errors="coerce").fillna(0.0)
        data[c] = (pct * n / 100.0).round()
    return pd.DataFrame(data, index=rows.index)


def _apply_row_status(out: Masked, table: pd.DataFrame, status: dict, grids: dict[str, list[str]], group: object,
                      row: object, keep: list[str]) -> None:
    """Hide one row's shares by their cells' reasons, then the whole row (but `keep`) by n's."""
    for name, categories in grids.items():
        for c in categories:
            why = status.get((name, c, group))
            if why:
                _hide(out, [row], [f"{c}_pct", f"{c}_ci_low", f"{c}_ci_high"], why)
    why = status.get((N, group))
    if why:
        _hide(out, [row], [c for c in table.columns if c not in keep], why)


def outcome_rows(table: pd.DataFrame, min_count: int, keep: list[str], all_label: str = ALL_LABEL,
                 group: str = "age_group") -> Masked:
    """The pre/post summaries: per instrument and scale, the change categories and the
    reliable-change classes are shares of n (counts share x n), one row per `group` (age
    group); the `all_label` row is all the age groups plus children without one, and takes part
    in the suppression as their margin. A row whose n is hidden keeps only its `keep` columns.
    (The reliable-change shares, with the configured reliability and with the sample's alpha, are
    of the children with a class, which the table does not give; n stands in for it, as an upper
    bound.)"""
    out = Masked.shown(table)
    line = [c for c in keep if c != group and c in table.columns]
    parts = [table] if not line else [p for _, p in table.groupby(line, sort=False, dropna=False)]
    grids = {"change": list(CATEGORIES), "rc": list(RC_CLASSES)}
    # the reliable-change classes with the sample's alpha, beside the configured reliability's:
    # another grid of the same pairs (puljeeval/scoring/change.py)
    if all(f"{c}{SAMPLE_ALPHA}_pct" in table.columns for c in RC_CLASSES):
        grids["rc" + SAMPLE_ALPHA] = [f"{c}{SAMPLE_ALPHA}" for c in RC_CLASSES]
    for part in parts:
        where = f"outcome_rows, {line}={part[line].iloc[0].tolist() if line else ''}"
        labels = list(part[group]) if group in part.columns else list(part.index)
        rows = dict(zip(labels, part.index, strict=True))
        has_all = all_label in rows and len(rows) > 1
        body = [g for g in labels if not (has_all and g == all_label)]
        ns = pd.Series({g: _count(part.at[rows[g], "n"]) for g in labels})
        problem = _Problem(min_count)
        for name, categories in grids.items():
            counts = _row_counts(part, categories).set_axis(labels).T
            if has_all:
                _grid(problem, name, counts[body], ns[body], counts[all_label], float(ns[all_label]), where)
            else:
                _grid(problem, name, counts[body], ns[body], where=where)
        status = problem.solve()
        for g in labels:
            key = ALL if has_all and g == all_label else g
            _apply_row_status(out, table, status, grids, key, rows[g], keep)
    return out


def binary_counts(table: pd.DataFrame, min_count: int, groups: list[str]) -> Masked:
    """For shares of a yes/no characteristic per group (`<g>_count` of `<g>_n`, share and
    interval): a count below the minimum is hidden (primary), and so is a count whose complement
    n - count is below it (secondary: the count itself is not small, but it reveals the persons
    without the characteristic). A small n hides the group. The difference of the groups' shares
    (`diff_pp`), its interval and p-value are hidden (secondary) whenever a group's count is: from
    the difference, the other group's share and the n's the hidden count follows."""
    out = Masked.shown(table)
    any_hidden = np.zeros(len(table), dtype=bool)
    for g in groups:
        count = pd.to_numeric(table[f"{g}_count"], errors="coerce")
        n = pd.to_numeric(table[f"{g}_n"], errors="coerce")
        deps = [f"{g}_count", f"{g}_pct", f"{g}_ci_low", f"{g}_ci_high"]
        small_n = n.map(lambda v: is_small(v, min_count)).to_numpy(dtype=bool)
        small = count.map(lambda v: is_small(v, min_count)).to_numpy(dtype=bool) & ~small_n
        complement = (n - count).map(lambda v: is_small(v, min_count)).to_numpy(dtype=bool) & ~small & ~small_n
        _hide(out, table.index[small_n], [f"{g}_n", *deps], PRIMARY)
        _hide(out, table.index[small], deps, PRIMARY)
        _hide(out, table.index[complement], deps, SECONDARY)
        any_hidden |= small_n | small | complement
    _hide(out, table.index[any_hidden], ["diff_pp", "ci_low", "ci_high", "p"], SECONDARY)
    return out


PRODUCTION_PARTS = ("planned", "unplanned", "not_stated")
PRODUCTION_COUNTS = ("started", "ongoing", "completed", *PRODUCTION_PARTS)


def production(table: pd.DataFrame, min_count: int) -> Masked:
    """Tabel 8-1: per offer, started = ongoing + completed and completed = planned + unplanned +
    not stated. The column totals are treated as published (Figur 3-4 prints some of them), so
    each column is a relation too; started and completed are hidden only when a part will not
    do."""
    out = Masked.shown(table)
    problem = _Problem(min_count)
    for c in PRODUCTION_COUNTS:
        problem.values[("total", c)] = sum(_count(v) for v in table[c])
        problem.fixed.add(("total", c))
        problem.relations.append([*((i, c) for i in table.index), ("total", c)])
    for i in table.index:
        for c in PRODUCTION_COUNTS:
            problem.values[(i, c)] = _count(table.at[i, c])
        problem.margins |= {(i, "started"), (i, "completed")}
        problem.relations += [[(i, "ongoing"), (i, "completed"), (i, "started")],
                              [*((i, p) for p in PRODUCTION_PARTS), (i, "completed")],
                              [(i, "ongoing"), *((i, p) for p in PRODUCTION_PARTS), (i, "started")]]
    for (i, c), why in problem.solve().items():
        if i != "total":
            _hide(out, [i], [c], why)
    return out


FLOW_PARTS = ("completed", "ongoing")


def flow_steps(table: pd.DataFrame, min_count: int) -> Masked:
    """Figur 3-4 with its cleaning steps (`step`, `n`, shares of started or completed): raw =
    the dropped counts + started; started = completed + ongoing; completed = planned + unplanned +
    not stated. Started is footnote 5's first count (published in chapter 5's flow) and is never
    hidden; a hidden count hides its share and interval."""
    out = Masked.shown(table)
    steps = {str(s): i for i, s in zip(table.index, table["step"], strict=True)}
    problem = _Problem(min_count, values={s: _count(table.at[i, "n"]) for s, i in steps.items()})
    dropped = [s for s in steps if s.startswith("dropped:")]
    relations = [[*dropped, "started", "raw_registrations"], ["completed", "ongoing", "started"],
                 [*PRODUCTION_PARTS, "completed"], ["ongoing", *PRODUCTION_PARTS, "started"]]
    problem.relations = [r for r in relations if all(s in steps for s in r)]
    problem.fixed = {"started"} & set(steps)
    problem.margins = {"raw_registrations", "completed"} & set(steps)
    for s, why in problem.solve().items():
        _hide(out, [steps[s]], ["n", *HIDDEN_DEPENDENTS], why)
    return out


def element_flow(flow: pd.DataFrame, min_count: int) -> Masked:
    """Chapter 5's footnote 5 flow per outcome: remaining(k-1) - dropped(k) = remaining(k), from
    the courses after cleaning (Figur 3-4's started) to the final N, which the model, coefficient
    and intention tables print: neither end is ever hidden. A small dropped count is protected by
    hiding other cells of the chain so that no hidden count is determined: every stretch of steps
    between two shown remaining counts is a relation (its drops sum to their difference)."""
    out = Masked.shown(flow)
    for _, part in flow.groupby("outcome", sort=False):
        part = part.sort_values("step")
        rows = list(part.index)
        last = len(rows) - 1
        problem = _Problem(min_count)
        for k, i in enumerate(rows):
            problem.values[("remaining", k)] = _count(flow.at[i, "remaining"])
            if k > 0:
                problem.values[("dropped", k)] = _count(flow.at[i, "dropped"])
        problem.fixed = {("remaining", 0), ("remaining", last)}
        for length in range(1, last + 1):
            for a in range(0, last - length + 1):
                b = a + length
                problem.relations.append([("remaining", a), *(("dropped", k) for k in range(a + 1, b + 1)),
                                          ("remaining", b)])
        for (column, k), why in problem.solve().items():
            _hide(out, [rows[k]], [column], why)
    return out


def _intention_status(with_: float, n: float, min_count: int) -> str:
    """Why an intention count is hidden (chapter 5's intention shares), "" when it is shown: the
    children with (primary) or without (secondary) the intention number 1 to min_count - 1, or
    the sample itself is small."""
    without = n - with_
    if is_small(with_, min_count):
        return PRIMARY
    if is_small(without, min_count) or n < min_count:
        return SECONDARY
    return ""


def intention_shares(shares: pd.DataFrame, min_count: int) -> Masked:
    """Chapter 5's intention shares are yes/no per element of the analysis sample (n, printed
    elsewhere as footnote 5's N): hidden when the children with or without the intention number
    1 to min_count - 1 (either reveals them), or the sample itself is small."""
    out = Masked.shown(shares)
    for i in shares.index:
        why = _intention_status(_count(shares.at[i, "with_intention"]), _count(shares.at[i, "n"]), min_count)
        if why:
            _hide(out, [i], ["with_intention", "share_pct", "ci_low_pct", "ci_high_pct"], why)
    return out


HISTOGRAM_COLUMNS = ("with_intention", "without_intention")


def histogram(hist: pd.DataFrame, min_count: int) -> Masked:
    """Chapter 5's fidelity histograms: per outcome and element, the bins' counts with and
    without the intention sum to the intention table's count with it and to n minus that count
    (n is footnote 5's N, printed elsewhere). Those margins are published, or hidden exactly as
    `intention_shares` hides them, and take part in the suppression."""
    out = Masked.shown(hist)
    for _, part in hist.groupby(["outcome", "element"], sort=False):
        problem = _Problem(min_count)
        for i in part.index:
            for c in HISTOGRAM_COLUMNS:
                problem.values[(i, c)] = _count(part.at[i, c])
        margins = {c: sum(problem.values[(i, c)] for i in part.index) for c in HISTOGRAM_COLUMNS}
        n = sum(margins.values())
        problem.values.update({("margin", c): v for c, v in margins.items()})
        problem.values[("margin", "n")] = n
        problem.fixed.add(("margin", "n"))
        why = _intention_status(margins["with_intention"], n, min_count)
        for c in HISTOGRAM_COLUMNS:
            if why:       # hidden in the intention table, and so its complement
                own = PRIMARY if is_small(margins[c], min_count) else SECONDARY
                problem.hidden[("margin", c)] = own
            else:
                problem.fixed.add(("margin", c))
        for c in HISTOGRAM_COLUMNS:
            problem.relations.append([*((i, c) for i in part.index), ("margin", c)])
        problem.relations.append([*(("margin", c) for c in HISTOGRAM_COLUMNS), ("margin", "n")])
        problem.relations.append([*((i, c) for i in part.index for c in HISTOGRAM_COLUMNS), ("margin", "n")])
        for (i, c), why_cell in problem.solve().items():
            if i != "margin":
                _hide(out, [i], [c], why_cell)
    return out


MODEL_KEY = ("outcome", "model")


def _mentions(note: object, value: object) -> bool:
    """Whether a note prints the number `value` (a withheld model's note gives its df)."""
    if pd.isna(note) or pd.isna(value):
        return False
    return re.search(rf"(?<![0-9]){int(value)}(?![0-9])", str(note)) is not None


def model_rows(table: pd.DataFrame, min_count: int) -> Masked:
    """Chapter 5's model and coefficient tables: every model's n (with its residual degrees of
    freedom n - parameters, its clusters and a note that prints them) per outcome, model and
    subgroup. An n below the minimum is hidden (primary; df_resid with it, clusters as a bound
    n >= clusters secondary). The levels of one subgroup variable and the children without one
    of them (a pseudo cell, as are levels the table does not list: subgroups not estimated) make
    up the whole-sample n, which is footnote 5's N, printed elsewhere; so the levels are
    suppressed as one relation with it as margin. In a coefficient table (`method` column) each
    method's n is its own."""
    out = Masked.shown(table)
    if "n" not in table.columns:
        return out
    by = [c for c in (*MODEL_KEY, "method") if c in table.columns]
    var = table["subgroup_variable"] if "subgroup_variable" in table.columns else pd.Series("", index=table.index)
    var = var.astype("string").fillna("")
    level = table["subgroup"].astype("string").fillna("") if "subgroup" in table.columns else var
    keyed = table.assign(_var=var, _level=level)
    parts = [keyed] if not by else [p for _, p in keyed.groupby(by, sort=False, dropna=False)]
    status: dict[object, str] = {}          # row -> why its n is hidden
    for part in parts:
        problem = _Problem(min_count)
        rows: dict[tuple, list] = {}
        for (v, lv), idx in part.groupby(["_var", "_level"], sort=False).groups.items():
            rows[(v, lv)] = list(idx)
            problem.values[(v, lv)] = _count(part.at[idx[0], "n"])
        whole = [k for k in rows if k[0] == ""]
        problem.fixed = set(whole)          # footnote 5's N: printed in the flow and intention tables
        if len(whole) == 1:
            w = problem.values[whole[0]]
            for v in dict.fromkeys(k[0] for k in rows if k[0]):
                levels = [k for k in rows if k[0] == v]
                rest = w - sum(problem.values[k] for k in levels)
                if rest < -EPS:              # not a partition of the sample (different samples): no relation
                    continue
                problem.values[(v, OTHER)] = rest
                problem.free.add((v, OTHER))
                problem.relations.append([*levels, (v, OTHER), whole[0]])
        for key, why in problem.solve().items():
            if key[1] != OTHER:
                status.update({r: why for r in rows[key]})
    for r, why in status.items():
        _hide(out, [r], ["n", "df_resid"], why)
        _hide(out, [r], ["clusters"], SECONDARY)
        if "note" in table.columns and any(_mentions(table.at[r, "note"], table.at[r, c])
                                           for c in ("n", "df_resid") if c in table.columns):
            _hide(out, [r], ["note"], SECONDARY)
    return out


# ---------------------------------------------------------------------------- the mapping's organisations

GROUP_MEASURE = re.compile(r"^(k\d+)_(count|pct|n)$")


def _groups(columns: Iterable[str]) -> list[str]:
    """The printed columns' prefixes (`k<position>`) of a mapping table, in order."""
    found = [m.group(1) for m in map(GROUP_MEASURE.match, columns) if m]
    return sorted(dict.fromkeys(found), key=lambda g: int(g[1:]))


def organisations(table: pd.DataFrame, min_count: int, min_offers: int, min_staff: int, dominance: dict,
                  total: str | None = None) -> Masked:
    """The mapping's tables of named organisations (docs/kortlaegning_disclosure.md), in the
    printed layout of puljeeval/kortlaegning/publish_tables.py: a row per printed row, per printed
    column `k<j>` its count, share and N; kept per row `printed`, `sensitive` and `is_total`.

    1. A table the report printed (`printed`) is published as printed: nothing is hidden.
    2. Any other table (a breakdown a researcher added) hides a count of offers below
       `min_offers` (and a group whose N is below it), with secondary suppression over the
       table's arithmetic: the categories of a column and the answers in none of them make up its
       N unless they overlap (several answers per offer: then a count whose complement N - count is
       small is hidden too), and the columns add up to the `total` column.
    3. Rows of staff characteristics (`sensitive` = staff) are shown only for a column whose offers
       have at least `min_staff` staff in all. Every offer counted has at least one, so a column of
       at least `min_staff` offers qualifies; a smaller one is hidden (primary).
    4. Magnitudes (`sensitive` = magnitude: summed staff) follow the dominance rule: a cell where
       the largest `dominance['n']` offers may make up more than `dominance['k']` of the sum is
       hidden. The published tables do not carry the offers' contributions, so a cell is hidden
       unless it sums more than `dominance['n']` offers and a `k<j>_top` column (the largest
       contributions' sum) shows it is not dominated.

    `min_count` (persons) does not apply: the units are organisations."""
    out = Masked.shown(table)
    flags = set(table["printed"].astype(bool)) if "printed" in table.columns else {False}
    if flags == {True}:
        return out
    groups = _groups(table.columns)
    missing = [f"{g}_{m}" for g in groups for m in ("count", "n") if f"{g}_{m}" not in table.columns]
    if missing:
        raise ValueError(f"organisations: a table the report did not print needs every column's count and N "
                         f"(missing {missing}); list them in config/tables.yaml, with `show: false` if not shown")
    if total is not None and total not in groups:
        raise ValueError(f"organisations: the total column '{total}' is not one of the table's columns {groups}")
    body_groups = [g for g in groups if g != total]
    totals = table["is_total"].astype(bool) if "is_total" in table.columns else pd.Series(False, index=table.index)
    body_rows = [i for i in table.index if not totals[i]]
    sensitive = table["sensitive"].astype(str) if "sensitive" in table.columns else pd.Series("none", index=table.index)
    counts = pd.DataFrame({g: [_count(table.at[i, f"{g}_count"]) for i in body_rows] for g in groups},
                          index=body_rows)
    ns = pd.Series({g: max((_count(v) for v in table[f"{g}_n"]), default=0.0) for g in groups})
    problem = _Problem(min_offers)
    if total is not None:
        _grid(problem, "c", counts[body_groups], ns[body_groups], counts[total], float(ns[total]),
              where="organisations")
    else:
        _grid(problem, "c", counts[body_groups], ns[body_groups], where="organisations")
    key = {g: (ALL if g == total else g) for g in groups}
    top_n, top_k = int(dominance["n"]), float(dominance["k"])
    for i in body_rows:
        for g in groups:
            cell = ("c", i, key[g])
            if sensitive[i] == "staff" and ns[g] < min_staff:
                problem.hidden.setdefault(cell, PRIMARY)
            elif sensitive[i] == "magnitude":
                top = table.at[i, f"{g}_top"] if f"{g}_top" in table.columns else None
                dominated = ns[g] <= top_n or top is None or pd.isna(top) or float(top) > top_k * counts.at[i, g]
                if dominated and counts.at[i, g] > 0:
                    problem.hidden.setdefault(cell, PRIMARY)
    status = problem.solve()
    for i in body_rows:
        for g in groups:
            why = status.get(("c", i, key[g]))
            if why:
                _hide(out, [i], [f"{g}_count", f"{g}_pct"], why)
    for g in groups:
        why = status.get((N, key[g]))
        if why:
            _hide(out, list(table.index), [f"{g}_count", f"{g}_pct", f"{g}_n"], why)
    return out


RULES: dict[str, Callable[..., Masked]] = {
    "none": none, "share_table": share_table, "row_shares": row_shares, "outcome_rows": outcome_rows,
    "binary_counts": binary_counts, "production": production, "flow_steps": flow_steps,
    "element_flow": element_flow, "intention_shares": intention_shares, "histogram": histogram,
    "model_rows": model_rows, "organisations": organisations,
}
# Rules whose arguments include a block of the run's config (config/tables.yaml `policies`: rule ->
# config key): the mapping's thresholds for organisations.
POLICY_RULES = ("organisations",)


def apply(name: str, table: pd.DataFrame, min_count: int, arguments: dict | None = None) -> Masked:
    """The disclosure rule `name` applied to `table`; an unknown name is an error listing the rules."""
    if name not in RULES:
        raise KeyError(f"disclosure rule '{name}' is not one of {sorted(RULES)} (config/tables.yaml)")
    out = RULES[name](table, min_count, **(arguments or {}))
    if not isinstance(out, Masked):
        raise TypeError(f"disclosure rule '{name}' returned {type(out).__name__}, not a Masked table")
    return out
