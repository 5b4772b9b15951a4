"""Rule publish_tables (one job per chapter): the chapter's disclosure-controlled tables (values
and cell statuses, for the notebooks, the reproduction check and the audit), and what readers
download: a workbook with a notes sheet and one CSV per sheet with a README."""

from pathlib import Path

from puljeeval import rulekit
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
    min_count = settings.config["disclosure"]["min_count"]
    markers = registry.markers(min_count)
    published = publish.publish_from_files(chapter, smk.input, registry, min_count)
    masked_dir = Path(smk.output.masked)
    masked_dir.mkdir(parents=True, exist_ok=True)
    for table_id, masked in published.masked.items():
        masked.write(masked_dir / f"{table_id}.parquet")
    sheets = publish.sheets(published, registry, markers)
    info = notes.notes(chapter, settings.config, registry, markers, pages.file_hash(smk.input.tables),
                       smk.params.title)
    decimals = {t.sheet: {c.heading: c.decimals for c in t.columns if c.decimals is not None}
                for t in registry.chapter_tables(chapter)}
    xlsx.write({notes.sheet_name(registry): info, **sheets}, smk.output.workbook, decimals)
    csv_dir = Path(smk.output.csv_dir)
    csv_dir.mkdir(parents=True, exist_ok=True)
    for sheet, frame in sheets.items():
        rulekit.write_csv(frame, csv_dir / f"{sheet}.csv")
    with written(csv_dir / "README.txt") as tmp:
        tmp.write_text(notes.readme(chapter, info, registry), encoding="utf-8")
    print(f"{chapter}: {', '.join(sheets)}")
