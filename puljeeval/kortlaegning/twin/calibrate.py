"""Answers of one survey variable chosen by integer programming so that printed cells are met.

One MILP per variable (`solve`): a binary x[unit, category] for every unit asked the question;
each target says that the units of one group ticking one of some categories number within
`window`. Windows are hard-ish: every target has two slack variables whose cost (`RELAX_COST`
times the target's weight) dominates the random objective, so a target is only missed where the
printed numbers leave no other way (the report contradicts itself), and then by the fewest
counts. The random objective (costs in [-1, 1) from the seeded generator) picks which unit gets
which answer among the feasible assignments, so another seed gives another twin on the same
targets. HiGHS is deterministic for the same problem, so the same seed gives the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

RELAX_COST = 1000.0   # per count outside a target's window; more than all random costs of any variable here


class CalibrationError(ValueError):
    """A variable's problem that the solver cannot answer (a bug in the specification, not the report)."""


@dataclass(frozen=True)
class Variable:
    """A question: single choice (exactly one category) or multi choice (at least `min_choices`)."""

    name: str
    categories: tuple[str, ...]
    kind: str = "single"
    exclusive: str | None = None        # "ved ikke": ticked alone
    missing: str | None = None          # did not answer: ticked alone, outside every printed row
    max_choices: int | None = None      # "højst tre krydser" (not counting `exclusive`/`missing`)
    min_choices: int = 1


@dataclass(frozen=True)
class Target:
    """One printed cell: the units in `members` ticking any of `categories` number within `window`."""

    table: str
    row: str
    column: str
    categories: tuple[str, ...]
    members: tuple[int, ...]
    window: tuple[int, int]
    printed: str = ""
    agrees: tuple[int, ...] = ()        # the counts that agree with everything printed in the cell
    weight: float = 1.0


@dataclass
class Solution:
    """The 0/1 answers (units asked × categories) and each target's achieved count."""

    variable: Variable
    units: np.ndarray
    answers: np.ndarray
    achieved: list[int] = field(default_factory=list)


def solve(variable: Variable, units: np.ndarray, targets: list[Target], rng: np.random.Generator,
          fixed: dict[int, str] | None = None) -> Solution:
    """Choose the answers of `units` (unit ids asked the question) to meet `targets` as closely as possible.

    `fixed` pins single-choice answers of some units (real data). Returns the answers in the order of `units`.
    """
    cats = list(variable.categories)
    nu, nc = len(units), len(cats)
    pos = {int(u): i for i, u in enumerate(units)}
    nx, nt = nu * nc, len(targets)
    nvar = nx + 2 * nt

    def xi(i: int, c: str) -> int:
        return i * nc + cats.index(c)

    rows, cols, vals, lo, hi = [], [], [], [], []

    def add(entries: list[tuple[int, float]], low: float, high: float) -> None:
        r = len(lo)
        for col, v in entries:
            rows.append(r)
            cols.append(col)
            vals.append(v)
        lo.append(low)
        hi.append(high)

    alone = [c for c in (variable.exclusive, variable.missing) if c]
    ordinary = [c for c in cats if c not in alone]
    for i in range(nu):
        if variable.kind == "single":
            add([(xi(i, c), 1.0) for c in cats], 1, 1)
            continue
        # at least min_choices ticks, or one of the answers that stand alone
        add([(xi(i, c), 1.0) for c in ordinary] + [(xi(i, c), float(variable.min_choices)) for c in alone],
            variable.min_choices, np.inf)
        cap = variable.max_choices or len(ordinary)
        add([(xi(i, c), 1.0) for c in ordinary] + [(xi(i, c), float(cap)) for c in alone], -np.inf, cap)
        if len(alone) == 2:
            add([(xi(i, c), 1.0) for c in alone], -np.inf, 1)
    for t, target in enumerate(targets):
        unknown = [c for c in target.categories if c not in cats]
        if unknown:
            raise CalibrationError(f"{target.table} {target.row!r}/{target.column!r}: categories {unknown} "
                                   f"are not categories of {variable.name} {cats}")
        entries = [(xi(pos[m], c), 1.0) for m in target.members for c in target.categories]
        add(entries + [(nx + 2 * t, 1.0), (nx + 2 * t + 1, -1.0)], *target.window)

    lower, upper = np.zeros(nvar), np.ones(nvar)
    upper[nx:] = np.inf
    for unit, answer in (fixed or {}).items():
        if unit in pos:
            i = pos[unit]
            upper[i * nc:(i + 1) * nc] = 0
            lower[xi(i, answer)] = upper[xi(i, answer)] = 1
    cost = np.concatenate([rng.uniform(-1.0, 1.0, nx),
                           np.repeat([RELAX_COST * t.weight for t in targets], 2)])
    integrality = np.concatenate([np.ones(nx), np.zeros(2 * nt)])
    a = sparse.csr_matrix((vals, (rows, cols)), shape=(len(lo), nvar))
    res = milp(cost, constraints=LinearConstraint(a, lo, hi), integrality=integrality,
               bounds=Bounds(lower, upper), options={"presolve": True})
    if res.x is None:
        raise CalibrationError(f"{variable.name}: the solver found no answers ({res.message})")
    answers = np.rint(res.x[:nx]).astype(int).reshape(nu, nc)
    achieved = [int(sum(answers[pos[m], cats.index(c)] for m in t.members for c in t.categories)) for t in targets]
    return Solution(variable, np.asarray(units), answers, achieved)
