"""The offer-level data-generating process of the 2016 mapping's twin.

Real data first: the 55 offers, their names and age groups (Tabel 9-3) and the 127 interventions
by offer and type (Tabel 9-4; Silkeborg, Sundhedshuset and Tønder Kommune have no 9-4 row and get
no interventions, which keeps the printed total of 127). Every survey answer is then chosen by
`calibrate.solve`, one variable after the other in the configuration's order, each conditioned on
the answers before it (sector before pool membership, size before education, an intervention's
type before its methods). What no number is printed for (branches, coverage, the net list's
sources and links, free texts, sessions and duration) is drawn afterwards from the same generator
(`uncalibrated.py`). The 98 municipalities are the contract's code list (`MUNICIPALITIES`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from puljeeval.kortlaegning.consistency import counts_for
from puljeeval.kortlaegning.contract import MUNICIPALITIES
from puljeeval.kortlaegning.published import Published, load, read_offer_tables
from puljeeval.kortlaegning.transcribe import TYPE_COLUMNS, offer_key
from puljeeval.kortlaegning.twin import calibrate, uncalibrated
from puljeeval.kortlaegning.twin.staff import KINDS, staff_counts
from puljeeval.kortlaegning.twin.targets import CONFIG, TwinConfigError, _printed, load_config, targets_for, variables

AGE_LABELS = {"age_0_5": "0-5 år", "age_6_12": "6-12 år", "age_13_17": "13-17 år", "age_18_25": "18-25 år"}
CALIBRATION_COLUMNS = ["variable", "table", "row", "column", "printed", "agreeing_counts", "window", "twin_count",
                       "twin_pct", "n_twin", "status"]


@dataclass
class Twin:
    """The twin's units (one frame each, indexed by integer id; multi-choice answers as tuples, in the
    twin's own categories) and its calibration report."""

    offers: pd.DataFrame
    interventions: pd.DataFrame
    municipalities: pd.DataFrame
    candidates: pd.DataFrame
    branches: pd.DataFrame
    coverage: pd.DataFrame
    calibration: pd.DataFrame
    seed: int
    units: dict[str, str] = field(default_factory=dict)   # each survey variable's unit (tilbud, indsats, ...)


