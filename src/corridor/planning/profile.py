"""Earliest arrival for every departure time at once: chained searchsorted over patterns.

A *journey pattern* is a sequence of rides (service, board stop, alight stop, or a dispatched
vehicle) and link hops from the origin to the target. For a fixed pattern, the earliest arrival
for a whole array of ready times is a chain of ``np.searchsorted`` calls (next departure of each
ride at or after the time one is ready for it), since every trip of a service keeps the same
running times; a dispatched vehicle leaves its cut-off after one is ready for it.
The profile is the element-wise minimum over all patterns.

Patterns are explored best-first, and a partial pattern is dropped as soon as, for every
ready time, it cannot beat the best arrival already found (its time so far plus a lower
bound on the remaining ride time). A pattern may ride through any place and come back to
one it left by link (see ``_PatternSearch``). Boarding rules are those of
:mod:`corridor.planning.search`, so the profile equals the earliest-arrival search at every
ready time.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from corridor.errors import PlanningError
from corridor.network.timetable import Timetable
from corridor.planning.bounds import least_to
from corridor.planning.links import DispatchRide, LinkHop, dispatch_rides, link_closure
from corridor.planning.rules import dispatch_departures
from corridor.units import MIN_PER_DAY

INF = np.inf


@dataclass(frozen=True)
class Step:
    """A ride on ``service`` from stop position ``board`` to ``alight``, a link hop, or a
    dispatched vehicle."""

    origin: int
    dest: int
    service: int = -1
    board: int = -1
    alight: int = -1
    hop: LinkHop | None = None
    dispatch: DispatchRide | None = None

    def name(self, tt: Timetable) -> str:
        """The service's id, or the link ids of a hop joined by '+'."""
        if self.hop is not None:
            return "+".join(self.hop.ids)
        if self.dispatch is not None:
            return tt.links.ids[self.dispatch.row]
        return tt.services[self.service]


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

    def __init__(self, tt: Timetable, services: np.ndarray | None, hops: list[list[LinkHop]] | None,
                 dispatch: list[list[DispatchRide]]):
        n = len(tt.places)
        self.dispatch = dispatch
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
            for sent in self.dispatch[p]:
                back[sent.dest].append((p, sent.wait_min + sent.duration_min))
        return np.array(least_to(n, back, target))


#: The partial journeys one profile may hold at once, and the memory of their times (one per
#: ready time): past either it is refused rather than exhaust the machine (identical services
#: at each change of a line double them at every stop). The baseline's Xi'an -> Duisburg holds
#: 310 at most, 1.3 GB over a year of minutes.
MAX_OPEN = 20_000
MAX_OPEN_BYTES = 4 * 2**30


class _State(NamedTuple):
    """A partial pattern: at ``place``, able to board from ``board_at`` (per ready time).

    ``visited`` holds every place the pattern has stopped at (origin, link ends, alightings),
    ``alighted`` those it came off a vehicle at. Riding through a place is not a visit.
    """

    place: int
    board_at: np.ndarray
    steps: tuple[Step, ...]
    visited: frozenset[int]
    alighted: frozenset[int]
    boardings: int


