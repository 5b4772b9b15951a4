"""Wiring helpers for the thin rule scripts in scripts/: logging, settings, parquet I/O."""

from __future__ import annotations

import contextlib
import os
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from puljeeval.settings import SIDE_FILES, TRACE_ENV, Settings, from_params, write_trace

# With PULJEEVAL_CONFIG_TRACE set (the config-use test), each rule writes which config keys and
# side files it declared and which it read, to <that folder>/<log stem>.json.
_OPENED: list[Settings] = []


@contextlib.contextmanager
def logged(smk: Any) -> Iterator[None]:
    """Send the rule's prints and warnings (stdout and stderr) to its log; on failure, log the
    traceback and re-raise so the message reaches the terminal too."""
    log_path = Path(smk.log[0])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    _OPENED.clear()
    with open(log_path, "w", encoding="utf-8") as log, contextlib.redirect_stdout(log), \
            contextlib.redirect_stderr(log):
        try:
            yield
        except Exception:
            traceback.print_exc(file=log)
            raise
    _write_trace(smk, log_path)


def settings(smk: Any) -> Settings:
    """The rule's settings: exactly the config keys of `params.config` and the side files among
    its inputs. Reading anything else raises UndeclaredConfig."""
    names = set(smk.input.keys())
    side = {key: smk.input[key] for key in SIDE_FILES if key in names}
    declared = smk.params.config if "config" in smk.params.keys() else {"paths": [], "values": {}}
    made = from_params(declared, side, smk.rule)
    _OPENED.append(made)
    return made


def _write_trace(smk: Any, log_path: Path) -> None:
    folder = os.environ.get(TRACE_ENV)
    declared = smk.params.config["paths"] if "config" in smk.params.keys() else []
    side_in = sorted(k for k in SIDE_FILES if k in set(smk.input.keys()))
    # A script that hands its config on without opening it (render_chapter's notebook, which
    # writes its own trace; the twin, which takes only its block) is traced elsewhere.
    if folder and (_OPENED or not (declared or side_in)):
        write_trace(Path(folder) / f"{log_path.stem}.json", smk.rule, declared, side_in, _OPENED)


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False, compression="zstd")


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")
