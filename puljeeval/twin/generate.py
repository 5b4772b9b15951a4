"""The synthetic twin: raw extracts in exactly the data contract, calibrated to the report.

Counts are allocated exactly rather than sampled: the production table, the flow and the
observation counts of the target-group profiles come out as published, and each category
share is the published (rounded) percentage of its published N up to integer rounding. What
is random (seeded) is which course gets which value, the dates, the identifiers and the
item-level answers. Published numbers are read from config/published.yaml; nothing
published is written here.

The model parameters below (`SHAPE`) are not published numbers: they shape distributions the
report does not print (durations, item spreads, shares of unreported categories).

Inputs (`TwinInputs`): the `twin:` block of config.yaml and the side files offers, published,
instruments and core_elements; nothing else. Where the twin hits a published estimate it does
so with a data-generating process of its own (footnote 3: `benefit`; Bilag 4: `elements`, checked
by its own least squares in `calibrate`), never with the pipeline's analysis code, so that a
wrong analysis fails the reproduction check.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from puljeeval.twin import allocate as tw
from puljeeval.twin import benefit as tb
from puljeeval.twin import calibrate as tc
from puljeeval.twin import elements as te
from puljeeval.twin import files
from puljeeval.twin import persons as tp
from puljeeval.twin import scoring as ts
from puljeeval.twin.allocate import allocate, allocate_shares
from puljeeval.twin.files import write_csv, write_xlsx  # noqa: F401  (re-exported for tests and tools)
from puljeeval.twin.inputs import TwinInputs

PERIOD_START = np.datetime64("2016-01-01")   # the pool's start (report title: 2016-2019)

SHAPE = {
    "not_stated_period_end": np.datetime64("2017-12-31"),  # footnote 5: early in the period
    "duration_days": (60, 540),
    "tuba_background_birth_date_share": 0.5,   # TUBA courses giving a birth date, not a CPR
    "nationality_danish": 0.9,
    "lives_with_abuser": 0.4,
    "background_item_missing": 0.03,           # items not in the report's profiles
    "death_trauma_share": 0.1,
    "who5_low_part_mean": 8.5,                 # raw-score mean of the low (0-12) part
    "who5_end_share_of_completed": 0.6,
    "instrument_start_share": 0.8,
    # shares of completed courses with an end measurement (the pairs)
    "sdq_end_share": 0.8,
    "yp_core_end_share": 0.7,
    "core_om_end_share": 0.5,
    "tool_0_2_end_share": 0.6,
    # how the SDQ total splits over its four difficulty scales, and the prosocial mean
    "sdq_subscale_share": {"emotional": 0.29, "conduct": 0.19, "hyperactivity": 0.36, "peer": 0.16},
    "sdq_prosocial_mean": 7.5,
    # CORE-OM mean item score per domain at start (weights of the total) and the change shares
    # the report does not print (status quo / tilbagegang of well-being, problems, functioning)
    "core_om_domain_mean_item": {"wellbeing": 2.0, "problems": 1.9, "functioning": 1.45, "risk": 0.8},
    "core_om_domain_default_shares": {"status quo": 5},
    "core_om_domain_noise": 0.8,
    "tool_0_2_mean": 2.5,
    "tool_0_2_other_change": 0.04,         # themes other than the published largest change
    "parent_statements_very_share": 0.55,  # 'meget enig' among those who agree
    # Section 3.3 gives only directions: unplanned endings are older, more often from families
    # where both parents or others have the problem, more often with other support and low
    # wellbeing at start. Weights of those traits in who ends unplanned (within each offer).
    "dropout_weights": {"age_sd": 0.35, "both_or_others": 0.4, "other_support": 0.3, "low_wellbeing": 0.3},
    "benefit_share_of_completed": 0.5,
    # intervention type of a course (not published; Figur 10-16's CORE-OM subgroups have about
    # 64 / 19 / 10 % individual / group / both and 7 % without a type)
    "intervention_type": {"individuel": 0.6, "gruppe": 0.2, "begge": 0.13, "": 0.07},
    "child_education": {"0-2": {"dagtilbud": 1.0},
                        "3-10": {"dagtilbud": 0.3, "grundskole": 0.7},
                        "11-16": {"grundskole": 0.9, "ungdomsuddannelse": 0.1},
                        "17-24": {"ungdomsuddannelse": 0.45, "videregaaende": 0.3,
                                  "ikke_i_uddannelse": 0.25}},
    "residence_placed_share": 1,   # percentage points of the unreported remainder that are 'anbragt'
}
STATUS_COLUMNS = ["ongoing", "planned", "unplanned", "not_stated"]
END_STATUS = {"planned": "planlagt", "unplanned": "uplanlagt", "not_stated": "ikke_oplyst"}


def shuffled_labels(rng: np.random.Generator, labels: list[str], counts: np.ndarray) -> np.ndarray:
    out = np.repeat(np.array(labels, dtype=object), counts)
    rng.shuffle(out)
    return out


@dataclass
class Twin:
    registrations: pd.DataFrame
    background: pd.DataFrame
    questionnaires: pd.DataFrame
    fidelity: pd.DataFrame
    intention: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        return {"registrations": self.registrations, "background": self.background,
                "questionnaires": self.questionnaires, "fidelity": self.fidelity,
                "intention": self.intention}


@dataclass(frozen=True)
class Block:
    """Which block of the twin is generated. A twin of `twin.scale` k is k blocks, each drawn
    like the report-scale twin (scale 1) from its own generator, so the twin grows linearly and
    its blocks are separate jobs (workflow/rules/twin.smk). Blocks share block 0's intention
    extract (one per offer), and their identifiers cannot collide: course and person ids carry
    the block's number, and each block draws CPR serials from its own share of the 500 per birth
    date and sex. A twin of one block is the report-scale twin, its identifiers untagged."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if not (0 <= self.index < self.count <= MAX_BLOCKS):
            raise ValueError(f"twin block {self.index} of {self.count}: blocks are 0..count-1, count 1..{MAX_BLOCKS}")

    def rng(self, seed: int) -> np.random.Generator:
        return np.random.default_rng(seed if self.count == 1 else [seed, self.index])

    def ident(self, prefix: str, i: int, width: int) -> str:
        """An identifier unique over the blocks: prefix, the block's number, i."""
        return f"{prefix}{i:0{width}d}" if self.count == 1 else f"{prefix}{self.index:03d}{i:0{width}d}"

    @property
    def serials(self) -> tuple[int, int]:
        """The block's share [lo, hi) of the 500 CPR serial steps per birth date and sex."""
        return self.index * CPR_SERIALS // self.count, (self.index + 1) * CPR_SERIALS // self.count


CPR_SERIALS = 500          # serial steps per birth date, sex and century digit (make_cprs)
MAX_BLOCKS = 500           # each block keeps at least one serial step


# --------------------------------------------------------------------------- courses


def course_counts(inp: TwinInputs, scale: int) -> pd.DataFrame:
    """Registered (clean) courses per offer and status: Tabel 8-1 with its adjustments undone."""
    pub = inp.published["tabel_8_1"]
    table = pd.DataFrame.from_dict(pub["rows"], orient="index", columns=pub["columns"]) * scale
    prod = inp.twin["production_adjustments"]
    for adj in prod["add"]:          # added to production, so not in the registrations
        for col in adj["columns"]:
            table.loc[adj["offer"], col] -= adj["courses"]
    for adj in prod["subtract"]:     # subtracted from production, so in the registrations
        for col in adj["columns"]:
            table.loc[adj["offer"], col] += adj["courses"]
    table["unfunded"] = 0
    if prod["exclude_unfunded_branches"]:
        n = inp.published["tuba_unfunded_branch_courses"]["courses"] * scale
        for col in ("started", "completed", "not_stated"):
            table.loc["TUBA", col] += n
        table.loc["TUBA", "unfunded"] = n
    return table


def age_group_sizes(inp: TwinInputs, scale: int) -> dict[str, int]:
    """Courses per age group: at least the largest published N of the group, then as close
    to the published age shares as the total of courses with known age allows."""
    prof = inp.published["profiles"]
    groups = [g["label"] for g in inp.age_groups]
    total = prof["age"]["n"]["ALLE"] * scale
    lower = np.array([max(v["n"].get(g, 0) for v in prof["variables"].values()) * scale
                      for g in groups])
    target = np.array([prof["age"]["shares"][g] for g in groups]) / 100 * total
    sizes = np.maximum(lower, np.round(target).astype(int))
    while sizes.sum() > total:
        slack = np.where(sizes > lower, sizes - target, -np.inf)
        sizes[int(np.argmax(slack))] -= 1
    while sizes.sum() < total:
        sizes[int(np.argmax(target - sizes))] += 1
    return dict(zip(groups, sizes.tolist(), strict=True))


