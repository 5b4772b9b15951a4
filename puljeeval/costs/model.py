"""Cost per participant by phase, after Socialstyrelsen's principles for cost assessments of social
interventions (budget-economic gross costs of establishing and running the intervention,
resources valued at their price, investments written off linearly over their lifetime with the
residual value at the period's end left out; docs/costs.md says which edition and what could be
verified).

One scenario is one offer's course type (individual or group courses), as the report assesses
them separately. Its participant base is the participants of its courses over the period:

    P = courses x capacity x fill

The whole offer's establishment, training and investment costs (rows for `all` course types)
are spread over each scenario's P, as the report does ("derfor anvendes her de samlede
etableringsomkostninger for hele tilbuddet"). The therapists' time follows from the volumes:

    per course = hourly_cost x (sessions x staff_per_session x (session_hours + preparation_hours)
                                + capacity x fill x (intake_hours + documentation_hours))

and every resource row's amount is quantity x unit_price x its basis (once for the period, per
year, per course, per session of every course, or per participant), an investment's times
min(1, period / lifetime). Cost per participant of a phase is its amount over P. The report's
"drift" is training + operation + investment.

The base scenario counts the quantified rows; the full-cost scenario also the rows the report
names but did not quantify (valued in the input). Volumes may be numpy arrays (one value per
draw): every function broadcasts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from puljeeval.costs.inputs import DRIFT, PHASES, CostInput

# The derived operation item: the therapists' time from the volumes.
STAFF_ITEM = "Behandlernes tid (sessioner, forberedelse, opstartssamtaler og dokumentation)"

Number = float | np.ndarray


def participants(vol: Mapping[str, Number]) -> Number:
    """A scenario's participant base over the period."""
    return vol["courses"] * vol["capacity"] * vol["fill"]


def staff_per_course(vol: Mapping[str, Number]) -> Number:
    """The therapists' time of one course, in kroner."""
    hours = (vol["sessions"] * vol["staff_per_session"] * (vol["session_hours"] + vol["preparation_hours"])
             + vol["capacity"] * vol["fill"] * (vol["intake_hours"] + vol["documentation_hours"]))
    return vol["hourly_cost"] * hours


def basis_factor(basis: str, vol: Mapping[str, Number], period_years: float) -> Number:
    """How many times a row's quantity is counted in a scenario."""
    return {"period": 1.0, "year": period_years, "course": vol["courses"],
            "session": vol["courses"] * vol["sessions"], "participant": participants(vol)}[basis]


def row_amount(row: Mapping[str, Any], vol: Mapping[str, Number], period_years: float) -> Number:
    """A resource row's amount in kroner over the period in one scenario."""
    amount = row["quantity"] * row["unit_price"] * basis_factor(row["basis"], vol, period_years)
    if row["phase"] == "investment":
        amount = amount * min(1.0, period_years / row["lifetime_years"])
    return amount


def scenario_rows(inp: CostInput, offer: str, course_type: str, full_cost: bool = False) -> list[dict[str, Any]]:
    """The resource rows a scenario counts: the offer's rows for its course type and for `all`;
    the quantified ones only, unless `full_cost`."""
    return [r for r in inp.resources if r["offer"] == offer and r["course_type"] in (course_type, "all")
            and (full_cost or r["quantified"])]


def amounts(inp: CostInput, offer: str, course_type: str, vol: Mapping[str, Number] | None = None,
            full_cost: bool = False) -> list[tuple[str, str, Number]]:
    """(phase, item, kroner over the period) of every item a scenario counts, the therapists'
    time first; `vol`: volumes replacing the input's (sensitivity)."""
    vol = inp.volumes[offer, course_type] if vol is None else vol
    out: list[tuple[str, str, Number]] = [("operation", STAFF_ITEM, staff_per_course(vol) * vol["courses"])]
    out += [(r["phase"], r["item"], row_amount(r, vol, inp.period_years))
            for r in scenario_rows(inp, offer, course_type, full_cost)]
    return out


def per_participant(inp: CostInput, offer: str, course_type: str, vol: Mapping[str, Number] | None = None,
                    full_cost: bool = False) -> dict[str, Number]:
    """Kroner per participant by phase, with `drift` (training + operation + investment) and
    `total` (establishment + drift)."""
    vol = inp.volumes[offer, course_type] if vol is None else vol
    base = participants(vol)
    out: dict[str, Number] = dict.fromkeys(PHASES, 0.0)
    for phase, _, amount in amounts(inp, offer, course_type, vol, full_cost):
        out[phase] = out[phase] + amount / base
    out["drift"] = sum(out[p] for p in DRIFT)
    out["total"] = out["establishment"] + out["drift"]
    return out


def volumes_with(inp: CostInput, offer: str, course_type: str, changes: Mapping[str, Number]) -> dict[str, Number]:
    """The scenario's volumes with some replaced (numbers or arrays)."""
    return {**inp.volumes[offer, course_type], **changes}


def break_even_group_size(inp: CostInput, offer: str) -> float | None:
    """The number of participants per group course at which a group course costs as much per
    participant as an individual course (base scenario), all else as in the input; None when the
    offer lacks one of the course types or no group size reaches it.

    With n participants per group course the group scenario's cost per participant is
    F / n + c, where F is everything counted per course or for the period, per course (/ courses),
    and c what is counted per participant (intake, documentation, per-participant rows), so
    n* = F / (individual total - c)."""
    if (offer, "individual") not in inp.volumes or (offer, "group") not in inp.volumes:
        return None
    target = float(per_participant(inp, offer, "individual")["total"])
    # cost per participant at n = 1 and n = 2 give F and c (the cost is exactly F/n + c in n)
    one, two = (float(per_participant(inp, offer, "group", volumes_with(inp, offer, "group",
                                                                        {"capacity": n, "fill": 1.0}))["total"])
                for n in (1.0, 2.0))
    fixed, each = 2 * (one - two), 2 * two - one
    if target <= each:
        return None
    return fixed / (target - each)
