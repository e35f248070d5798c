"""Arrival times of each demand flow over the horizon, drawn in one vectorised call per flow,
and the calendar months that seasonal rates follow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from corridor.kernels.arrivals import piecewise_poisson
from corridor.scenario.schema import Demand
from corridor.units import MIN_PER_WEEK


def month_edges(epoch: dt.datetime, horizon_min: float) -> tuple[np.ndarray, np.ndarray]:
    """The calendar months (UTC) that [0, horizon) meets: edges in minutes since ``epoch``
    (the first 0, the last the horizon) and each piece's month, 0 for January.

    >>> e, m = month_edges(dt.datetime(2027, 1, 31, tzinfo=dt.UTC), 2 * 1440.0)
    >>> e.tolist(), m.tolist()
    ([0.0, 1440.0, 2880.0], [0, 1])
    """
    edges, months = [0.0], []
    year, month = epoch.year, epoch.month
    while True:
        months.append(month - 1)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        nxt = (dt.datetime(year, month, 1, tzinfo=dt.UTC) - epoch).total_seconds() / 60.0
        if nxt >= horizon_min:
            edges.append(horizon_min)
            return np.array(edges), np.array(months, dtype=np.int64)
        edges.append(nxt)


def seasonal_times(per_min: float, seasonality: Sequence[float], epoch: dt.datetime, horizon_min: float,
                   rng: np.random.Generator) -> np.ndarray:
    """Poisson arrivals at ``per_min`` times each calendar month's factor, over [0, horizon)."""
    edges, months = month_edges(epoch, horizon_min)
    factors = np.asarray(seasonality, dtype=np.float64)
    return piecewise_poisson(per_min * factors[months], edges, rng)


def arrival_times(flow: Demand, horizon_min: float, rng: np.random.Generator, *,
                  epoch: dt.datetime | None = None) -> np.ndarray:
    """Sorted arrival times in [0, horizon) in minutes since the epoch.

    Poisson: the count is Poisson(rate x horizon) and, given the count, the times are sorted
    uniforms (the order statistics of a Poisson process). With ``seasonality`` the rate is
    ``per_week`` times the month's factor (months of the UTC calendar from ``epoch``), drawn
    by thinning. Uniform: evenly spaced at the mean rate, starting at a random phase.
    """
    rate = flow.per_week / MIN_PER_WEEK
    if flow.seasonality is not None:
        if epoch is None:
            raise ValueError(f"flow {flow.id}: seasonal demand needs the scenario epoch")
        return seasonal_times(rate, flow.seasonality, epoch, horizon_min, rng)
    if flow.arrivals == "poisson":
        n = rng.poisson(rate * horizon_min)
        return np.sort(rng.uniform(0.0, horizon_min, n))
    gap = 1.0 / rate
    phase = rng.uniform(0.0, gap)
    return np.arange(phase, horizon_min, gap)
