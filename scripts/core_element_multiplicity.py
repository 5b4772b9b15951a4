"""Rule core_element_multiplicity: every outcome's Bilag 4 coefficients in one table, with
q-values (Benjamini-Hochberg) and Holm-adjusted p-values within the configured families."""

import pandas as pd

from puljeeval import rulekit
from puljeeval.evaluation import multiplicity

with rulekit.logged(snakemake):  # noqa: F821
    settings = rulekit.settings(snakemake)  # noqa: F821
    coefs = pd.concat([pd.read_csv(p, dtype={"figure": str}) for p in snakemake.input.coefficients],  # noqa: F821
                      ignore_index=True)
    adjusted = multiplicity.adjust(coefs, settings.config)
    rulekit.write_csv(adjusted, snakemake.output[0])  # noqa: F821
    tested = adjusted[adjusted["p"].notna()]
    for (family, method), part in tested.groupby(["family", "method"]):
        print(f"{family} / {method}: {len(part)} tests, {int((part['p'] < 0.05).sum())} with p < 0.05, "
              f"{int((part['q'] < 0.05).sum())} with q < 0.05, {int((part['p_holm'] < 0.05).sum())} Holm")
