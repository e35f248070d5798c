"""Gateway choice of cargo flows: which border crossing a container's route takes.

A flow with ``gateways`` lists the places its containers may cross (Malaszewicze, Kuznica,
Siemianowka, Sestokai, Braniewo...). For each gateway the route is the fastest chain of
block trains and links from origin to destination that crosses it and none of the others
(the link closure on the rows that avoid them, found once per timetable). When the choice is
made (below), each route's generalised cost is its tariff, plus the value of time times its
riding time and the waits expected on the way (the queue a vehicle arriving now would meet at
each station the route calls at, closures included, and the wait for a departure path out of
the gateway when the block gets there, behind the blocks already heading for it: see
:func:`forecast_path_wait`), plus a CO2 price; the container
picks one by the logit of -cost / scale (:func:`corridor.kernels.logit.draw`), with one
uniform from the flow's own ``gateway:FLOW`` stream. A block train decides together: when every
route starts with the same dispatched service (a block train formed at the origin), the flow's
containers on each of its trains choose when it leaves, so the train runs through to one
gateway and is not re-sorted on the way; otherwise the first of each ``block_feu`` consecutive
containers of a flow chooses and the others take the same route (and the choice costs once a
block). Closing or slowing a gateway raises its
expected wait and moves the split to the others; nothing is typed by hand. Each block's
forecast is kept (:class:`Forecast`) and set against when its last container left the gateway;
with the flow's ``experience_weight`` the gateway's correction, added to every later forecast
of it, moves that share of the way to the block's error (``GatewayChoices.left``).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from corridor.kernels.logit import draw_one
from corridor.network.timetable import Timetable
from corridor.planning.itinerary import chain_legs
from corridor.planning.links import LinkHop, link_closure, usable_rows
from corridor.planning.search import Planner
from corridor.scenario.schema import Disruption, GatewayChoice, Scenario
from corridor.simulation.entities import DispatchStep, LinkStep, Step
from corridor.simulation.shut import open_links
from corridor.simulation.stations import PathPool, whole_units
from corridor.units import MIN_PER_DAY

CHUNK = 1024  # uniforms drawn at a time, in order of creation
#: a forecast wait for paths stops counting here: a gateway whose paths are booked this far
#: ahead is jammed, and the logit gives it nothing (90 days at USD 150 a day against a scale
#: of USD 150 is a factor e^-90), so the trains behind the first 90 days are not counted one by one
MAX_FORECAST_MIN = 90 * MIN_PER_DAY


@dataclass(frozen=True)
class GatewayOption:
    """One gateway's route: its steps, riding time (no planned waits), tariff and CO2."""

    gateway: int
    steps: tuple[Step, ...]
    ride_min: float
    planned_min: float  # ready at the origin to arrival by the boarding rules (cut-offs, connections)
    cost_usd: float
    co2_kg: float
    exit_service: int  # the dispatched service that leaves the gateway (-1: none)
    calls: tuple[int, ...] = ()  # the places the route's vehicles reach, in order (queues are met there)
    to_gateway_min: float = 0.0  # riding time from the origin to the gateway
    calls_to_gateway: int = 0  # how many of ``calls`` come up to the gateway, itself included


@dataclass(eq=False, slots=True)
class Forecast:
    """A block's forecast, kept to set against what it meets: the flow and gateway, when it
    chose, when its last container is expected to leave the gateway (``leave_min``: that
    container's choice + ``ahead_min``, the riding to the gateway and the waits on the way and
    there), the correction the choice added, the flow's ``experience_weight``, its containers,
    how many are still to leave, and when the last left (NaN until then)."""

    flow: int
    gateway: int
    chose_min: float
    ahead_min: float
    leave_min: float
    correction_min: float
    weight: float
    feu: int
    left: int
    left_min: float = math.nan


_CACHE: weakref.WeakKeyDictionary[
    Planner, dict[tuple[int, int, tuple[int, ...], frozenset[str]], list[GatewayOption]]] = (
    weakref.WeakKeyDictionary())


def gateway_options(planner: Planner, origin: int, dest: int, via: tuple[int, ...],
                    shut: frozenset[str] = frozenset()) -> list[GatewayOption]:
    """The route through each gateway of ``via`` that avoids the others (gateways with no such
    route are left out), cached per planner. ``shut``: ids of the places, services and links
    closures hold shut all run (:func:`shut_all_run`); no route takes those services and links,
    nor leaves those places (a block sent there would wait to the end of the run)."""
    cache = _CACHE.setdefault(planner, {})
    key = (origin, dest, via, shut)
    if key not in cache:
        cache[key] = _options(planner.tt, origin, dest, via, shut)
    return cache[key]


