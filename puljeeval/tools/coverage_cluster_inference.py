"""Coverage study of Bilag 4's few-cluster inference on the report's own designs (issue 14).

    python -m puljeeval.tools.coverage_cluster_inference [--seeds 200] [--reps 9999] [--workers N]
        [--out DIR] [--frames DIR] [--config FILE] [--scenarios icc02,icc10,het05]
        [--subgroups smallest|all|none] [--variants 11,13,31,33] [--methods wild_cluster,cr2_bm,cr1,ols]

The designs are the pipeline's: for each outcome the analysis sample core_element_samples wrote
(`results/interim/core_elements/<outcome>.parquet`, ELEMENT_FRAME in workflow/rules/common.smk)
and the design matrix `element_models.fit_family` builds from it (element terms, controls as in
the report, complete cases): the real offers (16 of very unequal size, TUBA 43-53 % of a sample,
SDQ 14, a small subgroup 10), intentions constant within offer and intervention type, the
intensities and the controls, as published (a design withheld by the residual-df rule or not of
full rank is skipped, as the pipeline reports no inference for it). Per seed, scenario and
design the outcome is simulated as

    y = X beta + u_offer + e_child,   u ~ N(0, icc),   e ~ N(0, (1 - icc) m_i),

beta zero on the controls and the intercept and planted on the element terms: elements in odd
positions of config/core_elements.yaml (barnet_i_centrum, netvaerk, faellesskab) get +,-,+ an
effect of the size the report prints (`--intention-effect` 0.25 SD, cf. "svag sammenhæng på
0,27"; `--intensity-effect` 0.08 SD per rating point, cf. Figur 10-7/10-15), the others 0. All
four interval methods are equivariant (y -> y + Xc moves every interval by c_j), so coverage does
not depend on beta at all; the planted values only set the rejection rate at non-zero effects
(power). What matters is the error structure, hence the scenarios:

- icc02, icc10: homoskedastic, intra-offer correlation 0.02 and 0.10 (the plausible range of
  offer effects on a standardised change score; m_i = 1);
- het05: icc 0.05, heteroskedastic child noise: log m_i = eta_offer + 0.5 w_i, eta_offer ~ N(0, 1)
  (offers' residual SDs differ by a factor of about 1.6 per SD) and w_i the standardised row mean
  of the design's element columns (more intention or intensity, more spread), m normalised to
  mean 1 in the sample.

(`icc` is the residual intra-offer correlation: offer variance over offer plus child variance.)
y is not re-standardised (the pipeline's z is; doing so here would make the target random).
Each design is refitted by OLS and every term's 95 % interval recorded as the pipeline computes
it: `ols` (classical, t(n-k), as element_models.model_rows), `cr1` (statsmodels' cluster
covariance by offer with t(G-1), Bilag 4's interval before issue 14), `cr2_bm`
(cluster_inference.cr2_terms: CR2 with Bell-McCaffrey df) and `wild_cluster`
(element_models.wild_cluster_table: restricted wild cluster bootstrap, the config's weights,
Webb, and variant, interval by test inversion). `--variants` adds the wild cluster bootstrap in
other WCR variants (cluster_inference.WildClusterBootstrap) as methods `wild_cluster_wcr<xy>`,
from the same draws; the config's own variant stays `wild_cluster`. `--methods` keeps a subset.
The bootstrap seed is drawn from the seed's own generator, so each seed is deterministic whatever
the number of workers.

Writes into --out: coverage_summary.csv (scenario x design x method x term kind: coverage and
its Monte Carlo SE from the seed-level means, rejection rate, median width, share of unbounded
intervals, the lowest per-term coverage), coverage_terms.csv (per term), coverage_headline.csv
(per scenario and method over all terms), coverage_runs.parquet (every interval) and
coverage.png. Exit status 1 if the wild bootstrap covers some term's planted value (zero
included) in fewer than --target (0.93) of the seeds, the issue's criterion. `--from-runs`
re-summarises a stored coverage_runs.parquet. Results and what they mean: docs/core_elements.md,
"Coverage study".
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from puljeeval.tools import threads

threads.set_defaults()          # one BLAS thread, before numpy is first loaded

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import statsmodels.api as sm  # noqa: E402
from scipy import stats as sps  # noqa: E402

from puljeeval.evaluation import core_elements as ce  # noqa: E402
from puljeeval.evaluation import element_models as em  # noqa: E402
from puljeeval.methods import cluster_inference, stats  # noqa: E402
from puljeeval.settings import ROOT, Settings, load  # noqa: E402

STUDY_SEED = 14                  # issue 14: the root of every seed's generator
KINDS = ("nonzero", "zero")    # term kinds: a planted effect, or none ("null" would read back as NaN)


@dataclass(frozen=True)
class Scenario:
    """An error structure: intra-offer correlation `icc`; with `hetero`, child noise variance
    exp(eta_offer + slope w_i) (eta ~ N(0, offer_log_var_sd^2)), normalised to mean 1."""

    name: str
    icc: float
    hetero: bool = False
    offer_log_var_sd: float = 1.0
    slope: float = 0.5


SCENARIOS = {s.name: s for s in (Scenario("icc02", 0.02), Scenario("icc10", 0.10),
                                 Scenario("het05", 0.05, hetero=True))}


@dataclass(frozen=True)
class Design:
    """One model's design as the pipeline fits it: X with its column names, the element terms
    (column names), offer codes 0..G-1 per row, and the planted coefficients (length k)."""

    label: str
    outcome: str
    model: str
    figure: str
    subgroup_variable: str
    subgroup: str
    X: np.ndarray
    names: tuple[str, ...]
    terms: tuple[str, ...]
    cluster: np.ndarray
    beta: np.ndarray

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def clusters(self) -> int:
        return int(self.cluster.max()) + 1

    @property
    def largest_share(self) -> float:
        return float(np.bincount(self.cluster).max() / self.n)


def planted_beta(names: list[str], terms: list[str], element_codes: list[str], kind: str,
                 effects: dict[str, float]) -> np.ndarray:
    """Zero everywhere but on elements in odd positions of the element list, which get
    +effect, -effect, +effect ... (module docstring); an element absent from the design (no
    variation) plants nothing."""
    column = ce.intention_column if kind == "intention" else ce.intensity_column
    beta = np.zeros(len(names))
    for i, el in enumerate(element_codes):
        if i % 2 == 1 and column(el) in terms:
            beta[names.index(column(el))] = effects[kind] * (1 if (i // 2) % 2 == 0 else -1)
    return beta


def design_of(frame: pd.DataFrame, kind: str, settings: Settings, effects: dict[str, float], *,
              outcome: dict, subgroup_variable: str = "", subgroup: str = "",
              controls: list[str] | None = None, min_df: int = 0) -> Design | None:
    """The design element_models fits for one model (fit_family), or None where the pipeline
    publishes no clustered inference: fewer residual df than `disclosure.min_residual_df` (or
    `min_df`, the subgroup rule), or not of full rank."""
    cfg = settings.config["core_elements"]
    column = ce.intention_column if kind == "intention" else ce.intensity_column
    terms = [column(e) for e in settings.element_codes]
    fit = em.fit_family(frame, terms, settings, controls=controls,
                        min_residual_df=max(stats.min_residual_df(settings.config), min_df))
    if fit["result"] is None or not fit["full_rank"] or not fit["terms"]:
        return None
    model = fit["result"].model
    names = list(model.exog_names)
    cluster = pd.factorize(fit["data"][cfg["cluster"]])[0]
    if cluster.max() < 1:
        return None
    figure = outcome["figures"]["subgroups" if subgroup_variable else kind]
    label = f"{outcome['key']} {kind}" + (f" | {subgroup_variable}={subgroup}" if subgroup_variable else "")
    return Design(label, outcome["key"], kind, figure, subgroup_variable, subgroup, np.asarray(model.exog, float),
                  tuple(names), tuple(fit["terms"]), cluster,
                  planted_beta(names, fit["terms"], settings.element_codes, kind, effects))


def designs_from_frames(frames: dict[str, pd.DataFrame], settings: Settings, effects: dict[str, float],
                        subgroups: str = "smallest") -> list[Design]:
    """Intention and intensity models of every outcome, and the intensity subgroup models as
    run_outcome forms them: `all`, `none`, or per outcome the `smallest` (fewest offers, then
    fewest children) among those the pipeline publishes."""
    if subgroups not in ("smallest", "all", "none"):
        raise ValueError(f"subgroups must be smallest, all or none, not {subgroups!r}")
    cfg = settings.config["core_elements"]
    out = []
    for outcome in cfg["outcomes"]:
        if outcome["key"] not in frames:
            raise KeyError(f"no analysis frame for outcome '{outcome['key']}' (core_elements.outcomes)")
        frame = frames[outcome["key"]]
        for kind in ("intention", "intensity"):
            d = design_of(frame, kind, settings, effects, outcome=outcome)
            if d is not None:
                out.append(d)
        if subgroups == "none":
            continue
        found = []
        for sub, level, controls, part in em.subgroup_parts(frame, outcome, cfg):
            if len(part) == 0:
                continue
            # run_outcome's analysis rule and the disclosure rule both bound df_resid
            d = design_of(part, "intensity", settings, effects, outcome=outcome,
                          subgroup_variable=sub["variable"], subgroup=level, controls=controls,
                          min_df=cfg["min_subgroup_df"])
            if d is not None:
                found.append(d)
        out.extend(fewest_offers(found) if subgroups == "smallest" else found)
    return out


def fewest_offers(designs: list[Design]) -> list[Design]:
    """The design with the fewest offers, then the fewest children (first of a tie), as a list."""
    return [min(designs, key=lambda d: (d.clusters, d.n))] if designs else []


def read_frames(directory: str | Path, settings: Settings) -> dict[str, pd.DataFrame]:
    directory = Path(directory)
    paths = []
    for outcome in settings.config["core_elements"]["outcomes"]:
        path = directory / f"{outcome['key']}.parquet"
        if not path.exists():
            raise FileNotFoundError(f"{path}: the analysis frame of outcome '{outcome['key']}' is missing; "
                                    f"run the rule core_element_samples (or give --frames)")
        paths.append(path)
    return frames_at(paths)


def frames_at(paths: Iterable[str | Path]) -> dict[str, pd.DataFrame]:
    """The analysis frames by outcome key (each file is <outcome>.parquet)."""
    return {Path(p).stem: pd.read_parquet(p) for p in paths}


def simulate(design: Design, scenario: Scenario, rng: np.random.Generator) -> np.ndarray:
    """One outcome vector: X beta + offer effect + child noise (module docstring)."""
    G, n = design.clusters, design.n
    offer = rng.normal(scale=np.sqrt(scenario.icc), size=G)[design.cluster]
    noise = rng.normal(size=n)
    m = np.ones(n)
    if scenario.hetero:
        eta = rng.normal(scale=scenario.offer_log_var_sd, size=G)[design.cluster]
        idx = [design.names.index(t) for t in design.terms]
        w = design.X[:, idx].mean(axis=1)
        w = (w - w.mean()) / w.std() if w.std() > 0 else np.zeros(n)
        m = np.exp(eta + scenario.slope * w)
        m /= m.mean()
    return design.X @ design.beta + offer + noise * np.sqrt((1.0 - scenario.icc) * m)


# A method: (statsmodels OLS result, offer codes, terms, level, bootstrap settings) -> table
# indexed by term with ci_low, ci_high, p. The real ones are the pipeline's functions.
Method = Callable[[object, np.ndarray, list[str], float, dict], pd.DataFrame]


def _ols(res, groups: np.ndarray, terms: list[str], level: float, boot: dict) -> pd.DataFrame:
    ci = res.conf_int(alpha=1 - level).loc[terms]           # as element_models.model_rows
    return pd.DataFrame({"ci_low": ci[0], "ci_high": ci[1], "p": res.pvalues[terms]})


def _cr1(res, groups: np.ndarray, terms: list[str], level: float, boot: dict) -> pd.DataFrame:
    """statsmodels' CR1 by cluster with t(G-1): the interval Bilag 4 printed before issue 14."""
    g = len(np.unique(groups))
    robust = res.model.fit(cov_type="cluster", cov_kwds={"groups": groups})
    est, se = robust.params[terms], robust.bse[terms]
    crit = sps.t.ppf(0.5 + level / 2, g - 1)
    return pd.DataFrame({"ci_low": est - crit * se, "ci_high": est + crit * se,
                         "p": 2 * sps.t.sf(np.abs(est / se), g - 1)})


