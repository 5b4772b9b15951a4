"""The twin's core elements: which offers intend which elements, who has fidelity
registrations, their ratings, and the planted effects of Bilag 4.

Calibration (published numbers from config/published.yaml, `bilag_4`):
- analysis-sample sizes and intention shares: the children with fidelity registrations are
  chosen by a small integer programme over cells (offer x which outcomes' criteria the child
  meets otherwise), so that each outcome's sample has exactly the published N and the share of
  children whose offer intends each element is as close as integers allow to the published
  share, with selection otherwise proportional across cells;
- effects: within each age group of an outcome's sample the existing questionnaire pairs are
  re-assigned to children by the rank of a latent score sum_e beta_e x_e + noise (x the
  child's intensity, aggregated by the twin's own `intensity`, never the pipeline's). The
  planting uses no estimator at all, so a wrong analysis cannot adapt to it. Chapter 4's
  numbers are untouched (same pairs per age group) while the regression of the standardised
  change on the intensities has the planted coefficients, up to the slight attenuation of a
  rank transform.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.stats import norm

from puljeeval.twin.inputs import TwinInputs

SHAPE = {
    "intention_default": 0.75,        # elements whose share the report does not print
    "fidelity_share_other": 0.7,      # courses outside the analysis samples with registrations
    "registrations_mean": 3,
    # child-level mean rating per element (Figur 10-1: most intensive egen_situation,
    # tillid_tryghed, ressourcer; flattest leg_oevelser and faellesskab) and spreads
    "rating_mean": {"egen_situation": 3.0, "tillid_tryghed": 2.9, "ressourcer": 2.7, "barnet_i_centrum": 2.6,
                    "netvaerk": 2.2, "leg_oevelser": 1.8, "faellesskab": 1.8},
    "rating_child_sd": 0.9,
    "rating_registration_sd": 0.5,
    "share_weight": 1000.0,           # integer programme: share deviation vs proportionality
    "intention_fit": 0.005,           # intention design: share of available children off target
}


def published_targets(inp: TwinInputs, scale: int) -> dict[str, dict]:
    """Per configured outcome: the published sample size (times scale) and intention shares."""
    pub = inp.published.get("bilag_4", {}).get("samples", {})
    out = {}
    for o in inp.twin["core_elements"]["outcomes"]:
        if o["key"] in pub:
            out[o["key"]] = {"n": pub[o["key"]]["n"] * scale, "shares": pub[o["key"]].get("intention_shares", {})}
    return out


UNIT = ["offer", "intervention_type"]   # what an intention row applies to


def intention_matrix(inp: TwinInputs, available: pd.DataFrame, targets: dict[str, dict],
                     rng: np.random.Generator) -> pd.DataFrame:
    """Each offer's and intervention type's choice per element (a blank type covers courses
    without a type). For an element with published shares, a small integer programme picks the
    units without it so that their share of each outcome's available children is as close as
    possible to 100 - the published share; `choose_fidelity` then tunes the samples'
    composition. Other elements are drawn with `SHAPE['intention_default']`.

    `available`: children meeting an outcome's criteria apart from fidelity, indexed by
    (offer, intervention_type), one column per outcome key."""
    types = ["individuel", "gruppe", "begge", ""]
    units = pd.MultiIndex.from_product([inp.offer_codes, types], names=UNIT)
    avail = available.reindex(index=units, columns=list(targets), fill_value=0).to_numpy(dtype=float)
    frac = avail / np.where(avail.sum(axis=0) > 0, avail.sum(axis=0), 1.0)
    nu = len(units)
    rows = []
    for el in inp.element_codes:
        cols = [j for j, k in enumerate(targets) if el in targets[k]["shares"]]
        if not cols:
            chosen = rng.random(nu) < SHAPE["intention_default"]
        else:
            want = np.array([1 - targets[k]["shares"][el] / 100 for k in targets if el in targets[k]["shares"]])
            nk = len(cols)
            # variables: b (units, 1 = chosen), d+ and d- per outcome; frac'(1 - b) - want = d+ - d-
            a = np.zeros((nk, nu + 2 * nk))
            a[:, :nu] = -frac[:, cols].T
            for r in range(nk):
                a[r, nu + 2 * r: nu + 2 * r + 2] = [-1.0, 1.0]
            rhs = want - frac[:, cols].sum(axis=0)
            integrality = np.concatenate([np.ones(nu), np.zeros(2 * nk)])
            # first any design within `intention_fit` of every share (a feasibility problem,
            # solved fast); only if there is none, the closest design
            res = milp(np.zeros(nu + 2 * nk), constraints=LinearConstraint(a, rhs, rhs), integrality=integrality,
                       bounds=Bounds(0, np.concatenate([np.ones(nu), np.full(2 * nk, SHAPE["intention_fit"])])))
            if res.x is None:
                res = milp(np.concatenate([np.zeros(nu), np.ones(2 * nk)]), constraints=LinearConstraint(a, rhs, rhs),
                           bounds=Bounds(0, np.concatenate([np.ones(nu), np.full(2 * nk, np.inf)])),
                           integrality=integrality)
            chosen = np.round(res.x[:nu]).astype(bool)
            empty = avail[:, cols].sum(axis=1) == 0          # no child: choice does not matter
            chosen[empty] = rng.random(int(empty.sum())) < SHAPE["intention_default"]
        rows += [{"offer": o, "intervention_type": t, "element": el, "chosen": int(c)}
                 for (o, t), c in zip(units, chosen, strict=True)]
    out = pd.DataFrame(rows)
    # every unit works with at least one element, or its children could have no registrations
    none = out.groupby(UNIT)["chosen"].transform("sum") == 0
    out.loc[none & (out["element"] == inp.element_codes[0]), "chosen"] = 1
    return out


def choose_fidelity(eligible: pd.DataFrame, intention: pd.DataFrame, targets: dict[str, dict],
                    rng: np.random.Generator) -> pd.Index:
    """Children of the analysis samples (index of `eligible`) that get fidelity registrations.

    `eligible` has `offer` and one boolean column per outcome key: the child meets that
    outcome's criteria apart from fidelity. A small integer programme picks how many children
    of each cell (offer x which outcomes the child could enter) get registrations: each sample
    exactly the published N, each published intention share as close as possible (deviations
    weighted in percentage points), selection otherwise proportional; then the children within
    each cell are drawn."""
    keys = [k for k in targets if k in eligible.columns]
    cells = eligible.groupby([*UNIT, *keys], sort=True).size().rename("size").reset_index()
    cells = cells[cells[keys].any(axis=1)].reset_index(drop=True)
    chosen = intention.pivot(index=UNIT, columns="element", values="chosen").astype(float)
    unit_of = pd.MultiIndex.from_frame(cells[UNIT])
    nc = len(cells)
    size = cells["size"].to_numpy(dtype=float)
    dev = [(k, e) for k in keys for e in targets[k]["shares"]]
    nv = nc + 2 * len(dev) + 2 * nc
    rows, lo, hi, cost = [], [], [], np.zeros(nv)
    for k in keys:
        row = np.zeros(nv)
        row[:nc] = cells[k].to_numpy(dtype=float)
        rows.append(row)
        lo.append(targets[k]["n"])
        hi.append(targets[k]["n"])
    for d, (k, e) in enumerate(dev):
        row = np.zeros(nv)
        row[:nc] = cells[k].to_numpy(dtype=float) * chosen[e].reindex(unit_of).to_numpy(dtype=float)
        row[nc + 2 * d: nc + 2 * d + 2] = [-1.0, 1.0]
        rows.append(row)
        value = targets[k]["shares"][e] / 100 * targets[k]["n"]
        lo.append(value)
        hi.append(value)
        cost[nc + 2 * d: nc + 2 * d + 2] = SHAPE["share_weight"] * 100 / targets[k]["n"]
    avail = {k: float(size[cells[k].to_numpy()].sum()) for k in keys}
    ratio = np.array([min(1.0, max(targets[k]["n"] / avail[k] for k in keys if r[k])) for _, r in cells.iterrows()])
    base = nc + 2 * len(dev)
    for c in range(nc):
        row = np.zeros(nv)
        row[c] = 1.0
        row[base + 2 * c: base + 2 * c + 2] = [-1.0, 1.0]
        rows.append(row)
        lo.append(ratio[c] * size[c])
        hi.append(ratio[c] * size[c])
    cost[base:] = 1.0
    upper = np.concatenate([size, np.full(nv - nc, np.inf)])
    integrality = np.concatenate([np.ones(nc), np.zeros(nv - nc)])
    res = milp(cost, constraints=LinearConstraint(np.array(rows), lo, hi), bounds=Bounds(0, upper),
               integrality=integrality)
    if not res.success:
        short = {k: (targets[k]["n"], avail[k]) for k in keys}
        raise ValueError(f"twin: cannot reach the published analysis-sample sizes (target, available): {short}")
    counts = np.round(res.x[:nc]).astype(int)
    picked = [np.empty(0, dtype=eligible.index.dtype)]
    groups = eligible.groupby([*UNIT, *keys], sort=True).groups
    for (_, cell), count in zip(cells.iterrows(), counts, strict=True):
        idx = np.asarray(groups[tuple(cell[[*UNIT, *keys]])])
        picked.append(rng.choice(idx, size=count, replace=False))
    return pd.Index(np.sort(np.concatenate(picked)))


def registration_dates(courses: pd.DataFrame, rng: np.random.Generator,
                       extraction: np.datetime64) -> pd.DataFrame:
    """A few fidelity registration dates per course, within the course (ongoing courses: up
    to the day before extraction)."""
    n_reg = rng.poisson(SHAPE["registrations_mean"] - 1, size=len(courses)) + 1
    regs = courses.loc[courses.index.repeat(n_reg), ["course_id", "start_date", "end_date"]]
    end = regs["end_date"].fillna(pd.Timestamp(extraction - np.timedelta64(1, "D")))
    span = ((end - regs["start_date"]).dt.days).clip(lower=1).to_numpy()
    offset = np.floor(rng.random(len(regs)) * span).astype("int64").astype("timedelta64[D]")
    regs = regs.assign(date=regs["start_date"].to_numpy() + offset)
    return regs.drop_duplicates(["course_id", "date"])[["course_id", "date"]]


def intensity(fidelity: pd.DataFrame, elements: list[str], aggregation: str, unrated: float) -> pd.DataFrame:
    """The twin's intensity per child and element, indexed by course_id (one column per element):
    the element's ratings over the child's registrations aggregated as the report describes
    (mean, max or last), `unrated` for an element never rated. The twin's own rule, so that the
    effects it plants do not lean on the pipeline's aggregation."""
    ordered = fidelity.sort_values(["course_id", "element", "date"], kind="stable")
    grouped = ordered.groupby(["course_id", "element"], sort=True)["rating"]
    if aggregation not in ("mean", "max", "last"):
        raise ValueError(f"twin.core_elements.aggregation: '{aggregation}' is not mean, max or last")
    agg = getattr(grouped, aggregation)()
    wide = agg.unstack("element").reindex(columns=elements).astype("float64").fillna(float(unrated))
    wide.columns.name = None
    return wide


