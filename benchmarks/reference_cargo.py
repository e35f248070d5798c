"""corridor's cargo rules written the way SimPy's documentation teaches: the reference model
that ``bench_reference.py`` runs beside corridor.

One ``simpy.Environment`` per replication, in minutes since the scenario epoch, with

* a **process per container**: it arrives (Poisson, per flow), asks the planner for its
  earliest itinerary, waits ``checkin_min``, then for each ride puts a ticket on the
  platform of that service at its place (a ``simpy.Store``: first come, first served by the
  moment it is ready) and waits until the trip that took it lands it; for each link it joins
  the convoy of the units that landed with it;
* a **process per train trip**: it leaves its first stop at the timetable time plus a delay
  drawn for it, and at every later stop that queues (``servers`` and ``service_time``)
  requests, if it carries anything (an empty train is no traffic), the station's
  ``simpy.Resource(capacity=servers)``, holds it for a service time,
  lands the containers for that stop, then leaves no earlier than its timetable, taking from
  the platform as many ready containers as it has room for; it leaves a stop after the other
  events of that minute (corridor's same-minute rule: a container landing ready at the minute
  a train leaves boards it), by a timeout scheduled one priority below SimPy's normal;
* a **process per convoy**: the containers that landed together and take the same link
  travel as one vehicle, which queues at the far end if that place is a station;
* a **process per background vehicle**, from a Poisson source per station
  (``background_per_day``) until the end of demand, holding a server like any train.

Connection rules are those of the planner (docs/planning.md) and of corridor's engine:
ready ``min_connection_min`` after leaving a vehicle, or at once after service at a station;
off a vehicle a link leaves after ``min_connection_min``; after a link, boarding waits the
larger of check-in and connection time. Only routes come from corridor (its scenario model,
timetable and planner); nothing here imports ``corridor.simulation``. The model refuses
scenarios with disruptions or dispatched services, which it does not cover.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import defaultdict
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL, EventPriority

from corridor.network.timetable import Timetable, build_timetable
from corridor.planning.search import Planner
from corridor.scenario.schema import Scenario

DAY = 1440.0
WEEK = 7 * DAY
Proc = Generator[simpy.Event, Any, Any]


# ---------------------------------------------------------------------------- the network
@dataclass(frozen=True)
class Ride:
    """Ride ``service`` from stop position ``board`` to stop position ``alight``."""

    service: int
    board: int
    alight: int


@dataclass(frozen=True)
class Hop:
    """Take link row ``row`` of the timetable's link table."""

    row: int


Step = Ride | Hop


@dataclass(frozen=True)
class TripPlan:
    """What a train trip process needs: its service, stops, offsets and scheduled start."""

    service: int
    start: float
    stops: tuple[int, ...]
    dep_off: tuple[float, ...]
    arr_off: tuple[float, ...]
    capacity: int


@dataclass
class Network:
    """What stays the same over replications: the timetable, the planner and the rules."""

    scenario: Scenario
    tt: Timetable
    planner: Planner
    allowed: np.ndarray
    horizon: float  # demand arrives in [0, horizon)
    end: float  # the run goes on (drain) to here
    warmup: float
    checkin: list[float]
    mct: list[float]
    after_link: list[float]  # max(check-in, connection time): boarding after a link
    servers: dict[int, int]  # queueing stations: place -> servers
    background_end: float  # background vehicles arrive in [0, background_end)
    routing_s: float = 0.0  # wall time spent in the planner (for the report)

    def route(self, origin: int, dest: int, ready: float) -> list[Step] | None:
        """The steps of the earliest itinerary for a container ready at ``origin``."""
        t0 = time.perf_counter()
        it = self.planner.earliest(origin, dest, ready, allowed=self.allowed)
        self.routing_s += time.perf_counter() - t0
        if it is None:
            return None
        tt = self.tt
        steps: list[Step] = []
        for leg in it.legs:
            if leg.kind == "service":
                steps.append(Ride(int(tt.service[leg.board_conn]), int(tt.segment[leg.board_conn]),
                                  int(tt.segment[leg.alight_conn]) + 1))
            elif leg.kind == "link":
                steps.extend(Hop(int(row)) for row in leg.link_row)
            else:
                raise ValueError(f"the reference model has no dispatched services ({leg.name})")
        return steps


