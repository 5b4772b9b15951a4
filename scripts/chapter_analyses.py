"""Rule chapter_analyses: dropout comparison and model, outcome summaries, perceived benefit."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.evaluation import kapitel_3 as tables
from puljeeval.evaluation import kapitel_4 as analyses

with rulekit.logged(snakemake):  # noqa: F821
    settings = rulekit.settings(snakemake)  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    courses = pd.read_parquet(inp.courses)
    benefit = pd.read_parquet(inp.benefit)
    dropout = tables.dropout_frame(courses, tables.who5_low(pd.read_parquet(inp.who5_start), settings))
    rulekit.write_csv(tables.dropout_comparison(dropout, settings), out.dropout)
    rulekit.write_csv(tables.dropout_age(dropout), out.dropout_age)
    rulekit.write_csv(tables.dropout_model(dropout, settings), out.dropout_model)
    prepost = pd.read_parquet(inp.prepost)
    specs = settings.instruments["instruments"]
    rulekit.write_csv(analyses.outcome_summary(prepost, courses), out.outcomes)
    rulekit.write_csv(analyses.answer_shares(pd.read_parquet(inp.parent_statements),
                                             specs["parent_statements"].get("item_text")), out.parent_statements)
    rulekit.write_csv(analyses.severity_shares(prepost[prepost["instrument"] == "core_om"], specs["core_om"]),
                      out.core_om_severity)
    rulekit.write_csv(analyses.benefit_shares(benefit, courses), out.benefit_shares)
    rulekit.write_csv(analyses.benefit_regression(analyses.benefit_frame(benefit, courses, settings), settings),
                      out.benefit_regression)
