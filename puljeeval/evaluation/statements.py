"""Bilag 4's statements about the core-element models, checked against the pipeline's tables.

Bilag 4 and chapter 5 print almost no numbers about the models; they state findings, transcribed
in config/published.yaml `bilag_4.statements`. Each becomes one statement of a kind:

- `significance`: an element is significant with a sign ("+", "-"), or not significant, in a
  figure's whole-sample model (`whole_sample`: the elements named with their sign; the text says
  every other element of the figure is not significant, so each of those is a statement too), or
  significant with a sign in a subgroup's intensity model (`subgroup_findings`: the text lists only
  significant findings, so only they are statements);
- `effect_size`: a printed estimate ("meget lille effektstørrelse på 0,04"), reproduced as the
  reproduction check reproduces a coefficient: it rounds to the printed value at the printed
  decimals and lies within `reproduction.tolerance.coefficient_se_fraction` of its standard error;
- `bound`: only a bound on the size ("under 0,13": |estimate| < 0,13). Zero is within such a bound:
  that the effect exists, with its sign, is the figure's significance statement;
- `subgroup_n`: a subgroup model's printed n (Figur 10-16), exactly;
- `ranking`: the elements most / fewest children's offers intended (share of the sample with
  intention) and worked with most / least intensively (mean intensity).

Significance is the report's: the 95 % interval of the OLS estimate (method `ols`) excludes 0, and
the sign is the estimate's. A statement whose OLS row has no estimate (a model withheld by the
degrees-of-freedom rule, a term without variation in the group, a subgroup under
`core_elements.min_subgroup_n`, a row missing from the table) is "ikke estimeret", which never holds
and is never read as "not significant". The same verdict from the wild cluster bootstrap's interval
(method `wild_cluster`; it inverts the bootstrap test, so it agrees with its p-value) stands beside
it, so a reader sees which findings survive inference with few clusters. Other methods in the
coefficient tables (ipw, cr2, ...) are not read.

A ranking holds when the named elements are a top (bottom) k of the sample, k the number named:
every named element's value is at least (at most) every other element's. Ties count in the
statement's favour (two elements tied at the boundary: either may be named); the order in which the
report lists the named elements is not part of the statement.

`evaluate` gives one tidy row per statement (`COLUMNS`): what the report says and what the data
show, in Danish, whether it holds, the OLS estimate and interval, the model's n, the wild cluster
verdict; `with_other_seed` adds whether each statement holds on another seed of the twin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from puljeeval.evaluation import core_elements as ce
from puljeeval.evaluation import reproduction as rep
from puljeeval.publish import display
from puljeeval.settings import Settings

OLS, WILD = "ols", "wild_cluster"
OVERALL = "Samlet"                     # the whole sample's `subgroup` in the model tables
POSITIVE, NEGATIVE, NOT_SIGNIFICANT, NOT_ESTIMATED = "+", "-", "ikke signifikant", "ikke estimeret"
SIGNS = (POSITIVE, NEGATIVE)
VERDICT_DA = {POSITIVE: "positiv og signifikant", NEGATIVE: "negativ og signifikant",
              NOT_SIGNIFICANT: NOT_SIGNIFICANT, NOT_ESTIMATED: NOT_ESTIMATED}
KINDS = ("significance", "effect_size", "bound", "subgroup_n", "ranking")
MODELS = ("intention", "intensity")
MODEL_DA = {"intention": "intention", "intensity": "fidelitet (intensitet)"}
# most_fewest keys: the model whose variable is ranked, the end of the ranking, the column of
# bilag4_intention.csv, the Danish words before the elements, and what the statement is about.
RANKINGS = {
    "intention_most": ("intention", "top", "share_pct", "flest med intention om",
                       "de kerneelementer, flest børns tilbud havde intention om"),
    "intention_fewest": ("intention", "bottom", "share_pct", "færrest med intention om",
                         "de kerneelementer, færrest børns tilbud havde intention om"),
    "intensity_most": ("intensity", "top", "mean_intensity", "mest intensivt arbejdet med",
                       "de kerneelementer, der er arbejdet mest intensivt med"),
    "intensity_least": ("intensity", "bottom", "mean_intensity", "mindst intensivt arbejdet med",
                        "de kerneelementer, der er arbejdet mindst intensivt med"),
}
# Values this close are a tie (shares k/n and means computed the same way from the same data).
TIE = 1e-9
# Bilag 4's text to Figur 10-16 and afsnit 5.2.3 name different subgroups in which Barnet i centrum
# is significant in the CORE-OM intensity model: Bilag 4 girls and alcohol, 5.2.3 girls, individual
# treatment and both substances (docs/report_inconsistencies.md). published.yaml keeps Bilag 4's;
# these are 5.2.3's, per (figure, element): a Bilag 4 finding not among them is flagged.
SECTION_5_2_3 = {("10-16", "barnet_i_centrum"): (("gender", "pige"), ("intervention_type", "individuel"),
                                                 ("substance", "begge"))}

COLUMNS = ["statement", "kind", "figure", "outcome", "model", "subgroup_variable", "subgroup", "element", "label",
           "reference", "report", "found", "holds", "estimate", "ci_low", "ci_high", "n", "wild", "wild_holds",
           "remark", "note", "expected", "found_code", "value", "decimals", "se", "report_inconsistent",
           "remark_en", "which", "published_row", "other_seed", "other_found", "other_holds"]


@dataclass(frozen=True)
class Statement:
    """One statement of the report. `expected`: the sign or NOT_SIGNIFICANT (significance), the
    named element codes joined by '|' (ranking), else ''. `value`: the printed estimate, bound or n.
    `where`: its place in published.yaml, for errors."""

    kind: str
    figure: str
    outcome: str
    model: str
    variable: str
    level: str
    element: str
    expected: str
    value: float | None
    decimals: int | None
    which: str
    text: str
    where: str


# ---------------------------------------------------------------------- reading the statements


def _fail(where: str, message: str) -> ValueError:
    return ValueError(f"published.yaml, bilag_4.statements.{where}: {message}")


def statements(spec: Mapping[str, Any], settings: Settings) -> list[Statement]:
    """The statements of published.yaml's `bilag_4.statements` block, in its order, checked against
    the config's outcomes, figures, subgroups and the elements of core_elements.yaml (an error names
    the key)."""
    cfg = settings.config["core_elements"]
    outcomes = {o["key"]: o for o in cfg["outcomes"]}
    elements = settings.element_codes
    subgroups = {s["variable"]: s for s in cfg["subgroups"]}

    def outcome_of(key: str, where: str) -> dict:
        if key not in outcomes:
            raise _fail(where, f"unknown outcome '{key}' (config core_elements.outcomes: {sorted(outcomes)})")
        return outcomes[key]

    def element_of(code: str, where: str) -> str:
        if code not in elements:
            raise _fail(where, f"unknown element '{code}' (core_elements.yaml: {elements})")
        return code

    def sign_of(sign: str, where: str) -> str:
        if sign not in SIGNS:
            raise _fail(where, f"sign '{sign}' is not '+' or '-'")
        return sign

    def subgroup_of(outcome: str, variable: str, level: str, where: str) -> None:
        sub = subgroups.get(variable)
        if sub is None or ("outcomes" in sub and outcome not in sub["outcomes"]):
            raise _fail(where, f"'{variable}' is not a subgroup of {outcome} (config core_elements.subgroups)")
        if str(level) not in {str(k) for k in sub["levels"]}:
            raise _fail(where, f"'{level}' is not a level of subgroup '{variable}' ({list(sub['levels'])})")

    def model_of(figure: str, where: str) -> tuple[str, str]:
        found = [(k, m) for k, o in outcomes.items() for m in MODELS if o["figures"][m] == figure]
        if len(found) != 1:
            raise _fail(where, f"figure {figure} is not one whole-sample model figure of config "
                               f"core_elements.outcomes")
        return found[0]

    out: list[Statement] = []
    for figure, entry in spec.get("whole_sample", {}).items():
        where = f"whole_sample.{figure}"
        figure = str(figure)
        outcome = outcome_of(entry["outcome"], where)
        model = entry["model"]
        if model not in MODELS or outcome["figures"][model] != figure:
            raise _fail(where, f"model '{model}' of {outcome['key']} is not figure {figure} "
                               f"(config core_elements.outcomes: {outcome['figures']})")
        named = {element_of(e, f"{where}.significant"): sign_of(s, f"{where}.significant.{e}")
                 for e, s in (entry.get("significant") or {}).items()}
        for el in elements:
            out.append(Statement("significance", figure, outcome["key"], model, "", OVERALL, el,
                                 named.get(el, NOT_SIGNIFICANT), None, None, "", "", where))
    for i, entry in enumerate(spec.get("effect_sizes", [])):
        where = f"effect_sizes.{i}"
        figure = str(entry["figure"])
        key, model = model_of(figure, where)
        el = element_of(entry["element"], where)
        if ("value" in entry) == ("below" in entry):
            raise _fail(where, "give either `value` (with `decimals`) or `below`")
        if "value" in entry:
            d = rep.printed_decimals(entry["value"], entry.get("decimals"), f"bilag_4.statements.{where}")
            out.append(Statement("effect_size", figure, key, model, "", OVERALL, el, "", float(entry["value"]), d,
                                 "", str(entry.get("text", "")), where))
        else:
            d = rep.printed_decimals(entry["below"], entry.get("decimals"), f"bilag_4.statements.{where}")
            out.append(Statement("bound", figure, key, model, "", OVERALL, el, "", float(entry["below"]), d, "",
                                 str(entry.get("text", "")), where))
    for key, by_variable in spec.get("subgroup_n", {}).items():
        outcome = outcome_of(key, f"subgroup_n.{key}")
        for variable, levels in by_variable.items():
            for level, n in levels.items():
                where = f"subgroup_n.{key}.{variable}.{level}"
                subgroup_of(key, variable, level, where)
                out.append(Statement("subgroup_n", outcome["figures"]["subgroups"], key, "intensity", variable,
                                     str(level), "", "", float(n), 0, "", "", where))
    for i, entry in enumerate(spec.get("subgroup_findings", [])):
        where = f"subgroup_findings.{i}"
        outcome = outcome_of(entry["outcome"], where)
        figure = str(entry["figure"])
        if outcome["figures"]["subgroups"] != figure:
            raise _fail(where, f"figure {figure} is not the subgroup figure of {outcome['key']} "
                               f"({outcome['figures']['subgroups']})")
        subgroup_of(outcome["key"], entry["variable"], entry["level"], where)
        out.append(Statement("significance", figure, outcome["key"], "intensity", entry["variable"],
                             str(entry["level"]), element_of(entry["element"], where),
                             sign_of(entry["sign"], where), None, None, "", "", where))
    for key, rankings in spec.get("most_fewest", {}).items():
        outcome = outcome_of(key, f"most_fewest.{key}")
        for which, named in rankings.items():
            where = f"most_fewest.{key}.{which}"
            if which not in RANKINGS:
                raise _fail(where, f"unknown ranking (expected one of {list(RANKINGS)})")
            codes = [element_of(e, where) for e in named]
            if not codes or len(set(codes)) != len(codes) or len(codes) >= len(elements):
                raise _fail(where, f"name between 1 and {len(elements) - 1} different elements")
            out.append(Statement("ranking", outcome["figures"]["descriptive"], key, RANKINGS[which][0], "", OVERALL,
                                 "", "|".join(codes), None, None, which, "", where))
    return out


# ---------------------------------------------------------------------- verdicts


def verdict(estimate: Any, ci_low: Any, ci_high: Any) -> str:
    """The report's significance: '+' when the 95 % interval lies above 0, '-' below, 'ikke
    signifikant' when it holds 0 (an end at exactly 0 included); 'ikke estimeret' without an
    estimate or interval."""
    values = [pd.to_numeric(v, errors="coerce") for v in (estimate, ci_low, ci_high)]
    if any(pd.isna(v) for v in values):
        return NOT_ESTIMATED
    _, low, high = (float(v) for v in values)
    if low > 0:
        return POSITIVE
    if high < 0:
        return NEGATIVE
    return NOT_SIGNIFICANT


def ranked(values: Mapping[str, float], k: int, end: str) -> tuple[list[str], list[str]]:
    """The k elements at the `end` ('top' or 'bottom') of `values` (ties in the given order), and
    the other elements tied with the k-th (empty when the boundary is not a tie)."""
    if end not in ("top", "bottom"):
        raise ValueError(f"end must be 'top' or 'bottom', got {end!r}")
    sign = -1.0 if end == "top" else 1.0
    order = sorted(values, key=lambda e: (sign * values[e], list(values).index(e)))
    chosen = order[:k]
    edge = values[chosen[-1]]
    tied = [e for e in order[k:] if abs(values[e] - edge) <= TIE]
    return chosen, tied


def ranking_holds(values: Mapping[str, float], named: Sequence[str], end: str) -> bool:
    """Whether `named` is a top (bottom) len(named) of `values`: every named value at least (at
    most) every other value; ties count in favour. A missing value never holds."""
    if any(e not in values or pd.isna(values[e]) for e in values.keys() | set(named)):
        return False
    inside = [values[e] for e in named]
    outside = [v for e, v in values.items() if e not in named]
    if not outside:
        return True
    if end == "top":
        return min(inside) >= max(outside) - TIE
    return max(inside) <= min(outside) + TIE


def _listing(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " og " + items[-1]


def _var(value: Any) -> str:
    return "" if display.is_missing(value) else str(value)


def _index(table: pd.DataFrame, method: str | None, what: str) -> dict[tuple, dict]:
    """Rows by (outcome, model, subgroup_variable, subgroup[, term]) for one method; a key with two
    rows is an error naming the table."""
    part = table if method is None else table[table["method"] == method]
    out: dict[tuple, dict] = {}
    for row in part.to_dict("records"):
        key = (str(row["outcome"]), str(row["model"]), _var(row["subgroup_variable"]), str(row["subgroup"]))
        if "term" in row and method is not None:
            key += (str(row["term"]),)
        if key in out:
            raise ValueError(f"{what}: two rows for {key}" + (f" (method {method})" if method else ""))
        out[key] = row
    return out


# ---------------------------------------------------------------------- the table


def evaluate(spec: Mapping[str, Any], coefficients: pd.DataFrame, models: pd.DataFrame, intention: pd.DataFrame,
             settings: Settings) -> pd.DataFrame:
    """Every statement of `spec` (published.yaml `bilag_4.statements`) against the coefficient and
    model tables of all outcomes (bilag4_coefficients_*.csv, bilag4_models_*.csv, concatenated) and
    the descriptive table (bilag4_intention.csv): one row per statement (`COLUMNS`; the other-seed
    columns empty). Reads config `core_elements.outcomes`, `core_elements.subgroups` and
    `reproduction.tolerance.coefficient_se_fraction`, and core_elements.yaml's labels."""
    cfg = settings.config["core_elements"]
    fraction = settings.config["reproduction"]["tolerance"]["coefficient_se_fraction"]
    labels = {e["code"]: e["label"] for e in settings.core_elements["core_elements"]}
    outcome_da = {o["key"]: o["label"] for o in cfg["outcomes"]}
    sub_da = {s["variable"]: (s["label"], {str(k): v for k, v in s["levels"].items()}) for s in cfg["subgroups"]}
    ols = _index(coefficients, OLS, "bilag4_coefficients")
    wild = _index(coefficients, WILD, "bilag4_coefficients")
    fitted = _index(models, None, "bilag4_models")
    shares = {k: part.set_index("element") for k, part in intention.groupby("outcome", sort=False)}
    column = {"intention": ce.intention_column, "intensity": ce.intensity_column}

    def group_da(s: Statement) -> str:
        if not s.variable:
            return ""
        var, levels = sub_da[s.variable]
        return f", {var}: {levels[s.level]}"

    def data_verdict(s: Statement, table: dict, variable: str, level: str) -> tuple[str, dict | None, str]:
        """The verdict of one element's row, the row, and why it has no estimate."""
        row = table.get((s.outcome, s.model, variable, level, column[s.model](s.element)))
        if row is None:
            model = fitted.get((s.outcome, s.model, variable, level))
            why = _var(model["note"]) if model is not None else ""
            return NOT_ESTIMATED, None, why or "ingen række i koefficienttabellen"
        found = verdict(row["estimate"], row["ci_low"], row["ci_high"])
        return found, row, (_var(row["note"]) or "ikke estimeret") if found == NOT_ESTIMATED else ""

    listed = statements(spec, settings)
    bilag: dict[tuple[str, str], set[tuple[str, str]]] = {}      # subgroup findings per (figure, element)
    for s in listed:
        if s.kind == "significance" and s.variable:
            bilag.setdefault((s.figure, s.element), set()).add((s.variable, s.level))
    rows = []
    for number, s in enumerate(listed, start=1):
        model_row = fitted.get((s.outcome, s.model, s.variable, s.level))
        out: dict[str, Any] = {
            "statement": f"B4-{number:03d}", "kind": s.kind, "figure": s.figure, "outcome": s.outcome,
            "model": s.model if s.kind != "ranking" else np.nan, "subgroup_variable": s.variable or np.nan,
            "subgroup": s.level, "element": s.element or np.nan,
            # the subgroups' n's are printed in the figure, everything else in the text about it
            "reference": f"Bilag 4, {'' if s.kind == 'subgroup_n' else 'tekst til '}Figur {s.figure}",
            "expected": s.expected, "value": s.value, "decimals": s.decimals, "report_inconsistent": False,
            "which": s.which or np.nan, "published_row": False,
            "remark": "", "remark_en": "", "note": "", "n": np.nan if model_row is None else model_row["n"]}
        where = f"Figur {s.figure}, {outcome_da[s.outcome]}"
        if s.kind == "significance":
            found, row, why = data_verdict(s, ols, s.variable, s.level)
            wild_found, _, _ = data_verdict(s, wild, s.variable, s.level)
            out.update(label=f"{where}, {MODEL_DA[s.model]}{group_da(s)}: {labels[s.element]} (signifikans)",
                       report=VERDICT_DA[s.expected], found=VERDICT_DA[found], found_code=found,
                       holds=found == s.expected, wild=VERDICT_DA[wild_found], wild_holds=wild_found == s.expected,
                       note=why, published_row=row is not None)
            if row is not None:
                out.update({c: row[c] for c in ("estimate", "ci_low", "ci_high", "se")})
            out.update(_section_5_2_3(s, bilag.get((s.figure, s.element), set()),
                                      lambda v, lv, s=s: data_verdict(s, ols, v, lv)[0], sub_da))
        elif s.kind in ("effect_size", "bound"):
            found, row, why = data_verdict(s, ols, "", OVERALL)
            out.update(label=f"{where}, {MODEL_DA[s.model]}: {labels[s.element]} "
                             f"({'effektstørrelse' if s.kind == 'effect_size' else 'grænse for effektstørrelsen'})",
                       report=s.text, note=why, holds=False, found=NOT_ESTIMATED, found_code=NOT_ESTIMATED,
                       published_row=row is not None)
            if row is not None and found != NOT_ESTIMATED:
                out.update({c: row[c] for c in ("estimate", "ci_low", "ci_high", "se")}, found_code="")
                estimate = float(row["estimate"])
                if s.kind == "effect_size":
                    width = rep.tolerance("coefficient", int(s.decimals), se=float(row["se"]), se_fraction=fraction)
                    out.update(holds=rep.within("coefficient", s.value, estimate, width),
                               found=f"effektstørrelse {display.number(estimate, int(s.decimals))}")
                else:
                    below = abs(estimate) < float(s.value)
                    bound = display.number(float(s.value), int(s.decimals))
                    out.update(holds=below,
                               found=f"numerisk under {bound}" if below else f"numerisk {bound} eller mere")
        elif s.kind == "subgroup_n":
            var, levels = sub_da[s.variable]
            out.update(label=f"{where}: antal i subgruppen {var}: {levels[s.level]}",
                       report=f"n = {display.number(float(s.value))}")
            if model_row is None:
                out.update(found=NOT_ESTIMATED, found_code=NOT_ESTIMATED, holds=False,
                           note="ingen model for subgruppen i modeltabellen")
            else:
                same = float(model_row["n"]) == float(s.value)
                out.update(found="samme antal" if same else "et andet antal", found_code=str(int(model_row["n"])),
                           holds=same, published_row=True)
        else:
            _, end, col, words, about = RANKINGS[s.which]
            named = s.expected.split("|")
            part = shares.get(s.outcome)
            out.update(label=f"{where}: {about}", report=f"{words} {_listing([labels[e] for e in named])}")
            values = {} if part is None else {e: float(part.loc[e, col]) for e in settings.element_codes
                                              if e in part.index}
            if part is None or len(values) < len(settings.element_codes) or any(np.isnan(v) for v in values.values()):
                out.update(found=NOT_ESTIMATED, found_code=NOT_ESTIMATED, holds=False,
                           note="ingen beskrivende tabel for analysen")
            else:
                chosen, tied = ranked(values, len(named), end)
                holds = ranking_holds(values, named, end)
                if holds and set(chosen) != set(named):
                    # a tie at the boundary, named the report's way: show it so
                    chosen = [e for e in chosen + tied if e in named]
                    tied = [e for e in values if e not in named and abs(values[e] - values[chosen[-1]]) <= TIE]
                text = f"{words} {_listing([labels[e] for e in chosen])}"
                if tied:
                    text += f" (delt plads med {_listing([labels[e] for e in tied])})"
                out.update(found=text, found_code="|".join(chosen), holds=holds, published_row=True,
                           n=float(part["n"].iloc[0]))
        rows.append(out)
    table = pd.DataFrame(rows).reindex(columns=COLUMNS)
    table["holds"] = table["holds"].astype(bool)
    table["report_inconsistent"] = table["report_inconsistent"].astype(bool)
    table["published_row"] = table["published_row"].astype(bool)
    table["wild_holds"] = table["wild_holds"].astype("boolean")
    table["n"] = table["n"].astype("Int64")
    table["decimals"] = table["decimals"].astype("Int64")
    return table