class _PatternSearch:
    """Best-first enumeration of journey patterns with exact branch-and-bound.

    A pattern never stops twice where the first stop was at least as good: times only grow
    along a pattern, so a second alighting at a place it already alighted at, or a link into a
    place it already stopped at, can board nothing the first visit could not, with fewer
    boardings. A place left by link and come back to on a vehicle (the origin with a long
    check-in, say) is allowed, and so is riding through any place.
    """

    def __init__(self, tt: Timetable, origin: int, target: int, ready: np.ndarray, rides: _Rides,
                 max_boardings: float) -> None:
        self.tt, self.target, self.rides = tt, target, rides
        self.lower = rides.lower_bounds(target)
        self.after_link = np.maximum(tt.checkin_min, tt.min_connection_min)
        self.max_boardings = max_boardings
        self.ready = ready
        self.prof = Profile(origin, target, ready, np.full(ready.shape, INF),
                            np.full(ready.shape, -1, dtype=np.int64))
        self.heap: list[tuple[float, int, _State]] = []
        self.counter = itertools.count()

    def complete(self, arrival: np.ndarray, steps: tuple[Step, ...]) -> None:
        prof = self.prof
        better = arrival < prof.arrival_min
        if better.any():
            prof.patterns.append(steps)
            prof.arrival_min[better] = arrival[better]
            prof.winner[better] = len(prof.patterns) - 1

    def hopeful(self, state: _State) -> bool:
        """Could the state still beat the best arrival known at some ready time?"""
        return bool(np.any(state.board_at + self.lower[state.place] < self.prof.arrival_min))

    def push(self, state: _State) -> None:
        if self.hopeful(state):
            key = float(np.min(state.board_at + self.lower[state.place] - self.ready))
            heapq.heappush(self.heap, (key, next(self.counter), state))
            if len(self.heap) > MAX_OPEN or len(self.heap) * self.ready.nbytes > MAX_OPEN_BYTES:
                held = (f"more than {MAX_OPEN:,} partial journeys" if len(self.heap) > MAX_OPEN else
                        f"{len(self.heap):,} partial journeys, more than {MAX_OPEN_BYTES / 2**30:g} GiB "
                        "of their times (one per ready time),")
                raise PlanningError(
                    f"the profile would hold {held} at once: services that match each other's "
                    "times multiply the ways to the destination at every change; --max-transfers, "
                    "--modes, a larger --step-min or fewer --days may stay within")

    def take_links(self, state: _State, leave: np.ndarray) -> None:
        for hop in self.rides.hops[state.place]:
            if hop.dest in state.visited or state.boardings + hop.boardings > self.max_boardings:
                continue
            arrival = leave + hop.duration_min
            steps = (*state.steps, Step(state.place, hop.dest, hop=hop))
            if hop.dest == self.target:
                self.complete(arrival, steps)
                continue
            self.push(_State(hop.dest, arrival + self.after_link[hop.dest], steps,
                             state.visited | {hop.dest}, state.alighted, state.boardings + hop.boardings))

    def ride(self, state: _State) -> None:
        """Every ride out of the state's place: board the next trip, alight at a later stop."""
        tt, prof = self.tt, self.prof
        for s, i, j, q, _ in self.rides.out[state.place]:
            if q in state.alighted:
                continue
            first, dep_off, arr_off = tt.service_starts[s], tt.service_dep_offset[s], tt.service_arr_offset[s]
            k = np.searchsorted(first, state.board_at - dep_off[i], side="left")
            ok = k < first.size
            arrival = np.where(ok, first[np.minimum(k, first.size - 1)] + arr_off[j - 1], INF)
            prof.leg_evaluations += self.ready.size
            prof.patterns_evaluated += 1
            steps = (*state.steps, Step(state.place, q, s, i, j))
            if q == self.target:
                self.complete(arrival, steps)
                continue
            self.land(state, q, arrival, steps)
        for ride in self.rides.dispatch[state.place]:  # joined when boarding is possible
            q = ride.dest
            if q in state.alighted:
                continue
            arrival = dispatch_departures(state.board_at, ride.wait_min, ride.days) + ride.duration_min
            prof.patterns_evaluated += 1
            steps = (*state.steps, Step(state.place, q, dispatch=ride))
            if q == self.target:
                self.complete(arrival, steps)
                continue
            self.land(state, q, arrival, steps)

    def land(self, state: _State, q: int, arrival: np.ndarray, steps: tuple[Step, ...]) -> None:
        """Off a vehicle at ``q`` (not the target): board or take a link after the connection time."""
        leave = arrival + self.tt.min_connection_min[q]
        landed = _State(q, leave, steps, state.visited | {q}, state.alighted | {q}, state.boardings + 1)
        self.push(landed)
        self.take_links(landed, leave)

    def run(self) -> Profile:
        while self.heap:
            _, _, state = heapq.heappop(self.heap)
            if self.hopeful(state) and state.boardings < self.max_boardings:
                self.ride(state)
        return self.prof


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
    dispatch: list[list[DispatchRide]] | None = None,
) -> Profile:
    """Earliest arrival at ``target`` for every ready time in ``ready_min`` (minutes since epoch).

    ``services`` masks the services that may be used (see ``Timetable.service_mask``); ``hops``
    and ``dispatch`` replace the link closure and the dispatched vehicles out of each place.
    """
    if origin == target:
        raise PlanningError(f"origin and destination are both {tt.places[origin]!r}")
    ready = np.asarray(ready_min, dtype=np.float64)
    if use_links and hops is None:
        hops = link_closure(tt)
    rides = _Rides(tt, services, hops if use_links else None,
                   dispatch if dispatch is not None else dispatch_rides(tt))
    max_boardings = np.inf if max_transfers is None else max_transfers + 1
    search = _PatternSearch(tt, origin, target, ready, rides, max_boardings)
    start = _State(origin, ready + tt.checkin_min[origin], (), frozenset({origin}), frozenset(), 0)
    search.push(start)
    search.take_links(start, ready)
    return search.run()


def week_grid(start_min: float, *, step_min: float = 1.0, days: float = 7.0) -> np.ndarray:
    """Ready times from ``start_min`` over ``days`` at ``step_min`` spacing."""
    if step_min <= 0:
        raise PlanningError(f"step must be positive, got {step_min}")
    return start_min + np.arange(0.0, days * MIN_PER_DAY, step_min)
