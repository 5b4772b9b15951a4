"""What the twin's extracts hold that no printed number constrains, drawn from the seeded generator
after every calibrated answer (so these draws never move a calibrated one).

- branches (150, at least one per offer, each in a municipality) and the municipalities each offer
  covers: its branches' (`filial`), its own statement (`dybdesurvey`) and, for municipalities that
  answered the breadth survey, being named there (`breddesurvey`);
- the net list: each candidate's source, the 41 candidates screened into the target group linked
  one to one to the 41 offers outside the pool (the candidate then carries the offer's name), and
  a candidate named in the breadth survey counted among its municipality's `offers_named`;
- the interventions' description, sessions, duration and frequency;
- short neutral free texts where a unit ticked "Andet, beskriv" or "Angiv venligst hvilken".

Everything is in the twin's own vocabulary (its categories, integer ids); `write.py` translates it
into the contract. Nothing here is published by the report, so nothing is checked against it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from puljeeval.kortlaegning.twin.targets import CONFIG, TwinConfigError

ANSWERED = ("Gennemført", "Nogle svar")    # breadth-survey statuses that answered
IN_TARGET_GROUP = "I målgruppen"
OUTSIDE_POOL = "ikke_pulje"
BREADTH = "breddesurvey"


def branches_and_coverage(offers: pd.DataFrame, municipalities: pd.DataFrame, spec: dict[str, Any],
                          rng: np.random.Generator, path: Path = CONFIG) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every offer has at least one branch (the offers in `many` at least `many_min`), `total` in all,
    each in a municipality; an offer covers its branches' municipalities (`filial`) and up to
    `coverage_extra_max` more by its own account (`dybdesurvey`)."""
    unknown = [name for name in spec["many"] if name not in set(offers["offer_name"])]
    if unknown:
        raise TwinConfigError(f"{path}: branches.many: {unknown} are not offers of Tabel 9-3")
    least = np.where(offers["offer_name"].isin(spec["many"]), spec["many_min"], 1)
    n = len(offers)
    extra = rng.multinomial(spec["total"] - int(least.sum()), np.full(n, 1 / n))
    codes = municipalities["municipality_code"].to_numpy()
    b_rows, c_rows = [], []
    for oid, k in zip(offers["offer_id"], extra + least, strict=True):
        where = sorted(rng.choice(len(codes), size=int(k), replace=False))
        b_rows += [(int(oid), codes[w]) for w in where]
        more = rng.choice(len(codes), size=int(rng.integers(0, spec["coverage_extra_max"] + 1)), replace=False)
        cover = sorted(set(where) | set(int(m) for m in more))
        c_rows += [(int(oid), codes[c], "filial" if c in where else "dybdesurvey") for c in cover]
    branches = pd.DataFrame(b_rows, columns=["offer_id", "municipality_code"])
    branches.insert(0, "branch_id", range(1, len(branches) + 1))
    return branches, pd.DataFrame(c_rows, columns=["offer_id", "municipality_code", "source"])


def _pick(pool: list[str], rng: np.random.Generator) -> str:
    return pool[int(rng.integers(0, len(pool)))]


def _has(answer: Any, category: str) -> bool:
    return answer == category or (isinstance(answer, tuple) and category in answer)


def link_candidates(offers: pd.DataFrame, candidates: pd.DataFrame, rng: np.random.Generator,
                    path: Path = CONFIG) -> None:
    """The offers outside the pool get the candidates screened into the target group, in a random order
    (`offers.candidate_id`; the candidate's `offer_id`). Tabel 9-14's 41 and Tabel 9-15's 41 are both
    calibrated, so the two groups have the same size; if not, the calibration has failed."""
    outside = offers.index[offers["pulje"] == OUTSIDE_POOL].to_numpy()
    screened_in = candidates.index[candidates["screening"] == IN_TARGET_GROUP].to_numpy()
    if len(outside) != len(screened_in):
        raise TwinConfigError(f"{path}: {len(outside)} offers outside the pool but {len(screened_in)} net-list "
                              "candidates in the target group; each such offer is one such candidate "
                              "(Tabel 9-14 and 9-15)")
    order = rng.permutation(screened_in)
    offers["candidate_id"] = pd.array([pd.NA] * len(offers), dtype="Int64")
    offers.loc[outside, "candidate_id"] = order
    candidates["offer_id"] = pd.array([pd.NA] * len(candidates), dtype="Int64")
    candidates.loc[order, "offer_id"] = outside


