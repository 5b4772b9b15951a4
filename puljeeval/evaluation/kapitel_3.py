"""Chapter 3 and Bilag 2 of the evaluation, computed from the cleaned data and the ledger:
the flow of Figur 3-4, the production table (Tabel 8-1), the profiles of Figur 3-1..3-3, and
section 3.3's dropout comparison with intervals, tests and a logistic regression (with inference
clustered by offer beside the report's: the wild score bootstrap and CR1, dropout_models).
"""

from __future__ import annotations

import pandas as pd

from puljeeval.evaluation.kapitel_4 import design, inference_frame, inference_spec, method_rows
from puljeeval.methods import score_bootstrap, stats
from puljeeval.settings import Settings

# The dropout logit's methods (config/tables.yaml labels `methods`): the report's classical
# maximum-likelihood fit, then the clustered ones.
LOGIT_METHODS = ("classical", "wild_score", "cr1")

PRODUCTION_COLUMNS = ["started", "ongoing", "completed", "planned", "unplanned", "not_stated"]
END_STATUS_COLUMN = {"planlagt": "planned", "uplanlagt": "unplanned", "ikke_oplyst": "not_stated"}
ALL = "ALLE"


def kept_courses(ledger: pd.DataFrame, courses: pd.DataFrame) -> pd.DataFrame:
    """The courses the ledger marks as kept; fails if ledger and cleaned table disagree."""
    kept = ledger[(ledger["extract"] == "registrations") & (ledger["fate"] == "kept")]["course_id"]
    out = courses[courses["course_id"].isin(kept)]
    if len(out) != len(kept) or len(out) != len(courses):
        raise ValueError(f"ledger keeps {len(kept)} courses but the cleaned table has {len(courses)}")
    return out


def status_counts(courses: pd.DataFrame) -> pd.Series:
    end = courses["end_status"].map(END_STATUS_COLUMN)
    return pd.Series({
        "started": len(courses),
        "ongoing": int((courses["status"] == "ongoing").sum()),
        "completed": int((courses["status"] == "completed").sum()),
        "planned": int((end == "planned").sum()),
        "unplanned": int((end == "unplanned").sum()),
        "not_stated": int((end == "not_stated").sum()),
    })


def flow(ledger: pd.DataFrame, courses: pd.DataFrame) -> pd.DataFrame:
    """Figur 3-4 with the cleaning steps before it: raw registrations, each drop reason
    (`dropped:<reason>`), and the started / completed / ongoing / end-status counts of the kept
    courses. Steps are codes; their Danish descriptions are the publication registry's
    (config/tables.yaml, labels.flow_steps), added when the table is published."""
    reg = ledger[ledger["extract"] == "registrations"]
    rows = [("raw_registrations", len(reg))]
    dropped = reg[reg["fate"] == "dropped"]["reason"].value_counts(sort=False)
    for reason, n in sorted(dropped.items()):
        if n:
            rows.append((f"dropped:{reason}", int(n)))
    statuses = ["started", "completed", "ongoing", "planned", "unplanned", "not_stated"]
    counts = status_counts(kept_courses(ledger, courses))
    rows += [(k, int(counts[k])) for k in statuses]
    out = pd.DataFrame(rows, columns=["step", "n"])
    base = {"completed": counts["started"], "ongoing": counts["started"], "planned": counts["completed"],
            "unplanned": counts["completed"], "not_stated": counts["completed"]}
    total = out["step"].map(base).astype("float64")
    out["share_pct"] = 100 * out["n"] / total
    return pd.concat([out, stats.proportion_ci_columns(out["n"], total.fillna(0))], axis=1)


