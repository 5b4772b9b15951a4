"""Footnote 3 of chapter 4 as the twin's own data-generating process.

The report regresses perceived benefit, standardised to mean 0 and SD 1, on age with seven
controls and prints the age coefficient. The twin orders the answers by a latent score
gamma x age + noise and picks gamma so that the age coefficient of that model, estimated here
with a few lines of numpy least squares, is the published one. The pipeline's regression is
never called: were it to fit a different model (say, the unstandardised benefit), it would not
reproduce the published coefficient on these data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def design(controls: pd.DataFrame, unanswered: str) -> tuple[np.ndarray, np.ndarray]:
    """Intercept and treatment-coded dummies of the controls. `unanswered`: `level` makes an
    unanswered control its own category, `drop` leaves such rows out. Returns (matrix, kept rows)."""
    data = controls.astype(object).where(controls.notna(), None)
    if unanswered == "drop":
        keep = data.notna().all(axis=1).to_numpy()
    elif unanswered == "level":
        keep = np.ones(len(data), dtype=bool)
        data = data.fillna("__unanswered__")
    else:
        raise ValueError(f"twin.benefit_regression.unanswered_controls: '{unanswered}' is not level or drop")
    data = data[keep]
    columns = [np.ones(len(data))]
    for c in data.columns:
        levels = sorted(data[c].astype(str).unique())
        columns += [(data[c].astype(str) == lev).to_numpy(dtype="float64") for lev in levels[1:]]
    return np.column_stack(columns), keep


def slope_on(x: np.ndarray, controls: np.ndarray) -> np.ndarray:
    """x residualised on the controls' column space (Frisch-Waugh-Lovell): the OLS coefficient of
    x in a model with those controls is (r . y) / (r . r) for any outcome y."""
    beta, *_ = np.linalg.lstsq(controls, x, rcond=None)
    return x - controls @ beta


def coefficient(y: np.ndarray, resid: np.ndarray, standardised: bool) -> float:
    """The predictor's OLS coefficient for outcome y (standardised first when the model says so)."""
    if standardised:
        y = (y - y.mean()) / y.std(ddof=1)
    return float(resid @ y / (resid @ resid))


def calibrated_answers(age: np.ndarray, controls: pd.DataFrame, levels: np.ndarray, target: float,
                       model: dict, rng: np.random.Generator) -> np.ndarray:
    """Answer levels (the sorted `levels`, one per child) assigned by the rank of gamma x age +
    noise, with gamma found by bisection so that the model's age coefficient is `target`.

    The coefficient rises with gamma (older children get the higher answers); 22 halvings of
    [0, 0.5] leave gamma within 1e-7, far below what changes the ranks."""
    noise = rng.normal(size=len(age))
    x, keep = design(controls, model["unanswered_controls"])
    resid = slope_on(np.asarray(age, dtype="float64")[keep], x)

    def answers(gamma: float) -> np.ndarray:
        out = np.empty(len(age), dtype=int)
        out[np.argsort(gamma * age + noise, kind="stable")] = levels
        return out

    lo, hi = 0.0, 0.5
    for _ in range(22):
        mid = (lo + hi) / 2
        got = coefficient(answers(mid)[keep].astype("float64"), resid, model["outcome_standardised"])
        lo, hi = (mid, hi) if got < target else (lo, mid)
    return answers((lo + hi) / 2)
