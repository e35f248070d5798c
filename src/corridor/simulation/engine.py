"""The SimPy engine: vehicles, stations, passengers and containers moving through a scenario.

One replication is one SimPy environment in minutes since the scenario epoch:

* **Trips** (one process per scheduled departure) leave their first stop at the timetable
  time plus a delay drawn for that trip, then call at each stop: at a station that queues,
  the vehicle waits for a server and is served; it leaves each stop no earlier than its
  timetable, so a late vehicle stays late and hands its delay on to whoever connects.
* **Dispatched services** send a vehicle when it is full, or a cut-off after the first unit
  began to wait.
* **Passengers** book an itinerary with the planner, seat by seat: a full trip is invisible
  to later bookings. A passenger not ready when a booked trip leaves has missed it, gives
  back the seats still booked, and rebooks from where they are.
* **Containers** follow the planner's route for their arrival time, and wait at each place
  for the first trip of the next service with room (first come, first served).
* **Disruptions** close or cut places (stations serve slower or not at all), services
  (trips cancelled or carry less) and links (wait until they reopen).

Numbers are drawn in bulk from one stream per random source (:mod:`.streams`); processes
carry decisions, not per-number loops. At the end every unit is counted where it is, and
the run fails if the books do not balance.
"""

from __future__ import annotations

import heapq
import math
from collections import defaultdict
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from corridor.errors import CorridorError
from corridor.network.timetable import Timetable
from corridor.planning.itinerary import Itinerary
from corridor.planning.search import Planner
from corridor.scenario.schema import Scenario
from corridor.simulation.demand import arrival_times
from corridor.simulation.routes import CargoRoutes
from corridor.simulation.stations import Station, Window, factor_at
from corridor.simulation.streams import Streams

WAITING, ONBOARD, MOVING, DELIVERED = range(4)
STATUS_NAMES = ("waiting", "onboard", "moving", "delivered")


class ConservationError(CorridorError, RuntimeError):
    """The units created do not equal the units found at the end of a run."""


@dataclass(eq=False)
class Unit:
    """A passenger or a container (FEU)."""

    id: int
    flow: int
    pax: bool
    dest: int
    created: float
    place: int
    steps: list[tuple[Any, ...]] = field(default_factory=list)
    status: int = WAITING
    ready: float = 0.0
    planned_arrival: float = math.nan
    first_departure: float = math.nan
    arrival: float = math.nan
    missed: int = 0
    rebooked: int = 0
    cost_usd: float = 0.0
    co2_kg: float = 0.0
    station_wait: float = 0.0


def itinerary_steps(tt: Timetable, it: Itinerary) -> list[tuple[Any, ...]]:
    """Itinerary legs as steps: ("S", service, board stop, alight stop, trip, board conn,
    alight conn, cost, CO2) or ("L", link row) / ("D", dispatched service, link row), one per
    link row. Every trip of a service has the same segments, so a ride's cost and CO2 are
    those of the leg, whichever trip a container ends up on."""
    steps: list[tuple[Any, ...]] = []
    for leg in it.legs:
        if leg.kind == "service":
            s = int(tt.service[leg.board_conn])
            steps.append(("S", s, int(tt.segment[leg.board_conn]), int(tt.segment[leg.alight_conn]) + 1,
                          leg.trip, leg.board_conn, leg.alight_conn, leg.cost_usd, leg.co2_kg))
        else:
            for row in leg.link_row:
                s = int(tt.links.service[row])
                steps.append(("D", s, row) if s >= 0 else ("L", row))
    return steps


def service_trips(tt: Timetable, s: int) -> np.ndarray:
    """Trip ids of service ``s`` in the order of its first-stop departures."""
    first = np.flatnonzero((tt.service == s) & (tt.segment == 0))
    return tt.trip[first][np.argsort(tt.dep_min[first], kind="stable")]


def trip_delays(service: Any, streams: Streams, trips: int) -> np.ndarray:
    """The departure delay of each of a service's trips, from its own stream."""
    if service.delay is None:
        return np.zeros(trips)
    return service.delay.sample(streams(f"delay:{service.id}"), trips)


