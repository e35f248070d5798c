"""Chains of unscheduled links, closed transitively so a search takes them in one hop.

A traveller (or a container) can chain links (road to a terminal, then a transfer) with no
timetable in between. The closure gives, for every place, every chain to another place that
no other chain between the same two places beats in all of duration, boardings, cost and
CO2: a slow free walk survives beside a fast paid taxi, so alternatives that trade time for
money are not lost.

A dispatched service is a vehicle, not a link (docs/planning.md): the searches board it where
a vehicle may be boarded and it leaves its cut-off later (:class:`DispatchRide`); the closure
chains plain links only, unless asked for dispatched rows too (gateway routes, chains of block
trains, see :mod:`corridor.simulation.gateways`).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from corridor.errors import ScenarioLimitError
from corridor.network.timetable import Timetable

EPS = 1e-9
TRANSFER = "transfer"  # a walk between terminals: no vehicle, so no mode to filter
#: chains between two places that none beats in all of time, boardings, cost and CO2 (the
#: shipped scenarios have one; random networks of 25 places and 175 links with random times,
#: costs and CO2 reach about 40); links that each trade time for money multiply them: 60
#: links made a million, and the search took days
MAX_CHAINS_PER_PAIR = 1_000
#: links over all the chains kept (each chain holds its own): a line of 800 two-way links
#: made 640,000 chains of 267 links on average, 4.4 GB
MAX_CHAIN_LINKS = 2_000_000


@dataclass(frozen=True)
class LinkHop:
    dest: int
    duration_min: float  # planned: a dispatched vehicle's cut-off wait included
    cost_usd: float
    co2_kg: float
    ids: tuple[str, ...]
    rows: tuple[int, ...] = ()  # rows of the timetable's LinkTable, in order
    boardings: int = 0  # dispatched vehicles boarded on the way
    modes: tuple[str, ...] = ()

    def criteria(self) -> tuple[float, int, float, float]:
        return (self.duration_min, self.boardings, self.cost_usd, self.co2_kg)


class DispatchRide(NamedTuple):
    """A dispatched vehicle out of a place (a row of the link table): joined when a vehicle
    could be boarded there, it is planned to leave ``wait_min`` (its cut-off) later, the latest
    the cut-off guarantees, or on the next day with departure paths (``days``,
    :func:`~corridor.planning.rules.dispatch_departure`), and lands ``duration_min`` after
    that, off a vehicle. ``wait_min + duration_min`` is the least it takes."""

    row: int
    dest: int
    wait_min: float
    duration_min: float
    cost_usd: float
    co2_kg: float
    days: tuple[int, ...] | None = None


def usable_rows(tt: Timetable, unit: str | None = None, modes: tuple[str, ...] | None = None,
                *, links: bool = True, dispatched: bool = False) -> np.ndarray:
    """Which link-table rows a search may use: those that carry ``unit``, whose mode is among
    ``modes`` (walking transfers always are), plain links if ``links`` and dispatched vehicles
    if ``dispatched``."""
    lt = tt.links
    ok = np.ones(len(lt.ids), dtype=bool)
    if unit is not None:
        ok &= np.array([unit in u for u in lt.units], dtype=bool)
    if modes is not None:
        ok &= np.array([m == TRANSFER or m in modes for m in lt.mode], dtype=bool)
    if not links:
        ok &= lt.service >= 0
    if not dispatched:
        ok &= lt.service < 0
    return ok


def dispatch_rides(tt: Timetable, rows: np.ndarray | None = None,
                   unit: str | None = None) -> list[list[DispatchRide]]:
    """``rides[p]``: the dispatched vehicles leaving ``p``, among ``rows`` (a mask over the link
    table; default: every dispatched row that carries ``unit``)."""
    lt = tt.links
    use = (usable_rows(tt, unit, links=False, dispatched=True) if rows is None
           else np.asarray(rows, dtype=bool))
    out: list[list[DispatchRide]] = [[] for _ in tt.places]
    for r in np.flatnonzero(use & (lt.service >= 0)).tolist():
        out[int(lt.origin[r])].append(DispatchRide(r, int(lt.dest[r]), float(lt.wait_min[r]),
                                                   float(lt.duration_min[r]), float(lt.cost_usd[r]),
                                                   float(lt.co2_kg[r]), lt.path_days[r]))
    return out


def _beaten(kept: list[tuple[float, int, float, float]], crit: tuple[float, int, float, float]) -> bool:
    """Whether a chain of ``kept`` dominates ``crit``: criteria kept as tuples beside the bag,
    since a bag may hold a thousand chains and the check runs for every chain made."""
    d, n, c, e = crit[0] + EPS, crit[1], crit[2] + EPS, crit[3] + EPS
    return any(x[0] <= d and x[1] <= n and x[2] <= c and x[3] <= e for x in kept)


def link_closure(tt: Timetable, unit: str | None = None, *, rows: np.ndarray | None = None,
                 max_boardings: int | None = None) -> list[list[LinkHop]]:
    """``hops[p]``: the Pareto-optimal link chains from ``p`` to every other place.

    ``unit`` keeps the plain links that carry it; ``rows`` (a mask over the link table) chooses
    the rows instead, dispatched ones included if it says so (chained as links: their cut-off
    waits counted, connection times not); ``max_boardings`` bounds the dispatched vehicles in
    one chain.
    """
    lt = tt.links
    use = usable_rows(tt, unit) if rows is None else np.asarray(rows, dtype=bool)
    out_rows: list[list[int]] = [[] for _ in tt.places]
    for r in np.flatnonzero(use).tolist():
        out_rows[int(lt.origin[r])].append(r)
    planned = lt.planned_min
    hops: list[list[LinkHop]] = [[] for _ in tt.places]
    kept = 0  # links over all chains kept so far
    for source in range(len(tt.places)):
        if not out_rows[source]:
            continue
        bags: dict[int, list[LinkHop]] = {}
        bag_crits: dict[int, list[tuple[float, int, float, float]]] = {}  # each bag's criteria
        heap: list[tuple[float, int, LinkHop]] = []
        start = LinkHop(source, 0.0, 0.0, 0.0, ())
        counter = 0
        heap.append((0.0, counter, start))
        while heap:  # label setting by duration: a popped chain is never beaten later
            _, _, chain = heapq.heappop(heap)
            here = chain.dest
            for r in out_rows[here]:
                nxt = LinkHop(
                    dest=int(lt.dest[r]),
                    duration_min=chain.duration_min + float(planned[r]),
                    cost_usd=chain.cost_usd + float(lt.cost_usd[r]),
                    co2_kg=chain.co2_kg + float(lt.co2_kg[r]),
                    ids=(*chain.ids, lt.ids[r]),
                    rows=(*chain.rows, r),
                    boardings=chain.boardings + int(lt.boardings[r]),
                    modes=(*chain.modes, lt.mode[r]),
                )
                if nxt.dest == source or (max_boardings is not None and nxt.boardings > max_boardings):
                    continue
                bag = bags.setdefault(nxt.dest, [])
                crits = bag_crits.setdefault(nxt.dest, [])
                crit = nxt.criteria()
                if _beaten(crits, crit):
                    continue
                d, n, c, e = crit
                keep = [k for k, x in enumerate(crits)  # those the new chain does not dominate
                        if d > x[0] + EPS or n > x[1] or c > x[2] + EPS or e > x[3] + EPS]
                if len(keep) < len(crits):
                    bag[:] = [bag[k] for k in keep]
                    crits[:] = [crits[k] for k in keep]
                bag.append(nxt)
                crits.append(crit)
                if len(bag) > MAX_CHAINS_PER_PAIR:
                    raise ScenarioLimitError(
                        f"links: from {tt.places[source]} to {tt.places[nxt.dest]} they chain in more than "
                        f"{MAX_CHAINS_PER_PAIR} chains that each beat the others in time, cost or CO2; "
                        "links are for transfers and short road legs: give fewer, or run a service")
                kept += len(nxt.ids)
                counter += 1
                heapq.heappush(heap, (nxt.duration_min, counter, nxt))
                if kept > MAX_CHAIN_LINKS:  # (an upper bound: chains beaten later are counted too)
                    raise ScenarioLimitError(
                        f"links: chained from place to place they make more than {MAX_CHAIN_LINKS:,} links "
                        f"of chains (from {tt.places[source]}, {len(bags)} places are reached); links are "
                        "for transfers and short road legs: give fewer, or run a service")
        for dest in sorted(bags):
            hops[source].extend(sorted(bags[dest], key=LinkHop.criteria))
    return hops
