"""Benchmark: scoring speed, vectorised path against a straightforward row-wise version.

    python -m puljeeval.tools.bench_scoring [--scale 100] [--rowwise-sample 20000]

Generates the synthetic twin at scale 1, cleans its questionnaire extract, and replicates it
`scale` times with new course ids: the long item-level extract of the twin at that scale.
For each instrument it times, in one run:
- long -> scores: item_matrix (reshape of the long extract) plus score_matrix;
- in memory: score_matrix on the (questionnaires x items) matrix alone;
- row-wise: a plain pandas DataFrame.apply(axis=1) of the same rules on a sample of
  questionnaires, whose results are checked against the vectorised ones.
It prints questionnaires per second for each and the speed-up. Figures, not pass/fail.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import pandas as pd

from puljeeval import settings
from puljeeval.data import cleaning
from puljeeval.scoring import instruments
from puljeeval.twin import generate as synthetic
from puljeeval.twin.inputs import SIDE_FILES, TwinInputs


def score_row(row: pd.Series, spec: dict) -> pd.Series:
    """The scoring rules for one questionnaire, written the obvious way."""
    lo, hi = spec["range"]
    scored = {}
    for item in spec["items"]:
        v = row[item]
        if v is None or (isinstance(v, float) and math.isnan(v)):
            continue
        scored[item] = lo + hi - v if item in spec.get("reversed", []) else v
    out = {}
    for name, scale in spec["scales"].items():
        if "sum_of" in scale:
            continue
        values = [scored[i] for i in instruments.scale_items(spec, scale) if i in scored]
        if len(values) < scale["min_answered"]:
            out[name] = float("nan")
            continue
        value = sum(values) / len(values) * scale["multiplier"]
        out[name] = math.floor(value + 0.5) if scale.get("round_half_up") else value
    for name, scale in spec["scales"].items():
        if "sum_of" in scale:
            parts = [out[p] for p in scale["sum_of"]]
            out[name] = float("nan") if any(math.isnan(p) for p in parts) else sum(parts)
    return pd.Series(out)


def replicate(responses: pd.DataFrame, scale: int) -> pd.DataFrame:
    """The long extract `scale` times over, each copy with its own (integer) course ids."""
    codes, _ = pd.factorize(responses["course_id"])
    n_courses = codes.max() + 1
    base = pd.DataFrame({"course_id": codes.astype(np.int64), "instrument": responses["instrument"].astype("category"),
                         "timepoint": responses["timepoint"].astype("category"),
                         "item": responses["item"].astype("category"),
                         "value": responses["value"].astype("float64"), "status": responses["status"]})
    parts = [base.assign(course_id=base["course_id"] + k * n_courses) for k in range(scale)]
    return pd.concat(parts, ignore_index=True)


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def run(scale: int, rowwise_sample: int) -> pd.DataFrame:
    s = settings.load()
    twin = synthetic.generate(TwinInputs.of(s.config["twin"], {k: getattr(s, k) for k in SIDE_FILES}), scale=1)
    q = twin.questionnaires.copy()
    q.insert(0, "row", range(1, len(q) + 1))
    responses, _ = cleaning.clean_responses(q, s, "synthetic questionnaires")
    long = replicate(responses, scale)
    print(f"long item-level extract at scale {scale}: {len(long):,} rows")
    rows = []
    specs = s.instruments["instruments"]
    for name in instruments.scored_instruments(specs):
        spec = specs[name]
        (keys, matrix), t_reshape = timed(instruments.item_matrix, long, name, list(spec["items"]))
        vec, t_vec = timed(instruments.score_matrix, matrix, spec)
        n = len(matrix)
        k = min(rowwise_sample, n)
        wide = pd.DataFrame(matrix[:k], columns=spec["items"])
        slow, t_row = timed(lambda w, sp: w.apply(score_row, axis=1, spec=sp), wide, spec)
        for scale_name in slow.columns:
            np.testing.assert_allclose(slow[scale_name].to_numpy(dtype=float), vec[scale_name][:k], equal_nan=True,
                                       err_msg=f"{name}.{scale_name}: row-wise and vectorised disagree")
        rows.append({"instrument": name, "questionnaires": n,
                     "long_to_scores_per_s": n / (t_reshape + t_vec),
                     "in_memory_per_s": n / t_vec,
                     "rowwise_per_s": k / t_row,
                     "speedup_long_vs_rowwise": (n / (t_reshape + t_vec)) / (k / t_row),
                     "speedup_in_memory_vs_rowwise": (n / t_vec) / (k / t_row)})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100)
    parser.add_argument("--rowwise-sample", type=int, default=20000,
                        help="questionnaires scored row-wise per instrument (rate extrapolates)")
    args = parser.parse_args()
    table = run(args.scale, args.rowwise_sample)
    pd.set_option("display.width", 200)
    print(table.to_string(index=False, formatters={
        "questionnaires": "{:,}".format,
        **{c: "{:,.0f}".format for c in table.columns if c.endswith("_per_s")},
        **{c: "{:,.0f}x".format for c in table.columns if c.startswith("speedup")}}))


if __name__ == "__main__":
    main()
