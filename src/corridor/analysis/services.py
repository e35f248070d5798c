"""Per-service results from the trip log: how full each service ran, what it earned, and
whether it kept time, overall and month by month.

A trip's load factor is its peak load (the most units on board at once) over its capacity on
the day; a service's is the mean over the trips that ran in the statistics window (by
scheduled departure). On time: the trip reached its last stop within ``ON_TIME_MIN`` of the
timetable (the usual 15-minute rule for flights; trains are held to the same minute count).
A dispatched service's trips are the vehicles it sent (by departure), each with the load it
left with; having no timetable, it has no on-time share.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from corridor.simulation.records import Records

ON_TIME_MIN = 15.0


def calendar_months(epoch: dt.datetime, minutes: np.ndarray) -> np.ndarray:
    """``YYYY-MM`` (UTC) of each instant given in minutes since ``epoch``, in one array step.

    >>> calendar_months(dt.datetime(2027, 1, 31, tzinfo=dt.UTC), np.array([0.0, 1440.0])).tolist()
    ['2027-01', '2027-02']
    """
    start = np.datetime64(epoch.astimezone(dt.UTC).replace(tzinfo=None), "s")
    stamps = start + np.floor(np.asarray(minutes, dtype=np.float64) * 60.0).astype("timedelta64[s]")
    return np.datetime_as_string(stamps.astype("datetime64[M]"), unit="M")


def _summary(trips: dict[str, np.ndarray], rows: np.ndarray) -> dict[str, float]:
    """The figures of the trips at ``rows`` (indices into the trip log)."""
    capacity = trips["capacity"][rows]
    ran = rows[capacity > 0]
    cap = trips["capacity"][ran]
    peak = trips["peak_load"][ran]
    delay = trips["arrival_delay_min"][ran]
    arrived = np.isfinite(delay)
    return {
        "trips": int(ran.size),
        "cancelled": int(np.sum(capacity == 0)),
        "carried": int(trips["boarded"][ran].sum()),
        "load_factor": float(np.mean(peak / cap)) if cap.size else float("nan"),
        "revenue_usd": float(trips["revenue_usd"][ran].sum()),
        "on_time_share": float(np.mean(delay[arrived] <= ON_TIME_MIN)) if arrived.any() else float("nan"),
    }


def service_kpis(rec: Records, epoch: dt.datetime | None = None) -> dict[str, dict[str, Any]]:
    """Per service (by id): trips run and cancelled, units carried, load factor, revenue and
    on-time share over the statistics window; with ``epoch``, the same per calendar month
    (``by_month``, keyed ``YYYY-MM`` by the scheduled departure in UTC)."""
    trips = rec.trips
    if trips is None or not rec.services:
        return {}
    window = (trips["scheduled_min"] >= rec.warmup_min) & (trips["scheduled_min"] < rec.horizon_min)
    months = None
    if epoch is not None and trips["scheduled_min"].size:
        months = calendar_months(epoch, trips["scheduled_min"])
    out: dict[str, dict[str, Any]] = {}
    # the window's trips grouped by service once (a mask over the whole log per service made
    # 20,000 services take minutes)
    seen = np.flatnonzero(window)
    by_service = seen[np.argsort(trips["service"][seen], kind="stable")]
    bounds = np.searchsorted(trips["service"][by_service], np.arange(len(rec.services) + 1))
    for s, name in enumerate(rec.services):
        rows = by_service[bounds[s]:bounds[s + 1]]
        if not rows.size and name not in rec.dispatched:
            # a dispatched service that sent nothing in this replication did carry 0 (its
            # results averaged over only the replications that sent a vehicle read high)
            continue
        entry: dict[str, Any] = _summary(trips, rows)
        if months is not None:
            entry["by_month"] = {m: _summary(trips, rows[months[rows] == m]) for m in np.unique(months[rows])}
        out[name] = entry
    return out
