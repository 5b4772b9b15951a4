"""The reproduction check: every published number the pipeline re-computes, beside the
reproduced value, the difference and whether it is within the configured tolerance."""

from __future__ import annotations

import pandas as pd

from puljeeval.settings import Settings

COLUMNS = ["quantity", "reference", "kind", "published", "reproduced", "difference",
           "tolerance", "within_tolerance", "report_inconsistent", "note"]


def _row(quantity: str, reference: str, kind: str, published: float, reproduced: float,
         tolerances: dict, inconsistency: str = "") -> dict:
    diff = reproduced - published
    tol = tolerances[kind]
    return {"quantity": quantity, "reference": reference, "kind": kind, "published": published,
            "reproduced": reproduced, "difference": round(diff, 4), "tolerance": tol,
            "within_tolerance": abs(diff) <= tol + 1e-9,
            "report_inconsistent": bool(inconsistency), "note": inconsistency}


def share_sum_inconsistency(shares: list[float | None], complete: bool = True) -> str:
    """Why a set of published rounded shares of one question cannot all be reproduced, or ''.

    k shares each rounded to a whole percent can only sum to 100 +/- k/2 when the categories
    cover all answers; outside that the published figure is internally inconsistent.
    """
    values = [v for v in shares if v is not None]
    if not complete or not values:
        return ""
    total, k = sum(values), len(values)
    if abs(total - 100) > k / 2:
        return (f"published shares sum to {total} %; {k} rounded shares can only sum to "
                f"{100 - k / 2:g}-{100 + k / 2:g} %")
    return ""


