"""The reproduction check: every number the report prints that the pipeline re-computes, beside
the reproduced value, whether it is reproduced at the precision the report prints it, and how the
same number is displayed on the chapter page and in the workbook.

Tolerances follow from the printed precision, so that every row can fail (`tolerance`):

- counts exactly;
- a number printed with d decimals is reproduced when the reproduced value rounds half-up to it,
  i.e. lies within half a unit of its last decimal (0,5 point for a whole percent). Where the report
  derived the number from r numbers it had already rounded to d decimals (a mean change read off a
  figure as end minus start: `rounded_parts` in config/published.yaml), each part adds its own
  half unit: r x 0,5 x 10^-d;
- a regression coefficient in addition within a fraction of the standard error the report prints
  (config `reproduction.tolerance.coefficient_se_fraction`); an effect size Bilag 4 prints without its
  standard error, within that fraction of the reproduced one;
- a bound ("under 0,13", kind `bound`): the reproduced size strictly below it;
- a statement (kinds `significance` and `ranking`, Bilag 4's findings about its models: the
  published value is what the report says, "+", "-" or "ikke signifikant", or the elements it names;
  the reproduced one what the data show): it holds or not (puljeeval/evaluation/statements.py).

A row is vacuous (`could_fail` false) when its tolerance is at least the printed value's magnitude:
the check would then accept zero, i.e. the absence of what the report found. The report's own
inconsistencies are explained per row (`note`, `note_da`).

Each reproduced number is mapped to the published cell that shows it (`Cell`: chapter, registry
table, the row's code values, column), so the value displayed on the page and in the workbook is
read back (puljeeval/render/readback.py) and compared at the report's precision
(`compare_displayed`). The table has a full version (results/interim/, never published) and a safe
one (`safe`): reproduced and displayed numbers of cells the published tables hide, or counts below
the disclosure threshold, are replaced by the markers, so the reproduction table reveals nothing the
published tables hide.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from puljeeval.publish import display
from puljeeval.publish.display import HIDDEN, NOT_APPLICABLE, NOT_ESTIMATED, PRIMARY, SECONDARY, Markers
from puljeeval.publish.masked import Masked
from puljeeval.publish.registry import from_settings
from puljeeval.render import html_table
from puljeeval.render.readback import Cells, Shown
from puljeeval.settings import Settings

COLUMNS = ["quantity", "label", "reference", "kind", "published", "decimals", "reproduced", "difference",
           "tolerance", "within_tolerance", "could_fail", "report_inconsistent", "note", "note_da", "cell",
           "sources", "statement"]
DISPLAY_COLUMNS = ["displayed_page", "displayed_workbook", "page_ok", "workbook_ok", "displayed_ok",
                   "displayed_note"]
KINDS = ("count", "share_pct", "mean", "coefficient", "standard_error", "bound", "amount", "ratio")
# Statements: what the report says against what the data show, no number to round.
STATEMENT_KINDS = ("significance", "ranking")
KIND_DA = {"count": "antal", "share_pct": "andel (pct.)", "mean": "gennemsnit (skalapoint)",
           "coefficient": "regressionskoefficient", "standard_error": "standardfejl",
           "bound": "grænse for effektstørrelse", "significance": "signifikans og fortegn",
           "ranking": "rangorden (flest/færrest)", "amount": "beløb (kr. pr. deltager)",
           "ratio": "forholdstal"}
ALL = "ALLE"
# What the displayed columns say when the report's number has no published cell, or its table is
# not on the page.
NOT_DISPLAYED = "ikke vist"
# How many more decimals than the report the reproduced value and the difference are shown with
# (page, public CSV): enough to see where the value lies between two printed numbers.
EXTRA_DECIMALS = 2


# ---------------------------------------------------------------------- tolerances


def printed_decimals(value: float | int, explicit: int | None = None, where: str = "") -> int:
    """How many decimals the report prints `value` with: `explicit` when given (published.yaml
    `decimals`), else as transcribed (51.6 -> 1, 66.0 -> 1, 53 -> 0)."""
    shown = max(0, -Decimal(repr(float(value))).as_tuple().exponent) if isinstance(value, float) else 0
    if explicit is None:
        return shown
    if shown > explicit:
        raise ValueError(f"published.yaml, {where}: {value} has more decimals than the declared {explicit}")
    return int(explicit)


def _dec(value: float | int) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(int(value))


def half_unit(decimals: int) -> Decimal:
    """Half a unit of the last of `decimals` places: 0.5, 0.05, 0.0005 ..."""
    return Decimal(5).scaleb(-decimals - 1)


def tolerance(kind: str, decimals: int, rounded_parts: int = 1, se: float | None = None,
              se_fraction: float | None = None) -> Decimal:
    """How far a reproduced value may lie from the printed one (see the module docstring). A
    coefficient needs the printed standard error and the fraction; its tolerance is the smaller of
    the two criteria, since it must meet both."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind '{kind}' (expected one of {list(KINDS)})")
    if kind in ("count", "bound"):
        return Decimal(0)
    width = rounded_parts * half_unit(decimals)
    if kind == "coefficient":
        if se is None or se_fraction is None:
            raise ValueError("a coefficient's tolerance needs the printed standard error and "
                             "reproduction.tolerance.coefficient_se_fraction")
        width = min(width, _dec(float(se_fraction)) * _dec(float(se)))
    return width


def within(kind: str, published: float | int, reproduced: float | int | None, width: Decimal) -> bool:
    """Whether `reproduced` is within `width` of the printed value (exact decimal arithmetic on the
    shortest representation, so 0.0145 is exactly half a unit from 0.014). For a value printed
    once-rounded this is the same as 'rounds half-up to the printed value, or lies exactly on the
    rounding boundary' (the report's rounding rule at a tie is unknown)."""
    if reproduced is None or pd.isna(reproduced):
        return False
    if kind == "count":
        return float(reproduced) == float(published)
    if kind == "bound":
        return _dec(float(reproduced)) < _dec(published)
    return abs(_dec(float(reproduced)) - _dec(published)) <= width


def could_fail(published: float | int, width: Decimal) -> bool:
    """False when the tolerance reaches the printed value's magnitude: zero would pass. A printed
    zero can fail whenever its tolerance is finite. (A bound fails for a size at or above it: its
    width is 0. Zero is within a bound by its nature; that the effect exists is the figure's
    significance statement.)"""
    return not (published != 0 and width >= abs(_dec(published)))


# ---------------------------------------------------------------------- where a number is published


@dataclass(frozen=True)
class Cell:
    """A published cell: the chapter, the registry table id, the column, and the values of code
    columns that select its row in the Masked table. `last_by`: of several matching rows, the one
    with the largest value in that column (a flow's last step). As a disclosure source (`sources`)
    a Cell may match several rows: all of them count."""

    chapter: str
    table: str
    column: str
    where: tuple[tuple[str, str], ...] = field(default=())
    last_by: str | None = None

    @classmethod
    def at(cls, chapter: str, table: str, column: str, last_by: str | None = None, **where: Any) -> Cell:
        return cls(chapter, table, column, tuple((k, str(v)) for k, v in where.items()), last_by)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["where"] = dict(self.where)
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Cell:
        return cls(d["chapter"], d["table"], d["column"], tuple((k, str(v)) for k, v in d["where"].items()),
                   d.get("last_by"))


def _cell_json(cell: Cell | None) -> str:
    return json.dumps(cell.to_dict(), ensure_ascii=False) if cell else ""


def _sources_json(sources: Sequence[Cell]) -> str:
    return json.dumps([c.to_dict() for c in sources], ensure_ascii=False) if sources else ""


