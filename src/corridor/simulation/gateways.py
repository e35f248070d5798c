"""Gateway choice of cargo flows: which border crossing a container's route takes.

A flow with ``gateways`` lists the places its containers may cross (Malaszewicze, Kuznica,
Siemianowka, Sestokai, Braniewo...). For each gateway the route is the fastest chain of
block trains and links from origin to destination that crosses it and none of the others
(the link closure on the rows that avoid them, found once per timetable). When a container
is created, each route's generalised cost is its tariff, plus the value of time times its
riding time and the waits expected on the way now (the queue a vehicle arriving now would
meet at each station the route calls at, closures included, and the wait for a departure path
out of the gateway), plus a CO2 price; the container
picks one by the logit of -cost / scale (:func:`corridor.kernels.logit.draw`), with one
uniform from the flow's own ``gateway:FLOW`` stream. A block train's worth decides together:
the first of each ``block_feu`` consecutive containers of a flow chooses and the others take
the same route, so a block forming at the origin heads for one gateway and is not re-sorted
on the way (and the choice costs once a block). Closing or slowing a gateway raises its
expected wait and moves the split to the others; nothing is typed by hand.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from corridor.kernels.logit import draw
from corridor.network.timetable import Timetable
from corridor.planning.links import link_closure, usable_rows
from corridor.planning.search import Planner
from corridor.scenario.schema import GatewayChoice
from corridor.simulation.entities import DispatchStep, LinkStep, Step
from corridor.units import MIN_PER_DAY

CHUNK = 1024  # uniforms drawn at a time, in order of creation


@dataclass(frozen=True)
class GatewayOption:
    """One gateway's route: its steps, riding time (no planned waits), tariff and CO2."""

    gateway: int
    steps: tuple[Step, ...]
    ride_min: float
    planned_min: float  # with the planned cut-off waits of dispatched vehicles
    cost_usd: float
    co2_kg: float
    exit_service: int  # the dispatched service that leaves the gateway (-1: none)
    calls: tuple[int, ...] = ()  # the places the route's vehicles reach, in order (queues are met there)


_CACHE: weakref.WeakKeyDictionary[Planner, dict[tuple[int, int, tuple[int, ...]], list[GatewayOption]]] = (
    weakref.WeakKeyDictionary())


def gateway_options(planner: Planner, origin: int, dest: int, via: tuple[int, ...]) -> list[GatewayOption]:
    """The route through each gateway of ``via`` that avoids the others (gateways with no such
    route are left out), cached per planner."""
    cache = _CACHE.setdefault(planner, {})
    key = (origin, dest, via)
    if key not in cache:
        cache[key] = _options(planner.tt, origin, dest, via)
    return cache[key]


def _options(tt: Timetable, origin: int, dest: int, via: tuple[int, ...]) -> list[GatewayOption]:
    lt = tt.links
    base = usable_rows(tt, "feu")
    out = []
    for g in via:
        others = [p for p in via if p != g]
        avoid = np.isin(lt.origin, others) | np.isin(lt.dest, others)
        hops = link_closure(tt, "feu", rows=base & ~avoid)[origin]
        crossing = [h for h in hops if h.dest == dest and any(int(lt.dest[r]) == g for r in h.rows)]
        if not crossing:
            continue
        hop = min(crossing, key=lambda h: (h.duration_min, h.cost_usd))
        steps: list[Step] = []
        exit_service = -1
        for r in hop.rows:
            s = int(lt.service[r])
            steps.append(DispatchStep(s, r) if s >= 0 else LinkStep(r))
            if s >= 0 and int(lt.origin[r]) == g:
                exit_service = s
        out.append(GatewayOption(g, tuple(steps), float(lt.duration_min[list(hop.rows)].sum()),
                                 hop.duration_min, hop.cost_usd, hop.co2_kg, exit_service,
                                 tuple(int(lt.dest[r]) for r in hop.rows)))
    return out


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
    return int(draw(utility, np.array(uniform)))


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