def production(courses: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Tabel 8-1: courses per offer counted in production, with the configured adjustments."""
    counted = courses[courses["counted_in_production"]]
    table = pd.DataFrame({o: status_counts(counted[counted["offer"] == o]) for o in settings.offer_codes}).T
    table = table[PRODUCTION_COLUMNS].astype("int64")
    prod = settings.config["production"]
    for sign, kind in ((-1, "subtract"), (1, "add")):
        for adj in prod[kind]:
            for col in adj["columns"]:
                table.loc[adj["offer"], col] += sign * adj["courses"]
    names = {o["code"]: o["name"] for o in settings.offers["offers"]}
    table.index.name = "offer"
    table = table.reset_index()
    table.insert(1, "name", table["offer"].map(names))
    return table


def who5_low(scores: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The report's low-wellbeing flag (Figur 3-3) from the scored WHO-5 start table."""
    spec = settings.instruments["instruments"]["who5"]
    score = scores[spec["main_scale"]]
    return pd.DataFrame({"course_id": scores["course_id"], "who5_score": score,
                         "who5_low": (score <= spec["low_wellbeing_max"]).where(score.notna())})


def profiles(courses: pd.DataFrame, who5_start: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Figur 3-1..3-3: per profile variable, age group and category the number of answers
    (n), the count in the category and its share of n in percent. Group ALLE is all courses
    with a known age group."""
    prof = settings.published["profiles"]
    data = courses.merge(who5_low(who5_start, settings), on="course_id", how="left")
    data["wellbeing_start"] = data["who5_low"].map({True: "low", False: "high"})
    data = data[data["age_group"].notna()]
    groups = [(ALL, data)] + [(str(g), d) for g, d in data.groupby("age_group", observed=False)]
    rows = []
    total = len(data)
    for g, d in groups:
        if g != ALL:
            rows.append(("age", "Alder", ALL, g, total, len(d)))
    for var, spec in prof["variables"].items():
        for g, d in groups:
            if spec.get("multi_select"):
                answered = d[d["problem_none"].notna()]
                for cat, _c in spec["categories"].items():
                    rows.append((var, spec["label"], g, cat, len(answered), int((answered[cat] == 1).sum())))
                continue
            answered = d[var].dropna()
            for cat in spec["categories"]:
                rows.append((var, spec["label"], g, cat, len(answered), int((answered == cat).sum())))
    out = pd.DataFrame(rows, columns=["variable", "label", "age_group", "category", "n", "count"])
    out["share_pct"] = (100 * out["count"] / out["n"]).where(out["n"] > 0)
    return pd.concat([out, stats.proportion_ci_columns(out["count"], out["n"])], axis=1)


def dropout_frame(courses: pd.DataFrame, who5_start: pd.DataFrame) -> pd.DataFrame:
    """Completed courses with a stated ending: `unplanned` 1 / 0, plus the characteristics."""
    ended = courses[courses["end_status"].isin(["planlagt", "uplanlagt"])].copy()
    ended["unplanned"] = (ended["end_status"] == "uplanlagt").astype(int)
    ended = ended.merge(who5_start[["course_id", "who5_low"]], on="course_id", how="left")
    ended["low_wellbeing"] = ended["who5_low"].astype("boolean")
    ended["age"] = ended["age"].astype("float64")
    return ended


def dropout_comparison(frame: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Per characteristic: share among planned and unplanned endings with Wilson intervals,
    the difference (unplanned - planned) with Newcombe's interval and the z-test p value.
    Shares are of the courses where the characteristic is known."""
    rows = []
    groups = {"planned": frame[frame["unplanned"] == 0], "unplanned": frame[frame["unplanned"] == 1]}
    for ch in settings.config["analysis"]["dropout"]["characteristics"]:
        known = {k: g[g[ch["variable"]].notna()] for k, g in groups.items()}
        hits = {k: int((g[ch["variable"]].astype(object) == ch["value"]).sum()) for k, g in known.items()}
        row = {"characteristic": ch["label"]}
        for k in groups:
            ci = stats.proportion_ci(hits[k], len(known[k]))
            row.update({f"{k}_n": ci["n"], f"{k}_count": ci["count"], f"{k}_pct": ci["share_pct"],
                        f"{k}_ci_low": ci["ci_low"], f"{k}_ci_high": ci["ci_high"]})
        if len(known["planned"]) and len(known["unplanned"]):
            row.update(stats.compare_proportions(hits["unplanned"], len(known["unplanned"]),
                                                 hits["planned"], len(known["planned"])))
        rows.append(row)
    return pd.DataFrame(rows)


def dropout_age(frame: pd.DataFrame) -> pd.DataFrame:
    """Section 3.3's mean age at the end of the course among planned and unplanned endings, in
    years, with intervals, and the difference (unplanned - planned) with Welch's test: its own
    table, so years never sit in a column of shares."""
    groups = {"planned": frame[frame["unplanned"] == 0], "unplanned": frame[frame["unplanned"] == 1]}
    row = {}
    for k, g in groups.items():
        m = stats.mean_ci(g["age"])
        row.update({f"{k}_n": m["n"], f"{k}_mean": m["mean"], f"{k}_ci_low": m["ci_low"], f"{k}_ci_high": m["ci_high"]})
    diff = stats.compare_means(groups["unplanned"]["age"], groups["planned"]["age"])
    row.update({"diff_years": diff["diff"], "ci_low": diff["ci_low"], "ci_high": diff["ci_high"], "p": diff["p"]})
    return pd.DataFrame([row])


def dropout_model(frame: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Section 3.3's logistic regression of an unplanned ending (odds ratios; `se` on the
    log-odds scale), with the model's parameters and residual degrees of freedom; withheld (rows
    kept, estimates empty, the reason in `note`) below `disclosure.min_residual_df`."""
    return stats.fit_disclosed("logit", settings.config["analysis"]["dropout"]["model"], frame, "frafald_uplanlagt",
                               stats.min_residual_df(settings.config))


def dropout_models(frame: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Section 3.3's logit with every method (`method`): classical (the report's), wild_score
    (the restricted wild score bootstrap of Kline & Santos: p-value and the interval inverting
    that test; se CR1) and cr1 (CR1 standard errors with t(G-1)), clustered by
    `analysis.inference.cluster`. Odds ratios; `se` on the log-odds scale. A withheld model is
    withheld for every method."""
    inference = inference_spec(settings.config)
    classical = dropout_model(frame, settings)
    formula = settings.config["analysis"]["dropout"]["model"]
    X, y, terms, codes = design("logit", formula, frame, inference["cluster"])
    g = int(codes.max()) + 1 if len(codes) else 0
    methods: dict[str, pd.DataFrame | str]
    if (classical["note"] != "").any():
        methods = dict.fromkeys(LOGIT_METHODS[1:], "")
    elif g < 2:
        methods = dict.fromkeys(LOGIT_METHODS[1:], "færre end 2 tilbud: ingen klyngerobust inferens")
    else:
        boot, level = inference["bootstrap"], float(inference["level"])
        try:
            wild = score_bootstrap.wild_score_terms(X, y, codes, reps=int(boot["reps"]), weights=boot["weights"],
                                                    seed=int(boot["seed"]), level=level)
            cr1 = score_bootstrap.cr1_terms(X, y, codes, level=level)
            methods = {"wild_score": inference_frame(wild, terms, exponentiate=True),
                       "cr1": inference_frame(cr1, terms, exponentiate=True)}
        except score_bootstrap.LogitFitError:
            methods = dict.fromkeys(LOGIT_METHODS[1:], "modellen kan ikke estimeres under nulhypotesen (separation)")
        except ValueError as err:
            if "full column rank" not in str(err):
                raise
            methods = dict.fromkeys(LOGIT_METHODS[1:], "modellen er ikke fuld rang")
    return method_rows(classical, LOGIT_METHODS[0], methods, g)