def cells_of(row: Mapping[str, Any]) -> tuple[Cell | None, list[Cell]]:
    """A table row's published cell and its further disclosure sources."""
    cell = Cell.from_dict(json.loads(row["cell"])) if isinstance(row["cell"], str) and row["cell"] else None
    sources = [Cell.from_dict(d) for d in json.loads(row["sources"])] \
        if isinstance(row["sources"], str) and row["sources"] else []
    return cell, sources


def rows_of(values: pd.DataFrame, cell: Cell, what: str = "") -> list[int]:
    """Positions of the rows of a Masked table's values that `cell` selects (all matches)."""
    hit = np.ones(len(values), dtype=bool)
    for col, want in cell.where:
        if col not in values.columns:
            raise KeyError(f"{what}: published table '{cell.table}' has no column '{col}'")
        hit &= (values[col].astype("string") == want).fillna(False).to_numpy(dtype=bool)
    if cell.column not in values.columns:
        raise KeyError(f"{what}: published table '{cell.table}' has no column '{cell.column}'")
    return [int(i) for i in np.flatnonzero(hit)]


def locate(values: pd.DataFrame, cell: Cell, what: str = "") -> int:
    """The one row position `cell` points to; an error naming the quantity unless there is one."""
    found = rows_of(values, cell, what)
    if found and cell.last_by:
        found = [max(found, key=lambda i: values[cell.last_by].iloc[i])]
    if len(found) != 1:
        raise KeyError(f"{what}: {len(found)} rows of published table '{cell.table}' match "
                       f"{dict(cell.where)}, expected 1")
    return found[0]


# ---------------------------------------------------------------------- rows


def _row(quantity: str, label: str, reference: str, kind: str, published: float | int,
         reproduced: float | int, *, decimals: int | None = None, parts: int = 1, se: float | None = None,
         se_fraction: float | None = None, cell: Cell | None = None, sources: Sequence[Cell] = (),
         note: tuple[str, str] = ("", "")) -> dict:
    d = 0 if kind == "count" else printed_decimals(published, decimals, quantity)
    width = tolerance(kind, d, parts, se, se_fraction)
    value: float | int = int(reproduced) if kind == "count" else float(reproduced)
    diff = float(_dec(value) - _dec(published))
    return {"quantity": quantity, "label": label, "reference": reference, "kind": kind, "published": published,
            "decimals": d, "reproduced": value, "difference": diff, "tolerance": float(width),
            "within_tolerance": within(kind, published, value, width), "could_fail": could_fail(published, width),
            "report_inconsistent": bool(note[0]), "note": note[0], "note_da": note[1],
            "cell": _cell_json(cell), "sources": _sources_json(sources), "statement": ""}


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def _group_da(group: str) -> str:
    return "alle" if group == ALL else f"{group} år"


def _pct_da(value: float) -> str:
    return display.number(value, 0 if float(value).is_integer() else 1)


def share_sum_notes(shares: list[float | None], complete: bool = True, n: int | None = None) -> tuple[str, str]:
    """Why a set of published rounded shares of one question cannot all be reproduced, in English
    and Danish, or ('', '').

    k shares each rounded to a whole percent can only sum to 100 +/- k/2 when the categories
    cover all answers; outside that the published figure is internally inconsistent. With the
    number of answers n known the test is exact: each share allows the counts c with
    100 c / n within half a point of it (ties either way), and those ranges must add up to n.
    """
    values = [v for v in shares if v is not None]
    if not complete or not values:
        return "", ""
    total, k = sum(values), len(values)
    low, high = 100 - k / 2, 100 + k / 2
    if n is not None and n > 0:
        least = sum(math.ceil(round((v - 0.5) * n / 100, 9)) for v in values)
        most = sum(math.floor(round((v + 0.5) * n / 100, 9)) for v in values)
        if least <= n <= most:
            return "", ""
        return (f"published shares sum to {total} %; with n = {n} no counts round to all of them (the counts they "
                f"allow sum to {least}-{most})",
                f"rapportens andele summerer til {_pct_da(total)} pct.; med {display.number(n)} observationer kan "
                f"ingen antal afrundes til dem alle (de antal, andelene tillader, summerer til "
                f"{display.number(least)}-{display.number(most)})")
    if abs(total - 100) <= k / 2:
        return "", ""
    return (f"published shares sum to {total} %; {k} rounded shares can only sum to {low:g}-{high:g} %",
            f"rapportens andele summerer til {_pct_da(total)} pct.; {k} afrundede andele kan kun summere "
            f"til {_pct_da(low)}-{_pct_da(high)} pct.")


def share_sum_inconsistency(shares: list[float | None], complete: bool = True) -> str:
    """The English note of `share_sum_notes` (docs/report_inconsistencies.md)."""
    return share_sum_notes(shares, complete)[0]


