"""The scoring stage: every instrument scored per course and timepoint, the categorical
outcomes, and one pre/post table with change, categories and reliable-change classes."""

from __future__ import annotations

import pandas as pd

from puljeeval.scoring import change, instruments
from puljeeval.settings import Settings

TIMEPOINTS = ("start", "slut")


def output_names(instrument_specs: dict) -> list[str]:
    """Names of the stage's tables, in a stable order (they become file names)."""
    names = [f"{i}_{tp}" for i in instruments.scored_instruments(instrument_specs) for tp in TIMEPOINTS]
    names += [f"{i}_slut" for i in instruments.categorical_instruments(instrument_specs)]
    return names + ["prepost"]


def score_all(responses: pd.DataFrame, courses: pd.DataFrame, settings: Settings) -> dict[str, pd.DataFrame]:
    specs = settings.instruments["instruments"]
    out: dict[str, pd.DataFrame] = {}
    changes = []
    for name in instruments.scored_instruments(specs):
        spec = specs[name]
        scores = instruments.score(responses, name, spec)
        for tp in TIMEPOINTS:
            out[f"{name}_{tp}"] = scores[scores["timepoint"] == tp].reset_index(drop=True)
        changes.append(change.prepost(scores, name, spec, courses,
                                      instruments.baseline_items(responses, name, spec)))
    for name in instruments.categorical_instruments(specs):
        out[f"{name}_slut"] = instruments.categorical(responses, name, specs[name])
    out["prepost"] = pd.concat(changes, ignore_index=True)
    return out
