"""Labels for model terms and formulas as patsy and statsmodels name them.

A coefficient table names its rows the way the formula machinery does: `Intercept`, `age`,
`C(abusing_party)[T.far]`, `C(x, Treatment(reference='b'))[T.a]`, `x[T.a]` (a text column patsy
treats as categorical), `a:b` (an interaction). A reader gets "Konstant", "Alder (år)",
"Misbrugende part i familien: Kun far (ref.: Både mor og far)": the variable's and the level's
labels from the registry's label sets, and the reference level the model left out.

The reference level is what patsy's treatment coding left out: the one named by
`Treatment(reference=...)` in the term, else the first level in sorted order of the levels the
model saw (patsy sorts the distinct values; `stats.prepare_controls` and the chapter formulas use
plain `C(x)`). The model saw the levels its other terms show plus the one left out; which one that
is follows from the variable's known levels (the label set) and the other terms of the same model:
the known levels not shown that sort before every shown level. When that leaves more than one (a
known level the data did not have), the unanswered level (`missing`) is dropped if the model shows
no unanswered level of any variable (the controls were then not kept as a level); if still
ambiguous, it is an error rather than a guess.

Every text (the constant, the level pattern, the interaction sign, the formula sentence) is the
registry's: this module holds no Danish.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

# One factor of a term: C(var[, contrast])[T.level] or var[T.level] or var.
_NAME = r"[A-Za-z_][A-Za-z0-9_.]*"
_FACTOR = re.compile(rf"^(?:C\(\s*(?P<cvar>{_NAME})\s*(?:,\s*(?P<contrast>.*))?\)|(?P<var>{_NAME}))"
                     r"(?:\[(?P<coding>T\.)?(?P<level>.*)\])?$")
_TREATMENT = re.compile(r"^Treatment(?:\(\s*(?:reference\s*=\s*)?(?P<ref>.*?)\s*\))?$")
INTERCEPT = "Intercept"
# What a raw patsy/statsmodels name looks like (the check that no page shows one).
RAW_TERM = re.compile(r"^(?:Intercept|C\(.*\)(?:\[.*\])?|[A-Za-z_][A-Za-z0-9_.]*\[(?:T\.)?.*\]"
                      r"|.*\S\s*~\s*\S.*|[A-Za-z_][A-Za-z0-9_.]*(?::[A-Za-z_][A-Za-z0-9_.\[\]()]*)+)$")


class TermError(KeyError):
    """A term, variable or level the label sets do not know (the caller names set and table)."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Factor:
    """One factor of a term: its variable, the level of a categorical factor (None for a numeric
    one), the reference named in the term (if any) and whether it is categorical."""

    variable: str
    level: str | None = None
    reference: str | None = None
    categorical: bool = False
    treatment: bool = False     # `[T.level]`: treatment coding, against a reference level


def _strip_quotes(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def split_top(text: str, sep: str) -> list[str]:
    """`text` split at `sep` outside parentheses, brackets and quotes."""
    parts, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts]


def parse_factor(text: str) -> Factor:
    """One factor as patsy names it; an error for codings other than treatment and for
    transformations (np.log(x), I(x**2)), which have no label."""
    m = _FACTOR.match(text.strip())
    if m is None:
        raise TermError(f"'{text}' is not a term this labeller reads (a variable, C(variable) or "
                        f"variable[T.level])")
    variable = m.group("cvar") or m.group("var")
    reference = None
    if m.group("contrast"):
        t = _TREATMENT.match(m.group("contrast").strip())
        if t is None:
            raise TermError(f"'{text}': only treatment coding is labelled (contrast {m.group('contrast')})")
        reference = _strip_quotes(t.group("ref")) if t.group("ref") else None
    level = m.group("level")
    categorical = bool(m.group("cvar")) or level is not None
    return Factor(variable, None if level is None else _strip_quotes(level), reference, categorical,
                  treatment=m.group("coding") is not None)


def parse(term: str) -> list[Factor]:
    """A term's factors (an interaction has several); [] for the intercept."""
    if term.strip() == INTERCEPT:
        return []
    return [parse_factor(part) for part in split_top(term, ":")]


