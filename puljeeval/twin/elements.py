"""The twin's core elements: which offers intend which elements, who has fidelity
registrations, their ratings, and the outcomes Bilag 4's models are run on.

Calibration (published numbers from config/published.yaml, `bilag_4`):
- analysis-sample sizes, intention shares and Figur 10-16's subgroup sizes: the children with
  fidelity registrations are chosen by a small integer programme over cells (offer x
  intervention type x which outcomes' criteria the child meets otherwise x the subgroup
  variables whose sizes are published), so that each outcome's sample has exactly the published
  N and subgroup sizes, the share of children whose offer intends each element is as close as
  integers allow to the published share, the elements whose share the report does not print lie
  between the named most and fewest, and selection is otherwise proportional across cells;
- ratings: a child-level intensity per intended element around an element and age-group mean
  (`SHAPE['rating_mean']`, ordered as the report's "most/least intensive" per sample) plus
  registration noise;
- outcomes: within each age group of an outcome's sample the existing questionnaire pairs are
  re-assigned to children by the rank of a latent score (`plant_order`): the planted effects of
  the intention and intensity models (`planted_effects`, from the statements' printed effect
  sizes) on the child's intentions and intensities (aggregated by the twin's own `intensity`,
  never the pipeline's), plus noise. Chapter 4's numbers are untouched (same pairs per age
  group). `calibrate.search` then makes the draw tell every statement of Bilag 4 (see there).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.stats import norm

from puljeeval.twin.calibrate import sweep
from puljeeval.twin.inputs import TwinInputs

SHAPE = {
    "intention_default": 0.75,        # elements whose share the report does not print, no sample
    "fidelity_share_other": 0.7,      # courses outside the analysis samples with registrations
    "registrations_mean": 3,
    # child-level mean rating per element and age group, ordered as the report's "worked with
    # most / least intensively" per sample (Figur 10-1/5/9/13: 3-10 most egen_situation,
    # tillid_tryghed, barnet_i_centrum; 11-16 and 17-24 ressourcer among the most; the least
    # leg_oevelser, faellesskab and, outside 3-24, netvaerk); `other`: courses outside the samples
    "rating_mean": {
        "3-10": {"egen_situation": 2.8, "tillid_tryghed": 2.7, "barnet_i_centrum": 2.9, "ressourcer": 2.3,
                 "netvaerk": 2.0, "leg_oevelser": 2.0, "faellesskab": 1.9},
        "11-16": {"egen_situation": 3.0, "tillid_tryghed": 2.9, "ressourcer": 3.0, "barnet_i_centrum": 2.4,
                  "netvaerk": 1.8, "leg_oevelser": 1.6, "faellesskab": 1.8},
        "17-24": {"egen_situation": 3.0, "ressourcer": 3.3, "tillid_tryghed": 2.9, "barnet_i_centrum": 2.5,
                  "netvaerk": 1.8, "leg_oevelser": 1.7, "faellesskab": 2.2},
        "other": {"egen_situation": 3.0, "tillid_tryghed": 2.9, "ressourcer": 2.7, "barnet_i_centrum": 2.6,
                  "netvaerk": 2.2, "leg_oevelser": 1.8, "faellesskab": 1.8},
    },
    # spread of the child-level intensity: the least used elements have the report's "flat
    # distributions"; faellesskab's (intensities spread over the whole range, many at the ends)
    # is what a significant effect "under 0,04" in CORE-OM needs: a standard error below 0,02
    "rating_child_sd": {"leg_oevelser": 1.3, "faellesskab": 2.0, "netvaerk": 1.2, "egen_situation": 1.1},
    "rating_child_sd_default": 0.9,
    "rating_registration_sd": 0.5,
    "share_weight": 1000.0,           # integer programme: share deviation vs proportionality
    "intention_fit": 0.005,           # intention design: share of available children off target
    "band_margin": 2.0,               # percentage points inside the band of an unprinted share
    "fidelity_nodes": 300,            # integer programme: branch-and-bound nodes before the best design found stands
    "bound_planted": 0.8,             # a printed bound ("under 0,13") is planted at this fraction
}


def published_targets(inp: TwinInputs, scale: int) -> dict[str, dict]:
    """Per configured outcome: the published sample size (times scale), intention shares, the
    band (lo, hi) in which each element the report does not print must lie (strictly between
    the shares of the elements named as intended for the fewest and the most), and the published
    subgroup sizes (variable -> level -> n, times scale)."""
    b4 = inp.published.get("bilag_4", {})
    pub, said = b4.get("samples", {}), b4.get("statements", {})
    out = {}
    for o in inp.twin["core_elements"]["outcomes"]:
        key = o["key"]
        if key not in pub:
            continue
        shares = pub[key].get("intention_shares", {})
        named = said.get("most_fewest", {}).get(key, {})
        most, fewest = named.get("intention_most", []), named.get("intention_fewest", [])
        bands = {}
        if most and fewest and all(e in shares for e in most + fewest):
            lo, hi = max(shares[e] for e in fewest), min(shares[e] for e in most)
            bands = {e: (lo, hi) for e in inp.element_codes if e not in shares}
        sizes = {var: {str(lev): n * scale for lev, n in levels.items()}
                 for var, levels in said.get("subgroup_n", {}).get(key, {}).items()}
        out[key] = {"n": pub[key]["n"] * scale, "shares": shares, "bands": bands, "subgroup_n": sizes}
    return out


def favoured(inp: TwinInputs, courses: pd.DataFrame, background: pd.DataFrame, instrument: str,
             scale: int) -> np.ndarray:
    """Courses (bool per row of `courses`) that answer `instrument` at start and end whenever
    they are completed: those whose background has a level of a variable with published
    subgroup sizes (Figur 10-16) that the published sample holds at a higher rate than the
    sample as a whole (the unanswered level counts what the named levels leave). Without them a
    rare level (17-24-year-olds from families with drug problems) has too few pairs to pick from."""
    out = np.zeros(len(courses), dtype=bool)
    bg = background.reindex(courses["course_id"].to_numpy())
    has_bg = courses["course_id"].isin(background.index).to_numpy()
    for o, target in published_targets(inp, scale).items():
        spec = next(c for c in inp.twin["core_elements"]["outcomes"] if c["key"] == o)
        if spec["instrument"] != instrument:
            continue
        ages = courses["age_group"].isin(spec["age_groups"]).to_numpy() & has_bg
        overall = target["n"] / max(int(ages.sum()), 1)
        for var, levels in target["subgroup_n"].items():
            if var not in bg.columns:
                continue
            value = bg[var].fillna("").astype(str).to_numpy()
            wanted = {**levels, "": target["n"] - sum(levels.values())}
            for level, n in wanted.items():
                here = ages & (value == level)
                if n > overall * here.sum():
                    out |= here
    return out


UNIT = ["offer", "intervention_type"]   # what an intention row applies to


def intention_matrix(inp: TwinInputs, available: pd.DataFrame, targets: dict[str, dict],
                     rng: np.random.Generator) -> pd.DataFrame:
    """Each offer's and intervention type's choice per element (a blank type covers courses
    without a type). For an element with published shares (or bands), a small integer programme
    picks the units without it so that their share of each outcome's available children is as
    close as possible to 100 - the published share (within the inner half of a band);
    `choose_fidelity` then tunes the samples' composition. Elements with neither are drawn with
    `SHAPE['intention_default']`.

    `available`: children meeting an outcome's criteria apart from fidelity, indexed by
    (offer, intervention_type), one column per outcome key."""
    types = ["individuel", "gruppe", "begge", ""]
    units = pd.MultiIndex.from_product([inp.offer_codes, types], names=UNIT)
    avail = available.reindex(index=units, columns=list(targets), fill_value=0).to_numpy(dtype=float)
    frac = avail / np.where(avail.sum(axis=0) > 0, avail.sum(axis=0), 1.0)
    nu = len(units)
    rows = []
    for el in inp.element_codes:
        cols, want, tol = [], [], []
        for j, k in enumerate(targets):
            if el in targets[k]["shares"]:
                cols.append(j)
                want.append(1 - targets[k]["shares"][el] / 100)
                tol.append(SHAPE["intention_fit"])
            elif el in targets[k]["bands"]:
                lo, hi = targets[k]["bands"][el]
                cols.append(j)
                want.append(1 - (lo + hi) / 200)
                tol.append(max((hi - lo) / 400, SHAPE["intention_fit"]))
        if not cols:
            chosen = rng.random(nu) < SHAPE["intention_default"]
        else:
            nk = len(cols)
            # variables: b (units, 1 = chosen), d+ and d- per outcome; frac'(1 - b) - want = d+ - d-
            a = np.zeros((nk, nu + 2 * nk))
            a[:, :nu] = -frac[:, cols].T
            for r in range(nk):
                a[r, nu + 2 * r: nu + 2 * r + 2] = [-1.0, 1.0]
            rhs = np.array(want) - frac[:, cols].sum(axis=0)
            integrality = np.concatenate([np.ones(nu), np.zeros(2 * nk)])
            # first any design within tolerance of every share (a feasibility problem, solved
            # fast; an element with bands only gets a random design among them, or elements with
            # the same bands would get the same units); only if there is none, the closest design
            banded = all(el not in targets[k]["shares"] for k in targets)
            cost = np.concatenate([rng.random(nu) if banded else np.zeros(nu), np.zeros(2 * nk)])
            res = milp(cost, constraints=LinearConstraint(a, rhs, rhs), integrality=integrality,
                       bounds=Bounds(0, np.concatenate([np.ones(nu), np.repeat(tol, 2)])))
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

    `eligible` has the intention unit (`offer`, `intervention_type`), one boolean column per
    outcome key (the child meets that outcome's criteria apart from fidelity) and a column per
    subgroup variable with published sizes. A small integer programme picks how many children of
    each cell (unit x which outcomes the child could enter x the child's levels of those
    variables) get registrations: each sample exactly the published N and subgroup sizes, each
    published intention share as close as possible (deviations weighted in percentage points),
    each unprinted share inside its band, selection otherwise proportional; then the children
    within each cell are drawn."""
    keys = [k for k in targets if k in eligible.columns]
    split = sorted({v for k in keys for v in targets[k]["subgroup_n"] if v not in UNIT})
    unknown = [v for v in split if v not in eligible.columns]
    if unknown:
        raise ValueError(f"published.yaml bilag_4.statements.subgroup_n: {unknown} are not variables of "
                         f"twin.core_elements.subgroups in the background extract")
    frame = eligible[[*UNIT, *keys]].copy()
    for v in split:      # the level matters only where the child can enter a sample with sizes on it
        relevant = frame[[k for k in keys if v in targets[k]["subgroup_n"]]].any(axis=1)
        frame[v] = eligible[v].astype(str).where(relevant, "*")
    by = [*UNIT, *keys, *split]
    cells = frame.groupby(by, sort=True).size().rename("size").reset_index()
    cells = cells[cells[keys].any(axis=1)].reset_index(drop=True)
    chosen = intention.pivot(index=UNIT, columns="element", values="chosen").astype(float)
    unit_of = pd.MultiIndex.from_frame(cells[UNIT])
    nc = len(cells)
    size = cells["size"].to_numpy(dtype=float)
    dev = [(k, e) for k in keys for e in targets[k]["shares"]]
    base = nc + 2 * len(dev)                  # variables: counts, share deviations, proportionality
    nv = base + 2 * nc
    blocks, lo, hi, cost = [], [], [], np.zeros(nv)

    def add(counts: np.ndarray, low: float, high: float, extra: dict[int, float] | None = None) -> None:
        """One constraint row: counts . cells (+ extra variables) within [low, high]."""
        row = np.zeros(nv)
        row[:nc] = counts
        for col, value in (extra or {}).items():
            row[col] = value
        blocks.append(sparse.csr_array(row))
        lo.append(low)
        hi.append(high)

    for k in keys:
        member = cells[k].to_numpy(dtype=float)
        add(member, targets[k]["n"], targets[k]["n"])
        for v, levels in targets[k]["subgroup_n"].items():
            for level, n in levels.items():
                add(member * (cells[v].astype(str) == level).to_numpy(dtype=float), n, n)
        for e, (b_lo, b_hi) in targets[k]["bands"].items():
            margin = SHAPE["band_margin"]
            add(member * chosen[e].reindex(unit_of).to_numpy(dtype=float),
                (b_lo + margin) / 100 * targets[k]["n"], (b_hi - margin) / 100 * targets[k]["n"])
    for d, (k, e) in enumerate(dev):
        value = targets[k]["shares"][e] / 100 * targets[k]["n"]
        add(cells[k].to_numpy(dtype=float) * chosen[e].reindex(unit_of).to_numpy(dtype=float), value, value,
            {nc + 2 * d: -1.0, nc + 2 * d + 1: 1.0})
        cost[nc + 2 * d: nc + 2 * d + 2] = SHAPE["share_weight"] * 100 / targets[k]["n"]
    # selection otherwise proportional: count - d+ + d- = the cell's share of its samples
    member = cells[keys].to_numpy(dtype=bool)
    avail = member.T.astype(float) @ size
    need = np.array([targets[k]["n"] for k in keys], dtype=float) / np.where(avail > 0, avail, 1.0)
    ratio = np.minimum(1.0, np.where(member, need[None, :], 0.0).max(axis=1))
    eye = sparse.identity(nc, format="csr")
    blocks.append(sparse.hstack([eye, sparse.csr_array((nc, 2 * len(dev))), -eye, eye], format="csr"))
    lo += list(ratio * size)
    hi += list(ratio * size)
    cost[base:] = 1.0
    upper = np.concatenate([size, np.full(nv - nc, np.inf)])
    integrality = np.concatenate([np.ones(nc), np.zeros(nv - nc)])
    # a node limit, not a time limit, bounds the solver (branch and bound can take minutes to prove
    # a near-optimal design optimal): the best design found within it, the same on any machine
    res = milp(cost, constraints=LinearConstraint(sparse.vstack(blocks, format="csr"), lo, hi),
               bounds=Bounds(0, upper), integrality=integrality, options={"node_limit": SHAPE["fidelity_nodes"]})
    if res.x is None:
        short = {k: (targets[k]["n"], float(a)) for k, a in zip(keys, avail, strict=True)}
        raise ValueError(f"twin: cannot reach the published analysis-sample sizes, subgroup sizes and intention "
                         f"shares (sample size target, available): {short}")
    counts = np.round(res.x[:nc]).astype(int)
    picked = [np.empty(0, dtype=eligible.index.dtype)]
    groups = frame.groupby(by, sort=True).groups
    for cell, count in zip(cells[by].itertuples(index=False, name=None), counts, strict=True):
        picked.append(rng.choice(np.asarray(groups[cell]), size=count, replace=False))
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


