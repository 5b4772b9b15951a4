"""The cost input, the sensitivity ranges and the report's printed totals, read and validated.

Every error names the file, the row (`resources[12]` with its offer, course type and item) and
the key, and says what was expected: the input is hand-made, and a typo must stop the run
instead of shifting a total.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from puljeeval.settings import ConfigError, read_yaml

COURSE_TYPES = ("individual", "group")
# A resource row for `all` course types is the whole offer's (establishment, training, investments):
# the report spreads the whole offer's cost over each course type's participants.
ROW_COURSE_TYPES = (*COURSE_TYPES, "all")
# Socialstyrelsen's cost categories; the report's "drift" is training + operation + investment.
PHASES = ("establishment", "training", "operation", "investment")
DRIFT = ("training", "operation", "investment")
# What a row's quantity is counted per: once for the period, per year of the period, per course,
# per session (of every course) or per participant.
BASES = ("period", "year", "course", "session", "participant")
VOLUME_KEYS = ("capacity", "fill", "courses", "sessions", "session_hours", "staff_per_session",
               "preparation_hours", "intake_hours", "documentation_hours", "hourly_cost")
RESOURCE_KEYS = ("offer", "course_type", "phase", "item", "category", "basis", "quantity", "unit", "unit_price",
                 "price_year", "financed_by", "quantified", "reason")
RESOURCE_OPTIONAL = ("lifetime_years", "balancing")
# Volumes that must be above 0 (a course without sessions or staff has no therapist time to count).
POSITIVE_VOLUMES = ("capacity", "fill", "courses", "sessions", "session_hours", "staff_per_session", "hourly_cost")
# The grant pool's financing code: every other code is co-financing (the report's "**").
POOL = "pulje"
# Phases whose whole-offer cost (course type `all`) the report spreads over each course type.
WHOLE_OFFER_PHASES = ("establishment", "training", "investment")


class CostInputError(ConfigError):
    """The cost input is wrong; the message names the file, row and key (a ConfigError: the run
    stops with the message alone, no traceback)."""


@dataclass(frozen=True)
class CostInput:
    """The validated cost input: its file, whether it is assumed (every output then says so),
    price year, the period in years, financing codes -> Danish label, offers (code -> label and
    description), volumes[(offer, course_type)] -> {key: value} and the resource rows."""

    path: str
    assumed: bool
    price_year: int
    period_years: float
    financing: dict[str, str]
    offers: dict[str, dict[str, str]]
    volumes: dict[tuple[str, str], dict[str, float]]
    resources: list[dict[str, Any]]

    def scenarios(self) -> list[tuple[str, str]]:
        """(offer, course type) pairs that have volumes, in the input's offer order."""
        return [(o, t) for o in self.offers for t in COURSE_TYPES if (o, t) in self.volumes]


def _fail(path: str | Path, where: str, message: str) -> CostInputError:
    return CostInputError(f"{path}: {where}: {message}")


def _number(value: Any, path: str | Path, where: str, key: str, *, minimum: float = 0.0,
            strict: bool = False) -> float:
    """A number >= minimum (> minimum when strict); bool and text are refused, not coerced."""
    if value is None:
        raise _fail(path, where, f"'{key}' is missing; expected a number {'>' if strict else '>='} {minimum:g}")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _fail(path, where, f"'{key}' is {value!r}; expected a number")
    if value < minimum or (strict and value == minimum):
        raise _fail(path, where, f"'{key}' is {value!r}; expected a number {'>' if strict else '>='} {minimum:g}")
    return float(value)


