"""The fast path: cargo through stations with the NumPy kernels, no per-entity SimPy processes.

For a replication whose containers can be followed place by place, the same dynamics as
the SimPy engine (:mod:`.engine`) are computed in topological order of the places the
trips and routes pass:

* at a station, every vehicle that reaches it (trips, convoys over links, dispatched
  vehicles, background traffic) goes through :func:`~corridor.kernels.multi_server_waits`
  in order of arrival, with service times drawn from the station's stream in the same order
  and chunks as the SimPy station;
* at each departure of a service from a place, waiting containers board by
  :func:`~corridor.kernels.batch_boarding`, first come first served by (ready, id), up to the
  room left on that trip;
* containers that alight together and take the same link travel as one convoy.

Streams, routes (the planner's earliest itinerary per container) and unit ids are those of
the SimPy engine, so on the same seed both give the same records (to floating-point
rounding). The fast path covers cargo; passengers (bookings and rebookings are decisions
taken one at a time) run in the SimPy engine alongside, when the two share no station.

:func:`covers` says whether a scenario is in scope. Units still under way when the run stops
are left where the SimPy engine would leave them: waiting in a pool, on board a trip (also
while it is served at a station), or moving on a link or a dispatched vehicle.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import networkx as nx
import numpy as np

from corridor.kernels.queues import batch_boarding, multi_server_waits
from corridor.network.timetable import Timetable
from corridor.planning.search import Planner
from corridor.scenario.schema import Scenario
from corridor.simulation.demand import arrival_times
from corridor.simulation.engine import (
    DELIVERED,
    MOVING,
    ONBOARD,
    WAITING,
    Unit,
    itinerary_steps,
    landing,
    service_trips,
    trip_delays,
)
from corridor.simulation.routes import CargoRoutes
from corridor.simulation.stations import SERVICE_CHUNK, background_times
from corridor.simulation.streams import Streams


def covers(scenario: Scenario) -> str | None:
    """None if the fast path can run the scenario's cargo, else the reason it cannot."""
    if scenario.disruptions:
        return "disruptions are simulated by the SimPy engine only"
    stations = {p.id for p in scenario.places if p.servers}
    # places passengers can be at: their flows' ends and their services' stops (a link into any
    # other place is a dead end the planner never sends them down)
    pax_places = {x for d in scenario.demand if d.kind == "passenger" for x in (d.from_, d.to)}
    for s in scenario.services:
        if s.dispatch is not None and (s.capacity != 1 or s.dispatch.cutoff_min != 0):
            return f"service {s.id}: dispatch that waits to fill a vehicle runs in the SimPy engine"
        if s.unit == "pax":
            if stations & set(s.stops):
                return f"service {s.id}: passengers pass a station that cargo also uses"
            pax_places |= set(s.stops)
    for link in scenario.links:
        if "pax" in link.units and {link.from_, link.to} & stations & pax_places:
            return f"link {link.id}: passengers pass a station that cargo also uses"
    if not any(d.kind == "cargo" for d in scenario.demand):
        return "no cargo demand"
    return None