def planted_effects(published: dict) -> dict[str, dict[str, dict[str, float]]]:
    """The whole-sample effects of the twin's data-generating process, per outcome and model
    (intention | intensity) and element, in standardised units, from published.yaml
    `bilag_4.statements`: every element the text calls significant gets its printed effect size
    (a printed bound "under b" is planted inside it, at `SHAPE['bound_planted']` x b, with the
    stated sign); every other element of a model with statements gets 0."""
    said = published.get("bilag_4", {}).get("statements", {})
    sizes = {(e["figure"], e["element"]): e for e in said.get("effect_sizes", [])}
    out: dict[str, dict[str, dict[str, float]]] = {}
    for fig, s in said.get("whole_sample", {}).items():
        model = out.setdefault(s["outcome"], {}).setdefault(s["model"], {})
        for el, sign in s["significant"].items():
            size = sizes.get((fig, el))
            if size is None:
                raise ValueError(f"published.yaml bilag_4.statements: Figur {fig} {el} is significant but "
                                 f"effect_sizes prints no size for it; the twin cannot plant it")
            value = size["value"] if "value" in size else size["below"] * SHAPE["bound_planted"]
            model[el] = abs(value) if sign == "+" else -abs(value)
    return out


def child_intention(courses: pd.DataFrame, intention: pd.DataFrame, elements: list[str]) -> pd.DataFrame:
    """Each course's intention per element (0/1), indexed by course_id: its offer's and
    intervention type's row of the twin's intention design."""
    wide = intention.pivot_table(index=UNIT, columns="element", values="chosen", aggfunc="first").astype(float)
    units = pd.MultiIndex.from_frame(courses[UNIT].astype(object))
    out = wide.reindex(units).reindex(columns=elements)
    # a type without a row of its own takes the offer's row with a blank type
    blank = pd.MultiIndex.from_arrays([courses["offer"].astype(object), np.full(len(courses), "", dtype=object)])
    out = out.fillna(pd.DataFrame(wide.reindex(blank).reindex(columns=elements).to_numpy(), index=out.index,
                                  columns=elements))
    out.index = courses["course_id"].to_numpy()
    out.columns.name = None
    return out


