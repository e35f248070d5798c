"""Offered load at each station, from the scenario alone: will it jam before anything runs?

A station's offered load is the work arriving a day (vehicles a day times the mean service
time) over what its servers can do in a day. Vehicles are:

* the timetabled trips that call at it (each trip calls at every stop after its first; the
  trips that leave their first stop in the horizon, as days and validity periods leave them,
  averaged over its days), loaded or not (an empty trip passes a station without queueing, so
  a timetable that nothing rides overstates the load);
* the dispatched vehicles that cargo demand fills: a flow's route (the planner's earliest
  from its origin, or for a flow with gateway choice what every gateway's route has in
  common) sends its containers a day over each dispatched service's capacity, as full
  vehicles, to the service's far end, and the convoys they make over links on from there;
* the background traffic.

Dispatched vehicles leave part-full at their cut-off, and a gateway's share of a flow that
chooses is not counted, so that part is a floor. Under a disruption that cuts capacity by a
factor f, the load is divided by f while it lasts; a closure (f = 0) stops service entirely
and is reported apart; a disruption outside the simulated period (horizon and drain) counts
for nothing. The background's seasonal factors give the load of the busiest calendar month
the run's demand meets (``peak_utilisation``): a station under capacity on the year's mean
can be over it then.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from corridor.network.timetable import Timetable, build_timetable
from corridor.planning.search import Planner
from corridor.scenario.checks import demand_units, over_horizon
from corridor.scenario.schema import Disruption, Place, Scenario
from corridor.simulation.entities import DispatchStep, LinkStep, Step
from corridor.simulation.gateways import gateway_options, shut_all_run
from corridor.simulation.routes import RouteCache
from corridor.simulation.shut import open_connections, without_shut
from corridor.units import MIN_PER_DAY


@dataclass(frozen=True)
class StationLoad:
    place: str
    servers: int
    service_min: float  # mean service time of one vehicle
    timetabled_per_day: float
    dispatched_per_day: float  # full dispatched vehicles of cargo demand, and their convoys
    background_per_day: float
    utilisation: float  # offered load over capacity, outside disruptions
    worst_utilisation: float  # under the deepest capacity cut (inf under a closure)
    #: in the busiest calendar month of the run (UTC), the background at its seasonal factor
    peak_utilisation: float = math.nan
    peak_month: str = ""
    #: the cargo flows whose gateway choice sends containers here on some of their routes but
    #: not on all, left out of ``dispatched_per_day`` (a Duisburg flow at Kena, reached on the
    #: way to Sestokai or Braniewo); a flow with one gateway, or passing on every route, counts
    uncounted_flows: tuple[str, ...] = ()

    @property
    def vehicles_per_day(self) -> float:
        return self.timetabled_per_day + self.dispatched_per_day + self.background_per_day

    @property
    def loaded_utilisation(self) -> float:
        """The offered load without the timetabled trips, which may run empty (and an empty
        trip passes without queueing): the part that surely comes."""
        if self.vehicles_per_day <= 0:
            return 0.0
        return self.utilisation * (1.0 - self.timetabled_per_day / self.vehicles_per_day)


def simulated_period(scenario: Scenario) -> tuple[dt.datetime, dt.datetime]:
    """From the scenario's epoch to the end of its horizon and drain (UTC)."""
    start = scenario.run.epoch
    return start, start + dt.timedelta(days=scenario.run.horizon_days + scenario.run.drain_days)


def outside_run(scenario: Scenario) -> list[Disruption]:
    """The disruptions that end before the run starts or start after it ends: no run sees them
    (a mistyped year, most often)."""
    start, end = simulated_period(scenario)
    return [d for d in scenario.disruptions if d.end <= start or d.start >= end]


def idle_seasons(scenario: Scenario) -> list[tuple[str, str, str]]:
    """Flows and stations whose monthly factors are 0 in every month (UTC) the horizon meets:
    no unit, or no background vehicle, arrives in a run. Each as (id, the key, the months)."""
    met = _months(scenario)
    months = [m for m, _ in met]
    span = met[0][1] + (f" to {met[-1][1]}" if len(met) > 1 else "")
    out = [(d.id, "seasonality", span) for d in scenario.demand
           if d.seasonality is not None and not any(d.seasonality[m] > 0 for m in months)]
    out += [(p.id, "background_seasonality", span) for p in scenario.places
            if p.background_seasonality is not None and p.background_per_day > 0
            and not any(p.background_seasonality[m] > 0 for m in months)]
    return out


