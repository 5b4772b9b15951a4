"""The publication registry (config/tables.yaml) as objects: which tables each chapter publishes,
their sheets, columns (Danish heading, unit, display precision), code labels and disclosure rule,
and the figures' texts.

The registry is the one place Danish headings, sheet names and labels live, so the tables, the
figures and the notebooks cannot drift apart (issue 10: there used to be two publish paths with
two spellings of the same heading). It is checked when read: a wrong unit, a missing heading or
an unknown label set is an error naming the table and column, before anything is written.

Label sets (`labels` in tables.yaml) turn the codes a table carries into what a reader sees. A set
is one of:

- flat, `code -> label`: written in the registry, or read (`from:`) from side files, the run's
  config or other sets, so labels kept elsewhere are not copied;
- nested, `outer code -> code -> label`: a column's codes whose meaning depends on another column
  of the same row (`by:`), such as a profile's categories per variable ('begge' is "Både mor og
  far" for the abusing party, "Både alkohol- og stofmisbrug" for the substance);
- `terms`: model terms as patsy names them, labelled from a variable set and a nested level set
  (puljeeval/publish/terms.py), with the reference level the model left out;
- `formula`: model formulas, read through a `terms` set.

`label_inputs` says which side files and config keys a chapter's label sets read (the publishing
and page rules must declare them); `all_codes` and `raw_code` are what the "no raw code on any
page" checks compare cells with.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from puljeeval.publish import terms as term_labels
from puljeeval.publish.display import Markers

# The final evaluation's chapters, then the 2016 mapping (Kortlægning), whose tables are one
# workbook (results/tables/kortlaegning.xlsx) shown on its chapter pages.
CHAPTERS = ("kapitel_3", "kapitel_4", "kapitel_5", "kapitel_6", "bilag_1", "kortlaegning")
MAPPING = "kortlaegning"
# Excel's limit on sheet names and the characters it refuses in them.
SHEET_MAX = 31
SHEET_FORBIDDEN = set("[]:*?/\\")
# Units that are not numbers: never rounded.
UNROUNDED_UNITS = {"code", "text", "flag"}
# Label sets: the kinds, where a `from:` source reads, and what may be said about it.
FLAT, NESTED, TERMS, FORMULA = "flat", "nested", "terms", "formula"
SOURCE_WHERE = ("codes", "set", "side_file", "config")
SOURCE_OPTIONS = {"list", "code", "label", "text", "format", "code_format", "nested", "under", "values"}
TERM_TEXTS = ("intercept", "level", "level_only", "interaction", "formula", "separator")


class RegistryError(ValueError):
    """The registry is incomplete or inconsistent; the message names the table and key."""


class LabelError(KeyError):
    """A code the label set has no label for (the caller names the table and column)."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class LabelSet:
    """One label set, read: `flat` (code -> label), `nested` (outer code -> code -> label) or a
    term labeller (`terms`, for kinds `terms` and `formula`)."""

    name: str
    kind: str
    flat: Mapping[str, str] = field(default_factory=dict)
    nested: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    terms: term_labels.TermLabels | None = None

    def label(self, code: str, outer: str | None = None, model_terms: Sequence[str] = ()) -> str:
        """The label of `code` (`outer`: the `by` column's code of a nested set; `model_terms`: the
        other terms of the same model, for a term's reference level)."""
        if self.kind == FLAT:
            if code not in self.flat:
                raise LabelError(f"label set '{self.name}' has no label for '{code}'")
            return self.flat[code]
        if self.kind == NESTED:
            inner = self.nested.get("" if outer is None else outer)
            if inner is None:
                raise LabelError(f"label set '{self.name}' has no labels for codes under '{outer}'")
            if code not in inner:
                raise LabelError(f"label set '{self.name}' has no label for '{code}' under '{outer}'")
            return inner[code]
        assert self.terms is not None
        try:
            return self.terms.formula(code) if self.kind == FORMULA else self.terms.label(code, model_terms)
        except term_labels.TermError as err:
            raise LabelError(f"label set '{self.name}': {err} (in '{code}')") from None

    def pairs(self) -> Iterator[tuple[str, str]]:
        """Every (code, label) the set can enumerate (a term set: the intercept and the variables,
        each of which may be a term by itself)."""
        if self.kind == FLAT:
            yield from self.flat.items()
        elif self.kind == NESTED:
            for inner in self.nested.values():
                yield from inner.items()
        elif self.terms is not None:
            yield term_labels.INTERCEPT, self.terms.texts["intercept"]
            yield from self.terms.variables.items()

    def codes(self) -> set[str]:
        return {code for code, _ in self.pairs()}