def _courses(inp: TwinInputs, rng: np.random.Generator, scale: int) -> pd.DataFrame:
    counts = course_counts(inp, scale)
    parts = []
    for offer, row in counts.iterrows():
        status = shuffled_labels(rng, STATUS_COLUMNS, row[STATUS_COLUMNS].to_numpy())
        frame = pd.DataFrame({"offer": offer, "status": status})
        frame["branch"] = ""
        branches = inp.branches(offer)
        if branches:
            funded = [b["name"] for b in branches if b["funded_by_pool"]]
            unfunded = [b["name"] for b in branches if not b["funded_by_pool"]]
            frame["branch"] = rng.choice(funded, size=len(frame))
            if row["unfunded"]:
                # all of them completed without stated end status (Tabel 8-1 vs Figur 3-4)
                idx = frame.index[frame["status"] == "not_stated"]
                pick = rng.choice(idx, size=int(row["unfunded"]), replace=False)
                frame.loc[pick, "branch"] = rng.choice(unfunded, size=len(pick))
        parts.append(frame)
    courses = pd.concat(parts, ignore_index=True)
    courses["source_system"] = [next(o["source_system"] for o in inp.offers["offers"]
                                     if o["code"] == off) for off in courses["offer"]]
    return courses


def _assign_ages(inp: TwinInputs, courses: pd.DataFrame, rng: np.random.Generator,
                 scale: int) -> None:
    sizes = age_group_sizes(inp, scale)
    groups = {g["label"]: g for g in inp.age_groups}
    n_unknown = len(courses) - sum(sizes.values())
    tuba = courses.index[courses["offer"] == "TUBA"].to_numpy()
    unknown = rng.choice(tuba, size=n_unknown, replace=False)
    courses["age_group"] = ""
    young = [g for g in sizes if groups[g]["max"] <= 10]
    older = [g for g in sizes if g not in young]
    # the youngest children are not in TUBA (a youth offer); place them first elsewhere
    others = courses.index[courses["offer"] != "TUBA"].to_numpy()
    n_young = sum(sizes[g] for g in young)
    young_idx = rng.choice(others, size=n_young, replace=False)
    courses.loc[young_idx, "age_group"] = shuffled_labels(rng, young, np.array([sizes[g] for g in young]))
    rest = courses.index[(courses["age_group"] == "") & ~courses.index.isin(unknown)].to_numpy()
    courses.loc[rest, "age_group"] = shuffled_labels(rng, older, np.array([sizes[g] for g in older]))
    lo = courses["age_group"].map(lambda g: groups[g]["min"] if g else -1)
    hi = courses["age_group"].map(lambda g: min(groups[g]["max"], 24) if g else -1)
    courses["age"] = np.where(lo >= 0, rng.integers(lo.clip(0), hi.clip(0) + 1), -1)
    n25 = inp.published["tabel_8_1"]["age_25_registered"] * scale
    oldest = max(groups, key=lambda g: groups[g]["max"])
    pool = courses.index[(courses["age_group"] == oldest) & (courses["offer"] != "TUBA")]
    courses.loc[rng.choice(pool, size=n25, replace=False), "age"] = groups[oldest]["max"]


def _dates(courses: pd.DataFrame, rng: np.random.Generator, extraction: np.datetime64) -> None:
    n = len(courses)
    lo_d, hi_d = SHAPE["duration_days"]
    duration = rng.integers(lo_d, hi_d + 1, size=n).astype("timedelta64[D]")
    start_completed = PERIOD_START + rng.integers(
        0, int((extraction - PERIOD_START).astype(int)) - lo_d, size=n).astype("timedelta64[D]")
    start_early = PERIOD_START + rng.integers(
        0, int((SHAPE["not_stated_period_end"] - PERIOD_START).astype(int)), size=n).astype("timedelta64[D]")
    start_ongoing = extraction - rng.integers(1, hi_d, size=n).astype("timedelta64[D]")
    status = courses["status"].to_numpy()
    start = np.where(status == "ongoing", start_ongoing,
                     np.where(status == "not_stated", start_early, start_completed))
    end = np.minimum(start + duration, extraction - np.timedelta64(1, "D"))
    courses["start_date"] = start.astype("datetime64[D]")
    courses["end_date"] = np.where(status == "ongoing", np.datetime64("NaT"), end).astype("datetime64[D]")


def _birth_dates(start: np.ndarray, age: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A birth date that gives exactly `age` completed years at `start`."""
    start = pd.to_datetime(start)
    years_back = pd.to_datetime({"year": start.year - age - 1, "month": start.month,
                                 "day": np.minimum(start.day, 28)})
    # the day is clipped to 28, so keep clear of both ends of the year
    offset = rng.integers(5, 360, size=len(age)).astype("timedelta64[D]")
    return (years_back.to_numpy().astype("datetime64[D]") + offset)


def make_cprs(born: np.ndarray, male: np.ndarray, rng: np.random.Generator,
              taken: set[str] | None = None, serials: tuple[int, int] = (0, CPR_SERIALS)) -> np.ndarray:
    """Structurally valid, unique CPR numbers for the birth dates (century digit by the rule),
    the serial's steps drawn from [serials) (a block's share, Block.serials)."""
    taken = set() if taken is None else taken
    lo, hi = serials
    b = pd.to_datetime(born)
    out = []
    for year, month, day, is_male in zip(b.year, b.month, b.day, male, strict=True):
        digits7 = (4, 5, 6, 7, 8, 9) if year >= 2000 else (0, 1, 2, 3)
        while True:
            serial = int(rng.choice(digits7)) * 1000 + int(rng.integers(lo, hi)) * 2 + int(is_male)
            cpr = f"{day:02d}{month:02d}{year % 100:02d}{serial:04d}"
            if cpr not in taken:
                taken.add(cpr)
                out.append(cpr)
                break
    return np.array(out, dtype=object)


# --------------------------------------------------------------------------- persons


def _identities(inp: TwinInputs, courses: pd.DataFrame, background: pd.DataFrame, rng: np.random.Generator,
                scale: int, block: Block) -> None:
    """Children behind the courses (persons.py) and how each course names its child: sets the
    courses' `person`, `id_class`, `birth_date`, `cpr`, `person_id`, `person_cpr`, `person_tid`
    and the background's `birth_date` and `cpr` (both contract-formatted text or blank)."""
    cfg = inp.twin["persons"]
    n = len(courses)
    known = (courses["age"] >= 0).to_numpy()
    start = courses["start_date"].to_numpy().astype("datetime64[D]")
    age = courses["age"].to_numpy()
    birth = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    birth[known] = _birth_dates(start[known], age[known], rng)
    in_bg = courses.index.isin(background.index)
    tuba = (courses["offer"] == "TUBA").to_numpy()
    # TUBA courses whose background measurement gives the birth date instead of a CPR
    tuba_bd = tuba & known & in_bg & (rng.random(n) < SHAPE["tuba_background_birth_date_share"])
    id_class = np.where(~known, "anonymous", np.where(tuba_bd, "birth_date", "cpr"))
    gender = background["gender"].reindex(courses.index).fillna("").to_numpy()
    lo, hi = tp.birth_window(start, np.where(known, age, 0))
    person = np.arange(n)
    for cls, overlap in (("cpr", cfg["overlapping"]), ("birth_date", 0.0), ("anonymous", 0.0)):
        members = np.flatnonzero(id_class == cls)
        n_links = int(round(cfg["repeat_courses"] * len(members)))
        window = (lo, hi) if cls != "anonymous" else None
        linked = tp.link(courses, members, n_links, overlap, rng, window, gender)
        person[members] = linked[members]
    courses["person"] = person
    courses["id_class"] = id_class
    # one birth date per child with several courses, inside every course's window
    sizes = np.bincount(person, minlength=n)
    multi = known & (sizes[person] > 1)
    frame = pd.DataFrame({"person": person[multi], "lo": lo[multi], "hi": hi[multi]})
    win = frame.groupby("person").agg(lo=("lo", "max"), hi=("hi", "min"))
    span = (win["hi"] - win["lo"]).dt.days.to_numpy()
    chosen = win["lo"].to_numpy().astype("datetime64[D]") + rng.integers(0, span + 1).astype("timedelta64[D]")
    birth[multi] = pd.Series(chosen, index=win.index).reindex(person[multi]).to_numpy().astype("datetime64[D]")
    # edge ages: children starting on their birthday, at 0 and at the oldest age
    single = known & (sizes[person] == 1) & (id_class == "cpr")
    for edge in (0, int(age[known].max())):
        pool = np.flatnonzero(single & (age == edge))
        pick = rng.choice(pool, size=min(len(pool), tp.SHAPE["edge_birthdays"] * scale), replace=False)
        birth[pick] = hi[pick]
    assert (tp.age_at(birth[known], start[known]) == age[known]).all(), "a twin birth date misses its age"
    courses["birth_date"] = pd.to_datetime(birth)
    # one CPR per child of the cpr class (sex from any answered gender of the child's courses)
    answered = pd.Series(gender, index=person).replace("", np.nan).groupby(level=0).first()
    sex = pd.Series(person).map(answered).fillna("").to_numpy()
    male = np.where(sex == "", rng.random(n) < 0.3, sex == "dreng")
    reps = np.flatnonzero((id_class == "cpr") & (person == np.arange(n)))
    cpr_of = dict(zip(reps.tolist(), make_cprs(birth[reps], male[reps], rng, serials=block.serials), strict=True))
    person_cpr = np.array([cpr_of.get(p, "") for p in person], dtype=object)
    # how TUBA courses of a child with a CPR name it: CPR only in the background (a TUBA person id
    # on the course), CPR and person id on the course, or CPR on the course
    draw = rng.random(n)
    cpr_tuba = (id_class == "cpr") & tuba
    in_background = cpr_tuba & in_bg & (draw < cfg["tuba_cpr_in_background"])
    both = cpr_tuba & ~in_background & (draw >= 1 - cfg["tuba_cpr_and_person_id"])
    with_tid = np.unique(np.concatenate([person[id_class != "cpr"], person[in_background | both]]))
    tids = [block.ident("T", i, 6) for i in rng.permutation(len(with_tid))]
    tid_of = dict(zip(with_tid.tolist(), tids, strict=True))
    person_tid = np.array([tid_of.get(p, "") for p in person], dtype=object)
    courses["person_cpr"] = person_cpr
    courses["person_tid"] = person_tid
    courses["cpr"] = np.where((id_class == "cpr") & ~in_background, person_cpr, "")
    courses["person_id"] = np.where((id_class != "cpr") | in_background | both, person_tid, "")
    background["birth_date"] = ""
    bd_idx = courses.index[tuba_bd]
    background.loc[bd_idx, "birth_date"] = courses.loc[bd_idx, "birth_date"].dt.strftime("%d-%m-%Y")
    background["cpr"] = ""
    cpr_idx = courses.index[in_background]
    background.loc[cpr_idx, "cpr"] = [f"{c[:6]}-{c[6:]}" for c in person_cpr[in_background]]


