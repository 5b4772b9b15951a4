"""Wall time of puljeeval.methods.cluster_inference on data shaped like the report: n = 2,400,
16 clusters of very unequal size (the largest ~45 % of the rows), 25 regressors. Not a test.

    python -m puljeeval.tools.bench_cluster_inference [--repeat 5]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from puljeeval.methods import cluster_inference as ci


def report_shaped(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    rest = rng.dirichlet(np.full(15, 0.7)) * (2400 - 1080)
    sizes = np.concatenate([[1080], np.maximum(np.round(rest), 5)]).astype(int)
    cl = np.repeat(np.arange(16), sizes)
    n = len(cl)
    within = rng.normal(size=(n, 16))
    offer_level = rng.normal(size=(16, 8))[cl] + 0.3 * rng.normal(size=(n, 8))
    X = np.column_stack([np.ones(n), within, offer_level])
    y = X[:, 1:4] @ np.array([0.1, 0.0, -0.05]) + 0.4 * rng.normal(size=16)[cl] + rng.normal(size=n)
    return X, y, cl


def timed(label: str, fn: Callable[[], object], repeat: int) -> None:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    print(f"{label:<58} min {min(times):7.3f} s   median {float(np.median(times)):7.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    X, y, cl = report_shaped()
    sizes = np.bincount(cl)
    print(f"n = {len(y)}, k = {X.shape[1]}, G = {len(sizes)}, largest cluster {sizes.max() / len(y):.0%}, "
          f"smallest {sizes.min()}")
    k = X.shape[1]
    timed("wild_cluster, 1 term, 9,999 Webb draws (p + CI)",
          lambda: ci.wild_cluster(X, y, cl, 1, reps=9999), args.repeat)
    timed(f"wild_cluster_terms, all {k} terms, 9,999 Webb draws",
          lambda: ci.wild_cluster_terms(X, y, cl, reps=9999), args.repeat)
    timed(f"wild_cluster called {k} times (no sharing)",
          lambda: [ci.wild_cluster(X, y, cl, j, reps=9999) for j in range(k)], args.repeat)
    boot = ci.WildClusterBootstrap(X, y, cl, 1, reps=9999)
    grid = np.linspace(boot.estimate - 5 * boot.se, boot.estimate + 5 * boot.se, 1000)
    timed("p(b) at 1,000 values of b (after precomputation)", lambda: boot.pvalue(grid), args.repeat)
    timed("cr2, 1 term", lambda: ci.cr2(X, y, cl, 1), args.repeat)
    timed(f"cr2_terms, all {k} terms", lambda: ci.cr2_terms(X, y, cl), args.repeat)
    res = ci.wild_cluster(X, y, cl, 1, reps=9999)
    c2 = ci.cr2(X, y, cl, 1)
    print(f"term 1: wild p = {res.p:.4f}, CI [{res.ci_low:.4f}, {res.ci_high:.4f}]; "
          f"CR2 p = {c2.p:.4f}, df = {c2.df:.2f}, CI [{c2.ci_low:.4f}, {c2.ci_high:.4f}]")


if __name__ == "__main__":
    main()
