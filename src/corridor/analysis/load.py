"""Offered load at each station, from the scenario alone: will it jam before anything runs?

A station's offered load is the work arriving a day (vehicles a day times the mean service
time) over what its servers can do in a day. Vehicles are the timetabled trips that call at
it (each trip calls at every stop after its first; a week's trips averaged over seven days)
and the background traffic. Dispatched vehicles and trains added by demand are not counted,
so the figure is a floor. Under a disruption that cuts capacity by a factor f, the load is
divided by f while it lasts; a closure (f = 0) stops service entirely and is reported apart.
A disruption outside the simulated period (horizon and drain) counts for nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from corridor.scenario.schema import Disruption, Scenario
from corridor.units import MIN_PER_DAY


@dataclass(frozen=True)
class StationLoad:
    place: str
    servers: int
    service_min: float  # mean service time of one vehicle
    timetabled_per_day: float
    background_per_day: float
    utilisation: float  # offered load over capacity, outside disruptions
    worst_utilisation: float  # under the deepest capacity cut (inf under a closure)

    @property
    def vehicles_per_day(self) -> float:
        return self.timetabled_per_day + self.background_per_day


def simulated_period(scenario: Scenario) -> tuple[dt.datetime, dt.datetime]:
    """From the scenario's epoch to the end of its horizon and drain (UTC)."""
    start = scenario.run.epoch
    return start, start + dt.timedelta(days=scenario.run.horizon_days + scenario.run.drain_days)


def outside_run(scenario: Scenario) -> list[Disruption]:
    """The disruptions that end before the run starts or start after it ends: no run sees them
    (a mistyped year, most often)."""
    start, end = simulated_period(scenario)
    return [d for d in scenario.disruptions if d.end <= start or d.start >= end]


def offered_load(scenario: Scenario) -> list[StationLoad]:
    """The offered load of every station that queues, in the order of the scenario's places."""
    calls: dict[str, float] = {}
    for service in scenario.services:
        if service.timetable is None:
            continue
        per_day = len(service.timetable.weekdays) * len(service.timetable.clock_min) / 7.0
        for stop in service.stops[1:]:
            calls[stop] = calls.get(stop, 0.0) + per_day
    unseen = outside_run(scenario)
    out = []
    for place in scenario.places:
        if not place.servers or place.service_time is None:
            continue
        mean = float(place.service_time.mean_min)
        timetabled = calls.get(place.id, 0.0)
        rho = (timetabled + place.background_per_day) * mean / (place.servers * MIN_PER_DAY)
        cuts = [d.capacity_factor for d in scenario.disruptions if d.target == place.id and d not in unseen]
        deepest = min(cuts, default=1.0)
        worst = rho / deepest if deepest > 0 else math.inf
        out.append(StationLoad(place.id, place.servers, mean, timetabled, place.background_per_day,
                               rho, max(rho, worst)))
    return out