# --------------------------------------------------------------------------- background


def _background(inp: TwinInputs, courses: pd.DataFrame, rng: np.random.Generator,
                scale: int) -> pd.DataFrame:
    prof = inp.published["profiles"]
    variables = {k: v for k, v in prof["variables"].items() if k != "wellbeing_start"}
    ref_groups = prof["reference_groups"]
    rows = []
    for group in [g["label"] for g in inp.age_groups]:
        members = courses.index[courses["age_group"] == group].to_numpy()
        n_bg = max(v["n"].get(group, 0) for v in prof["variables"].values()) * scale
        chosen = np.sort(rng.choice(members, size=n_bg, replace=False))
        bg = pd.DataFrame(index=chosen)
        gi = ref_groups.index(group)
        for var, spec in variables.items():
            n = spec["n"].get(group, 0) * scale
            answered = rng.choice(chosen, size=n, replace=False)
            cats = spec["categories"]
            if spec.get("multi_select"):
                _family_problems(bg, answered, cats, gi, rng)
                continue
            labels = list(cats)
            shares = [cats[c]["shares"][gi] for c in labels]
            if var == "residence":   # the figure omits placed-in-care and other
                rest = max(0, 100 - sum(shares))
                placed = min(rest, SHAPE["residence_placed_share"])
                labels += ["anbragt", "andet"]
                shares += [placed, rest - placed]
            bg[var] = ""
            bg.loc[answered, var] = shuffled_labels(rng, labels, allocate_shares(n, shares))
        rows.append(bg)
    background = pd.concat(rows).sort_index()
    idx = background.index
    groups = courses.loc[idx, "age_group"]

    def sometimes_blank(values: np.ndarray) -> np.ndarray:
        return np.where(rng.random(len(values)) < SHAPE["background_item_missing"], "", values)

    background["nationality"] = sometimes_blank(np.where(
        rng.random(len(idx)) < SHAPE["nationality_danish"], "dansk", "anden"))
    background["lives_with_abuser"] = sometimes_blank(np.where(
        rng.random(len(idx)) < SHAPE["lives_with_abuser"], "ja", "nej"))
    edu = np.empty(len(idx), dtype=object)
    for group, dist in SHAPE["child_education"].items():
        m = (groups == group).to_numpy()
        edu[m] = rng.choice(list(dist), size=m.sum(), p=list(dist.values()))
    background["child_education"] = sometimes_blank(edu)
    background["measured_date"] = courses.loc[idx, "start_date"].to_numpy()
    return background


def _family_problems(bg: pd.DataFrame, answered: np.ndarray, cats: dict, gi: int,
                     rng: np.random.Generator) -> None:
    cols = ["problem_conflict", "problem_mental_illness", "problem_violence",
            "problem_death_trauma", "problem_other", "problem_none"]
    for c in cols:
        bg[c] = ""
    n = len(answered)
    bg.loc[answered, cols] = "0"
    n_none = int(round(cats["problem_none"]["shares"][gi] / 100 * n))
    order = rng.permutation(answered)
    none, some = order[:n_none], order[n_none:]
    bg.loc[none, "problem_none"] = "1"
    for c in ("problem_conflict", "problem_mental_illness", "problem_violence"):
        k = min(len(some), int(round(cats[c]["shares"][gi] / 100 * n)))
        bg.loc[rng.choice(some, size=k, replace=False), c] = "1"
    extra = some[rng.random(len(some)) < SHAPE["death_trauma_share"]]
    bg.loc[extra, "problem_death_trauma"] = "1"
    ticked = (bg.loc[some, cols[:5]] == "1").any(axis=1)
    bg.loc[ticked.index[~ticked], "problem_other"] = "1"


# --------------------------------------------------------------------------- questionnaires


def _long(course_ids: np.ndarray, instrument: str, timepoint: str, items: list[str],
          values: np.ndarray, dates: np.ndarray) -> pd.DataFrame:
    n = len(course_ids)
    return pd.DataFrame({
        "course_id": np.repeat(course_ids, len(items)),
        "instrument": instrument,
        "timepoint": timepoint,
        "answered_date": np.repeat(dates, len(items)),
        "item": np.tile(items, n),
        "response": values.reshape(-1).astype(str) if n else np.array([], dtype=str),
    })


def _items_long(ids: np.ndarray, instrument: str, timepoint: str, spec: dict, scored: np.ndarray,
                dates: np.ndarray) -> pd.DataFrame:
    """Long rows from scored item values (reversed items turned back into raw answers)."""
    lo, hi = spec["range"]
    raw = scored.copy()
    cols = [spec["items"].index(i) for i in spec.get("reversed", [])]
    raw[:, cols] = lo + hi - raw[:, cols]
    return _long(ids, instrument, timepoint, spec["items"], raw, dates)


def _parts_to_items(parts: dict[str, np.ndarray], spec: dict, rng: np.random.Generator) -> np.ndarray:
    """Scored item matrix from raw sums per scale (each sum spread over the scale's items)."""
    lo, hi = spec["range"]
    out = np.zeros((len(next(iter(parts.values()))), len(spec["items"])), dtype=int)
    for scale, total in parts.items():
        items = ts.scale_items(spec, spec["scales"][scale])
        cols = [spec["items"].index(i) for i in items]
        out[:, cols] = lo + tw.split_balanced(total - lo * len(items), len(items), hi - lo, rng)
    return out


def _pair_shares(target: dict) -> list[float]:
    """fremgang / status quo / tilbagegang; a share the report omits is what the others leave."""
    known = [target.get(k) for k in ("fremgang", "status quo", "tilbagegang")]
    missing = [i for i, v in enumerate(known) if v is None]
    rest = 100 - sum(v for v in known if v is not None)
    for i in missing:
        known[i] = rest / len(missing)
    return known