def sample_frame(members: pd.DataFrame, background: pd.DataFrame, intent: pd.DataFrame, x: pd.DataFrame,
                 change: pd.Series, elements: list[str], cfg: dict) -> pd.DataFrame:
    """The twin's own picture of one analysis sample: per child (`members`: courses with
    course_id, age, age_group, offer, intervention_type) the oriented `change`, the controls and
    subgroup variables (from the course, else its background row; unanswered is its own level,
    blank), and columns intention_<element> and intensity_<element>."""
    ids = members["course_id"].to_numpy()
    frame = pd.DataFrame({"course_id": ids, "change": change.reindex(ids).to_numpy(dtype="float64")})
    bg = background.reindex(ids)
    for v in dict.fromkeys(["age_group", "offer", *cfg["controls"], *(s["variable"] for s in cfg["subgroups"])]):
        source = members if v in members.columns else bg
        values = source[v].to_numpy()
        numeric = v in cfg["numeric_controls"]
        frame[v] = values.astype("float64") if numeric else pd.Series(values).fillna("").astype(str).to_numpy()
    for e in elements:
        frame[f"intention_{e}"] = intent.reindex(ids)[e].to_numpy(dtype="float64")
        frame[f"intensity_{e}"] = x.reindex(ids)[e].to_numpy(dtype="float64")
    return frame


