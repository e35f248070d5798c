"""Poisson arrivals whose rate is constant piece by piece (pure NumPy).

A time-varying Poisson process is drawn by thinning (Lewis and Shedler): a homogeneous
process at the highest rate, each arrival kept with probability rate(t) / highest rate. The
kept arrivals are a Poisson process of rate(t): in each piece the count is Poisson with mean
rate x length, independently of the other pieces.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def piecewise_poisson(rate_per_min: ArrayLike, edges_min: ArrayLike, rng: np.random.Generator) -> np.ndarray:
    """Sorted arrival times of a Poisson process with rate ``rate_per_min[k]`` on
    ``[edges_min[k], edges_min[k + 1])``, by thinning a process at the highest rate.

    >>> rng = np.random.default_rng(1)
    >>> t = piecewise_poisson([0.0, 2.0], [0.0, 10.0, 20.0], rng)
    >>> bool(t.min() >= 10.0 and t.max() < 20.0)
    True
    """
    rate = np.asarray(rate_per_min, dtype=np.float64)
    edges = np.asarray(edges_min, dtype=np.float64)
    if edges.shape != (rate.size + 1,) or np.any(np.diff(edges) < 0):
        raise ValueError(f"{rate.size} rates need {rate.size + 1} increasing edges, got {edges.tolist()}")
    if np.any(rate < 0) or not np.all(np.isfinite(rate)):
        raise ValueError(f"rates must be finite and not negative, got {rate.tolist()}")
    top = float(rate.max()) if rate.size else 0.0
    start, end = float(edges[0]), float(edges[-1])
    if top == 0.0 or end <= start:
        return np.empty(0)
    n = rng.poisson(top * (end - start))
    times = np.sort(rng.uniform(start, end, n))
    piece = np.clip(np.searchsorted(edges, times, side="right") - 1, 0, rate.size - 1)
    keep = rng.random(n) * top < rate[piece]
    return times[keep]