def breadth_survey(offers: pd.DataFrame, municipalities: pd.DataFrame, candidates: pd.DataFrame,
                   coverage: pd.DataFrame, share: float, sources: list[str],
                   rng: np.random.Generator) -> pd.DataFrame:
    """Which answering municipalities named which offers (`breddesurvey` coverage rows, returned with the
    others), the candidates' sources made to agree (a candidate whose offer was named came from the
    breadth survey, the Bilag's first step; one that was not came from another), and each answering
    municipality's number of offers named (offers plus net-list candidates put there by it)."""
    answered = municipalities.loc[municipalities["besvarelse"].isin(ANSWERED), "municipality_code"].to_numpy()
    answered_set = set(answered)
    rows = []
    for oid in offers["offer_id"]:
        covered = coverage.loc[coverage["offer_id"] == oid, "municipality_code"].unique()
        rows += [(int(oid), m, BREADTH) for m in sorted(set(covered) & answered_set) if rng.random() < share]
    named = pd.DataFrame(rows, columns=["offer_id", "municipality_code", "source"])
    others = [s for s in sources if s != BREADTH]
    linked = candidates["offer_id"].notna()
    named_offers = set(named["offer_id"])
    for cid in candidates.index[linked]:
        if int(candidates.at[cid, "offer_id"]) in named_offers:
            candidates.at[cid, "source"] = BREADTH
        elif candidates.at[cid, "source"] == BREADTH:
            candidates.at[cid, "source"] = _pick(others, rng)
    per_municipality = named.drop_duplicates(["offer_id", "municipality_code"]).groupby("municipality_code").size()
    from_net_list = candidates.index[~linked & (candidates["source"] == BREADTH)]
    by = pd.Series(answered[rng.integers(0, len(answered), len(from_net_list))]).value_counts()
    counts = per_municipality.add(by, fill_value=0).reindex(answered, fill_value=0).astype(int)
    municipalities["offers_named"] = pd.array([pd.NA] * len(municipalities), dtype="Int64")
    hit = municipalities["municipality_code"].isin(answered_set)
    municipalities.loc[hit, "offers_named"] = municipalities.loc[hit, "municipality_code"].map(counts).to_numpy()
    return pd.concat([coverage, named], ignore_index=True).sort_values(
        ["offer_id", "municipality_code", "source"], kind="stable").reset_index(drop=True)


def texts(frames: dict[str, pd.DataFrame], spec: dict[str, Any], variables: dict[str, dict],
          categories: dict[str, tuple[str, ...]], rng: np.random.Generator, path: Path = CONFIG) -> None:
    """A text per unit and configured (variable, category) the unit ticked: column `<variable>_text`."""
    for name, by_category in spec["answers"].items():
        if name not in variables:
            raise TwinConfigError(f"{path}: uncalibrated.texts.answers.{name}: not a variable")
        unknown = [c for c in by_category if c not in categories[name]]
        if unknown:
            raise TwinConfigError(f"{path}: uncalibrated.texts.answers.{name}: {unknown} are not categories of "
                                  f"{name} {list(categories[name])}")
        frame = frames[variables[name]["unit"]]
        out = []
        for answer in frame[name]:
            hit = [c for c in by_category if _has(answer, c)]
            out.append(_pick(by_category[hit[0]], rng) if hit else None)
        frame[f"{name}_text"] = out


def intervention_details(interventions: pd.DataFrame, spec: dict[str, Any], rng: np.random.Generator) -> None:
    """Description (by type), sessions and duration (stated or not, a number when stated: sessions a
    whole number, duration in whole or half months) and the frequency, for every intervention."""
    described = spec["texts"]["intervention"]
    interventions["description"] = [described[t] for t in interventions["type"]]
    for key, column, step in (("sessions", "sessions", 1.0), ("duration", "duration_months", 0.5)):
        answers = spec[key]["answers"]
        codes, p = list(answers), np.array(list(answers.values()), float)
        chosen = rng.choice(len(codes), size=len(interventions), p=p / p.sum())
        lo, hi = spec[key]["range"]
        values = rng.integers(int(lo / step), int(hi / step) + 1, len(interventions)) * step
        interventions[f"{key}_answer"] = [codes[c] for c in chosen]
        interventions[column] = [v if codes[c] == "angivet" else None for c, v in zip(chosen, values, strict=True)]
    freq = spec["frequency"]
    codes, p = list(freq), np.array(list(freq.values()), float)
    interventions["frequency"] = [codes[c] for c in rng.choice(len(codes), size=len(interventions), p=p / p.sum())]


def names(candidates: pd.DataFrame, offers: pd.DataFrame, branches: pd.DataFrame, municipalities: pd.DataFrame,
          spec: dict[str, Any]) -> None:
    """A candidate that is an offer has the offer's (real) name, the others a neutral one with their number;
    a branch is named by its municipality."""
    offer_name = offers.set_index("offer_id")["offer_name"]
    candidates["name"] = [offer_name[int(o)] if pd.notna(o) else f"{spec['candidate']} {int(c)}"
                          for c, o in zip(candidates["candidate_id"], candidates["offer_id"], strict=True)]
    municipality = municipalities.set_index("municipality_code")["municipality_name"]
    branches["name"] = [spec["branch"].format(kommune=municipality[m]) for m in branches["municipality_code"]]
