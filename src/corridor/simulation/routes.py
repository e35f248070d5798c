"""Containers' routes, cached exactly.

A container's earliest itinerary depends on its ready time only through which departures
from its origin it can still catch, when no link leaves the origin (a link could be taken at
any moment) and the usable connections do not change during the run (containers book no
seats). All containers of a flow that can first catch the same origin departure therefore get
the same itinerary, found once.
"""

from __future__ import annotations

from bisect import bisect_left

import numpy as np

from corridor.planning.itinerary import Itinerary
from corridor.planning.search import Planner
from corridor.simulation.entities import Step, itinerary_steps


class CargoRoutes:
    """Earliest itineraries of containers, with their steps."""

    def __init__(self, planner: Planner, allowed: np.ndarray) -> None:
        self.planner = planner
        self.allowed = allowed
        tt = planner.tt
        ok = np.asarray(allowed, dtype=bool)
        self._departures = {
            p: tt.dep_min[ok & (tt.origin == p)].tolist() for p in range(len(tt.places))
        }  # sorted, as the timetable is
        self._cache: dict[tuple[int, int, int], tuple[Itinerary, tuple[Step, ...]] | None] = {}

    def _find(self, origin: int, dest: int, ready: float) -> tuple[Itinerary, tuple[Step, ...]] | None:
        it = self.planner.earliest(origin, dest, ready, allowed=self.allowed)
        return None if it is None else (it, tuple(itinerary_steps(self.planner.tt, it)))

    def earliest(self, origin: int, dest: int, ready: float) -> tuple[Itinerary, tuple[Step, ...]] | None:
        """The itinerary and its steps (shared: copy before changing)."""
        if self.planner.hops[origin]:  # a link could leave at any moment: no cache
            return self._find(origin, dest, ready)
        first = bisect_left(self._departures[origin], ready + self.planner.tt.checkin_min[origin])
        key = (origin, dest, first)
        if key not in self._cache:
            self._cache[key] = self._find(origin, dest, ready)
        return self._cache[key]
