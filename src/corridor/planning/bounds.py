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

A Pareto search uses them to stop early (:meth:`corridor.planning.search.Planner.pareto`): a
journey waiting at a place can only arrive later than one already found, so once a found one
is at least as good as it plus these bounds in boardings, fare and CO2, nothing it becomes
can enter the Pareto set.
"""

from __future__ import annotations

import heapq
import math
from typing import NamedTuple

import numpy as np

from corridor.network.timetable import Timetable
from corridor.planning.links import DispatchRide, LinkHop

SLACK = 1e-12  # relative (and absolute): sums of a thousand terms round by less

Edge = tuple[int, float]  # (from place, weight), listed under the place it leads to


class Bounds(NamedTuple):
    """Per place: the fewest boardings, least USD and least kg CO2 on to the target (inf: no
    way on; -inf: no bound, a criterion with a negative weight somewhere)."""

    boardings: list[float]
    cost_usd: list[float]
    co2_kg: list[float]


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


class BoundGraph:
    """The static graph the bounds are read from, built once per timetable and link closure."""

    def __init__(self, tt: Timetable, hops: list[list[LinkHop]],
                 dispatch: list[list[DispatchRide]] | None = None) -> None:
        n = self.n = len(tt.places)
        self.boardings: list[list[Edge]] = [[] for _ in range(n)]
        self.cost: list[list[Edge]] = [[] for _ in range(n)]
        self.co2: list[list[Edge]] = [[] for _ in range(n)]
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
        for u, out_hops in enumerate(hops):
            for hop in out_hops:
                self.boardings[hop.dest].append((u, float(hop.boardings)))
                self.cost[hop.dest].append((u, hop.cost_usd))
                self.co2[hop.dest].append((u, hop.co2_kg))
        for u, rides in enumerate(dispatch or []):  # a dispatched vehicle is a boarding
            for ride in rides:
                self.boardings[ride.dest].append((u, 1.0))
                self.cost[ride.dest].append((u, ride.cost_usd))
                self.co2[ride.dest].append((u, ride.co2_kg))

    def bounds(self, target: int) -> Bounds:
        def least(into: list[list[Edge]], slack: float) -> list[float]:
            if any(w < 0 for edges in into for _, w in edges):
                return [-math.inf] * self.n
            return [x - slack * (1.0 + x) if x < math.inf else x for x in least_to(self.n, into, target)]

        return Bounds(least(self.boardings, 0.0), least(self.cost, SLACK), least(self.co2, SLACK))