@dataclass(frozen=True)
class TermLabels:
    """Labels for terms and formulas from label sets: `variables` (variable -> label; numeric
    variables with their unit), `levels` (variable -> level -> label), `missing` (the unanswered
    level every categorical control may have -> its label) and the texts: `intercept`, `level`
    ("{variable}", "{level}", "{reference}"), `interaction` (the sign between factors), `formula`
    ("{response}", "{terms}") and `separator` (between the formula's terms)."""

    variables: Mapping[str, str]
    levels: Mapping[str, Mapping[str, str]]
    missing: Mapping[str, str]
    texts: Mapping[str, str]

    # ------------------------------------------------------------------ parts

    def variable(self, code: str) -> str:
        if code not in self.variables:
            raise TermError(f"variable '{code}' has no label")
        return self.variables[code]

    def known_levels(self, variable: str) -> dict[str, str]:
        """The levels a categorical variable may have (its label set and the unanswered level)."""
        return {**dict(self.levels.get(variable, {})), **dict(self.missing)}

    def level(self, variable: str, code: str) -> str:
        known = self.known_levels(variable)
        if code not in known:
            raise TermError(f"level '{code}' of variable '{variable}' has no label")
        return known[code]

    def reference(self, factor: Factor, model_terms: Iterable[str]) -> str:
        """The level the model left out for `factor`'s variable (see the module docstring)."""
        if factor.reference is not None:
            return factor.reference
        factors = [f for t in model_terms for f in _factors_or_none(t)]
        shown = {f.level for f in factors if f.variable == factor.variable and f.level is not None}
        shown.add(factor.level)
        known = self.known_levels(factor.variable)
        unknown = sorted(shown - set(known))
        if unknown:
            raise TermError(f"levels {unknown} of variable '{factor.variable}' have no label")
        first = min(shown)
        candidates = sorted(c for c in set(known) - shown if c < first)
        if len(candidates) > 1 and set(candidates) & set(self.missing):
            shows_missing = any(f.level in self.missing for f in factors)
            if not shows_missing:
                candidates = [c for c in candidates if c not in self.missing]
        if len(candidates) != 1:
            why = ("none of its known levels" if not candidates else f"more than one level ({candidates})")
            raise TermError(f"the reference level of '{factor.variable}' is not determined: {why} is left "
                            f"out before '{first}' in sorted order; name it in the formula "
                            f"(C({factor.variable}, Treatment(reference=...)))")
        return candidates[0]

    # ------------------------------------------------------------------ terms and formulas

    def label(self, term: str, model_terms: Sequence[str] = ()) -> str:
        """A coefficient's label; `model_terms` are the terms of the same model (for the reference
        level of a categorical term)."""
        factors = parse(term)
        if not factors:
            return self.texts["intercept"]
        parts = []
        for f in factors:
            if f.level is None:
                parts.append(self.variable(f.variable))
                continue
            if not f.treatment:
                # full-rank coding (`C(x)[a]`, a model without intercept): no reference level
                parts.append(self.texts["level_only"].format(variable=self.variable(f.variable),
                                                             level=self.level(f.variable, f.level)))
                continue
            ref = self.reference(f, model_terms)
            parts.append(self.texts["level"].format(variable=self.variable(f.variable),
                                                    level=self.level(f.variable, f.level),
                                                    reference=self.level(f.variable, ref)))
        return self.texts["interaction"].join(parts)

    def formula(self, formula: str) -> str:
        """A model formula as a sentence: the response's label and the labels of the variables
        (a categorical variable by its name: its levels are in the coefficient table)."""
        if "~" not in formula:
            raise TermError(f"'{formula}' is not a formula (no '~')")
        lhs, rhs = (s.strip() for s in formula.split("~", 1))
        names = []
        for term in split_top(rhs, "+"):
            if term in ("", "1", "0", "-1") or term.startswith("-"):
                continue
            names.append(self.texts["interaction"].join(self.variable(parse_factor(p).variable)
                                                        for p in split_top(term, ":")))
        return self.texts["formula"].format(response=self.variable(lhs), terms=self.texts["separator"].join(names))


def _factors_or_none(term: str) -> list[Factor]:
    try:
        return parse(term)
    except TermError:
        return []


def looks_raw(text: str) -> bool:
    """Whether a cell reads like a raw patsy/statsmodels name or formula (`Intercept`,
    `C(x)[T.a]`, `x[T.a]`, `a:b`, `y ~ x`)."""
    return bool(RAW_TERM.match(text.strip()))