def _cr2(res, groups: np.ndarray, terms: list[str], level: float, boot: dict) -> pd.DataFrame:
    names = list(res.model.exog_names)
    found = cluster_inference.cr2_terms(np.asarray(res.model.exog), np.asarray(res.model.endog), groups,
                                        [names.index(t) for t in terms], level=level)
    return pd.DataFrame({"ci_low": [r.ci_low for r in found], "ci_high": [r.ci_high for r in found],
                         "p": [r.p for r in found]}, index=pd.Index(terms))


def _wild(res, groups: np.ndarray, terms: list[str], level: float, boot: dict) -> pd.DataFrame:
    return em.wild_cluster_table(res, groups, terms, level, boot)[["ci_low", "ci_high", "p"]]


def _wild_variant(variant: str, res, groups: np.ndarray, terms: list[str], level: float, boot: dict) -> pd.DataFrame:
    """_wild in another WCR variant (same draws: same boot seed)."""
    return _wild(res, groups, terms, level, {**boot, "variant": variant})


METHODS: dict[str, Method] = {"wild_cluster": _wild, "cr2_bm": _cr2, "cr1": _cr1, "ols": _ols}


@dataclass(frozen=True)
class Study:
    designs: tuple[Design, ...]
    scenarios: tuple[Scenario, ...]
    reps: int
    weights: str
    level: float
    methods: tuple[tuple[str, Method], ...]
    variant: str = "11"                     # the config's WCR variant (method wild_cluster)