def shut_all_run(scenario: Scenario) -> dict[str, list[str]]:
    """The places, services and links that closures hold shut over the whole simulated period
    (horizon and drain), each with the disruptions that do: a factor of 0, or, on a service, a
    cut that leaves no whole unit of its capacity."""
    start = scenario.run.epoch
    end = start + dt.timedelta(days=scenario.run.horizon_days + scenario.run.drain_days)
    capacity = {s.id: s.capacity for s in scenario.services}
    spans: dict[str, list[Disruption]] = {}
    for d in scenario.disruptions:
        if d.capacity_factor == 0.0 or (d.target in capacity
                                        and whole_units(capacity[d.target], d.capacity_factor) == 0):
            spans.setdefault(d.target, []).append(d)
    out = {}
    for target, shut in spans.items():
        reach = start  # the closures, in order of start, cover the period without a gap
        for d in sorted(shut, key=lambda d: d.start):
            if d.start > reach:
                break
            reach = max(reach, d.end)
        if reach >= end:
            out[target] = [d.id for d in shut]
    return out


def _options(tt: Timetable, origin: int, dest: int, via: tuple[int, ...],
             shut: frozenset[str] = frozenset()) -> list[GatewayOption]:
    lt = tt.links
    base = usable_rows(tt, "feu", dispatched=True)
    if shut:
        base &= open_links(tt, shut)
    out = []
    for g in via:
        others = [p for p in via if p != g]
        avoid = np.isin(lt.origin, others) | np.isin(lt.dest, others)
        hops = link_closure(tt, "feu", rows=base & ~avoid)
        # the chains to the gateway joined to those on from it: of the chains from origin to
        # destination, one that avoids the gateway may beat every one through it in time and
        # cost (a crossing the flow does not list), and those were dropped: a flow listing one
        # gateway found no route through it and went another way
        crossing = [_joined(tt, a, b) for a in hops[origin] if a.dest == g for b in hops[g] if b.dest == dest]
        if not crossing:
            continue
        # the chains are closed as links (cut-offs counted); the fastest is the one that
        # arrives first by the boarding rules, from a ready time of 0
        arrives = {h.rows: chain_legs(tt, origin, h.rows, 0.0)[-1].arr_min for h in crossing}
        hop = min(crossing, key=lambda h: (arrives[h.rows], h.cost_usd))
        steps: list[Step] = []
        exit_service = -1
        to_gateway, reached = 0.0, 0
        for k, r in enumerate(hop.rows):
            s = int(lt.service[r])
            steps.append(DispatchStep(s, r) if s >= 0 else LinkStep(r))
            if s >= 0 and int(lt.origin[r]) == g:
                exit_service = s
            if not reached:
                to_gateway += float(lt.duration_min[r])
                if int(lt.dest[r]) == g:
                    reached = k + 1
        out.append(GatewayOption(g, tuple(steps), float(lt.duration_min[list(hop.rows)].sum()),
                                 arrives[hop.rows], hop.cost_usd, hop.co2_kg, exit_service,
                                 tuple(int(lt.dest[r]) for r in hop.rows), to_gateway, reached))
    return out


def _joined(tt: Timetable, first: LinkHop, then: LinkHop) -> LinkHop:
    """The chain ``first`` followed by ``then``, which leaves where ``first`` ends: its totals
    added row by row, in the order :func:`~corridor.planning.links.link_closure` adds them, so a
    route it found whole has the same figures to the last bit."""
    lt = tt.links
    duration, cost, co2 = first.duration_min, first.cost_usd, first.co2_kg
    for r in then.rows:
        duration += float(lt.planned_min[r])
        cost += float(lt.cost_usd[r])
        co2 += float(lt.co2_kg[r])
    return LinkHop(then.dest, duration, cost, co2, first.ids + then.ids, first.rows + then.rows,
                   first.boardings + then.boardings, first.modes + then.modes)


