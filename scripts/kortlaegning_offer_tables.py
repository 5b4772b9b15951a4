"""Rule kortlaegning_offer_tables: the mapping's offer-level tables (Tabel 9-3, 9-4) read as data,
the tables they determine beside the printed ones, and every consistency check of the printed
numbers (puljeeval/kortlaegning/)."""

from pathlib import Path

from puljeeval import rulekit
from puljeeval.kortlaegning import consistency, contract, offer_tables, published, reproduction

with rulekit.logged(snakemake):  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    pub = published.load(Path(inp.published))
    # through the contract like any extract: an error names file, row, column and what was expected
    contract.validate_offer_tables(Path(inp.tabel_9_3).parent)
    t93, t94 = published.read_offer_tables(Path(inp.tabel_9_3).parent)
    checks = consistency.checks(pub, t93, t94)
    table = reproduction.compare(pub.cells, offer_tables.determined_cells(t93, t94), checks.loc[~checks["holds"]])
    rulekit.write_csv(table, out.reproduction)
    rulekit.write_csv(checks, out.checks)
    rulekit.write_csv(offer_tables.offers_per_type(t94), out.offers_per_type)
    counts = table["verdict"].value_counts()
    print(f"kortlægning: {len(t93)} offers in Tabel 9-3, {len(t94)} in Tabel 9-4; {counts.get('reproduced', 0)} of "
          f"{len(table)} determined cells reproduced, {counts.get('inconsistent in the report', 0)} inconsistent in "
          f"the report, {counts.get('not reproduced', 0)} not reproduced; {int((~checks['holds']).sum())} of "
          f"{len(checks)} consistency checks of the printed numbers fail")