def prepare(scenario: Scenario) -> Network:
    """Timetable (horizon and drain) and planner for containers; refuses what it cannot model."""
    if scenario.disruptions:
        raise ValueError("the reference model has no disruptions")
    if any(s.dispatch is not None and s.unit == "feu" for s in scenario.services):
        raise ValueError("the reference model has no dispatched services")
    if any(f.kind != "cargo" for f in scenario.demand):
        raise ValueError("the reference model moves containers only")
    run = scenario.run
    tt = build_timetable(scenario, horizon_days=run.horizon_days + run.drain_days)
    planner = Planner(tt, unit="feu")
    allowed = planner.allowed(tt.service_mask(None, "feu"))
    checkin = [float(x) for x in tt.checkin_min]
    mct = [float(x) for x in tt.min_connection_min]
    servers = {p: int(place.servers) for p, place in enumerate(scenario.places)
               if place.servers and place.service_time is not None}
    after_link = [max(a, b) for a, b in zip(checkin, mct, strict=True)]
    return Network(scenario, tt, planner, allowed, run.horizon_days * DAY, float(tt.horizon_min),
                   run.warmup_days * DAY, checkin, mct, after_link, servers, run.horizon_days * DAY)


# ---------------------------------------------------------------------------- one replication
@dataclass(eq=False)
class Container:
    flow: int
    dest: int
    created: float
    first_departure: float = math.nan
    arrival: float = math.nan
    station_min: float = 0.0  # time in vehicles at stations, queue and service


@dataclass(eq=False)
class Ticket:
    """A container on a platform: the trip that takes it succeeds ``landed`` where it alights."""

    container: Container
    alight: int
    landed: simpy.Event


@dataclass(frozen=True)
class Landing:
    """Units leave a vehicle (or a convoy) at ``place``; ``processed``: a station served it."""

    place: int
    processed: bool
    via_link: bool
    convoys: dict[int, Convoy] = field(default_factory=dict, compare=False)


@dataclass(eq=False)
class Convoy:
    """Containers that landed together and take the same link: one vehicle."""

    members: list[Container]
    landed: simpy.Event


@dataclass
class Visit:
    arrive: float
    start: float = math.nan
    end: float = math.nan