def _mapping(value: Any, path: str | Path, where: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(path, where, f"expected a mapping, found {type(value).__name__}")
    return value


def load_input(path: str | Path) -> CostInput:
    """Read and validate a cost input (config/costs/example.yaml documents the format)."""
    raw = _mapping(read_yaml(path), path, "(top level)")
    top = ("assumed", "price_year", "period_years", "financing", "offers", "volumes", "resources")
    for key in top:
        if key not in raw:
            raise _fail(path, "(top level)", f"'{key}' is missing")
    unknown = sorted(set(raw) - set(top))
    if unknown:
        raise _fail(path, "(top level)", f"unknown keys {unknown}; expected {list(top)}")
    if not isinstance(raw["assumed"], bool):
        raise _fail(path, "assumed", f"expected true or false, found {raw['assumed']!r}")
    price_year = raw["price_year"]
    if isinstance(price_year, bool) or not isinstance(price_year, int):
        raise _fail(path, "price_year", f"expected a year, found {price_year!r}")
    period = _number(raw["period_years"], path, "period_years", "period_years", strict=True)
    financing = _mapping(raw["financing"], path, "financing")
    if any(not isinstance(k, str) or not isinstance(v, str) for k, v in financing.items()):
        raise _fail(path, "financing", "expected code: Danish label, both texts")
    if POOL not in financing:
        raise _fail(path, "financing", f"the grant pool's code '{POOL}' is missing (the report's '**' marks what "
                                       f"is financed by anything else)")
    if not isinstance(raw["resources"], list):
        raise _fail(path, "resources", "expected a list of rows")
    offers: dict[str, dict[str, str]] = {}
    for code, spec in _mapping(raw["offers"], path, "offers").items():
        if not isinstance(code, str):
            raise _fail(path, "offers", f"offer code {code!r} is not a text")
        spec = _mapping(spec, path, f"offers.{code}")
        for key in ("label", "description"):
            if not isinstance(spec.get(key), str) or not spec[key].strip():
                raise _fail(path, f"offers.{code}", f"'{key}' is missing; expected a text")
        offers[str(code)] = {"label": spec["label"], "description": " ".join(spec["description"].split())}
    volumes = _volumes(raw["volumes"], offers, path)
    resources = [_resource(i, row, offers, financing, price_year, path) for i, row in enumerate(raw["resources"])]
    seen: dict[tuple, int] = {}
    for r in resources:
        key = (r["offer"], r["course_type"], r["phase"], r["item"])
        if key in seen:
            raise _fail(path, f"resources[{r['row']}]", f"the same offer, course type, phase and item as "
                                                      f"resources[{seen[key]}]: {key}")
        seen[key] = r["row"]
    used = {(r["offer"], r["course_type"]) for r in resources}
    for offer, ctype in used:
        if ctype != "all" and (offer, ctype) not in volumes:
            rows = [r["row"] for r in resources if (r["offer"], r["course_type"]) == (offer, ctype)]
            raise _fail(path, f"resources{rows}", f"offer {offer} has {ctype} resources but no volumes for "
                                                  f"{ctype} courses")
    return CostInput(str(path), raw["assumed"], price_year, period, financing, offers, volumes, resources)


def _volumes(raw: Any, offers: dict, path: str | Path) -> dict[tuple[str, str], dict[str, float]]:
    if not isinstance(raw, list):
        raise _fail(path, "volumes", "expected a list of rows (offer, course_type and the volume keys)")
    out: dict[tuple[str, str], dict[str, float]] = {}
    for i, row in enumerate(raw):
        row = _mapping(row, path, f"volumes[{i}]")
        where = f"volumes[{i}] (offer {row.get('offer')}, {row.get('course_type')})"
        if row.get("offer") not in offers:
            raise _fail(path, where, f"offer {row.get('offer')!r} is not one of {list(offers)}")
        if row.get("course_type") not in COURSE_TYPES:
            raise _fail(path, where, f"course_type {row.get('course_type')!r} is not one of {list(COURSE_TYPES)}")
        unknown = sorted(set(row) - {"offer", "course_type", "reason", *VOLUME_KEYS})
        if unknown:
            raise _fail(path, where, f"unknown keys {unknown}; expected {list(VOLUME_KEYS)}")
        key = (row["offer"], row["course_type"])
        if key in out:
            raise _fail(path, where, "a second row for the same offer and course type")
        vol = {k: _number(row.get(k), path, where, k, strict=k in POSITIVE_VOLUMES) for k in VOLUME_KEYS}
        if vol["fill"] > 1:
            raise _fail(path, where, f"'fill' is {vol['fill']:g}; expected a share of the places, at most 1")
        if row["course_type"] == "individual" and vol["capacity"] != 1:
            raise _fail(path, where, f"'capacity' is {vol['capacity']:g}; an individual course has one participant")
        if not isinstance(row.get("reason"), str) or not row["reason"].strip():
            raise _fail(path, where, "'reason' is missing; every assumed volume says why")
        out[key] = vol
    return out


def _resource(i: int, row: Any, offers: dict, financing: dict, price_year: int, path: str | Path) -> dict[str, Any]:
    row = _mapping(row, path, f"resources[{i}]")
    where = f"resources[{i}] (offer {row.get('offer')}, {row.get('course_type')}, {row.get('phase')}, " \
            f"{row.get('item')!r})"
    unknown = sorted(set(row) - {*RESOURCE_KEYS, *RESOURCE_OPTIONAL})
    if unknown:
        raise _fail(path, where, f"unknown keys {unknown}")
    for key in RESOURCE_KEYS:
        if key not in row:
            raise _fail(path, where, f"'{key}' is missing")
    if row["offer"] not in offers:
        raise _fail(path, where, f"offer {row['offer']!r} is not one of {list(offers)}")
    for key, allowed in (("course_type", ROW_COURSE_TYPES), ("phase", PHASES), ("basis", BASES)):
        if row[key] not in allowed:
            raise _fail(path, where, f"{key} {row[key]!r} is not one of {list(allowed)}")
    if row["financed_by"] not in financing:
        raise _fail(path, where, f"financed_by {row['financed_by']!r} is not a financing code; expected one of "
                                 f"{list(financing)} (the input's `financing`)")
    if not isinstance(row["quantified"], bool):
        raise _fail(path, where, f"'quantified' is {row['quantified']!r}; expected true or false")
    for key in ("item", "category", "unit", "reason"):
        if not isinstance(row[key], str) or not row[key].strip():
            raise _fail(path, where, f"'{key}' is missing; expected a text")
    out = dict(row)
    out["quantity"] = _number(row["quantity"], path, where, "quantity")
    out["unit_price"] = _number(row["unit_price"], path, where, "unit_price")
    if isinstance(row["price_year"], bool) or not isinstance(row["price_year"], int) or row["price_year"] != price_year:
        raise _fail(path, where, f"price_year {row['price_year']!r} differs from the input's price_year "
                                 f"{price_year}; convert the price first")
    if row["phase"] == "investment":
        out["lifetime_years"] = _number(row.get("lifetime_years"), path, where, "lifetime_years", strict=True)
    elif "lifetime_years" in row:
        raise _fail(path, where, "'lifetime_years' is only for investments")
    if row["course_type"] == "all" and row["phase"] not in WHOLE_OFFER_PHASES:
        raise _fail(path, where, f"a whole-offer row (course type 'all') is for {list(WHOLE_OFFER_PHASES)}: "
                                 f"operation is counted per course type")
    if row["phase"] in WHOLE_OFFER_PHASES and row["basis"] != "period":
        raise _fail(path, where, f"a {row['phase']} row is counted once for the period (basis 'period'), "
                                 f"found {row['basis']!r}")
    if not isinstance(row.get("balancing", False), bool):
        raise _fail(path, where, f"'balancing' is {row['balancing']!r}; expected true or false")
    out["balancing"] = row.get("balancing", False)
    out["reason"] = " ".join(row["reason"].split())
    out["row"] = i
    return out


# ---------------------------------------------------------------- sensitivity ranges


@dataclass(frozen=True)
class Driver:
    """One driver of the sensitivity analyses: the volume key it moves, the course types it
    applies to, its one-way range (`relative`: multipliers of the base value; else absolute
    values) and its distribution for the probabilistic analysis over the same range."""

    key: str
    label: str
    parameter: str
    applies_to: tuple[str, ...]
    relative: bool
    low: float
    high: float
    distribution: str


DISTRIBUTIONS = ("triangular", "uniform")


@dataclass(frozen=True)
class Sensitivity:
    drivers: tuple[Driver, ...]
    draws: int
    seed: int
    interval: float


def load_sensitivity(path: str | Path) -> Sensitivity:
    """Read and validate the sensitivity ranges (config/costs/sensitivity.yaml)."""
    raw = _mapping(read_yaml(path), path, "(top level)")
    unknown = sorted(set(raw) - {"drivers", "probabilistic"})
    if unknown:
        raise _fail(path, "(top level)", f"unknown keys {unknown}; expected drivers, probabilistic")
    drivers = []
    for key, spec in _mapping(raw.get("drivers"), path, "drivers").items():
        where = f"drivers.{key}"
        spec = _mapping(spec, path, where)
        extra = sorted(set(spec) - {"label", "parameter", "scale", "low", "high", "distribution", "applies_to"})
        if extra:
            raise _fail(path, where, f"unknown keys {extra}")
        if spec.get("parameter") in [d.parameter for d in drivers]:
            raise _fail(path, where, f"parameter {spec.get('parameter')!r} is moved by another driver already")
        if spec.get("parameter") not in VOLUME_KEYS:
            raise _fail(path, where, f"parameter {spec.get('parameter')!r} is not a volume key {list(VOLUME_KEYS)}")
        scale = spec.get("scale")
        if scale not in ("relative", "absolute"):
            raise _fail(path, where, f"scale {scale!r}; expected 'relative' (multipliers) or 'absolute'")
        low = _number(spec.get("low"), path, where, "low", strict=spec.get("parameter") in POSITIVE_VOLUMES)
        high = _number(spec.get("high"), path, where, "high")
        if not low < high:
            raise _fail(path, where, f"low {low:g} is not below high {high:g}")
        if scale == "relative" and not low <= 1 <= high:
            raise _fail(path, where, f"a relative range must contain 1 (the base value), got [{low:g}, {high:g}]")
        if spec.get("parameter") == "fill" and scale == "absolute" and high > 1:
            raise _fail(path, where, f"fill is a share of the places: high {high:g} > 1")
        applies = spec.get("applies_to", list(COURSE_TYPES))
        if not isinstance(applies, list) or not applies or any(t not in COURSE_TYPES for t in applies):
            raise _fail(path, where, f"applies_to {applies!r}; expected a list of {list(COURSE_TYPES)}")
        if spec["parameter"] in ("capacity", "fill") and "individual" in applies:
            raise _fail(path, where, f"{spec['parameter']} applies to group courses only (an individual course "
                                     f"has one participant): applies_to: [group]")
        dist = spec.get("distribution")
        if dist not in DISTRIBUTIONS:
            raise _fail(path, where, f"distribution {dist!r} is not one of {list(DISTRIBUTIONS)}")
        if not isinstance(spec.get("label"), str):
            raise _fail(path, where, "'label' is missing; expected the Danish label")
        drivers.append(Driver(str(key), spec["label"], spec["parameter"], tuple(applies), scale == "relative",
                              low, high, dist))
    mc = _mapping(raw.get("probabilistic"), path, "probabilistic")
    draws, seed = mc.get("draws"), mc.get("seed")
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 100:
        raise _fail(path, "probabilistic.draws", f"{draws!r}; expected an integer >= 100")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise _fail(path, "probabilistic.seed", f"{seed!r}; expected a non-negative integer")
    interval = _number(mc.get("interval"), path, "probabilistic.interval", "interval", strict=True)
    if interval >= 1:
        raise _fail(path, "probabilistic.interval", f"{interval:g}; expected a share below 1 (e.g. 0.95)")
    return Sensitivity(tuple(drivers), draws, seed, interval)


# ---------------------------------------------------------------- the report's printed numbers


def load_published(path: str | Path) -> dict[str, Any]:
    """The report's printed totals and ratio statements (config/costs/published.yaml): totals per
    course type, offer and part (establishment, operation, total; kroner per participant, whole
    kroner), and each ratio statement's numerator, denominator, words and the range of ratios the
    words allow."""
    raw = _mapping(read_yaml(path), path, "(top level)")
    for key in ("reference", "references", "totals", "unquantified", "ratios", "words"):
        if key not in raw:
            raise _fail(path, "(top level)", f"'{key}' is missing")
    for ctype, offers in _mapping(raw["totals"], path, "totals").items():
        if ctype not in COURSE_TYPES:
            raise _fail(path, f"totals.{ctype}", f"expected one of {list(COURSE_TYPES)}")
        for offer, parts in _mapping(offers, path, f"totals.{ctype}").items():
            where = f"totals.{ctype}.{offer}"
            parts = _mapping(parts, path, where)
            extra = sorted(set(parts) - {"establishment", "operation", "total"})
            if extra:
                raise _fail(path, where, f"unknown keys {extra}; expected establishment, operation, total")
            for part in ("establishment", "operation", "total"):
                v = parts.get(part)
                if isinstance(v, bool) or not isinstance(v, int):
                    raise _fail(path, where, f"'{part}' is {v!r}; expected whole kroner as printed")
            if parts["establishment"] + parts["operation"] != parts["total"]:
                raise _fail(path, where, f"establishment {parts['establishment']} + operation {parts['operation']} "
                                         f"is not the total {parts['total']} (a transcription error?)")
    for key, words in _mapping(raw["words"], path, "words").items():
        lo, hi = (words or {}).get("low"), (words or {}).get("high")
        if any(isinstance(v, bool) or not isinstance(v, int | float) for v in (lo, hi)) or not lo < hi \
                or not isinstance((words or {}).get("text"), str):
            raise _fail(path, f"words.{key}", f"expected low < high, found {words!r}")
    for key, spec in _mapping(raw["ratios"], path, "ratios").items():
        where = f"ratios.{key}"
        spec = _mapping(spec, path, where)
        for text_key in ("text", "lines"):
            if not isinstance(spec.get(text_key), str):
                raise _fail(path, where, f"'{text_key}' is missing; expected a text")
        if spec.get("words") not in raw["words"]:
            raise _fail(path, where, f"words {spec.get('words')!r} is not one of {list(raw['words'])}")
        for side in ("numerator", "denominator"):
            s = _mapping(spec.get(side), path, f"{where}.{side}")
            try:
                raw["totals"][s["course_type"]][s["offer"]][s["part"]]
            except (KeyError, TypeError):
                raise _fail(path, f"{where}.{side}", f"{s!r} names no printed total") from None
    return raw
