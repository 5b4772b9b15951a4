"""The twin's configuration (config/kortlaegning/twin.yaml) read and turned into calibration targets.

`load_config` checks the document; `variables` builds the questions; `targets_for` turns each
printed cell of the tables mapped to a variable into a `Target`, with the counts the cell allows:
its printed count, or the counts that print as its share at its N (`consistency.counts_for`).
Where no count agrees with everything printed (the report contradicts itself), the solver's
window is the printed count, else the two counts either side of the printed share: the nearest
feasible counts, met as closely as the other targets allow and then reported.
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from puljeeval.kortlaegning.consistency import counts_for
from puljeeval.kortlaegning.published import Published
from puljeeval.kortlaegning.twin.calibrate import Target, Variable

REPO = Path(__file__).resolve().parents[3]
CONFIG = REPO / "config" / "kortlaegning" / "twin.yaml"
UNITS = ("tilbud", "indsats", "kommune", "kandidat")
_VARIABLE_KEYS = {"unit", "kind", "categories", "also", "exclusive", "missing", "asked", "fixed", "max_choices"}
_TARGET_KEYS = {"table", "variable", "axis", "map", "split", "groups", "weight", "shares_of"}


class TwinConfigError(ValueError):
    """A malformed entry in the twin's configuration."""


class _UniqueKeyLoader(yaml.SafeLoader):
    """Safe YAML that refuses a key given twice in one mapping (plain YAML keeps the last silently).
    Keys brought in by a merge (`<<: *anchor`) may be overridden, as YAML intends."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                if key in first:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r} at line {line} (first at line {first[key]})",
                        key_node.start_mark)
                first[key] = line
        return super().construct_mapping(node, deep)


def read_yaml_unique(path: Path) -> Any:
    """The YAML document at `path`; a key given twice in a mapping raises TwinConfigError naming the
    file, the key and both lines."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)   # a SafeLoader
    except yaml.constructor.ConstructorError as err:
        raise TwinConfigError(f"{path}: {err.problem}") from None


def _fail(path: Path, key: str, message: str) -> TwinConfigError:
    return TwinConfigError(f"{path}: {key}: {message}")


def load_config(path: Path = CONFIG) -> dict[str, Any]:
    """The configuration, with its top-level keys and every variable and target checked for shape."""
    doc = read_yaml_unique(path)
    if not isinstance(doc, dict):
        raise _fail(path, "(top level)", "expected a mapping of keys")
    for key in ("seed", "variables", "targets", "staff", "real_data", "branches", "netlist", "uncalibrated"):
        if key not in doc:
            raise _fail(path, key, "missing")
    if not isinstance(doc["seed"], int) or isinstance(doc["seed"], bool):
        raise _fail(path, "seed", f"expected an integer, got {doc['seed']!r}")
    for name, spec in doc["variables"].items():
        extra = set(spec) - _VARIABLE_KEYS
        if extra:
            raise _fail(path, f"variables.{name}", f"unknown keys {sorted(extra)}")
        if spec.get("unit") not in UNITS:
            raise _fail(path, f"variables.{name}.unit", f"expected one of {UNITS}, got {spec.get('unit')!r}")
        if spec.get("kind") not in ("single", "multi"):
            raise _fail(path, f"variables.{name}.kind", f"expected single or multi, got {spec.get('kind')!r}")
    for i, spec in enumerate(doc["targets"]):
        extra = set(spec) - _TARGET_KEYS
        if extra:
            raise _fail(path, f"targets[{i}]", f"unknown keys {sorted(extra)}")
        if spec.get("variable") not in doc["variables"]:
            raise _fail(path, f"targets[{i}].variable", f"{spec.get('variable')!r} is not a variable")
        if spec.get("axis", "rows") not in ("rows", "columns"):
            raise _fail(path, f"targets[{i}].axis", f"expected rows or columns, got {spec.get('axis')!r}")
    return doc


def _totals(table: dict, axis: str) -> set[str]:
    key = "row" if axis == "rows" else "column"
    return {(table.get("totals") or {}).get(key)} - {None}


