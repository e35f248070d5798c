"""The boarding rules, written once (docs/planning.md): when a unit at a place may board a
vehicle there (a timetabled departure, or join a dispatched vehicle) and when it may leave by
link.

The simulation lands its units with :func:`landing` and starts them with :func:`at_origin`;
chains of links and dispatched vehicles are timed with them
(:func:`corridor.planning.itinerary.chain_legs`, the route cache's key). The scans of
:mod:`corridor.planning.search` and :mod:`corridor.planning.profile` add the same per-place
minutes (``checkin_min``, ``min_connection_min`` and the larger of the two) over their own
arrays, written out in their loops; ``tests/planning`` checks them against a brute force and
``tests/simulation/test_engine.py`` the simulation against the plan.
"""

from __future__ import annotations

import math

import numpy as np

from corridor.units import MIN_PER_DAY

#: For a dispatched service whose departure paths run on some weekdays only: the days from
#: each day (days since the epoch, modulo 7) to the first with paths, 0 on a day with paths
#: (:func:`corridor.network.timetable.path_days`); None when every day has them.
PathDays = tuple[int, ...] | None


def at_origin(ready_min: float, checkin_min: float) -> tuple[float, float]:
    """(may board, may leave by link) for a unit ready at its origin at ``ready_min``: boarding
    after check-in, a link at once.

    >>> at_origin(480.0, 60.0)
    (540.0, 480.0)
    """
    return ready_min + checkin_min, ready_min


def landing(now_min: float, mct_min: float, after_link_min: float, processed: bool,
            via_link: bool) -> tuple[float, float]:
    """(may board, may leave by link) for units landing at a place at ``now_min``.

    After service at a station both are now; after a link, boarding waits for the larger of
    check-in and connection time (``after_link_min``) and another link may leave at once; off a
    vehicle (a timetabled trip or a dispatched vehicle), both wait for the connection time.

    >>> landing(600.0, 30.0, 60.0, False, via_link=True)
    (660.0, 600.0)
    >>> landing(600.0, 30.0, 60.0, False, via_link=False)
    (630.0, 630.0)
    """
    if processed:
        return now_min, now_min
    if via_link:
        return now_min + after_link_min, now_min
    return now_min + mct_min, now_min + mct_min


def dispatch_departure(join_min: float, cutoff_min: float, days: PathDays = None) -> float:
    """When a dispatched vehicle joined at ``join_min`` is planned to leave: its cut-off later,
    the latest the cut-off guarantees (it leaves earlier only when it fills); on a day without
    departure paths (``days``), at the start of the first day with them (UTC days since the
    epoch, as the simulation's pool of paths counts them). Waits for a path taken by others
    are the simulation's.

    >>> dispatch_departure(540.0, 30.0)
    570.0
    >>> dispatch_departure(540.0, 30.0, (1, 0, 1, 0, 4, 3, 2))  # day 0 has no path, day 1 has
    1440.0
    """
    leaves = join_min + cutoff_min
    if days is None or not math.isfinite(leaves):
        return leaves
    day = math.floor(leaves / MIN_PER_DAY)
    ahead = days[day % 7]
    return leaves if ahead == 0 else (day + ahead) * MIN_PER_DAY


def dispatch_departures(join_min: np.ndarray, cutoff_min: float, days: PathDays = None) -> np.ndarray:
    """:func:`dispatch_departure` over an array of join times (inf stays inf).

    >>> dispatch_departures(np.array([540.0, 1500.0, np.inf]), 30.0, (1, 0, 1, 0, 4, 3, 2))
    array([1440., 1530.,   inf])
    """
    leaves = join_min + cutoff_min
    if days is None:
        return leaves
    finite = np.isfinite(leaves)
    day = np.floor(np.where(finite, leaves, 0.0) / MIN_PER_DAY)
    ahead = np.asarray(days, dtype=np.float64)[(day % 7).astype(np.int64)]
    return np.where(finite & (ahead > 0), (day + ahead) * MIN_PER_DAY, leaves)