def pathless_services(scenario: Scenario) -> list[tuple[str, tuple[int, ...]]]:
    """Dispatched services whose departure paths are on weekdays that no UTC day of the run
    (horizon and drain) falls on, in a run shorter than a week: none of their vehicles leaves.
    Each as (id, the weekdays with paths, Monday = 0).
    """
    days = scenario.run.horizon_days + scenario.run.drain_days
    met = {(scenario.run.start.weekday() + k) % 7 for k in range(min(days, 7))}
    return [(s.id, s.dispatch.path_weekdays) for s in scenario.services
            if s.dispatch is not None and s.dispatch.paths_per_day is not None
            and not set(s.dispatch.path_weekdays) & met]


def idle_fleets(scenario: Scenario) -> list[str]:
    """The fleets no dispatched service names (``dispatch: {fleet: ID}``): their vehicles never run."""
    used = {s.dispatch.fleet for s in scenario.services if s.dispatch is not None}
    return [f.id for f in scenario.fleets if f.id not in used]


def idle_cuts(scenario: Scenario) -> list[tuple[Disruption, str]]:
    """The disruptions with a factor above 0 that the simulation cannot apply, and why: at a
    place without servers, or on a link, only a closure (0) acts (a cut has no servers to slow
    or capacity to reduce), so the run goes on as if it were not there; and a factor of 1
    anywhere leaves the whole capacity."""
    places = {p.id: p for p in scenario.places}
    links = {k.id for k in scenario.links}
    out = []
    for d in scenario.disruptions:
        if d.capacity_factor == 0.0:
            continue
        if d.capacity_factor == 1.0:
            out.append((d, "anywhere: it leaves the whole capacity (0 closes, 0.5 halves)"))
        elif d.target in places and places[d.target].servers is None:
            out.append((d, f"at {d.target}, a place without servers: only a closure (0) holds what "
                           "arrives there and leaves it"))
        elif d.target in links:
            out.append((d, f"on link {d.target}: only a closure (0) holds what takes it"))
    return out


def offered_load(scenario: Scenario, tt: Timetable | None = None) -> list[StationLoad]:
    """The offered load of every station that queues, in the order of the scenario's places
    (``tt``: the scenario's timetable, if built already)."""
    queueing = {p.id for p in scenario.places if p.servers and p.service_time is not None}
    if tt is None and queueing and any(s.timetable is not None for s in scenario.services):
        tt = build_timetable(scenario)
    ways = _flow_ways(scenario, tt) if queueing else []
    dispatched, uncounted = _demand_vehicles(ways), _uncounted_flows(ways)
    calls: dict[str, float] = {}
    horizon_min = scenario.run.horizon_days * MIN_PER_DAY
    shut = shut_all_run(scenario) if queueing else {}
    for k, service in enumerate(scenario.services):
        # a service shut all run, or held where it starts, calls nowhere
        if service.timetable is None or not queueing or service.id in shut or service.stops[0] in shut:
            continue
        assert tt is not None
        # the trips the run has, as its days and validity periods leave them (a weekly pattern
        # valid in another year, or for two days of the run, was counted every day)
        per_day = int(np.count_nonzero(tt.service_starts[k] < horizon_min)) / scenario.run.horizon_days
        for stop in service.stops[1:]:
            calls[stop] = calls.get(stop, 0.0) + per_day
            if stop in shut:
                break  # held there, it goes no further (:mod:`corridor.simulation.shut`)
    unseen = outside_run(scenario)
    months = _months(scenario)
    out = []
    for place in scenario.places:
        if not place.servers or place.service_time is None:
            continue
        mean = float(place.service_time.mean_min)
        timetabled, sent = calls.get(place.id, 0.0), dispatched.get(place.id, 0.0)
        background = seasonal_background(scenario, place)
        rho = (timetabled + sent + background) * mean / (place.servers * MIN_PER_DAY)
        cut = _deepest_cut(scenario, place.id, unseen)
        deepest = cut.capacity_factor if cut is not None else 1.0
        worst = rho / deepest if deepest > 0 else math.inf
        peak, month = rho, ""
        if place.background_seasonality is not None and place.background_per_day > 0:
            for m, label in months:
                vehicles = timetabled + sent + place.background_per_day * place.background_seasonality[m]
                load = vehicles * mean / (place.servers * MIN_PER_DAY)
                if load > peak:
                    peak, month = load, label
        out.append(StationLoad(place.id, place.servers, mean, timetabled, sent, background,
                               rho, max(rho, worst), peak, month, tuple(uncounted.get(place.id, ()))))
    return out


