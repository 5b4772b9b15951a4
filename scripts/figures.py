"""Rule figures (one job per chapter): the chapter's figures as PNG and SVG, drawn from the
disclosure-controlled tables with the registry's texts."""

from puljeeval import rulekit
from puljeeval.publish import figures
from puljeeval.publish import registry as reg
from puljeeval.publish import tables as publish

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    chapter = smk.wildcards.chapter
    registry = reg.from_settings(settings)
    controlled = publish.publish_from_files(chapter, smk.input, registry, settings.config["disclosure"]["min_count"])
    for stem, fig in figures.catalogue(chapter, controlled.controlled, registry, settings).items():
        for path in figures.save(fig, stem, smk.output.figures):
            print(path)
