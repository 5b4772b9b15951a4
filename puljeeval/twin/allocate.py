"""Building blocks the synthetic twin uses to generate questionnaire answers whose scores
reproduce published means and change shares.

Everything works on integer raw sums (the score of a complete questionnaire is a fixed
multiple of its raw sum). Means are hit by nudging single units, and change categories are
allocated as exact counts, so the published figures come out up to integer rounding on any
seed.
"""

from __future__ import annotations

import numpy as np


def allocate(n: int, weights: list[float] | np.ndarray) -> np.ndarray:
    """Split n into integer counts proportional to weights (largest remainder, stable ties)."""
    w = np.asarray(weights, dtype=float)
    if n == 0 or w.sum() == 0:
        return np.zeros(len(w), dtype=int)
    exact = n * w / w.sum()
    counts = np.floor(exact).astype(int)
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[: n - counts.sum()]] += 1
    return counts


def allocate_shares(n: int, shares_pct: list[float]) -> np.ndarray:
    """Counts for published (rounded) percentage shares of n.

    When the published shares do not sum to 100, the residual is spread evenly over the
    non-zero categories rather than in proportion to their size: that keeps the largest
    deviation from any published share as small as possible.
    """
    exact = np.asarray(shares_pct, dtype=float) / 100 * n
    live = exact > 0
    if live.any():
        exact[live] += (n - exact.sum()) / live.sum()
    return allocate(n, np.clip(exact, 0, None))


def nudge_mean(x: np.ndarray, target: float, lo: np.ndarray | int, hi: np.ndarray | int,
               rng: np.random.Generator) -> np.ndarray:
    """Add or remove single units at random positions (within [lo, hi] per element) until
    the mean is as close to `target` as integers allow."""
    x = x.astype(int).copy()
    lo = np.broadcast_to(lo, x.shape)
    hi = np.broadcast_to(hi, x.shape)
    need = int(round(target * len(x))) - int(x.sum())
    while need != 0:
        step = 1 if need > 0 else -1
        room = np.flatnonzero((x < hi) if step > 0 else (x > lo))
        if room.size == 0:
            break
        pick = rng.choice(room, size=min(abs(need), room.size), replace=False)
        x[pick] += step
        need -= step * pick.size
    return x


def draw_sums(n: int, mean: float, top: int, rng: np.random.Generator, concentration: float = 8.0) -> np.ndarray:
    """Raw sums in 0..top with the given mean exactly. Beta-binomial: people differ in their
    underlying level, which gives the spread (and inter-item correlation) of real
    questionnaires; a plain binomial would be far too narrow. Lower concentration, wider."""
    m = float(np.clip(mean / top, 0.02, 0.98))
    level = rng.beta(m * concentration, (1 - m) * concentration, size=n)
    return nudge_mean(rng.binomial(top, level), mean, 0, top, rng)


def change_categories(counts: np.ndarray, can_improve: np.ndarray, can_worsen: np.ndarray,
                      rng: np.random.Generator) -> np.ndarray:
    """+1 / 0 / -1 per person with exactly `counts` = (improve, same, worse) where room allows."""
    n = len(can_improve)
    out = np.zeros(n, dtype=int)
    order = rng.permutation(n)
    up = [i for i in order if can_improve[i]][: counts[0]]
    out[up] = 1
    down = [i for i in order if can_worsen[i] and out[i] == 0][: counts[2]]
    out[down] = -1
    return out