def seasonal_background(scenario: Scenario, place: Place) -> float:
    """Outside vehicles a day that reach ``place`` on average over the run's demand: its
    ``background_per_day`` at each month's factor, weighted by the run's days in it (factors of
    0.5 in every month are half the traffic, not a season of the same mean); what the run-size
    bound counts, over the horizon's days."""
    days = scenario.run.horizon_days
    return over_horizon(scenario, place.background_per_day, place.background_seasonality) / days


#: outside traffic alone this busy leaves a station no room that any cargo could use for long:
#: the engine's growing flag starts at this utilisation too
OUTSIDE_FULL = 0.95


def outside_overload(scenario: Scenario) -> dict[str, str]:
    """The stations whose outside traffic alone fills them, whatever the scenario's own demand:
    at least :data:`OUTSIDE_FULL` of their capacity on the mean, in the busiest month of its
    seasons, or over it under a capacity cut in the run; each with why, in words. (A queue
    that grows there at the lightest demand grows whatever the demand; elsewhere it is that
    demand's own jam.)

    >>> from corridor.scenario.schema import Disruption, Place
    >>> from types import SimpleNamespace as NS
    >>> import datetime as dt
    >>> def station(name, per_day):  # two servers, 8 h a vehicle: 6 vehicles a day fill it
    ...     return Place.model_validate({"id": name, "name": name, "kind": "border_station", "country": "PL",
    ...         "lat": 52, "lon": 23, "tz": "UTC", "servers": 2, "background_per_day": per_day,
    ...         "service_time": {"dist": "fixed", "value_min": 480}})
    >>> works = Disruption.model_validate({"id": "WORKS", "target": "C", "start": "2027-01-10T00:00Z",
    ...                                    "end": "2027-01-20T00:00Z", "capacity_factor": 0.5})
    >>> run = NS(horizon_days=30, drain_days=0, epoch=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
    ...          start=dt.date(2027, 1, 1))
    >>> found = outside_overload(NS(places=[station("A", 5), station("B", 6), station("C", 4)],
    ...                             disruptions=[works], run=run))
    >>> for place, why in found.items():
    ...     print(place, why)
    B its outside traffic alone takes 100% of its capacity
    C its outside traffic alone is over its capacity while WORKS cuts it to 0.5
    >>> scenario = NS(places=[station("A", 5.9), station("B", 6), station("C", 4)],
    ...               disruptions=[works], run=run)
    >>> sorted(outside_over_capacity(scenario))  # full without a cut: B alone
    ['B']
    """
    unseen = outside_run(scenario)
    out: dict[str, str] = {}
    for place, rho, why in _outside_loads(scenario):
        deepest = _deepest_cut(scenario, place.id, unseen)
        if rho < OUTSIDE_FULL and deepest is not None and (
                deepest.capacity_factor == 0 or rho / deepest.capacity_factor > 1):
            out[place.id] = (f"its outside traffic alone is over its capacity while {deepest.id} "
                             + ("closes it" if deepest.capacity_factor == 0
                                else f"cuts it to {deepest.capacity_factor:g}"))
        elif rho >= OUTSIDE_FULL:
            out[place.id] = why
    return out


def outside_over_capacity(scenario: Scenario) -> set[str]:
    """The stations whose outside traffic alone reaches their whole capacity, on the mean or
    in the busiest month of its seasons (no cut needed): their queue grows while it lasts,
    whatever the scenario's own demand, in every replication that the growth test catches it
    or not (Małaszewicze's 105% in May grew in 5 of 10 at half the baseline's cargo). An
    example is :func:`outside_overload`'s.
    """
    return {place.id for place, rho, _ in _outside_loads(scenario) if rho >= 1.0}