def landing(now: float, mct: float, after_link: float, processed: bool,
            via_link: bool) -> tuple[float, float]:
    """(ready to board, free to leave by link) for units landing at a place at ``now``.

    After service at a station both are ``now``; after a link, boarding waits for the larger
    of check-in and connection time; off a vehicle, both wait for the connection time.
    """
    if processed:
        return now, now
    if via_link:
        return now + after_link, now
    return now + mct, now + mct


def _windows(scenario: Scenario, epoch_min: Any) -> dict[str, list[Window]]:
    out: dict[str, list[Window]] = defaultdict(list)
    for d in scenario.disruptions:
        out[d.target].append((epoch_min(d.start), epoch_min(d.end), d.capacity_factor))
    return out


class Replication:
    """One run of a scenario with one replication's random streams."""

    def __init__(self, scenario: Scenario, tt: Timetable, planners: dict[str, Planner],
                 replication: int, *, seed: int | None = None) -> None:
        self.scenario, self.tt = scenario, tt
        self.planners = planners
        self.env = simpy.Environment()
        self.streams = Streams(scenario.run.seed if seed is None else seed, replication)
        self.horizon = scenario.run.horizon_days * 1440.0  # demand arrives until here
        self.end = tt.horizon_min  # the run (and the timetable) go on to drain the network
        self.mct = tt.min_connection_min.tolist()
        self.after_link = np.maximum(tt.checkin_min, tt.min_connection_min).tolist()
        self.checkin = tt.checkin_min.tolist()
        windows = _windows(scenario, tt.from_datetime)
        self.service_windows = [windows.get(s, []) for s in tt.services]
        self.link_windows = [windows.get(k, []) for k in tt.links.ids]
        self.stations: dict[int, Station] = {}
        for p, place in enumerate(scenario.places):
            if place.servers or windows.get(place.id):
                rng = self.streams(f"service:{place.id}") if place.servers else None
                self.stations[p] = Station(self.env, p, place.servers, place.service_time, rng,
                                           windows.get(place.id, []))
        self.capacity = [s.capacity for s in scenario.services]
        self.units: list[Unit] = []
        self.flows = scenario.demand
        self.unit_of_flow = [f.unit for f in scenario.demand]
        # where waiting units are: containers by (place, service) in heaps ordered by
        # (ready, id) so boarding is first come first served; passengers by (trip, stop)
        self.pool: dict[tuple[int, int], list[tuple[float, int, Unit]]] = defaultdict(list)
        self.booked: dict[tuple[int, int], list[Unit]] = defaultdict(list)
        self.departed: set[tuple[int, int]] = set()
        self.onboard: dict[int, dict[int, list[Unit]]] = {}
        self.moving: set[int] = set()
        self.unrouted: list[Unit] = []  # no itinerary before the timetable ends: wait where they are
        self.dispatch_pool: dict[int, list[Unit]] = defaultdict(list)
        self.dispatch_row = {int(s): r for r, s in enumerate(tt.links.service.tolist()) if s >= 0}
        self.dispatch_timer: dict[int, bool] = {}
        self.station_waits: list[tuple[int, int, float, float]] = []  # unit, place, arrived, waited
        self.trips_run = 0
        self.trips_cancelled = 0
        # seats: remaining per connection, and which connections passengers may still book
        self.seats = np.array([self.capacity[s] for s in tt.service.tolist()], dtype=np.int64)
        self.pax_allowed = planners["pax"].allowed(tt.service_mask(None, "pax"))
        feu_allowed = planners["feu"].allowed(tt.service_mask(None, "feu"))
        self.cargo_routes = CargoRoutes(planners["feu"], feu_allowed, itinerary_steps)
        self.trip_conns = planners["pax"].trip_rows

    # ------------------------------------------------------------------ setup
    def start(self) -> None:
        tt = self.tt
        for f, flow in enumerate(self.flows):
            times = arrival_times(flow, self.horizon, self.streams(f"demand:{flow.id}"))
            self.env.process(self._source(f, times))
        for p, station in self.stations.items():
            place = self.scenario.places[p]
            if place.background_per_day > 0:
                rng = self.streams(f"background:{place.id}")
                self.env.process(station.background(place.background_per_day, rng, self.end))
        for s, service in enumerate(self.scenario.services):
            starts = tt.service_starts[s]
            if starts.size == 0:
                continue
            trips = service_trips(tt, s)
            delays = trip_delays(service, self.streams, starts.size)
            for start, trip, delay in zip(starts.tolist(), trips.tolist(), delays.tolist(), strict=True):
                self.env.process(self._trip(s, trip, start, delay))

    def _source(self, flow: int, times: np.ndarray) -> Generator[simpy.Event, Any, None]:
        spec = self.flows[flow]
        origin, dest = self.tt.index[spec.from_], self.tt.index[spec.to]
        for t in times.tolist():
            yield self.env.timeout(t - self.env.now)
            unit = Unit(len(self.units), flow, spec.kind == "passenger", dest, t, origin)
            self.units.append(unit)
            self._enter(unit)

    # ------------------------------------------------------------------ routing
    def _route(self, unit: Unit, place: int, ready: float, board_from: float | None) -> Itinerary | None:
        """A passenger's earliest itinerary on trips with seats left (containers route through
        ``cargo_routes`` and never rebook)."""
        return self.planners["pax"].earliest(place, unit.dest, ready, allowed=self.pax_allowed,
                                             board_from_min=board_from)

    def _book(self, unit: Unit, it: Itinerary) -> None:
        unit.steps = itinerary_steps(self.tt, it)
        if unit.pax:
            for step in unit.steps:
                if step[0] == "S":
                    self._take_seats(step, -1)

    def _take_seats(self, step: tuple[Any, ...], change: int) -> None:
        trip, seg_from, seg_to = step[4], step[2], step[3]
        for c in self.trip_conns[trip][seg_from:seg_to]:
            self.seats[c] += change
            self.pax_allowed[c] = bool(self.seats[c] > 0)

    def _rebook(self, unit: Unit, now: float, *, missed: bool) -> None:
        for step in unit.steps:
            if step[0] == "S":
                self._take_seats(step, +1)
        unit.missed += missed
        unit.rebooked += 1
        ready = max(now, unit.ready)
        # a new trip must leave after the moment the old one was missed
        it = self._route(unit, unit.place, ready, ready + 1e-6) if ready < self.end else None
        if it is None:
            unit.steps = []
            unit.status = WAITING
            self.unrouted.append(unit)
            return
        self._book(unit, it)
        self._wait_for_next(unit, unit.place, leave_at=ready)

    # ------------------------------------------------------------------ unit movement
    def _enter(self, unit: Unit) -> None:
        now = self.env.now
        found: tuple[Itinerary, tuple[tuple[Any, ...], ...] | None] | None
        if unit.pax:
            it = self._route(unit, unit.place, now, None)
            found = None if it is None else (it, None)
        else:
            found = self.cargo_routes.earliest(unit.place, unit.dest, now)
        if found is None:
            unit.status = WAITING
            self.unrouted.append(unit)
            return
        it, steps = found
        unit.planned_arrival = it.arrive_min
        if steps is None:
            self._book(unit, it)  # passengers: seats are taken
        else:
            unit.steps = list(steps)
        unit.ready = now + self.checkin[unit.place]
        self._wait_for_next(unit, unit.place, leave_at=now)

    def _arrive(self, unit: Unit, place: int, ready: float, leave_at: float) -> None:
        """The unit is at ``place``: delivered, or waiting for its next step."""
        unit.place = place
        if place == unit.dest:
            unit.status = DELIVERED
            unit.arrival = self.env.now
            unit.steps = []
            return
        unit.ready = ready
        self._wait_for_next(unit, place, leave_at)

    def _wait_for_next(self, unit: Unit, place: int, leave_at: float) -> None:
        if not unit.steps:  # a route that ends short of the destination cannot happen
            raise ConservationError(f"unit {unit.id} at place {place} has no step left")
        step = unit.steps[0]
        unit.status = WAITING
        if step[0] == "S":
            if unit.pax:
                key = (step[4], step[2])
                if key in self.departed:  # the booked trip left before the passenger arrived
                    self._rebook(unit, self.env.now, missed=True)
                else:
                    self.booked[key].append(unit)
            else:
                heapq.heappush(self.pool[(place, step[1])], (unit.ready, unit.id, unit))
        elif step[0] == "L":
            self._set_moving(unit)
            self.env.process(self._link([unit], step[1], max(leave_at, self.env.now)))
        else:
            self._set_moving(unit)
            self.env.process(self._join_dispatch(unit, step[1], max(unit.ready, self.env.now)))

    def _set_moving(self, unit: Unit) -> None:
        unit.status = MOVING
        self.moving.add(unit.id)

    def _land(self, units: list[Unit], place: int, processed: bool, via_link: bool) -> None:
        """Units leave a vehicle (or a link) at ``place`` now."""
        now = self.env.now
        ready, leave = landing(now, self.mct[place], self.after_link[place], processed, via_link)
        by_link: dict[int, list[Unit]] = defaultdict(list)
        for unit in units:
            self.moving.discard(unit.id)
            if place != unit.dest and unit.steps and unit.steps[0][0] == "L":
                unit.place, unit.ready = place, ready
                by_link[unit.steps[0][1]].append(unit)  # containers of one vehicle go together
                continue
            self._arrive(unit, place, ready, leave)
        for row, group in by_link.items():
            for unit in group:
                self._set_moving(unit)
            self.env.process(self._link(group, row, leave))

    # ------------------------------------------------------------------ processes
    def _link(self, units: list[Unit], row: int, leave_at: float) -> Generator[simpy.Event, Any, None]:
        lt = self.tt.links
        if leave_at > self.env.now:
            yield self.env.timeout(leave_at - self.env.now)
        factor, until = factor_at(self.link_windows[row], self.env.now)
        while factor == 0.0:
            yield self.env.timeout(until - self.env.now)
            factor, until = factor_at(self.link_windows[row], self.env.now)
        for unit in units:
            unit.steps.pop(0)
            unit.cost_usd += float(lt.cost_usd[row])
            unit.co2_kg += float(lt.co2_kg[row])
        yield self.env.timeout(float(lt.duration_min[row]))
        dest = int(lt.dest[row])
        processed = yield from self._call_at(dest, units)
        self._land(units, dest, processed, via_link=True)

    def _call_at(self, place: int, units: list[Unit]) -> Generator[simpy.Event, Any, bool]:
        """A vehicle with ``units`` arrives at ``place``; True if a station served it."""
        station = self.stations.get(place)
        if station is None:
            return False
        arrived = self.env.now
        yield from station.visit(len(units))
        if station.servers:
            waited = self.env.now - arrived
            for unit in units:
                unit.station_wait += waited
                self.station_waits.append((unit.id, place, arrived, waited))
            return True
        return False

    def _join_dispatch(self, unit: Unit, service: int, at: float) -> Generator[simpy.Event, Any, None]:
        if at > self.env.now:
            yield self.env.timeout(at - self.env.now)
        pool = self.dispatch_pool[service]
        self.moving.discard(unit.id)
        unit.status = WAITING
        pool.append(unit)
        spec = self.scenario.services[service]
        assert spec.dispatch is not None
        if len(pool) >= self.capacity[service]:
            self.env.process(self._dispatch(service))
        elif len(pool) == 1 and not self.dispatch_timer.get(service):
            self.dispatch_timer[service] = True
            self.env.process(self._cutoff(service, spec.dispatch.cutoff_min))

    def _cutoff(self, service: int, cutoff: float) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(cutoff)
        self.dispatch_timer[service] = False
        if self.dispatch_pool[service]:
            yield from self._dispatch(service)

    def _dispatch(self, service: int) -> Generator[simpy.Event, Any, None]:
        pool = self.dispatch_pool[service]
        load, pool[:] = pool[: self.capacity[service]], pool[self.capacity[service]:]
        if not load:
            return
        tt = self.tt
        row = self.dispatch_row[service]
        now = self.env.now
        for unit in load:
            self._set_moving(unit)
            unit.steps.pop(0)
            unit.cost_usd += float(tt.links.cost_usd[row])
            unit.co2_kg += float(tt.links.co2_kg[row])
            if math.isnan(unit.first_departure):
                unit.first_departure = now
        if pool and not self.dispatch_timer.get(service):
            spec = self.scenario.services[service]
            assert spec.dispatch is not None
            self.dispatch_timer[service] = True
            self.env.process(self._cutoff(service, spec.dispatch.cutoff_min))
        yield self.env.timeout(float(tt.links.duration_min[row]))
        dest = int(tt.links.dest[row])
        processed = yield from self._call_at(dest, load)
        self._land(load, dest, processed, via_link=False)

    def _trip(self, s: int, trip: int, start: float, delay: float) -> Generator[simpy.Event, Any, None]:
        tt = self.tt
        yield self.env.timeout(max(0.0, start + delay - self.env.now))
        stops = tt.service_stops[s].tolist()
        dep_off = tt.service_dep_offset[s].tolist()
        arr_off = tt.service_arr_offset[s].tolist()
        factor, _ = factor_at(self.service_windows[s], start)
        if factor == 0.0:  # cancelled: passengers booked on it rebook
            self.trips_cancelled += 1
            for i in range(len(stops) - 1):
                self.departed.add((trip, i))
                for unit in self.booked.pop((trip, i), []):
                    self._rebook(unit, self.env.now, missed=False)
            return
        self.trips_run += 1
        capacity = math.floor(self.capacity[s] * factor)
        onboard: dict[int, list[Unit]] = defaultdict(list)
        self.onboard[trip] = onboard
        load = 0
        for i, place in enumerate(stops):
            if i > 0:
                riders = [u for group in onboard.values() for u in group]
                processed = yield from self._call_at(place, riders)
                leaving = onboard.pop(i, [])
                load -= len(leaving)
                self._land(leaving, place, processed, via_link=False)
            if i == len(stops) - 1:
                break
            scheduled = start + dep_off[i]
            if scheduled > self.env.now:
                yield self.env.timeout(scheduled - self.env.now)
            now = self.env.now
            self.departed.add((trip, i))
            boarding: list[Unit] = []
            if tt.service_unit[s] == "pax":
                for unit in self.booked.pop((trip, i), []):
                    if unit.ready <= now:
                        boarding.append(unit)
                    else:
                        self._rebook(unit, now, missed=True)
            else:
                pool = self.pool.get((place, s))
                room = capacity - load
                while pool and room > 0 and pool[0][0] <= now:
                    boarding.append(heapq.heappop(pool)[2])
                    room -= 1
            for unit in boarding:
                step = unit.steps.pop(0)
                alight = step[3]
                onboard[alight].append(unit)
                unit.status = ONBOARD
                unit.cost_usd += step[7]
                unit.co2_kg += step[8]
                if math.isnan(unit.first_departure):
                    unit.first_departure = now
            load += len(boarding)
            yield self.env.timeout(arr_off[i] - dep_off[i])
        del self.onboard[trip]

    # ------------------------------------------------------------------ end of run
    def run(self) -> None:
        self.start()
        self.env.run(until=self.end)
        self.check_books()

    def check_books(self) -> None:
        """Every unit created is delivered, on board, moving or waiting at a named place."""
        found = {
            DELIVERED: sum(1 for u in self.units if u.status == DELIVERED),
            ONBOARD: sum(len(g) for trip in self.onboard.values() for g in trip.values()),
            MOVING: len(self.moving),
            WAITING: sum(len(v) for v in self.pool.values()) + sum(len(v) for v in self.booked.values())
            + sum(len(v) for v in self.dispatch_pool.values()) + len(self.unrouted),
        }
        n = len(STATUS_NAMES)
        expected = np.bincount([u.status for u in self.units], minlength=n)
        got = np.array([found[k] for k in range(n)])
        if got.sum() != len(self.units) or not np.array_equal(got, expected):
            detail = ", ".join(f"{STATUS_NAMES[k]} {got[k]} found / {expected[k]} by status"
                               for k in range(n))
            raise ConservationError(
                f"books do not balance after replication {self.streams.replication}: "
                f"{len(self.units)} created; {detail}"
            )
