"""What moves through a replication: units (passengers, containers), their statuses, and the
steps of their itineraries, typed."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple

import numpy as np

from corridor.network.timetable import Timetable
from corridor.planning.itinerary import Itinerary


class Status(IntEnum):
    """Where a unit is. At the end of a run every unit is found in exactly one place."""

    WAITING = 0  # at a place, for a trip, a dispatched vehicle or a route
    ONBOARD = 1  # on a trip between stops
    MOVING = 2  # on a link or a dispatched vehicle
    AT_STATION = 3  # in a vehicle queued or served at a station
    DELIVERED = 4


STATUS_NAMES = tuple(s.name.lower() for s in Status)


class RideStep(NamedTuple):
    """Ride ``service`` from stop position ``board_stop`` to ``alight_stop``, on the planned
    ``trip`` (passengers) or the first trip with room (containers)."""

    service: int
    board_stop: int
    alight_stop: int
    trip: int
    board_conn: int
    alight_conn: int
    cost_usd: float
    co2_kg: float


class LinkStep(NamedTuple):
    """Take link row ``row`` of the timetable's link table."""

    row: int


class DispatchStep(NamedTuple):
    """Wait for the dispatched vehicle of ``service`` (link row ``row``)."""

    service: int
    row: int


Step = RideStep | LinkStep | DispatchStep


@dataclass(eq=False, slots=True)
class Unit:
    """A passenger or a container (FEU). Times are minutes since the scenario epoch."""

    id: int
    flow: int
    pax: bool
    dest: int
    created_min: float
    place: int
    steps: list[Step] = field(default_factory=list)
    status: Status = Status.WAITING
    ready_min: float = 0.0
    planned_arrival_min: float = math.nan
    first_departure_min: float = math.nan
    arrival_min: float = math.nan
    missed: int = 0
    rebooked: int = 0
    cost_usd: float = 0.0
    co2_kg: float = 0.0
    gateway: int = -1  # containers: the gateway place their flow's choice took (-1: none)
    segment: int = 0  # passengers: which traveller segment of the choice model
    choice_u: float = 0.0  # passengers: the uniform draw that fixes their first choice

    def depart(self, now_min: float, cost_usd: float, co2_kg: float) -> None:
        """The unit leaves on a ride or a link: it pays and emits as it takes it, and the first
        it takes is its first departure (a journey's transit starts there, a link included, as
        the planner's itinerary departs with its first leg)."""
        self.cost_usd += cost_usd
        self.co2_kg += co2_kg
        if math.isnan(self.first_departure_min):
            self.first_departure_min = now_min


@dataclass(eq=False, slots=True)
class Formed:
    """A dispatched vehicle formed and not yet gone: its units (units that join board it while
    it is the last formed and has room), and what it holds while it waits: its ask of a fleet's
    vehicle (``fleet_ask``, from ``Fleet.take``) and the departure path it took (``path_ask``:
    [when it asked, when it leaves]). ``stood_down``: left with no unit by the first-come rule,
    it gave back what it held and will not run. ``latest``: the unit of ``units`` that boarded
    last by (ready time, unit id), once asked for (None: not known; whoever changes ``units``
    other than by adding a later unit sets it back to None)."""

    units: list[Unit]
    fleet_ask: list[float] | None = None
    path_ask: list[float] | None = None
    stood_down: bool = False
    latest: Unit | None = None


@dataclass(eq=False, slots=True)
class TripRecord:
    """What one trip did: its capacity on the day (0: cancelled), units boarded, the most on
    board at once, fares and tariffs taken, its delay at the last stop (NaN until there), the
    unit-km it carried (units on board times the length of each segment) and the units of
    flows from its first stop to its last that rode it end to end (``through``: its own market's,
    not those connecting to or from it; counted on passenger services, for the airline view)."""

    service: int
    scheduled_min: float
    capacity: int = 0
    boarded: int = 0
    peak_load: int = 0
    revenue_usd: float = 0.0
    arrival_delay_min: float = math.nan
    unit_km: float = 0.0
    through: int = 0


TRIP_FIELDS = ("service", "scheduled_min", "capacity", "boarded", "peak_load", "revenue_usd",
               "arrival_delay_min", "unit_km", "through")


def leave_stop(start: float, dep_off: float, arr_off: float, since: float) -> float:
    """When a trip that started at ``start`` may leave an intermediate stop (reached at its
    timetable's ``arr_off``, left at ``dep_off``, minutes from the start) it has stood at
    from ``since`` (its arrival, or the opening of the place that a closure held it at): at its
    timetable, and, late, after the stop the timetable gives it there (``dwell_min`` as
    published), as a train still takes its hour at a border when late. Its padding alone makes
    up time. A trip on time reaches the timetable's departure exactly.

    >>> leave_stop(0.0, 90.0, 60.0, 60.0), leave_stop(0.0, 90.0, 60.0, 75.0)
    (90.0, 105.0)
    """
    ready = start + dep_off
    if since > start + arr_off and dep_off > arr_off:
        ready = max(ready, since + (dep_off - arr_off))
    return ready


class IdleTrips(NamedTuple):
    """Trips of one service that nobody can board yet, as columns (a row per trip): their
    numbers, scheduled starts, capacities, the minute each starts (its record's), the delay at
    its last stop if it gets there before the end (NaN otherwise), when it leaves each stop
    but the last, and whether it has been woken (its record is then a :class:`TripRecord`)."""

    service: int
    trips: np.ndarray
    start_min: np.ndarray
    capacity: np.ndarray
    begins_min: np.ndarray
    arrival_delay_min: np.ndarray
    leaves_min: np.ndarray
    woken: np.ndarray


def itinerary_steps(tt: Timetable, it: Itinerary) -> list[Step]:
    """An itinerary's legs as steps, one per link row. Every trip of a service has the same
    segments, so a ride's cost and CO2 are those of the leg, whichever trip a container ends
    up on."""
    steps: list[Step] = []
    for leg in it.legs:
        if leg.kind == "service":
            s = int(tt.service[leg.board_conn])
            steps.append(RideStep(s, int(tt.segment[leg.board_conn]), int(tt.segment[leg.alight_conn]) + 1,
                                  leg.trip, leg.board_conn, leg.alight_conn, leg.cost_usd, leg.co2_kg))
        else:
            for row in leg.link_row:
                s = int(tt.links.service[row])
                steps.append(DispatchStep(s, row) if s >= 0 else LinkStep(row))
    return steps
