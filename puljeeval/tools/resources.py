"""Every rule's declared resources (threads, mem_mb, runtime), calibrated from benchmark files.

The workflow declares per rule `mem_mb` and `runtime` (minutes) as straight lines in the data's
scale, `base + per_scale x scale` (workflow/resources.yaml; common.smk `resources_of`), and
`threads`. This command fits them from the benchmark files of runs at two or more scales, with a
margin, and writes the file:

    python -m puljeeval.tools.resources 1=results/benchmarks 10=/tmp/s10/results/benchmarks
    python -m puljeeval.tools.resources growth=results/growth/growth_rules.csv   (the growth command's)

A rule with wildcards (one job per chapter or outcome) gets the largest of its jobs. The fit is
the line through the measured points' upper hull (never decreasing in scale); the declaration is
`MARGIN` times it plus `HEADROOM_MB`, rounded up to 50 MB, and for runtime `RUNTIME_MARGIN` times
the fitted minutes plus `RUNTIME_HEADROOM_MIN` (machines are shared: wall time is noisy).
tests/test_resources.py fails when a measured peak at report scale exceeds the declaration.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import pandas as pd
import yaml

from puljeeval.settings import ROOT

MARGIN = 1.5
HEADROOM_MB = 300
RUNTIME_MARGIN = 3.0
RUNTIME_HEADROOM_MIN = 5
RESOURCES = ROOT / "workflow" / "resources.yaml"


def rule_names(root: Path = ROOT) -> list[str]:
    """The workflow's rules, from its rule files (`rule <name>:` at any indentation)."""
    names = set()
    for path in [root / "Snakefile", *sorted((root / "workflow" / "rules").glob("*.smk"))]:
        names |= set(re.findall(r"^\s*rule (\w+):", path.read_text(encoding="utf-8"), flags=re.M))
    return sorted(names)


def rule_of(stem: str, rules: list[str]) -> str:
    """The rule a benchmark file belongs to: its stem, or the longest rule name it starts with
    followed by '_' (the wildcards' values: figures_kapitel_5, core_element_models_who5)."""
    if stem in rules:
        return stem
    found = [r for r in rules if stem.startswith(r + "_")]
    if not found:
        raise ValueError(f"benchmark file '{stem}.tsv' matches no rule of the workflow")
    return max(found, key=len)


def measured(directory: str | Path, rules: list[str]) -> pd.DataFrame:
    """Per rule the largest peak memory (MB) and wall time (s) of its jobs in one run."""
    rows = []
    for path in sorted(Path(directory).glob("*.tsv")):
        b = pd.read_csv(path, sep="\t")
        rows.append({"rule": rule_of(path.stem, rules), "seconds": float(b["s"].max()),
                     "max_rss_mb": float(pd.to_numeric(b["max_rss"], errors="coerce").max())})
    if not rows:
        raise ValueError(f"no benchmark files in {directory}")
    return pd.DataFrame(rows).groupby("rule", as_index=False).max()


def line(points: list[tuple[float, float]]) -> tuple[float, float]:
    """(base, per_scale) of a line at or above every point, never decreasing: through the two
    points of the largest and smallest scale, raised to the highest point it misses."""
    points = sorted(points)
    (s0, v0), (s1, v1) = points[0], points[-1]
    slope = max(0.0, (v1 - v0) / (s1 - s0)) if s1 > s0 else 0.0
    base = max(v - slope * s for s, v in points)
    return base, slope


def from_growth(path: str | Path) -> dict[float, pd.DataFrame]:
    """The measured tables by scale from the growth command's growth_rules.csv (its largest job's
    seconds and peak memory per rule), as `measured` gives them for one benchmark folder."""
    table = pd.read_csv(path)
    return {float(scale): part[["rule", "max_job_seconds", "max_rss_mb"]].rename(columns={"max_job_seconds": "seconds"})
            for scale, part in table.groupby("scale")}