def paired_change(pre: np.ndarray, shares_pct: list[float], mean_change: float, lo: int, hi: int,
                  sign: int, rng: np.random.Generator) -> np.ndarray:
    """Oriented change per person (positive = improvement) with the category shares and mean.

    `sign` is +1 when a higher score is better, -1 when lower is better; post = pre + sign x
    change stays within [lo, hi].
    """
    n = len(pre)
    room_up = (hi - pre) if sign > 0 else (pre - lo)
    room_down = (pre - lo) if sign > 0 else (hi - pre)
    cat = change_categories(allocate_shares(n, shares_pct), room_up > 0, room_down > 0, rng)
    n_up, n_down = int((cat > 0).sum()), int((cat < 0).sum())
    worse = np.minimum(1 + rng.poisson(max(0.1 * (hi - lo) - 1, 0), size=n), room_down)
    loss = int(worse[cat < 0].sum())
    per_up = (mean_change * n + loss) / max(n_up, 1)
    better = np.minimum(1 + rng.poisson(max(per_up - 1, 0), size=n), room_up)
    delta = np.where(cat > 0, better, np.where(cat < 0, -worse, 0))
    # hit the mean exactly by moving improvers (keeping each improvement >= 1)
    up_lo = np.where(cat > 0, 1, delta)
    up_hi = np.where(cat > 0, room_up, delta)
    delta = nudge_mean(delta, mean_change, up_lo, up_hi, rng)
    if n_up == 0 and n_down:
        delta = nudge_mean(delta, mean_change, np.where(cat < 0, -room_down, 0), np.where(cat < 0, -1, 0), rng)
    return delta


def split_capped(total: np.ndarray, weights: np.ndarray, caps: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Split each total over parts in proportion to weights, each part within 0..cap."""
    total = np.minimum(total, caps.sum())
    parts = np.minimum(np.floor(np.outer(total, weights / weights.sum())).astype(int), caps)
    rest = total - parts.sum(axis=1)
    while rest.any():
        room = (parts < caps) * rng.random(parts.shape) * weights
        pick = np.argmax(room, axis=1)
        active = rest > 0
        parts[active, pick[active]] += 1
        rest[active] -= 1
    return parts


def move_parts(parts: np.ndarray, delta: np.ndarray, weights: np.ndarray, caps: np.ndarray,
               direction: np.ndarray | None, rng: np.random.Generator) -> np.ndarray:
    """Change each row of parts by -delta units in total (delta > 0 lowers the parts),
    spreading the units over parts by weight within 0..cap. `direction` (optional, rows x
    parts, +1/0/-1) restricts which parts may move which way: +1 only down, -1 only up."""
    parts = parts.copy()
    remaining = delta.astype(int).copy()
    for _ in range(int(np.abs(remaining).max(initial=0))):
        down = remaining > 0
        up = remaining < 0
        if not (down.any() or up.any()):
            break
        may_down, may_up = parts > 0, parts < caps
        if direction is not None:   # +1: this part may only improve (go down), -1: only worsen
            may_down, may_up = may_down & (direction > 0), may_up & (direction < 0)
        w_down = may_down * rng.random(parts.shape) * weights
        w_up = may_up * rng.random(parts.shape) * weights
        pick_down = np.argmax(w_down, axis=1)
        pick_up = np.argmax(w_up, axis=1)
        rows = np.arange(len(parts))
        ok_down = down & (w_down[rows, pick_down] > 0)
        ok_up = up & (w_up[rows, pick_up] > 0)
        parts[rows[ok_down], pick_down[ok_down]] -= 1
        parts[rows[ok_up], pick_up[ok_up]] += 1
        remaining[ok_down] -= 1
        remaining[ok_up] += 1
        if not (ok_down.any() or ok_up.any()):
            break
    return parts


def split_balanced(total: np.ndarray, n_items: int, top: int, rng: np.random.Generator,
                   swaps: int = 2) -> np.ndarray:
    """Items in 0..top summing to each total, spread evenly with a few random one-unit swaps,
    which gives the strong inter-item correlation of real questionnaires."""
    total = np.asarray(total, dtype=int)
    base = total // n_items
    rest = total - base * n_items
    ranks = np.argsort(rng.random((len(total), n_items)), axis=1)
    items = base[:, None] + (ranks < rest[:, None]).astype(int)
    rows = np.arange(len(total))
    for _ in range(swaps):
        a = rng.integers(0, n_items, size=len(total))
        b = rng.integers(0, n_items, size=len(total))
        ok = (a != b) & (items[rows, a] > 0) & (items[rows, b] < top)
        items[rows[ok], a[ok]] -= 1
        items[rows[ok], b[ok]] += 1
    return items
