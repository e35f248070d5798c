"""Lower bounds, per target, on what a journey from each place to the target still takes.

For every place: the fewest boardings and the least fare and CO2 of any way on to the target,
over the whole timetable (every connection of every service, whatever a query masks), the
search's link chains and its dispatched vehicles, ignoring when anything leaves. Each is a bound
of its own (the least fare and the least CO2 may come from different ways). A boarding counts
once per trip ridden between any two of its stops, and once per dispatched vehicle; fares and
CO2 add up segment by segment. Fare and CO2 bounds are lowered
by a hair (``SLACK`` of their size, and of a unit) so that sums added up in another order never
exceed the journey's own: far more than rounding can do, far less than the ``EPS`` of dominance,
so a journey that costs exactly the least still reaches its bound.

Beside them, per place, the ways on that no other beats in all three at once (``ways_on``):
each way on takes at least as much as one of them. Three bounds of their own may come from
three ways, and then no journey reaches all three: of a shuttle at USD 20 and two cheap
flights at USD 5 each, the least boardings are 1 and the least fare 10, which the shuttle
and the cheap pair each beat in one criterion and neither in both. The ways on are those of a
graph whose edge is one boarding, from a stop to any later stop of a service (its fare by
boarding, then each segment's least fare and CO2 over the service's trips), a link chain or a
dispatched vehicle. Where a place would keep more than :data:`MAX_WAYS` of them, every place
keeps its three bounds alone, as one way (a cover too, only a looser one).

A Pareto search uses them to stop early (:meth:`corridor.planning.search.Planner.pareto`): a
journey waiting at a place can only arrive later than one already found, so once, for every
way on from its place, a found one is at least as good as it plus that way in boardings,
fare and CO2, nothing it becomes can enter the Pareto set.
"""

from __future__ import annotations

import heapq
import math
from typing import NamedTuple

import numpy as np

from corridor.network.timetable import Timetable
from corridor.planning.links import DispatchRide, LinkHop

SLACK = 1e-12  # relative (and absolute): sums of a thousand terms round by less
#: ways on kept per place; past it (many services that each trade boardings, fare and CO2)
#: the three bounds alone stand for them
MAX_WAYS = 64

Edge = tuple[int, float]  # (from place, weight), listed under the place it leads to
Way = tuple[float, float, float]  # boardings, USD, kg CO2


class Bounds(NamedTuple):
    """Per place: the fewest boardings, least USD and least kg CO2 on to the target (inf: no
    way on; -inf: no bound, a criterion with a negative weight somewhere)."""

    boardings: list[float]
    cost_usd: list[float]
    co2_kg: list[float]
    #: per place, the ways on to the target that none beats in all three (none: no way on);
    #: every way on takes at least as much as one of them in boardings, USD and CO2 at once
    ways_on: list[tuple[Way, ...]]


def least_to(n: int, into: list[list[Edge]], target: int) -> list[float]:
    """Least sums of weights from each of ``n`` places to ``target`` (Dijkstra backwards over
    ``into``, the edges listed under the place they lead to; weights non-negative)."""
    dist = [math.inf] * n
    dist[target] = 0.0
    heap = [(0.0, target)]
    while heap:
        d, v = heapq.heappop(heap)
        if d > dist[v]:
            continue
        for u, w in into[v]:
            if d + w < dist[u]:
                dist[u] = d + w
                heapq.heappush(heap, (d + w, u))
    return dist


def ways_to(n: int, into: list[list[tuple[int, Way]]], target: int, most: int) -> list[list[Way]] | None:
    """Per place of ``n``, the sums of weights of the ways to ``target`` that none beats in all
    three criteria, over ``into`` (the edges listed under the place they lead to, weights not
    negative): a multi-criteria Dijkstra backwards, taking the ways in lexicographic order, so
    one taken is never beaten later. None when a place would keep more than ``most``."""
    ways: list[list[Way]] = [[] for _ in range(n)]
    ways[target].append((0.0, 0.0, 0.0))
    heap: list[tuple[Way, int]] = [((0.0, 0.0, 0.0), target)]
    while heap:
        way, v = heapq.heappop(heap)
        if way not in ways[v]:  # beaten since it was found
            continue
        b, c, e = way
        for u, (wb, wc, we) in into[v]:
            new = (b + wb, c + wc, e + we)
            kept = ways[u]
            if any(x[0] <= new[0] and x[1] <= new[1] and x[2] <= new[2] for x in kept):
                continue
            kept[:] = [x for x in kept if not (new[0] <= x[0] and new[1] <= x[1] and new[2] <= x[2])]
            kept.append(new)
            if len(kept) > most:
                return None
            heapq.heappush(heap, (new, u))
    return ways