def chapter3(production: pd.DataFrame, flow: pd.DataFrame, profiles: pd.DataFrame,
             courses: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    pub = settings.published
    tol = settings.config["reproduction"]["tolerance"]
    rows = []
    t81 = pub["tabel_8_1"]
    prod = production.set_index("offer")
    for offer, values in t81["rows"].items():
        for col, v in zip(t81["columns"], values, strict=True):
            rows.append(_row(f"Tabel 8-1 {offer} {col}", t81["reference"], "count", v,
                             int(prod.loc[offer, col]), tol))
    rows.append(_row("Tabel 8-1 started, all offers", t81["reference"] + ", note 1", "count",
                     t81["started_total"], int(prod["started"].sum()), tol))
    oldest = max(settings.config["age"]["groups"], key=lambda g: g["max"])["max"]
    counted = courses[courses["counted_in_production"]]
    rows.append(_row(f"Tabel 8-1 registered {oldest}-year-olds", t81["reference"] + ", note 1", "count",
                     t81["age_25_registered"], int((counted["age"] == oldest).sum()), tol))
    f34 = pub["figur_3_4"]
    steps = flow.set_index("step")["n"]
    for key in ("started", "completed", "ongoing", "planned", "unplanned", "not_stated"):
        rows.append(_row(f"Figur 3-4 {key}", f34["reference"], "count", f34[key], int(steps[key]), tol))
    prof = pub["profiles"]
    p = profiles.set_index(["variable", "age_group", "category"])
    age = prof["age"]
    rows.append(_row("Figur 3-1 age known, ALLE: n", age["reference"], "count", age["n"]["ALLE"],
                     int(p.loc[("age", "ALLE", settings.config["age"]["groups"][0]["label"]), "n"]), tol))
    for g, share in age["shares"].items():
        rows.append(_row(f"Figur 3-1 age group {g}: share", age["reference"], "share_pct", share,
                         float(p.loc[("age", "ALLE", g), "share_pct"]), tol))
    groups = prof["reference_groups"]
    for var, spec in prof["variables"].items():
        for g, n in spec["n"].items():
            first = next(iter(spec["categories"]))
            rows.append(_row(f"{spec['reference']} {g}: n", spec["reference"], "count", n,
                             int(p.loc[(var, g, first), "n"]), tol))
        single = not spec.get("multi_select") and spec.get("complete", True)
        for gi, g in enumerate(groups):
            note = share_sum_inconsistency([c["shares"][gi] for c in spec["categories"].values()], single)
            for cat, c in spec["categories"].items():
                share = c["shares"][gi]
                if share is None:
                    continue
                rows.append(_row(f"{spec['reference']} {g}: {c['label']}", spec["reference"], "share_pct",
                                 share, float(p.loc[(var, g, cat), "share_pct"]), tol, note))
    return pd.DataFrame(rows, columns=COLUMNS)


CATEGORY_KEYS = {"fremgang": "fremgang", "status quo": "status quo", "tilbagegang": "tilbagegang"}


def chapter4(prepost: pd.DataFrame, courses: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Chapter 4 means, mean changes and change shares of the children with both measurements,
    for every number transcribed under `chapter_4` in published.yaml. Group ALLE is every
    child with both measurements on the instrument."""
    tol = settings.config["reproduction"]["tolerance"]
    data = prepost.merge(courses[["course_id", "age_group"]], on="course_id", how="left")
    data["age_group"] = data["age_group"].astype("string")
    rows = []

    def subset(instrument: str, scale: str, group: str) -> pd.DataFrame:
        d = data[(data["instrument"] == instrument) & (data["scale"] == scale)]
        return d if group == "ALLE" else d[d["age_group"] == group]

    for instrument, block in settings.published["chapter_4"].items():
        ref = block["reference"]
        for scale, by_time in block.get("means", {}).items():
            for tp, column in (("start", "pre"), ("end", "post")):
                for group, value in by_time[tp].items():
                    got = subset(instrument, scale, group)[column].mean()
                    rows.append(_row(f"{ref} {instrument} {scale} {tp} {group}: mean", ref, "mean", value,
                                     round(float(got), 4), tol))
        for scale, by_group in block.get("mean_change", {}).items():
            for group, value in by_group.items():
                got = subset(instrument, scale, group)["change"].mean()
                rows.append(_row(f"{ref} {instrument} {scale} {group}: mean change", ref, "mean", value,
                                 round(float(got), 4), tol))
        for scale, by_group in block.get("shares", {}).items():
            for group, shares in by_group.items():
                d = subset(instrument, scale, group)
                complete = len(shares) == len(CATEGORY_KEYS)
                note = share_sum_inconsistency(list(shares.values()), complete)
                for category, value in shares.items():
                    got = 100 * (d["category"].astype(str) == CATEGORY_KEYS[category]).mean()
                    rows.append(_row(f"{ref} {instrument} {scale} {group}: {category}", ref, "share_pct", value,
                                     round(float(got), 2), tol, note))
    return pd.DataFrame(rows, columns=COLUMNS)


def benefit(shares: pd.DataFrame, regression: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Figur 4-1: the two printed shares, and footnote 3's age coefficient, its standard error
    and n."""
    tol = settings.config["reproduction"]["tolerance"]
    pub = settings.published["figur_4_1"]
    labels = settings.instruments["instruments"]["benefit"]["categorical"]["benefit"]
    codes = {"meget_positiv": 4, "positiv": 3}
    overall = shares[shares["age_group"] == "ALLE"].set_index("answer")["share_pct"]
    rows = [_row(f"Figur 4-1 {key}: share", pub["reference"], "share_pct", value,
                 round(float(overall.get(labels[codes[key]], 0.0)), 2), tol)
            for key, value in pub["shares"].items()]
    reg = pub["regression"]
    term = regression[regression["term"] == reg["term"]].iloc[0]
    ref = pub["reference"] + ", note 3"
    rows += [_row("Figur 4-1 note 3: age coefficient", ref, "coefficient", reg["estimate"],
                  round(float(term["estimate"]), 5), tol),
             _row("Figur 4-1 note 3: standard error", ref, "coefficient", reg["se"], round(float(term["se"]), 5), tol),
             _row("Figur 4-1 note 3: n", ref, "count", reg["n"], int(term["n"]), tol)]
    return pd.DataFrame(rows, columns=COLUMNS)


def parent_statements(answers: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Figur 4-5: the lowest and highest share agreeing with a statement ('ved ikke' left out)."""
    tol = settings.config["reproduction"]["tolerance"]
    pub = settings.published["figur_4_5"]
    answered = answers[answers["status"] == "answered"]
    agree = answered["value"].isin(pub["agree_answers"]).groupby(answered["item"]).mean() * 100
    return pd.DataFrame([_row(f"Figur 4-5 agree, {which} statement", pub["reference"], "share_pct",
                              pub["agree_pct"][which], round(float(fn()), 2), tol)
                         for which, fn in (("min", agree.min), ("max", agree.max))], columns=COLUMNS)


def bilag4(flow: pd.DataFrame, intention: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """Bilag 4: each analysis sample's N after footnote 5's criteria and the printed shares
    of children whose offer intended the element."""
    tol = settings.config["reproduction"]["tolerance"]
    pub = settings.published.get("bilag_4", {})
    rows = []
    for key, spec in pub.get("samples", {}).items():
        final = flow[flow["outcome"] == key]
        if final.empty:
            continue
        n = int(final.sort_values("step")["remaining"].iloc[-1])
        rows.append(_row(f"Bilag 4 {key}: analysis sample N", pub["reference"], "count", spec["n"], n, tol))
        shares = intention[intention["outcome"] == key].set_index("element")["share_pct"]
        rows += [_row(f"Bilag 4 {key}: intention {el}", pub["reference"], "share_pct", value,
                      round(float(shares[el]), 2), tol) for el, value in spec.get("intention_shares", {}).items()]
    return pd.DataFrame(rows, columns=COLUMNS)


def summary(table: pd.DataFrame, scale: int = 1) -> str:
    ok = int(table["within_tolerance"].sum())
    off = ~table["within_tolerance"]
    explained = int((off & table["report_inconsistent"]).sum())
    unexplained = int((off & ~table["report_inconsistent"]).sum())
    return (f"reproduction: {ok} of {len(table)} published quantities reproduced within tolerance; "
            f"{explained} outside are internally inconsistent in the report, {unexplained} unexplained"
            + (f" (synthetic twin at scale {scale}: counts are {scale} times the report's, compare shares only)"
               if scale != 1 else ""))


def twin_scale(settings: Settings) -> int:
    """The twin's scale when the data are synthetic; 1 for real extracts."""
    cfg = settings.config
    return cfg["twin"]["scale"] if cfg["data_source"] == "twin" else 1