def run_seed(study: Study, seed: int) -> pd.DataFrame:
    """Every scenario x design x method x term for one seed. Each (seed, scenario, design) has
    its own generator, so a seed's rows do not depend on the others or on the workers."""
    rows = []
    alpha = 1.0 - study.level
    for si, scenario in enumerate(study.scenarios):
        for di, d in enumerate(study.designs):
            rng = np.random.default_rng([STUDY_SEED, seed, si, di])
            y = simulate(d, scenario, rng)
            boot = {"reps": study.reps, "weights": study.weights, "seed": int(rng.integers(2**31)),
                    "variant": study.variant}
            res = sm.OLS(y, pd.DataFrame(d.X, columns=list(d.names))).fit()
            terms = list(d.terms)
            for name, method in study.methods:
                table = method(res, d.cluster, terms, study.level, boot).loc[terms]
                for t in terms:
                    beta = float(d.beta[d.names.index(t)])
                    lo, hi, p = (float(table.at[t, c]) for c in ("ci_low", "ci_high", "p"))
                    rows.append((seed, scenario.name, d.label, t, beta, name, float(res.params[t]), lo, hi, p,
                                 lo <= beta <= hi, p <= alpha))
    return pd.DataFrame(rows, columns=["seed", "scenario", "design", "term", "planted", "method", "estimate",
                                       "ci_low", "ci_high", "p", "covered", "reject"])


