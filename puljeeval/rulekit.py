"""Wiring helpers for the thin rule scripts in scripts/: logging, settings, parquet I/O."""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from puljeeval.atomic import written
from puljeeval.settings import SIDE_FILES, TRACE_ENV, ConfigError, Settings, from_params, write_trace

# With PULJEEVAL_CONFIG_TRACE set (the config-use test), each rule writes which config keys and
# side files it declared and which it read, to <that folder>/<log stem>.json.
_OPENED: list[Settings] = []


class DataStop(Exception):
    """A problem with the delivered data or the configuration, not with the code: the user sees
    only `message` (no traceback, which goes to the rule's log)."""


@contextlib.contextmanager
def logged(smk: Any) -> Iterator[None]:
    """Send the rule's prints and warnings (stdout and stderr) to its log. A DataStop or a
    ConfigError ends the job with its message alone on the terminal; any other failure is a bug:
    its traceback goes to the log and the terminal."""
    log_path = Path(smk.log[0])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    _OPENED.clear()
    stderr = sys.stderr
    with open(log_path, "w", encoding="utf-8") as log, contextlib.redirect_stdout(log), \
            contextlib.redirect_stderr(log):
        try:
            yield
        except (DataStop, ConfigError) as err:
            traceback.print_exc(file=log)
            print(str(err), file=stderr)
            log.flush()
            raise SystemExit(1) from None
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
    with written(path) as tmp:
        frame.to_parquet(tmp, index=False, compression="zstd")


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    with written(path) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n")


def clear_stale_locks(workdir: str | Path = ".") -> list[Path]:
    """Remove Snakemake's locks left by a run that was killed (SIGKILL, power loss), so that the
    next `snakemake --cores 4` resumes instead of asking for --unlock. Only when no other
    Snakemake process on this machine works in the same directory (one whose directory cannot
    be read counts as working here); elsewhere than Linux (no /proc to look in) nothing is
    removed and Snakemake's own message stands. Runs on other hosts sharing the folder are not
    seen: on a shared file system use `--unlock` by hand."""
    locks = sorted(Path(workdir, ".snakemake", "locks").glob("*.lock"))
    proc = Path("/proc")
    if not locks or not proc.is_dir():
        return []
    here, me = Path(workdir).resolve(), os.getpid()
    mine = {me}
    pid = me
    while pid > 1:                       # this process and its parents (e.g. a wrapper shell)
        try:
            pid = int((proc / str(pid) / "stat").read_text().split(")")[-1].split()[1])
        except (OSError, ValueError, IndexError):
            break
        mine.add(pid)
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) in mine:
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "snakemake" not in cmd:
            continue
        try:
            cwd = (entry / "cwd").resolve(strict=True)
        except OSError:
            return []                    # a Snakemake we cannot look into (another user's): keep the locks
        if cwd == here:
            return []                    # another run is alive here: its locks are real
    for lock in locks:
        lock.unlink(missing_ok=True)
    return locks