def variables(doc: dict[str, Any], pub: Published, path: Path = CONFIG) -> dict[str, Variable]:
    """The questions of the configuration, categories read from a table's rows where it says so."""
    out = {}
    for name, spec in doc["variables"].items():
        cats = spec["categories"]
        if isinstance(cats, dict):
            table = pub.tables.get(cats.get("rows_of"))
            if table is None:
                raise _fail(path, f"variables.{name}.categories", f"no table {cats.get('rows_of')!r}")
            cats = [r for r in table["rows"] if r not in _totals(table, "rows")]
        cats = [str(c) for c in [*cats, *(spec.get("also") or [])]]
        if spec.get("missing"):
            cats.append(spec["missing"])
        for key in ("exclusive",):
            if spec.get(key) and spec[key] not in cats:
                raise _fail(path, f"variables.{name}.{key}", f"{spec[key]!r} is not a category of {cats}")
        out[name] = Variable(name, tuple(cats), spec["kind"], spec.get("exclusive"), spec.get("missing"),
                             spec.get("max_choices"))
    return out


def _window(count: int | None, pct: float | None, decimals: int,
            n: int | None) -> tuple[tuple[int, int], tuple[int, ...]]:
    """The solver's window and the counts that agree with everything printed in the cell."""
    agree: set[int] | None = None
    if count is not None:
        agree = {count}
    if pct is not None and n is not None:
        by_share = set(counts_for(pct, n, decimals))
        agree = by_share if agree is None else agree & by_share
    agree_t = tuple(sorted(agree or ()))
    if agree_t:
        return (agree_t[0], agree_t[-1]), agree_t
    if count is not None:
        return (count, count), ()
    centre = Fraction(str(pct)) * n / 100
    return (math.floor(centre), math.ceil(centre)), ()


def tick_counts(pcts: list[float], n: int) -> tuple[tuple[int, ...], bool]:
    """Counts, one per share, each at most `n`, whose shares of their sum print as `pcts` (whole
    percents), and True; where none exist, the counts whose shares miss the printed ones by the
    fewest points in all (ties: fewer ticks), and False."""
    best: tuple[float, int, tuple[int, ...]] | None = None
    for ticks in range(1, n * len(pcts) + 1):
        options = [[k for k in counts_for(p, ticks) if k <= n] for p in pcts]
        chosen: list[tuple[int, ...]] = [()]
        for opts in options:
            chosen = [c + (k,) for c in chosen for k in opts]
        exact = [c for c in chosen if sum(c) == ticks]
        if exact:
            return exact[0], True
        # nearest: each share's nearest count at this many ticks, capped at n
        near = tuple(min(n, round(p * ticks / 100)) for p in pcts)
        if sum(near) == 0:
            continue
        miss = sum(abs(100 * k / sum(near) - p) for k, p in zip(near, pcts, strict=True))
        if best is None or (miss, sum(near)) < best[:2]:
            best = (miss, sum(near), near)
    return best[2], False


def _printed(count: int | None, pct: float | None, n: int | None) -> str:
    bits = [str(count)] if count is not None else []
    if pct is not None:
        bits.append(f"{pct:g} pct." + (f" of {n}" if n is not None else ""))
    return ", ".join(bits)


def _tick_targets(table: dict, labels: list[str], members_of: dict[str, tuple[int, ...]], axis: str,
                  pub: Published, tid: str) -> dict[tuple[str, str], tuple[int, bool]]:
    """Per printed share of a `shares_of: ticks` table (not in a total group): its target count and
    whether it agrees exactly with the group's printed shares."""
    out = {}
    for glabel in members_of:
        if glabel in _totals(table, "columns" if axis == "rows" else "rows"):
            continue
        cells = [(label, (table["cells"].get(label if axis == "rows" else glabel, {})
                          .get(glabel if axis == "rows" else label) or {}).get("pct")) for label in labels]
        cells = [(label, pct) for label, pct in cells if pct is not None]
        n = pub.n_of(tid, glabel)
        counts, exact = tick_counts([pct for _, pct in cells], n)
        for (label, _), k in zip(cells, counts, strict=True):
            out[(label, glabel) if axis == "rows" else (glabel, label)] = (k, exact)
    return out


