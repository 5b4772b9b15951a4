"""Rule publish_tables (one job per chapter): the chapter's tables with disclosure control,
display precision and Danish headings from the registry, as a workbook and one CSV per sheet."""

from pathlib import Path

from puljeeval import rulekit
from puljeeval.publish import registry as reg
from puljeeval.publish import tables as publish
from puljeeval.publish import xlsx

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    chapter = smk.wildcards.chapter
    registry = reg.from_settings(settings)
    published = publish.publish_from_files(chapter, smk.input, registry, settings.config["disclosure"]["min_count"])
    xlsx.write(published.sheets, smk.output.workbook)
    csv_dir = Path(smk.output.csv_dir)
    csv_dir.mkdir(parents=True, exist_ok=True)
    for sheet, frame in published.sheets.items():
        rulekit.write_csv(frame, csv_dir / f"{sheet}.csv")
    print(f"{chapter}: {', '.join(published.sheets)}")
