"""Chains of unscheduled links, closed transitively so a search takes them in one hop.

A traveller (or a container) can chain links (road to a terminal, then a transfer) with no
timetable in between; the closure gives, for every place, the places reachable by links alone
with the least total duration, and the links taken.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

from corridor.network.timetable import Timetable


@dataclass(frozen=True)
class LinkHop:
    dest: int
    duration_min: float
    cost_usd: float
    co2_kg: float
    ids: tuple[str, ...]
    rows: tuple[int, ...] = ()  # rows of the timetable's LinkTable, in order


def link_closure(tt: Timetable, unit: str | None = None) -> list[list[LinkHop]]:
    """``hops[p]``: every place reachable from ``p`` by links, by least total duration.

    With ``unit`` (``"pax"`` or ``"feu"``) only links that carry that unit are used.
    """
    lt = tt.links
    graph = nx.DiGraph()
    for i in range(len(lt.ids)):
        if unit is not None and unit not in lt.units[i]:
            continue
        u, v, d = int(lt.origin[i]), int(lt.dest[i]), float(lt.duration_min[i])
        if not graph.has_edge(u, v) or graph[u][v]["duration"] > d:
            graph.add_edge(u, v, duration=d, row=i)
    hops: list[list[LinkHop]] = [[] for _ in tt.places]
    for source, paths in nx.all_pairs_dijkstra_path(graph, weight="duration"):
        for dest, path in paths.items():
            if dest == source:
                continue
            rows = [graph[a][b]["row"] for a, b in zip(path, path[1:], strict=False)]
            hops[source].append(
                LinkHop(
                    dest=dest,
                    duration_min=float(sum(lt.duration_min[r] for r in rows)),
                    cost_usd=float(sum(lt.cost_usd[r] for r in rows)),
                    co2_kg=float(sum(lt.co2_kg[r] for r in rows)),
                    ids=tuple(lt.ids[r] for r in rows),
                    rows=tuple(rows),
                )
            )
    return hops