@dataclass(frozen=True)
class Column:
    """One published column: the pipeline's name, its Danish heading, unit and display precision;
    `labels` shows the column's codes (or, with `source`, another column's codes) through a label
    set."""

    name: str
    heading: str
    unit: str
    decimals: int | None = None
    source: str | None = None
    labels: str | None = None
    by: str | None = None       # a nested label set: the column whose code picks the inner set


@dataclass(frozen=True)
class Table:
    """One published table: its chapter, sheet, interim source, disclosure rule and columns.
    `kept` are interim columns read but not shown (`show: false`: a label column of the interim
    table when the code column beside it is shown through its label set)."""

    id: str
    chapter: str
    sheet: str
    source: str
    rule: str
    rule_args: dict = field(default_factory=dict)
    columns: tuple[Column, ...] = ()
    kept: tuple[str, ...] = ()
    title: str | None = None    # the report's own title of the table (the mapping's tables)

    @property
    def headings(self) -> dict[str, str]:
        """Pipeline column name -> Danish heading, in the published order."""
        return {c.name: c.heading for c in self.columns}

    @property
    def source_columns(self) -> list[str]:
        """The columns read from the interim table (the others are made from label sets)."""
        return [c.name for c in self.columns if c.source is None] + list(self.kept)


class Registry:
    """config/tables.yaml, checked. `side` reads the side files and `config` is the run's config
    (a rule's ConfigView), which label sets may read (`from: {side_file: ...}`,
    `from: {config: ...}`), only when such a set is used: a rule's settings refuse a side file or
    key the rule did not declare, so only the jobs that need it depend on it."""

    def __init__(self, raw: Mapping[str, Any], side: Callable[[str], Any] | None = None,
                 config: Mapping[str, Any] | None = None) -> None:
        self.raw = raw
        self.units: dict[str, str] = dict(raw["units"])
        self.texts: dict[str, str] = dict(raw.get("texts", {}))
        self._labels: dict[str, Any] = dict(raw.get("labels", {}))
        self._side = side
        self._config = config
        self._sets: dict[str, LabelSet] = {}
        self._raw_codes: dict[str, str] | None = None
        self._kinds: dict[str, str] = {}
        for name in self._labels:
            self._kind(name, ())
        self.tables: dict[str, Table] = {key: self._table(key, spec) for key, spec in raw["tables"].items()}
        self.figures: dict[str, dict] = {ch: dict(raw.get("figures", {}).get(ch, {})) for ch in CHAPTERS}
        self._markers: dict[str, Any] = dict(raw.get("markers", {}))
        # rule -> the config key of its thresholds (`policies`: {rule: {config: key, threshold: name}})
        self.policies: dict[str, str] = {}
        self.policy_thresholds: dict[str, str] = {}
        for rule, spec in dict(raw.get("policies") or {}).items():
            if not isinstance(spec, Mapping) or set(spec) != {"config", "threshold"}:
                raise RegistryError(f"tables.yaml: policies.{rule}: expected {{config: <dotted key>, threshold: "
                                    f"<its key of the smallest count shown>}}, found {spec!r}")
            self.policies[str(rule)] = str(spec["config"])
            self.policy_thresholds[str(spec["config"])] = str(spec["threshold"])
        self._check()

    # ---------------------------------------------------------------- reading

    def _table(self, key: str, spec: Mapping[str, Any]) -> Table:
        for part in ("chapter", "sheet", "source", "disclosure", "columns"):
            if part not in spec:
                raise RegistryError(f"tables.yaml: table '{key}' has no '{part}'")
        rule = dict(spec["disclosure"])
        columns, kept = [], []
        for i, col in enumerate(spec["columns"]):
            if col.get("show", True) is False:
                if "name" not in col or {"from", "labels", "by"} & set(col):
                    raise RegistryError(f"tables.yaml: table '{key}', column {i} ({col.get('name')}): a column "
                                        f"with `show: false` is an interim column read but not shown: it needs "
                                        f"a `name` and no `from`, `labels` or `by`")
                kept.append(str(col["name"]))
                continue
            missing = [k for k in ("name", "heading", "unit") if k not in col]
            if missing:
                raise RegistryError(f"tables.yaml: table '{key}', column {i} ({col.get('name')}): no {missing}")
            columns.append(Column(name=str(col["name"]), heading=str(col["heading"]), unit=str(col["unit"]),
                                  decimals=col.get("decimals"), source=col.get("from"), labels=col.get("labels"),
                                  by=col.get("by")))
        return Table(id=key, chapter=spec["chapter"], sheet=str(spec["sheet"]), source=spec["source"],
                     rule=rule.pop("rule"), rule_args=rule, columns=tuple(columns), kept=tuple(kept),
                     title=None if spec.get("title") is None else str(spec["title"]))

    def _check(self) -> None:
        sheets: dict[tuple[str, str], str] = {}
        for t in self.tables.values():
            where = f"tables.yaml: table '{t.id}'"
            if t.chapter not in CHAPTERS:
                raise RegistryError(f"{where}: chapter '{t.chapter}' is not one of {list(CHAPTERS)}")
            if len(t.sheet) > SHEET_MAX or SHEET_FORBIDDEN & set(t.sheet):
                raise RegistryError(f"{where}: sheet '{t.sheet}' is longer than {SHEET_MAX} characters or "
                                    f"has one of {''.join(sorted(SHEET_FORBIDDEN))}")
            if (t.chapter, t.sheet) in sheets:
                raise RegistryError(f"{where}: sheet '{t.sheet}' is also table '{sheets[t.chapter, t.sheet]}'")
            sheets[t.chapter, t.sheet] = t.id
            names = [c.name for c in t.columns]
            headings = [c.heading for c in t.columns]
            for label, values in (("column", names), ("heading", headings)):
                dup = sorted({v for v in values if values.count(v) > 1})
                if dup:
                    raise RegistryError(f"{where}: {label}s {dup} appear twice")
            for c in t.columns:
                if c.unit not in self.units:
                    raise RegistryError(f"{where}, column '{c.name}': unit '{c.unit}' is not one of "
                                        f"{sorted(self.units)}")
                if c.unit not in UNROUNDED_UNITS and not isinstance(c.decimals, int):
                    raise RegistryError(f"{where}, column '{c.name}': a {c.unit} column needs `decimals`")
                if c.source is not None and c.labels is None:
                    raise RegistryError(f"{where}, column '{c.name}': a column made `from` another needs `labels`")
                if c.labels is not None and c.labels not in self._labels:
                    raise RegistryError(f"{where}, column '{c.name}': label set '{c.labels}' is not in `labels`")
                if c.labels is not None and c.unit not in ("code", "text"):
                    raise RegistryError(f"{where}, column '{c.name}': only `code` and `text` columns have labels")
                self._check_column_labels(t, c, where)

    # ---------------------------------------------------------------- queries

    def chapter_tables(self, chapter: str) -> list[Table]:
        """The chapter's tables in the registry's (the workbook's) order."""
        if chapter not in CHAPTERS:
            raise RegistryError(f"chapter '{chapter}' is not one of {list(CHAPTERS)}")
        return [t for t in self.tables.values() if t.chapter == chapter]

    def policy_keys(self, chapter: str) -> list[str]:
        """The config keys whose blocks the disclosure rules of a chapter's tables take as arguments
        (`policies`: rule -> config key), which the chapter's publishing rule must declare."""
        return list(dict.fromkeys(self.policies[t.rule] for t in self.chapter_tables(chapter)
                                  if t.rule in self.policies))

    def sources(self, chapter: str) -> list[str]:
        """The interim tables a chapter's publishing reads."""
        return list(dict.fromkeys(t.source for t in self.chapter_tables(chapter)))

    def sheets(self, chapter: str) -> list[str]:
        return [t.sheet for t in self.chapter_tables(chapter)]

    def labels(self, name: str) -> dict[str, Any]:
        """A label set as a dict: code -> Danish label (a nested set: outer code -> code -> label;
        a term or formula set: the codes it can enumerate, the intercept and the variables)."""
        ls = self.label_set(name)
        if ls.kind == NESTED:
            return {outer: dict(inner) for outer, inner in ls.nested.items()}
        return dict(ls.pairs())

    def label_set(self, name: str) -> LabelSet:
        """A label set, read from the registry and the side files and config keys it names."""
        if name not in self._labels:
            raise RegistryError(f"tables.yaml: no label set '{name}' under `labels`")
        if name not in self._sets:
            self._sets[name] = self._read_set(name)
        return self._sets[name]

    def label_inputs(self, chapter: str | None = None) -> dict[str, list[str]]:
        """The side files and config keys the label sets of a chapter's tables (all tables when
        None) read: what the chapter's publishing and page rules must declare."""
        tables = self.tables.values() if chapter is None else self.chapter_tables(chapter)
        side: set[str] = set()
        config: set[str] = set()
        seen: set[str] = set()
        todo = [c.labels for t in tables for c in t.columns if c.labels is not None]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            spec = self._labels[name]
            if _is_spec(spec, "terms"):
                todo += [spec["terms"]["variables"], spec["terms"]["levels"]]
            elif _is_spec(spec, "formula"):
                todo.append(spec["formula"])
            elif _is_spec(spec, "from"):
                for src in _sources(spec):
                    if "side_file" in src:
                        side.add(str(src["side_file"]))
                    elif "config" in src:
                        config.add(str(src["config"]))
                    elif "set" in src:
                        todo.append(str(src["set"]))
        return {"side_files": sorted(side), "config": sorted(config)}

    def all_codes(self) -> dict[str, set[str]]:
        """Every label set's codes (reads every side file and config key the sets name)."""
        return {name: self.label_set(name).codes() for name in self._labels}

    def raw_code(self, text: str) -> str | None:
        """Why a cell's text is a raw code, or None: a code of a label set that is not its own
        label (codes that are ordinary words are allowed where they are their own label, or the
        label of another code), or a model term or formula as patsy writes it."""
        if self._raw_codes is None:
            labels: set[str] = set()
            codes: dict[str, str] = {}
            for name in self._labels:
                for code, label in self.label_set(name).pairs():
                    labels.add(label)
                    if code != label:
                        codes.setdefault(code, name)
            self._raw_codes = {c: n for c, n in codes.items() if c not in labels}
        cell = str(text).strip()
        if cell in self._raw_codes:
            return f"a code of label set '{self._raw_codes[cell]}'"
        if term_labels.looks_raw(cell):
            return "a model term or formula as patsy names it"
        return None

    # ---------------------------------------------------------------- label sets (reading)

    def _kind(self, name: str, stack: tuple[str, ...]) -> str:
        """A set's kind from its spec, checking the spec on the way (no side file is read)."""
        if name in self._kinds:
            return self._kinds[name]
        where = f"tables.yaml: label set '{name}'"
        if name not in self._labels:
            raise RegistryError(f"{where} is referred to but not under `labels`"
                                + (f" (from {' -> '.join(stack)})" if stack else ""))
        if name in stack:
            raise RegistryError(f"{where} refers to itself ({' -> '.join((*stack, name))})")
        spec = self._labels[name]
        if not isinstance(spec, Mapping) or not spec:
            raise RegistryError(f"{where}: expected a mapping of codes or a `from`, `terms` or `formula` spec")
        if _is_spec(spec, "terms"):
            t = spec["terms"]
            missing = [k for k in ("variables", "levels", *TERM_TEXTS) if k not in t]
            if missing:
                raise RegistryError(f"{where}: `terms` needs {missing}")
            if self._kind(str(t["variables"]), (*stack, name)) != FLAT:
                raise RegistryError(f"{where}: `variables` must be a flat set")
            if self._kind(str(t["levels"]), (*stack, name)) != NESTED:
                raise RegistryError(f"{where}: `levels` must be a nested set (variable -> level -> label)")
            kind = TERMS
        elif _is_spec(spec, "formula"):
            if self._kind(str(spec["formula"]), (*stack, name)) != TERMS:
                raise RegistryError(f"{where}: `formula` must name a `terms` set")
            kind = FORMULA
        elif _is_spec(spec, "from"):
            kinds = {self._source_kind(name, src, (*stack, name)) for src in _sources(spec)}
            if len(kinds) != 1:
                raise RegistryError(f"{where}: its sources mix flat and nested sets")
            kind = kinds.pop()
        else:
            nested = [isinstance(v, Mapping) for v in spec.values()]
            if any(nested) and not all(nested):
                raise RegistryError(f"{where}: mixes labels and nested sets")
            kind = NESTED if all(nested) else FLAT
        self._kinds[name] = kind
        return kind

    def _source_kind(self, name: str, src: Any, stack: tuple[str, ...]) -> str:
        where = f"tables.yaml: label set '{name}'"
        if not isinstance(src, Mapping):
            raise RegistryError(f"{where}: a `from` source must be a mapping, got {src!r}")
        found = [k for k in SOURCE_WHERE if k in src]
        if len(found) != 1:
            raise RegistryError(f"{where}: a `from` source needs exactly one of {list(SOURCE_WHERE)}, "
                                f"got {sorted(src)}")
        unknown = sorted(set(src) - set(SOURCE_WHERE) - SOURCE_OPTIONS)
        if unknown:
            raise RegistryError(f"{where}: unknown keys {unknown} in a `from` source (known: {sorted(SOURCE_OPTIONS)})")
        if "side_file" in src and "list" not in src:
            raise RegistryError(f"{where}: a `side_file` source needs `list` (the path in the file)")
        if "text" in src and "format" in src:
            raise RegistryError(f"{where}: a source has `text` or `format`, not both")
        if "codes" in src:
            values = list(src["codes"].values()) if isinstance(src["codes"], Mapping) else None
            if values is None:
                raise RegistryError(f"{where}: `codes` must be a mapping")
            inner = NESTED if values and all(isinstance(v, Mapping) for v in values) else FLAT
        elif "set" in src:
            inner = self._kind(str(src["set"]), stack)
            if inner not in (FLAT, NESTED):
                raise RegistryError(f"{where}: a `set` source must be a flat or nested set")
        else:
            inner = NESTED if "nested" in src else FLAT
        if "under" in src:
            if inner != FLAT:
                raise RegistryError(f"{where}: `under` places a flat source in a nested set")
            return NESTED
        return inner

    def _read_set(self, name: str) -> LabelSet:
        spec = self._labels[name]
        kind = self._kind(name, ())
        if kind == TERMS:
            t = spec["terms"]
            variables = self.label_set(str(t["variables"])).flat
            levels = self.label_set(str(t["levels"])).nested
            missing = {str(k): str(v) for k, v in dict(t.get("missing") or {}).items()}
            texts = {k: str(t[k]) for k in TERM_TEXTS}
            return LabelSet(name, kind, terms=term_labels.TermLabels(variables, levels, missing, texts))
        if kind == FORMULA:
            return LabelSet(name, kind, terms=self.label_set(str(spec["formula"])).terms)
        flat: dict[str, str] = {}
        nested: dict[str, dict[str, str]] = {}
        parts = [{"codes": spec}] if not _is_spec(spec, "from") else _sources(spec)
        for src in parts:
            data = self._read_source(name, src)
            if kind == FLAT:
                flat.update(data)
            else:
                for outer, inner in data.items():
                    nested.setdefault(outer, {}).update(inner)
        return LabelSet(name, kind, flat=flat, nested=nested)

    def _read_source(self, name: str, src: Mapping[str, Any]) -> dict[str, Any]:
        """One `from` source as a flat (code -> label) or nested (outer -> code -> label) dict."""
        where = f"tables.yaml: label set '{name}'"
        if "codes" in src:
            data = {str(k): ({str(c): str(v2) for c, v2 in v.items()} if isinstance(v, Mapping) else str(v))
                    for k, v in src["codes"].items()}
        elif "set" in src:
            ls = self.label_set(str(src["set"]))
            data = dict(ls.flat) if ls.kind == FLAT else {k: dict(v) for k, v in ls.nested.items()}
        else:
            root, path = self._root(name, src)
            collection = _walk(root, path, where)
            if "values" in src:
                data = {}
                for _, item in _items(collection, where):
                    for _, code in _items(_field(item, src["values"], where), where):
                        data[self._code(src, None, code, where)] = self._label(src, str(code), str(code), where)
            elif "nested" in src:
                data = {}
                for key, item in _items(collection, where):
                    outer = self._code(src, key, item, where, formatted=False)
                    if not isinstance(item, Mapping) or src["nested"] not in item:
                        continue       # an item without the inner list (an instrument without scales)
                    data[outer] = {self._code(src, k, it, where, field_name=False): self._label(src, it, k, where)
                                   for k, it in _items(item[src["nested"]], where)}
            else:
                data = {}
                for key, item in _items(collection, where):
                    code = self._code(src, key, item, where)
                    data[code] = self._label(src, item, code, where)
        if "under" in src:
            return {str(src["under"]): data}
        return data

    def _root(self, name: str, src: Mapping[str, Any]) -> tuple[Any, str]:
        if "side_file" in src:
            if self._side is None:
                raise RegistryError(f"tables.yaml: label set '{name}' reads config/{src['side_file']}.yaml, "
                                    f"which this step was not given")
            return self._side(str(src["side_file"])), str(src["list"])
        if self._config is None:
            raise RegistryError(f"tables.yaml: label set '{name}' reads config key '{src['config']}', which this "
                                f"step was not given")
        return self._config, str(src["config"])

    def _code(self, src: Mapping[str, Any], key: Any, item: Any, where: str, *, formatted: bool = True,
              field_name: bool = True) -> str:
        """An item's code: its `code` field, else its key in a mapping, else the item itself (a
        list of codes); `code_format` applied."""
        if field_name and "code" in src and isinstance(item, Mapping):
            code = _field(item, src["code"], where)
        elif key is not None:
            code = key
        elif not isinstance(item, Mapping | list):
            code = item
        else:
            raise RegistryError(f"{where}: list items need `code` (the field holding the code)")
        code = str(code)
        return str(src["code_format"]).format(code=code) if formatted and "code_format" in src else code

    def _label(self, src: Mapping[str, Any], item: Any, code: str, where: str) -> str:
        if isinstance(item, Mapping):
            if "label" not in src:
                raise RegistryError(f"{where}: the source's items are mappings: say which field is the `label`")
            label = str(_field(item, src["label"], where))
        else:
            label = str(item)
        if "text" in src:
            return self.text(str(src["text"]), label=label, code=code)
        if "format" in src:
            return str(src["format"]).format(label=label, code=code)
        return label

    def _check_column_labels(self, t: Table, c: Column, where: str) -> None:
        if c.labels is None:
            if c.by is not None:
                raise RegistryError(f"{where}, column '{c.name}': `by` needs `labels` (a nested set)")
            return
        kind = self._kind(c.labels, ())
        if kind == NESTED and c.by is None:
            raise RegistryError(f"{where}, column '{c.name}': label set '{c.labels}' is nested: say `by` which "
                                f"column's code picks the labels")
        if kind != NESTED and c.by is not None:
            raise RegistryError(f"{where}, column '{c.name}': `by` needs a nested label set, '{c.labels}' is {kind}")
        if c.by is not None and c.by not in t.source_columns:
            raise RegistryError(f"{where}, column '{c.name}': `by` column '{c.by}' is not read from the interim table")

    def text(self, key: str, **values: object) -> str:
        """A house text of the figures, with its placeholders filled in."""
        if key not in self.texts:
            raise RegistryError(f"tables.yaml: no text '{key}' under `texts`")
        return self.texts[key].format(**values)

    def figure(self, chapter: str, key: str) -> dict:
        """The texts of one figure (chapters 3-4: by file stem; chapter 5: by figure kind)."""
        if key not in self.figures.get(chapter, {}):
            raise RegistryError(f"tables.yaml: no figure '{key}' under figures.{chapter}")
        return self.figures[chapter][key]

    def markers(self, min_count: int, chapter: str | None = None, fill: Mapping[str, Any] | None = None) -> Markers:
        """The symbols for cells without a number, their legend and the words prose uses instead;
        a chapter may replace some (`markers.chapters.<chapter>`: the mapping's organisations), its
        texts filled from `fill` (the chapter's disclosure policy)."""
        spec = {k: v for k, v in self._markers.items() if k != "chapters"}
        own = dict((self._markers.get("chapters") or {}).get(chapter) or {}) if chapter else {}
        for status, entry in own.items():
            spec[status] = {**dict(spec.get(status) or {}), **dict(entry)} if isinstance(entry, Mapping) else entry
        try:
            return Markers.from_registry(spec, min_count, fill)
        except KeyError as err:
            raise RegistryError(str(err.args[0])) from None

    def all_headings(self) -> set[str]:
        return {c.heading for t in self.tables.values() for c in t.columns}

    def all_sheets(self) -> set[str]:
        return {t.sheet for t in self.tables.values()}