def calibrate(runs: dict[float, str | Path | pd.DataFrame], root: Path = ROOT, previous: dict | None = None) -> dict:
    """The resources file's content from benchmark directories (or measured tables) by scale; a
    rule none of the runs measured (a study target outside `all`) keeps its `previous` entry."""
    rules = rule_names(root)
    tables = {scale: (d if isinstance(d, pd.DataFrame) else measured(d, rules)).set_index("rule")
              for scale, d in runs.items()}
    out = {rule: entry for rule, entry in (previous or {}).items() if rule in rules}
    for rule in rules:
        mem = [(s, t.at[rule, "max_rss_mb"]) for s, t in tables.items() if rule in t.index]
        sec = [(s, t.at[rule, "seconds"]) for s, t in tables.items() if rule in t.index]
        if not mem:
            continue
        mb0, mb1 = line(mem)
        mb0 = max(mb0, 0.0)                 # a steep line's intercept can fall below zero
        s0, s1 = line(sec)
        out[rule] = {
            "threads": 1,
            "mem_mb": [int(50 * math.ceil((MARGIN * mb0 + HEADROOM_MB) / 50)), round(float(MARGIN * mb1), 1)],
            "runtime": [int(math.ceil(RUNTIME_MARGIN * s0 / 60 + RUNTIME_HEADROOM_MIN)),
                        round(float(RUNTIME_MARGIN * s1 / 60), 3)],
        }
    return out


def declared(spec: dict, rule: str, scale: float) -> dict[str, int]:
    """What a rule declares at `scale` (the same arithmetic as common.smk's resources_of)."""
    r = {**spec["default"], **spec["rules"].get(rule, {})}
    return {"threads": int(r["threads"]),
            "mem_mb": int(math.ceil(r["mem_mb"][0] + r["mem_mb"][1] * scale)),
            "runtime": int(math.ceil(r["runtime"][0] + r["runtime"][1] * scale))}


def never_lower(new: dict, previous: dict) -> dict:
    """Each line's base and slope the larger of the new and the previous calibration's: one more
    noisy measurement does not lower a declaration an earlier run needed."""
    out = {}
    for rule, entry in new.items():
        old = previous.get(rule)
        if old is None:
            out[rule] = entry
            continue
        out[rule] = {"threads": max(entry["threads"], old["threads"]),
                     **{key: [max(a, b) for a, b in zip(entry[key], old[key], strict=True)]
                        for key in ("mem_mb", "runtime")}}
    return out


HEADER = """\
# Every rule's declared resources (issue 17): threads, mem_mb (MB) and runtime (minutes), the last two
# as straight lines in the data's scale: [base, per_scale] -> base + per_scale x scale, where scale is
# config `resources.scale` (or twin.scale with the twin's data; 1 for real extracts of the report's
# size). Written by `python -m puljeeval.tools.resources <scale>=<benchmark dir> ...` from measured
# runs (the largest job of a rule with wildcards, with a margin); tests/test_resources.py fails when a
# measured peak at report scale exceeds what is declared. `default` is for a rule not measured yet.
"""


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    runs = {}
    for arg in argv:
        if arg.startswith("growth="):          # growth=results/growth/growth_rules.csv: every scale it ran
            runs.update(from_growth(arg.removeprefix("growth=")))
            continue
        scale, _, directory = arg.partition("=")
        runs[float(scale)] = directory
    previous = yaml.safe_load(RESOURCES.read_text(encoding="utf-8"))["rules"] if RESOURCES.exists() else {}
    rules = never_lower(calibrate(runs, previous=previous), previous)
    spec = {"default": {"threads": 1, "mem_mb": [2000, 50], "runtime": [30, 1]}, "rules": rules}
    RESOURCES.write_text(HEADER + yaml.safe_dump(spec, sort_keys=True, default_flow_style=None), encoding="utf-8")
    print(f"{RESOURCES.relative_to(ROOT)}: {len(rules)} rules from runs at scales {sorted(runs)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
