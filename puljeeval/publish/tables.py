"""Published tables, the one path for every chapter: interim tables -> disclosure rule (a `Masked`
table: values at full precision, each cell's status) -> what each reader sees, made here and
nowhere else:

- `page_cells`: the text of every cell on a page (Danish numbers at the registry's precision,
  labels for codes, markers for cells without a number);
- `sheet`: the cells of the CSV and the workbook (numbers rounded half-up to the same precision,
  the same labels and markers, Danish headings).

The registry (config/tables.yaml, puljeeval/publish/registry.py) says per table which interim
table it is made from, which disclosure rule applies and what each column is called and shows.
Values are rounded only here, when shown (puljeeval/publish/display.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from puljeeval.publish import display, rules
from puljeeval.publish.display import Markers
from puljeeval.publish.masked import Masked
from puljeeval.publish.registry import FLAT, FORMULA, NESTED, LabelError, LabelSet, Registry, RegistryError, Table

# A row whose `note` column says this was not estimated (chapter 5's small subgroups, models
# withheld for too few degrees of freedom): its empty estimates are "not estimated", not "not
# applicable".
NOTE_COLUMN = "note"


@dataclass(frozen=True)
class Chapter:
    """One chapter's publication: the disclosure-controlled tables by table id."""

    masked: dict[str, Masked]

    @property
    def controlled(self) -> dict[str, pd.DataFrame]:
        """The values with hidden cells <NA> (what the figures draw)."""
        return {k: m.values for k, m in self.masked.items()}


def read_sources(paths: dict[str, str | Path | list]) -> dict[str, pd.DataFrame]:
    """The interim tables by source name; a source given as several files (one per outcome of
    chapter 5) is their concatenation in the given order."""
    out = {}
    for name, path in paths.items():
        files = path if isinstance(path, list | tuple) else [path]
        out[name] = pd.concat([pd.read_csv(p) for p in files], ignore_index=True)
    return out


def check_columns(table: Table, frame: pd.DataFrame) -> None:
    """The registry must describe every published column: a column the interim table lacks or one
    it has that the registry does not list is an error naming both."""
    missing = [c for c in table.source_columns if c not in frame.columns]
    made = {c.name for c in table.columns if c.source is not None}   # replaced by the label column
    extra = [c for c in frame.columns if c not in table.source_columns and c not in made]
    if missing or extra:
        raise RegistryError(f"tables.yaml: table '{table.id}' (from '{table.source}'): columns {missing} are not "
                            f"in the interim table; columns {extra} of it are not in the registry")


def policy(config: Any, key: str) -> dict[str, Any]:
    """The config block at dotted `key` (a rule's policy, such as kortlaegning.disclosure)."""
    node = config
    for part in key.split("."):
        node = node[part]
    return dict(node.plain() if hasattr(node, "plain") else node)


def _flat(block: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in block.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}_"))
        else:
            out[f"{prefix}{k}"] = v
    return out


def thresholds(registry: Registry, chapter: str, config: Any) -> tuple[int, dict[str, Any]]:
    """A chapter's threshold and what its markers' and notes' texts are filled with: the
    evaluation's `disclosure.min_count`; for a chapter whose rules take a policy (the mapping's
    organisations) that policy's threshold and values (nested keys joined by '_'; a fraction
    also in percent, Danish, as `<key>_pct`)."""
    keys = registry.policy_keys(chapter)
    if not keys:
        return int(config["disclosure"]["min_count"]), {}
    fill: dict[str, Any] = {}
    for key in keys:
        for k, v in _flat(policy(config, key)).items():
            fill[k] = v
            if isinstance(v, float) and 0 < v < 1:
                fill[f"{k}_pct"] = display.number(100 * v)
    return int(fill[registry.policy_thresholds[keys[0]]]), fill


