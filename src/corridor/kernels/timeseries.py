"""Time series from event records: step functions and their time-weighted averages."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def step_levels(change_min: ArrayLike, delta: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """A step function from +1/-1 style changes: sorted change times and the level after each.

    Changes at the same instant are applied together, so the level is never observed between
    them.
    """
    t = np.asarray(change_min, dtype=np.float64)
    d = np.asarray(delta, dtype=np.float64)
    order = np.argsort(t, kind="stable")
    t, d = t[order], d[order]
    level = np.cumsum(d)
    last = np.r_[t[1:] != t[:-1], True] if t.size else np.zeros(0, dtype=bool)
    return t[last], level[last]


def time_weighted_mean(
    step_min: ArrayLike, level: ArrayLike, edges_min: ArrayLike, *, initial: float = 0.0
) -> np.ndarray:
    """Mean level of a right-continuous step function over each bin of ``edges_min``.

    The function is ``initial`` before ``step_min[0]`` and ``level[i]`` from ``step_min[i]``
    to the next step. Integrated exactly through a cumulative area evaluated at the edges.
    """
    t = np.asarray(step_min, dtype=np.float64)
    y = np.asarray(level, dtype=np.float64)
    e = np.asarray(edges_min, dtype=np.float64)
    if np.any(np.diff(t) < 0) or np.any(np.diff(e) <= 0):
        raise ValueError("step times must be sorted and bin edges increasing")
    knots = np.r_[-np.inf, t]
    values = np.r_[initial, y]
    # area from t[0] up to each knot; before t[0] the level is `initial`
    seg = np.diff(t) * y[:-1] if t.size > 1 else np.zeros(0)
    area_at_knot = np.r_[0.0, np.cumsum(seg)]  # area from t[0] to t[i]

    def area(x: np.ndarray) -> np.ndarray:
        """Integral from t[0] (or from x when x < t[0], negatively) to x."""
        if t.size == 0:
            return initial * x
        i = np.searchsorted(knots, x, side="right") - 1  # index into values
        out = np.where(i == 0, (x - t[0]) * initial, 0.0)
        j = np.clip(i - 1, 0, t.size - 1)
        out = np.where(i >= 1, area_at_knot[j] + (x - t[j]) * values[np.maximum(i, 1)], out)
        return out

    a = area(e)
    return np.diff(a) / np.diff(e)