def _section_5_2_3(s: Statement, bilag: set[tuple[str, str]], verdict_of: Callable[[str, str], str],
                   sub_da: Mapping[str, tuple[str, dict]]) -> dict:
    """The remark on a finding where afsnit 5.2.3 names other subgroups than Bilag 4 (SECTION_5_2_3;
    `bilag`: Bilag 4's subgroups for the same figure and element): flagged as a report
    inconsistency when 5.2.3 does not name this subgroup, with what the data show in the subgroups
    only 5.2.3 names (`verdict_of(variable, level)`)."""
    version = SECTION_5_2_3.get((s.figure, s.element))
    if version is None or not s.variable:
        return {}
    if (s.variable, s.level) in version:
        return {"remark": "Afsnit 5.2.3 nævner det samme fund.",
                "remark_en": "section 5.2.3 names the same finding"}
    others = [(v, lv) for v, lv in version if (v, lv) not in bilag]

    def name(v: str, lv: str) -> str:
        return f"{sub_da[v][0].lower()}: {sub_da[v][1][lv].lower()}"

    found = _listing([f"{name(v, lv)} ({VERDICT_DA[verdict_of(v, lv)]})" for v, lv in others])
    return {"report_inconsistent": True,
            "remark": f"Bilag 4 og afsnit 5.2.3 er uenige: afsnit 5.2.3 nævner ikke denne subgruppe, men i stedet "
                      f"{_listing([name(v, lv) for v, lv in others])}; data: {found}.",
            "remark_en": "Bilag 4 and section 5.2.3 disagree: 5.2.3 names "
                         + ", ".join(f"{v}={lv}" for v, lv in others) + " instead (docs/report_inconsistencies.md)"}


def with_other_seed(table: pd.DataFrame, other: pd.DataFrame | None, seed: int | None) -> pd.DataFrame:
    """The statement table with what each statement finds on another seed of the twin (`other`,
    the same statements evaluated there) beside it; without one (real data, or no other seed
    configured) those columns stay empty."""
    out = table.copy()
    out["other_seed"] = np.nan if other is None else str(seed)
    out["other_found"] = np.nan
    out["other_holds"] = pd.array([pd.NA] * len(out), dtype="boolean")
    if other is None:
        return out
    if list(other["statement"]) != list(table["statement"]):
        raise ValueError("the other seed's statement table lists other statements than the default one")
    out["other_found"] = other["found"].to_numpy()
    out["other_holds"] = pd.array(other["holds"].astype(bool).to_numpy(), dtype="boolean")
    return out