_STUDY: Study | None = None


def _init_worker(study: Study) -> None:
    global _STUDY
    _STUDY = study


def _worker_seed(seed: int) -> pd.DataFrame:
    assert _STUDY is not None
    return run_seed(_STUDY, seed)


def run_study(study: Study, seeds: Iterable[int], workers: int = 1) -> pd.DataFrame:
    """All seeds, in seed order (deterministic whatever `workers`); processes are spawned with
    one BLAS thread each (as the command line's own process), so two workers use two cores."""
    seeds = list(seeds)
    if workers <= 1:
        parts = [run_seed(study, s) for s in seeds]
    else:
        with threads.one_thread_children(), ProcessPoolExecutor(
                workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
                initargs=(study,)) as pool:
            parts = list(pool.map(_worker_seed, seeds))
    runs = pd.concat(parts, ignore_index=True)
    return with_kinds(runs)


def with_kinds(runs: pd.DataFrame) -> pd.DataFrame:
    return runs.assign(kind=np.where(runs["planted"] != 0, KINDS[0], KINDS[1]))


def _mcse(per_seed: pd.Series) -> float:
    """Monte Carlo SE of a mean over seeds of per-seed shares (terms of one seed are
    correlated, so the seed is the independent unit)."""
    return float(per_seed.std(ddof=1) / np.sqrt(len(per_seed))) if len(per_seed) > 1 else float("nan")


