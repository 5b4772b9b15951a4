"""One BLAS thread for the benchmark and simulation commands, as Snakemake sets for a job with one
thread (snakemake/shell.py). A command calls `set_defaults()` before numpy is first loaded (a
process that loaded it earlier keeps its setting); `one_thread_children` makes sure processes the
command spawns get them too. Why: the matrices are small, so threads only cost time (with a
threaded BLAS the who5 models took 150 s instead of 20 on a loaded machine), and a threaded BLAS sums
in another order, so the last bits of an interval would depend on the thread count."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

THREAD_VARIABLES = ("OMP_NUM_THREADS", "GOTO_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def set_defaults() -> None:
    """One thread for every variable not set already."""
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


@contextmanager
def one_thread_children() -> Iterator[None]:
    """Within the block every thread variable is 1 (read by spawned interpreters); afterwards the
    environment is as it was."""
    saved = {k: os.environ.get(k) for k in THREAD_VARIABLES}
    os.environ.update({k: "1" for k in THREAD_VARIABLES})
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