def _outside_loads(scenario: Scenario) -> list[tuple[Place, float, str]]:
    """Every station with outside traffic: the share of its capacity that traffic alone takes,
    in its busiest month of the run when it has seasons, and that said in words."""
    months = _months(scenario)
    out = []
    for place in scenario.places:
        if not place.servers or place.service_time is None or not place.background_per_day:
            continue
        each = float(place.service_time.mean_min) / (place.servers * MIN_PER_DAY)  # of a vehicle a day
        rho = seasonal_background(scenario, place) * each
        why = f"its outside traffic alone takes {rho:.0%} of its capacity"
        if place.background_seasonality is not None:
            peak, label = max(((place.background_per_day * each * place.background_seasonality[m], label)
                               for m, label in months), default=(rho, ""))
            if peak > rho:
                rho, why = peak, f"its outside traffic alone takes {peak:.0%} of its capacity in {label}"
        out.append((place, rho, why))
    return out


def _deepest_cut(scenario: Scenario, place: str, unseen: list[Disruption]) -> Disruption | None:
    """The disruption of ``place`` that leaves it the least capacity in the run (none outside
    it, ``unseen``), or None."""
    cuts = [d for d in scenario.disruptions if d.target == place and d not in unseen]
    return min(cuts, key=lambda d: d.capacity_factor, default=None)


def _months(scenario: Scenario) -> list[tuple[int, str]]:
    """The calendar months (UTC; 0 for January) that the run's demand meets, and their labels."""
    from corridor.simulation.demand import month_edges

    run = scenario.run
    edges, months = month_edges(run.epoch, run.horizon_days * MIN_PER_DAY)
    out = []
    for start, m in zip(edges[:-1].tolist(), months.tolist(), strict=True):
        when = run.epoch + dt.timedelta(minutes=start)
        out.append((int(m), f"{when.astimezone(dt.UTC):%Y-%m}"))
    return out


def _demand_vehicles(ways: list[tuple[str, list[dict[str, float]]]]) -> dict[str, float]:
    """Vehicles a day that cargo demand sends to each place on dispatched services (full) and
    in convoys over links on from them, from each flow's routes (:func:`_flow_ways`): what
    every route of a flow sends there, at least; a floor (see the module's note)."""
    out: dict[str, float] = {}
    for _, sent in ways:
        for place in set(sent[0]).intersection(*sent[1:]):
            out[place] = out.get(place, 0.0) + min(way[place] for way in sent)
    return out


def _uncounted_flows(ways: list[tuple[str, list[dict[str, float]]]]) -> dict[str, list[str]]:
    """Per place, the cargo flows that :func:`_demand_vehicles` leaves out there: those whose
    routes reach it on some of them but not on all."""
    out: dict[str, list[str]] = {}
    for flow, sent in ways:
        for place in sorted(set().union(*sent) - set(sent[0]).intersection(*sent[1:])):
            out.setdefault(place, []).append(flow)
    return out


def _flow_ways(scenario: Scenario, tt: Timetable | None) -> list[tuple[str, list[dict[str, float]]]]:
    """Per cargo flow with a journey: the vehicles a day each of its routes (one per gateway, or
    the earliest) would send to each place, as :func:`_vehicles` counts them."""
    flows = [f for f in scenario.demand if f.kind == "cargo"]
    if not flows:
        return []
    tt = tt if tt is not None else build_timetable(scenario)
    planner = Planner(tt, unit="feu")
    routes = RouteCache(planner, planner.allowed(tt.service_mask(None, "feu")))
    out = []
    for flow in flows:
        origin, dest = tt.index[flow.from_], tt.index[flow.to]
        if flow.gateways is not None:
            via = tuple(tt.index[g] for g in flow.gateways.via)
            ways = [o.steps for o in gateway_options(planner, origin, dest, via)]
        else:
            found = routes.earliest(origin, dest, 0.0)
            ways = [found[1]] if found is not None else []
        if ways:
            out.append((flow.id, [_vehicles(scenario, tt, steps, flow.per_week / 7.0) for steps in ways]))
    return out