def gateways_left_out(scenario: Scenario, tt: Timetable | None = None) -> list[tuple[str, str]]:
    """(flow, gateway) for each gateway a flow lists that no route can cross alone (a chain of
    links and dispatched services through it and none of the others): the choice leaves it out."""
    return [(flow, gateway) for flow, gateway, why in _left_out(scenario, tt) if not why]


def gateways_shut(scenario: Scenario, tt: Timetable | None = None) -> list[tuple[str, str, list[str]]]:
    """(flow, gateway, the disruptions) for each gateway a route crosses alone, but only on
    services, links or through places that closures hold shut all run: the choice leaves it out."""
    return [(flow, gateway, why) for flow, gateway, why in _left_out(scenario, tt) if why]


def _left_out(scenario: Scenario, tt: Timetable | None) -> list[tuple[str, str, list[str]]]:
    from corridor.network.timetable import build_timetable

    flows = [f for f in scenario.demand if f.gateways is not None]
    if not flows:
        return []
    tt = tt if tt is not None else build_timetable(scenario)
    planner = Planner(tt, unit="feu")
    closed = shut_all_run(scenario)
    lt = tt.links
    out: list[tuple[str, str, list[str]]] = []
    for flow in flows:
        assert flow.gateways is not None
        via = tuple(tt.index[g] for g in flow.gateways.via)
        origin, dest = tt.index[flow.from_], tt.index[flow.to]
        found = {o.gateway: o for o in gateway_options(planner, origin, dest, via)}
        kept = ({o.gateway for o in gateway_options(planner, origin, dest, via, frozenset(closed))}
                if closed else set(found))
        for g, k in zip(flow.gateways.via, via, strict=True):
            if k in kept:
                continue
            if k not in found:
                out.append((flow.id, g, []))
                continue
            # the closures on its fastest open-world route; else (that route shut, the others
            # too) every closure held all run
            rows = [s.row for s in found[k].steps if isinstance(s, (DispatchStep, LinkStep))]
            on = ({lt.ids[r] for r in rows} | {tt.places[int(lt.origin[r])] for r in rows}
                  | {tt.places[int(lt.dest[r])] for r in rows})  # nothing reaches a shut place either
            why = sorted({d for t, ids in closed.items() if t in on for d in ids}
                         or {d for ids in closed.values() for d in ids})
            out.append((flow.id, g, why))
    return out


def forecast_path_wait(used: dict[int, int] | PathPool, ahead: Iterable[Sequence[float]], eta_min: float,
                       feu: int, per_day: int, capacity: int, now_min: float, *,
                       due_feu: float = 0.0) -> float:
    """How long a block of ``feu`` containers reaching its gateway at ``eta_min`` (not before
    ``now_min``) will wait there for departure paths out of it. The gateway's daily pool of
    ``per_day`` paths (``used``: the paths taken so far, per day, or the pool itself) goes first
    to the ``due_feu`` containers already there (they ask now), then to the blocks ``ahead``
    (each a sequence of its expected arrival first and the FEU still to leave last, as
    :meth:`Commitments.ahead` gives them; in order of arrival) that get there first, a path
    for each ``capacity`` FEU (a part-filled train's room goes to the next block's containers),
    then to this block's trains; the wait runs to the path of its last train, at most
    :data:`MAX_FORECAST_MIN`. No path is taken.

    The trains ask in order of time, so the day each gets never goes back: a block's trains
    are placed together from where the last ones went (:class:`_Placement`), and the walk
    stops at the first block arriving after this one or once the wait reaches the cap. A
    forecast costs the blocks on their way that it passes, not their trains, however long the
    backlog already at the gateway.

    >>> # one path a day, 28 FEU a train: a block of 41 needs 1.46 trains
    >>> forecast_path_wait({}, [], 60.0, 41, 1, 28, 0.0) / 1440   # today's path, then tomorrow's
    0.9583333333333334
    >>> # one block ahead takes today's path; its 13 left and this block's 41 fill two trains
    >>> forecast_path_wait({}, [(0.0, 41)], 60.0, 41, 1, 28, 0.0) / 1440
    1.9583333333333333
    """
    place = _Placement(used if isinstance(used, PathPool) else PathPool(per_day, used))
    start = max(eta_min, now_min)
    owed = 0.0  # trains' worth of containers waiting for a path
    blocks: Iterable[Sequence[float]] = ahead
    if due_feu:
        blocks = itertools.chain(((now_min, due_feu),), ahead)
    # behind a backlog most blocks are placed past the pool's last day taken, where every day
    # has all its paths: there ``place.take`` is the arithmetic below, done here on locals
    # (for a pool with paths every day; one with paths on some weekdays places day by day)
    pool = place.pool
    per_day, last_day, every_day = pool.per_day, pool.last_day, pool.open is None
    floor = math.floor
    for block in blocks:
        eta = block[0]
        if eta > eta_min:
            break
        owed += block[-1] / capacity  # (a block done has 0 left: it adds nothing)
        trains = 0
        while owed >= 1.0 - 1e-9:
            trains += 1
            owed -= 1.0
        if not trains:
            continue
        asks = eta if eta >= now_min else now_min
        day = place.day
        if day > last_day and every_day:
            d = floor(asks / MIN_PER_DAY)
            placed = place.placed
            if d > day:
                day, placed = d, 0
            free = per_day - placed
            if trains <= free:
                placed += trains
            else:  # this day's paths, then whole days of them, then the rest
                trains -= free
                day += (trains - 1) // per_day + 1
                placed = trains - (trains - 1) // per_day * per_day
            place.day, place.placed = day, placed
            leave = max(asks, day * MIN_PER_DAY)
        else:
            leave = place.take(trains, asks)
        if leave - start >= MAX_FORECAST_MIN:
            return MAX_FORECAST_MIN
    owed += feu / capacity
    trains = 0
    while owed > 1e-9:
        trains += 1
        owed -= 1.0
    last = place.take(trains, start) if trains else start
    return min(last - start, MAX_FORECAST_MIN)


