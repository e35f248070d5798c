"""Independent references for the planner: a time-expanded graph searched by networkx.

Nothing here shares code with corridor.planning: links are chained edge by edge (not through a
closure), dispatched vehicles are joined at every moment a journey may first board at their
place, and journeys are found by Dijkstra or by enumerating every path.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

import networkx as nx
import numpy as np

from corridor.network.timetable import Timetable

SOURCE, SINK = ("source",), ("sink",)


def time_expanded(tt: Timetable, origin: int, target: int, t0: float,
                  services: np.ndarray | None = None, allowed: np.ndarray | None = None) -> nx.DiGraph:
    """Every event is a node; every edge weight is the time between its two events. Only the
    connections of ``services`` and, per connection, ``allowed`` are edges (a trip is ridden on
    from one to the next only when both are)."""
    g = nx.DiGraph()
    mct, ck = tt.min_connection_min, tt.checkin_min
    after_link = np.maximum(ck, mct)
    use = np.ones(tt.n_connections, dtype=bool) if services is None else np.asarray(services)[tt.service]
    use &= tt.dep_min >= t0
    if allowed is not None:
        use &= allowed
    idx = np.flatnonzero(use)
    wait_times: dict[int, set[float]] = defaultdict(set)
    joins: list[tuple[int, float]] = []  # moments one may board at a place, not yet followed
    links_from: dict[int, list[tuple[int, int, float]]] = defaultdict(list)
    # a dispatched service is a vehicle: joined when one may board at its place, it leaves its
    # cut-off later and is landed from as a vehicle (the connection time)
    vehicles_from: dict[int, list[tuple[int, int, float, float]]] = defaultdict(list)
    for k in range(len(tt.links.ids)):
        u, v = int(tt.links.origin[k]), int(tt.links.dest[k])
        if tt.links.service[k] >= 0:
            vehicles_from[u].append((k, v, float(tt.links.wait_min[k]), float(tt.links.duration_min[k])))
        else:
            links_from[u].append((k, v, float(tt.links.duration_min[k])))

    # after the last connection, a chain of links and dispatched vehicles longer than all of
    # them together, with the longest wait to board before each vehicle, holds a loop, which
    # never helps
    vehicles = int((tt.links.service >= 0).sum())
    last = (max([t0, *tt.arr_min.tolist()]) + float((tt.links.wait_min + tt.links.duration_min).sum())
            + (vehicles + 1) * float(after_link.max(initial=0.0))
            + 7 * 1440.0 * sum(days is not None for days in tt.links.path_days))

    def leaves(k: int, t: float) -> float:
        """A dispatched vehicle joined at ``t`` leaves its cut-off later, but on a day (UTC, since
        the epoch) without departure paths (``path_days`` not 0 there) at the next day's start."""
        go = t + float(tt.links.wait_min[k])
        days = tt.links.path_days[k]
        if days is None:
            return go
        day = math.floor(go / 1440.0)
        if days[day % 7] == 0:
            return go
        while days[day % 7] != 0:
            day += 1
        return day * 1440.0

    def may_board(place: int, t: float) -> tuple:
        """The node of reaching ``place`` free to board at ``t``: it leads on to waiting there,
        and to the dispatched vehicles out of ``place`` (joined then: joining one later only
        arrives later, as any journey from the later join does by waiting, so no Pareto point
        is lost, and the paths to enumerate stay few)."""
        node = ("at", place, t)
        if node not in g:
            g.add_edge(node, ("wait", place, t), weight=0.0)
            wait_times[place].add(t)
            joins.append((place, t))
        return node

    def street(place: int, t: float) -> None:
        """Free to leave ``place`` at ``t`` by link (chains of links expand recursively)."""
        node = ("leave", place, t)
        if node in g or t > last:
            return
        g.add_node(node)
        for k, u, d in links_from[place]:
            reach = t + d
            # one node per link taken, so parallel links keep their own cost and CO2
            g.add_edge(node, ("link", k, t), weight=d, cost=float(tt.links.cost_usd[k]),
                       co2=float(tt.links.co2_kg[k]))
            g.add_edge(("link", k, t), ("linkarr", u, reach), weight=0.0)
            if u == target:
                g.add_edge(("linkarr", u, reach), SINK, weight=0.0)
            else:
                g.add_edge(("linkarr", u, reach), may_board(u, reach + after_link[u]), weight=after_link[u])
                street(u, reach)
                g.add_edge(("linkarr", u, reach), ("leave", u, reach), weight=0.0)

    g.add_edge(SOURCE, may_board(origin, t0 + ck[origin]), weight=float(ck[origin]))
    street(origin, t0)
    g.add_edge(SOURCE, ("leave", origin, t0), weight=0.0)

    by_trip: dict[int, list[int]] = defaultdict(list)
    for i in idx:
        by_trip[int(tt.trip[i])].append(int(i))
    for i in idx:
        i = int(i)
        u, v = int(tt.origin[i]), int(tt.dest[i])
        dep, arr = float(tt.dep_min[i]), float(tt.arr_min[i])
        g.add_edge(("dep", i), ("arr", i), weight=arr - dep, cost=float(tt.cost_usd[i]),
                   co2=float(tt.co2_kg[i]))
        g.add_edge(("wait", u, dep), ("dep", i), weight=0.0, board=True,
                   cost=float(tt.board_cost_usd[tt.service[i]]))
        wait_times[u].add(dep)
        if v == target:
            g.add_edge(("arr", i), SINK, weight=0.0)
        else:
            g.add_edge(("arr", i), may_board(v, arr + mct[v]), weight=float(mct[v]))
            street(v, arr + mct[v])
            g.add_edge(("arr", i), ("leave", v, arr + mct[v]), weight=float(mct[v]))
    while joins:  # every moment one may board: each dispatched vehicle out of there
        u, t = joins.pop()
        if t > last:
            continue
        for k, v, _, ride in vehicles_from[u]:
            arr = leaves(k, t) + ride
            g.add_edge(("at", u, t), ("sent", k, t), weight=arr - t, board=True,
                       cost=float(tt.links.cost_usd[k]), co2=float(tt.links.co2_kg[k]))
            if v == target:
                g.add_edge(("sent", k, t), SINK, weight=0.0)
            else:
                g.add_edge(("sent", k, t), may_board(v, arr + mct[v]), weight=float(mct[v]))
                street(v, arr + mct[v])
                g.add_edge(("sent", k, t), ("leave", v, arr + mct[v]), weight=float(mct[v]))
    for legs in by_trip.values():
        legs.sort(key=lambda c: int(tt.segment[c]))
        for a, b in zip(legs, legs[1:], strict=False):
            if int(tt.segment[b]) == int(tt.segment[a]) + 1:
                g.add_edge(("arr", a), ("dep", b), weight=float(tt.dep_min[b] - tt.arr_min[a]))
    for place, times in wait_times.items():
        ordered = sorted(times)
        for a, b in zip(ordered, ordered[1:], strict=False):
            g.add_edge(("wait", place, a), ("wait", place, b), weight=b - a)
    return g


