"""The SimPy engine: vehicles, stations, passengers and containers moving through a scenario.

One replication is one SimPy environment in minutes since the scenario epoch (its dispatched
services are :mod:`.dispatching`'s, its idle trips :mod:`.idle`'s and its cargo blocks' gateway
choices :mod:`.gateway_choice`'s; this module moves the units):

* **Trips** (a process per scheduled departure) leave their first stop at the timetable
  time plus a delay drawn for that trip, then call at each stop: at a station that queues,
  the vehicle is admitted in one closed-form step (:mod:`.stations`: its queue and service
  are known on arrival) and waits one timeout; it runs each leg in its timetabled time less
  the service's padding and leaves each stop no earlier than its timetable, so a late vehicle
  makes up at most its padding and hands the rest of its delay on to whoever connects.
  A trip nobody can board yet is **idle**: empty, it queues nowhere, so when it would leave
  each stop is known, and it takes no event until a passenger books it or a container waits
  where it calls; from there it runs as a process, leaving when it would have left. The
  records are the same as with every trip a process (``lazy=False``); most timetabled trips
  carry nobody, and their events were two fifths of a year of the baseline's.
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

Same-time order: events at the same minute run in the order SimPy scheduled them (its
(time, priority, sequence) queue). A trip leaves a stop after the other events of its minute
(:data:`LATE`), so a unit that lands ready at that minute boards it, as the planner connects
it; trips leaving at one minute leave in the order of their numbers (each at its own priority,
whenever its departure was scheduled). Two vehicles reaching a station at the same minute are
therefore admitted in the order they left their previous stops (the arrival of the one that
left first was scheduled first); outside vehicles go before modelled ones at equal times.
A dispatched vehicle filled
at a minute is sent after the joins due at it. Containers at a place board first come first
served by (ready time, unit id), also when they land together.
"""

from __future__ import annotations

import gc
import heapq
import math
from collections import defaultdict
from collections.abc import Generator
from functools import partial
from operator import attrgetter
from typing import Any, NamedTuple

import numpy as np
import simpy
from simpy.events import NORMAL, EventPriority

from corridor.errors import CorridorError
from corridor.network.timetable import Timetable
from corridor.planning.itinerary import Itinerary
from corridor.planning.rules import at_origin, landing
from corridor.planning.search import Planner
from corridor.scenario.schema import Scenario
from corridor.simulation import processes
from corridor.simulation.choice import ChoiceCache
from corridor.simulation.demand import arrival_times
from corridor.simulation.dispatching import Dispatcher
from corridor.simulation.entities import (
    STATUS_NAMES,
    DispatchStep,
    LinkStep,
    RideStep,
    Status,
    Step,
    TripRecord,
    Unit,
    leave_stop,
)
from corridor.simulation.gateway_choice import GatewayChoices
from corridor.simulation.gateways import shut_all_run
from corridor.simulation.idle import Idle
from corridor.simulation.routes import RouteCache
from corridor.simulation.shut import open_connections, without_shut
from corridor.simulation.stations import (
    Station,
    Window,
    Windows,
    background_times,
    whole_units,
)
from corridor.simulation.streams import Streams
from corridor.units import MIN_PER_DAY


class LinkRow(NamedTuple):
    """One row of the timetable's link table as Python numbers (a link or a dispatched
    vehicle's run): read at every departure, where NumPy's scalars cost more than the work."""

    origin: int
    dest: int
    duration_min: float
    cost_usd: float
    co2_kg: float


class ConservationError(CorridorError, RuntimeError):
    """The units created do not equal the units found at the end of a run."""


def trip_delays(service: Any, streams: Streams, trips: int) -> np.ndarray:
    """The departure delay of each of a service's trips, from its own stream."""
    if service.delay is None:
        return np.zeros(trips)
    return service.delay.sample(streams(f"delay:{service.id}"), trips)


#: The priority of a trip's departure from a stop: after the ordinary events of its minute, so
#: that units landing at that minute, ready at once (no connection time), board it as the
#: planner's connection rules say. Trip ``k`` leaves at priority ``LATE + k``: trips leaving at
#: one minute leave in the order of their numbers, whenever their departures were scheduled.
LATE = NORMAL + 1


# the statuses as module constants: an enum member read from its class costs a lookup through
# the enum's metaclass, and the engine sets a status at every step of every unit
_WAITING, _ONBOARD, _MOVING, _DELIVERED = Status.WAITING, Status.ONBOARD, Status.MOVING, Status.DELIVERED
_unit_id = attrgetter("id")



def _windows(scenario: Scenario, epoch_min: Any) -> dict[str, list[Window]]:
    out: dict[str, list[Window]] = defaultdict(list)
    for d in scenario.disruptions:
        out[d.target].append((epoch_min(d.start), epoch_min(d.end), d.capacity_factor))
    return out