class _Placement:
    """Forecast trains placed on a pool's paths without taking them: each asks at a time no
    earlier than the one before, so every train goes on the day of the last one placed or
    later, and only that day (``day``, with ``placed`` of this forecast's trains on it) holds
    trains of the forecast that the pool does not count."""

    def __init__(self, pool: PathPool) -> None:
        self.pool = pool
        self.day = -(2**62)
        self.placed = 0

    def take(self, trains: int, t_min: float) -> float:
        """Place ``trains`` (> 0) asking at ``t_min``: when the last of them leaves."""
        pool, per_day = self.pool, self.pool.per_day
        day = max(self.day, math.floor(t_min / MIN_PER_DAY))
        # past the pool's last day taken every day has all its paths: a forecast behind a long
        # backlog places most of its blocks there, without asking the pool; a pool with paths on
        # some weekdays only is asked day by day
        every_day = pool.open is None
        while day <= pool.last_day or not every_day:
            day = pool.next_day(day * MIN_PER_DAY)  # past the days the pool has full or without paths
            if day > pool.last_day and every_day:  # from here on every day has all its paths
                break
            free = per_day - pool.used.get(day, 0) - (self.placed if day == self.day else 0)
            if free > 0:
                self._put(day, min(trains, free))
                trains -= min(trains, free)
                if trains == 0:
                    return max(t_min, day * MIN_PER_DAY)
            day += 1
        if day == self.day:
            free = per_day - self.placed
            if trains <= free:  # on the day of the last trains placed
                self.placed += trains
                return max(t_min, day * MIN_PER_DAY)
        else:
            free = per_day
        if trains > free:  # this day's paths, then whole days of them, then the rest
            self._put(day, free)
            trains -= free
            day += (trains - 1) // per_day + 1
            trains -= (trains - 1) // per_day * per_day
        self._put(day, trains)
        return max(t_min, day * MIN_PER_DAY)

    def _put(self, day: int, trains: int) -> None:
        if day != self.day:
            self.day, self.placed = day, 0
        self.placed += trains


