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


def dispatch_departure(join_min: float, cutoff_min: float) -> float:
    """When a dispatched vehicle joined at ``join_min`` is planned to leave: its cut-off later,
    the latest the cut-off guarantees (it leaves earlier only when it fills).

    >>> dispatch_departure(540.0, 30.0)
    570.0
    """
    return join_min + cutoff_min