def chapter3(production: pd.DataFrame, flow: pd.DataFrame, profiles: pd.DataFrame,
             courses: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Tabel 8-1 (Bilag 2), Figur 3-4 and the profiles of Figur 3-1..3-3."""
    pub = settings.published
    steps_da = from_settings(settings).labels("flow_steps")
    rows = []
    t81 = pub["tabel_8_1"]
    prod = production.set_index("offer")
    for offer, values in t81["rows"].items():
        for col, v in zip(t81["columns"], values, strict=True):
            rows.append(_row(f"Tabel 8-1 {offer} {col}", f"Tabel 8-1, {prod.loc[offer, 'name']}: {steps_da[col]}",
                             t81["reference"], "count", v, int(prod.loc[offer, col]),
                             cell=Cell.at("kapitel_4", "production", col, offer=offer)))
    # the total is no published cell, but a margin of the published column: it must not reveal a
    # hidden cell of it (`safe`)
    rows.append(_row("Tabel 8-1 started, all offers", "Tabel 8-1, note 1: opstartede forløb i alt",
                     t81["reference"] + ", note 1", "count", t81["started_total"], int(prod["started"].sum()),
                     sources=[Cell.at("kapitel_4", "production", "started")]))
    oldest = max(settings.config["age"]["groups"], key=lambda g: g["max"])["max"]
    counted = courses[courses["counted_in_production"]]
    rows.append(_row(f"Tabel 8-1 registered {oldest}-year-olds",
                     f"Tabel 8-1, note 1: registrerede {oldest}-årige (talt med i ældste aldersgruppe)",
                     t81["reference"] + ", note 1", "count", t81["age_25_registered"],
                     int((counted["age"] == oldest).sum())))
    f34 = pub["figur_3_4"]
    steps = flow.set_index("step")["n"]
    for key in ("started", "completed", "ongoing", "planned", "unplanned", "not_stated"):
        rows.append(_row(f"Figur 3-4 {key}", f"Figur 3-4: {steps_da[key]}", f34["reference"], "count", f34[key],
                         int(steps[key]), cell=Cell.at("kapitel_3", "flow", "n", step=key)))
    prof = pub["profiles"]
    p = profiles.set_index(["variable", "age_group", "category"])

    def share(key: tuple) -> float:
        # from the counts: the interim share may be rounded
        return 100 * float(p.loc[key, "count"]) / float(p.loc[key, "n"])

    age = prof["age"]
    first_age = settings.config["age"]["groups"][0]["label"]
    rows.append(_row("Figur 3-1 age known, ALLE: n", "Figur 3-1, Alder, alle: antal observationer",
                     age["reference"], "count", age["n"][ALL], int(p.loc[("age", ALL, first_age), "n"]),
                     cell=Cell.at("kapitel_3", "profiles", "n", variable="age", age_group=ALL, category=first_age)))
    for g, value in age["shares"].items():
        rows.append(_row(f"Figur 3-1 age group {g}: share", f"Figur 3-1, Alder: {g} år (andel)", age["reference"],
                         "share_pct", value, share(("age", ALL, g)),
                         cell=Cell.at("kapitel_3", "profiles", "share_pct", variable="age", age_group=ALL,
                                      category=g)))
    groups = prof["reference_groups"]
    for var, spec in prof["variables"].items():
        first = next(iter(spec["categories"]))
        for g, n in spec["n"].items():
            rows.append(_row(f"{spec['reference']} {g}: n", f"{spec['reference']}, {_group_da(g)}: antal observationer",
                             spec["reference"], "count", n, int(p.loc[(var, g, first), "n"]),
                             cell=Cell.at("kapitel_3", "profiles", "n", variable=var, age_group=g, category=first)))
        single = not spec.get("multi_select") and spec.get("complete", True)
        for gi, g in enumerate(groups):
            note = share_sum_notes([c["shares"][gi] for c in spec["categories"].values()], single, spec["n"].get(g))
            for cat, c in spec["categories"].items():
                value = c["shares"][gi]
                if value is None:
                    continue
                rows.append(_row(f"{spec['reference']} {g}: {c['label']}",
                                 f"{spec['reference']}, {_group_da(g)}: {c['label']} (andel)", spec["reference"],
                                 "share_pct", value, share((var, g, cat)), note=note,
                                 cell=Cell.at("kapitel_3", "profiles", "share_pct", variable=var, age_group=g,
                                              category=cat)))
    return _frame(rows)


CATEGORY_KEYS = {"fremgang": "fremgang", "status quo": "status quo", "tilbagegang": "tilbagegang"}
TIMEPOINTS = {"start": ("pre", "start_mean", "ved opstart"), "end": ("post", "end_mean", "ved afslutning")}


def _outcome_da(ref: str, spec: Mapping[str, Any], scale: str, group: str, what: str) -> str:
    figure = ref.split(",")[0]
    return f"{figure}: {spec['label']}, {spec['scales'][scale]['label']}, {_group_da(group)}: {what}"


def _outcome_cell(column: str, instrument: str, scale: str, group: str) -> Cell:
    return Cell.at("kapitel_4", "outcomes", column, instrument=instrument, scale=scale, age_group=group)


def chapter4(prepost: pd.DataFrame, courses: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Chapter 4 means, mean changes and change shares of the children with both measurements,
    for every number transcribed under `chapter_4` in published.yaml. Group ALLE is every
    child with both measurements on the instrument whose age is known and within the
    instrument's ages (the outcome table's ALLE, kapitel_4.age_rows)."""
    from puljeeval.evaluation import kapitel_4  # here: the Snakefile imports this module at parse time

    instruments = settings.instruments["instruments"]
    data = prepost.merge(courses[["course_id", "age", "age_group"]], on="course_id", how="left")
    data["age_group"] = data["age_group"].astype("string")
    rows = []

    def subset(instrument: str, scale: str, group: str) -> pd.DataFrame:
        d = data[(data["instrument"] == instrument) & (data["scale"] == scale)]
        where = kapitel_4.age_rows(d, tuple(instruments[instrument]["ages"]))
        return d[~where.isin([kapitel_4.UNKNOWN_AGE, kapitel_4.OUTSIDE_AGES])] if group == ALL else d[where == group]

    for instrument, block in settings.published["chapter_4"].items():
        ref = block["reference"]
        spec = instruments[instrument]
        decimals = block.get("decimals", {})
        parts = block.get("rounded_parts", {})
        for scale, by_time in block.get("means", {}).items():
            for tp, (column, published_column, words) in TIMEPOINTS.items():
                for group, value in by_time[tp].items():
                    got = subset(instrument, scale, group)[column].mean()
                    rows.append(_row(f"{ref} {instrument} {scale} {tp} {group}: mean",
                                     _outcome_da(ref, spec, scale, group, f"gennemsnit {words}"), ref, "mean",
                                     value, float(got), decimals=decimals.get("means"),
                                     parts=parts.get("means", 1),
                                     cell=_outcome_cell(published_column, instrument, scale, group)))
        for scale, by_group in block.get("mean_change", {}).items():
            for group, value in by_group.items():
                got = subset(instrument, scale, group)["change"].mean()
                rows.append(_row(f"{ref} {instrument} {scale} {group}: mean change",
                                 _outcome_da(ref, spec, scale, group, "gennemsnitlig udvikling"), ref, "mean",
                                 value, float(got), decimals=decimals.get("mean_change"),
                                 parts=parts.get("mean_change", 1),
                                 cell=_outcome_cell("change_mean", instrument, scale, group)))
        for scale, by_group in block.get("shares", {}).items():
            for group, shares in by_group.items():
                d = subset(instrument, scale, group)
                complete = len(shares) == len(CATEGORY_KEYS)
                note = share_sum_notes(list(shares.values()), complete)
                for category, value in shares.items():
                    got = 100 * (d["category"].astype(str) == CATEGORY_KEYS[category]).mean()
                    rows.append(_row(f"{ref} {instrument} {scale} {group}: {category}",
                                     _outcome_da(ref, spec, scale, group, f"andel med {category}"), ref,
                                     "share_pct", value, float(got), note=note,
                                     cell=_outcome_cell(f"{category}_pct", instrument, scale, group)))
    return _frame(rows)


def benefit(shares: pd.DataFrame, regression: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Figur 4-1: the two printed shares, and footnote 3's age coefficient, its standard error
    and n."""
    pub = settings.published["figur_4_1"]
    labels = settings.instruments["instruments"]["benefit"]["categorical"]["benefit"]
    codes = {"meget_positiv": 4, "positiv": 3}
    overall = shares[shares["age_group"] == ALL].set_index("answer")["share_pct"]
    rows = [_row(f"Figur 4-1 {key}: share", f"Figur 4-1, alle: {labels[codes[key]]} (andel)", pub["reference"],
                 "share_pct", value, float(overall.get(labels[codes[key]], 0.0)),
                 cell=Cell.at("kapitel_4", "benefit_shares", "share_pct", age_group=ALL, answer=labels[codes[key]]))
            for key, value in pub["shares"].items()]
    reg = pub["regression"]
    # the report's own method (the table has clustered rows beside it)
    regression = regression[regression["method"] == "ols"] if "method" in regression else regression
    term = regression[regression["term"] == reg["term"]].iloc[0]
    ref = pub["reference"] + ", note 3"
    fraction = settings.config["reproduction"]["tolerance"]["coefficient_se_fraction"]

    def cell(column: str) -> Cell:
        return Cell.at("kapitel_4", "benefit_regression", column, term=reg["term"], method="ols")

    rows += [_row("Figur 4-1 note 3: age coefficient",
                  "Figur 4-1, note 3: alderskoefficient (standardafvigelser pr. år)", ref,
                  "coefficient", reg["estimate"], float(term["estimate"]), decimals=reg.get("decimals"),
                  se=reg["se"], se_fraction=fraction, cell=cell("estimate")),
             _row("Figur 4-1 note 3: standard error", "Figur 4-1, note 3: alderskoefficientens standardfejl", ref,
                  "standard_error", reg["se"], float(term["se"]), decimals=reg.get("decimals"), cell=cell("se")),
             _row("Figur 4-1 note 3: n", "Figur 4-1, note 3: antal observationer", ref, "count", reg["n"],
                  int(term["n"]), cell=cell("n"))]
    return _frame(rows)


def parent_statements(answers: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Figur 4-5: the lowest and highest share agreeing with a statement ('ved ikke' left out).
    No published cell shows them (they add two answers); the statement's cells are their
    disclosure sources."""
    pub = settings.published["figur_4_5"]
    answered = answers[answers["status"] == "answered"]
    agree = answered["value"].isin(pub["agree_answers"]).groupby(answered["item"]).mean() * 100
    rows = []
    for which, item, words in (("min", agree.idxmin(), "laveste"), ("max", agree.idxmax(), "højeste")):
        sources = [Cell.at("kapitel_4", "parent_statements", column, item=item)
                   for column in ("count", "n", "share_pct")]
        rows.append(_row(f"Figur 4-5 agree, {which} statement",
                         f"Figur 4-5: {words} andel enige eller meget enige i et udsagn", pub["reference"],
                         "share_pct", pub["agree_pct"][which], float(agree[item]), sources=sources))
    return _frame(rows)


def bilag4(flow: pd.DataFrame, intention: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Bilag 4: each analysis sample's N after footnote 5's criteria and the printed shares
    of children whose offer intended the element."""
    pub = settings.published.get("bilag_4", {})
    outcome_da = {o["key"]: o["label"] for o in settings.config["core_elements"]["outcomes"]}
    rows = []
    for key, spec in pub.get("samples", {}).items():
        final = flow[flow["outcome"] == key]
        if final.empty:
            continue
        n = int(final.sort_values("step")["remaining"].iloc[-1])
        what = f"Bilag 4, {outcome_da.get(key, key)}"
        rows.append(_row(f"Bilag 4 {key}: analysis sample N", f"{what}: antal i analysen (N)", pub["reference"],
                         "count", spec["n"], n,
                         cell=Cell.at("kapitel_5", "element_flow", "remaining", last_by="step", outcome=key)))
        part = intention[intention["outcome"] == key].set_index("element")
        for el, value in spec.get("intention_shares", {}).items():
            rows.append(_row(f"Bilag 4 {key}: intention {el}", f"{what}: andel med intention, {part.loc[el, 'label']}",
                             pub["reference"], "share_pct", value, float(part.loc[el, "share_pct"]),
                             cell=Cell.at("kapitel_5", "element_intention", "share_pct", outcome=key, element=el)))
    return _frame(rows)


CHAPTER_6 = "kapitel_6"
COST_PARTS = {"establishment": ("establishment", "etablering"), "operation": ("operation", "drift"),
              "total": ("total", "i alt")}
COST_TYPES = {"individual": ("kapitel_6_tabel_6_1", "individuelle forløb"),
              "group": ("kapitel_6_tabel_6_2", "gruppeforløb")}


def chapter6(totals: pd.DataFrame, ratios: pd.DataFrame, published: Mapping[str, Any]) -> pd.DataFrame:
    """Chapter 6: the 15 totals of Tabel 6-1 and 6-2 (kroner per participant, printed in whole
    kroner: reproduced when within half a krone) and the text's ratio statements (the ratio of the
    model's amounts against the ratio of the printed totals at 2 decimals; a statement whose words
    do not fit the report's own totals is flagged as the report's inconsistency). The totals come
    from the cost input (config costs.input); with the assumed example they check the cost
    function and what the page and workbook show, not data (docs/costs.md)."""
    rows = []
    ref = published["reference"]
    for ctype, offers in published["totals"].items():
        table_id, type_da = COST_TYPES[ctype]
        for offer, parts in offers.items():
            hit = totals[(totals["course_type"] == ctype) & (totals["offer"] == offer)]
            if hit.empty or not bool(hit["assessed"].iloc[0]):
                raise ValueError(f"chapter 6: the cost input has no {ctype} courses for offer {offer}, "
                                 f"which the report prints")
            for part, printed in parts.items():
                column, part_da = COST_PARTS[part]
                rows.append(_row(f"Tabel 6 {ctype} {offer}: {part} per participant",
                                 f"{published['references'][ctype].split(':')[0]}, Tilbud {offer}, {type_da}: "
                                 f"{part_da} pr. deltager (kr.)", ref, "amount", int(printed),
                                 float(hit[column].iloc[0]), decimals=0,
                                 cell=Cell.at(CHAPTER_6, table_id, column, offer=offer)))
    for r in ratios.itertuples():
        note = ("", "")
        if not r.words_hold:
            note = (f"the text says '{r.words}' ({r.words_low:g}-{r.words_high:g}) but the report's own totals give "
                    f"{r.printed_ratio:.2f}",
                    f"teksten siger \"{r.words}\" ({display.number(r.words_low, 2)}-"
                    f"{display.number(r.words_high, 2)}), men rapportens egne beløb giver "
                    f"{display.number(r.printed_ratio, 2)}")
        rows.append(_row(f"Kapitel 6 ratio {r.key}", f"Kapitel 6, linje {r.lines}: {r.statement}", ref, "ratio",
                         float(display.rounded(float(r.printed_ratio), 2)), float(r.ratio), decimals=2,
                         cell=Cell.at(CHAPTER_6, "cost_ratios", "ratio", key=r.key), note=note))
    return _frame(rows)


def _statement_json(table_row: Mapping[str, Any], **extra: Any) -> str:
    return json.dumps({"id": str(table_row["statement"]), **extra}, ensure_ascii=False)


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def bilag4_statements(table: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Every statement of Bilag 4's statement table (results/interim/tables/bilag4_statements.csv,
    puljeeval/evaluation/statements.py) as a row. Significance: published '+', '-' or 'ikke
    signifikant', reproduced the OLS verdict (or 'ikke estimeret'), its published cell the OLS
    estimate in the chapter 5 coefficient table (the displayed estimate and interval give the
    displayed verdict); effect sizes: coefficients; bounds: the reproduced size against the bound;
    subgroup n's: counts, at the model table's n; rankings: the named elements against the data's
    top / bottom ones, displayed as the intention table's shares or mean intensities. A statement
    flagged as one where the report contradicts itself (Barnet i centrum, Figur 10-16) carries the
    statement table's remark. The verdicts here are recomputed (a ranking's as the table has it;
    its displayed verdict is recomputed from the displayed values) and must equal the table's
    `holds`."""
    from puljeeval.evaluation import statements as st

    fraction = settings.config["reproduction"]["tolerance"]["coefficient_se_fraction"]
    rows = []
    for _, r in table.iterrows():
        kind = r["kind"]
        var = "" if _missing(r["subgroup_variable"]) else str(r["subgroup_variable"])
        where = {"outcome": r["outcome"], **({"subgroup_variable": var} if var else {}), "subgroup": r["subgroup"]}
        quantity = f"Bilag 4 statement {r['statement']}: {kind}, Figur {r['figure']}, {r['outcome']}" \
                   + (f", {var}={r['subgroup']}" if var else "") \
                   + ("" if _missing(r["element"]) else f", {r['element']}")
        note = (str(r["remark_en"]), str(r["remark"])) if bool(r["report_inconsistent"]) else ("", "")
        term = None if _missing(r["element"]) else f"{r['model']}_{r['element']}"
        # the row that shows the statement's numbers, where the published table has it (a subgroup
        # not estimated has no coefficient rows; a model never built no model row)
        shown = bool(r["published_row"])
        estimate = Cell.at("kapitel_5", "element_coefficients", "estimate", model=r["model"], term=term,
                           method=st.OLS, **where) if term and shown else None
        base = {"quantity": quantity, "label": r["label"], "reference": r["reference"], "kind": kind,
                "report_inconsistent": bool(note[0]), "note": note[0], "note_da": note[1],
                "statement": _statement_json(r)}
        if kind == "significance":
            found = str(r["found_code"])
            row = {**base, "published": str(r["expected"]), "decimals": 0, "reproduced": found,
                   "difference": np.nan, "tolerance": np.nan, "within_tolerance": found == str(r["expected"]),
                   "could_fail": True, "cell": _cell_json(estimate), "sources": ""}
        elif kind == "ranking":
            _, end, column, _, _ = st.RANKINGS[str(r["which"])]
            cells = [Cell.at("kapitel_5", "element_intention", column, outcome=r["outcome"], element=e)
                     for e in settings.element_codes]
            row = {**base, "published": str(r["report"]), "decimals": 0, "reproduced": str(r["found"]),
                   "difference": np.nan, "tolerance": np.nan, "within_tolerance": bool(r["holds"]),
                   "could_fail": True, "cell": "", "sources": _sources_json(cells),
                   "statement": _statement_json(r, named=str(r["expected"]).split("|"), end=end)}
        else:
            value = float(r["value"])
            if kind == "subgroup_n":
                cell = Cell.at("kapitel_5", "element_models", "n", model="intensity", **where) if shown else None
                got, made = r["n"], dict(kind="count", published=int(value))
            elif kind == "effect_size":
                cell, got = estimate, r["estimate"]
                made = dict(kind="coefficient", published=value, decimals=int(r["decimals"]),
                            se=None if _missing(r["se"]) else float(r["se"]), se_fraction=fraction)
            else:
                cell, got = estimate, None if _missing(r["estimate"]) else abs(float(r["estimate"]))
                made = dict(kind="bound", published=value, decimals=int(r["decimals"]))
            if _missing(got) or (kind == "effect_size" and made["se"] is None):
                # not estimated: nothing to compare, and never reproduced
                d = 0 if kind == "subgroup_n" else int(r["decimals"])
                width = half_unit(d) if made["kind"] == "coefficient" else tolerance(made["kind"], d)
                row = {**base, "published": made["published"], "decimals": d, "reproduced": np.nan,
                       "difference": np.nan, "tolerance": float(width), "within_tolerance": False,
                       "could_fail": True, "kind": made["kind"], "cell": _cell_json(cell), "sources": ""}
            else:
                kind_made = made.pop("kind")
                published = made.pop("published")
                row = _row(quantity, r["label"], r["reference"], kind_made, published, got, cell=cell, note=note,
                           **made)
                row["statement"] = base["statement"]
        if bool(row["within_tolerance"]) != bool(r["holds"]):
            raise ValueError(f"bilag4_statements.csv, statement {r['statement']}: the table says holds = "
                             f"{bool(r['holds'])}, the reproduction check finds {bool(row['within_tolerance'])}")
        rows.append(row)
    return _frame(rows)


# ---------------------------------------------------------------------- the displayed values


def _symbol_status(markers: Markers) -> dict[str, str]:
    return {symbol: status for status, symbol in markers.symbols.items()}


def display_agrees(shown: Shown | None, kind: str, published: float | int, decimals: int, width: Decimal,
                   min_count: int, status: str = "") -> bool | None:
    """Whether a displayed cell agrees with the report at the report's precision; None when it
    cannot be compared (not displayed, hidden to protect another cell, or a share hidden because
    its count is small).

    A displayed number with e decimals stands for a value within half a unit of its last decimal;
    it agrees when that interval overlaps the printed value's tolerance band (strictly, so at e = d
    it must equal the printed value). A page showing fewer decimals than the report cannot show
    the report's number. The primary marker ('<5') agrees with a printed count below the
    threshold; 'not applicable' or 'not estimated' never agrees with a printed number."""
    if shown is None:
        return None
    if shown.value is None:
        if status == PRIMARY:
            return 0 <= published < min_count if kind == "count" else None
        if status == SECONDARY:
            return None
        return False
    if shown.decimals is None or shown.decimals < decimals:
        return False
    if kind == "bound":
        # the displayed number stands for values below |shown| + half a unit: all under the bound?
        return abs(shown.value) + half_unit(shown.decimals) <= _dec(published)
    return abs(shown.value - _dec(published)) < width + half_unit(shown.decimals)


def displayed_verdict(estimate: Shown, low: Shown, high: Shown) -> str | None:
    """The report's significance as a reader reads it off the displayed estimate and interval:
    '+', '-', 'ikke signifikant', 'ikke estimeret' (no numbers shown), or None when an end of the
    interval is displayed as 0 (the reader cannot tell on which side of 0 it lies)."""
    from puljeeval.evaluation import statements as st

    if any(c.value is None for c in (estimate, low, high)):
        return st.NOT_ESTIMATED
    if low.value > 0:
        return st.POSITIVE
    if high.value < 0:
        return st.NEGATIVE
    if low.value < 0 < high.value:
        return st.NOT_SIGNIFICANT
    return None


def _statement_spec(row: Mapping[str, Any]) -> dict:
    return json.loads(row["statement"]) if isinstance(row.get("statement"), str) and row["statement"] else {}


def _significance_shown(cells: Mapping[tuple[int, str], Shown], i: int, published: str,
                        where: str) -> tuple[str, bool | None, str]:
    """A significance statement's estimate and interval as displayed in one place (row i): the text,
    whether the displayed verdict is the report's, and a note."""
    shown = [cells.get((i, c)) for c in ("estimate", "ci_low", "ci_high")]
    if any(c is None for c in shown):
        return NOT_DISPLAYED, None, f"cellen findes ikke på {where}"
    text = f"{shown[0].text} [{shown[1].text}; {shown[2].text}]"
    found = displayed_verdict(*shown)
    if found is None:
        return text, False, f"{where} viser en grænse af intervallet som 0"
    return text, found == published, "" if found == published else f"{where} viser {found}"


def _ranking_shown(row: Mapping[str, Any], masked: Callable[[str, str], Masked], cells: Cells,
                   where: str) -> tuple[str, bool | None, str]:
    """A ranking statement as displayed in one place: the named elements' values and the nearest
    other value, whether the named elements are the top (bottom) ones by the displayed values
    (ties at the displayed precision count in favour), and a note."""
    from puljeeval.evaluation import statements as st

    spec = _statement_spec(row)
    _, sources = cells_of(row)
    values: dict[str, Decimal] = {}
    texts: dict[str, str] = {}
    for src in sources:
        table = masked(src.chapter, src.table)
        i = locate(table.values, src, row["quantity"])
        if table.status[src.column].iloc[i] in HIDDEN:
            return NOT_DISPLAYED, None, f"skjult i de publicerede tabeller på {where}"
        shown = cells.get(src.table, {}).get((i, src.column))
        if shown is None:
            return NOT_DISPLAYED, None, (f"tabellen vises ikke på {where}" if src.table not in cells
                                         else f"cellen findes ikke på {where}")
        if shown.value is None:
            return shown.text, False, f"{where} viser {shown.text}"
        element = dict(src.where)["element"]
        values[element], texts[element] = shown.value, shown.text
    named, end = spec["named"], spec["end"]
    others = [e for e in values if e not in named]
    edge = (max if end == "top" else min)(others, key=lambda e: values[e])
    text = (f"nævnte {' og '.join(texts[e] for e in named)}; øvrige "
            f"{'højst' if end == 'top' else 'mindst'} {texts[edge]}")
    ok = st.ranking_holds({e: float(v) for e, v in values.items()}, named, end)
    return text, ok, "" if ok else f"{where} viser en anden rangorden"


def _combine(*flags: bool | None) -> bool | None:
    known = [f for f in flags if f is not None]
    return None if not known else all(known)


def compare_displayed(table: pd.DataFrame, masked: Callable[[str, str], Masked], pages: Mapping[str, Cells],
                      workbooks: Mapping[str, Cells], markers: Markers, min_count: int) -> pd.DataFrame:
    """The table with, per row, the value displayed on the chapter page and in the workbook (the
    text a reader sees), whether each agrees with the report at its precision, `displayed_ok` (the
    reproduced value, the page and the workbook all agree; empty when the number is displayed
    nowhere comparable) and a Danish note. `masked(chapter, table_id)` is the Masked table;
    `pages` / `workbooks` the read-back cells per chapter."""
    symbols = _symbol_status(markers)
    out = []
    for _, row in table.iterrows():
        cell, _ = cells_of(row)
        entry: dict[str, Any] = {"displayed_page": NOT_DISPLAYED, "displayed_workbook": NOT_DISPLAYED,
                                 "page_ok": None, "workbook_ok": None, "displayed_ok": None, "displayed_note": ""}
        if row["kind"] in STATEMENT_KINDS:
            out.append(_statement_display(row, cell, masked, pages, workbooks, markers, entry))
            continue
        if cell is None:
            entry["displayed_note"] = "står ikke i en publiceret tabel"
            out.append(entry)
            continue
        values = masked(cell.chapter, cell.table)
        i = locate(values.values, cell, row["quantity"])
        status = values.status[cell.column].iloc[i]
        notes = []
        for where, cells, key in (("siden", pages.get(cell.chapter, {}), "page"),
                                  ("regnearket", workbooks.get(cell.chapter, {}), "workbook")):
            shown = cells.get(cell.table, {}).get((i, cell.column))
            if shown is None:
                notes.append(f"tabellen vises ikke på {where}" if cell.table not in cells
                             else f"cellen findes ikke på {where}")
                continue
            entry[f"displayed_{key}"] = shown.text
            shown_status = shown.status or symbols.get(shown.text, "")
            ok = display_agrees(shown, row["kind"], row["published"], int(row["decimals"]),
                                Decimal(repr(float(row["tolerance"]))), min_count, shown_status)
            entry[f"{key}_ok"] = ok
            if shown_status != status:
                notes.append(f"{where} viser status '{shown_status or 'vist'}', tabellen '{status or 'vist'}'")
            if shown.value is not None and shown.decimals is not None and shown.decimals < int(row["decimals"]):
                notes.append(f"{where} viser færre decimaler end rapporten")
            elif ok is False:
                notes.append(f"{where} viser {shown.text}")
        if status in HIDDEN:
            notes.insert(0, f"skjult i de publicerede tabeller: {markers.legends[status].rstrip('.')}")
        shown_flags = (entry["page_ok"], entry["workbook_ok"])
        entry["displayed_ok"] = None if all(f is None for f in shown_flags) else \
            _combine(bool(row["within_tolerance"]), *shown_flags)
        entry["displayed_note"] = "; ".join(notes)
        out.append(entry)
    added = pd.DataFrame(out, index=table.index, columns=DISPLAY_COLUMNS)
    for c in ("page_ok", "workbook_ok", "displayed_ok"):
        added[c] = added[c].astype("boolean")
    return pd.concat([table.drop(columns=[c for c in DISPLAY_COLUMNS if c in table]), added], axis=1)


def _statement_display(row: Mapping[str, Any], cell: Cell | None, masked: Callable[[str, str], Masked],
                       pages: Mapping[str, Cells], workbooks: Mapping[str, Cells], markers: Markers,
                       entry: dict[str, Any]) -> dict[str, Any]:
    """`compare_displayed` for a statement row: a significance statement's verdict read off the
    displayed OLS estimate and interval, a ranking's off the displayed shares or mean intensities."""
    sources = cells_of(row)[1]
    if cell is None and not sources:
        return {**entry, "displayed_note": "står ikke i en publiceret tabel"}
    notes = []
    chapter = cell.chapter if cell is not None else sources[0].chapter
    for where, cells, key in (("siden", pages.get(chapter, {}), "page"),
                              ("regnearket", workbooks.get(chapter, {}), "workbook")):
        if row["kind"] == "ranking":
            text, ok, note = _ranking_shown(row, masked, cells, where)
        else:
            values = masked(cell.chapter, cell.table)
            i = locate(values.values, cell, row["quantity"])
            if cell.table not in cells:
                text, ok, note = NOT_DISPLAYED, None, f"tabellen vises ikke på {where}"
            else:
                text, ok, note = _significance_shown(cells[cell.table], i, str(row["published"]), where)
        entry[f"displayed_{key}"] = text
        entry[f"{key}_ok"] = ok
        if note:
            notes.append(note)
    flags = (entry["page_ok"], entry["workbook_ok"])
    entry["displayed_ok"] = None if all(f is None for f in flags) else _combine(bool(row["within_tolerance"]), *flags)
    entry["displayed_note"] = "; ".join(notes)
    return entry


# ---------------------------------------------------------------------- the safe version

# What a withheld row shows as its marker: the reproduced value and everything that reveals it.
WITHHELD = ["reproduced", "difference", "within_tolerance", "page_ok", "workbook_ok", "displayed_ok"]


def safe(table: pd.DataFrame, masked: Callable[[str, str], Masked], markers: Markers, min_count: int) -> pd.DataFrame:
    """The table as it may be published. A row is withheld when its published cell or any of its
    sources (a margin's cells, a statement's counts) is hidden in the published tables, or it is a
    count of 1..min_count-1 (reproduced or displayed): its reproduced value, difference, the
    tolerance verdict and the display verdicts (each reveals the reproduced value next to the
    public printed one) become the marker, primary when its own cell or count is small, else
    secondary. The report's printed numbers are public and stay. `withheld` gives the status."""
    out = table.copy()
    for c in WITHHELD + ["displayed_page", "displayed_workbook"]:
        if c in out:
            out[c] = out[c].astype(object)
    out["withheld"] = ""
    for idx, row in table.iterrows():
        cell, sources = cells_of(row)
        own, others = set(), set()
        if cell is not None:
            values = masked(cell.chapter, cell.table)
            own.add(values.status[cell.column].iloc[locate(values.values, cell, row["quantity"])])
        for source in sources:
            values = masked(source.chapter, source.table)
            found = rows_of(values.values, source, row["quantity"])
            others |= set(values.status[source.column].iloc[found])
        small = row["kind"] == "count" and _small(row["reproduced"], min_count)
        shown_small = row["kind"] == "count" and any(
            _small(_number(row.get(c)), min_count) for c in ("displayed_page", "displayed_workbook"))
        if not (small or shown_small or (own | others) & set(HIDDEN)):
            continue
        status = PRIMARY if small or shown_small or PRIMARY in own else SECONDARY
        symbol = markers.symbol(status)
        out.at[idx, "withheld"] = status
        for c in WITHHELD:
            if c in out:
                out.at[idx, c] = symbol
        for c in ("displayed_page", "displayed_workbook"):
            if c in out and _small(_number(row.get(c)), min_count):
                out.at[idx, c] = symbol
        if "displayed_note" in out:
            # the full note may quote a displayed number ("siden viser 3")
            out.at[idx, "displayed_note"] = f"tilbageholdt: {markers.legends[status].rstrip('.')}"
    return out


def _number(text: Any) -> float | None:
    from puljeeval.render.readback import parse_number
    if not isinstance(text, str):
        return None
    parsed = parse_number(text)
    return None if parsed is None else float(parsed[0])


def _small(value: Any, min_count: int) -> bool:
    return value is not None and not pd.isna(value) and 1 <= float(value) < min_count


# ---------------------------------------------------------------------- summaries


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool | np.bool_)


def _statement_counts(table: pd.DataFrame) -> tuple[int, int] | None:
    """(holding, compared) among Bilag 4's statements (rows with a `statement`), or None."""
    if "statement" not in table:
        return None
    rows = table[table["statement"].fillna("").astype(str) != ""]
    verdict = rows["within_tolerance"].map(lambda v: {"True": True, "False": False}.get(v, v))
    compared = verdict[verdict.map(_is_bool)].astype(bool)
    return (int(compared.sum()), len(compared)) if len(rows) else None


def summary(table: pd.DataFrame, scale: int = 1) -> str:
    """One English line for the terminal: of the full table after the run, or of the safe one
    (its withheld rows counted as such)."""
    verdict = table["within_tolerance"].map(lambda v: {"True": True, "False": False}.get(v, v))
    compared = verdict.map(_is_bool)
    passed = verdict[compared].astype(bool)
    off = ~passed & table.loc[compared, "report_inconsistent"].astype(bool)
    line = (f"reproduction: {int(passed.sum())} of {int(compared.sum())} published quantities reproduced within "
            f"tolerance; {int(off.sum())} outside are internally inconsistent in the report, "
            f"{int((~passed).sum() - off.sum())} unexplained")
    if "could_fail" in table:
        line += f"; {int((~table['could_fail'].astype(bool)).sum())} rows cannot fail"
    statements = _statement_counts(table)
    if statements:
        line += f"; Bilag 4 statements: {statements[0]} of {statements[1]} hold"
    if "displayed_ok" in table:
        shown = table["displayed_ok"].map(lambda v: {"True": True, "False": False}.get(v, v))
        shown = shown[shown.map(_is_bool)].astype(bool)
        line += (f"; displayed on pages and workbooks: {int(shown.sum())} agree, {int((~shown).sum())} differ, "
                 f"{len(table) - len(shown)} not displayed or hidden")
    if not compared.all():
        line += f"; {int((~compared).sum())} withheld by disclosure control"
    if scale != 1:
        line += f" (synthetic twin at scale {scale}: counts are {scale} times the report's, compare shares only)"
    return line


def summary_da(table: pd.DataFrame, scale: int = 1) -> str:
    """The Danish summary of the safe table (index page, reproduction page). Withheld rows are
    counted as such, never as reproduced or not: with the printed number public, either verdict
    would reveal a hidden count."""
    verdict = table["within_tolerance"]
    compared = verdict.map(_is_bool)
    passed = verdict[compared].astype(bool)
    off = table.loc[compared, "report_inconsistent"].astype(bool) & ~passed
    n, ok = int(compared.sum()), int(passed.sum())
    explained, unexplained = int(off.sum()), int((~passed).sum() - off.sum())
    vacuous = int((~table["could_fail"].astype(bool)).sum())
    text = (f"{display.number(ok)} af {display.number(n)} sammenlignede tal fra rapporten er genskabt med rapportens "
            f"præcision; {display.number(explained)} afvigelser skyldes modstridende tal i selve rapporten, "
            f"{display.number(unexplained)} er uforklarede. ")
    text += "Alle rækker kan fejle. " if vacuous == 0 else f"{display.number(vacuous)} rækker kan ikke fejle. "
    statements = _statement_counts(table)
    if statements:
        text += (f"Af Bilag 4's {display.number(statements[1])} udsagn om kerneelementernes betydning holder "
                 f"{display.number(statements[0])} på data. ")
    if "displayed_ok" in table:
        shown = table["displayed_ok"].map(_is_bool)
        agree = int(table.loc[shown, "displayed_ok"].astype(bool).sum())
        text += (f"På siderne og i regnearkene stemmer {display.number(agree)} af {display.number(int(shown.sum()))} "
                 f"viste tal med rapporten. ")
    withheld = len(table) - n
    if withheld:
        text += f"{display.number(withheld)} rækker er tilbageholdt af diskretionshensyn. "
    if scale != 1:
        text += (f"Syntetisk tvilling i skala {scale}: antal er {scale} gange rapportens, så kun andele og "
                 f"gennemsnit kan sammenlignes. ")
    return "Reproduktion: " + text.strip()


def twin_scale(settings: Settings) -> int:
    """The twin's scale when the data are synthetic; 1 for real extracts."""
    cfg = settings.config
    return cfg["twin"]["scale"] if cfg["data_source"] == "twin" else 1


# ---------------------------------------------------------------------- the published (Danish) version

PUBLIC_HEADINGS = {
    "label": "Tal i rapporten",
    "reference": "Kilde i rapporten",
    "kind": "Type",
    "published": "Rapportens tal",
    "decimals": "Decimaler i rapporten",
    "reproduced": "Genberegnet",
    "difference": "Forskel (genberegnet - rapporten)",
    "tolerance": "Tolerance (±)",
    "could_fail": "Kan fejle",
    "within_tolerance": "Genskabt inden for tolerancen",
    "report_inconsistent": "Modstrid i rapporten",
    "note_da": "Forklaring",
    "displayed_page": "Vist på kapitlets side",
    "displayed_workbook": "Vist i regnearket",
    "page_ok": "Siden stemmer med rapporten",
    "workbook_ok": "Regnearket stemmer med rapporten",
    "displayed_ok": "Genberegnet, side og regneark stemmer",
    "displayed_note": "Bemærkning til visningen",
    "withheld": "Tilbageholdt af diskretionshensyn",
    "statement": "Udsagn (Bilag 4, kapitel 5-siden)",
}
FLAGS = ["could_fail", "within_tolerance", "report_inconsistent", "page_ok", "workbook_ok", "displayed_ok"]


def _flag_text(value: Any, row: Mapping[str, Any], column: str) -> str:
    if _is_bool(value):
        return "ja" if value else "nej"
    if isinstance(value, str) and value:
        return value                                   # a marker
    if column in ("page_ok", "workbook_ok"):
        shown = row.get("displayed_page" if column == "page_ok" else "displayed_workbook")
        return NOT_DISPLAYED if shown == NOT_DISPLAYED else "kan ikke sammenlignes"
    if column == "displayed_ok":
        return NOT_DISPLAYED if row.get("displayed_page") == NOT_DISPLAYED and \
            row.get("displayed_workbook") == NOT_DISPLAYED else "kan ikke sammenlignes"
    return ""


def public(safe_table: pd.DataFrame, markers: Markers) -> pd.DataFrame:
    """The safe table with Danish headings and words: numbers rounded half-up (the printed number
    at its decimals, the reproduced one and the difference with EXTRA_DECIMALS more), flags as
    ja/nej, markers as they are. Blank cells are only notes that have nothing to say."""
    legend = {status: markers.symbol(status) for status in HIDDEN}
    rows = []
    for _, row in safe_table.iterrows():
        d = int(row["decimals"])
        more = 0 if row["kind"] == "count" else d + EXTRA_DECIMALS
        out = {}
        for c in PUBLIC_HEADINGS:
            if c not in row:
                continue
            v = row[c]
            if c == "kind":
                v = KIND_DA[v]
            elif c == "published":
                v = v if row["kind"] in STATEMENT_KINDS else display.rounded(float(v), d)
            elif c in ("reproduced", "difference", "tolerance") and not isinstance(v, str) and pd.isna(v):
                # a statement has no difference or tolerance; a statement not estimated no value
                v = markers.symbol(NOT_ESTIMATED if c == "reproduced" else NOT_APPLICABLE)
            elif c in ("reproduced", "difference"):
                v = v if isinstance(v, str) else display.rounded(float(v), more)
            elif c == "tolerance":
                v = float(v)
            elif c == "statement":
                v = _statement_spec(row).get("id", "")
            elif c in FLAGS:
                v = _flag_text(v, row, c)
            elif c == "withheld":
                v = legend.get(v, "nej")
            elif c in ("note_da", "displayed_note") and pd.isna(v):
                v = ""
            out[PUBLIC_HEADINGS[c]] = v
        rows.append(out)
    # object columns: a count stays an integer next to a share's decimals
    return pd.DataFrame(rows, columns=[PUBLIC_HEADINGS[c] for c in PUBLIC_HEADINGS if c in safe_table], dtype=object)


def read_public(frame: pd.DataFrame) -> pd.DataFrame:
    """The published CSV back in the internal column names (for `summary_da` and the page): ja/nej
    as booleans, markers and words as they are."""
    back = {v: k for k, v in PUBLIC_HEADINGS.items()}
    missing = [h for h in ("Rapportens tal", "Type", "Genskabt inden for tolerancen", "Kan fejle") if h not in frame]
    if missing:
        raise KeyError(f"the published reproduction table has no columns {missing}")
    out = frame.rename(columns=back).copy()
    kinds = {v: k for k, v in KIND_DA.items()}
    out["kind"] = out["kind"].map(kinds)
    out["decimals"] = out["decimals"].astype(int)
    for c in ("published", "reproduced", "difference", "tolerance"):
        if c in out:
            out[c] = out[c].map(_to_number).astype(object)
    for c in FLAGS:
        if c in out:
            out[c] = out[c].map(lambda v: {"ja": True, "nej": False}.get(v, v)).astype(object)
    for c in ("note_da", "displayed_note", "statement"):
        if c in out:
            out[c] = out[c].fillna("")
    return out


def read_public_csv(path: str | Path) -> pd.DataFrame:
    """The published CSV (results/reproduction/reproduction.csv) as `read_public` gives it: for the
    index page, `summary_da(read_public_csv(path), scale)`."""
    return read_public(pd.read_csv(path, dtype=str, keep_default_na=False))


def _to_number(value: Any) -> Any:
    """A CSV cell as a number when it is one (read as text), else as it is (a marker)."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _num_text(value: Any, decimals: int) -> str:
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return ""
    return display.number(float(value), decimals)


PAGE_NUMERIC = {3, 4, 5, 6}
NUMERIC = ' class="num"'


def page_html(table: pd.DataFrame, summary_text: str, banner_html: str, markers: Markers, style: str = "") -> str:
    """The Danish reproduction page (results/report/reproduktion.html) from the published (safe)
    table in internal column names (`read_public`)."""
    heads = ["Tal i rapporten", "Kilde i rapporten", "Type", "Rapportens tal", "Genberegnet", "Forskel",
             "Tolerance (±)", "Kan fejle", "Genskabt", "Vist på siden", "Vist i regnearket",
             "Alle tre stemmer", "Forklaring og bemærkning"]
    body = []
    used: set[str] = set()
    for _, row in table.iterrows():
        d = int(row["decimals"])
        more = 0 if row["kind"] == "count" else d + EXTRA_DECIMALS
        if isinstance(row["tolerance"], str):
            tolerance_text = row["tolerance"]
        else:
            tol = Decimal(repr(float(row["tolerance"])))
            tolerance_text = _num_text(float(tol), max(0, -tol.normalize().as_tuple().exponent))
        notes = "; ".join(t for t in (row.get("note_da", ""), row.get("displayed_note", "")) if t)
        label = row["label"] + (f" ({row['statement']})" if row.get("statement") else "")
        cells = [label, row["reference"], KIND_DA[row["kind"]], _num_text(row["published"], d),
                 _num_text(row["reproduced"], more), _num_text(row["difference"], more), tolerance_text,
                 _flag_text(row["could_fail"], row, "could_fail"),
                 _flag_text(row["within_tolerance"], row, "within_tolerance"),
                 row.get("displayed_page", NOT_DISPLAYED), row.get("displayed_workbook", NOT_DISPLAYED),
                 _flag_text(row.get("displayed_ok"), row, "displayed_ok"), notes]
        used |= {status for status, symbol in markers.symbols.items() if symbol in cells}
        # a number keeps to one line; a statement's words ('positiv og signifikant') wrap like text
        body.append("<tr>" + "".join(f'<td{NUMERIC if j in PAGE_NUMERIC and _number(c) is not None else ""}>'
                                     f'{escape(str(c))}</td>' for j, c in enumerate(cells)) + "</tr>")
    inconsistent = table[table["report_inconsistent"].map(lambda v: v is True or v == "ja")]
    items = "".join(f"<li>{escape(note)}: {escape(', '.join(group['label']))}</li>"
                    for note, group in inconsistent.groupby("note_da", sort=False))
    return ("<!DOCTYPE html>\n<html lang=\"da\"><head><meta charset=\"utf-8\"><link rel=\"icon\" href=\"data:,\">"
            "<title>Reproduktion af rapportens tal</title>" + style +
            "<style>body{font-family:sans-serif;margin:2em auto;max-width:80em;line-height:1.4}</style></head><body>"
            "<p><a href=\"index.html\">Til forsiden</a></p><h1>Reproduktion af rapportens tal</h1>" + banner_html +
            f"<p>{escape(summary_text)}</p>"
            "<h2>Sådan er der sammenlignet</h2>"
            "<p>Hvert tal, som rapporten trykker, og som beregningerne genskaber, står her ved siden af det "
            "genberegnede tal. Et tal, som rapporten trykker med d decimaler, er genskabt, når det genberegnede "
            "tal afrundet (5 rundes op) til d decimaler giver rapportens tal, dvs. ligger højst en halv enhed på "
            "sidste decimal fra det. Har rapporten selv regnet tallet ud fra tal, den allerede havde afrundet "
            "(fx en udvikling aflæst som forskellen mellem to afrundede gennemsnit), lægges disse afrundinger "
            "til. Antal skal passe præcist. En regressionskoefficient skal desuden ligge inden for en brøkdel af "
            "den standardfejl, rapporten trykker. En række kan ikke fejle, hvis tolerancen er mindst lige så "
            "stor som tallet selv.</p>"
            "<p>Samme tal er også læst tilbage fra kapitlets side og fra regnearket, som en læser ser dem, og "
            "sammenlignet med rapporten med rapportens præcision. Tal, som de publicerede tabeller skjuler, og "
            "antal under diskretionsgrænsen vises ikke her: de er erstattet af tegnet for skjult celle, og det "
            "samme gælder forskellen og vurderingerne, som ellers ville afsløre dem. Rapportens egne tal er "
            "offentlige og vises.</p>"
            + (f"<h2>Modstridende tal i rapporten</h2><p>Disse tal kan ingen data genskabe, fordi rapportens "
               f"egne tal ikke stemmer overens:</p><ul>{items}</ul>" if items else "")
            + "<h2>Alle tal</h2><table class=\"pub repro\"><thead><tr>"
            + "".join(f"<th>{escape(h)}</th>" for h in heads) + "</tr></thead><tbody>" + "".join(body)
            + "</tbody></table>" + html_table.legend_html(markers, used)
            + "</body></html>\n")
