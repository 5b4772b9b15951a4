"""Multiplicity adjustment of Bilag 4's tests over declared families (config
`core_elements.multiplicity`, docs/core_elements.md "Multiplicity").

A family is the set of tests one conclusion is drawn from, per inference method:

- `figure`: each figure's element tests (the most lenient; one figure = 7 or 7 x levels tests);
- `outcome`: every test of one outcome (intention, intensity and the subgroup models);
- `chapter`: every test of the chapter, all outcomes together.

With `separate_subgroups` the subgroup models' tests form their own family within the chosen
grouping, apart from the whole-sample models (the report's headline findings are the
whole-sample ones; the subgroup analyses are exploratory). Within each family the
Benjamini-Hochberg q-value (false discovery rate) and the Holm-adjusted p-value (family-wise
error) are given side by side. A row without p (a withheld model, a term without variation) is
not a test and does not count in the family's size.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from puljeeval.settings import ConfigError

FAMILIES = ("figure", "outcome", "chapter")
OVERALL = "Samlet"


def family_of(coefs: pd.DataFrame, family: str, separate_subgroups: bool,
              outcome_labels: Mapping[str, str] | None = None) -> pd.Series:
    """Each row's family as a reader sees it (Danish; the method is the row's own column and each
    method has its own families)."""
    if family not in FAMILIES:
        raise ConfigError(f"config key 'core_elements.multiplicity.family': expected one of {FAMILIES}, "
                          f"got {family!r}")
    labels = outcome_labels or {}
    base = {"figure": "Figur " + coefs["figure"].astype(str),
            "outcome": coefs["outcome"].astype(str).map(lambda k: labels.get(k, k)),
            "chapter": pd.Series("Alle test i kapitel 5", index=coefs.index)}[family]
    if separate_subgroups and family != "figure":      # a figure already is either whole-sample or subgroups
        part = np.where(coefs["subgroup"].astype(str) == OVERALL, "hele analysegrupper", "subgrupper")
        base = base + ": " + part
    return base


def adjust(coefs: pd.DataFrame, config: Mapping) -> pd.DataFrame:
    """The coefficient table with `family`, `family_size`, `q` (Benjamini-Hochberg) and `p_holm`."""
    spec = config["core_elements"]["multiplicity"]
    out = coefs.copy()
    labels = {o["key"]: o["label"] for o in config["core_elements"].get("outcomes", [])}
    out["family"] = family_of(out, spec["family"], bool(spec["separate_subgroups"]), labels)
    out["family_size"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["q"] = np.nan
    out["p_holm"] = np.nan
    for _, idx in out.groupby(["family", "method"], sort=True).groups.items():
        p = out.loc[idx, "p"]
        tested = p[p.notna()]
        if tested.empty:
            continue
        out.loc[tested.index, "family_size"] = len(tested)
        out.loc[tested.index, "q"] = multipletests(tested.to_numpy(), method="fdr_bh")[1]
        out.loc[tested.index, "p_holm"] = multipletests(tested.to_numpy(), method="holm")[1]
    return out
