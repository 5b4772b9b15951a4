"""Rule figures (one job per chapter): the chapter's figures as PNG and SVG, drawn from the
disclosure-controlled tables (values and cell statuses) with the registry's texts, labels and
display precision, and the synthetic-data line when the data are the twin; beside each the
caption's sidecar `<stem>.json` (number, the report's title, "Kilde" and note lines, N, alt text,
synthetic-data line), which the chapter pages read for captions, alt text and contents."""

from pathlib import Path

from puljeeval import rulekit
from puljeeval.publish import figures
from puljeeval.publish import registry as reg
from puljeeval.publish import tables as publish
from puljeeval.render import pages

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    chapter = smk.wildcards.chapter
    registry = reg.from_settings(settings)
    published = publish.publish_from_files(chapter, smk.input, registry, settings.config["disclosure"]["min_count"])
    Path(smk.output.figures).mkdir(parents=True, exist_ok=True)      # Bilag 1 has none: an empty folder
    # chapter 6's figures carry the assumed-input line instead of the twin's
    source = pages.chapter_source(chapter, smk.input)
    line = None if source is None else source.synthetic_line
    for stem, fig in figures.catalogue(chapter, published.masked, registry, settings, line).items():
        for path in figures.save(fig, stem, smk.output.figures):
            print(path)