def summarise(runs: pd.DataFrame, designs: Iterable[Design]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(summary by scenario x design x method x kind, per-term table)."""
    runs = runs.assign(width=runs["ci_high"] - runs["ci_low"],
                       unbounded=~(np.isfinite(runs["ci_low"]) & np.isfinite(runs["ci_high"])))
    keys = ["scenario", "design", "method", "term"]
    terms = runs.groupby(keys, sort=False).agg(planted=("planted", "first"), kind=("kind", "first"),
                                                seeds=("seed", "nunique"), coverage=("covered", "mean"),
                                                reject=("reject", "mean"), median_width=("width", "median"),
                                                unbounded=("unbounded", "mean")).reset_index()
    terms["coverage_mcse"] = np.sqrt(terms["coverage"] * (1 - terms["coverage"]) / terms["seeds"])
    rows = []
    for (scen, des, meth, kind), part in runs.groupby(["scenario", "design", "method", "kind"], sort=False):
        per_seed = part.groupby("seed")[["covered", "reject"]].mean()
        tk = terms[(terms["scenario"] == scen) & (terms["design"] == des) & (terms["method"] == meth)
                   & (terms["kind"] == kind)]
        rows.append({"scenario": scen, "design": des, "method": meth, "kind": kind, "terms": len(tk),
                     "seeds": len(per_seed), "coverage": float(per_seed["covered"].mean()),
                     "coverage_mcse": _mcse(per_seed["covered"]), "min_term_coverage": float(tk["coverage"].min()),
                     "reject": float(per_seed["reject"].mean()), "reject_mcse": _mcse(per_seed["reject"]),
                     "median_width": float(part["width"].median()), "unbounded": float(part["unbounded"].mean())})
    summary = pd.DataFrame(rows)
    info = design_table(designs).drop(columns="terms")
    info["largest_cluster_share"] = info["largest_cluster_share"].round(3)
    summary = summary.merge(info, on="design", how="left")
    terms = terms.merge(info[["design", "n", "clusters"]], on="design", how="left")
    terms = terms.merge(effective_clusters(designs), on=["design", "term"], how="left")
    return summary, terms


def effective_clusters(designs: Iterable[Design]) -> pd.DataFrame:
    """Per design and term the effective number of offers G*A (cluster_inference.effective_clusters),
    the diagnostic Bilag 4 prints beside each coefficient."""
    rows = []
    for d in designs:
        idx = [d.names.index(t) for t in d.terms]
        g_eff = cluster_inference.effective_clusters(d.X, d.cluster, idx)
        rows += [{"design": d.label, "term": t, "g_eff": float(v)} for t, v in zip(d.terms, g_eff, strict=True)]
    return pd.DataFrame(rows, columns=["design", "term", "g_eff"])


G_EFF_BANDS = (0.0, 3.0, 4.0, 6.0, np.inf)


def by_effective_clusters(terms: pd.DataFrame, target: float, bands: tuple[float, ...] = G_EFF_BANDS) -> pd.DataFrame:
    """Per scenario, method and band of G*: how many terms, their mean and lowest coverage and how
    many fall below `target`: whether the shortfalls are where few offers carry the coefficient."""
    band = pd.cut(terms["g_eff"], list(bands), right=False)          # ordered: groupby sorts by band
    out = (terms.assign(band=band)
           .groupby(["scenario", "method", "band"], observed=True)
           .agg(terms=("term", "size"), g_eff_min=("g_eff", "min"), mean_coverage=("coverage", "mean"),
                min_coverage=("coverage", "min"), below=("coverage", lambda c: int((c < target).sum())))
           .reset_index())
    return out.assign(band=out["band"].astype(str)).rename(columns={"below": f"below_{target:g}"})


def failures(terms: pd.DataFrame, target: float, method: str = "wild_cluster") -> pd.DataFrame:
    """Terms whose coverage by `method` is below `target` (planted and zero effects alike:
    a zero effect is a planted value of 0)."""
    return terms[(terms["method"] == method) & (terms["coverage"] < target)]


def coverage_figure(summary: pd.DataFrame, path: Path, target: float) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scenarios = list(dict.fromkeys(summary["scenario"]))
    designs = list(dict.fromkeys(summary["design"]))
    methods = list(dict.fromkeys(summary["method"]))
    rows = [(d, k) for d in designs for k in KINDS if ((summary["design"] == d) & (summary["kind"] == k)).any()]
    fig, axes = plt.subplots(1, len(scenarios), figsize=(4.2 * len(scenarios) + 2.5, 0.32 * len(rows) + 1.6),
                             sharex=True, sharey=True, squeeze=False)
    markers = dict(zip(methods, "oDs^v<>", strict=False))
    for ax, scen in zip(axes[0], scenarios, strict=True):
        part = summary[summary["scenario"] == scen]
        for j, meth in enumerate(methods):
            m = part[part["method"] == meth].set_index(["design", "kind"])
            ys = np.arange(len(rows)) + (j - (len(methods) - 1) / 2) * 0.16
            xs = [m.at[r, "coverage"] if r in m.index else np.nan for r in rows]
            err = [2 * m.at[r, "coverage_mcse"] if r in m.index else np.nan for r in rows]
            ax.errorbar(xs, ys, xerr=err, fmt=markers[meth], ms=4, lw=0.8, capsize=0, label=meth)
        ax.axvline(0.95, color="0.3", lw=0.8)
        ax.axvline(target, color="0.3", lw=0.8, ls="--")
        ax.set_title(scen)
        ax.set_xlabel("coverage of 95 % intervals (±2 MC SE)")
        ax.grid(axis="x", color="0.9")
    axes[0][0].set_yticks(range(len(rows)), [f"{d} [{k}]" for d, k in rows], fontsize=7)
    axes[0][0].invert_yaxis()
    axes[0][-1].legend(loc="lower left", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=130, metadata={"Software": None})
    plt.close(fig)


def print_table(summary: pd.DataFrame) -> None:
    """Coverage % (MC SE) per design and term kind, one column per method, per scenario; then
    the rejection rates at zero effects."""
    methods = list(dict.fromkeys(summary["method"]))
    cell = summary.assign(text=[f"{100 * c:5.1f} ({100 * s:.1f})" for c, s in
                                zip(summary["coverage"], summary["coverage_mcse"], strict=True)])
    size = summary.assign(text=[f"{100 * c:5.1f}" for c in summary["reject"]])
    for scen in dict.fromkeys(summary["scenario"]):
        part = cell[cell["scenario"] == scen]
        table = part.pivot(index=["design", "kind"], columns="method", values="text")
        order = list(dict.fromkeys(zip(part["design"], part["kind"], strict=True)))
        table = table.reindex(columns=methods).reindex(order)
        print(f"\ncoverage % (Monte Carlo SE), scenario {scen}")
        print(table.to_string())
        nulls = size[(size["scenario"] == scen) & (size["kind"] == KINDS[1])]
        rej = nulls.pivot(index="design", columns="method", values="text")
        print(f"rejection rate % at zero effects (nominal 5), scenario {scen}")
        print(rej.reindex(columns=methods).reindex(list(dict.fromkeys(nulls["design"]))).to_string())


def headline(terms: pd.DataFrame, target: float, level: float) -> pd.DataFrame:
    """Per scenario and method over every term of every design: mean coverage, the lowest
    per-term coverage, how many terms fall below `target`, and how many lie more than two
    binomial Monte Carlo SEs below the nominal level."""
    rows = []
    for (scen, meth), part in terms.groupby(["scenario", "method"], sort=False):
        worst = part.loc[part["coverage"].idxmin()]
        rows.append({"scenario": scen, "method": meth, "terms": len(part), "mean_coverage": part["coverage"].mean(),
                     "min_coverage": worst["coverage"], "worst_term": f"{worst['design']}: {worst['term']}",
                     f"below_{target:g}": int((part["coverage"] < target).sum()),
                     "below_nominal_2se": int((part["coverage"] + 2 * part["coverage_mcse"] < level).sum()),
                     "zero_effect_reject": part.loc[part["kind"] == KINDS[1], "reject"].mean()})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- as workflow targets

# The study's settings (config key studies.coverage; the command line's defaults): what
# build_study reads beside the core_elements block.
OPTION_KEYS = ("seeds", "first_seed", "batch_size", "reps", "scenarios", "subgroups", "methods", "variants",
               "intention_effect", "intensity_effect", "target")


def build_study(settings: Settings, frames: dict[str, pd.DataFrame], options: dict,
                where: str = "studies.coverage") -> tuple[Study, list[Design]]:
    """The study and its designs from the analysis frames and the study's options (OPTION_KEYS;
    scenarios, methods and variants as lists). A bad option raises ValueError naming `where`."""
    cfg = settings.config["core_elements"]
    unknown = [s for s in options["scenarios"] if s not in SCENARIOS]
    if unknown or not options["scenarios"]:
        raise ValueError(f"{where}.scenarios: unknown or none {unknown}; choose from {list(SCENARIOS)}")
    variant = cfg["bootstrap"]["variant"]
    chosen = list(options["methods"])
    extra = [str(v) for v in options.get("variants", []) if str(v) != variant]
    bad = [m for m in chosen if m not in METHODS] + [v for v in extra if v not in cluster_inference.VARIANTS]
    if bad or not chosen + extra:
        raise ValueError(f"{where}.methods/variants: unknown or none {bad}; methods {list(METHODS)}, "
                         f"variants {list(cluster_inference.VARIANTS)}")
    effects = {"intention": float(options["intention_effect"]), "intensity": float(options["intensity_effect"])}
    designs = designs_from_frames(frames, settings, effects, options["subgroups"])
    if not designs:
        raise ValueError("no design to study: every model is withheld (residual df) or not of full rank")
    methods = [(m, METHODS[m]) for m in chosen] + [(f"wild_cluster_wcr{v}", partial(_wild_variant, v)) for v in extra]
    study = Study(tuple(designs), tuple(SCENARIOS[s] for s in options["scenarios"]), int(options["reps"]),
                  cfg["bootstrap"]["weights"], float(cfg["level"]), tuple(methods), variant)
    return study, designs


def study_of_rule(settings: Settings, frame_paths: Iterable[str | Path]) -> tuple[Study, list[Design], dict]:
    """A study rule's study, designs and options (config studies.coverage) from its frames."""
    options = settings.config["studies"]["coverage"]
    study, designs = build_study(settings, frames_at(frame_paths), options)
    return study, designs, options


