"""What the report's own offer-level tables determine (issue 15, item 2).

Tabel 9-3 (55 named offers x four age groups, ticks) and Tabel 9-4 (53 named offers x six
intervention types, counts of interventions) are data the report publishes. From them follow
Tabel 3-3 (the share of offers aimed at each age group) and the second Tabel 5-1 ("Indsatstyper":
interventions per type and their share of all interventions), and offer-level facts the text
quotes (how many offers have each type). Each function takes the transcribed frame and returns
tidy cells (table, row, column, measure, value) labelled as the report prints them, so they can be
compared cell by cell with `published.py`'s cells (reproduction.py).
"""

from __future__ import annotations

import pandas as pd

CELL_COLUMNS = ["table", "row", "column", "measure", "value"]

# Data column -> the report's label (Tabel 3-3's headings; Tabel 5-1's rows).
AGE_GROUPS = {"age_0_5": "0-5 år", "age_6_12": "6-12 år", "age_13_17": "13-17 år", "age_18_25": "18-25 år"}
INTERVENTION_TYPES = {"boerne_unge_grupper": "Gruppesamtaler", "familiesamtaler": "Familiesamtaler",
                      "individuelle_samtaler": "Individuelle samtaler", "raadgivende_samtaler": "Rådgivende samtaler",
                      "sociale_aktiviteter": "Sociale aktiviteter", "undervisning_kursus": "Undervisning og kurser"}


def _cells(records: list[tuple[str, str, str, str, float]]) -> pd.DataFrame:
    return pd.DataFrame.from_records(records, columns=CELL_COLUMNS).astype({"value": "float64"})


def tabel_3_3(t93: pd.DataFrame) -> pd.DataFrame:
    """Per age group the number of offers with an intervention for it and their share (pct.) of
    all offers of Tabel 9-3; an offer counts in every age group it ticks."""
    n = len(t93)
    records = []
    for column, label in AGE_GROUPS.items():
        k = int(t93[column].sum())
        records += [("tabel_3_3", "Andel", label, "count", k), ("tabel_3_3", "Andel", label, "pct", 100 * k / n)]
    return _cells(records)


def tabel_5_1_indsatstyper(t94: pd.DataFrame) -> pd.DataFrame:
    """Per intervention type the number of interventions summed over the offers of Tabel 9-4 and
    the share (pct.) of all interventions; the total row "I alt"."""
    counts = {label: int(t94[column].sum()) for column, label in INTERVENTION_TYPES.items()}
    total = sum(counts.values())
    records = []
    for label, k in [*counts.items(), ("I alt", total)]:
        records += [("tabel_5_1_indsatstyper", label, "Indsatser", "count", k),
                    ("tabel_5_1_indsatstyper", label, "Indsatser", "pct", 100 * k / total)]
    return _cells(records)


def offers_per_type(t94: pd.DataFrame) -> pd.DataFrame:
    """Per intervention type how many offers have at least one such intervention, of the offers
    of Tabel 9-4 (not printed as a table; the text quotes some of them)."""
    n = len(t94)
    return pd.DataFrame({"intervention_type": list(INTERVENTION_TYPES.values()),
                         "offers": [int((t94[c] > 0).sum()) for c in INTERVENTION_TYPES],
                         "of_offers": n})


def determined_cells(t93: pd.DataFrame, t94: pd.DataFrame) -> pd.DataFrame:
    """Every published cell the offer-level tables determine."""
    return pd.concat([tabel_3_3(t93), tabel_5_1_indsatstyper(t94)], ignore_index=True)
