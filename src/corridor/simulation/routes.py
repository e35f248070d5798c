"""Earliest routes of units, cached exactly.

A unit's earliest itinerary depends on its ready time only through which departures it can
still catch: from its origin (after check-in), and from each place a link out of the origin
reaches (after the link, and check-in there), as long as the usable connections stay the
same. Units whose ready times catch the same first departures everywhere therefore get the
same itinerary, found once. A journey on links alone arrives a fixed time after it starts,
so it is never shared. Containers book no seats, so their usable connections never change;
passengers' do. When a connection fills up,
only the routes that use it are forgotten (the others stay the earliest: an option that was
not taken has gone); when a seat comes free again, only the routes arriving after that
connection leaves (it cannot improve on the others).
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np

from corridor.planning.itinerary import Itinerary
from corridor.planning.search import Planner
from corridor.simulation.entities import RideStep, Step, itinerary_steps

MISSING = object()  # nothing kept for a key (None is kept for "no route")


class RouteCache:
    """Earliest itineraries on the connections ``allowed`` marks usable, with their steps."""

    def __init__(self, planner: Planner, allowed: np.ndarray) -> None:
        self.planner = planner
        self.allowed = allowed
        tt = planner.tt
        self._checkin = tt.checkin_min.tolist()
        self._after_link = np.maximum(tt.checkin_min, tt.min_connection_min).tolist()
        # departures by origin, each still sorted: only of services carrying the planner's unit
        # (a freight train leaving the station a link reaches changes nothing for a passenger)
        rows = np.arange(tt.n_connections)
        if planner.unit is not None:
            rows = rows[tt.service_mask(None, planner.unit)[tt.service]]
        order = rows[np.argsort(tt.origin[rows], kind="stable")]
        bounds = np.searchsorted(tt.origin[order], np.arange(len(tt.places) + 1))
        dep = tt.dep_min[order]
        self._departures = [dep[bounds[p]:bounds[p + 1]].tolist() for p in range(len(tt.places))]
        self._cache: dict[tuple[int, ...], tuple[Itinerary, tuple[Step, ...]] | None] = {}
        self._users: dict[int, list[tuple[int, ...]]] = {}  # connection -> cached routes riding it
        self.hits = self.misses = 0

    def closed(self, connection: int) -> None:
        """``connection`` can no longer be used: forget the routes that ride it."""
        for key in self._users.pop(connection, ()):
            self._cache.pop(key, None)  # a key may be listed under a connection it no longer rides

    def opened(self, connection: int) -> None:
        """``connection`` can be used again: forget the routes it might now beat, those arriving
        after it leaves (and every "no route"). A route arriving by then is still the one the
        planner gives: its scan stops before reaching the connection."""
        leaves = float(self.planner.tt.dep_min[connection])
        stale = [key for key, found in self._cache.items() if found is None or found[0].arrive_min > leaves]
        for key in stale:
            del self._cache[key]

    def _remember(self, key: tuple[int, ...], found: tuple[Itinerary, tuple[Step, ...]] | None) -> None:
        self._cache[key] = found
        if found is None:
            return
        for step in found[1]:
            if isinstance(step, RideStep):
                for c in self.planner.trip_rows[step.trip][step.board_stop:step.alight_stop]:
                    self._users.setdefault(c, []).append(key)

    def _find(self, origin: int, dest: int, ready: float,
              board_from: float | None) -> tuple[Itinerary, tuple[Step, ...]] | None:
        it = self.planner.earliest(origin, dest, ready, allowed=self.allowed, board_from_min=board_from)
        return None if it is None else (it, tuple(itinerary_steps(self.planner.tt, it)))

    def key(self, origin: int, dest: int, ready: float, board_from: float | None) -> tuple[int, ...]:
        """What a search from ``ready`` depends on: the first departure it can catch at the
        origin and at each place a link from the origin reaches."""
        boards = ready + self._checkin[origin] if board_from is None else board_from
        departures, after_link = self._departures, self._after_link
        return (origin, dest, bisect_left(departures[origin], boards),
                *(bisect_left(departures[hop.dest], ready + hop.duration_min + after_link[hop.dest])
                  for hop in self.planner.hops[origin]))

    def cached(self, key: tuple[int, ...]) -> object:
        """What is kept for ``key`` (None: no route), or ``MISSING``; hits and misses counted."""
        found = self._cache.get(key, MISSING)
        if found is MISSING:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def earliest(self, origin: int, dest: int, ready: float,
                 board_from: float | None = None) -> tuple[Itinerary, tuple[Step, ...]] | None:
        """The itinerary and its steps (shared: copy before changing). ``board_from`` replaces
        ready time plus check-in as the first moment to board (a rebooking traveller)."""
        key = self.key(origin, dest, ready, board_from)
        found = self.cached(key)
        if found is not MISSING:
            return found  # type: ignore[return-value]
        found = self._find(origin, dest, ready, board_from)
        if found is None or any(leg.kind == "service" for leg in found[0].legs):
            self._remember(key, found)
        return found
