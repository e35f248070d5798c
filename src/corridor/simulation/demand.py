"""Arrival times of each demand flow over the horizon, drawn in one vectorised call per flow."""

from __future__ import annotations

import numpy as np

from corridor.scenario.schema import Demand
from corridor.units import MIN_PER_WEEK


def arrival_times(flow: Demand, horizon_min: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted arrival times in [0, horizon) in minutes since the epoch.

    Poisson: the count is Poisson(rate x horizon) and, given the count, the times are sorted
    uniforms (the order statistics of a Poisson process). Uniform: evenly spaced at the mean
    rate, starting at a random phase.
    """
    rate = flow.per_week / MIN_PER_WEEK
    if flow.arrivals == "poisson":
        n = rng.poisson(rate * horizon_min)
        return np.sort(rng.uniform(0.0, horizon_min, n))
    gap = 1.0 / rate
    phase = rng.uniform(0.0, gap)
    return np.arange(phase, horizon_min, gap)
