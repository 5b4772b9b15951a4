"""Rule core_element_samples: intention and intensity per child, the analysis sample of each
outcome with footnote 5's flow, the attrition candidates and the descriptive overview."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.evaluation import core_elements as ce
from puljeeval.evaluation import element_models as em
from puljeeval.evaluation import unit

with rulekit.logged(snakemake):  # noqa: F821
    settings = rulekit.settings(snakemake)  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    cfg = settings.config["core_elements"]
    courses = pd.read_parquet(inp.courses)
    prepost = pd.read_parquet(inp.prepost)
    fidelity = pd.read_parquet(inp.fidelity)
    intensities = ce.intensity(fidelity, settings.element_codes, cfg["aggregation"], cfg["unrated"])
    intentions = ce.intention_per_course(courses, pd.read_parquet(inp.intention), settings.element_codes)
    unit_name, child_course = unit.spec(settings.config)
    flows, shares, hists = [], [], []
    for outcome in cfg["outcomes"]:
        key = outcome["key"]
        scores_all = [pd.read_parquet(p) if f"/{outcome['instrument']}_" in p else None for p in inp.scores]
        scores = [x for x in scores_all if x is not None]
        measured = ce.measured_courses(scores, outcome["scale"])
        with_fidelity = pd.Index(intensities["course_id"])
        sample, flow = ce.analysis_sample(outcome, courses, measured, prepost, with_fidelity,
                                          child_course if unit_name == "child" else None)
        frame = ce.model_frame(sample, intentions, intensities, settings)
        start = next(s for p, s in zip(inp.scores, scores_all, strict=True)
                     if p.endswith(f"/{outcome['instrument']}_start.parquet"))
        baseline = start.set_index("course_id")[outcome["scale"]]
        candidates = em.attrition_candidates(outcome, courses, measured, prepost, with_fidelity, baseline, settings)
        rulekit.write_parquet(frame, next(p for p in out.frames if p.endswith(f"/{key}.parquet")))
        rulekit.write_parquet(candidates, next(p for p in out.attrition if p.endswith(f"/{key}_attrition.parquet")))
        share, hist = ce.descriptive(frame, outcome, settings)
        flows.append(flow)
        shares.append(share)
        hists.append(hist)
        print(f"{key}: sample {len(frame)}; dropped per criterion {flow['dropped'].tolist()[1:]}; "
              f"unit {unit_name}: {unit.unit_summary(frame, courses, settings.config['core_elements']['cluster'])}")
    rulekit.write_csv(pd.concat(flows, ignore_index=True), out.bilag4_flow)
    rulekit.write_csv(pd.concat(shares, ignore_index=True), out.bilag4_intention)
    rulekit.write_csv(pd.concat(hists, ignore_index=True), out.bilag4_histogram)