class Commitments:
    """The blocks heading for each gateway's exit service whose containers do not all have a
    departure path yet: their expected arrival at the gateway and the containers still without
    one (those with a path are in the pool's count of paths taken), in order of arrival.

    The blocks due by now (expected at the gateway already) all ask for paths now, so they are
    kept as one sum of containers: a jammed gateway's backlog costs a forecast nothing, however
    many blocks it holds. Time only goes forward, and a new block is due no earlier than now.
    """

    def __init__(self) -> None:
        # exit service -> block -> [eta, block, feu left]; its order: the same lists, sorted (by
        # eta, then block: a block is never compared further), done ones until forgotten
        self._blocks: dict[int, dict[int, list[float]]] = {}
        self._order: dict[int, list[list[float]]] = {}
        self._due: dict[int, int] = {}  # exit service -> how many of its order are due
        self._due_feu: dict[int, float] = {}  # exit service -> containers of its due blocks
        self._gone: dict[int, int] = {}  # exit service -> blocks done but still in its order
        self._unit: dict[int, tuple[int, int]] = {}  # container -> (exit service, block)
        self._next = 0

    def open(self, service: int, eta_min: float, feu: int) -> int:
        """A block has chosen the gateway of ``service``: a new block id."""
        self._next += 1
        entry = [eta_min, self._next, float(feu)]
        self._blocks.setdefault(service, {})[self._next] = entry
        order = self._order.setdefault(service, [])
        at = bisect.bisect(order, entry)
        order.insert(at, entry)
        if at < self._due.get(service, 0):  # due already (not from the engine: its blocks are ahead of now)
            self._due[service] += 1
            self._due_feu[service] += feu
        return self._next

    def join(self, unit: int, service: int, block: int) -> None:
        """Container ``unit`` is one of ``block``'s."""
        self._unit[unit] = (service, block)

    def left(self, unit: int, service: int) -> None:
        """Container ``unit`` has a path on ``service``: one fewer for its block, if that is its exit."""
        where = self._unit.get(unit)
        if where is None or where[0] != service:
            return
        del self._unit[unit]
        blocks = self._blocks[service]
        block = blocks.get(where[1])
        if block is None:
            return
        block[2] -= 1
        if (block[0], where[1]) < self._first_pending(service):
            self._due_feu[service] -= 1.0
        if block[2] <= 0:
            del blocks[where[1]]
            self._forget(service)

    def _first_pending(self, service: int) -> tuple[float, float]:
        order, due = self._order[service], self._due.get(service, 0)
        return (order[due][0], order[due][1]) if due < len(order) else (math.inf, 0)

    def _forget(self, service: int) -> None:
        """A block is done: drop the done ones from the order once they are half of it."""
        gone = self._gone.get(service, 0) + 1
        order = self._order[service]
        if gone * 2 > len(order):
            blocks = self._blocks[service]
            due = self._due.get(service, 0)
            self._due[service] = sum(1 for entry in order[:due] if entry[1] in blocks)
            order[:] = [entry for entry in order if entry[1] in blocks]
            gone = 0
        self._gone[service] = gone

    def ahead(self, service: int, now_min: float) -> tuple[float, Iterator[Sequence[float]]]:
        """The containers of the blocks heading for ``service`` that are due by ``now_min``,
        and (expected arrival, block id, FEU still without a path) of the others, in order of
        arrival (a block done has 0 left). Read in place (the forecast walks the front of a
        long order; nothing changes it meanwhile)."""
        order = self._order.get(service)
        if not order:
            return 0.0, iter(())
        due, feu = self._due.get(service, 0), self._due_feu.get(service, 0.0)
        while due < len(order) and order[due][0] <= now_min:
            feu += order[due][2]  # (a block done adds its 0)
            due += 1
        self._due[service], self._due_feu[service] = due, feu
        return feu, itertools.islice(order, due, None)


def generalised_cost_usd(options: list[GatewayOption], wait_min: np.ndarray,
                         spec: GatewayChoice) -> np.ndarray:
    """Tariff + value of time x (riding + expected wait) + CO2 price x CO2, per option."""
    ride = np.array([o.ride_min for o in options])
    cost = np.array([o.cost_usd for o in options])
    co2_t = np.array([o.co2_kg for o in options]) / 1000.0
    time_usd = spec.value_of_time_usd_per_day * (ride + wait_min) / MIN_PER_DAY
    return cost + time_usd + spec.co2_usd_per_t * co2_t


def choose(options: list[GatewayOption], wait_min: np.ndarray, spec: GatewayChoice, uniform: float) -> int:
    """The option a container takes: the logit of -generalised cost / scale at ``uniform``."""
    utility = -generalised_cost_usd(options, wait_min, spec) / spec.scale_usd
    return draw_one(utility, uniform)  # draw()'s pick, without its batch set-up


class Uniforms:
    """Uniforms from one stream, drawn in chunks and handed out in order."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._values: list[float] = []
        self._next = 0

    def __call__(self) -> float:
        if self._next >= len(self._values):
            self._values = self._rng.random(CHUNK).tolist()
            self._next = 0
        self._next += 1
        return self._values[self._next - 1]
