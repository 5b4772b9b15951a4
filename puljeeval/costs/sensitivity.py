"""The sensitivity analyses the report did not do, all over the ranges in config/costs/sensitivity.yaml:

- one-way ranges (`tornado`): each driver at its low and high value, the others at base;
- the full-cost scenario (`full_cost`): the items the report names but did not quantify, valued
  in the input (co-financed management, premises, bookkeeping, transport ...);
- the break-even group size (`break_even`): participants per group course at which a group course
  costs as much per participant as an individual one;
- a probabilistic analysis (`probabilistic`): all drivers drawn at once from their distributions
  over the same ranges (seeded), the interval of the total per participant.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from puljeeval.costs import model
from puljeeval.costs.inputs import CostInput, CostInputError, Driver, Sensitivity


def driver_values(driver: Driver, base: float) -> tuple[float, float]:
    """A driver's low and high value for a scenario whose base value is `base`. An absolute range
    must contain the base value (else the base scenario would lie outside its own range), and a
    share (fill) stays at most 1."""
    low, high = (base * driver.low, base * driver.high) if driver.relative else (driver.low, driver.high)
    if not low <= base <= high:
        raise CostInputError(f"sensitivity: driver '{driver.key}': the range [{low:g}, {high:g}] does not contain "
                             f"the base value {base:g} of '{driver.parameter}' in the cost input")
    if driver.parameter == "fill" and high > 1:
        raise CostInputError(f"sensitivity: driver '{driver.key}': fill reaches {high:g}; a share of the places "
                             f"is at most 1")
    return low, high


def applies(driver: Driver, inp: CostInput, offer: str, course_type: str) -> bool:
    """Whether a driver moves a scenario: its course type, and (group fill) more than one place."""
    if course_type not in driver.applies_to:
        return False
    return not (driver.parameter == "fill" and inp.volumes[offer, course_type]["capacity"] <= 1)


def tornado(inp: CostInput, sens: Sensitivity) -> pd.DataFrame:
    """Per scenario and driver: the driver's base, low and high value, the total per participant
    at each end, and the swing (high-end total minus low-end total, in absolute value); rows in
    the order of the swing within each scenario (largest first), as a tornado is drawn."""
    rows = []
    for offer, ctype in inp.scenarios():
        base_total = float(model.per_participant(inp, offer, ctype)["total"])
        for d in sens.drivers:
            if not applies(d, inp, offer, ctype):
                continue
            base = inp.volumes[offer, ctype][d.parameter]
            low, high = driver_values(d, base)
            at = {end: float(model.per_participant(inp, offer, ctype,
                                                   model.volumes_with(inp, offer, ctype, {d.parameter: v}))["total"])
                  for end, v in (("low", low), ("high", high))}
            rows.append({"offer": offer, "course_type": ctype, "driver": d.key, "base_value": base,
                         "low_value": low, "high_value": high, "base_total": base_total,
                         "total_at_low": at["low"], "total_at_high": at["high"],
                         "swing": abs(at["high"] - at["low"])})
    out = pd.DataFrame(rows)
    out["rank"] = out.groupby(["offer", "course_type"], sort=False)["swing"].rank(ascending=False,
                                                                                  method="first").astype(int)
    # the scenarios in the input's order, each with its largest swing first
    order = {s: i for i, s in enumerate(inp.scenarios())}
    out["_scenario"] = [order[o, t] for o, t in zip(out["offer"], out["course_type"], strict=True)]
    return out.sort_values(["_scenario", "rank"], kind="stable").drop(columns="_scenario").reset_index(drop=True)


def full_cost(inp: CostInput) -> pd.DataFrame:
    """Per scenario: the base total, the full-cost total (unquantified items valued) and the
    items added with their value per participant."""
    rows = []
    for offer, ctype in inp.scenarios():
        base = model.per_participant(inp, offer, ctype)
        full = model.per_participant(inp, offer, ctype, full_cost=True)
        added = [r["item"] for r in model.scenario_rows(inp, offer, ctype, full_cost=True) if not r["quantified"]]
        rows.append({"offer": offer, "course_type": ctype, "base_establishment": float(base["establishment"]),
                     "base_drift": float(base["drift"]), "base_total": float(base["total"]),
                     "full_establishment": float(full["establishment"]), "full_drift": float(full["drift"]),
                     "full_total": float(full["total"]), "difference": float(full["total"] - base["total"]),
                     "added_items": "; ".join(added)})
    return pd.DataFrame(rows)


def break_even(inp: CostInput) -> pd.DataFrame:
    """Per offer with both course types: the totals per participant, the group size in the input
    and the break-even group size."""
    rows = []
    for offer in inp.offers:
        if (offer, "individual") not in inp.volumes or (offer, "group") not in inp.volumes:
            continue
        vol = inp.volumes[offer, "group"]
        rows.append({"offer": offer,
                     "individual_total": float(model.per_participant(inp, offer, "individual")["total"]),
                     "group_total": float(model.per_participant(inp, offer, "group")["total"]),
                     "group_size": vol["capacity"] * vol["fill"], "capacity": vol["capacity"],
                     "break_even_size": model.break_even_group_size(inp, offer)})
    return pd.DataFrame(rows)


def draw(driver: Driver, base: float, rng: np.random.Generator, n: int) -> np.ndarray:
    """n values of a driver over its range: triangular with its mode at the base value, or uniform."""
    low, high = driver_values(driver, base)
    if driver.distribution == "uniform":
        return rng.uniform(low, high, n)
    return rng.triangular(low, base, high, n)


def probabilistic(inp: CostInput, sens: Sensitivity) -> pd.DataFrame:
    """Per scenario: the base total and, over `draws` joint draws of every driver that applies,
    the mean, median and the central `interval` of the total per participant; for offers with
    both course types also the share of draws in which the group course is cheaper. Each offer and
    driver has its own stream, seeded by the configured seed and the two names (so adding a driver
    or an offer changes no other draws), and an offer's two course types draw from the same stream:
    a relative driver (the offer's hourly cost) then takes the same multiplier in both, so the
    comparison is paired. Drivers that apply to one course type only (group fill) make the
    comparison lean that way: the share is read against the ranges, not as a probability."""
    def stream(offer: str, driver: str) -> np.random.Generator:
        # from the seed and the names, not positions: adding a driver or an offer moves no other draws
        return np.random.default_rng([sens.seed, zlib.crc32(offer.encode()), zlib.crc32(driver.encode())])

    tail = (1 - sens.interval) / 2
    totals: dict[tuple[str, str], np.ndarray] = {}
    rows = []
    for offer, ctype in inp.scenarios():
        changes = {}
        for d in sens.drivers:
            if applies(d, inp, offer, ctype):
                changes[d.parameter] = draw(d, inp.volumes[offer, ctype][d.parameter], stream(offer, d.key),
                                            sens.draws)
        total = np.broadcast_to(model.per_participant(
            inp, offer, ctype, model.volumes_with(inp, offer, ctype, changes))["total"], (sens.draws,))
        totals[offer, ctype] = total
        rows.append({"offer": offer, "course_type": ctype,
                     "base_total": float(model.per_participant(inp, offer, ctype)["total"]),
                     "mean": float(total.mean()), "median": float(np.median(total)),
                     "interval_pct": sens.interval * 100, "low": float(np.quantile(total, tail)),
                     "high": float(np.quantile(total, 1 - tail)),
                     "draws": sens.draws, "seed": sens.seed})
    out = pd.DataFrame(rows)
    out["group_cheaper_pct"] = [
        float((totals[o, "group"] < totals[o, "individual"]).mean() * 100)
        if t == "group" and (o, "individual") in totals else np.nan
        for o, t in zip(out["offer"], out["course_type"], strict=True)]
    return out
