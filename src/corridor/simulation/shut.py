"""What closures hold shut over the whole run, taken out of the routes units are given.

A service, link or place that disruptions hold shut from the start of the run to its end
(:func:`corridor.simulation.gateways.shut_all_run`) carries nothing in it. Routed over it, a
container waited at its first stop until the run ended, though an open route went by its side.
The simulation's planners therefore leave out, for every unit: the connections of a shut
service, the links and dispatched vehicles that are shut, whatever leaves or reaches a shut
place, and what a trip would run after a shut stop (held there, it goes no further). A
narrowed planner is kept with the planner it narrows, as the routes found on it are, so a
worker's later replications use it again.
"""

from __future__ import annotations

import numpy as np

from corridor.network.timetable import Timetable
from corridor.planning.links import dispatch_rides, link_closure, usable_rows
from corridor.planning.search import Planner


def _shut_places(tt: Timetable, shut: frozenset[str]) -> list[int]:
    return [tt.index[p] for p in sorted(shut) if p in tt.index]


def open_connections(tt: Timetable, shut: frozenset[str]) -> np.ndarray:
    """Per timetabled connection, whether it is open: not of a shut service, and not on or
    after the segment that reaches a shut stop of its service (a trip is held there to the end:
    one that starts at a shut place never leaves, and one that reaches it goes no further)."""
    services = [s for s, sid in enumerate(tt.services) if sid in shut]
    places = _shut_places(tt, shut)
    cut = np.full(len(tt.services), np.iinfo(np.int64).max, dtype=np.int64)  # first segment held
    for s, stops in enumerate(tt.service_stops):
        at = np.flatnonzero(np.isin(stops, places))
        if at.size:
            cut[s] = max(int(at[0]) - 1, 0)
    return ~(np.isin(tt.service, services) | (tt.segment >= cut[tt.service]))


def open_links(tt: Timetable, shut: frozenset[str]) -> np.ndarray:
    """Per row of the link table (links and dispatched services), whether it is open: not shut
    itself, and neither leaving nor reaching a shut place."""
    lt, places = tt.links, _shut_places(tt, shut)
    return ~(np.array([i in shut for i in lt.ids], dtype=bool)
             | np.isin(lt.origin, places) | np.isin(lt.dest, places))


def without_shut(planner: Planner, shut: frozenset[str]) -> Planner:
    """``planner`` with the shut links, dispatched services and places left out of its links
    and dispatched vehicles (``planner`` itself when nothing is shut). Its connections are
    masked per query, with :func:`open_connections`."""
    if not shut:
        return planner
    key = ("without shut", shut)
    kept = planner.memo.get(key)
    if kept is None:
        tt = planner.tt
        open_rows = open_links(tt, shut)
        links = usable_rows(tt, planner.unit) & open_rows
        dispatched = usable_rows(tt, planner.unit, links=False, dispatched=True) & open_rows
        kept = planner.memo[key] = Planner(tt, unit=planner.unit,
                                           hops=link_closure(tt, planner.unit, rows=links),
                                           dispatch=dispatch_rides(tt, rows=dispatched))
    assert isinstance(kept, Planner)
    return kept