def _vehicles(scenario: Scenario, tt: Timetable, steps: tuple[Step, ...],
              units_per_day: float) -> dict[str, float]:
    """Vehicles a day reaching each place along ``steps``: a dispatched service's full ones,
    then the convoys its containers make over links; containers alone over a link from the
    origin are a vehicle each; after a timetabled ride, nothing more (its trips are counted)."""
    out: dict[str, float] = {}
    vehicles = units_per_day  # units arriving apart
    for step in steps:
        if isinstance(step, DispatchStep):
            vehicles = units_per_day / scenario.services[step.service].capacity
        elif not isinstance(step, LinkStep):
            vehicles = 0.0
            continue
        place = tt.places[int(tt.links.dest[step.row])]
        out[place] = out.get(place, 0.0) + vehicles
    return out


def blocked_flows(scenario: Scenario, tt: Timetable | None = None) -> list[tuple[str, str, list[str]]]:
    """Flows with a journey on the run's timetable but none without what closures hold shut all
    run (services, links, places: nothing leaves or reaches one, and a trip goes no further;
    :mod:`corridor.simulation.shut`, as the simulation routes): (flow, unit, the disruptions
    that hold shut what blocks the flow alone, or all that hold something shut all run where
    only several together do). A named flow has no journey in the run."""
    shut = shut_all_run(scenario)
    if not shut or not scenario.demand:
        return []
    if tt is None:
        tt = build_timetable(scenario, horizon_days=scenario.run.horizon_days + scenario.run.drain_days)
    before = {flow for flow, _ in unroutable_flows(scenario, tt)}
    blocked = [(f, unit) for f, unit in unroutable_flows(scenario, tt, shut=frozenset(shut))
               if f not in before]
    if not blocked:
        return []
    everything = sorted({d for ids in shut.values() for d in ids})
    if len(shut) == 1:
        return [(flow, unit, everything) for flow, unit in blocked]
    # each flow is blamed on what blocks it alone, where something does; else on all of it
    alone = {t: {f for f, _ in unroutable_flows(scenario, tt, shut=frozenset({t}))} for t in shut}
    out = []
    for flow, unit in blocked:
        why = sorted({d for t, ids in shut.items() if flow in alone[t] for d in ids})
        out.append((flow, unit, why or everything))
    return out


#: memory a replication holds, measured (docs/scenarios.md): 864,000 connections peaked at
#: 1.45 GB, 1.43 million units of demand at 925 MB (2026-11-30 and 2026-12-04)
BYTES_PER_CONNECTION, BYTES_PER_UNIT = 1_700, 650
#: a replication this big is worth a word before the run: a laptop's worker pool may not hold it
MEMORY_WORTH_SAYING_GB = 2.0


def replication_memory_gb(scenario: Scenario, tt: Timetable | None) -> tuple[float, int, float]:
    """About how much memory one replication takes (GB), from its timetabled connections over
    horizon and drain and its units of demand on average: (GB, connections, units)."""
    connections = tt.n_connections if tt is not None else 0
    units = sum(demand_units(scenario).values())
    return (connections * BYTES_PER_CONNECTION + units * BYTES_PER_UNIT) / 1e9, connections, units


def unroutable_flows(scenario: Scenario, tt: Timetable | None = None,
                     shut: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """Flows with no journey from their origin to their destination on the run's timetable
    (horizon and drain), and the unit they carry: the simulation finds none either, so every
    unit of theirs waits at the origin to the end. Checked from the run's first moment: a
    unit ready later can only board what an earlier one could wait for. ``shut``: what is
    left out of every route (:mod:`corridor.simulation.shut`)."""
    if not scenario.demand:
        return []
    if tt is None:
        tt = build_timetable(scenario, horizon_days=scenario.run.horizon_days + scenario.run.drain_days)
    routes: dict[str, RouteCache] = {}
    out = []
    for flow in scenario.demand:
        unit = "pax" if flow.kind == "passenger" else "feu"
        if unit not in routes:
            planner = without_shut(Planner(tt, unit=unit), shut)
            allowed = planner.allowed(tt.service_mask(None, unit))
            routes[unit] = RouteCache(planner, allowed & open_connections(tt, shut) if shut else allowed)
        if routes[unit].earliest(tt.index[flow.from_], tt.index[flow.to], 0.0) is None:
            out.append((flow.id, unit))
    return out