class Replication:
    """One run of a scenario with one replication's random streams."""

    def __init__(self, scenario: Scenario, tt: Timetable, planners: dict[str, Planner],
                 replication: int, *, seed: int | None = None, lazy: bool = True) -> None:
        self.scenario, self.tt = scenario, tt
        # what closures hold shut all run is in no unit's route (:mod:`.shut`)
        shut = frozenset(shut_all_run(scenario))
        planners = {unit: without_shut(planner, shut) for unit, planner in planners.items()}
        self.open_connections = open_connections(tt, shut) if shut else None
        # trips nobody can board yet take no events (:mod:`.idle`); ``lazy=False`` runs every
        # trip as a process from its start (the same records)
        self.lazy = lazy
        self.planners = planners
        self.env = simpy.Environment()
        self.streams = Streams(scenario.run.seed if seed is None else seed, replication)
        self.horizon_min = scenario.run.horizon_days * MIN_PER_DAY  # demand arrives until here
        self.end_min = tt.horizon_min  # the run (and the timetable) go on to drain the network
        self.mct = tt.min_connection_min.tolist()
        self.after_link = np.maximum(tt.checkin_min, tt.min_connection_min).tolist()
        self.checkin = tt.checkin_min.tolist()
        windows = _windows(scenario, tt.from_datetime)
        self.service_windows = [Windows(windows.get(s, ())) for s in tt.services]
        # trips are numbered service by service, in order of departure: service s's first
        self.first_trip = np.r_[0, np.cumsum([st.size for st in tt.service_starts])].tolist()
        self.link_windows = [Windows(windows.get(k, ())) for k in tt.links.ids]
        lt = tt.links
        self.link_rows = [LinkRow(*row) for row in zip(lt.origin.tolist(), lt.dest.tolist(),
                                                       lt.duration_min.tolist(), lt.cost_usd.tolist(),
                                                       lt.co2_kg.tolist(), strict=True)]
        self.stations: dict[int, Station] = {}
        for p, place in enumerate(scenario.places):
            if place.servers or windows.get(place.id):
                rng = self.streams(f"service:{place.id}") if place.servers else None
                background = None
                if place.background_per_day > 0:
                    background = background_times(place.background_per_day,
                                                  self.streams(f"background:{place.id}"), self.horizon_min,
                                                  seasonality=place.background_seasonality,
                                                  epoch=scenario.run.epoch)
                customs = self.streams(f"customs:{place.id}") if place.customs else None
                self.stations[p] = Station(p, place.servers, place.service_time, rng,
                                           windows.get(place.id, []), background_min=background,
                                           customs=place.customs, customs_rng=customs)
        self.capacity = [s.capacity for s in scenario.services]
        self.units: list[Unit] = []
        self.flows = scenario.demand
        self.flow_origin = [tt.index[f.from_] for f in self.flows]  # where each flow's units start
        # where waiting units are: containers by (service, stop: the call they board at) in
        # heaps ordered by (ready, id) so boarding is first come first served; passengers by
        # (trip, stop)
        self.pool: dict[tuple[int, int], list[tuple[float, int, Unit]]] = defaultdict(list)
        self.booked: dict[tuple[int, int], list[Unit]] = defaultdict(list)
        # trip -> the passengers who booked a seat on it (some may have rebooked since): a
        # cancelled trip rebooks them at once, also those not yet at its stop
        self.holders: dict[int, list[Unit]] = defaultdict(list)
        self.departed: set[tuple[int, int]] = set()
        self.onboard: dict[int, dict[int, list[Unit]]] = {}
        self.moving: set[int] = set()
        # at a place before joining a dispatched vehicle or taking a link (check-in, connection
        # time, a closed link): waiting there, not moving
        self.holding: set[int] = set()
        self.at_station: set[int] = set()  # filled at the end of the run (from in_station)
        self.unrouted: list[Unit] = []  # no itinerary before the timetable ends: wait where they are
        # containers leaving on a vehicle: their ids, the place, when (one entry per vehicle)
        self.departures: list[tuple[list[int], int, float]] = []
        self.gateways = GatewayChoices(self, planners["feu"], shut)  # cargo blocks' gateways
        # flow -> its arrival times and how many of its units are made, for flows whose units
        # are made at the end of check-in (:meth:`_source`)
        self.deferred: dict[int, tuple[np.ndarray, int]] = {}
        # per station visit of a loaded vehicle: its units, the place, arrival, minutes there
        self.station_waits: list[tuple[list[int], int, float, float]] = []
        # vehicles at a station now: place, arrival, units
        self.in_station: dict[int, tuple[int, float, list[Unit]]] = {}
        self._visits = 0
        self.trips_run = 0
        self.trips_cancelled = 0
        self.trip_log: list[TripRecord] = []  # one per trip started
        # per entry of trip_log, what orders it (:meth:`_log_trip`)
        self.trip_log_keys: list[tuple[float, int]] = []
        self.service_rows = [(tt.service_stops[k].tolist(), tt.service_dep_offset[k].tolist(),
                              tt.service_arr_offset[k].tolist()) for k in range(len(tt.services))]
        # each leg's running time: the timetable's, less the service's padding (its buffer)
        self.segment_km = [km.tolist() for km in tt.service_km]  # per service, its segments' km
        self.route_km = [float(km.sum()) for km in tt.service_km]  # per service, its whole route's
        self.running_min = [[(a - d) * (1.0 - spec.schedule_padding) for d, a in zip(dep, arr, strict=True)]
                            for (_, dep, arr), spec in zip(self.service_rows, scenario.services, strict=True)]
        # seats: remaining per connection, and which connections passengers may still book
        self.seats = [self.capacity[s] for s in tt.service.tolist()]
        self.cancelled: set[int] = set()  # trips cancelled so far: no seat on them is bookable
        self.pax_allowed = planners["pax"].allowed(tt.service_mask(None, "pax"))
        if self.open_connections is not None:
            self.pax_allowed &= self.open_connections
        self._cut_seats()
        feu_allowed = planners["feu"].allowed(tt.service_mask(None, "feu"))
        if self.open_connections is not None:
            feu_allowed &= self.open_connections
        self.cargo_routes = RouteCache(planners["feu"], feu_allowed, shared=True)
        self.pax_routes = RouteCache(planners["pax"], self.pax_allowed)
        self.pax_choice = (ChoiceCache(planners["pax"], self.pax_allowed, scenario.choice)
                           if scenario.choice is not None else None)
        self.trip_conns = planners["pax"].trip_rows
        self.dispatch = Dispatcher(self)  # dispatched services: when each vehicle leaves, with whom
        self.idle = Idle(self)  # trips nobody can board yet
        # a service's closure is known from the moment it begins (one in force at the start, then);
        # its cuts from the start (_cut_seats), one that leaves no whole seat too
        for s, closures in enumerate(self.service_windows):
            begins = sorted({max(a, 0.0) for a, b, f in closures
                             if f == 0.0 and b > 0.0 and a < self.end_min})
            for a in begins:
                if a == 0.0:
                    self._announce(s, 0.0)
                else:
                    self.env.timeout(a).callbacks.append(partial(self._announced, s, a))

    def _cut_seats(self) -> None:
        """A trip under a cut (a capacity factor 0 < f < 1, the least of those in force) at its
        departure carries floor(f x capacity): known from the start, passengers may book no
        more seats than that on it, and none on one left with no seat, whether or not a closure
        holds it too (a closure cancels the trip when it becomes known, and those booked on it
        rebook then)."""
        for s, starts in enumerate(self.tt.service_starts):
            cuts = self.service_windows[s].cuts
            for k, start in enumerate(starts.tolist() if cuts else []):
                factor, _ = cuts.factor_at(start)
                if factor < 1.0:
                    seats = whole_units(self.capacity[s], factor)
                    for c in self.tt.rows_of_trip(self.first_trip[s] + k).tolist():
                        self.seats[c] = seats
                        if seats == 0:
                            self.pax_allowed[c] = False

    # ------------------------------------------------------------------ setup
    def start(self) -> None:
        tt = self.tt
        for f, flow in enumerate(self.flows):
            times = arrival_times(flow, self.horizon_min, self.streams(f"demand:{flow.id}"),
                                  epoch=self.scenario.run.epoch)
            processes.start_now(self._source(f, times))
        for s, service in enumerate(self.scenario.services):
            starts = tt.service_starts[s]
            if starts.size == 0:
                continue
            first_trip = self.first_trip[s]
            delays = trip_delays(service, self.streams, starts.size)
            windows = self.service_windows[s]
            if windows:  # floor(f x capacity) under a disruption of factor f at its start
                capacity = np.array([whole_units(self.capacity[s], windows.factor_at(t)[0])
                                     for t in starts.tolist()], dtype=np.int64)
            else:
                capacity = np.full(starts.size, self.capacity[s], dtype=np.int64)
            idle = capacity > 0 if self.lazy else np.zeros(starts.size, dtype=bool)
            # a cancelled trip acts at its start: its bookings are rebooked (idle ones schedule nothing)
            for k in np.flatnonzero(~idle).tolist():
                processes.start_now(self._trip(s, first_trip + k, float(starts[k]), float(delays[k])))
            if idle.any():
                self.idle.add(s, first_trip + np.flatnonzero(idle), starts[idle], delays[idle],
                              capacity[idle])
        for departures in self.idle.departures.values():
            departures.sort()
        # a dispatched service whose room changes (a closure lifts, a cut begins or ends) looks
        # at its queue then: full vehicles leave as it reopens, not at the next join or cut-off
        for s, service in enumerate(self.scenario.services):
            if service.dispatch is not None:
                for t in self.service_windows[s].bounds:
                    if 0.0 < t < self.end_min:
                        self.env.timeout(t).callbacks.append(partial(self.dispatch.room_changed, s))

    def _source(self, flow: int, times: np.ndarray) -> Generator[simpy.Event, Any, None]:
        """The flow's units arrive at its origin at ``times``. A container whose every route
        starts with the block train from its origin (``gateways.first``) does nothing from its
        arrival to the end of check-in, when it joins the train's queue: it takes one event, at
        that end, and is made then with its own arrival time (those still checking in when the
        run ends are made by :meth:`_checking_in`)."""
        spec = self.flows[flow]
        origin, dest = self.tt.index[spec.from_], self.tt.index[spec.to]
        pax = spec.kind == "passenger"
        segments, uniforms = self._choice_draws(spec.id, times.size) if pax else (None, None)
        lead = self.checkin[origin] if flow in self.gateways.first else 0.0
        if lead:
            self.deferred[flow] = (times, 0)
        for k, t in enumerate(times.tolist()):
            yield self.env.timeout(t + lead - self.env.now)
            unit = Unit(len(self.units), flow, pax, dest, t, origin)
            if segments is not None and uniforms is not None:
                unit.segment, unit.choice_u = segments[k], uniforms[k]
            self.units.append(unit)
            if lead:
                self.deferred[flow] = (times, k + 1)
            self._enter(unit)

    def _checking_in(self) -> None:
        """At the end of the run: the containers of put-off arrivals (:meth:`_source`) that had
        arrived but were still checking in, made and counted as waiting there, as if made on arrival."""
        for flow, (times, made) in self.deferred.items():
            spec = self.flows[flow]
            origin, dest = self.tt.index[spec.from_], self.tt.index[spec.to]
            for t in times[made:].tolist():
                if t >= self.end_min:
                    break
                unit = Unit(len(self.units), flow, False, dest, t, origin)
                unit.steps = [self.gateways.first[flow]]
                unit.ready_min = t + self.checkin[origin]
                self.units.append(unit)
                self._hold(unit)

    def _choice_draws(self, flow_id: str, n: int) -> tuple[list[int] | None, list[float] | None]:
        """Each passenger's segment and the uniform that fixes their first choice, drawn in bulk
        from the flow's own streams (none without a choice model: the earliest is taken), as
        Python numbers (each passenger made reads one of each)."""
        choice = self.scenario.choice
        if choice is None:
            return None, None
        cum = np.cumsum([s.share for s in choice.segments])
        drawn = self.streams(f"segment:{flow_id}").random(n)
        segments = np.minimum(np.searchsorted(cum, drawn, side="right"), len(cum) - 1)
        return segments.tolist(), self.streams(f"choice:{flow_id}").random(n).tolist()

    # ------------------------------------------------------------------ routing
    def _route(self, unit: Unit, place: int, ready: float,
               board_from: float | None) -> tuple[Itinerary, tuple[Step, ...]] | None:
        """A passenger's itinerary on trips with seats left, and its steps: the earliest, or
        the one they choose when the scenario has a choice model (:mod:`.choice`). Containers
        route through ``cargo_routes`` and never rebook."""
        if self.pax_choice is None:
            return self.pax_routes.earliest(place, unit.dest, ready, board_from)
        assert self.scenario.choice is not None
        # a rebooking is a new choice, with a uniform drawn when it happens
        u = unit.choice_u if unit.rebooked == 0 else float(
            self.streams(f"rebook:{self.flows[unit.flow].id}").random())
        return self.pax_choice.choose(place, unit.dest, ready, board_from,
                                      self.scenario.choice.segments[unit.segment], u)

    def _book(self, unit: Unit, steps: tuple[Step, ...]) -> None:
        """The passenger takes the route's steps and a seat on every ride of it."""
        unit.steps = list(steps)
        for step in unit.steps:
            if isinstance(step, RideStep):
                self._take_seats(step, -1)
                self.holders[step.trip].append(unit)
                if step.trip in self.idle.row:
                    self.idle.wake(step.trip, step.board_stop)

    def _take_seats(self, step: RideStep, change: int) -> None:
        seats, allowed = self.seats, self.pax_allowed
        running = step.trip not in self.cancelled
        for c in self.trip_conns[step.trip][step.board_stop:step.alight_stop]:
            seats[c] += change
            usable = seats[c] > 0 and running
            if usable != allowed.item(c):  # a Python bool: NumPy's compares ten times slower
                allowed[c] = usable
                for cache in (self.pax_routes, self.pax_choice):
                    if cache is None:
                        continue
                    if usable:
                        cache.opened(c)
                    else:
                        cache.closed(c)

    def _rebook(self, unit: Unit, now: float, *, missed: bool) -> None:
        for step in unit.steps:
            if isinstance(step, RideStep):
                self._take_seats(step, +1)
        unit.missed += missed
        unit.rebooked += 1
        ready = max(now, unit.ready_min)
        # a new trip must leave after the moment the old one was missed (now), and may leave
        # as soon as the passenger is ready: at ``ready`` itself when that is later than now
        board_from = max(ready, now + 1e-6)
        found = self._route(unit, unit.place, ready, board_from) if ready < self.end_min else None
        if found is None:
            unit.steps = []
            unit.status = _WAITING
            self.unrouted.append(unit)
            return
        self._book(unit, found[1])
        self._wait_for_next(unit, unit.place, leave_at=ready)

    # ------------------------------------------------------------------ unit movement
    def _enter(self, unit: Unit) -> None:
        now = self.env.now
        if not unit.pax and self.gateways.options.get(unit.flow):
            self._choose_gateway(unit, now)
            return
        if unit.pax:
            found = self._route(unit, unit.place, now, None)
        else:
            found = self.cargo_routes.earliest(unit.place, unit.dest, now)
        if found is None:
            unit.status = _WAITING
            self.unrouted.append(unit)
            return
        it, steps = found
        unit.planned_arrival_min = it.arrive_min
        if unit.pax:
            self._book(unit, steps)  # seats are taken
        else:
            unit.steps = list(steps)
        unit.ready_min, leave = at_origin(now, self.checkin[unit.place])
        self._wait_for_next(unit, unit.place, leave_at=leave)

    def _choose_gateway(self, unit: Unit, now: float) -> None:
        """A container of a flow with gateway choice takes one gateway's route (:mod:`.gateways`).
        When every route starts with the same block train from the origin, the container waits
        for it, and the flow's containers on each train choose together when it leaves
        (:meth:`.GatewayChoices.on_board`): a train runs to one gateway, not re-sorted on the way.
        Otherwise the first of each ``block_feu`` consecutive containers chooses, the others
        follow it."""
        first = self.gateways.first.get(unit.flow)
        if first is not None:  # made at the end of its check-in (:meth:`_source`): it joins now
            unit.steps = [first]
            unit.ready_min = now
            self.dispatch.join(unit, first.service)
            return
        option = self.gateways.follow(unit, now)
        unit.steps = list(option.steps)
        unit.ready_min, leave = at_origin(now, self.checkin[unit.place])
        unit.planned_arrival_min = now + option.planned_min
        self._wait_for_next(unit, unit.place, leave_at=leave)

    def _arrive(self, unit: Unit, place: int, ready: float, leave_at: float) -> None:
        """The unit is at ``place``: delivered, or waiting for its next step."""
        unit.place = place
        if place == unit.dest:
            unit.status = _DELIVERED
            unit.arrival_min = self.env.now
            unit.steps = []
            return
        unit.ready_min = ready
        self._wait_for_next(unit, place, leave_at)

    def _wait_for_next(self, unit: Unit, place: int, leave_at: float) -> None:
        if not unit.steps:  # a route that ends short of the destination cannot happen
            raise ConservationError(f"unit {unit.id} at place {place} has no step left")
        step = unit.steps[0]
        unit.status = _WAITING
        if isinstance(step, RideStep):
            if unit.pax:
                key = (step.trip, step.board_stop)
                if key in self.departed:  # the booked trip left before the passenger arrived
                    # (or was cancelled: a rebooking, not a miss)
                    self._rebook(unit, self.env.now, missed=step.trip not in self.cancelled)
                else:
                    self.booked[key].append(unit)
            else:
                heapq.heappush(self.pool[(step.service, step.board_stop)], (unit.ready_min, unit.id, unit))
                if self.idle.row:
                    self.idle.check_at(step.service, step.board_stop, (max(unit.ready_min, self.env.now), -1))
        elif isinstance(step, LinkStep):
            self._hold(unit)
            processes.start(self.env, self._link([unit], step.row, max(leave_at, self.env.now)))
        elif unit.ready_min > self.env.now:  # joins the dispatch queue when ready: one event
            self._hold(unit)
            ready = self.env.timeout(unit.ready_min - self.env.now)
            ready.callbacks.append(partial(self.dispatch.join_when_ready, unit, step.service))
        else:  # joins now: no process, no event
            self.dispatch.join(unit, step.service)

    def _depart_all(self, units: list[Unit], now: float, cost: float, co2: float) -> list[int]:
        """Units leave together on a link or a dispatched vehicle, each on its first step:
        moving (out of ``holding``), the step done and :meth:`Unit.depart`'s arithmetic for
        each, the sets updated once. Their ids, in order."""
        ids = [unit.id for unit in units]
        self.holding.difference_update(ids)
        self.moving.update(ids)
        isnan = math.isnan
        for unit in units:
            unit.status = _MOVING
            del unit.steps[0]
            unit.cost_usd += cost
            unit.co2_kg += co2
            if isnan(unit.first_departure_min):
                unit.first_departure_min = now
        return ids

    def _hold(self, unit: Unit) -> None:
        """The unit waits at its place for its ready time or a link to open."""
        unit.status = _WAITING
        self.holding.add(unit.id)

    def _land(self, units: list[Unit], place: int, processed: bool, via_link: bool) -> None:
        """Units leave a vehicle (or a link) at ``place`` now."""
        now = self.env.now
        ready, leave = landing(now, self.mct[place], self.after_link[place], processed, via_link)
        by_link: dict[int, list[Unit]] = defaultdict(list)
        # units that land together have one ready time: first come first served by unit id
        ordered = sorted(units, key=_unit_id)
        self.moving.difference_update([unit.id for unit in ordered])  # nothing below reads it
        join = ready <= now  # a unit whose next step is a dispatched vehicle joins its queue now
        for unit in ordered:
            if place == unit.dest:  # :meth:`_arrive`, delivered
                unit.place = place
                unit.status = _DELIVERED
                unit.arrival_min = now
                unit.steps = []
                continue
            first = unit.steps[0] if unit.steps else None
            if isinstance(first, LinkStep):
                unit.place, unit.ready_min = place, ready
                by_link[first.row].append(unit)  # containers of one vehicle go together
            elif join and isinstance(first, DispatchStep):  # :meth:`_arrive`, then :meth:`_wait_for_next`
                unit.place, unit.ready_min = place, ready
                self.dispatch.join(unit, first.service)
            else:
                self._arrive(unit, place, ready, leave)
        for row, group in by_link.items():
            for unit in group:
                self._hold(unit)
            processes.start(self.env, self._link(group, row, leave))

    # ------------------------------------------------------------------ processes
    def _link(self, units: list[Unit], row: int, leave_at: float) -> Generator[simpy.Event, Any, None]:
        link = self.link_rows[row]
        if leave_at > self.env.now:
            yield self.env.timeout(leave_at - self.env.now)
        origin = link.origin
        while True:  # until neither a closure of the link nor one of the place it leaves holds it
            factor, until = self.link_windows[row].factor_at(self.env.now)
            if factor == 0.0:
                yield self.env.timeout(until - self.env.now)
                continue
            opens = self._open_at(origin, self.env.now)
            if opens > self.env.now:
                yield self.env.timeout(opens - self.env.now)
                continue
            break
        self._depart_all(units, self.env.now, link.cost_usd, link.co2_kg)
        yield self.env.timeout(link.duration_min)
        dest = link.dest
        processed = yield from self._call_at(dest, units)
        self._land(units, dest, processed, via_link=True)

    def _open_at(self, place: int, t_min: float) -> float:
        """The first moment from ``t_min`` when no closure holds ``place``: nothing leaves a
        closed place (a timetabled trip, a dispatched vehicle or a link waits until it opens)."""
        station = self.stations.get(place)
        return t_min if station is None else station.open_at(t_min)

    def _passes_empty(self, place: int) -> bool:
        """An empty vehicle reaching ``place`` neither waits nor is logged there (no station, or
        one with servers: only a place that closures alone hold stops empty vehicles too)."""
        station = self.stations.get(place)
        return station is None or bool(station.servers)

    def _call_at(self, place: int, units: list[Unit]) -> Generator[simpy.Event, Any, bool]:
        """A vehicle with ``units`` arrives at ``place``: it queues and is served in one step
        (its leaving time is known on arrival), one timeout. True if a station served it."""
        station = self.stations.get(place)
        if station is None or (not units and station.servers):  # an empty vehicle is not traffic
            return False
        arrived = self.env.now
        leave = station.visit(arrived, len(units))
        if leave > arrived:
            # the vehicle's units are at the station until it leaves: one entry for them all
            # (nothing reads their statuses meanwhile; :meth:`run` marks those still there)
            visit = self._visits
            self._visits += 1
            self.in_station[visit] = (place, arrived, units)
            yield self.env.timeout(leave - arrived)
            del self.in_station[visit]
        if station.servers:
            if units:  # each unit's wait, and its minutes at stations, come from this log
                self.station_waits.append(([u.id for u in units], place, arrived, leave - arrived))
            return True
        return False

    def _boarding(self, s: int, trip: int, i: int, room: int, now: float) -> list[Unit]:
        """Who boards trip ``trip`` at its stop ``i`` now: booked passengers who are ready
        (the others have missed it and rebook), or waiting containers first come first served
        up to the ``room`` left."""
        boarding: list[Unit] = []
        if self.tt.service_unit[s] == "pax":
            for unit in self.booked.pop((trip, i), []):
                if unit.ready_min <= now:
                    boarding.append(unit)
                else:
                    self._rebook(unit, now, missed=True)
        else:
            pool = self.pool.get((s, i))
            while pool and room > 0 and pool[0][0] <= now:
                boarding.append(heapq.heappop(pool)[2])
                room -= 1
        return boarding

    def _trip(self, s: int, trip: int, start: float, delay: float) -> Generator[simpy.Event, Any, None]:
        """One departure: leaves each stop at its timetable time or later and runs each leg in
        its running time less the padding (:attr:`running_min`), calls at stations on the way,
        lands and boards units. It leaves a stop after the units that land there at that
        minute (:data:`LATE`)."""
        yield self._late(max(0.0, start + delay - self.env.now), trip)
        stops = self.service_rows[s][0]
        factor, _ = self.service_windows[s].factor_at(start)
        capacity = whole_units(self.capacity[s], factor)
        log = TripRecord(s, start)
        self._log_trip(log, self.env.now, trip)
        if capacity == 0:  # cancelled (closed, or cut below one unit): passengers booked on it rebook
            self.trips_cancelled += 1
            # and none books it any more, nor the service's trips until the closure lifts
            self._announce(s, start)
            for i in range(len(stops) - 1):
                self.departed.add((trip, i))
                for unit in self.booked.pop((trip, i), []):
                    self._rebook(unit, self.env.now, missed=False)
            self._rebook_holders(trip)
            return
        self.trips_run += 1
        log.capacity = capacity
        opens = self._open_at(stops[0], self.env.now)
        if opens > self.env.now:  # a closed place: the vehicle leaves when it opens
            yield self._late(opens - self.env.now, trip)
        yield from self._ride(s, trip, start, log, 0)

    def _rebook_holders(self, trip: int) -> None:
        """Trip ``trip`` is known cancelled: those booked on it who wait for it or for an
        earlier trip of their journey rebook now, from where they are. Those on the way
        (riding, or on a link) are kept, and rebook as the next of these calls (the trip's own
        cancellation at its start) finds them waiting, or where they land, finding it gone."""
        kept = []
        for unit in self.holders.pop(trip, []):
            if not any(isinstance(st, RideStep) and st.trip == trip for st in unit.steps):
                continue  # booked elsewhere since
            first = unit.steps[0]
            waiting = self.booked.get((first.trip, first.board_stop)) if isinstance(first, RideStep) else None
            if unit.status != _WAITING or waiting is None or unit not in waiting:
                kept.append(unit)
                continue
            waiting.remove(unit)
            self._rebook(unit, self.env.now, missed=False)
        if kept:
            self.holders[trip] = kept

    def _announced(self, s: int, start: float, _event: simpy.Event) -> None:
        self._announce(s, start)

    def _announce(self, s: int, start: float) -> None:
        """The closures of service ``s`` begun by ``start`` are known, from then, for as long as
        they last: no one books any of its trips leaving from ``start`` until they lift (a cut
        that leaves no whole unit is known from the run's start, see :meth:`_cut_seats`). A
        multi-stop trip's later stops still lie ahead, and a passenger offered one would find it
        gone and rebook onto it again, for ever; and one rebooked off a closed daily train took
        the next day's, as closed, until the run ended. Those booked on them before who wait for
        them, or for an earlier trip of their journey, rebook now (:meth:`_rebook_holders`)."""
        shut = [(a, b) for a, b, f in self.service_windows[s] if a <= start and f == 0.0]
        end, grew = start, True
        while grew:  # closures begun by now that meet or overlap: one known closure
            grew = False
            for a, b in shut:
                if a <= end < b:
                    end, grew = b, True
        starts = self.tt.service_starts[s]
        lo, hi = np.searchsorted(starts, [start, end], side="left").tolist()
        known = [trip for trip in range(self.first_trip[s] + lo, self.first_trip[s] + hi)
                 if trip not in self.cancelled]
        for trip in known:
            self.cancelled.add(trip)
            for c in self.trip_conns[trip]:
                if self.pax_allowed[c]:
                    self.pax_allowed[c] = False
                    for cache in (self.pax_routes, self.pax_choice):
                        if cache is not None:
                            cache.closed(c)
        for trip in known:  # every one closed to booking first: none is rebooked onto another
            self._rebook_holders(trip)

    def _ride(self, s: int, trip: int, start: float, log: TripRecord,
              first: int) -> Generator[simpy.Event, Any, None]:
        """The trip from its departure from stop ``first``, now, to its last stop."""
        stops, dep_off, arr_off = self.service_rows[s]
        running, km = self.running_min[s], self.segment_km[s]
        capacity = log.capacity
        pax = self.tt.service_unit[s] == "pax"
        onboard: dict[int, list[Unit]] = defaultdict(list)
        self.onboard[trip] = onboard
        load = 0
        last = len(stops) - 1
        place_last = stops[last]
        for i in range(first, last + 1):
            place = stops[i]
            if i > first:
                if i == last:  # it arrives on reaching its last stop, as an empty trip does:
                    # the queue and service of a station there (a gauge change) are the station's
                    log.arrival_delay_min = self.env.now - (start + arr_off[-1])
                processed = False
                since = self.env.now
                if place in self.stations:
                    riders = [u for group in onboard.values() for u in group]
                    processed = yield from self._call_at(place, riders)
                    if not self.stations[place].servers:  # held while closed: its stop starts then
                        since = self.env.now
                leaving = onboard.pop(i, [])
                load -= len(leaving)
                self._land(leaving, place, processed, via_link=False)
                if i == last:
                    break
                ready = leave_stop(start, dep_off[i], arr_off[i - 1], since)
                yield self._late(max(0.0, ready - self.env.now), trip)
                opens = self._open_at(place, self.env.now)
                if opens > self.env.now:  # a closed place: the vehicle leaves when it opens
                    yield self._late(opens - self.env.now, trip)
            now = self.env.now
            self.departed.add((trip, i))
            boarding = self._boarding(s, trip, i, capacity - load, now)
            containers = []
            for unit in boarding:
                step = unit.steps.pop(0)
                assert isinstance(step, RideStep)
                onboard[step.alight_stop].append(unit)
                unit.status = _ONBOARD
                unit.depart(now, step.cost_usd, step.co2_kg)
                log.revenue_usd += step.cost_usd
                if (pax and step.board_stop == 0 and step.alight_stop == last and unit.dest == place_last
                        and self.flow_origin[unit.flow] == stops[0]):
                    log.through += 1  # a traveller of its first-to-last market, riding it end to end
                if not unit.pax:
                    containers.append(unit.id)
            if containers:
                self.departures.append((containers, place, now))
                if self.gateways.watched:
                    self.gateways.left(boarding, place, now)
            if self.idle.row and not pax:
                left = self.pool.get((s, i))
                if left and left[0][0] <= now:  # full: the next departure takes the next ones
                    self.idle.check_at(s, i, (now, trip))
            load += len(boarding)
            log.boarded += len(boarding)
            log.peak_load = max(log.peak_load, load)
            if load == 0 and i == last - 1 and self._passes_empty(stops[-1]):
                # nobody rides the last leg: its arrival would change nothing but this record
                # (an empty vehicle is no station's traffic), so it takes no event; the time is
                # the one the timeout would reach, and the run ends before events at its end
                arrival = self.env.now + running[i]
                if arrival < self.end_min:
                    log.arrival_delay_min = arrival - (start + arr_off[-1])
                break
            log.unit_km += load * km[i]
            yield self.env.timeout(running[i])
        del self.onboard[trip]
        self.holders.pop(trip, None)

    def _late(self, delay: float, trip: int) -> simpy.Event:
        """An event of trip ``trip`` ``delay`` from now, after the ordinary events of its minute
        and the events of lower-numbered trips at it."""
        event = simpy.Event(self.env)
        event._ok = True
        event._value = None
        self.env.schedule(event, EventPriority(LATE + trip), delay)
        return event

    def _at(self, t_min: float, trip: int) -> simpy.Event:
        """An event of trip ``trip`` at ``t_min`` (as :meth:`_late`): put on SimPy's queue at that
        very time, not at now + (t_min - now), which may differ from it in the last bit."""
        event = simpy.Event(self.env)
        event._ok = True
        event._value = None
        env = self.env
        heapq.heappush(env._queue, (t_min, EventPriority(LATE + trip), next(env._eid), event))  # type: ignore[attr-defined]
        return event

    def _log_trip(self, log: TripRecord, now: float, trip: int) -> None:
        """Log a trip as it starts (``trip``: its number) or a dispatched vehicle as it leaves
        (``trip`` -1). The log is put in order at the end of the run (:func:`.records.trip_columns`)."""
        self.trip_log.append(log)
        self.trip_log_keys.append((now, trip))

    # ------------------------------------------------------------------ end of run
    def run(self) -> None:
        """Start the processes, run to the end of the timetable and check the books, with
        Python's cycle collector paused: a run makes millions of small objects (units,
        events, labels) that reference counting frees, and collecting generations of them for
        cycles cost a fifth of the run. Whatever the run leaves in cycles is collected after."""
        collecting = gc.isenabled()
        gc.disable()
        try:
            self._run()
        finally:
            if collecting:
                gc.enable()

    def _run(self) -> None:
        self.start()
        self.env.run(until=self.end_min)
        self._checking_in()
        for station in self.stations.values():  # outside vehicles up to the horizon, for the log
            station.admit_background(self.end_min)
        for place, arrived, units in self.in_station.values():  # vehicles still queued or served at the end
            for unit in units:
                unit.status = Status.AT_STATION
                unit.place = place  # at the station, not where it was loaded
                self.at_station.add(unit.id)
            if units and self.stations[place].servers:  # their time there so far, cut at the end
                self.station_waits.append(([u.id for u in units], place, arrived, self.end_min - arrived))
        self.check_books()

    def check_books(self) -> None:
        """Every unit created is delivered, on board, moving, at a station or waiting at a
        named place, and its status says so."""
        aboard = {u.id for trip in self.onboard.values() for g in trip.values() for u in g}
        found = {
            Status.DELIVERED: sum(1 for u in self.units if u.status == Status.DELIVERED),
            Status.ONBOARD: len(aboard - self.at_station),
            Status.MOVING: len(self.moving - self.at_station),
            Status.AT_STATION: len(self.at_station),
            Status.WAITING: sum(len(v) for v in self.pool.values())
            + sum(len(v) for v in self.booked.values())
            + sum(len(v) for v in self.dispatch.pool.values()) + len(self.unrouted)
            + len(self.dispatch.awaiting_path) + len(self.holding),
        }
        n = len(Status)
        expected = np.bincount([int(u.status) for u in self.units], minlength=n)
        got = np.array([found[Status(k)] for k in range(n)])
        if got.sum() != len(self.units) or not np.array_equal(got, expected):
            detail = ", ".join(f"{STATUS_NAMES[k]} {got[k]} found / {expected[k]} by status"
                               for k in range(n))
            raise ConservationError(
                f"books do not balance after replication {self.streams.replication}: "
                f"{len(self.units)} created; {detail}"
            )