def planted_signal(frame: pd.DataFrame, elements: list[str], effects: dict[str, dict[str, float]]) -> dict[str, float]:
    """Coefficients (column -> coefficient) of a latent score on the intention_<element> and
    intensity_<element> columns of `frame` such that, on this sample, the regression of the score
    on the intentions has the planted intention effects and its regression on the intensities the
    planted intensity effects (0 where none is planted): with I and X the centred columns, a and b
    solve a + (I'I)^-1 I'X b = gamma and (X'X)^-1 X'I a + b = c. Without intention effects, only
    the intensities carry the score (the data-generating process of the coverage study)."""
    cols = {m: [f"{m}_{e}" for e in elements if frame[f"{m}_{e}"].nunique() > 1] for m in ("intention", "intensity")}
    want = {m: np.array([effects.get(m, {}).get(c.split("_", 1)[1], 0.0) for c in cols[m]])
            for m in ("intention", "intensity")}
    if "intention" not in effects:
        return dict(zip(cols["intensity"], want["intensity"], strict=True))
    i = frame[cols["intention"]].to_numpy(dtype="float64")
    x = frame[cols["intensity"]].to_numpy(dtype="float64")
    i, x = i - i.mean(axis=0), x - x.mean(axis=0)
    cross = np.einsum("ni,nx->ix", i, x)
    p_ix = np.einsum("ij,jx->ix", sweep(np.einsum("ni,nj->ij", i, i))[0], cross)     # regression of X on I
    p_xi = np.einsum("xy,iy->xi", sweep(np.einsum("nx,ny->xy", x, x))[0], cross)     # regression of I on X
    system = np.block([[np.eye(len(p_ix)), p_ix], [p_xi, np.eye(len(p_xi))]])
    coef = np.linalg.solve(system, np.concatenate([want["intention"], want["intensity"]]))
    return dict(zip(cols["intention"] + cols["intensity"], coef, strict=True))


