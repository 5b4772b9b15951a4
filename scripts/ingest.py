"""Rule ingest: check each extract against the contract and pseudonymise identifiers."""

from puljeeval import rulekit
from puljeeval.data import ingest

with rulekit.logged(snakemake):  # noqa: F821
    settings = rulekit.settings(snakemake)  # noqa: F821
    interim = ingest.ingest(settings, ingest.pseudonym_key(settings))
    for name, frame in interim.items():
        rulekit.write_parquet(frame, snakemake.output[name])  # noqa: F821
        print(f"{name}: {len(frame)} rows checked")