def replant(frame: pd.DataFrame, intention: pd.DataFrame, effects: dict[str, float], inp: TwinInputs,
            rng: np.random.Generator, missing_level: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    """A fresh draw of the twin's core-element stage on an existing model frame: new fidelity
    ratings and the outcome `change` re-assigned with the planted `effects` (element ->
    coefficient). Rows, controls and intentions stay as they are. Used by the coverage test:
    many seeds without regenerating the whole twin. `missing_level`: how the frame marks an
    unanswered intervention type (blank in the twin's data). Returns the frame with the new
    `change` and the new fidelity rows (for the caller to aggregate as the analysis does)."""
    itype = frame["intervention_type"].astype(object).fillna("").astype(str)
    courses = pd.DataFrame({"course_id": frame["course_id"].to_numpy(dtype=object),
                            "offer": frame["offer"].to_numpy(dtype=object),
                            "intervention_type": itype.where(itype != missing_level, "").to_numpy(),
                            "start_date": pd.to_datetime(frame["start_date"]).to_numpy(),
                            "end_date": pd.to_datetime(frame["end_date"]).to_numpy()})
    units = intention.astype({"offer": object, "element": object}).assign(
        intervention_type=intention["intervention_type"].astype(object).fillna("").astype(object))
    cfg = inp.twin["core_elements"]
    extraction = np.datetime64(inp.twin["extraction_date"])
    fidelity = ratings(courses, units, registration_dates(courses, rng, extraction), inp, rng)
    x = intensity(fidelity, inp.element_codes, cfg["aggregation"], cfg["unrated"])
    source = plant_order(frame[["course_id", "age_group", "change"]], x, effects, "age_group", rng)
    out = frame.copy()
    change = frame.set_index("course_id")["change"]
    out["change"] = change.reindex(source.reindex(frame["course_id"]).to_numpy()).to_numpy()
    return out, fidelity


def ratings(courses: pd.DataFrame, intention: pd.DataFrame, dates: pd.DataFrame, inp: TwinInputs,
            rng: np.random.Generator) -> pd.DataFrame:
    """Fidelity rows: every registration of a course rates each element its offer chose; a
    child-level intensity plus registration noise, in half points within the rating range."""
    lo, hi = inp.core_elements["rating_range"]
    chosen = intention.loc[intention["chosen"].astype(int) == 1, [*UNIT, "element"]]
    child = courses[["course_id", *UNIT]].merge(chosen, on=UNIT, how="inner", sort=False)
    mean = child["element"].map(SHAPE["rating_mean"]).fillna(np.mean(list(SHAPE["rating_mean"].values())))
    child["level"] = mean.to_numpy() + rng.normal(0, SHAPE["rating_child_sd"], len(child))
    rated = dates.merge(child[["course_id", "element", "level"]], on="course_id", how="inner", sort=False)
    raw = rated["level"].to_numpy() + rng.normal(0, SHAPE["rating_registration_sd"], len(rated))
    rating = np.clip(np.round(raw * 2) / 2, lo, hi)
    return pd.DataFrame({"course_id": rated["course_id"].to_numpy(), "date": rated["date"].to_numpy(),
                         "element": rated["element"].to_numpy(), "rating": rating})


def plant_order(sample: pd.DataFrame, x: pd.DataFrame, effects: dict[str, float], group: str,
                rng: np.random.Generator) -> pd.Series:
    """Which child's outcome each child gets: within each `group`, outcomes sorted by `change`
    go to children sorted by a latent score with the planted coefficients (standardised units
    of the whole sample). Returns source course_id indexed by destination course_id."""
    sd = sample["change"].std(ddof=1)
    out = []
    for _, part in sample.groupby(group, sort=True, observed=True):
        sd_g = part["change"].std(ddof=1)
        if len(part) < 2 or not sd_g > 0:
            out.append(pd.Series(part["course_id"].to_numpy(), index=part["course_id"].to_numpy()))
            continue
        xs = x.reindex(part["course_id"])
        if xs.isna().any().any():
            raise ValueError("twin: sample children without fidelity registrations cannot get planted effects")
        # rank re-assignment gives y ~ Q(Phi(latent)), whose slope on the latent is sd_g times
        # the correlation of y with its normal scores; divide it out so the slope is beta
        n = len(part)
        rho = np.corrcoef(np.sort(part["change"].to_numpy(dtype="float64")),
                          norm.ppf((np.arange(1, n + 1) - 0.5) / n))[0, 1]
        signal = np.zeros(n)
        for column, beta in effects.items():
            signal += beta * sd / (sd_g * rho) * xs[column].to_numpy(dtype="float64")
        noise_var = max(1.0 - signal.var(ddof=1), 0.05)
        latent = signal + rng.normal(0, np.sqrt(noise_var), len(part))
        by_outcome = part.sort_values("change", kind="stable")["course_id"].to_numpy()
        by_latent = part["course_id"].to_numpy()[np.argsort(latent, kind="stable")]
        out.append(pd.Series(by_outcome, index=by_latent))
    return pd.concat(out)


def move_questionnaires(q: pd.DataFrame, instrument: str, source_of: pd.Series) -> pd.DataFrame:
    """Give each destination course its source course's answers to `instrument`, keeping the
    destination's own answer dates."""
    inst = (q["instrument"] == instrument) & q["course_id"].isin(source_of.index)
    block = q[inst]
    dates = block.groupby(["course_id", "timepoint"])["answered_date"].first()
    dest_of = pd.Series(source_of.index, index=source_of.to_numpy())
    moved = block.copy()
    moved["course_id"] = block["course_id"].map(dest_of).to_numpy()
    key = pd.MultiIndex.from_arrays([moved["course_id"], moved["timepoint"]])
    moved["answered_date"] = dates.reindex(key).to_numpy()
    return pd.concat([q[~inst], moved], ignore_index=True)
