"""Wiring helpers for the thin rule scripts in scripts/: logging, settings, parquet I/O."""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from puljeeval.settings import Settings, load_settings


@contextlib.contextmanager
def logged(smk: Any) -> Iterator[None]:
    """Send the rule's prints to its log; on failure, log the traceback and re-raise so the
    message reaches the terminal too."""
    log_path = Path(smk.log[0])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
        try:
            yield
        except Exception:
            traceback.print_exc(file=log)
            raise


def settings(smk: Any) -> Settings:
    return load_settings(smk.config, Path.cwd())


def write_parquet(frame: pd.DataFrame, path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False, compression="zstd")


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")


def say(message: str) -> None:
    """A line for the log and for the terminal."""
    print(message)
    print(message, file=sys.stderr)