def replant(frame: pd.DataFrame, intention: pd.DataFrame, effects: dict[str, float], inp: TwinInputs,
            rng: np.random.Generator, missing_level: str = "",
            intention_effects: dict[str, float] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A fresh draw of the twin's core-element stage on an existing model frame: new fidelity
    ratings and the outcome `change` re-assigned with the planted `effects` (element ->
    intensity-model coefficient; with `intention_effects`, element -> intention-model coefficient,
    both planted jointly as `planted_signal` does). No search: the data-generating process alone.
    Rows, controls and intentions stay as they are. Used by the coverage test: many seeds
    without regenerating the whole twin. `missing_level`: how the frame marks an unanswered
    intervention type (blank in the twin's data). Returns the frame with the new `change` and the
    new fidelity rows (for the caller to aggregate as the analysis does)."""
    itype = frame["intervention_type"].astype(object).fillna("").astype(str)
    courses = pd.DataFrame({"course_id": frame["course_id"].to_numpy(dtype=object),
                            "offer": frame["offer"].to_numpy(dtype=object),
                            "intervention_type": itype.where(itype != missing_level, "").to_numpy(),
                            "age_group": frame["age_group"].astype(str).to_numpy(),
                            "start_date": pd.to_datetime(frame["start_date"]).to_numpy(),
                            "end_date": pd.to_datetime(frame["end_date"]).to_numpy()})
    units = intention.astype({"offer": object, "element": object}).assign(
        intervention_type=intention["intervention_type"].astype(object).fillna("").astype(object),
        chosen=intention["chosen"].astype(int))
    cfg = inp.twin["core_elements"]
    extraction = np.datetime64(inp.twin["extraction_date"])
    fidelity = ratings(courses, units, registration_dates(courses, rng, extraction), inp, rng)
    x = intensity(fidelity, inp.element_codes, cfg["aggregation"], cfg["unrated"])
    intent = child_intention(courses, units, inp.element_codes)
    both = pd.DataFrame({"course_id": courses["course_id"].to_numpy()})
    for e in inp.element_codes:
        both[f"intention_{e}"] = intent[e].to_numpy(dtype="float64")
        both[f"intensity_{e}"] = x[e].reindex(courses["course_id"]).to_numpy(dtype="float64")
    planted = {"intensity": effects} if intention_effects is None else {"intensity": effects,
                                                                        "intention": intention_effects}
    coefs = planted_signal(both, inp.element_codes, planted)
    source = plant_order(frame[["course_id", "age_group", "change"]], both.set_index("course_id"), coefs,
                         "age_group", rng)
    out = frame.copy()
    change = frame.set_index("course_id")["change"]
    out["change"] = change.reindex(source.reindex(frame["course_id"]).to_numpy()).to_numpy()
    return out, fidelity


def ratings(courses: pd.DataFrame, intention: pd.DataFrame, dates: pd.DataFrame, inp: TwinInputs,
            rng: np.random.Generator) -> pd.DataFrame:
    """Fidelity rows: every registration of a course rates each element its offer chose; a
    child-level intensity (around the element's mean for the child's age group) plus
    registration noise, in half points within the rating range."""
    lo, hi = inp.core_elements["rating_range"]
    chosen = intention.loc[intention["chosen"].astype(int) == 1, [*UNIT, "element"]]
    child = courses[["course_id", "age_group", *UNIT]].merge(chosen, on=UNIT, how="inner", sort=False)
    means = SHAPE["rating_mean"]
    mean = np.array([means.get(g, means["other"])[e] for g, e in zip(child["age_group"], child["element"],
                                                                      strict=True)])
    sd = child["element"].map(SHAPE["rating_child_sd"]).fillna(SHAPE["rating_child_sd_default"]).to_numpy()
    child["level"] = mean + sd * rng.normal(0, 1, len(child))
    rated = dates.merge(child[["course_id", "element", "level"]], on="course_id", how="inner", sort=False)
    raw = rated["level"].to_numpy() + rng.normal(0, SHAPE["rating_registration_sd"], len(rated))
    rating = np.clip(np.round(raw * 2) / 2, lo, hi)
    return pd.DataFrame({"course_id": rated["course_id"].to_numpy(), "date": rated["date"].to_numpy(),
                         "element": rated["element"].to_numpy(), "rating": rating})


def plant_order(sample: pd.DataFrame, x: pd.DataFrame, effects: dict[str, float], group: str,
                rng: np.random.Generator) -> pd.Series:
    """Which child's outcome each child gets: within each `group`, outcomes sorted by `change`
    go to children sorted by a latent score sum(effect x column of `x`, indexed by course_id) +
    noise, with the effects in standardised units of the whole sample. Returns source course_id
    indexed by destination course_id."""
    sd = sample["change"].std(ddof=1)
    out = []
    for _, part in sample.groupby(group, sort=True, observed=True):
        sd_g = part["change"].std(ddof=1)
        if len(part) < 2 or not sd_g > 0:
            out.append(pd.Series(part["course_id"].to_numpy(), index=part["course_id"].to_numpy()))
            continue
        xs = x.reindex(part["course_id"])
        if xs[list(effects)].isna().any().any():
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
