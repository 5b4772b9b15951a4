"""Rule publish_tables: disclosure control, Danish headings, CSV files and chapter workbooks."""

from pathlib import Path

import pandas as pd

from puljeeval import rulekit
from puljeeval.publish import tables as publish
from puljeeval.publish import xlsx

with rulekit.logged(snakemake):  # noqa: F821
    settings = rulekit.settings(snakemake)  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    tables = publish.suppressed({name: pd.read_csv(inp[name]) for name in publish.INPUTS}, settings)
    chapters = publish.chapter_tables(tables, settings)
    csv_dir = Path(out.csv_dir)
    for chapter, sheets in chapters.items():
        xlsx.write(sheets, out[chapter])
        for sheet, frame in sheets.items():
            rulekit.write_csv(frame, csv_dir / chapter / f"{sheet}.csv")
        print(f"{chapter}: {', '.join(sheets)}")
