"""Bilag 4 on another seed of the synthetic twin: the chain ingest -> clean -> score -> footnote 5's
samples -> the OLS models, in one process, on extracts the twin wrote for that seed (rule
`other_seed_models`), so the chapter 5 page can say which of the report's statements hold on a
second draw of the same data-generating process and not only on the default one.

The steps are the package functions the workflow's own rules call (ingest.check_all,
cleaning.clean, scoring.score_all, core_elements.*, element_models.fit_family), in the order of
the rules ingest, clean, score, core_element_samples and core_element_models. Only the `ols`
method is fitted: the statements are the report's, and its method is OLS; the wild bootstrap and
the attrition refit would multiply the time for rows no statement reads. `ols_models` is
element_models.run_outcome with only the `ols` method; `element_samples` mirrors rule
core_element_samples (the unit of analysis of config `analysis_unit` included).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from puljeeval.data import cleaning, ingest
from puljeeval.evaluation import element_models as em
from puljeeval.evaluation import element_samples as element_samples_mod
from puljeeval.scoring import score as scoring
from puljeeval.settings import ConfigView, Settings

OLS = "ols"


def with_extracts(settings: Settings, paths: Mapping[str, str | Path]) -> Settings:
    """The settings with the extracts read from `paths` (name -> path) instead of the configured
    paths; every other value as declared. Reads through the new settings are recorded with the
    rule's own (the config-use trace)."""
    config = settings.config
    values = config.plain() if isinstance(config, ConfigView) else copy.deepcopy(dict(config))
    for name, path in paths.items():
        if name not in values["extracts"]:
            raise KeyError(f"config key 'extracts.{name}' does not exist")
        values["extracts"][name]["path"] = str(path)
    if isinstance(config, ConfigView):
        # the declared subtrees only (plain() holds nothing else): an undeclared key stays unreadable
        view = ConfigView(values, list(values), settings.rule, reads=config.reads)
        return Settings(config=view, side=settings.side, rule=settings.rule, side_reads=settings.side_reads)
    return Settings(config=values, side=settings.side, rule=settings.rule, side_reads=settings.side_reads)


def ols_models(outcome: Mapping, frame: pd.DataFrame, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The OLS rows of element_models.run_outcome for one outcome (the same selection of models,
    run_outcome itself with methods limited to `ols`) and its model table."""
    coefs, models = em.run_outcome(dict(outcome), frame, None, settings, methods=(OLS,))
    return coefs.reindex(columns=em.COLUMNS), models.reindex(columns=em.MODEL_COLUMNS)


def element_samples(clean: Mapping[str, pd.DataFrame], scores: Mapping[str, pd.DataFrame],
                    settings: Settings) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Each outcome's model frame (footnote 5's sample with intention, intensity and controls) and
    the descriptive table of all outcomes (bilag4_intention.csv), as rule core_element_samples
    makes them (element_samples.outcome_samples, without the attrition candidates)."""
    samples = element_samples_mod.outcome_samples(clean, scores, settings, attrition=False)
    return ({k: s.frame for k, s in samples.items()},
            pd.concat([s.shares for s in samples.values()], ignore_index=True))


def element_tables(settings: Settings, paths: Mapping[str, str | Path]) -> dict[str, pd.DataFrame]:
    """From raw extracts at `paths` (name -> path, the data contract) to Bilag 4's tables:
    `coefficients` (OLS rows of every model of every outcome), `models` and `intention`. Extracts
    that break the contract are an error listing the problems."""
    chained = with_extracts(settings, paths)
    interim, errors = ingest.check_all(chained, ingest.pseudonym_key(chained))
    if errors:
        raise ValueError("the other seed's extracts break the data contract: " + "; ".join(str(e) for e in errors[:5]))
    clean = cleaning.clean(interim, chained)
    scores = scoring.score_all(clean["responses"], clean["courses"], chained)
    frames, intention = element_samples(clean, scores, chained)
    coefs, models = [], []
    for outcome in chained.config["core_elements"]["outcomes"]:
        c, m = ols_models(outcome, frames[outcome["key"]], chained)
        coefs.append(c)
        models.append(m)
    return {"coefficients": pd.concat(coefs, ignore_index=True), "models": pd.concat(models, ignore_index=True),
            "intention": intention}
