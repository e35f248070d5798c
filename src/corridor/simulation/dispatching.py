"""Dispatched services of one replication: vehicles that leave when full or at a cut-off.

A unit whose next step is a dispatched service joins its queue (:meth:`Dispatcher.join`);
the unit that makes a vehicle's worth sends one at that minute, and the first unit to wait
starts the cut-off that sends whatever waits. A formed vehicle may then wait for a vehicle of
its service's fleet (1520 mm platform sets), for one of the day's departure paths, and for a
closure of its service or its place to lift; until it goes, units that join board it while it
has room and is the last formed. Under a disruption that changes a service's room, a leaving
vehicle takes the first come, wherever they wait (:meth:`Dispatcher._first_come`).

The replication (:class:`~corridor.simulation.engine.Replication`) moves units on and off
vehicles; this class decides when each dispatched vehicle leaves and whom it takes.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Generator
from functools import partial
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from corridor.simulation import processes
from corridor.simulation.entities import Formed, Status, TripRecord, Unit
from corridor.simulation.fleets import Fleet, asks_log
from corridor.simulation.stations import PathPool, whole_units

if TYPE_CHECKING:
    from corridor.simulation.engine import Replication

_WAITING = Status.WAITING  # (a module constant: read from the enum, a lookup through its metaclass)
_unit_id = attrgetter("id")
#: Containers waiting at a place board first come first served by (ready time, unit id): the
#: key ``(unit.ready_min, unit.id)``, read in C (it orders every dispatch queue and full vehicle)
_boarding_order: Callable[[Unit], tuple[float, int]] = attrgetter("ready_min", "id")


class Dispatcher:
    """The dispatched services of one replication: their queues, formed vehicles, daily paths
    and fleets."""

    def __init__(self, rep: Replication) -> None:
        self.rep = rep
        self.env = rep.env
        scenario, tt = rep.scenario, rep.tt
        # the replication's own, read here (each object is the replication's: none is replaced)
        self.scenario, self.tt = scenario, tt
        self.capacity, self.service_windows = rep.capacity, rep.service_windows
        self.link_rows, self.route_km, self.flow_origin = rep.link_rows, rep.route_km, rep.flow_origin
        self.holding, self.departures = rep.holding, rep.departures
        self.commitments, self.watched = rep.gateways.commitments, rep.gateways.watched
        self.pool: dict[int, list[Unit]] = defaultdict(list)
        self.row = {int(s): r for r, s in enumerate(tt.links.service.tolist()) if s >= 0}
        # service -> the cut-off in force for its waiting units (0: none); a vehicle that leaves
        # voids it, so the next first unit starts its own
        self.timer: dict[int, int] = {}
        self._timers = 0
        self.forming: set[int] = set()  # services with a full vehicle sent, its load not yet taken
        # the daily departure paths of dispatched services that have them
        self.paths: dict[int, PathPool] = {}
        for s, spec in enumerate(scenario.services):
            if spec.dispatch is not None and spec.dispatch.paths_per_day is not None:
                self.paths[s] = PathPool(spec.dispatch.paths_per_day, weekdays=spec.dispatch.path_weekdays,
                                         first_weekday=scenario.run.start.weekday())
        self.awaiting_path: set[int] = set()  # units on a formed vehicle waiting for a path or a vehicle
        # service -> per formed vehicle that took a path: [when it asked, when it leaves (NaN
        # while a closure has taken its path back)]; NaN asked: stood down, its path given back
        # (not logged)
        self.path_asks: dict[int, list[list[float]]] = {s: [] for s in self.paths}
        # service -> the loads of its formed vehicles not yet gone (waiting for a fleet's vehicle,
        # a path, or their place to open), first formed first: a unit that joins boards the last
        # if it has room, as a train waiting in the yard takes on what comes
        self.formed: dict[int, list[Formed]] = defaultdict(list)
        # fleets shared by dispatched services: service -> (its fleet, minutes to come back once unloaded)
        self.fleets = {f.id: Fleet(self.env, f.vehicles) for f in scenario.fleets}
        self.fleet_of: dict[int, tuple[Fleet, float]] = {}
        for s, service in enumerate(scenario.services):
            if service.dispatch is not None and service.dispatch.fleet is not None:
                fleet = next(f for f in scenario.fleets if f.id == service.dispatch.fleet)
                back_min = float(tt.links.duration_min[self.row[s]]) * fleet.return_factor
                self.fleet_of[s] = (self.fleets[fleet.id], back_min + fleet.turnaround_min)

    def join_when_ready(self, unit: Unit, service: int, _ready: simpy.Event) -> None:
        self.join(unit, service)

    def join(self, unit: Unit, service: int) -> None:
        """The unit waits for the dispatched vehicle of ``service``: the unit that makes a
        vehicle's worth sends one at this minute (after the joins already due at it, so that
        units ready at one minute board by unit id; those joining after it leaves wait for the
        next), a first unit starts the cut-off."""
        pool = self.pool[service]
        self.holding.discard(unit.id)
        unit.status = _WAITING
        room = self.room(service)[0] if self.service_windows[service] else self.capacity[service]
        formed = self.formed.get(service)
        if formed:  # the last formed (boarding an earlier one, or with units waiting for a
            # vehicle of their own, would pass units)
            vehicle = formed[-1]
            last = vehicle.units
            if len(last) < room and not pool:
                last.append(unit)
                if vehicle.latest is not None and _boarding_order(unit) > _boarding_order(vehicle.latest):
                    vehicle.latest = unit
                self.awaiting_path.add(unit.id)
                return
            # full: units ready at one minute board by unit id, whichever landed first
            if len(last) >= room:
                # ids differ: one unit is the latest (kept, as a full vehicle waiting for its
                # path meets every unit that joins meanwhile)
                latest = vehicle.latest
                if latest is None:
                    latest = vehicle.latest = max(last, key=_boarding_order)
                if _boarding_order(unit) < _boarding_order(latest):
                    self.awaiting_path.discard(latest.id)
                    self.awaiting_path.add(unit.id)
                    k = last.index(latest)  # units compare by identity
                    last[k], unit = unit, latest
                    vehicle.latest = None
        pool.append(unit)
        if not self.send_if_full(service, room) and len(pool) == 1 and not self.timer.get(service):
            self._start_cutoff(service)

    def room_changed(self, service: int, _now: simpy.Event) -> None:
        """The room of ``service``'s vehicles changed now (a closure lifted, a cut began or
        ended): a vehicle's worth waiting is sent at this minute, as a join sends one."""
        self.send_if_full(service, self.room(service)[0])

    def send_if_full(self, service: int, room: int) -> bool:
        """A vehicle's worth of ``room`` waits for ``service``: one is sent at this minute (after
        the joins already due at it). False if none is (not full, or one is being sent)."""
        if room and len(self.pool[service]) >= room and service not in self.forming:
            self.forming.add(service)
            self.env.timeout(0).callbacks.append(partial(self._full, service))
            return True
        return False

    def _full(self, service: int, _now: simpy.Event) -> None:
        """A vehicle's worth joined at this minute: it is sent, unless a cut-off sent the queue
        meanwhile."""
        room, _ = self.room(service)
        if room and len(self.pool[service]) >= room:
            processes.start(self.env, self._dispatch(service))
        else:
            self.forming.discard(service)

    def _start_cutoff(self, service: int, since: float | None = None) -> None:
        """The units waiting for ``service``'s vehicle leave at the latest its cut-off after the
        first of them began to wait: now, or ``since`` (units left by a vehicle that was held
        by a closure, whose cut-off may have passed: they leave at once)."""
        spec = self.scenario.services[service]
        assert spec.dispatch is not None
        self._timers += 1
        self.timer[service] = self._timers
        cutoff = spec.dispatch.cutoff_min
        if since is not None and since < self.env.now:
            cutoff = max(0.0, since + cutoff - self.env.now)
        processes.start(self.env, self._cutoff(service, cutoff, self._timers))

    def room(self, service: int) -> tuple[int, float]:
        """Units a dispatched vehicle of ``service`` may carry now, and until when: its capacity,
        or floor(f x capacity) under a disruption of factor f (0 while closed)."""
        windows = self.service_windows[service]
        if not windows:
            return self.capacity[service], math.inf
        factor, until = windows.factor_at(self.env.now)
        return whole_units(self.capacity[service], factor), until

    def _cutoff(self, service: int, cutoff: float, timer: int) -> Generator[simpy.Event, Any, None]:
        # after the ordinary events of its minute, as a trip leaves: units joining then go too
        yield self.rep._at(self.env.now + cutoff, 0)
        if self.timer.get(service) != timer:  # its units left on a full vehicle
            return
        self.timer[service] = 0
        if self.pool[service]:
            yield from self._dispatch(service)

    def _dispatch(self, service: int) -> Generator[simpy.Event, Any, None]:
        pool = self.pool[service]
        # a disruption of the service: while it leaves no whole unit of room (a closure, or a
        # factor too small) no vehicle forms; under a factor f one carries floor(f x capacity)
        capacity, until = self.room(service)
        while capacity == 0:
            yield self.env.timeout(until - self.env.now)
            capacity, until = self.room(service)
        pool.sort(key=_boarding_order)  # first come first served by (ready time, unit id)
        load, pool[:] = pool[:capacity], pool[capacity:]
        self.forming.discard(service)  # a vehicle sent when full that finds the queue taken still ends
        if not load:
            return
        # the cut-off in force was for these units: those left (more than a vehicle's worth
        # joined at once, or full vehicles held by a closure) fill the next vehicle or start its
        # cut-off, and so does the next unit to join an empty queue
        self.timer[service] = 0
        if not self.send_if_full(service, capacity) and pool:
            # their cut-off runs from when the first of them began to wait
            self._start_cutoff(service, since=pool[0].ready_min)
        spec = self.scenario.services[service]
        assert spec.dispatch is not None
        vehicle = Formed(load)
        # until it goes, units that join board it while it has room and is the last
        self.formed[service].append(vehicle)
        fleet = self.fleet_of.get(service)
        if fleet is not None:  # it needs a vehicle of its fleet: free, or the first back
            vehicle.fleet_ask, back = fleet[0].take()
            if back is not None and not (yield from self._held(vehicle, load, back)):
                return
            yield from self._while_closed(service, load)  # the service closed meanwhile
            if vehicle.stood_down:
                return
        while spec.dispatch.paths_per_day is not None:  # the formed vehicle waits for a path
            leave = self.paths[service].take(self.env.now)
            if vehicle.path_ask is None:  # its wait for a path, as the take fixed it (past the end)
                vehicle.path_ask = [self.env.now, leave]
                self.path_asks[service].append(vehicle.path_ask)
            else:  # a path again, after a closure of the service on its path's day
                vehicle.path_ask[1] = leave
            for unit in load:  # their path is taken: no longer a forecast
                self.commitments.left(unit.id, service)
            if leave <= self.env.now:
                break
            # at its path's minute after the ordinary events of it, as a trip leaves: a unit
            # that lands ready then boards (it waited a day when its landing came later)
            if not (yield from self._held(vehicle, load, self.rep._at(leave, 0))):
                return
            if self.room(service)[0]:
                break
            # closed on its path's day: the path goes back (it counted as taken, and the vehicle
            # took the next day's after the closure, behind those formed later); then a path
            # after the closure, that day's if one is left
            self.paths[service].release(leave)
            vehicle.path_ask[1] = math.nan  # it holds none until it takes one again
            yield from self._while_closed(service, load)
            if vehicle.stood_down:
                return
        tt = self.tt
        link = self.link_rows[self.row[service]]
        origin, dest = link.origin, link.dest
        opens = self.rep._open_at(origin, self.env.now)
        if opens > self.env.now:  # a closed place: the vehicle leaves when it opens, after the
            # ordinary events of that minute, as a trip does (units the closure held board it)
            if not (yield from self._held(vehicle, load, self.rep._at(opens, 0))):
                return
            yield from self._while_closed(service, load)  # the service closed meanwhile
            if vehicle.stood_down:
                return
        formed = self.formed[service]
        del formed[next(k for k, other in enumerate(formed) if other is vehicle)]
        capacity = self.room(service)[0]
        if self.service_windows[service]:  # its room changes: it takes the first come
            self._first_come(service, load, capacity)
        # a vehicle the first come empties is stood down there; a leaving one keeps its own
        assert load, "a leaving vehicle holds the first come, its own units among them"
        self.awaiting_path.difference_update(map(_unit_id, load))
        if service in self.paths:  # those who boarded while it waited for its path have it too
            for unit in load:
                self.commitments.left(unit.id, service)
        now = self.env.now
        self.rep.gateways.on_board(load, now)
        cost = link.cost_usd
        ids = self.rep._depart_all(load, now, cost, link.co2_kg)
        self.departures.append((ids, origin, now))
        if self.watched:
            self.rep.gateways.left(load, origin, now)
        # a trip of its service for the per-service results: no timetable, so no delay
        market = sum(1 for u in load if u.pax and u.dest == dest and self.flow_origin[u.flow] == origin) \
            if tt.service_unit[service] == "pax" else 0
        self.rep._log_trip(TripRecord(service, now, capacity, len(load), len(load), cost * len(load),
                                  unit_km=len(load) * self.route_km[service], through=market),
                       now, -1)
        yield self.env.timeout(link.duration_min)
        processed = yield from self.rep._call_at(dest, load)
        if fleet is not None:  # unloaded: it runs back empty
            fleet[0].back_after(fleet[1])
        self.rep._land(load, dest, processed, via_link=False)

    def _held(self, vehicle: Formed, load: list[Unit],
              event: simpy.Event) -> Generator[simpy.Event, Any, bool]:
        """The formed vehicle's ``load`` waits aboard (``awaiting_path``) until ``event``: False
        if the vehicle was stood down meanwhile (its units are then elsewhere, :meth:`_first_come`)."""
        self.awaiting_path.update(map(_unit_id, load))
        yield event
        if vehicle.stood_down:
            return False
        self.awaiting_path.difference_update(map(_unit_id, load))
        return True

    def _stand_down(self, service: int, vehicle: Formed) -> None:
        """A formed vehicle left with no unit will not run: it gives back now the fleet's
        vehicle it holds or waits for, and the path it took (another may take that day's)."""
        vehicle.stood_down = True
        fleet = self.fleet_of.get(service)
        if fleet is not None and vehicle.fleet_ask is not None:
            fleet[0].withdraw(vehicle.fleet_ask)
        if vehicle.path_ask is not None:
            if not math.isnan(vehicle.path_ask[1]):  # (none held after a closure gave it back)
                self.paths[service].release(vehicle.path_ask[1])
            vehicle.path_ask[0] = math.nan  # not a vehicle that ran: its wait is not logged

    def _first_come(self, service: int, load: list[Unit], capacity: int) -> None:
        """A vehicle of a service whose room a disruption changes leaves with the first
        ``capacity`` units waiting for the service, first come first served by (ready time,
        unit id), wherever they wait: on it, on the other formed vehicles, or for a vehicle of
        their own. Its room may have shrunk or grown since it formed, and a closure over its
        path's day sends it after vehicles formed later (it takes a path again), so without this
        units passed one another. The vehicles still waiting keep their number of units, in the
        same order (one left with none stands down: it gives back the fleet's vehicle and the
        path it holds); the rest wait for one of their own: a vehicle's worth is sent, or their
        cut-off runs from the first of them."""
        formed, pool = self.formed[service], self.pool[service]
        aboard = [unit for train in formed for unit in train.units]
        queue = sorted([*load, *aboard, *pool], key=_boarding_order)
        load[:] = queue[:capacity]
        rest, k = queue[capacity:], 0
        for train in formed:
            n = len(train.units)
            train.units[:] = rest[k:k + n]
            train.latest = None
            k += n
        for train in [train for train in formed if not train.units]:
            formed.remove(train)
            self._stand_down(service, train)
        first = pool[0] if pool else None
        pool[:] = rest[k:]
        waiting = {unit.id for unit in aboard}
        now_aboard = {unit.id for train in formed for unit in train.units}
        self.awaiting_path.difference_update(waiting - now_aboard)
        self.awaiting_path.update(now_aboard - waiting)
        if pool and self.send_if_full(service, capacity):
            return
        if (pool[0] if pool else None) is not first:  # a new first unit: its cut-off
            self.timer[service] = 0
            if pool:
                self._start_cutoff(service, since=pool[0].ready_min)

    def _while_closed(self, service: int, load: list[Unit]) -> Generator[simpy.Event, Any, None]:
        """A vehicle formed before ``service`` closed (it waited for a fleet's vehicle or a path)
        leaves when it reopens: a closed service sends nothing."""
        room, until = self.room(service)
        if room:
            return
        self.awaiting_path.update(map(_unit_id, load))
        while not room:
            yield self.env.timeout(until - self.env.now)
            room, until = self.room(service)
        self.awaiting_path.difference_update(map(_unit_id, load))


    def path_log(self) -> dict[str, dict[str, Any]]:
        """Per dispatched service with daily paths: paths a day, paths taken per day, and which
        days have paths (``open``: by day number mod 7)."""
        out = {}
        for s, pool in self.paths.items():
            days = sorted(pool.used)
            out[self.tt.services[s]] = {"per_day": pool.per_day, "day": np.array(days, dtype=np.int64),
                                        "used": np.array([pool.used[d] for d in days], dtype=np.int64),
                                        "open": np.array(pool.open or (True,) * 7),
                                        **asks_log(self.path_asks[s])}
        return out

