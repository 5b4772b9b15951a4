"""Bilag 1 of the evaluation: Tabel 7-1's overview of the pool's offers (config/bilag_1.yaml, a
transcription of the printed table) and the core elements each offer chose to work with, which
the report's title for Bilag 1 promises but never prints.

The element matrix is computed from the intention extract with the same resolution as
`core_elements.intention_per_course`, so the matrix weighted by an analysis sample's courses
gives Bilag 4's intention shares (`shares_from_matrix`): that is the agreement check.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from puljeeval.evaluation import core_elements
from puljeeval.settings import read_yaml

SECTORS = ("kommunal", "privat", "partnerskab", "ikke_oplyst")
REQUIRED = ("name", "codes", "anchoring", "sector", "sector_basis", "age_min", "age_max", "age_text", "forms",
            "source_lines")
OPTIONAL = ("note",)
AGE_RANGE = (0, 35)
DIFFERENCES_REQUIRED = ("printed_rows", "offer_codes", "rows_to_several_codes", "codes_to_several_rows")
DIFFERENCES_OPTIONAL = ("text_count", "text_lines", "text_note")

# The intervention types of the element matrix. TYPES are the two the wide matrix words; a
# course registered 'begge' or with no type resolves on its own (COURSE_TYPES, '' = no type).
TYPES = ("individuel", "gruppe")
COURSE_TYPES = ("individuel", "gruppe", "begge", "")

YES, NO, ONLY_INDIVIDUAL, ONLY_GROUP = "Ja", "Nej", "Kun individuel", "Kun gruppe"


# --- the transcription ---------------------------------------------------------------------------

def load(path: str | Path, offer_codes: Iterable[str] | None = None) -> dict:
    """Read and validate config/bilag_1.yaml. Without `offer_codes` the codes are those of
    offers.yaml in the same folder (the repository's layout)."""
    path = Path(path)
    spec = read_yaml(path)
    if offer_codes is None:
        offer_codes = [o["code"] for o in read_yaml(path.parent / "offers.yaml")["offers"]]
    validate(spec, set(offer_codes), path)
    return spec


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def validate(spec: Any, offer_codes: set[str], path: str | Path = "bilag_1.yaml") -> None:
    """Raise ValueError naming the file, the entry (index and name) and the key at the first
    problem: the transcription is data other tables are built from, so a typo must stop them.
    Every offer code must be covered by exactly one printed row, except codes the `differences`
    block declares as shared by several rows (Københavns Kommune), which must be covered by
    exactly the declared rows; rows mapping to several codes must be declared too."""
    if not isinstance(spec, dict) or not isinstance(spec.get("offers"), list) or not spec["offers"]:
        raise ValueError(f"{path}: top level must be a mapping with a non-empty list 'offers'")
    unknown_top = sorted(set(spec) - {"offers", "differences"})
    if unknown_top:
        raise ValueError(f"{path}: unknown top-level keys {unknown_top} (expected offers, differences)")
    names: dict[str, int] = {}
    for i, entry in enumerate(spec["offers"]):
        if not isinstance(entry, dict):
            raise ValueError(f"{path}: offers[{i}]: not a mapping")
        where = f"{path}: offers[{i}] ({entry.get('name', '?')!r})"

        def fail(key: str, problem: str, where: str = where) -> None:
            raise ValueError(f"{where}: key '{key}': {problem}")

        for key in REQUIRED:
            if key not in entry:
                fail(key, "missing")
        for key in sorted(set(entry) - set(REQUIRED) - set(OPTIONAL)):
            fail(key, "unknown key")
        for key in ("name", "anchoring", "sector_basis", "age_text"):
            if not _is_text(entry[key]):
                fail(key, f"must be non-empty text, got {entry[key]!r}")
        if "note" in entry and not _is_text(entry["note"]):
            fail("note", f"must be non-empty text, got {entry['note']!r}")
        if entry["name"] in names:
            fail("name", f"duplicate of offers[{names[entry['name']]}]")
        names[entry["name"]] = i
        codes = entry["codes"]
        if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
            fail("codes", f"must be a non-empty list of offer codes, got {codes!r}")
        if len(set(codes)) != len(codes):
            fail("codes", f"repeats a code: {codes}")
        for code in codes:
            if code not in offer_codes:
                fail("codes", f"unknown offer code {code!r} (config/offers.yaml has {sorted(offer_codes)})")
        if entry["sector"] not in SECTORS:
            fail("sector", f"{entry['sector']!r} is not one of {list(SECTORS)}")
        lo, hi = entry["age_min"], entry["age_max"]
        for key, value in (("age_min", lo), ("age_max", hi)):
            if not _is_int(value) or not AGE_RANGE[0] <= value <= AGE_RANGE[1]:
                fail(key, f"must be an integer from {AGE_RANGE[0]} to {AGE_RANGE[1]}, got {value!r}")
        if lo > hi:
            fail("age_min", f"age_min {lo} > age_max {hi}")
        forms = entry["forms"]
        if not isinstance(forms, list) or not forms or not all(_is_text(f) for f in forms):
            fail("forms", f"must be a non-empty list of non-empty text, got {forms!r}")
        lines = entry["source_lines"]
        if not (isinstance(lines, list) and len(lines) == 2 and all(_is_int(x) and x > 0 for x in lines)
                and lines[0] <= lines[1]):
            fail("source_lines", f"must be [first, last] line numbers with first <= last, got {lines!r}")
    _validate_coverage(spec, offer_codes, path)


def _validate_coverage(spec: dict, offer_codes: set[str], path: str | Path) -> None:
    """Each code is covered by one row unless declared shared; the declarations match the data."""
    entries = spec["offers"]
    diff = spec.get("differences")
    if not isinstance(diff, dict):
        raise ValueError(f"{path}: key 'differences': missing or not a mapping")
    for key in DIFFERENCES_REQUIRED:
        if key not in diff:
            raise ValueError(f"{path}: differences: key '{key}': missing")
    extra = sorted(set(diff) - set(DIFFERENCES_REQUIRED) - set(DIFFERENCES_OPTIONAL))
    if extra:
        raise ValueError(f"{path}: differences: unknown keys {extra}")
    if diff["printed_rows"] != len(entries):
        raise ValueError(f"{path}: differences: key 'printed_rows': {diff['printed_rows']!r} but 'offers' has "
                         f"{len(entries)} entries")
    if diff["offer_codes"] != len(offer_codes):
        raise ValueError(f"{path}: differences: key 'offer_codes': {diff['offer_codes']!r} but config/offers.yaml "
                         f"has {len(offer_codes)} codes")
    for key, fields in (("codes_to_several_rows", ("code", "rows")), ("rows_to_several_codes", ("row", "codes"))):
        items = diff[key]
        if not isinstance(items, list) or not all(isinstance(d, dict) and all(f in d for f in fields) for d in items):
            raise ValueError(f"{path}: differences: key '{key}': must be a list of mappings with keys {list(fields)}")
    declared_shared = {d["code"]: list(d["rows"]) for d in diff["codes_to_several_rows"]}
    declared_multi = {d["row"]: list(d["codes"]) for d in diff["rows_to_several_codes"]}
    covering: dict[str, list[int]] = {}
    for i, entry in enumerate(entries):
        for code in entry["codes"]:
            covering.setdefault(code, []).append(i)

    def label(i: int) -> str:
        return f"offers[{i}] ({entries[i]['name']!r})"

    for code in sorted(offer_codes):
        rows = covering.get(code, [])
        if not rows:
            raise ValueError(f"{path}: key 'codes': offer code {code!r} is covered by no entry")
        if len(rows) > 1 and code not in declared_shared:
            raise ValueError(f"{path}: {label(rows[-1])}: key 'codes': offer code {code!r} is covered twice, also by "
                             f"{', '.join(label(i) for i in rows[:-1])}; declare it under "
                             f"differences.codes_to_several_rows if the table prints it as several rows")
        if code in declared_shared and [entries[i]["name"] for i in rows] != declared_shared[code]:
            raise ValueError(f"{path}: differences: key 'codes_to_several_rows': {code!r} declared for rows "
                             f"{declared_shared[code]} but covered by {[entries[i]['name'] for i in rows]}")
    for code in declared_shared:
        if len(covering.get(code, [])) < 2:
            raise ValueError(f"{path}: differences: key 'codes_to_several_rows': {code!r} is not covered by "
                             f"several rows")
    actual_multi = {e["name"]: list(e["codes"]) for e in entries if len(e["codes"]) > 1}
    if actual_multi != declared_multi:
        raise ValueError(f"{path}: differences: key 'rows_to_several_codes': declares {declared_multi} but the "
                         f"entries map {actual_multi}")


def offers_table(spec: dict, offers: list[dict]) -> pd.DataFrame:
    """Tabel 7-1 as a table, one row per printed offer in the printed order, with the Tabel 8-1
    codes and names (config/offers.yaml `offers`) it stands for, in config order."""
    order = {o["code"]: k for k, o in enumerate(offers)}
    names = {o["code"]: o["name"] for o in offers}
    rows = []
    for i, entry in enumerate(spec["offers"], start=1):
        codes = sorted(entry["codes"], key=order.__getitem__)
        rows.append({"order": i, "name": entry["name"], "codes": ", ".join(codes),
                     "offer_names": "; ".join(names[c] for c in codes), "anchoring": entry["anchoring"],
                     "sector": entry["sector"], "age_range": f"{entry['age_min']}-{entry['age_max']} år",
                     "forms": "; ".join(entry["forms"]), "n_codes": len(codes)})
    return pd.DataFrame(rows)


# --- the element matrix --------------------------------------------------------------------------

def _intention_cells(intention: pd.DataFrame, elements: list[str]) -> pd.Series:
    """chosen (0/1 int) indexed by (offer, intervention_type, element), blank types as ''.
    The normalisation is intention_per_course's: a missing type column or a NaN is ''."""
    rows = core_elements.intention_rows(intention)
    rows["offer"] = rows["offer"].astype(str)
    rows = rows[rows["element"].isin(elements)]
    key = ["offer", "intervention_type", "element"]
    dup = rows[rows.duplicated(key, keep=False)]
    if len(dup):
        first = dup.iloc[0]
        raise ValueError(f"intention: (offer, intervention_type, element) ({first['offer']!r}, "
                         f"{first['intervention_type'] or '(blank)'!r}, {first['element']!r}) occurs more than once")
    chosen = pd.to_numeric(rows["chosen"].astype(str).str.strip(), errors="coerce")
    bad = rows[~chosen.isin([0, 1])]
    if len(bad):
        first = bad.iloc[0]
        raise ValueError(f"intention: chosen {first['chosen']!r} for ({first['offer']!r}, {first['element']!r}) "
                         f"is not 0 or 1")
    return pd.Series(chosen.astype("int64").to_numpy(), index=pd.MultiIndex.from_frame(rows[key]), name="chosen")


def element_matrix(intention: pd.DataFrame, offer_codes: list[str], elements: list[str],
                   types: Iterable[str] = TYPES) -> pd.DataFrame:
    """Long table offer x intervention type x element with `chosen` (0/1) and `source` ('type':
    the extract's row for the type; 'default': the offer's blank-type row), resolved per cell as
    `core_elements.intention_per_course` resolves a course of that offer and type.

    As there, 'begge' is a type of its own: a 'begge' row applies to courses registered 'begge',
    not to 'individuel' or 'gruppe' ones, and a course without a type ('') takes the blank row.
    Ask for `types=COURSE_TYPES` to cover every course. A cell with neither row is an error
    naming offer and element (the extract must be complete, as for intention_per_course)."""
    cells = _intention_cells(intention, elements)
    rows, missing = [], []
    for offer in offer_codes:
        for itype in types:
            for el in elements:
                own, default = (offer, itype, el), (offer, "", el)
                if own in cells.index:
                    rows.append((offer, itype, el, int(cells[own]), "type" if itype else "default"))
                elif default in cells.index:
                    rows.append((offer, itype, el, int(cells[default]), "default"))
                else:
                    missing.append((offer, itype or "(blank)", el))
    if missing:
        offer, itype, el = missing[0]
        raise ValueError(f"intention: offer {offer!r} has no choice for element {el!r} (intervention type "
                         f"{itype!r}) and no row with a blank intervention type"
                         f"{f'; {len(missing) - 1} more cells missing' if len(missing) > 1 else ''}")
    return pd.DataFrame(rows, columns=["offer", "intervention_type", "element", "chosen", "source"])


def _word(individual: int, group: int) -> str:
    return {(1, 1): YES, (1, 0): ONLY_INDIVIDUAL, (0, 1): ONLY_GROUP, (0, 0): NO}[(individual, group)]


def element_matrix_wide(matrix: pd.DataFrame, offer_codes: list[str], elements: list[str]) -> pd.DataFrame:
    """Offers (config order) by elements, each cell a Danish word from the individual and group
    cells of `matrix` (element_matrix): Ja (both), Kun individuel, Kun gruppe, Nej."""
    cells = matrix.set_index(["offer", "intervention_type", "element"])["chosen"]
    out = pd.DataFrame(index=pd.Index(offer_codes, name="offer"), columns=elements, dtype=object)
    for offer in offer_codes:
        for el in elements:
            try:
                ind, grp = int(cells[(offer, "individuel", el)]), int(cells[(offer, "gruppe", el)])
            except KeyError:
                raise ValueError(f"element matrix: no individuel and gruppe cells for offer {offer!r}, element "
                                 f"{el!r}") from None
            out.loc[offer, el] = _word(ind, grp)
    out.columns.name = "element"
    return out


def matrix_by_printed_offer(spec: dict, wide: pd.DataFrame) -> pd.DataFrame:
    """Tabel 7-1's rows (printed order) by elements, aggregating each row's codes' words from
    `wide` (element_matrix_wide): the codes' common word where they all agree (Ja, Nej, Kun ...),
    else 'Delvist (k af n)' with k the codes that work with the element in at least one
    intervention type. Rows sharing a code (Københavns Kommune's three) get the same words:
    the extract has one offer code for them."""
    index = pd.Index([e["name"] for e in spec["offers"]], name="name")
    out = pd.DataFrame(index=index, columns=list(wide.columns), dtype=object)
    for entry in spec["offers"]:
        words = wide.loc[entry["codes"]]
        for el in wide.columns:
            col = words[el].tolist()
            if len(set(col)) == 1:
                out.loc[entry["name"], el] = col[0]
            else:
                k = sum(w != NO for w in col)
                out.loc[entry["name"], el] = f"Delvist ({k} af {len(col)})"
    out.columns.name = "element"
    return out


# --- the agreement with Bilag 4 -----------------------------------------------------------------

def course_counts(courses: pd.DataFrame) -> pd.DataFrame:
    """Courses per (offer, intervention_type), a missing type as '' (intention_per_course's
    normalisation): the weights for shares_from_matrix."""
    keys = pd.DataFrame({"offer": courses["offer"].astype(str),
                         "intervention_type": core_elements.course_types(courses)})
    return keys.groupby(["offer", "intervention_type"], sort=True).size().rename("n").reset_index()


def shares_from_matrix(matrix_long: pd.DataFrame, course_counts: pd.DataFrame) -> pd.DataFrame:
    """Per element the share (pct.) of courses whose offer intended it: each (offer, type)
    cell of the matrix weighted by its number of courses (`course_counts`: offer,
    intervention_type, n). For an analysis sample's courses this is `core_elements.descriptive`'s
    `n`, `with_intention` and `share_pct` (bilag4_intention), computed without the courses."""
    counts = course_counts.copy()
    counts["intervention_type"] = counts["intervention_type"].astype(object).fillna("").astype(str)
    counts = counts[counts["n"] > 0]
    merged = counts.merge(matrix_long[["offer", "intervention_type", "element", "chosen"]],
                          on=["offer", "intervention_type"], how="left")
    lacking = merged[merged["element"].isna()]
    if len(lacking):
        first = lacking.iloc[0]
        raise ValueError(f"element matrix has no cells for offer {first['offer']!r}, intervention type "
                         f"{first['intervention_type'] or '(blank)'!r}, which has {int(first['n'])} courses; "
                         f"build it with types=COURSE_TYPES")
    n = int(counts["n"].sum())
    merged["k"] = merged["n"] * merged["chosen"]
    k = merged.groupby("element", sort=False)["k"].sum()
    elements = list(pd.unique(matrix_long["element"]))
    with_intention = [int(k.get(el, 0)) for el in elements]
    return pd.DataFrame({"element": elements, "n": n, "with_intention": with_intention,
                         "share_pct": [100 * w / n if n else np.nan for w in with_intention]})


def agreement(matrix_long: pd.DataFrame, samples: dict[str, pd.DataFrame], bilag4: pd.DataFrame) -> pd.DataFrame:
    """Per analysis sample (outcome key -> its courses' offer and intervention_type) and element:
    the courses with intention from the matrix (shares_from_matrix) beside Bilag 4's table
    (bilag4_intention: outcome, element, n, with_intention, share_pct), and whether they agree
    exactly (same n and same number of courses with intention)."""
    rows = []
    for outcome, courses in samples.items():
        ours = shares_from_matrix(matrix_long, course_counts(courses)).set_index("element")
        theirs = bilag4[bilag4["outcome"] == outcome].set_index("element")
        for el in ours.index:
            if el not in theirs.index:
                raise ValueError(f"Bilag 4's intention table has no row for outcome {outcome!r}, element {el!r}")
            n, k = int(ours.at[el, "n"]), int(ours.at[el, "with_intention"])
            n4, k4 = int(theirs.at[el, "n"]), int(theirs.at[el, "with_intention"])
            rows.append({"outcome": outcome, "element": el, "n": n, "with_intention_matrix": k,
                         "share_pct_matrix": float(ours.at[el, "share_pct"]), "n_bilag4": n4,
                         "with_intention_bilag4": k4, "share_pct_bilag4": float(theirs.at[el, "share_pct"]),
                         "same": n == n4 and k == k4})
    return pd.DataFrame(rows)
