"""Rule reproduction: every number the report prints that the pipeline re-computes, beside the
reproduced value and the value displayed on the chapter page and in the workbook; the full table
under results/interim/ (never published) and a safe, Danish one for readers."""

from pathlib import Path

import pandas as pd

from puljeeval import rulekit
from puljeeval.costs import inputs as cost_inputs
from puljeeval.evaluation import reproduction
from puljeeval.kortlaegning import published
from puljeeval.kortlaegning import reproduction as mapping
from puljeeval.publish.masked import Masked
from puljeeval.publish.registry import from_settings
from puljeeval.render import readback

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    inp = smk.input
    courses = pd.read_parquet(inp.courses)
    registry = from_settings(settings)
    table = pd.concat([
        reproduction.chapter3(pd.read_csv(inp.production), pd.read_csv(inp.flow), pd.read_csv(inp.profiles),
                              courses, settings),
        reproduction.chapter4(pd.read_parquet(inp.prepost), courses, settings),
        reproduction.benefit(pd.read_csv(inp.benefit_shares), pd.read_csv(inp.benefit_regression), settings),
        reproduction.parent_statements(pd.read_parquet(inp.parent_statements), settings),
        reproduction.bilag4(pd.read_csv(inp.bilag4_flow), pd.read_csv(inp.bilag4_intention), settings),
        reproduction.bilag4_statements(pd.read_csv(inp.bilag4_statements, keep_default_na=False,
                                                   na_values=[""]), settings),
        # chapter 6: the 15 totals and the text's ratios (costs/, config/costs/published.yaml)
        reproduction.chapter6(pd.concat([pd.read_csv(inp.cost_totals_individual), pd.read_csv(inp.cost_totals_group)],
                                        ignore_index=True),
                              pd.read_csv(inp.cost_ratios), cost_inputs.load_published(inp.cost_published)),
        # the 2016 mapping: every printed number beside its survey tables (kortlaegning/reproduction.py)
        mapping.report_rows(pd.read_csv(inp.kortlaegning, keep_default_na=False, na_values=[""]),
                            published.load(Path(inp.kortlaegning_published)),
                            {t.id: {c.name for c in t.columns}
                             for t in registry.chapter_tables(mapping.MAPPING_CHAPTER)}),
    ], ignore_index=True)

    min_count = settings.config["disclosure"]["min_count"]
    markers = registry.markers(min_count)
    cache: dict[tuple[str, str], Masked] = {}

    def masked(chapter: str, table_id: str) -> Masked:
        if (chapter, table_id) not in cache:
            cache[chapter, table_id] = Masked.read(Path(smk.params.masked[chapter]) / f"{table_id}.parquet")
        return cache[chapter, table_id]

    # a chapter's tables may be spread over several pages (the mapping's chapters): one reader's view
    pages = {ch: {tid: cells for path in paths for tid, cells in readback.read_page(path).items()}
             for ch, paths in smk.params.pages.items()}
    workbooks = {ch: readback.workbook_cells(path, registry.chapter_tables(ch))
                 for ch, path in smk.params.workbooks.items()}
    full = reproduction.compare_displayed(table, masked, pages, workbooks, markers, min_count)
    rulekit.write_csv(full, smk.output.full)
    safe = reproduction.safe(full, masked, markers, min_count)
    rulekit.write_csv(reproduction.public(safe, markers), smk.output.public)
    scale = reproduction.twin_scale(settings)
    # the log says only what the safe table says: with the printed numbers public, a count of the
    # full table's verdicts would reveal the withheld ones (the full summary: Snakefile onsuccess)
    print(reproduction.summary(safe, scale))
    print(reproduction.summary_da(safe, scale))