def seed_batches(first: int, seeds: int, batch_size: int) -> list[range]:
    """The seeds first .. first + seeds - 1 in consecutive batches of `batch_size` (the last may
    be smaller): one workflow job each. Every seed's rows are the same whatever the batching."""
    if seeds < 1 or batch_size < 1:
        raise ValueError(f"seeds ({seeds}) and batch_size ({batch_size}) must be at least 1")
    return [range(s, min(s + batch_size, first + seeds)) for s in range(first, first + seeds, batch_size)]


def outputs(runs: pd.DataFrame, designs: list[Design], target: float, level: float) -> dict[str, pd.DataFrame]:
    """The study's tables from its runs: summary, terms, headline, by_g_eff and designs."""
    summary, terms = summarise(runs, designs)
    return {"summary": summary, "terms": terms, "headline": headline(terms, target, level),
            "by_g_eff": by_effective_clusters(terms, target), "designs": design_table(designs)}


def design_table(designs: Iterable[Design]) -> pd.DataFrame:
    """One row per design: the model, its sample size, offers and the largest offer's share."""
    return pd.DataFrame([{"design": d.label, "outcome": d.outcome, "model": d.model, "figure": d.figure,
                          "subgroup_variable": d.subgroup_variable, "subgroup": d.subgroup, "n": d.n,
                          "clusters": d.clusters, "largest_cluster_share": d.largest_share,
                          "parameters": d.X.shape[1], "terms": len(d.terms)} for d in designs])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--reps", type=int, default=9999, help="wild bootstrap draws")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", default="results/studies/coverage_cluster_inference")
    parser.add_argument("--frames", default="results/interim/core_elements",
                        help="folder with core_element_samples' <outcome>.parquet frames")
    parser.add_argument("--config", default=str(ROOT / "config" / "config.yaml"))
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help=f"comma-separated of {list(SCENARIOS)}")
    parser.add_argument("--subgroups", default="smallest", choices=["smallest", "all", "none"])
    parser.add_argument("--intention-effect", type=float, default=0.25)
    parser.add_argument("--intensity-effect", type=float, default=0.08)
    parser.add_argument("--target", type=float, default=0.93)
    parser.add_argument("--from-runs", help="summarise a stored coverage_runs.parquet instead of simulating")
    parser.add_argument("--variants", default="",
                        help="comma-separated WCR variants (11,13,31,33) beside the config's: wild_cluster_wcr<xy>")
    parser.add_argument("--methods", default=",".join(METHODS), help=f"comma-separated subset of {list(METHODS)}")
    args = parser.parse_args(argv)
    settings = load(args.config)
    options = {"reps": args.reps, "scenarios": [s for s in args.scenarios.split(",") if s],
               "subgroups": args.subgroups, "methods": [m for m in args.methods.split(",") if m],
               "variants": [v for v in args.variants.split(",") if v],
               "intention_effect": args.intention_effect, "intensity_effect": args.intensity_effect}
    try:
        study, designs = build_study(settings, read_frames(args.frames, settings), options, where="option")
    except ValueError as err:
        parser.error(str(err))
    for d in designs:
        print(f"{d.label:<42} figure {d.figure:<6} n = {d.n:5d}  G = {d.clusters:2d}  largest offer "
              f"{d.largest_share:4.0%}  k = {d.X.shape[1]}  terms {len(d.terms)}")
    start = time.perf_counter()
    if args.from_runs:
        runs = with_kinds(pd.read_parquet(args.from_runs))
        unknown = sorted(set(runs["design"]) - {d.label for d in designs})
        if unknown:
            parser.error(f"--from-runs {args.from_runs}: designs {unknown} are not among this config's and frames'")
    else:
        runs = run_study(study, range(args.first_seed, args.first_seed + args.seeds), args.workers)
    elapsed = time.perf_counter() - start
    tables = outputs(runs, designs, args.target, study.level)
    summary, terms, top, bands = (tables[k] for k in ("summary", "terms", "headline", "by_g_eff"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for key in ("summary", "terms", "headline", "by_g_eff"):
        tables[key].to_csv(out / f"coverage_{key}.csv", index=False, float_format="%.6g")
    if not args.from_runs:
        runs.to_parquet(out / "coverage_runs.parquet", index=False)
    coverage_figure(summary, out / "coverage.png", args.target)
    print_table(summary)
    print("\nover all designs and terms (coverage per term over the seeds; zero_effect_reject: rejection "
          "rate at the zero effects):")
    print(top.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print("\nby the effective number of offers G* of the term (cluster_inference.effective_clusters):")
    print(bands.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    fails = failures(terms, args.target)
    seeds = runs["seed"].nunique()
    print(f"\n{seeds} seeds x {runs['scenario'].nunique()} scenarios x {runs['design'].nunique()} designs, "
          + (f"summarised from {args.from_runs}" if args.from_runs else
             f"{args.reps:,} draws, {args.workers} worker(s): {elapsed:,.0f} s wall") + f"; written to {out}")
    low = terms[terms["method"] == "wild_cluster"].sort_values("coverage").head(5)
    print("lowest wild_cluster coverage per term:")
    print(low[["scenario", "design", "term", "planted", "coverage", "coverage_mcse"]].to_string(index=False))
    if len(fails):
        print(f"wild_cluster covers {len(fails)} term(s) in fewer than {args.target:.0%} of the seeds")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