def _is_spec(spec: Any, key: str) -> bool:
    return isinstance(spec, Mapping) and set(spec) == {key}


def _sources(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    src = spec["from"]
    return list(src) if isinstance(src, list) else [src]


def _walk(root: Any, path: str, where: str) -> Any:
    node = root
    for part in path.split("."):
        try:
            node = node[part]
        except (KeyError, TypeError):
            raise RegistryError(f"{where}: no '{part}' in '{path}'") from None
    return node


def _items(collection: Any, where: str) -> list[tuple[Any, Any]]:
    """(key, item) of a mapping, (None, item) of a list."""
    if isinstance(collection, Mapping):
        return list(collection.items())
    if isinstance(collection, list):
        return [(None, item) for item in collection]
    raise RegistryError(f"{where}: expected a list or a mapping, got {type(collection).__name__}")


def _field(item: Any, name: str, where: str) -> Any:
    if not isinstance(item, Mapping) or name not in item:
        raise RegistryError(f"{where}: an item has no field '{name}'")
    return item[name]


def from_settings(settings: Any) -> Registry:
    """The registry of a rule's settings (side file `tables`); label sets kept in other side files
    (the elements' in core_elements.yaml) or in the config (age groups, outcomes) are read through
    the settings when used, so a rule that did not declare that file or key is refused there
    (UndeclaredConfig)."""
    return Registry(settings.tables, lambda key: getattr(settings, key), settings.config)
