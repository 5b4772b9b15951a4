"""Rule kortlaegning_ingest: the mapping's seven survey extracts (the twin's, or a delivery's with
`kortlaegning.data_source: real`) checked against the mapping's data contract
(`validate_mapping_extracts`) and written as typed parquet files under
results/interim/kortlaegning/ingested/ (with `row`, the data row of the file). When the extracts
break the contract, every problem goes to `params.problems` and the run stops with a summary naming
file, row, column and what was expected; nothing is written."""

from collections.abc import Mapping
from pathlib import Path

from puljeeval import rulekit
from puljeeval.data import problems
from puljeeval.kortlaegning import contract


def ingest(directory: Path, outputs: Mapping[str, str | Path],
           problems_csv: str | Path | None = None) -> dict[str, int]:
    """Check the extracts in `directory` and write each typed frame to `outputs[name]`; the rows read per
    extract. Raises MappingContractProblems (every problem of every file; with `problems_csv`, also
    written there) and writes nothing when an extract breaks the contract."""
    try:
        frames = contract.validate_mapping_extracts(directory)
    except contract.MappingContractProblems as err:
        if problems_csv is None:
            raise
        problems.write(err.errors, problems_csv)
        raise contract.MappingContractProblems(err.errors, err.total_files, str(problems_csv)) from None
    for name in contract.EXTRACTS:
        rulekit.write_parquet(frames[name], outputs[name])
    return {name: len(frames[name]) for name in contract.EXTRACTS}


if __name__ == "__main__":
    with rulekit.logged(snakemake):  # noqa: F821
        smk = snakemake  # noqa: F821
        Path(smk.params.problems).unlink(missing_ok=True)      # a report of an earlier delivery
        source = rulekit.settings(smk).config["kortlaegning"]["data_source"]
        folders = {Path(smk.input[name]).parent for name in contract.EXTRACTS}
        if len(folders) != 1:
            raise rulekit.DataStop(f"kortlaegning_ingest: the extracts must be in one folder, got {sorted(folders)}")
        folder = folders.pop()
        try:
            rows = ingest(folder, {name: smk.output[name] for name in contract.EXTRACTS}, smk.params.problems)
        except contract.MappingContractProblems as err:
            raise rulekit.DataStop(str(err)) from None
        what = "the survey twin's extracts" if source == "twin" else "the delivered extracts"
        print(f"kortlægning: {what} in {folder} follow the contract; rows read:")
        for name, n in rows.items():
            print(f"  {name}: {n} rows")
