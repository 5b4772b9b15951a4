"""Rule publish_tables (one job per chapter): the chapter's disclosure-controlled tables (values
and cell statuses, for the notebooks, the reproduction check and the audit), and what readers
download: a workbook with a notes sheet, one CSV per sheet in each of two dialects (the documented
one, and the Danish Excel one in a sub-folder) and a README describing both."""

from pathlib import Path

from puljeeval import rulekit, workbook
from puljeeval.atomic import written
from puljeeval.publish import notes, xlsx
from puljeeval.publish import registry as reg
from puljeeval.publish import tables as publish
from puljeeval.render import pages

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    chapter = smk.wildcards.chapter
    registry = reg.from_settings(settings)
    # the evaluation's person threshold, or the mapping's policy for organisations
    min_count, fill = publish.thresholds(registry, chapter, settings.config)
    markers = registry.markers(min_count, chapter, fill)
    published = publish.publish_from_files(chapter, smk.input, registry, min_count, settings.config)
    masked_dir = Path(smk.output.masked)
    masked_dir.mkdir(parents=True, exist_ok=True)
    for table_id, masked in published.masked.items():
        masked.write(masked_dir / f"{table_id}.parquet")
    sheets = publish.sheets(published, registry, markers)
    # the mapping's and chapter 6's workbooks say where their numbers come from (the survey twin's
    # seed, whether the cost input is assumed)
    source = pages.chapter_source(chapter, smk.input)
    info = notes.notes(chapter, settings.config, registry, markers, pages.file_hash(smk.input.tables),
                       smk.params.title, fill, source)
    decimals = {t.sheet: {c.heading: c.decimals for c in t.columns if c.decimals is not None}
                for t in registry.chapter_tables(chapter)}
    notes_sheet = notes.sheet_name(registry)
    xlsx.write({notes_sheet: info, **sheets}, smk.output.workbook, decimals, notes=notes_sheet)
    csv_dir = Path(smk.output.csv_dir)
    excel_dir = csv_dir / workbook.EXCEL_CSV_FOLDER
    excel_dir.mkdir(parents=True, exist_ok=True)
    for sheet, frame in sheets.items():
        rulekit.write_csv(frame, csv_dir / f"{sheet}.csv")
        workbook.write_excel_csv(frame, excel_dir / f"{sheet}.csv", decimals.get(sheet))
    with written(csv_dir / "README.txt") as tmp:
        tmp.write_text(notes.readme(chapter, info, registry, workbook.EXCEL_CSV_FOLDER), encoding="utf-8")
    print(f"{chapter}: {', '.join(sheets)}")
