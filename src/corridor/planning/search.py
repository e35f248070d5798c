"""Exact journey search on expanded timetables: earliest arrival and Pareto sets.

Both searches scan connections once, in order of departure (the connection-scan idea),
and follow the same boarding rules:

* At the origin a journey may board a first service ``checkin_min`` after the ready time.
* A trip once boarded can be ridden through its later stops at no cost in time.
* Alighting at a place, another service may be boarded ``min_connection_min`` later.
* Links (road, transfer) can be taken at any time: from the origin at the ready time, after
  alighting once ``min_connection_min`` has passed. A place reached by link may be boarded
  from after the larger of its ``checkin_min`` and ``min_connection_min``. Chains of links
  are one hop, by least total duration (:mod:`corridor.planning.links`).
* Arrival at the target is the moment of alighting (or the end of the link).

Times are minutes since the scenario epoch (UTC). Every segment lasts at least a minute,
so a connection departing at ``t`` is scanned after every connection arriving by ``t``.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from typing import Any

import numpy as np

from corridor.errors import PlanningError
from corridor.network.timetable import Timetable
from corridor.planning.itinerary import Itinerary, Leg, service_leg
from corridor.planning.links import LinkHop, link_closure

INF = math.inf
ORIGIN: tuple[Any, ...] = ("O",)
EPS = 1e-9


class Planner:
    """Answers routing questions on one expanded timetable."""

    def __init__(self, tt: Timetable, *, unit: str | None = None) -> None:
        """``unit`` (pax or feu) limits links to those that carry it; services are masked per query."""
        self.tt = tt
        self.hops: list[list[LinkHop]] = link_closure(tt, unit)
        self._mct = tt.min_connection_min.tolist()
        self._checkin = tt.checkin_min.tolist()
        self._after_link = np.maximum(tt.checkin_min, tt.min_connection_min).tolist()
        self._dep = tt.dep_min.tolist()
        self._arr = tt.arr_min.tolist()
        self._orig = tt.origin.tolist()
        self._dest = tt.dest.tolist()
        self._trip = tt.trip.tolist()
        self._cost = tt.cost_usd.tolist()
        self._co2 = tt.co2_kg.tolist()
        self.trip_rows: dict[int, list[int]] = {}  # trip -> its connections in segment order
        for c in np.lexsort((tt.segment, tt.trip)).tolist():
            self.trip_rows.setdefault(self._trip[c], []).append(c)

    # ------------------------------------------------------------------ helpers
    def place(self, place_id: str) -> int:
        try:
            return self.tt.index[place_id]
        except KeyError:
            import difflib

            close = difflib.get_close_matches(place_id, self.tt.places, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise PlanningError(f"unknown place {place_id!r}{hint}") from None

    def allowed(self, services: np.ndarray | None) -> list[bool]:
        """Which connections a search may use, from a per-service mask (None: all)."""
        if services is None:
            return [True] * self.tt.n_connections
        return np.asarray(services, dtype=bool)[self.tt.service].tolist()

    def reconstruct(self, ready_min: float, ptr: tuple[Any, ...]) -> Itinerary:
        legs: list[Leg] = []
        while ptr is not ORIGIN:
            if ptr[0] == "T":
                _, board, alight, ptr = ptr
                legs.append(service_leg(self.tt, board, alight, self.trip_rows[self._trip[board]]))
            else:
                _, source, hop, start, ptr = ptr
                legs.append(Leg("link", "+".join(hop.ids), "road", source, hop.dest, start,
                                start + hop.duration_min, hop.cost_usd, hop.co2_kg,
                                link_row=hop.rows))
        return Itinerary(ready_min=ready_min, legs=tuple(reversed(legs)))

    def _check(self, origin: int, target: int, ready_min: float) -> None:
        if origin == target:
            raise PlanningError(f"origin and destination are both {self.tt.places[origin]!r}")
        if not 0 <= ready_min < self.tt.horizon_min:
            raise PlanningError(
                f"departure {self.tt.to_utc(ready_min).isoformat()} is outside the timetable "
                f"({self.tt.epoch.isoformat()} + {self.tt.horizon_min / 1440:g} days)"
            )

    # ------------------------------------------------------------------ earliest arrival
    def earliest(
        self, origin: int, target: int, ready_min: float, *,
        services: np.ndarray | None = None, use_links: bool = True,
        allowed: list[bool] | None = None, board_from_min: float | None = None,
    ) -> Itinerary | None:
        """The earliest-arriving itinerary, or None if the target cannot be reached.

        ``services`` masks the services that may be used (see ``Timetable.service_mask``);
        ``allowed``, the same per connection, spares repeated queries the conversion.
        ``board_from_min`` replaces ready time plus check-in as the first moment a service can
        be boarded at the origin (a traveller already airside, rebooking after a miss).
        """
        self._check(origin, target, ready_min)
        ok = allowed if allowed is not None else self.allowed(services)
        n = len(self.tt.places)
        ready = [INF] * n
        arrival = [INF] * n
        rptr: list[Any] = [None] * n
        aptr: list[Any] = [None] * n
        ready[origin] = ready_min + self._checkin[origin] if board_from_min is None else board_from_min
        arrival[origin] = ready_min
        rptr[origin] = aptr[origin] = ORIGIN

        def relax(place: int, leave: float, prev: tuple[Any, ...]) -> None:
            for hop in self.hops[place]:
                reach = leave + hop.duration_min
                ptr = ("L", place, hop, leave, prev)
                u = hop.dest
                if reach < arrival[u]:
                    arrival[u], aptr[u] = reach, ptr
                board = reach + self._after_link[u]
                if board < ready[u]:
                    ready[u], rptr[u] = board, ptr

        if use_links:
            relax(origin, ready_min, ORIGIN)
        dep, arr, orig, dest, trip = self._dep, self._arr, self._orig, self._dest, self._trip
        mct = self._mct
        boarded: dict[int, tuple[int, Any]] = {}
        for i in range(bisect_left(dep, ready_min), len(dep)):
            d = dep[i]
            if d >= arrival[target]:
                break
            if not ok[i]:
                continue
            entry = boarded.get(trip[i])
            if entry is None:
                u = orig[i]
                if ready[u] > d:
                    continue
                entry = boarded[trip[i]] = (i, rptr[u])
            v, a = dest[i], arr[i]
            r = a + mct[v]
            if a < arrival[v] or r < ready[v]:
                ptr = ("T", entry[0], i, entry[1])
                if a < arrival[v]:
                    arrival[v], aptr[v] = a, ptr
                if r < ready[v]:
                    ready[v], rptr[v] = r, ptr
                    if use_links:
                        relax(v, r, ptr)
        if aptr[target] is None:
            return None
        return self.reconstruct(ready_min, aptr[target])

    # ------------------------------------------------------------------ Pareto set
    def pareto(
        self, origin: int, target: int, ready_min: float, *,
        services: np.ndarray | None = None, max_transfers: int | None = None,
        use_links: bool = True, window_min: float | None = None,
    ) -> list[Itinerary]:
        """Every itinerary not dominated in (arrival, transfers, cost, CO2), earliest first.

        ``window_min`` bounds how long after ``ready_min`` a journey may arrive (default: to
        the end of the timetable). ``max_transfers`` bounds the changes of vehicle.
        """
        self._check(origin, target, ready_min)
        ok = self.allowed(services)
        limit = INF if window_min is None else ready_min + window_min
        max_boardings = INF if max_transfers is None else max_transfers + 1
        n = len(self.tt.places)
        stop_bags: list[list[tuple[Any, ...]]] = [[] for _ in range(n)]
        target_bag: list[tuple[Any, ...]] = []
        trip_bags: dict[int, list[tuple[Any, ...]]] = {}

        def dominated(bag: list[tuple[Any, ...]], t: float, b: int, c: float, e: float) -> bool:
            return any(x[0] <= t and x[1] <= b and x[2] <= c + EPS and x[3] <= e + EPS for x in bag)

        def insert(bag: list[tuple[Any, ...]], label: tuple[Any, ...]) -> bool:
            t, b, c, e = label[:4]
            if dominated(bag, t, b, c, e):
                return False
            bag[:] = [x for x in bag
                      if not (t <= x[0] and b <= x[1] and c <= x[2] + EPS and e <= x[3] + EPS)]
            bag.append(label)
            return True

        def arrive(place: int, t: float, b: int, c: float, e: float, ptr: tuple[Any, ...],
                   via_link: bool) -> None:
            if t > limit or dominated(target_bag, t, b, c, e):
                return
            if place == target:
                insert(target_bag, (t, b, c, e, ptr))
                return
            board = t + (self._after_link[place] if via_link else self._mct[place])
            if insert(stop_bags[place], (board, b, c, e, ptr)) and use_links and not via_link:
                for hop in self.hops[place]:
                    arrive(hop.dest, board + hop.duration_min, b, c + hop.cost_usd,
                           e + hop.co2_kg, ("L", place, hop, board, ptr), True)

        stop_bags[origin].append((ready_min + self._checkin[origin], 0, 0.0, 0.0, ORIGIN))
        if use_links:
            for hop in self.hops[origin]:
                arrive(hop.dest, ready_min + hop.duration_min, 0, hop.cost_usd, hop.co2_kg,
                       ("L", origin, hop, ready_min, ORIGIN), True)

        dep, arr, orig, dest, trip = self._dep, self._arr, self._orig, self._dest, self._trip
        for i in range(bisect_left(dep, ready_min), len(dep)):
            d = dep[i]
            if d > limit:
                break
            if not ok[i]:
                continue
            tr = trip[i]
            bag = trip_bags.get(tr)
            for lab in stop_bags[orig[i]]:
                if lab[0] <= d and lab[1] + 1 <= max_boardings:
                    if bag is None:
                        bag = trip_bags[tr] = []
                    # on board: (boardings, cost, co2, board index, pointer before boarding)
                    onboard = (lab[1] + 1, lab[2], lab[3], i, lab[4])
                    if not any(x[0] <= onboard[0] and x[1] <= onboard[1] + EPS
                               and x[2] <= onboard[2] + EPS for x in bag):
                        bag[:] = [x for x in bag if not (onboard[0] <= x[0] and onboard[1] <= x[1] + EPS
                                                         and onboard[2] <= x[2] + EPS)]
                        bag.append(onboard)
            if not bag:
                continue
            ci, ei, v, a = self._cost[i], self._co2[i], dest[i], arr[i]
            bag[:] = [(b, c + ci, e + ei, board, prev) for b, c, e, board, prev in bag]
            for b, c, e, board, prev in bag:
                arrive(v, a, b, c, e, ("T", board, i, prev), False)

        found = [self.reconstruct(ready_min, lab[4]) for lab in target_bag]
        return pareto_filter(found)


def pareto_filter(itineraries: list[Itinerary]) -> list[Itinerary]:
    """Drop dominated and duplicate itineraries by (arrival, transfers, cost, CO2); sort by arrival."""
    crit = [it.criteria() for it in itineraries]
    keep: list[Itinerary] = []
    seen: set[tuple[float, int, float, float]] = set()
    for it, x in sorted(zip(itineraries, crit, strict=True), key=lambda p: p[1]):
        if x in seen:
            continue
        if any(_dominates(y, x) for y in crit):
            continue
        seen.add(x)
        keep.append(it)
    return keep


def _dominates(y: tuple[float, int, float, float], x: tuple[float, int, float, float]) -> bool:
    return all(a <= b + EPS for a, b in zip(y, x, strict=True)) and y != x
