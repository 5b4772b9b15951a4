"""The twin written as survey extracts: the one place that knows the files, columns and codes.

The mapping's data contract (puljeeval/data/schemas/kortlaegning/) did not exist when this was
written; `EXTRACTS` is the format until it does. CSV, UTF-8, comma, LF line ends, rows sorted by
their ids, so the same twin gives the same bytes. Single-choice answers are one column per
question (empty: not asked); multi-choice answers are long (one row per ticked category, the
question's "Ved ikke" and our `ubesvaret` as categories of their own). Beside the extracts:
`twin_calibration.csv`, every printed cell the twin was calibrated to or checked against, with
its status (reproduced, relaxed, real_data_differs).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from puljeeval.kortlaegning.twin.generate import AGE_LABELS, Twin
from puljeeval.kortlaegning.twin.staff import KINDS

OFFER_SINGLE = ["sektor", "pulje", "forankring", "misbrug", "stoerrelse", "frivillige", "familieinddragelse",
                "rekrutteringsstrategi"]
OFFER_MULTI = ["uddannelse", "erfaring", "efteruddannelse", "familieformer", "henvisere", "samarbejde_under",
               "samarbejde_efter", "top3_henvendelser", "top3_samarbejde", "top3_opfoelgning"]
INTERVENTION_MULTI = ["metode", "andet_metode"]
EXTRACTS = {
    "tilbud.csv": ["offer_id", "offer_name", *AGE_LABELS, *OFFER_SINGLE, *(f"medarbejdere_{k}" for k in KINDS)],
    "tilbud_svar.csv": ["offer_id", "question", "answer"],
    "indsatser.csv": ["intervention_id", "offer_id", "type"],
    "indsats_svar.csv": ["intervention_id", "question", "answer"],
    "filialer.csv": ["branch_id", "offer_id", "municipality_code"],
    "daekning.csv": ["offer_id", "municipality_code", "source"],
    "kommuner.csv": ["municipality_code", "municipality_name", "besvarelse"],
    "nettoliste.csv": ["candidate_id", "source", "screening"],
}
CALIBRATION_FILE = "twin_calibration.csv"


def _long(frame: pd.DataFrame, id_col: str, questions: list[str]) -> pd.DataFrame:
    rows = [(int(uid), q, answer) for q in questions
            for uid, answers in zip(frame[id_col], frame[q], strict=True)
            if isinstance(answers, tuple) for answer in answers]
    out = pd.DataFrame(rows, columns=[id_col, "question", "answer"])
    order = {q: i for i, q in enumerate(questions)}
    return out.sort_values([id_col, "question"], key=lambda s: s.map(order) if s.name == "question" else s,
                           kind="stable").reset_index(drop=True)


def extracts(twin: Twin) -> dict[str, pd.DataFrame]:
    """The extracts as frames, keyed by file name, columns as in `EXTRACTS`."""
    out = {
        "tilbud.csv": twin.offers,
        "tilbud_svar.csv": _long(twin.offers, "offer_id", OFFER_MULTI),
        "indsatser.csv": twin.interventions,
        "indsats_svar.csv": _long(twin.interventions, "intervention_id", INTERVENTION_MULTI),
        "filialer.csv": twin.branches,
        "daekning.csv": twin.coverage,
        "kommuner.csv": twin.municipalities,
        "nettoliste.csv": twin.candidates,
    }
    return {name: frame[EXTRACTS[name]].reset_index(drop=True) for name, frame in out.items()}


def write(twin: Twin, directory: Path) -> list[Path]:
    """Write the extracts and the calibration report into `directory`; returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in [*extracts(twin).items(), (CALIBRATION_FILE, twin.calibration)]:
        path = directory / name
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    return paths
