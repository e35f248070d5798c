"""Earliest arrival for every departure time at once: chained searchsorted over patterns.

A *journey pattern* is a sequence of rides (service, board stop, alight stop) and link hops
from the origin to the target. For a fixed pattern, the earliest arrival for a whole array of
ready times is a chain of ``np.searchsorted`` calls (next departure of each ride at or after
the time one is ready for it), since every trip of a service keeps the same running times.
The profile is the element-wise minimum over all patterns.

Patterns are explored best-first, and a partial pattern is dropped as soon as, for every
ready time, it cannot beat the best arrival already found (its time so far plus a lower
bound on the remaining ride time). Patterns visit each place at most once. Boarding rules
are those of :mod:`corridor.planning.search`, so the profile equals the earliest-arrival
search at every ready time.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field

import numpy as np

from corridor.errors import PlanningError
from corridor.network.timetable import Timetable
from corridor.planning.links import LinkHop, link_closure

INF = np.inf


@dataclass(frozen=True)
class Step:
    """A ride on ``service`` from stop position ``board`` to ``alight``, or a link hop."""

    origin: int
    dest: int
    service: int = -1
    board: int = -1
    alight: int = -1
    hop: LinkHop | None = None


@dataclass
class Profile:
    """Earliest arrival (minutes since the epoch) for each ready time at the origin."""

    origin: int
    target: int
    ready_min: np.ndarray
    arrival_min: np.ndarray
    winner: np.ndarray  # index into patterns of the best pattern per ready time, -1 if none
    patterns: list[tuple[Step, ...]] = field(default_factory=list)
    leg_evaluations: int = 0
    patterns_evaluated: int = 0

    @property
    def total_min(self) -> np.ndarray:
        """Arrival minus ready time: the wait for the first service included."""
        return self.arrival_min - self.ready_min

    def summary(self) -> dict[str, float]:
        total = self.total_min[np.isfinite(self.total_min)]
        if total.size == 0:
            return {"reachable_share": 0.0}
        return {
            "reachable_share": float(total.size / self.total_min.size),
            "mean_min": float(total.mean()),
            "median_min": float(np.median(total)),
            "p95_min": float(np.percentile(total, 95)),
            "min_min": float(total.min()),
            "max_min": float(total.max()),
        }


class _Rides:
    """Rides out of each place, and a lower bound on the ride time from each place to the target."""

    def __init__(self, tt: Timetable, services: np.ndarray | None, hops: list[list[LinkHop]] | None):
        n = len(tt.places)
        self.out: list[list[tuple[int, int, int, int, float]]] = [[] for _ in range(n)]
        for s, stops in enumerate(tt.service_stops):
            if services is not None and not services[s]:
                continue
            if tt.service_starts[s].size == 0:
                continue
            dep_off, arr_off = tt.service_dep_offset[s], tt.service_arr_offset[s]
            for i in range(len(stops) - 1):
                for j in range(i + 1, len(stops)):
                    ride = float(arr_off[j - 1] - dep_off[i])
                    self.out[int(stops[i])].append((s, i, j, int(stops[j]), ride))
        self.hops = hops or [[] for _ in range(n)]

    def lower_bounds(self, target: int) -> np.ndarray:
        """Least ride plus link time from each place to ``target`` (connection times ignored)."""
        n = len(self.out)
        back: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        for p in range(n):
            for _, _, _, q, ride in self.out[p]:
                back[q].append((p, ride))
            for hop in self.hops[p]:
                back[hop.dest].append((p, hop.duration_min))
        dist = np.full(n, INF)
        dist[target] = 0.0
        heap = [(0.0, target)]
        while heap:
            d, q = heapq.heappop(heap)
            if d > dist[q]:
                continue
            for p, w in back[q]:
                if d + w < dist[p]:
                    dist[p] = d + w
                    heapq.heappush(heap, (d + w, p))
        return dist


def compute_profile(
    tt: Timetable,
    origin: int,
    target: int,
    ready_min: np.ndarray,
    *,
    services: np.ndarray | None = None,
    max_transfers: int | None = None,
    use_links: bool = True,
    hops: list[list[LinkHop]] | None = None,
) -> Profile:
    """Earliest arrival at ``target`` for every ready time in ``ready_min`` (minutes since epoch).

    ``services`` masks the services that may be used (see ``Timetable.service_mask``).
    """
    if origin == target:
        raise PlanningError(f"origin and destination are both {tt.places[origin]!r}")
    ready = np.asarray(ready_min, dtype=np.float64)
    if use_links and hops is None:
        hops = link_closure(tt)
    rides = _Rides(tt, services, hops if use_links else None)
    lower = rides.lower_bounds(target)
    mct, checkin = tt.min_connection_min, tt.checkin_min
    after_link = np.maximum(checkin, mct)
    max_rides = np.inf if max_transfers is None else max_transfers + 1

    prof = Profile(origin, target, ready, np.full(ready.shape, INF), np.full(ready.shape, -1, dtype=np.int64))
    counter = itertools.count()
    heap: list[tuple[float, int, int, np.ndarray, bool, tuple[Step, ...], frozenset[int], int]] = []

    def complete(arrival: np.ndarray, steps: tuple[Step, ...]) -> None:
        better = arrival < prof.arrival_min
        if better.any():
            prof.patterns.append(steps)
            prof.arrival_min[better] = arrival[better]
            prof.winner[better] = len(prof.patterns) - 1

    def push(place: int, board_at: np.ndarray, can_link: bool, steps: tuple[Step, ...],
             seen: frozenset[int], n_rides: int) -> None:
        bound = board_at + lower[place]
        if not np.any(bound < prof.arrival_min):
            return  # cannot beat what is known at any ready time
        key = float(np.min(bound - ready))
        heapq.heappush(heap, (key, next(counter), place, board_at, can_link, steps, seen, n_rides))

    def after_arrival(place: int, arrival: np.ndarray, steps: tuple[Step, ...],
                      seen: frozenset[int], n_rides: int, leave_links_at: np.ndarray | None) -> None:
        """Arrived at ``place`` by ride (``leave_links_at`` set) or by link (None)."""
        if place == target:
            complete(arrival, steps)
            return
        if leave_links_at is None:
            push(place, arrival + after_link[place], False, steps, seen, n_rides)
            return
        push(place, leave_links_at, True, steps, seen, n_rides)
        for hop in rides.hops[place]:
            if hop.dest in seen:
                continue
            after_arrival(hop.dest, leave_links_at + hop.duration_min,
                          (*steps, Step(place, hop.dest, hop=hop)), seen | {hop.dest}, n_rides, None)

    start = frozenset({origin})
    push(origin, ready + checkin[origin], False, (), start, 0)
    for hop in rides.hops[origin] if use_links else ():
        after_arrival(hop.dest, ready + hop.duration_min, (Step(origin, hop.dest, hop=hop),),
                      start | {hop.dest}, 0, None)

    starts, dep_off, arr_off, stops_of = (tt.service_starts, tt.service_dep_offset,
                                          tt.service_arr_offset, tt.service_stops)
    while heap:
        _, _, place, board_at, _, steps, seen, n_rides = heapq.heappop(heap)
        if not np.any(board_at + lower[place] < prof.arrival_min) or n_rides >= max_rides:
            continue
        for s, i, j, q, _ in rides.out[place]:
            passed = stops_of[s][i + 1 : j + 1]
            if any(int(x) in seen for x in passed):
                continue
            first = starts[s]
            k = np.searchsorted(first, board_at - dep_off[s][i], side="left")
            ok = k < first.size
            arrival = np.where(ok, first[np.minimum(k, first.size - 1)] + arr_off[s][j - 1], INF)
            prof.leg_evaluations += ready.size
            prof.patterns_evaluated += 1
            after_arrival(q, arrival, (*steps, Step(place, q, s, i, j)),
                          seen | {int(x) for x in passed}, n_rides + 1, arrival + mct[q])
    return prof


def week_grid(start_min: float, *, step_min: float = 1.0, days: float = 7.0) -> np.ndarray:
    """Ready times from ``start_min`` over ``days`` at ``step_min`` spacing."""
    if step_min <= 0:
        raise PlanningError(f"step must be positive, got {step_min}")
    return start_min + np.arange(0.0, days * 1440.0, step_min)