def _respondents(courses: pd.DataFrame, group: str, start_share: float, end_share: float,
                 rng: np.random.Generator, favour: np.ndarray | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """Courses of the age group answering at start, and which of them (completed) also at the
    end. `favour` (per course): courses that always answer both when completed."""
    in_group = (courses["age_group"] == group).to_numpy()
    members = courses[in_group]
    fav = np.zeros(len(members), dtype=bool) if favour is None else np.asarray(favour)[in_group]
    answered = (rng.random(len(members)) < start_share) | fav
    start = members[answered]
    pair = (start["status"] != "ongoing").to_numpy() & ((rng.random(len(start)) < end_share) | fav[answered])
    return start, pair


def who5_groups(inp: TwinInputs) -> list[str]:
    """The age groups that answer WHO-5 (within the instrument's ages; 3-24 in the report)."""
    lo, hi = inp.instruments["instruments"]["who5"]["ages"]
    return [g["label"] for g in inp.age_groups if g["min"] >= lo and g["max"] <= hi]


def _who5(inp: TwinInputs, courses: pd.DataFrame, rng: np.random.Generator,
          scale: int) -> tuple[list[pd.DataFrame], set]:
    """WHO-5: start answers reproducing Figur 3-3 (N and low-wellbeing share per group), and
    end answers for part of the completed courses reproducing Figur 4-2 and 4-3."""
    pub = inp.published
    spec = pub["profiles"]["variables"]["wellbeing_start"]
    ch4 = pub["chapter_4"]["who5"]
    who5 = inp.instruments["instruments"]["who5"]
    mult = who5["scales"]["total"]["multiplier"] // len(who5["items"])   # percentage points per raw point
    low_max = who5["low_wellbeing_max"] // mult
    top = who5["range"][1] * len(who5["items"])
    groups = {}
    for group in who5_groups(inp):
        members = courses.index[courses["age_group"] == group].to_numpy()
        n = spec["n"][group] * scale
        who = rng.choice(members, size=n, replace=False)
        gi = pub["profiles"]["reference_groups"].index(group)
        p_low = spec["categories"]["low"]["shares"][gi] / 100
        n_low = int(round(p_low * n))
        mean_raw = ch4["means"]["total"]["start"][group] / mult
        low_mean = SHAPE["who5_low_part_mean"]
        high_mean = (mean_raw - p_low * low_mean) / (1 - p_low)
        low = rng.binomial(low_max, low_mean / low_max, size=n_low)
        span = top - (low_max + 1)
        high = low_max + 1 + rng.binomial(span, np.clip((high_mean - low_max - 1) / span, 0, 1), size=n - n_low)
        raw = np.concatenate([low, high])
        done = (courses.loc[who, "status"] != "ongoing").to_numpy()
        groups[group] = (who, raw, done)
    # which starters also have an end measurement: as many per group as the published overall
    # means imply (they are the pair-weighted means of the group means)
    weights = who5_pair_weights(ch4["means"]["total"], list(groups))
    n_total = int(SHAPE["who5_end_share_of_completed"] * sum(v[2].sum() for v in groups.values()))
    for group, (who, raw, done) in groups.items():
        k = min(int(round(weights[group] * n_total)), int(done.sum()))
        pair = np.zeros(len(who), dtype=bool)
        pair[rng.choice(np.flatnonzero(done), size=k, replace=False)] = True
        groups[group] = (who, raw, pair)
    # change shares per group: printed for ALLE, 3-10 and 17-24; 11-16 is what ALLE leaves,
    # with the status quo share of ALLE in every group
    printed = ch4["shares"]["total"]
    same = 100 - printed["ALLE"]["fremgang"] - printed["ALLE"]["tilbagegang"]
    n_pairs = {g: int(v[2].sum()) for g, v in groups.items()}
    improve = {g: printed[g]["fremgang"] for g in groups if g in printed}
    free = [g for g in groups if g not in improve]
    left = printed["ALLE"]["fremgang"] * sum(n_pairs.values()) - sum(improve[g] * n_pairs[g] for g in improve)
    for g in free:
        improve[g] = left / sum(n_pairs[f] for f in free)
    out, calibrated = [], set()
    for group, (who, raw, pair) in groups.items():
        calibrated |= set(who.tolist())
        low_flag = raw <= low_max
        # the pairs' start mean is the published one; nudges keep each answer on its side of 50
        raw[pair] = tw.nudge_mean(raw[pair], ch4["means"]["total"]["start"][group] / mult,
                                  np.where(low_flag[pair], 0, low_max + 1), np.where(low_flag[pair], low_max, top), rng)
        shift = (ch4["means"]["total"]["end"][group] - ch4["means"]["total"]["start"][group]) / mult
        shares = [improve[group], same, 100 - improve[group] - same]
        end_raw = raw[pair] + tw.paired_change(raw[pair], shares, shift, 0, top, +1, rng)
        ids = courses.loc[who, "course_id"].to_numpy()
        out.append(_items_long(ids, "who5", "start", who5, _parts_to_items({"total": raw}, who5, rng),
                               courses.loc[who, "start_date"].to_numpy()))
        out.append(_items_long(ids[pair], "who5", "slut", who5, _parts_to_items({"total": end_raw}, who5, rng),
                               courses.loc[who[pair], "end_date"].to_numpy()))
    return out, calibrated


def who5_pair_weights(means: dict, groups: list[str]) -> dict[str, float]:
    """Age-group shares of the pre/post sample implied by the overall (ALLE) start and end
    means as weighted averages of the group means: solves sum(w) = 1, w . start = ALLE
    start, w . end = ALLE end (exact for three groups, least squares otherwise)."""
    a = np.array([[1.0] * len(groups), [means["start"][g] for g in groups], [means["end"][g] for g in groups]])
    b = np.array([1.0, means["start"]["ALLE"], means["end"]["ALLE"]])
    weights = dict(zip(groups, np.linalg.lstsq(a, b, rcond=None)[0].tolist(), strict=True))
    if min(weights.values()) <= 0:
        raise ValueError(f"published WHO-5 means imply a non-positive group weight: {weights}")
    return weights


def _sdq(inp: TwinInputs, courses: pd.DataFrame, rng: np.random.Generator) -> tuple[list[pd.DataFrame], set]:
    """SDQ for 3-10: pairs reproducing the total's means and change shares (Figur 4-6, 4-8)
    and the emotional-symptoms change (Figur 4-7)."""
    spec = inp.instruments["instruments"]["sdq_p"]
    ch4 = inp.published["chapter_4"]["sdq_p"]
    (group,) = ch4["means"]["total"]["start"]
    start, pair = _respondents(courses, group, SHAPE["instrument_start_share"], SHAPE["sdq_end_share"], rng)
    difficulties = spec["scales"]["total"]["sum_of"]
    caps = np.array([len(spec["scales"][s]["items"]) * spec["range"][1] for s in difficulties])
    top = int(caps.sum())
    pre = tw.draw_sums(len(start), ch4["means"]["total"]["start"][group], top, rng)
    pre[pair] = tw.nudge_mean(pre[pair], ch4["means"]["total"]["start"][group], 0, top, rng)
    weights = np.array([SHAPE["sdq_subscale_share"][s] for s in difficulties])
    pre_parts = tw.split_capped(pre, weights, caps, rng)
    mean_change = ch4["means"]["total"]["start"][group] - ch4["means"]["total"]["end"][group]
    delta = tw.paired_change(pre[pair], _pair_shares(ch4["shares"]["total"][group]), mean_change, 0, top, -1, rng)
    emo = difficulties.index("emotional")
    emo_change = ch4["mean_change"]["emotional"][group]
    change_w = np.full(len(difficulties), (mean_change - emo_change) / (len(difficulties) - 1))
    change_w[emo] = emo_change
    post_parts = tw.move_parts(pre_parts[pair], delta, change_w, caps, None, rng)
    post_parts = _nudge_part_change(pre_parts[pair], post_parts, emo, emo_change, caps, rng)
    pro_top = len(spec["scales"]["prosocial"]["items"]) * spec["range"][1]
    prosocial = tw.draw_sums(len(start), SHAPE["sdq_prosocial_mean"], pro_top, rng)
    pro_post = np.clip(prosocial[pair] + rng.integers(-1, 3, size=int(pair.sum())), 0, pro_top)
    ids = start["course_id"].to_numpy()

    def items(parts: np.ndarray, pro: np.ndarray) -> np.ndarray:
        return _parts_to_items({**{s: parts[:, i] for i, s in enumerate(difficulties)}, "prosocial": pro}, spec, rng)

    return [_items_long(ids, "sdq_p", "start", spec, items(pre_parts, prosocial), start["start_date"].to_numpy()),
            _items_long(ids[pair], "sdq_p", "slut", spec, items(post_parts, pro_post),
                        start["end_date"].to_numpy()[pair])], set(ids[pair])


def _nudge_part_change(pre: np.ndarray, post: np.ndarray, part: int, target: float, caps: np.ndarray,
                       rng: np.random.Generator) -> np.ndarray:
    """Move single units between one part and the others (row totals unchanged) until the
    part's mean decrease from pre to post is `target`."""
    post = post.copy()
    need = int(round(target * len(pre))) - int((pre[:, part] - post[:, part]).sum())
    others = [j for j in range(pre.shape[1]) if j != part]
    for i in rng.permutation(len(pre)):
        if need == 0:
            break
        step = 1 if need > 0 else -1            # +1: lower this part, raise another
        if not (0 <= post[i, part] - step <= caps[part]):
            continue
        for j in rng.permutation(others):
            if 0 <= post[i, j] + step <= caps[j]:
                post[i, part] -= step
                post[i, j] += step
                need -= step
                break
    return post


def _single_scale(inp: TwinInputs, courses: pd.DataFrame, name: str, end_share: float,
                  rng: np.random.Generator) -> tuple[list[pd.DataFrame], set]:
    """An instrument scored as one total (YP-CORE): pairs reproducing means and change shares."""
    spec = inp.instruments["instruments"][name]
    ch4 = inp.published["chapter_4"][name]
    (group,) = ch4["means"]["total"]["start"]
    start, pair = _respondents(courses, group, SHAPE["instrument_start_share"], end_share, rng)
    per_point = spec["scales"]["total"]["multiplier"] / len(spec["items"])     # score points per raw unit
    top = spec["range"][1] * len(spec["items"])
    mean_pre = ch4["means"]["total"]["start"][group] / per_point
    pre = tw.draw_sums(len(start), mean_pre, top, rng)
    pre[pair] = tw.nudge_mean(pre[pair], mean_pre, 0, top, rng)
    sign = 1 if spec["direction"] == "higher_better" else -1
    oriented = sign * (ch4["means"]["total"]["end"][group] - ch4["means"]["total"]["start"][group]) / per_point
    post = pre[pair] + sign * tw.paired_change(pre[pair], _pair_shares(ch4["shares"]["total"][group]),
                                               oriented, 0, top, sign, rng)
    ids = start["course_id"].to_numpy()
    return [_items_long(ids, name, "start", spec, _parts_to_items({"total": pre}, spec, rng),
                        start["start_date"].to_numpy()),
            _items_long(ids[pair], name, "slut", spec, _parts_to_items({"total": post}, spec, rng),
                        start["end_date"].to_numpy()[pair])], set(ids[pair])


def _core_om(inp: TwinInputs, courses: pd.DataFrame, rng: np.random.Generator,
            favour: np.ndarray | None = None) -> tuple[list[pd.DataFrame], set]:
    """CORE-OM for 17-24: pairs reproducing the total's means and change shares (Figur 4-11,
    4-13) and the improvement share of each domain (Figur 4-13). `favour`: courses that answer
    both when completed (te.favoured: Figur 10-16's subgroup sizes need them)."""
    spec = inp.instruments["instruments"]["core_om"]
    ch4 = inp.published["chapter_4"]["core_om"]
    (group,) = ch4["means"]["total"]["start"]
    start, pair = _respondents(courses, group, SHAPE["instrument_start_share"], SHAPE["core_om_end_share"], rng,
                               favour)
    domains = list(SHAPE["core_om_domain_mean_item"])
    n_items = np.array([len(spec["scales"][d]["items"]) for d in domains])
    caps = n_items * spec["range"][1]
    top = int(caps.sum())
    per_point = spec["scales"]["total"]["multiplier"] / len(spec["items"])
    mean_pre = ch4["means"]["total"]["start"][group] / per_point
    pre = tw.draw_sums(len(start), mean_pre, top, rng)
    pre[pair] = tw.nudge_mean(pre[pair], mean_pre, 0, top, rng)
    weights = np.array([SHAPE["core_om_domain_mean_item"][d] for d in domains]) * n_items
    pre_parts = tw.split_capped(pre, weights, caps, rng)
    mean_change = (ch4["means"]["total"]["start"][group] - ch4["means"]["total"]["end"][group]) / per_point
    p = pre_parts[pair]
    delta = tw.paired_change(p.sum(axis=1), _pair_shares(ch4["shares"]["total"][group]), mean_change, 0, top, -1, rng)
    # each domain's category with the published improvement share, ranked by the total change so
    # that a child improving in total mostly improves per domain
    direction = np.zeros_like(p)
    rank = np.sign(delta)[:, None] + rng.normal(0, SHAPE["core_om_domain_noise"], size=(len(p), len(domains)))
    for j, d in enumerate(domains):
        shares = _pair_shares({**SHAPE["core_om_domain_default_shares"], **ch4["shares"][d][group]})
        counts = allocate_shares(len(p), shares)
        order = np.argsort(-rank[:, j], kind="stable")
        direction[order[: counts[0]], j] = 1
        direction[order[len(p) - counts[2]:], j] = -1
    direction = np.where((direction > 0) & (p == 0), 0, np.where((direction < 0) & (p == caps), 0, direction))
    # one unit each way for every improving / worsening domain, then the rest of the total change
    post = p - direction
    rest = delta - direction.sum(axis=1)
    post = tw.move_parts(post, rest * (rest > 0), weights, caps, np.where(direction > 0, 1, 0), rng)
    post = tw.move_parts(post, rest * (rest < 0), weights, caps, np.where(direction < 0, -1, 0), rng)
    # where a domain ran out of room, the missing units go to other improving children
    need = int(round(mean_change * len(p))) - int((p - post).sum())
    for i in rng.permutation(np.flatnonzero(delta > 0)):
        if need <= 0:
            break
        for j in rng.permutation(np.flatnonzero((direction[i] > 0) & (post[i] > 0))):
            post[i, j] -= 1
            need -= 1
            break
    ids = start["course_id"].to_numpy()

    def items(parts: np.ndarray) -> np.ndarray:
        return _parts_to_items({d: parts[:, j] for j, d in enumerate(domains)}, spec, rng)

    return [_items_long(ids, "core_om", "start", spec, items(pre_parts), start["start_date"].to_numpy()),
            _items_long(ids[pair], "core_om", "slut", spec, items(post), start["end_date"].to_numpy()[pair])], \
        set(ids[pair])


def _tool_0_2(inp: TwinInputs, courses: pd.DataFrame, rng: np.random.Generator) -> tuple[list[pd.DataFrame], set]:
    """The 0-2 tool: answers around 'passer delvist'-'passer godt'; the pairs' theme means
    change by the published amount for sansning (the largest) and a smaller amount elsewhere.
    Returns the answers and the courses of the pairs."""
    spec = inp.instruments["instruments"]["tool_0_2"]
    lo, hi = spec["range"]
    ok = (courses["age"] >= spec["ages"][0]) & (courses["age"] <= spec["ages"][1])
    start = courses[ok & (rng.random(len(courses)) < SHAPE["instrument_start_share"])]
    pair = (start["status"] != "ongoing").to_numpy() & (rng.random(len(start)) < SHAPE["tool_0_2_end_share"])
    scored = _ordinal(len(start), len(spec["items"]), lo, hi, SHAPE["tool_0_2_mean"], rng)
    end = scored[pair].copy()
    changes = inp.published["chapter_4"]["tool_0_2"]["mean_change"]
    for theme, scale in spec["scales"].items():
        if scale.get("items", "all") == "all":
            continue
        cols = [spec["items"].index(i) for i in scale["items"]]
        k = len(cols)
        target = next(iter(changes[theme].values())) if theme in changes else SHAPE["tool_0_2_other_change"]
        sums = tw.nudge_mean(end[:, cols].sum(axis=1), end[:, cols].sum(axis=1).mean() + target * k,
                             lo * k, hi * k, rng)
        end[:, cols] = lo + tw.split_balanced(sums - lo * k, k, hi - lo, rng)
    ids = start["course_id"].to_numpy()
    return [_items_long(ids, "tool_0_2", "start", spec, scored, start["start_date"].to_numpy()),
            _items_long(ids[pair], "tool_0_2", "slut", spec, end, start["end_date"].to_numpy()[pair])], set(ids[pair])


def _ordinal(n: int, n_items: int, lo: int, hi: int, mean: float,
             rng: np.random.Generator) -> np.ndarray:
    person = rng.normal(mean, 0.5, size=(n, 1))
    return np.clip(np.round(person + rng.normal(0, 0.7, size=(n, n_items))), lo, hi).astype(int)


def _benefit(inp: TwinInputs, courses: pd.DataFrame, background: pd.DataFrame, rng: np.random.Generator,
             scale: int) -> pd.DataFrame:
    """Perceived benefit at course end (Figur 4-1): the published number of answers, the
    published shares of 'meget positiv' and 'positiv', and an age slope planted so that the
    report's model as the twin's config describes it (footnote 3) has the published age
    coefficient (`benefit.calibrated_answers`, the twin's own estimator)."""
    ben = inp.instruments["instruments"]["benefit"]
    pub = inp.published["figur_4_1"]
    model = inp.twin["benefit_regression"]
    eligible = courses.index[(courses["status"] != "ongoing") & (courses["age"] >= ben["ages"][0])]
    who = np.sort(rng.choice(eligible, size=pub["regression"]["n"] * scale, replace=False))
    rest = 100 - pub["shares"]["meget_positiv"] - pub["shares"]["positiv"]
    counts = allocate(len(who), [rest * 0.2, rest * 0.8, pub["shares"]["positiv"], pub["shares"]["meget_positiv"]])
    levels = np.repeat([1, 2, 3, 4], counts)                   # ascending, matched to ascending latent
    age = courses.loc[who, "age"].to_numpy(dtype=float)
    ids = courses.loc[who, "course_id"].to_numpy()
    controls = background.reindex(ids)[model["controls"]].replace("", np.nan).reset_index(drop=True)
    values = tb.calibrated_answers(age, controls, levels, pub["regression"]["estimate"], model, rng).astype(str)
    return _long(ids, "benefit", "slut", ben["items"], values.reshape(-1, 1), courses.loc[who, "end_date"].to_numpy())


def _end_only(inp: TwinInputs, courses: pd.DataFrame, background: pd.DataFrame, rng: np.random.Generator,
              scale: int) -> list[pd.DataFrame]:
    """Perceived benefit (3-24, Figur 4-1) and the 0-2 parent statements (Figur 4-5), end only."""
    out = [_benefit(inp, courses, background, rng, scale)]
    ps = inp.instruments["instruments"]["parent_statements"]
    pub = inp.published["figur_4_5"]
    done = courses[(courses["status"] != "ongoing") & (courses["age"] >= ps["ages"][0])
                   & (courses["age"] <= ps["ages"][1])]
    # each statement's agree share exactly, spread from the lowest to the highest published
    agree = np.linspace(pub["agree_pct"]["min"], pub["agree_pct"]["max"], len(ps["items"]))
    vals = np.empty((len(done), len(ps["items"])), dtype=int)
    for j, share in enumerate(agree):
        n_agree, n_not = allocate(len(done), [share, 100 - share])
        n_very = int(round(n_agree * SHAPE["parent_statements_very_share"]))
        column = np.repeat([3, 2, 1], [n_very, n_agree - n_very, n_not])
        vals[:, j] = rng.permutation(column)
    out.append(_long(done["course_id"].to_numpy(), "parent_statements", "slut", ps["items"],
                     vals, done["end_date"].to_numpy()))
    return out


def _questionnaire_dirt(q: pd.DataFrame, protected: np.ndarray, inp: TwinInputs,
                        rng: np.random.Generator) -> pd.DataFrame:
    dirt = inp.twin["dirt"]
    u = rng.random(len(q))
    free = ~protected
    dk = inp.twin["response_codes"]["dont_know"]
    a = dirt["missing_item"]
    b = a + dirt["dont_know"]
    c = b + dirt["out_of_range"]
    response = q["response"].to_numpy(dtype=object).copy()
    response[free & (u < a)] = ""
    response[free & (u >= a) & (u < b)] = dk
    oor_ok = q["instrument"].isin(inp.twin["response_codes"]["out_of_range_instruments"]).to_numpy()
    response[free & oor_ok & (u >= b) & (u < c)] = str(dirt["out_of_range_code"])
    q = q.copy()
    q["response"] = response
    return q


def _incomplete_who5(inp: TwinInputs, courses: pd.DataFrame, calibrated: set,
                     rng: np.random.Generator) -> pd.DataFrame:
    """Start questionnaires with at least one unusable item, for courses outside the
    calibrated WHO-5 respondents: they count as answered but have no score."""
    dirt = inp.twin["dirt"]
    items = inp.instruments["instruments"]["who5"]["items"]
    eligible = courses[courses["age_group"].isin(who5_groups(inp)) & ~courses.index.isin(list(calibrated))]
    rate = dirt["missing_item"] + dirt["dont_know"] + dirt["out_of_range"]
    pick = eligible[rng.random(len(eligible)) < rate * len(items)]
    values = rng.integers(0, 6, size=(len(pick), len(items))).astype(str).astype(object)
    broken = rng.integers(0, len(items), size=len(pick))
    codes = ["", inp.twin["response_codes"]["dont_know"], str(dirt["out_of_range_code"])]
    values[np.arange(len(pick)), broken] = rng.choice(codes, size=len(pick))
    return _long(pick["course_id"].to_numpy(), "who5", "start", items, values,
                 pick["start_date"].to_numpy())


# --------------------------------------------------------------------------- fidelity


def _core_elements(inp: TwinInputs, courses: pd.DataFrame, background: pd.DataFrame, q: pd.DataFrame,
                   rng: np.random.Generator, extraction: np.datetime64,
                   scale: int, given: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Intention (drawn, or `given`: block 0's), fidelity registrations calibrated to Bilag 4's
    samples, and the outcomes re-assigned so that Bilag 4's models tell the report's story
    (elements, calibrate). Returns the questionnaires with moved answers, fidelity, intention."""
    cfg = inp.twin["core_elements"]
    specs = inp.instruments["instruments"]
    has_bg = courses["course_id"].isin(background.index)
    known = courses["age"] >= 0
    bg = background.reindex(courses["course_id"].to_numpy())
    eligible = courses[["course_id", "offer", "intervention_type"]].copy()
    for sub in cfg["subgroups"]:
        if sub["variable"] not in eligible.columns and sub["variable"] in bg.columns:
            eligible[sub["variable"]] = bg[sub["variable"]].fillna("").to_numpy()
    changes = {}
    for o in cfg["outcomes"]:
        changes[o["key"]] = ts.scored_change(q, o["instrument"], specs[o["instrument"]], o["scale"])
        eligible[o["key"]] = (courses["course_id"].isin(changes[o["key"]].index) & has_bg & known
                              & courses["age_group"].isin(o["age_groups"]))
    keys = list(changes)
    targets = te.published_targets(inp, scale)
    intention = (given.copy() if given is not None
                 else te.intention_matrix(inp, eligible.groupby(te.UNIT)[keys].sum(), targets, rng))
    picked = te.choose_fidelity(eligible, intention, targets, rng)
    outside = eligible.index[~eligible[keys].any(axis=1)]
    outside = outside[rng.random(len(outside)) < te.SHAPE["fidelity_share_other"]]
    with_fid = courses.loc[picked.append(outside).sort_values()]
    fidelity = te.ratings(with_fid, intention, te.registration_dates(with_fid, rng, extraction), inp, rng)
    x = te.intensity(fidelity, inp.element_codes, cfg["aggregation"], cfg["unrated"])
    intent = te.child_intention(courses, intention, inp.element_codes)
    planted = te.planted_effects(inp.published)
    statements = inp.published.get("bilag_4", {}).get("statements", {})
    for o in cfg["outcomes"]:
        members = courses[eligible[o["key"]] & courses["course_id"].isin(x.index)]
        if members.empty:
            continue
        frame = te.sample_frame(members, background, intent, x, changes[o["key"]], inp.element_codes, cfg)
        source = _plant(frame, planted.get(o["key"], {}), statements, o["key"], inp, cfg, rng)
        q = te.move_questionnaires(q, o["instrument"], source)
    return q, fidelity, intention


def _plant(frame: pd.DataFrame, planted: dict, statements: dict, outcome: str, inp: TwinInputs, cfg: dict,
           rng: np.random.Generator) -> pd.Series:
    """Which child's questionnaires each child of one sample gets (source course_id indexed by
    destination): drawn by the data-generating process (the planted whole-sample effects), then
    searched until the twin's own fit of every model tells the statements (calibrate; with
    `twin.core_elements.search` false, the draw alone). Statements that do not hold in the end
    are printed (the rule's log)."""
    coefs = te.planted_signal(frame, inp.element_codes, {"intention": {}, "intensity": {}, **planted})
    columns = frame.set_index("course_id")
    drawn = te.plant_order(frame[["course_id", "age_group", "change"]], columns, coefs, "age_group", rng)
    ids = frame["course_id"].to_numpy()
    source = drawn.reindex(ids).to_numpy()            # position i gets the outcome of course source[i]
    change = frame.set_index("course_id")["change"].reindex(source).to_numpy(dtype="float64")
    z = (change - change.mean()) / change.std(ddof=1)
    wanted = tc.targets(statements, outcome, inp.element_codes, cfg["subgroups"])
    fitted = tc.fits(frame, inp.element_codes, cfg)
    problem = tc.Problem.of(fitted, wanted, len(frame), cfg["level"])
    groups = pd.factorize(frame["age_group"])[0]
    # without the search (`search: false`) the draw stands; what it misses is still reported
    perm, missed = tc.search(z, groups, problem, rng, None if cfg["search"] else 0)
    for tg in tc.unfitted(fitted, wanted) + missed:
        print(f"twin: {outcome} {tg.model} {tg.variable or 'Samlet'} {tg.level} {tg.element}: "
              f"statement '{tg.sign}' {tg.source} not planted")
    return pd.Series(source[perm], index=ids)


# --------------------------------------------------------------------------- dirt


def _dirty_courses(inp: TwinInputs, courses: pd.DataFrame, rng: np.random.Generator,
                   extraction: np.datetime64, scale: int, block: Block) -> pd.DataFrame:
    """Rows the report's cleaning removed: duplicates, test persons and misregistrations.
    `bg_row` marks dirty rows that get a background row of their own (identifiers only), with
    `bg_cpr` the CPR number it carries."""
    dirt = inp.twin["dirt"]
    n = len(courses)
    parts = []
    dup = courses.iloc[np.sort(rng.choice(n, size=int(round(dirt["duplicate_courses"] * n)),
                                          replace=False))].copy()
    dup["dirt"] = "duplicate"
    dup["bg_row"] = False
    dup["bg_cpr"] = ""
    # some duplicates of a child known by CPR are registered by a person id only: the id is
    # linked to the CPR by another course of the child (CPR and id together) or by the CPR in
    # the duplicate's own background row; only the identity rule finds them
    by_cpr = np.flatnonzero((dup["id_class"] == "cpr").to_numpy() & (dup["cpr"] != "").to_numpy())
    linked = by_cpr[rng.random(len(by_cpr)) < inp.twin["persons"]["linked_duplicates"]]
    tuba_linked = linked[(dup["person_tid"].iloc[linked] != "").to_numpy()
                         & (dup["offer"].iloc[linked] == "TUBA").to_numpy()]
    own_row = np.setdiff1d(linked, tuba_linked)
    col = dup.columns.get_loc
    dup.iloc[tuba_linked, col("person_id")] = dup["person_tid"].iloc[tuba_linked].to_numpy()
    prefix = np.where(dup["source_system"].iloc[own_row] == "TUBA", "TD", "S")
    dup.iloc[own_row, col("person_id")] = [block.ident(p, i, 6) for p, i in zip(prefix, rng.permutation(len(own_row)),
                                                                         strict=True)]
    dup.iloc[own_row, col("bg_row")] = True
    dup.iloc[own_row, col("bg_cpr")] = dup["person_cpr"].iloc[own_row].to_numpy()
    dup.iloc[linked, col("cpr")] = ""
    parts.append(dup)

    def fresh(k: int, kind: str) -> pd.DataFrame:
        base = courses[courses["person_id"] == ""].iloc[
            np.sort(rng.choice((courses["person_id"] == "").sum(), size=k, replace=False))].copy()
        base["dirt"] = kind
        base["cpr"] = ""
        base["bg_row"] = False
        base["bg_cpr"] = ""
        return base

    k = int(round(dirt["end_before_start"] * n))
    bad_end = fresh(k, "end_before_start")
    bad_end["status"] = np.where(bad_end["status"] == "ongoing", "planned", bad_end["status"])
    bad_end["end_date"] = bad_end["start_date"] - rng.integers(1, 60, size=k).astype("timedelta64[D]")
    parts.append(bad_end)
    k = int(round(dirt["age_out_of_range"] * n))
    bad_age = fresh(k, "age_out_of_range")
    bad_age["age"] = rng.integers(27, 45, size=k)
    parts.append(bad_age)
    k = int(round(dirt["start_after_extraction"] * n))
    late = fresh(k, "start_after_extraction")
    late["start_date"] = extraction + rng.integers(1, 60, size=k).astype("timedelta64[D]")
    late["status"] = "ongoing"
    late["end_date"] = np.datetime64("NaT")
    parts.append(late)
    # test persons: a third by the person id pattern (half of those with an empty background
    # row), a third by a test CPR on the course, a third by a test CPR only in the background
    # (the course names an ordinary person id)
    k = dirt["test_persons"] * scale
    test = fresh(k, "test_person")
    col = test.columns.get_loc
    test["person_id"] = [block.ident(inp.twin['test_persons']['person_id_prefix'], i, 4) for i in range(k)]
    test.iloc[: k // 6, col("bg_row")] = True
    tests_cpr = inp.twin["test_persons"]["cprs"]
    if tests_cpr:
        third = k // 3
        on_course, in_bg = np.arange(k - 2 * third, k - third), np.arange(k - third, k)
        test.iloc[on_course, col("person_id")] = ""
        test.iloc[on_course, col("cpr")] = [tests_cpr[i % len(tests_cpr)] for i in range(third)]
        test.iloc[in_bg, col("person_id")] = [block.ident("P", i, 6) for i in range(third)]
        test.iloc[in_bg, col("bg_row")] = True
        test.iloc[in_bg, col("bg_cpr")] = [tests_cpr[(i + 1) % len(tests_cpr)] for i in range(third)]
    parts.append(test)
    out = pd.concat(parts)
    out["bg_cpr"] = [f"{c[:6]}-{c[6:]}" if c else "" for c in out["bg_cpr"]]
    return out


# --------------------------------------------------------------------------- assembly


def generate(inp: TwinInputs, seed: int | None = None, scale: int | None = None) -> Twin:
    """Generate the raw extracts (all values as contract-formatted strings) from the twin's
    inputs alone; `seed` and `scale` override the twin config's. Scale k is k blocks (Block),
    made one after the other here; the workflow makes them as separate jobs (twin_block)."""
    seed = inp.twin["seed"] if seed is None else seed
    scale = inp.twin["scale"] if scale is None else scale
    first = generate_block(inp, seed, Block(0, scale))
    if scale == 1:
        return first
    given = block_intention(first)
    return concat([first] + [generate_block(inp, seed, Block(b, scale), given) for b in range(1, scale)])


def block_intention(twin: Twin) -> pd.DataFrame:
    """Block 0's intention in the form generate_block takes for the other blocks."""
    return twin.intention.assign(chosen=twin.intention["chosen"].astype(int))


def concat(blocks: list[Twin]) -> Twin:
    """The twin of several blocks: each extract's rows block after block (each block's rows are
    in course id order, and course ids carry the block, so the whole is too); the intention
    extract is block 0's, which every block shares."""
    frames = [b.frames() for b in blocks]
    out = {name: pd.concat([f[name] for f in frames], ignore_index=True) for name in frames[0] if name != "intention"}
    return Twin(**out, intention=blocks[0].intention)


def generate_block(inp: TwinInputs, seed: int, block: Block, intention: pd.DataFrame | None = None) -> Twin:
    """One block of the twin: the report-scale twin drawn from the block's generator, with the
    block's identifiers; `intention` (block 0's, block_intention) for every block but block 0."""
    if (intention is None) != (block.index == 0):
        raise ValueError(f"twin block {block.index}: block 0 draws the intention, every other block takes block 0's")
    scale = 1
    rng = block.rng(seed)
    extraction = np.datetime64(inp.twin["extraction_date"])

    courses = _courses(inp, rng, scale)
    _assign_ages(inp, courses, rng, scale)
    _dates(courses, rng, extraction)
    courses["intervention_type"] = rng.choice(list(SHAPE["intervention_type"]), size=len(courses),
                                              p=list(SHAPE["intervention_type"].values()))
    courses["course_id"] = [f"tmp{i}" for i in range(len(courses))]
    background = _background(inp, courses, rng, scale)

    _identities(inp, courses, background, rng, scale, block)

    # dirt, then final course ids in shuffled order (duplicates get the higher id)
    dirty = _dirty_courses(inp, courses, rng, extraction, scale, block)
    bad_age = dirty["dirt"] == "age_out_of_range"
    dirty.loc[bad_age, "birth_date"] = _birth_dates(
        dirty.loc[bad_age, "start_date"].to_numpy(), dirty.loc[bad_age, "age"].to_numpy(), rng)
    # just outside the valid ages: 26 on the start date's birthday, and born the day after the start
    edges = np.flatnonzero(bad_age.to_numpy())[:2]
    if len(edges) == 2:
        start = dirty["start_date"].iloc[edges].to_numpy().astype("datetime64[D]")
        col = dirty.columns.get_loc
        dirty.iloc[edges, col("age")] = [26, -1]
        dirty.iloc[edges, col("birth_date")] = pd.to_datetime(
            [tp.years_before(start[:1], np.array([26]))[0], start[1] + np.timedelta64(1, "D")])
    need_cpr = (dirty["dirt"] != "duplicate") & (dirty["cpr"] == "") & (dirty["person_id"] == "")
    taken = set(courses["person_cpr"][courses["person_cpr"] != ""])
    dirty.loc[need_cpr, "cpr"] = make_cprs(pd.to_datetime(dirty.loc[need_cpr, "birth_date"]).to_numpy(),
                                           rng.random(int(need_cpr.sum())) < 0.5, rng, taken, block.serials)
    courses["dirt"] = ""
    allrows = pd.concat([courses, dirty], ignore_index=True)   # courses keep index 0..n-1
    final = np.empty(len(allrows), dtype=object)
    final[rng.permutation(len(allrows))] = [block.ident("F", i + 1, 7) for i in range(len(allrows))]
    original = {tmp: i for i, tmp in enumerate(courses["course_id"])}
    for i in np.flatnonzero((allrows["dirt"] == "duplicate").to_numpy()):
        j = original[allrows.at[i, "course_id"]]
        if final[i] < final[j]:
            final[i], final[j] = final[j], final[i]
    allrows["course_id"] = final
    courses["course_id"] = final[: len(courses)]
    background.index = courses.loc[background.index, "course_id"].to_numpy()

    bg_out = _background_rows(background)
    extra = allrows[allrows["bg_row"].fillna(False).astype(bool)]
    bg_out = pd.concat([bg_out, pd.DataFrame({"course_id": extra["course_id"].to_numpy(),
                                              "cpr": extra["bg_cpr"].to_numpy()})],
                       ignore_index=True).fillna("")

    who5, calibrated_idx = _who5(inp, courses, rng, scale)
    sdq, sdq_pairs = _sdq(inp, courses, rng)
    ypc, ypc_pairs = _single_scale(inp, courses, "yp_core", SHAPE["yp_core_end_share"], rng)
    com, com_pairs = _core_om(inp, courses, rng, te.favoured(inp, courses, background, "core_om", scale))
    tool, tool_pairs = _tool_0_2(inp, courses, rng)
    q = pd.concat(who5 + sdq + ypc + com + tool + _end_only(inp, courses, background, rng, scale),
                  ignore_index=True)
    # calibrated answers stay clean: the WHO-5 start answers of Figur 3-3 and every pair that
    # reproduces chapter 4 (Figur 4-4's 0-2 pairs too: a few dirty items among 64 pairs move
    # its mean change by 0,02); the dirt goes to the others
    calibrated_ids = set(courses.loc[list(calibrated_idx), "course_id"])
    pairs = {"sdq_p": sdq_pairs, "yp_core": ypc_pairs, "core_om": com_pairs, "tool_0_2": tool_pairs}
    protected = (q["instrument"] == "who5") & q["course_id"].isin(calibrated_ids)
    for name, ids in pairs.items():
        protected |= (q["instrument"] == name) & q["course_id"].isin(ids)
    protected |= q["instrument"].isin(["benefit", "parent_statements"])   # their counts and shares are published
    q = _questionnaire_dirt(q, protected.to_numpy(), inp, rng)
    q, fidelity, intention = _core_elements(inp, courses, background, q, rng, extraction, scale, intention)
    courses["status"] = _plant_dropout(inp, courses, background, q, rng)
    allrows.loc[: len(courses) - 1, "status"] = courses["status"].to_numpy()
    registrations = _registration_rows(allrows)
    q = pd.concat([q, _incomplete_who5(inp, courses, calibrated_idx, rng)], ignore_index=True)
    q["answered_date"] = pd.to_datetime(q["answered_date"]).dt.strftime("%Y-%m-%d")
    q = q.sort_values(["course_id", "instrument", "timepoint", "item"], kind="stable").reset_index(drop=True)
    q = q[["course_id", "instrument", "timepoint", "answered_date", "item", "response"]]

    intention["chosen"] = intention["chosen"].astype(str)
    fidelity["date"] = pd.to_datetime(fidelity["date"]).dt.strftime("%Y-%m-%d")
    fidelity = fidelity.sort_values(["course_id", "date", "element"], kind="stable").reset_index(drop=True)
    return Twin(registrations, bg_out, q, fidelity, intention)


def _plant_dropout(inp: TwinInputs, courses: pd.DataFrame, background: pd.DataFrame, q: pd.DataFrame,
                   rng: np.random.Generator) -> pd.Series:
    """Re-decide which completed courses of each offer ended unplanned (same count per offer,
    so Tabel 8-1 is unchanged), ranking by the traits section 3.3 names plus noise."""
    w = SHAPE["dropout_weights"]
    spec = inp.instruments["instruments"]["who5"]
    score = ts.scores(q[q["timepoint"] == "start"], "who5", spec, spec["main_scale"])
    low = (score <= spec["low_wellbeing_max"]).droplevel("timepoint")
    bg = background.reindex(courses["course_id"])
    age = courses["age"].where(courses["age"] >= 0).astype(float)
    score = (w["age_sd"] * ((age - age.mean()) / age.std()).fillna(0).to_numpy()
             + w["both_or_others"] * bg["abusing_party"].isin(["begge", "oevrige"]).to_numpy()
             + w["other_support"] * (bg["other_support"] == "ja").to_numpy()
             + w["low_wellbeing"] * low.reindex(courses["course_id"]).fillna(False).to_numpy()
             + rng.normal(size=len(courses)))
    status = courses["status"].copy()
    for _, idx in courses.groupby("offer").groups.items():
        ended = [i for i in idx if status[i] in ("planned", "unplanned")]
        k = sum(status[i] == "unplanned" for i in ended)
        order = sorted(ended, key=lambda i: -score[courses.index.get_loc(i)])
        status[order[:k]] = "unplanned"
        status[order[k:]] = "planned"
    return status


def _fmt_date(values: pd.Series, fmt: str) -> pd.Series:
    return pd.to_datetime(values).dt.strftime(fmt).fillna("")


def _registration_rows(allrows: pd.DataFrame) -> pd.DataFrame:
    completed = allrows["status"] != "ongoing"
    out = pd.DataFrame({
        "course_id": allrows["course_id"],
        "cpr": [f"{c[:6]}-{c[6:]}" if c else "" for c in allrows["cpr"]],
        "person_id": allrows["person_id"],
        "offer": allrows["offer"],
        "branch": allrows["branch"],
        "source_system": allrows["source_system"],
        "start_date": _fmt_date(allrows["start_date"], "%d-%m-%Y"),
        "end_date": _fmt_date(allrows["end_date"].where(completed), "%d-%m-%Y"),
        "end_status": allrows["status"].map(END_STATUS).fillna(""),
        "intervention_type": allrows["intervention_type"],
    })
    return out.sort_values("course_id", kind="stable").reset_index(drop=True)


def _background_rows(background: pd.DataFrame) -> pd.DataFrame:
    out = background.copy()
    out["measured_date"] = _fmt_date(out["measured_date"], "%d-%m-%Y")
    out.insert(0, "course_id", out.index)
    cols = ["course_id", "measured_date", "gender", "birth_date", "cpr", "nationality", "residence",
            "parents_education", "child_education", "substance", "abusing_party",
            "problem_conflict", "problem_mental_illness", "problem_violence",
            "problem_death_trauma", "problem_other", "problem_none", "other_support",
            "lives_with_abuser"]
    return out[cols].fillna("").sort_values("course_id", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- writing

def write(twin: Twin, paths: dict[str, str | Path], formats: dict[str, dict]) -> None:
    """Write each extract to its path (the rule's outputs) in the twin's `extract_formats`."""
    files.write(twin.frames(), paths, formats)
