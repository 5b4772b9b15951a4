"""Rule chapter_analyses: dropout comparison and model, outcome summaries, perceived benefit."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.evaluation import kapitel_3 as tables
from puljeeval.evaluation import kapitel_4 as analyses
from puljeeval.evaluation import unit

with rulekit.logged(snakemake):  # noqa: F821
    settings = rulekit.settings(snakemake)  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    courses = pd.read_parquet(inp.courses)
    benefit = pd.read_parquet(inp.benefit)
    dropout = tables.dropout_frame(courses, tables.who5_low(pd.read_parquet(inp.who5_start), settings))
    rulekit.write_csv(tables.dropout_comparison(dropout, settings), out.dropout)
    rulekit.write_csv(tables.dropout_age(dropout), out.dropout_age)
    rulekit.write_csv(tables.dropout_models(dropout, settings), out.dropout_model)
    # chapter 4's pairs in the configured unit of analysis (docs/analysis_unit.md)
    prepost = pd.read_parquet(inp.prepost)
    pairs = analyses.analysis_pairs(prepost, courses, settings.config)
    specs = settings.instruments["instruments"]
    rulekit.write_csv(analyses.outcome_summary(pairs, courses, settings), out.outcomes)
    rulekit.write_csv(analyses.answer_shares(pd.read_parquet(inp.parent_statements),
                                             specs["parent_statements"].get("item_text")), out.parent_statements)
    rulekit.write_csv(analyses.severity_shares(pairs[pairs["instrument"] == "core_om"], specs["core_om"]),
                      out.core_om_severity)
    rulekit.write_csv(analyses.benefit_shares(benefit, courses), out.benefit_shares)
    sample = analyses.benefit_sample(analyses.benefit_frame(benefit, courses, settings), courses, settings)
    rulekit.write_csv(analyses.benefit_models(sample, settings), out.benefit_regression)
    # how many children enter more than once (course unit) or span offers: the log, not the pages
    # (these are person counts under the disclosure threshold's rules)
    for name, frame in (("chapter 4 pairs", pairs), ("footnote 3", sample)):
        print(f"{name}: {unit.unit_summary(frame[['course_id']].drop_duplicates(), courses)}")
