"""Rule score_part: one partition of courses scored (puljeeval/scoring/score.py). Reads only the
partition's rows of the cleaned responses (a parquet filter on course_id), so a job's memory
follows the partition's size, not the data's."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.scoring import score as scoring

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    part, parts = int(smk.wildcards.part), int(smk.params.parts)
    bounds = scoring.cuts(pd.read_parquet(smk.input.courses, columns=["course_id"])["course_id"], parts)
    responses = pd.read_parquet(smk.input.responses, filters=scoring.part_filter(bounds, part))
    tables = scoring.score_part(responses, settings)
    for name, frame in tables.items():
        rulekit.write_parquet(frame, smk.output[name])
    print(f"partition {part} of {parts}: {len(responses)} response rows, "
          f"{responses['course_id'].nunique()} courses")
