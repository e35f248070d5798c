"""Itineraries: legs on services or links, with totals, in local times at the edges."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from corridor.network.timetable import Timetable
from corridor.planning.rules import at_origin, dispatch_departure, landing


@dataclass(frozen=True)
class Leg:
    """One ride on one trip of a service (possibly over several stops), or one link hop."""

    kind: str  # "service", "link", or "dispatch" (a vehicle that leaves when full or at its cut-off)
    name: str  # service or link id
    mode: str  # the service's mode, or the link's own (road, rail, transfer)
    origin: int
    dest: int
    dep_min: float
    arr_min: float
    cost_usd: float
    co2_kg: float
    trip: int = -1
    board_conn: int = -1
    alight_conn: int = -1
    link_row: tuple[int, ...] = ()

    @property
    def duration_min(self) -> float:
        return self.arr_min - self.dep_min


@dataclass(frozen=True)
class Itinerary:
    """A journey from being ready at the origin at ``ready_min`` to arriving at the target."""

    ready_min: float
    legs: tuple[Leg, ...]

    @property
    def depart_min(self) -> float:
        return self.legs[0].dep_min

    @property
    def arrive_min(self) -> float:
        return self.legs[-1].arr_min

    @property
    def duration_min(self) -> float:
        """First departure to arrival."""
        return self.arrive_min - self.depart_min

    @property
    def total_min(self) -> float:
        """From the requested departure time to arrival, the wait for the first service included."""
        return self.arrive_min - self.ready_min

    @property
    def transfers(self) -> int:
        return max(0, sum(1 for leg in self.legs if leg.kind != "link") - 1)

    @property
    def cost_usd(self) -> float:
        return float(sum(leg.cost_usd for leg in self.legs))

    @property
    def co2_kg(self) -> float:
        return float(sum(leg.co2_kg for leg in self.legs))

    def criteria(self) -> tuple[float, int, float, float]:
        """(arrival, transfers, cost, CO2): what the Pareto set trades off."""
        return (self.arrive_min, self.transfers, round(self.cost_usd, 6), round(self.co2_kg, 6))

    def to_dict(self, tt: Timetable) -> dict[str, Any]:
        first, last = self.legs[0].origin, self.legs[-1].dest
        return {
            "from": tt.places[first],
            "to": tt.places[last],
            "depart": tt.local(self.depart_min, first).isoformat(),
            "arrive": tt.local(self.arrive_min, last).isoformat(),
            "duration_min": round(self.duration_min, 1),
            "total_min": round(self.total_min, 1),
            "transfers": self.transfers,
            "cost": round(self.cost_usd, 2),
            "co2_kg": round(self.co2_kg, 2),
            "legs": [
                {
                    "service": leg.name,
                    "kind": leg.kind,
                    "mode": leg.mode,
                    "from": tt.places[leg.origin],
                    "to": tt.places[leg.dest],
                    "depart": tt.local(leg.dep_min, leg.origin).isoformat(),
                    "arrive": tt.local(leg.arr_min, leg.dest).isoformat(),
                    "duration_min": round(leg.duration_min, 1),
                    "cost": round(leg.cost_usd, 2),
                    "co2_kg": round(leg.co2_kg, 2),
                }
                for leg in self.legs
            ],
        }


#: The columns of :func:`legs_frame` (and ``PlanResult.to_frame()``), one row per leg:
#: ``itinerary`` (0 = earliest arrival) and ``leg`` (0, 1, ... in order); ``kind``
#: (service, link or dispatch), ``service`` (service or link id), ``mode``; ``from``, ``to``
#: (place ids); ``depart_utc``, ``arrive_utc`` (timezone-aware UTC timestamps) and
#: ``depart_local``, ``arrive_local`` (ISO 8601 text with the offset at that place: a column
#: of timestamps holds one zone only); ``duration_min``; ``cost_usd`` and ``co2_kg`` per unit.
LEG_COLUMNS = ("itinerary", "leg", "kind", "service", "mode", "from", "to", "depart_utc", "arrive_utc",
               "depart_local", "arrive_local", "duration_min", "cost_usd", "co2_kg")


def legs_frame(itineraries: list[Itinerary], tt: Timetable) -> Any:
    """A pandas DataFrame of every leg of ``itineraries`` (columns :data:`LEG_COLUMNS`)."""
    import pandas as pd

    rows = [
        (i, k, leg.kind, leg.name, leg.mode, tt.places[leg.origin], tt.places[leg.dest],
         tt.to_utc(leg.dep_min), tt.to_utc(leg.arr_min), tt.local(leg.dep_min, leg.origin).isoformat(),
         tt.local(leg.arr_min, leg.dest).isoformat(), leg.duration_min, leg.cost_usd, leg.co2_kg)
        for i, it in enumerate(itineraries) for k, leg in enumerate(it.legs)
    ]
    frame = pd.DataFrame(rows, columns=list(LEG_COLUMNS))
    for col in ("depart_utc", "arrive_utc"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return frame


def service_leg(tt: Timetable, board: int, alight: int, trip_rows: list[int] | None = None) -> Leg:
    """The ride on one trip from connection ``board`` to connection ``alight`` (inclusive).

    ``trip_rows``, the trip's connection indices in segment order, spares a search of the
    whole timetable.
    """
    trip = int(tt.trip[board])
    seg_from, seg_to = int(tt.segment[board]), int(tt.segment[alight])
    if trip_rows is None:
        rows = np.flatnonzero((tt.trip == trip) & (tt.segment >= seg_from) & (tt.segment <= seg_to))
    else:
        rows = np.asarray(trip_rows[seg_from : seg_to + 1])
    s = int(tt.service[board])
    return Leg(
        kind="service",
        name=tt.services[s],
        mode=tt.service_mode[s],
        origin=int(tt.origin[board]),
        dest=int(tt.dest[alight]),
        dep_min=float(tt.dep_min[board]),
        arr_min=float(tt.arr_min[alight]),
        cost_usd=float(tt.cost_usd[rows].sum()) + float(tt.board_cost_usd[s]),
        co2_kg=float(tt.co2_kg[rows].sum()),
        trip=trip,
        board_conn=board,
        alight_conn=alight,
    )


def link_legs(tt: Timetable, source: int, rows: tuple[int, ...], leave_min: float) -> list[Leg]:
    """One leg per row of a chain of links leaving ``source`` at ``leave_min``, or the leg of
    one dispatched vehicle joined at ``leave_min``: it departs after its cut-off wait (the
    latest the cut-off guarantees)."""
    lt = tt.links
    legs: list[Leg] = []
    t, here = leave_min, source
    for r in rows:
        dispatched = int(lt.service[r]) >= 0
        dep = dispatch_departure(t, float(lt.wait_min[r]), lt.path_days[r])  # a plain link's wait is 0
        arr = dep + float(lt.duration_min[r])
        legs.append(Leg("dispatch" if dispatched else "link", lt.ids[r], lt.mode[r], here, int(lt.dest[r]),
                        dep, arr, float(lt.cost_usd[r]), float(lt.co2_kg[r]), link_row=(r,)))
        t, here = arr, int(lt.dest[r])
    return legs


def chain_legs(tt: Timetable, source: int, rows: tuple[int, ...], ready_min: float) -> list[Leg]:
    """One leg per row of a chain of links and dispatched vehicles from ``source``, ready there
    at ``ready_min``, timed by the boarding rules (docs/planning.md): a link leaves when one is
    free to leave (at the ready time, on arrival by link, the connection time after a vehicle);
    a dispatched vehicle is joined when one may board (check-in after the ready time, the larger
    of check-in and connection time after a link, the connection time after a vehicle) and
    leaves its cut-off later."""
    lt = tt.links
    mct, checkin = tt.min_connection_min, tt.checkin_min
    board, leave = at_origin(ready_min, float(checkin[source]))
    legs: list[Leg] = []
    here = source
    for r in rows:
        (leg,) = link_legs(tt, here, (r,), board if int(lt.service[r]) >= 0 else leave)
        here = leg.dest
        board, leave = landing(leg.arr_min, float(mct[here]), max(float(checkin[here]), float(mct[here])),
                               False, via_link=leg.kind == "link")
        legs.append(leg)
    return legs