def targets_for(spec: dict[str, Any], variable: Variable, pub: Published, frame: pd.DataFrame,
                asked: np.ndarray, path: Path = CONFIG) -> list[Target]:
    """The targets of one configured (table, variable): one per printed cell, plus the N of each group
    when the variable has a `missing` category.

    `frame` holds the unit's earlier variables (one column per variable; multi choice as sets),
    `asked` the ids of the units asked this question.
    """
    tid = spec["table"]
    table = pub.tables.get(tid)
    if table is None:
        raise _fail(path, f"targets.{tid}", "no such table in published.yaml")
    axis = spec.get("axis", "rows")
    labels = table["rows"] if axis == "rows" else table["columns"]
    others = table["columns"] if axis == "rows" else table["rows"]
    mapping = spec.get("map") or {}
    for label in mapping:
        if label not in labels:
            raise _fail(path, f"targets.{tid}.map", f"{label!r} is not a printed {axis[:-1]} of {tid}")
    split, groups = spec.get("split"), spec.get("groups")
    if groups is None:
        groups = {label: "all" for label in others}
    asked_set = set(int(u) for u in asked)
    members_of: dict[str, tuple[int, ...]] = {}
    for label, cats in groups.items():
        if label not in others:
            raise _fail(path, f"targets.{tid}.groups", f"{label!r} is not a printed label of {tid}")
        if cats == "all":
            ids = sorted(asked_set)
        else:
            if split not in frame.columns:
                raise _fail(path, f"targets.{tid}.split", f"{split!r} is not an earlier variable of this unit")
            ids = sorted(u for u in asked_set if frame.at[u, split] in cats)
        members_of[label] = tuple(ids)
    out = []
    weight = float(spec.get("weight", 1.0))
    ticks: dict[tuple[str, str], tuple[int, bool]] = {}
    if spec.get("shares_of") == "ticks":
        ticks = _tick_targets(table, labels, members_of, axis, pub, tid)
    elif spec.get("shares_of") is not None:
        raise _fail(path, f"targets.{tid}.shares_of", f"expected ticks, got {spec['shares_of']!r}")
    for label in labels:
        cats = mapping.get(label, [label] if label in variable.categories else None)
        if cats == "skip":
            continue
        if cats is None:
            if label in _totals(table, axis):
                continue
            raise _fail(path, f"targets.{tid}", f"printed {axis[:-1]} {label!r} is not a category of "
                        f"{variable.name}; map it or skip it")
        for glabel, members in members_of.items():
            row, col = (label, glabel) if axis == "rows" else (glabel, label)
            cell = table["cells"].get(row, {}).get(col) or {}
            if not cell:
                continue
            count, pct = cell.get("count"), cell.get("pct")
            printed_n = pub.n_of(tid, glabel) if isinstance(table["n"], dict) else table["n"]
            n = len(members) if printed_n is None else printed_n   # no N printed: the units asked (9-x [andet])
            if variable.missing:
                # N counts the group's units that answered; printed above the units there are (Tabel
                # 9-7's 30 of 28 interventions), a share can only be of those, so it is met (or
                # reported) at that base
                n = min(n, len(members))
            decimals = 0 if pct is None or float(pct).is_integer() else len(repr(float(pct)).split(".")[1])
            if ticks and pct is not None:
                if (row, col) not in ticks:
                    continue   # a total group's shares of ticks follow from its parts'
                k, exact = ticks[(row, col)]
                window, agrees = (k, k), ((k,) if exact else ())
            else:
                window, agrees = _window(count, pct, decimals, n)
            total = label in _totals(table, axis) or glabel in _totals(table, "columns" if axis == "rows" else "rows")
            printed = _printed(count, pct, printed_n if printed_n is not None else n)
            out.append(Target(tid, row, col, tuple(cats), members, window, printed, agrees,
                              weight / 2 if total else weight))
    if variable.missing:
        for glabel, members in members_of.items():
            n = pub.n_of(tid, glabel) if isinstance(table["n"], dict) else table["n"]
            if n is None:
                continue
            k = len(members) - n
            out.append(Target(tid, "N", glabel, (variable.missing,), members, (k, k),
                              f"N={n} of {len(members)} asked", (k,) if k >= 0 else (), weight))
    return out
