"""Rule disclosure_audit: what a reader can work out about every hidden count from all published
tables together (linear programming, puljeeval/publish/audit.py), written as the output-checking
record with a short summary; the run stops when a hidden count below the threshold is pinned to a
range narrower than `disclosure.audit.min_range`, or a model is shown with too few degrees of
freedom (the message, also in the log, lists each one)."""

from pathlib import Path

from puljeeval import rulekit
from puljeeval.atomic import written
from puljeeval.publish import audit
from puljeeval.publish.masked import Masked
from puljeeval.publish.registry import from_settings

with rulekit.logged(snakemake):  # noqa: F821
    smk = snakemake  # noqa: F821
    settings = rulekit.settings(smk)
    registry = from_settings(settings)
    config = settings.config["disclosure"]
    markers = registry.markers(config["min_count"])
    published = {path.stem: Masked.read(path)
                 for folder in smk.input.masked for path in sorted(Path(folder).glob("*.parquet"))}
    result = audit.audit(published, registry, config, markers,
                         exact_secondary=bool(config["audit"].get("exact_secondary", False)))
    text = audit.summary(result)
    rulekit.write_csv(audit.record_csv(result.record), smk.output.record)
    with written(smk.output.summary) as tmp:
        tmp.write_text(text, encoding="utf-8")
    print(text)
    try:
        result.check()
    except audit.AuditFailure as err:
        # Snakemake removes the outputs of a failed job: the failing rows stay in the log
        print(audit.record_csv(result.failures).to_csv(index=False))
        raise rulekit.DataStop(str(err)) from None
