"""Rule chapter3_tables: Figur 3-4 flow, Tabel 8-1 production, Figur 3-1..3-3 profiles."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.evaluation import kapitel_3 as tables

with rulekit.logged(snakemake):  # noqa: F821
    settings = rulekit.settings(snakemake)  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    courses = pd.read_parquet(inp.courses)
    who5_start = pd.read_parquet(inp.who5_start)
    ledger = pd.read_parquet(inp.ledger)
    rulekit.write_csv(tables.flow(ledger, courses), out.flow)
    rulekit.write_csv(tables.production(courses, settings), out.production)
    rulekit.write_csv(tables.profiles(courses, who5_start, settings), out.profiles)