def earliest_arrival(tt: Timetable, origin: int, target: int, t0: float,
                     services: np.ndarray | None = None, allowed: np.ndarray | None = None) -> float:
    g = time_expanded(tt, origin, target, t0, services, allowed)
    try:
        return t0 + nx.dijkstra_path_length(g, SOURCE, SINK)
    except nx.NetworkXNoPath:
        return math.inf


def all_journey_criteria(tt: Timetable, origin: int, target: int, t0: float,
                         limit: int = 5_000, allowed: np.ndarray | None = None) -> set[tuple] | None:
    """(arrival, transfers, cost, CO2) of every journey, by enumerating every path; None if
    there are more than ``limit`` paths (too many to enumerate in a test: with 20,000, the few
    draws near it took 10 s each and a Hypothesis test of 100 draws up to three minutes)."""
    g = time_expanded(tt, origin, target, t0, allowed=allowed)
    if SINK not in g:
        return set()
    # only nodes on some path from SOURCE to SINK: every partial path then leads on to SINK,
    # so the enumeration does not wander dead ends (one draw took 186 s without this)
    keep = (nx.descendants(g, SOURCE) | {SOURCE}) & (nx.ancestors(g, SINK) | {SINK})
    if SOURCE not in keep or SINK not in keep:
        return set()
    g = g.subgraph(keep)
    out = set()
    paths = simple_paths(g, SOURCE, SINK, steps=200 * limit)
    for count, path in enumerate(paths):
        if count >= limit or path is None:
            return None
        t, boardings, cost, co2 = t0, 0, 0.0, 0.0
        for a, b in zip(path, path[1:], strict=False):
            e = g[a][b]
            t += e["weight"]
            boardings += bool(e.get("board"))
            cost += e.get("cost", 0.0)
            co2 += e.get("co2", 0.0)
        out.add((t, max(0, boardings - 1), round(cost, 6), round(co2, 6)))
    return out


def simple_paths(g: nx.DiGraph, source: Any, sink: Any, *, steps: int) -> Iterator[list | None]:
    """Every simple path from ``source`` to ``sink`` (depth first), then None if the search took
    more than ``steps`` edge visits: a graph whose simple paths mostly dead-end (every way on
    revisits a node) can take minutes between two paths (one draw ran 12 minutes in networkx's
    ``all_simple_paths``), and a test skips it rather than wait."""
    path, on_path = [source], {source}
    stack = [iter(g.successors(source))]
    while stack:
        for nxt in stack[-1]:
            steps -= 1
            if steps < 0:
                yield None
                return
            if nxt in on_path:
                continue
            if nxt == sink:
                yield [*path, sink]
                continue
            path.append(nxt)
            on_path.add(nxt)
            stack.append(iter(g.successors(nxt)))
            break
        else:
            stack.pop()
            on_path.discard(path.pop())


def pareto(criteria: set[tuple]) -> set[tuple]:
    """The points no other point is at most (to 1e-9) in every criterion. In lexicographic order
    a point's dominators mostly come before it, so a first pass keeps the points no kept point
    dominates (a point it drops is dominated); the few it keeps are then checked against every
    point, so the answer is that of the plain definition, in O(n x kept) instead of O(n^2)
    (20,000 journeys took minutes)."""
    def dominated(x: tuple, by: Iterable[tuple]) -> bool:
        return any(y != x and all(a <= b + 1e-9 for a, b in zip(y, x, strict=True)) for y in by)

    kept: list[tuple] = []
    for x in sorted(criteria):
        if not dominated(x, kept):
            kept.append(x)
    return {x for x in kept if not dominated(x, criteria)}