def skeleton(t93: pd.DataFrame, t94: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The offers (Tabel 9-3) and their interventions (Tabel 9-4), real data, with integer ids."""
    offers = pd.DataFrame({"offer_id": range(1, len(t93) + 1), "offer_name": t93["offer_name"].to_list()})
    for col in AGE_LABELS:
        offers[col] = t93[col].to_numpy()
    offers = offers.set_index("offer_id", drop=False)
    id_of = {offer_key(name): i for i, name in zip(offers["offer_id"], offers["offer_name"], strict=True)}
    rows = []
    for rec in t94.itertuples(index=False):
        key = offer_key(rec.offer_name)
        if key not in id_of:
            raise TwinConfigError(f"tabel_9_4.csv: offer {rec.offer_name!r} (line {rec.source_line}) "
                                  "is not in Tabel 9-3")
        for col in TYPE_COLUMNS:
            rows += [(id_of[key], col)] * int(getattr(rec, col))
    interventions = pd.DataFrame(rows, columns=["offer_id", "type"])
    interventions.insert(0, "intervention_id", range(1, len(interventions) + 1))
    return offers, interventions.set_index("intervention_id", drop=False)


def _asked(frame: pd.DataFrame, spec: dict[str, Any]) -> np.ndarray:
    cond = spec.get("asked")
    if not cond:
        return frame.index.to_numpy()
    (var, cats), = cond.items()
    if var not in frame.columns:
        raise TwinConfigError(f"{CONFIG}: asked: {var!r} is not an earlier variable")

    def hit(v: Any) -> bool:
        return isinstance(v, tuple) and bool(set(v) & set(cats)) or (isinstance(v, str) and v in cats)
    return frame.index[frame[var].map(hit)].to_numpy()


def _values(sol: calibrate.Solution) -> dict[int, Any]:
    cats = sol.variable.categories
    out = {}
    for unit, row in zip(sol.units, sol.answers, strict=True):
        chosen = tuple(c for c, x in zip(cats, row, strict=True) if x)
        out[int(unit)] = chosen[0] if sol.variable.kind == "single" else chosen
    return out


def _report(sol: calibrate.Solution, targets: list[calibrate.Target]) -> list[dict[str, Any]]:
    rows = []
    for t, k in zip(targets, sol.achieved, strict=True):
        n = len(t.members)
        rows.append({"variable": sol.variable.name, "table": t.table, "row": t.row, "column": t.column,
                     "printed": t.printed, "agreeing_counts": " ".join(map(str, t.agrees)) or "none",
                     "window": f"{t.window[0]}-{t.window[1]}", "twin_count": k,
                     "twin_pct": round(100 * k / n, 2) if n else None, "n_twin": n,
                     "status": "reproduced" if k in t.agrees else "relaxed"})
    return rows


def real_data_checks(specs: list[dict[str, Any]], pub: Published, offers: pd.DataFrame,
                     interventions: pd.DataFrame) -> list[dict[str, Any]]:
    """The printed cells of tables the real Tabel 9-3/9-4 determine, against the real counts: such a cell
    is never calibrated; where its count or share differs from the data it is reported."""
    rows = []
    for spec in specs:
        tid = spec["table"]
        table = pub.tables[tid]
        unit = offers if spec["unit"] == "tilbud" else interventions
        for label, column in spec["cells"].items():
            if spec["unit"] == "tilbud":
                k = int(unit[column].sum())
            else:
                k = int((unit["type"] == column).sum())
            n = len(unit)
            for row, cells in table["cells"].items():
                cell = cells.get(label) or (cells.get(next(iter(table["columns"]))) if row == label else None)
                if not cell:
                    continue
                count, pct = cell.get("count"), cell.get("pct")
                ok_count = count is None or count == k
                ok_pct = pct is None or k in counts_for(pct, n)
                rows.append({"variable": column, "table": tid, "row": row, "column": label if label in cells else
                             next(iter(table["columns"])), "printed": _printed(count, pct, n),
                             "agreeing_counts": "real data", "window": "real data", "twin_count": k,
                             "twin_pct": round(100 * k / n, 2), "n_twin": n,
                             "status": "reproduced" if ok_count and ok_pct else "real_data_differs"})
    return rows


def read_municipalities(path: Path = MUNICIPALITIES) -> pd.DataFrame:
    """The contract's 98 municipalities (`code`, `name`) as the twin's `kommune` units."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    if list(table.columns) != ["code", "name"] or len(table) != 98 or not table["code"].is_unique:
        raise TwinConfigError(f"{path}: expected the columns code, name and 98 distinct codes; got "
                              f"{list(table.columns)} and {len(table)} rows")
    out = table.rename(columns={"code": "municipality_code", "name": "municipality_name"})
    out.index = pd.RangeIndex(1, len(out) + 1)
    return out


def generate(config_path: Path = CONFIG, seed: int | None = None, pub: Published | None = None,
             data_dir: Path | None = None, municipalities_path: Path = MUNICIPALITIES) -> Twin:
    """The twin of the configuration (its seed unless `seed` is given)."""
    doc = load_config(config_path)
    seed = doc["seed"] if seed is None else seed
    pub = pub or load()
    t93, t94 = read_offer_tables(data_dir) if data_dir else read_offer_tables()
    rng = np.random.default_rng(seed)
    offers, interventions = skeleton(t93, t94)
    municipalities = read_municipalities(municipalities_path)
    candidates = pd.DataFrame({"candidate_id": range(1, doc["netlist"]["total"] + 1)})
    candidates.index = candidates["candidate_id"].to_numpy()
    frames = {"tilbud": offers, "indsats": interventions, "kommune": municipalities, "kandidat": candidates}
    qs = variables(doc, pub, config_path)
    report: list[dict[str, Any]] = []
    for name, spec in doc["variables"].items():
        frame = frames[spec["unit"]]
        asked = _asked(frame, spec)
        targets = [t for ts in doc["targets"] if ts["variable"] == name
                   for t in targets_for(ts, qs[name], pub, frame, asked, config_path)]
        fixed = {}
        for offer_name, answer in (spec.get("fixed") or {}).items():
            hits = frame.index[frame["offer_name"] == offer_name]
            if len(hits) != 1:
                raise TwinConfigError(f"{config_path}: variables.{name}.fixed: {offer_name!r} "
                                      "is not one offer of Tabel 9-3")
            fixed[int(hits[0])] = answer
        sol = calibrate.solve(qs[name], asked, targets, rng, fixed)
        values = _values(sol)
        frame[name] = [values.get(int(u)) for u in frame.index]
        report += _report(sol, targets)
    counts, staff_report = staff_counts(offers, doc["staff"], pub, rng)
    for kind in KINDS:
        offers[f"medarbejdere_{kind}"] = counts[kind]
    offers["frivillige"] = [None if pd.isna(v) else ("ja" if v > 0 else "nej") for v in counts["frivillige"]]
    report += staff_report
    report += real_data_checks(doc["real_data"], pub, offers, interventions)
    branches, coverage = uncalibrated.branches_and_coverage(offers, municipalities, doc["branches"], rng,
                                                                 config_path)
    sources = doc["netlist"]["sources"]
    candidates["source"] = [sources[i] for i in rng.integers(0, len(sources), len(candidates))]
    spec = doc["uncalibrated"]
    uncalibrated.link_candidates(offers, candidates, rng, config_path)
    coverage = uncalibrated.breadth_survey(offers, municipalities, candidates, coverage, spec["named_share"], sources,
                                           rng)
    uncalibrated.texts(frames, spec["texts"], doc["variables"], {k: v.categories for k, v in qs.items()}, rng,
                       config_path)
    uncalibrated.intervention_details(interventions, spec, rng)
    uncalibrated.names(candidates, offers, branches, municipalities, spec["texts"])
    calibration = pd.DataFrame(report, columns=CALIBRATION_COLUMNS)
    units = {name: spec["unit"] for name, spec in doc["variables"].items()}
    return Twin(offers, interventions, municipalities, candidates, branches, coverage, calibration, seed, units)