def controlled(table: Table, interim: pd.DataFrame, min_count: int,
               policy_args: dict[str, Any] | None = None) -> Masked:
    """The interim table with the table's disclosure rule applied, and every empty cell given its
    reason (hidden, not applicable, not estimated). `policy_args`: the config block of a rule that
    takes one (registry `policies`)."""
    check_columns(table, interim)
    if table.rule in rules.POLICY_RULES and policy_args is None:
        raise RegistryError(f"tables.yaml: table '{table.id}': rule '{table.rule}' takes its thresholds from the "
                            f"config (`policies` in config/tables.yaml), which this step was not given")
    masked = rules.apply(table.rule, interim[table.source_columns].reset_index(drop=True), min_count,
                         {**table.rule_args, **(policy_args or {})})
    notes = masked.values[NOTE_COLUMN] if NOTE_COLUMN in masked.values else None
    masked.mark_missing(None if notes is None else notes.astype("string").fillna("").str.len() > 0)
    return masked


def publish_chapter(chapter: str, interim: dict[str, pd.DataFrame], registry: Registry,
                    min_count: int, config: Any = None) -> Chapter:
    """A chapter's disclosure-controlled tables, in the registry's order (`config`: the run's
    config, for the rules that take a block of it: registry `policies`)."""
    tables = registry.chapter_tables(chapter)
    missing = sorted({t.source for t in tables} - set(interim))
    if missing:
        raise KeyError(f"{chapter}: interim tables {missing} were not given")
    policies = {key: policy(config, key) for key in registry.policy_keys(chapter)} if config is not None else {}
    return Chapter({t.id: controlled(t, interim[t.source], min_count, policies.get(registry.policies.get(t.rule, "")))
                    for t in tables})


def publish_from_files(chapter: str, paths: Any, registry: Registry, min_count: int, config: Any = None) -> Chapter:
    """`publish_chapter` on the interim tables of a rule's inputs (`paths[name]` per source)."""
    return publish_chapter(chapter, read_sources({name: paths[name] for name in registry.sources(chapter)}),
                           registry, min_count, config)


# ---------------------------------------------------------------------- what readers see


@dataclass(frozen=True)
class _ColumnLabels:
    """How one column's codes become labels when that is more than a dict lookup: `label(code,
    row)`; `by_row` says whether it needs the cell's row position (a nested set's `by` code, the
    other terms of a model) or not (a formula)."""

    label: Callable[[str, int | None], str]
    by_row: bool = True


def _labels(table: Table, registry: Registry, values: pd.DataFrame | None = None) -> dict[str, Any]:
    """Per labelled column, how its codes become labels: a flat set as its dict (code -> label);
    a nested set (`by`), a term set or a formula set as a `_ColumnLabels`, which for the first two
    reads the row's `by` code or the other terms of the same model from `values` (the table's
    rows, as `_cells` has them; None: such columns cannot be labelled)."""
    out: dict[str, Any] = {}
    for col in table.columns:
        if col.labels is None:
            continue
        label_set = registry.label_set(col.labels)
        if label_set.kind == FLAT:
            out[col.name] = dict(label_set.flat)
        elif label_set.kind == FORMULA:
            out[col.name] = _ColumnLabels(lambda code, row, ls=label_set: ls.label(code), by_row=False)
        elif values is not None:
            out[col.name] = _row_labels(table, col, label_set, values)
        else:
            out[col.name] = None          # `_code_text` says what is missing
    return out