class CargoModel:
    """One replication of the reference model."""

    def __init__(self, net: Network, replication: int, seed: int) -> None:
        self.net = net
        self.env = simpy.Environment()
        self.seed, self.replication = seed, replication
        self.resources = {p: simpy.Resource(self.env, capacity=c) for p, c in net.servers.items()}
        self.visits: dict[int, list[Visit]] = {p: [] for p in net.servers}
        self.platforms: dict[tuple[int, int], simpy.Store] = {}
        self.containers: list[Container] = []
        self._rngs: dict[str, np.random.Generator] = {}

    def rng(self, name: str) -> np.random.Generator:
        if name not in self._rngs:
            # 128 bits of the name: with 32 (a CRC) two sources of a large network can share a stream
            digest = hashlib.blake2b(name.encode(), digest_size=16).digest()
            key = (self.replication, *(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4)))
            self._rngs[name] = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=key))
        return self._rngs[name]

    def platform(self, place: int, service: int) -> simpy.Store:
        key = (place, service)
        if key not in self.platforms:
            self.platforms[key] = simpy.Store(self.env)
        return self.platforms[key]

    # ------------------------------------------------------------------ set-up and run
    def run(self) -> None:
        net, env = self.net, self.env
        sc = net.scenario
        for f in range(len(sc.demand)):
            env.process(self.source(f))
        for p in net.servers:
            place = sc.places[p]
            if place.background_per_day > 0:
                env.process(self.background(p, place.background_per_day))
        for s, svc in enumerate(sc.services):
            if not self._runs(s):
                continue
            starts = net.tt.service_starts[s]
            if starts.size == 0:
                continue
            delays = (svc.delay.sample(self.rng(f"delay {svc.id}"), starts.size) if svc.delay is not None
                      else np.zeros(starts.size))
            stops = tuple(int(x) for x in net.tt.service_stops[s])
            dep = tuple(float(x) for x in net.tt.service_dep_offset[s])
            arr = tuple(float(x) for x in net.tt.service_arr_offset[s])
            for start, delay in zip(starts.tolist(), delays.tolist(), strict=True):
                env.process(self.train(TripPlan(s, start, stops, dep, arr, svc.capacity), delay))
        env.run(until=net.end)

    def _runs(self, s: int) -> bool:
        """Trips that matter for cargo: those carrying containers, or calling at a station."""
        tt = self.net.tt
        return tt.service_unit[s] == "feu" or any(int(p) in self.net.servers for p in tt.service_stops[s][1:])

    # ------------------------------------------------------------------ processes
    def source(self, f: int) -> Proc:
        """Containers of flow ``f`` arriving over the horizon (Poisson or evenly spaced)."""
        env, net = self.env, self.net
        flow = net.scenario.demand[f]
        origin, dest = net.tt.index[flow.from_], net.tt.index[flow.to]
        rng = self.rng(f"arrivals {flow.id}")
        gap = WEEK / flow.per_week
        if flow.arrivals == "uniform":
            yield env.timeout(rng.uniform(0.0, gap))
        else:
            yield env.timeout(rng.exponential(gap))
        while env.now < net.horizon:
            c = Container(f, dest, env.now)
            self.containers.append(c)
            steps = net.route(origin, dest, env.now)
            if steps is not None:  # no itinerary before the timetable ends: it stays
                env.process(self.container(c, origin, steps))
            yield env.timeout(gap if flow.arrivals == "uniform" else rng.exponential(gap))

    def container(self, c: Container, origin: int, steps: list[Step]) -> Proc:
        env, net = self.env, self.net
        place = origin
        ready, leave = env.now + net.checkin[origin], env.now
        landing: Landing | None = None
        for step in steps:
            if isinstance(step, Ride):
                if ready > env.now:
                    yield env.timeout(ready - env.now)
                ticket = Ticket(c, step.alight, env.event())
                yield self.platform(place, step.service).put(ticket)
                landing = yield ticket.landed
            else:
                convoys: dict[int, Convoy] = {} if landing is None else landing.convoys
                convoy = convoys.get(step.row)
                if convoy is None:  # the first of those landing with it to take this link
                    convoy = convoys[step.row] = Convoy([], env.event())
                    env.process(self.convoy(step.row, convoy, leave))
                convoy.members.append(c)
                landing = yield convoy.landed
            assert landing is not None
            place = landing.place
            if place == c.dest:
                c.arrival = env.now
                return
            if landing.processed:
                ready = leave = env.now
            elif landing.via_link:
                ready, leave = env.now + net.after_link[place], env.now
            else:
                ready = leave = env.now + net.mct[place]

    def call_at(self, place: int, riders: list[Container]) -> Generator[simpy.Event, Any, bool]:
        """A vehicle reaches ``place``: at a station it queues and is served (True)."""
        resource = self.resources.get(place)
        if resource is None:
            return False
        env = self.env
        visit = Visit(env.now)
        self.visits[place].append(visit)
        with resource.request() as request:
            yield request
            visit.start = env.now
            service = self.net.scenario.places[place].service_time
            assert service is not None
            yield env.timeout(float(service.sample(self.rng(f"service {place}"), 1)[0]))
        visit.end = env.now
        for c in riders:
            c.station_min += visit.end - visit.arrive
        return True

    def _after_minute(self, delay: float) -> simpy.Event:
        """A timeout that comes after the ordinary events of the minute it ends at."""
        event = self.env.event()
        event._ok, event._value = True, None
        self.env.schedule(event, EventPriority(NORMAL + 1), delay)
        return event

    def train(self, trip: TripPlan, delay: float) -> Proc:
        env = self.env
        yield self._after_minute(trip.start + delay)
        onboard: dict[int, list[Ticket]] = defaultdict(list)
        load = 0
        last = len(trip.stops) - 1
        for i, place in enumerate(trip.stops):
            if i > 0:
                riders = [t.container for group in onboard.values() for t in group]
                processed = False  # an empty train is no traffic: it passes without queueing
                if riders:
                    processed = yield from self.call_at(place, riders)
                leaving = onboard.pop(i, [])
                load -= len(leaving)
                if leaving:
                    landing = Landing(place, processed, via_link=False)
                    for ticket in leaving:
                        ticket.landed.succeed(landing)
            if i == last:
                break
            scheduled = trip.start + trip.dep_off[i]
            if i > 0:
                yield self._after_minute(max(0.0, scheduled - env.now))
            platform = self.platforms.get((place, trip.service))
            while platform is not None and platform.items and load < trip.capacity:
                ticket = yield platform.get()
                if math.isnan(ticket.container.first_departure):
                    ticket.container.first_departure = env.now
                onboard[ticket.alight].append(ticket)
                load += 1
            yield env.timeout(trip.arr_off[i] - trip.dep_off[i])

    def convoy(self, row: int, convoy: Convoy, leave: float) -> Proc:
        env, links = self.env, self.net.tt.links
        if leave > env.now:
            yield env.timeout(leave - env.now)
        for container in convoy.members:  # a link may be a container's first departure
            if math.isnan(container.first_departure):
                container.first_departure = env.now
        yield env.timeout(float(links.duration_min[row]))
        dest = int(links.dest[row])
        processed = yield from self.call_at(dest, convoy.members)
        convoy.landed.succeed(Landing(dest, processed, via_link=True))

    def background(self, place: int, per_day: float) -> Proc:
        """Vehicles from outside the modelled network, Poisson, until the end of demand."""
        env = self.env
        rng = self.rng(f"background {place}")
        while True:
            yield env.timeout(rng.exponential(DAY / per_day))
            if env.now >= self.net.background_end:
                return
            env.process(self.call_at(place, []))

    # ------------------------------------------------------------------ KPIs
    def kpis(self) -> dict[str, float]:
        """corridor's KPI definitions, under corridor's names (analysis/kpis.py, docs/simulation.md)."""
        net = self.net
        lo, hi, end = net.warmup, net.horizon, net.end
        flows = [f.id for f in net.scenario.demand]
        created = np.array([c.created for c in self.containers])
        arrival = np.array([c.arrival for c in self.containers])
        first = np.array([c.first_departure for c in self.containers])
        flow = np.array([c.flow for c in self.containers], dtype=np.int64)
        station = np.array([c.station_min for c in self.containers])
        done = (created >= lo) & np.isfinite(arrival)
        out: dict[str, float] = {}
        for f, name in enumerate(flows):
            sel = done & (flow == f)
            out[f"flows.{name}.transit_days.mean"] = _mean((arrival - first)[sel]) / DAY
            out[f"flows.{name}.door_to_door_days.mean"] = _mean((arrival - created)[sel]) / DAY
        out["cargo.created"] = float(np.sum(created >= lo))
        out["cargo.transit_days.mean"] = _mean((arrival - first)[done]) / DAY
        out["cargo.door_to_door_days.mean"] = _mean((arrival - created)[done]) / DAY
        out["cargo.station_h.mean"] = _mean(station[done]) / 60.0
        delivered = np.isfinite(arrival) & (arrival >= lo) & (arrival < hi)
        out["cargo.feu_per_week"] = float(delivered.sum()) / ((hi - lo) / WEEK)
        for p, visits in self.visits.items():
            name = net.tt.places[p]
            a = np.array([v.arrive for v in visits])
            s = np.array([v.start for v in visits])
            e = np.array([v.end for v in visits])
            started = np.isfinite(s)
            window = (a >= lo) & (a < hi)  # a vehicle never served waits until the end
            # no vehicle in the window: no wait to average (NaN, as corridor says it), not 0
            out[f"stations.{name}.mean_wait_min"] = _mean((np.where(started, s, end) - a)[window])
            busy_to = np.clip(np.where(np.isfinite(e[started]), e[started], end), lo, hi)
            busy = np.sum(busy_to - np.clip(s[started], lo, hi))
            out[f"stations.{name}.utilisation"] = float(busy / (net.servers[p] * (hi - lo)))
        return out


def _mean(x: np.ndarray, *, empty: float = math.nan) -> float:
    return float(x.mean()) if x.size else empty


def run_reference(scenario: Scenario, replications: int, *, seed: int = 1,
                  net: Network | None = None) -> tuple[list[dict[str, float]], Network]:
    """KPIs of ``replications`` runs of the reference model (and the network, with the time
    its planner took)."""
    net = prepare(scenario) if net is None else net
    out = []
    for r in range(replications):
        model = CargoModel(net, r, seed)
        model.run()
        out.append(model.kpis())
    return out, net