class BoundGraph:
    """The static graph the bounds are read from, built once per timetable and link closure."""

    def __init__(self, tt: Timetable, hops: list[list[LinkHop]],
                 dispatch: list[list[DispatchRide]] | None = None) -> None:
        n = self.n = len(tt.places)
        self.boardings: list[list[Edge]] = [[] for _ in range(n)]
        self.cost: list[list[Edge]] = [[] for _ in range(n)]
        self.co2: list[list[Edge]] = [[] for _ in range(n)]
        self.ways: list[list[tuple[int, Way]]] = [[] for _ in range(n)]  # one boarding, link or vehicle
        # least fare and CO2 of a segment between two places, over all connections
        pair = tt.origin.astype(np.int64) * n + tt.dest.astype(np.int64)
        keys, inverse = np.unique(pair, return_inverse=True)
        least = []
        for column in (tt.cost_usd, tt.co2_kg):
            out = np.full(keys.size, np.inf)
            np.minimum.at(out, inverse, column)
            least.append(out.tolist())
        for k, key in enumerate(keys.tolist()):
            u, v = divmod(key, n)
            self.cost[v].append((u, least[0][k]))
            self.co2[v].append((u, least[1][k]))
        for stops in tt.service_stops:  # one boarding rides a trip from any stop to any later one
            places = stops.tolist()
            for i, u in enumerate(places):
                for v in places[i + 1:]:
                    self.boardings[v].append((u, 1.0))
        # least fare and CO2 of each segment of each service, over its trips (none: it never runs)
        first = np.r_[0, np.cumsum([stops.size - 1 for stops in tt.service_stops])].astype(np.int64)
        at = first[tt.service] + tt.segment
        segment = []
        for column in (tt.cost_usd, tt.co2_kg):
            out = np.full(int(first[-1]), np.inf)
            np.minimum.at(out, at, column)
            segment.append(out.tolist())
        board = tt.board_cost_usd.tolist()
        for s, stops in enumerate(tt.service_stops):
            places = stops.tolist()
            for i, u in enumerate(places):
                paid, emitted = board[s], 0.0
                for j in range(i + 1, len(places)):  # added segment by segment, as a journey adds
                    paid += segment[0][first[s] + j - 1]
                    emitted += segment[1][first[s] + j - 1]
                    if paid < math.inf:
                        self.ways[places[j]].append((u, (1.0, paid, emitted)))
        for u, out_hops in enumerate(hops):
            for hop in out_hops:
                self.boardings[hop.dest].append((u, float(hop.boardings)))
                self.cost[hop.dest].append((u, hop.cost_usd))
                self.co2[hop.dest].append((u, hop.co2_kg))
                self.ways[hop.dest].append((u, (float(hop.boardings), hop.cost_usd, hop.co2_kg)))
        for u, rides in enumerate(dispatch or []):  # a dispatched vehicle is a boarding
            for ride in rides:
                self.boardings[ride.dest].append((u, 1.0))
                self.cost[ride.dest].append((u, ride.cost_usd))
                self.co2[ride.dest].append((u, ride.co2_kg))
                self.ways[ride.dest].append((u, (1.0, ride.cost_usd, ride.co2_kg)))

    def bounds(self, target: int) -> Bounds:
        def least(into: list[list[Edge]], slack: float) -> list[float]:
            if any(w < 0 for edges in into for _, w in edges):
                return [-math.inf] * self.n
            return [x - slack * (1.0 + x) if x < math.inf else x for x in least_to(self.n, into, target)]

        boardings, cost, co2 = least(self.boardings, 0.0), least(self.cost, SLACK), least(self.co2, SLACK)
        found = None
        if not any(w < 0 for edges in self.ways for _, way in edges for w in way):
            found = ways_to(self.n, self.ways, target, MAX_WAYS)
        ways_on: list[tuple[Way, ...]]
        if found is None:  # the three bounds alone, as one way on
            ways_on = [((b, c, e),) if b < math.inf else ()
                       for b, c, e in zip(boardings, cost, co2, strict=True)]
        else:
            ways_on = [tuple((b, c - SLACK * (1.0 + c), e - SLACK * (1.0 + e)) for b, c, e in ways)
                       for ways in found]
        return Bounds(boardings, cost, co2, ways_on)
