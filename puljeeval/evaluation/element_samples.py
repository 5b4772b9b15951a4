"""Each outcome's analysis sample for Bilag 4 (footnote 5's five criteria) with intention,
intensity and controls, its flow, the attrition candidates and the descriptive overview: one
function for the rule core_element_samples and for the other seed's check (other_seed.py), so
both form the samples the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from puljeeval.evaluation import core_elements as ce
from puljeeval.evaluation import element_models as em
from puljeeval.evaluation import unit
from puljeeval.settings import Settings


@dataclass(frozen=True)
class OutcomeSample:
    """One outcome's products: the model frame, footnote 5's flow, the attrition candidates
    (None unless asked for), the intention shares and the intensity histogram."""

    frame: pd.DataFrame
    flow: pd.DataFrame
    candidates: pd.DataFrame | None
    shares: pd.DataFrame
    histogram: pd.DataFrame


def outcome_samples(clean: Mapping[str, pd.DataFrame], scores: Mapping[str, pd.DataFrame], settings: Settings, *,
                    attrition: bool = True) -> dict[str, OutcomeSample]:
    """Per outcome key (core_elements.outcomes) its OutcomeSample. `clean` holds the cleaned
    courses, fidelity and intention; `scores` the score tables by '<instrument>_<start|slut>' and
    'prepost'."""
    cfg = settings.config["core_elements"]
    courses = clean["courses"]
    intensities = ce.intensity(clean["fidelity"], settings.element_codes, cfg["aggregation"], cfg["unrated"])
    intentions = ce.intention_per_course(courses, clean["intention"], settings.element_codes)
    with_fidelity = pd.Index(intensities["course_id"])
    unit_name, child_course = unit.spec(settings.config)
    out = {}
    for outcome in cfg["outcomes"]:
        start, end = (scores[f"{outcome['instrument']}_{tp}"] for tp in ("start", "slut"))
        measured = ce.measured_courses([start, end], outcome["scale"])
        sample, flow = ce.analysis_sample(outcome, courses, measured, scores["prepost"], with_fidelity,
                                          child_course if unit_name == "child" else None)
        frame = ce.model_frame(sample, intentions, intensities, settings)
        candidates = None
        if attrition:
            baseline = start.set_index("course_id")[outcome["scale"]]
            candidates = em.attrition_candidates(outcome, courses, measured, scores["prepost"], with_fidelity,
                                                 baseline, settings)
        shares, histogram = ce.descriptive(frame, outcome, settings)
        out[outcome["key"]] = OutcomeSample(frame, flow, candidates, shares, histogram)
    return out