def _code_key(value: Any) -> str:
    """A code as the label sets spell it (a code read back as 3.0 is '3')."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _row_labels(table: Table, col: Any, label_set: LabelSet, values: pd.DataFrame) -> _ColumnLabels:
    if label_set.kind == NESTED:
        outer = [None if display.is_missing(v) else _code_key(v) for v in values[col.by]]
        return _ColumnLabels(lambda code, row: label_set.label(code, outer[row] or ""))
    # a term: the other terms of its model, i.e. of the rows sharing every other code column
    source = col.source or col.name
    keys = [c.name for c in table.columns if c.unit == "code" and c.source is None and c.name != source]
    model = (values[keys].astype("string").fillna("").agg("\x1f".join, axis=1).tolist() if keys
             else [""] * len(values))
    members: dict[str, list[str]] = {}
    for m, v in zip(model, values[source], strict=True):
        if not display.is_missing(v):
            members.setdefault(m, []).append(_code_key(v))
    by_row = [members.get(m, []) for m in model]
    return _ColumnLabels(lambda code, row: label_set.label(code, model_terms=by_row[row]))


def _code_text(table: Table, col: Any, value: Any, labels: Any, row: int | None = None) -> str:
    """A code cell's text: its label from the column's label set (`labels` as `_labels` made it;
    `row` is the cell's row position, which nested and term sets need), or the code itself for a
    column without labels. A code without a label is an error naming set, column and table."""
    if display.is_missing(value):
        return ""
    key = _code_key(value)
    if col.labels is None:
        return key
    if labels is None or (isinstance(labels, _ColumnLabels) and labels.by_row and row is None):
        raise RegistryError(f"tables.yaml: label set '{col.labels}' (column '{col.name}' of table '{table.id}') "
                            f"labels by row: `_labels` needs the table's rows and `_code_text` the cell's row")
    try:
        if isinstance(labels, dict):
            if key not in labels:
                raise LabelError(f"label set '{col.labels}' has no label for '{key}'")
            return labels[key]
        return labels.label(key, row)
    except LabelError as err:
        raise RegistryError(f"tables.yaml: {err} (column '{col.source or col.name}' of table '{table.id}')") from None


def _cells(table: Table, masked: Masked, registry: Registry, markers: Markers, how: str) -> pd.DataFrame:
    """The table's shown columns in registry order, each cell through `display.text` (how='text')
    or `display.machine` (how='machine'); codes through their label sets."""
    labels = _labels(table, registry, masked.values)
    fmt = display.text if how == "text" else display.machine
    out = {}
    for col in table.columns:
        source = col.source or col.name
        values, status = masked.values[source], masked.status[source]
        if col.unit in ("code", "text"):
            cells = []
            for row, (v, s) in enumerate(zip(values, status, strict=True)):
                if s:
                    cells.append(markers.symbol(s))
                elif display.is_missing(v):
                    cells.append("" if col.source is not None else markers.symbol(display.NOT_APPLICABLE))
                else:
                    cells.append(_code_text(table, col, v, labels.get(col.name), row))
            out[col.name] = cells
        else:
            out[col.name] = [fmt(v, col.unit, col.decimals, s, markers) for v, s in zip(values, status, strict=True)]
    return pd.DataFrame(out, index=masked.values.index, dtype=object)


def page_cells(table: Table, masked: Masked, registry: Registry, markers: Markers) -> pd.DataFrame:
    """Every cell as text on a page, pipeline column names (the page adds the headings)."""
    return _cells(table, masked, registry, markers, "text")


def sheet(table: Table, masked: Masked, registry: Registry, markers: Markers) -> pd.DataFrame:
    """The table as published in CSV and workbook: Danish headings, numbers rounded half-up to the
    registry's precision, labels for codes, markers for cells without a number."""
    return _cells(table, masked, registry, markers, "machine").rename(columns=table.headings)


def statuses(masked: Masked, table: Table) -> set[str]:
    """The reasons for empty cells that occur in the shown columns (for the legend)."""
    cols = list(dict.fromkeys(c.source or c.name for c in table.columns))
    return {s for s in masked.status[cols].to_numpy().ravel() if s}


def sheets(chapter: Chapter, registry: Registry, markers: Markers) -> dict[str, pd.DataFrame]:
    return {registry.tables[tid].sheet: sheet(registry.tables[tid], m, registry, markers)
            for tid, m in chapter.masked.items()}
