"""Rule cost_tables: chapter 6's interim tables from the cost input, the sensitivity ranges and the
report's printed totals (puljeeval/costs/tables.py)."""

from puljeeval import rulekit
from puljeeval.costs import inputs, tables

with rulekit.logged(snakemake):  # noqa: F821
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    cost_input = inputs.load_input(inp.cost_input)
    frames = tables.all_tables(cost_input, inputs.load_sensitivity(inp.sensitivity),
                               inputs.load_published(inp.published))
    for name, frame in frames.items():
        rulekit.write_csv(frame, out[f"kapitel_6_{name}"])
    print(f"{inp.cost_input}: {'ASSUMED example input' if cost_input.assumed else 'cost input'}, "
          f"{len(cost_input.resources)} resource rows, {len(cost_input.scenarios())} scenarios")
