"""Chapter 6's interim tables (results/interim/tables/kapitel_6_*.csv), which the publication
registry (config/tables.yaml, chapter kapitel_6) turns into the page's, the workbook's and the
figures' tables. Amounts are unrounded kroner per participant: the registry rounds them for display.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from puljeeval.costs import model, sensitivity
from puljeeval.costs.inputs import COURSE_TYPES, DRIFT, PHASES, POOL, CostInput, Sensitivity
from puljeeval.publish import display

# The report's mark of an item financed wholly or partly outside the pool.
OUTSIDE_POOL = "**"
# Danish words of the ratio statements' sides.
COURSE_TYPE_DA = {"individual": "individuelle forløb", "group": "gruppeforløb"}
PART_DA = {"establishment": "etablering", "operation": "drift", "total": "i alt"}
# The interim tables by name (the registry's `source`: kapitel_6_<name>).
NAMES = ("totals_individual", "totals_group", "phases", "tornado", "full_cost", "break_even", "probabilistic",
         "ratios", "resources", "volumes", "unquantified")


def unquantified(inp: CostInput, offer: str, course_type: str, part: str) -> list[str]:
    """The items a scenario names but does not quantify in `part` (establishment, or operation =
    the drift phases), marked "**" when financed outside the pool, as the report lists them."""
    phases = ("establishment",) if part == "establishment" else DRIFT
    return [r["item"] + (OUTSIDE_POOL if r["financed_by"] != POOL else "")
            for r in model.scenario_rows(inp, offer, course_type, full_cost=True)
            if not r["quantified"] and r["phase"] in phases]


def totals(inp: CostInput) -> pd.DataFrame:
    """Tabel 6-1 and 6-2: per course type and offer, establishment, drift and the total per
    participant and the items not quantified; an offer without the course type has empty amounts
    (the report's "-")."""
    rows = []
    for ctype in COURSE_TYPES:
        for offer, spec in inp.offers.items():
            assessed = (offer, ctype) in inp.volumes
            pp = model.per_participant(inp, offer, ctype) if assessed else {}
            rows.append({"course_type": ctype, "offer": offer, "offer_label": spec["label"], "assessed": assessed,
                         "establishment": float(pp["establishment"]) if assessed else np.nan,
                         "establishment_unquantified": ", ".join(unquantified(inp, offer, ctype, "establishment"))
                         if assessed else "",
                         "operation": float(pp["drift"]) if assessed else np.nan,
                         "operation_unquantified": ", ".join(unquantified(inp, offer, ctype, "operation"))
                         if assessed else "",
                         "total": float(pp["total"]) if assessed else np.nan})
    return pd.DataFrame(rows)


def phases(inp: CostInput) -> pd.DataFrame:
    """Per scenario and phase (Socialstyrelsen's categories): kroner per participant and the share
    of the total."""
    rows = []
    for offer, ctype in inp.scenarios():
        pp = model.per_participant(inp, offer, ctype)
        for phase in PHASES:
            rows.append({"offer": offer, "offer_label": inp.offers[offer]["label"], "course_type": ctype,
                         "phase": phase, "amount": float(pp[phase]),
                         "share_pct": float(pp[phase] / pp["total"] * 100)})
    return pd.DataFrame(rows)


def _range_text(value: float, base: float, relative: bool) -> str:
    """A driver's end as a reader reads it: the multiplier of a relative range, else the value."""
    text = f"{value / base:.2f}".replace(".", ",") if relative else f"{value:.2f}".replace(".", ",")
    return f"x {text}" if relative else text


def tornado(inp: CostInput, sens: Sensitivity) -> pd.DataFrame:
    out = sensitivity.tornado(inp, sens)
    by_key = {d.key: d for d in sens.drivers}
    out.insert(1, "offer_label", [inp.offers[o]["label"] for o in out["offer"]])
    out.insert(4, "driver_label", [by_key[k].label for k in out["driver"]])
    out["low_text"] = [_range_text(v, b, by_key[k].relative)
                       for v, b, k in zip(out["low_value"], out["base_value"], out["driver"], strict=True)]
    out["high_text"] = [_range_text(v, b, by_key[k].relative)
                        for v, b, k in zip(out["high_value"], out["base_value"], out["driver"], strict=True)]
    return out


def with_labels(frame: pd.DataFrame, inp: CostInput) -> pd.DataFrame:
    out = frame.copy()
    out.insert(1, "offer_label", [inp.offers[o]["label"] for o in out["offer"]])
    return out


def _side(inp: CostInput, side: dict[str, str]) -> str:
    return (f"{inp.offers[side['offer']]['label']}, {COURSE_TYPE_DA[side['course_type']]}, "
            f"{PART_DA[side['part']]}")


def ratios(inp: CostInput, published: dict[str, Any]) -> pd.DataFrame:
    """The text's ratio statements: the ratio of the model's amounts as the tables show them (whole
    kroner, as the report's text compares its printed amounts), the ratio of the report's own
    printed totals, and whether the words hold for the printed ratio (at the 2 decimals shown)."""
    parts = {"establishment": "establishment", "operation": "drift", "total": "total"}
    rows = []
    for key, spec in published["ratios"].items():
        words = published["words"][spec["words"]]
        num, den = spec["numerator"], spec["denominator"]
        value = {side: float(display.rounded(float(model.per_participant(inp, s["offer"], s["course_type"])
                                                         [parts[s["part"]]]), 0))
                 for side, s in (("num", num), ("den", den))}
        printed = {side: published["totals"][s["course_type"]][s["offer"]][s["part"]]
                   for side, s in (("num", num), ("den", den))}
        printed_ratio = printed["num"] / printed["den"]
        rows.append({"key": key, "statement": spec["text"], "lines": str(spec["lines"]),
                     "numerator": _side(inp, num), "denominator": _side(inp, den),
                     "ratio": value["num"] / value["den"], "printed_ratio": printed_ratio,
                     "words": words["text"], "words_low": float(words["low"]), "words_high": float(words["high"]),
                     "words_hold": bool(words["low"] <= float(display.rounded(printed_ratio, 2)) <= words["high"])})
    return pd.DataFrame(rows)


def resources(inp: CostInput) -> pd.DataFrame:
    """The cost input's rows as a reader checks them: each with its amount per participant in
    its scenario(s) (a whole-offer row in each course type's), financing and reason."""
    rows = []
    for r in inp.resources:
        types = [t for t in COURSE_TYPES if (r["offer"], t) in inp.volumes and r["course_type"] in (t, "all")]
        per = {t: float(model.row_amount(r, inp.volumes[r["offer"], t], inp.period_years)
                        / model.participants(inp.volumes[r["offer"], t])) for t in types}
        rows.append({"row": r["row"], "offer": r["offer"], "offer_label": inp.offers[r["offer"]]["label"],
                     "course_type": r["course_type"], "phase": r["phase"], "item": r["item"], "basis": r["basis"],
                     "quantity": r["quantity"], "unit": r["unit"], "unit_price": r["unit_price"],
                     "lifetime_years": r.get("lifetime_years", np.nan),
                     "financed_by": inp.financing[r["financed_by"]], "quantified": r["quantified"],
                     "balancing": r["balancing"],
                     "individual_per_participant": per.get("individual", np.nan),
                     "group_per_participant": per.get("group", np.nan), "reason": r["reason"]})
    # the therapists' time, derived from the volumes
    for offer, ctype in inp.scenarios():
        vol = inp.volumes[offer, ctype]
        per_course = float(model.staff_per_course(vol))
        per = {t: np.nan for t in COURSE_TYPES} | {ctype: per_course / (vol["capacity"] * vol["fill"])}
        rows.append({"row": -1, "offer": offer, "offer_label": inp.offers[offer]["label"], "course_type": ctype,
                     "phase": "operation", "item": model.STAFF_ITEM, "basis": "course", "quantity": vol["courses"],
                     "unit": "forløb", "unit_price": per_course, "lifetime_years": np.nan,
                     "financed_by": inp.financing[POOL], "quantified": True, "balancing": False,
                     "individual_per_participant": per["individual"], "group_per_participant": per["group"],
                     "reason": "Beregnet af volumen (sessioner, længde, behandlere, forberedelse, opstart, "
                               "dokumentation, timeløn)."})
    return pd.DataFrame(rows)


def volumes(inp: CostInput) -> pd.DataFrame:
    rows = []
    for offer, ctype in inp.scenarios():
        vol = inp.volumes[offer, ctype]
        rows.append({"offer": offer, "offer_label": inp.offers[offer]["label"], "course_type": ctype, **vol,
                     "participants": float(model.participants(vol))})
    return pd.DataFrame(rows)


def unquantified_check(inp: CostInput, published: dict[str, Any]) -> pd.DataFrame:
    """The items each printed table names as not quantified beside the input's (case and the
    report's hyphenation aside): whether they are the same list."""
    def norm(items: list[str]) -> list[str]:
        return sorted(" ".join(i.split()).casefold() for i in items)

    rows = []
    for ctype, offers in published["unquantified"].items():
        for offer, parts in offers.items():
            for part, printed in parts.items():
                ours = unquantified(inp, offer, ctype, part)
                rows.append({"course_type": ctype, "offer": offer, "offer_label": inp.offers[offer]["label"],
                             "part": part, "printed": ", ".join(printed), "input": ", ".join(ours),
                             "same": norm(printed) == norm(ours)})
    return pd.DataFrame(rows)


def all_tables(inp: CostInput, sens: Sensitivity, published: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """Every interim table of chapter 6 by name (NAMES)."""
    both = totals(inp)
    return {**{f"totals_{t}": both[both["course_type"] == t].reset_index(drop=True) for t in COURSE_TYPES},
            "phases": phases(inp), "tornado": tornado(inp, sens),
            "full_cost": with_labels(sensitivity.full_cost(inp), inp),
            "break_even": with_labels(sensitivity.break_even(inp), inp),
            "probabilistic": with_labels(sensitivity.probabilistic(inp, sens), inp),
            "ratios": ratios(inp, published), "resources": resources(inp), "volumes": volumes(inp),
            "unquantified": unquantified_check(inp, published)}