class FastReplication:
    """One replication's cargo, computed place by place."""

    def __init__(self, scenario: Scenario, tt: Timetable, planner: Planner, replication: int,
                 *, seed: int | None = None) -> None:
        self.scenario, self.tt, self.planner = scenario, tt, planner
        self.streams = Streams(scenario.run.seed if seed is None else seed, replication)
        self.horizon = scenario.run.horizon_days * 1440.0
        self.end = tt.horizon_min
        self.mct = tt.min_connection_min.tolist()
        self.after_link = np.maximum(tt.checkin_min, tt.min_connection_min).tolist()
        self.checkin = tt.checkin_min.tolist()
        self.routes = CargoRoutes(planner, planner.allowed(tt.service_mask(None, "feu")), itinerary_steps)
        self.units: list[Unit] = []
        self.unrouted: list[Unit] = []
        self.pool: dict[tuple[int, int], list[Unit]] = defaultdict(list)
        self.incoming: dict[int, list[tuple[float, str, Any]]] = defaultdict(list)  # vehicles arriving
        self.entering: dict[int, list[Unit]] = defaultdict(list)  # units created at a place
        self.station_waits: list[tuple[int, int, float, float]] = []
        self.logs: dict[int, dict[str, Any]] = {}
        self.trips_run = 0

    # ------------------------------------------------------------------ units
    def create_units(self, ids: dict[int, np.ndarray], times: dict[int, np.ndarray]) -> None:
        """Cargo units of every cargo flow, with the global ids the SimPy engine gives them."""
        index = self.tt.index
        for f, flow in enumerate(self.scenario.demand):
            if flow.kind != "cargo":
                continue
            origin, dest = index[flow.from_], index[flow.to]
            for uid, t in zip(ids[f].tolist(), times[f].tolist(), strict=True):
                unit = Unit(uid, f, False, dest, t, origin)
                self.units.append(unit)
                if t >= self.end:
                    continue
                found = self.routes.earliest(origin, dest, t)
                if found is None:
                    self.unrouted.append(unit)
                    continue
                it, steps = found
                unit.steps = list(steps)
                unit.planned_arrival = it.arrive_min
                unit.ready = t + self.checkin[origin]
                self.entering[origin].append(unit)

    # ------------------------------------------------------------------ the run
    def run(self) -> bool:
        """Compute the replication; False if the places do not form an order (routes loop)."""
        tt = self.tt
        trips: dict[int, dict[str, Any]] = {}
        graph = nx.DiGraph()
        graph.add_nodes_from(range(len(tt.places)))
        for s, service in enumerate(self.scenario.services):
            if service.unit != "feu" or tt.service_starts[s].size == 0:
                continue
            stops = tt.service_stops[s].tolist()
            graph.add_edges_from(zip(stops, stops[1:], strict=False))
            delays = trip_delays(service, self.streams, tt.service_starts[s].size)
            for start, trip, delay in zip(tt.service_starts[s].tolist(), service_trips(tt, s).tolist(),
                                          delays.tolist(), strict=True):
                leave = start + delay
                if leave >= self.end:
                    continue
                self.trips_run += 1
                trips[trip] = {"s": s, "start": start, "stops": stops, "dep": [math.nan] * len(stops),
                               "load": 0, "onboard": defaultdict(list)}
                trips[trip]["dep"][0] = leave
        for unit in self.units:
            for step in unit.steps:
                if step[0] in ("L", "D"):
                    row = step[2] if step[0] == "D" else step[1]
                    graph.add_edge(int(tt.links.origin[row]), int(tt.links.dest[row]))
        try:
            order = list(nx.topological_sort(graph))
        except nx.NetworkXUnfeasible:
            return False
        calls_at: dict[int, list[tuple[int, int]]] = defaultdict(list)  # place -> (trip, stop index)
        for trip, state in trips.items():
            for i, place in enumerate(state["stops"]):
                calls_at[place].append((trip, i))

        for place in order:
            for trip, i in calls_at[place]:
                state = trips[trip]
                prev = state["dep"][i - 1] if i > 0 else math.nan
                if i == 0 or math.isnan(prev):
                    continue
                s = state["s"]
                run = float(tt.service_arr_offset[s][i - 1] - tt.service_dep_offset[s][i - 1])
                self.incoming[place].append((prev + run, "trip", (trip, i)))
            self._process(place, trips)
            self._board(place, trips, [(t, i) for t, i in calls_at[place] if i < len(trips[t]["stops"]) - 1])
        return True

    def _process(self, place: int, trips: dict[int, dict[str, Any]]) -> None:
        """Every vehicle reaching ``place``: queue (if a station), then units land."""
        spec = self.scenario.places[place]
        arrivals = sorted((a for a in self.incoming.pop(place, []) if a[0] < self.end),
                          key=lambda a: a[0])
        station = spec.servers is not None
        if station and spec.background_per_day > 0:
            rng = self.streams(f"background:{spec.id}")
            per_day = spec.background_per_day
            arrivals += [(t, "background", None) for t in background_times(per_day, rng, self.end).tolist()]
            arrivals.sort(key=lambda a: a[0])
        for unit in self.entering.pop(place, []):
            self._wait_for_next(unit, place, leave=unit.created)
        if not arrivals:
            return
        times = np.array([a[0] for a in arrivals])
        if station:
            assert spec.service_time is not None and spec.servers is not None
            rng = self.streams(f"service:{spec.id}")
            chunks = [spec.service_time.sample(rng, SERVICE_CHUNK)
                      for _ in range(-(-times.size // SERVICE_CHUNK))]
            draws = np.concatenate(chunks)[: times.size]
            start = times + multi_server_waits(times, draws, spec.servers)
            finish = start + draws
            riders = [self._riders(a, trips) for a in arrivals]
            self.logs[place] = {
                "servers": spec.servers,
                "arrive_min": times,
                "start_min": np.where(start < self.end, start, np.nan),
                "end_min": np.where(finish < self.end, finish, np.nan),
                "units": np.array([len(r) for r in riders], dtype=np.int64),
            }
            done = finish.tolist()
        else:
            riders = [self._riders(a, trips) for a in arrivals]
            done = times.tolist()
        for (t, kind, payload), t_done, aboard in zip(arrivals, done, riders, strict=True):
            if t_done >= self.end:
                continue  # still in the station when the run stops
            if station:
                for unit in aboard:
                    unit.station_wait += t_done - t
                    self.station_waits.append((unit.id, place, t, t_done - t))
            if kind == "trip":
                trip, i = payload
                state = trips[trip]
                leaving = state["onboard"].pop(i, [])
                state["load"] -= len(leaving)
                self._land(leaving, place, t_done, station, via_link=False)
                if i < len(state["stops"]) - 1:
                    scheduled = state["start"] + float(self.tt.service_dep_offset[state["s"]][i])
                    dep = max(t_done, scheduled)
                    if dep < self.end:
                        state["dep"][i] = dep
            elif kind == "convoy":
                self._land(payload, place, t_done, station, via_link=True)
            elif kind == "dispatch":
                self._land(payload, place, t_done, station, via_link=False)

    @staticmethod
    def _riders(arrival: tuple[float, str, Any], trips: dict[int, dict[str, Any]]) -> list[Unit]:
        kind, payload = arrival[1], arrival[2]
        if kind == "trip":
            return [u for group in trips[payload[0]]["onboard"].values() for u in group]
        return list(payload) if kind in ("convoy", "dispatch") else []

    def _land(self, units: list[Unit], place: int, now: float, processed: bool, via_link: bool) -> None:
        ready, leave = landing(now, self.mct[place], self.after_link[place], processed, via_link)
        by_link: dict[int, list[Unit]] = defaultdict(list)
        for unit in units:
            unit.place = place
            if place != unit.dest and unit.steps and unit.steps[0][0] == "L":
                unit.ready = ready
                by_link[unit.steps[0][1]].append(unit)
                continue
            if place == unit.dest:
                unit.status, unit.arrival, unit.steps = DELIVERED, now, []
                continue
            unit.ready = ready
            self._wait_for_next(unit, place, leave)
        for row, group in by_link.items():
            self._link(group, row, leave)

    def _wait_for_next(self, unit: Unit, place: int, leave: float) -> None:
        step = unit.steps[0]
        if step[0] == "S":
            unit.status = WAITING
            self.pool[(place, step[1])].append(unit)
        elif step[0] == "L":
            self._link([unit], step[1], leave)
        else:  # dispatched, one unit a vehicle, at once
            unit.status = MOVING
            lt = self.tt.links
            at = unit.ready
            if at >= self.end:
                return
            row = step[2]
            unit.steps.pop(0)
            unit.cost_usd += float(lt.cost_usd[row])
            unit.co2_kg += float(lt.co2_kg[row])
            if math.isnan(unit.first_departure):
                unit.first_departure = at
            self.incoming[int(lt.dest[row])].append((at + float(lt.duration_min[row]), "dispatch", [unit]))

    def _link(self, units: list[Unit], row: int, leave: float) -> None:
        for unit in units:
            unit.status = MOVING
        if leave >= self.end:
            return
        lt = self.tt.links
        for unit in units:
            unit.steps.pop(0)
            unit.cost_usd += float(lt.cost_usd[row])
            unit.co2_kg += float(lt.co2_kg[row])
        self.incoming[int(lt.dest[row])].append((leave + float(lt.duration_min[row]), "convoy", units))

    def _board(self, place: int, trips: dict[int, dict[str, Any]], leaving: list[tuple[int, int]]) -> None:
        """Containers waiting at ``place`` board the departures (trip, stop index) from it, FCFS
        per service."""
        departures: dict[int, list[tuple[float, int, int]]] = defaultdict(list)  # service -> (t, trip, i)
        for trip, i in leaving:
            state = trips[trip]
            if not math.isnan(state["dep"][i]):
                departures[state["s"]].append((state["dep"][i], trip, i))
        for s, deps in departures.items():
            pool = self.pool.pop((place, s), [])
            deps.sort()
            if not pool:
                continue
            pool.sort(key=lambda u: (u.ready, u.id))
            capacity = self.scenario.services[s].capacity
            room = [capacity - trips[trip]["load"] for _, trip, _ in deps]
            which, _ = batch_boarding([u.ready for u in pool], [d[0] for d in deps], room)
            for unit, k in zip(pool, which.tolist(), strict=True):
                if k < 0:
                    self.pool[(place, s)].append(unit)  # left behind when the run ends
                    continue
                t, trip, _ = deps[k]
                state = trips[trip]
                step = unit.steps.pop(0)
                state["onboard"][step[3]].append(unit)
                state["load"] += 1
                unit.status = ONBOARD
                unit.cost_usd += step[7]
                unit.co2_kg += step[8]
                if math.isnan(unit.first_departure):
                    unit.first_departure = t


def flow_times(scenario: Scenario, streams: Streams, horizon: float) -> tuple[dict[int, np.ndarray],
                                                                             dict[int, np.ndarray]]:
    """Every flow's arrival times and the global unit ids the SimPy engine gives them
    (creation order across flows)."""
    times = {f: arrival_times(flow, horizon, streams(f"demand:{flow.id}"))
             for f, flow in enumerate(scenario.demand)}
    flat_t = np.concatenate([times[f] for f in times]) if times else np.empty(0)
    flat_f = np.concatenate([np.full(times[f].size, f) for f in times]) if times else np.empty(0)
    order = np.lexsort((flat_f, flat_t))
    ids = np.empty(order.size, dtype=np.int64)
    ids[order] = np.arange(order.size)
    out: dict[int, np.ndarray] = {}
    k = 0
    for f in times:
        out[f] = ids[k : k + times[f].size]
        k += times[f].size
    return out, times


def run_fast_replication(scenario: Scenario, tt: Timetable, planner: Planner, replication: int, *,
                         seed: int | None = None) -> Any:
    """Records of one replication by the fast path (passengers by the SimPy engine beside it),
    or None if this replication needs the SimPy engine throughout."""
    from corridor.network.timetable import build_timetable
    from corridor.simulation.engine import Replication
    from corridor.simulation.records import Records

    used_seed = scenario.run.seed if seed is None else seed
    fast = FastReplication(scenario, tt, planner, replication, seed=used_seed)
    ids, times = flow_times(scenario, fast.streams, fast.horizon)
    fast.create_units(ids, times)
    if not fast.run():
        return None  # routes loop back through places: the SimPy engine follows them
    units: list[Unit] = list(fast.units)
    events = 0
    trips_run = fast.trips_run
    pax_flows = [f for f, flow in enumerate(scenario.demand) if flow.kind == "passenger"]
    if not pax_flows:  # passenger services still run their trips, empty: count them
        for s, service in enumerate(scenario.services):
            starts = tt.service_starts[s]
            if service.unit != "pax" or starts.size == 0:
                continue
            delays = trip_delays(service, fast.streams, starts.size)
            trips_run += int(np.sum(starts + delays < fast.end))
    else:
        # passengers alone, on passenger services, with no stations (they pass none)
        places = [p.model_copy(update={"servers": None, "service_time": None, "background_per_day": 0.0})
                  for p in scenario.places]
        pax = scenario.model_copy(update={
            "demand": [scenario.demand[f] for f in pax_flows],
            "services": [s for s in scenario.services if s.unit == "pax"],
            "places": places,
        })
        pax_tt = build_timetable(pax, horizon_days=tt.horizon_min / 1440.0)
        planners = {u: Planner(pax_tt, unit=u) for u in ("pax", "feu")}
        rep = Replication(pax, pax_tt, planners, replication, seed=used_seed)  # same named streams
        counter = _count(rep)
        rep.run()
        events = counter()
        trips_run += rep.trips_run
        global_ids = np.sort(np.concatenate([ids[f] for f in pax_flows] or [np.empty(0, dtype=np.int64)]))
        for unit in rep.units:
            unit.id = int(global_ids[unit.id])
            unit.flow = pax_flows[unit.flow]
            units.append(unit)
    units.sort(key=lambda u: u.id)
    logs = {}
    for p, place in enumerate(scenario.places):
        if place.servers:
            logs[tt.places[p]] = fast.logs.get(p) or {
                "servers": place.servers, "arrive_min": np.empty(0), "start_min": np.empty(0),
                "end_min": np.empty(0), "units": np.empty(0, dtype=np.int64)}
    return Records.build(
        replication=replication, horizon_min=fast.horizon, end_min=fast.end,
        warmup_min=scenario.run.warmup_days * 1440.0, flows=tuple(f.id for f in scenario.demand),
        places=tt.places, units=units, stations=logs, station_waits=fast.station_waits,
        trips_run=trips_run, trips_cancelled=0, events=events,
    )


def _count(rep: Any) -> Any:
    from corridor.simulation import count_events

    return count_events(rep)
