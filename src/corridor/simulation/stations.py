"""Stations that queue vehicles: tracks, cranes or berths as a SimPy resource.

A vehicle arriving at a station waits for a free server, holds it for a service time, and
leaves. Vehicles from outside the modelled network (``background_per_day``) arrive as a
Poisson stream and take servers too, so a slice of the corridor sees the station as loaded
as it is. Service times are drawn in advance, vectorised, from the station's own stream (more
are drawn if a run needs them). Disruptions act here: while a closure (capacity factor 0)
is in force no service starts; under a factor f > 0 a service takes 1/f as long, so the
station clears f times as many vehicles. Every visit is logged for KPIs and Little's law.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from corridor.scenario.distributions import Distribution

Window = tuple[float, float, float]  # start, end (minutes since epoch), capacity factor
SERVICE_CHUNK = 4096  # service times are drawn this many at a time, in order of service start


def background_times(per_day: float, rng: np.random.Generator, until: float) -> np.ndarray:
    """Arrival times in [0, until) of a Poisson stream of ``per_day`` vehicles a day."""
    gaps = rng.exponential(1440.0 / per_day, int(per_day * until / 1440.0 * 1.5) + 64)
    times = np.cumsum(gaps)
    return times[times < until]


def factor_at(windows: list[Window], t: float) -> tuple[float, float]:
    """The capacity factor in force at ``t`` and when it next changes (inf if never)."""
    factor, until = 1.0, np.inf
    for start, end, f in windows:
        if start <= t < end:
            factor, until = min(factor, f), min(until, end)
        elif start > t:
            until = min(until, start)
    return factor, until


class Station:
    """A place whose arriving vehicles queue for ``servers`` servers."""

    def __init__(self, env: simpy.Environment, place: int, servers: int | None,
                 service_time: Distribution | None, rng: np.random.Generator | None,
                 windows: list[Window], *, draws: np.ndarray | None = None) -> None:
        """``draws``, if given, are the service times to use first, in order of service start
        (to feed the station the same numbers as another implementation)."""
        self.env = env
        self.place = place
        self.servers = servers
        self.windows = sorted(windows)
        self.resource = simpy.Resource(env, capacity=servers) if servers else None
        self._dist = service_time
        self._rng = rng
        self._draws = np.empty(0) if draws is None else np.asarray(draws, dtype=np.float64)
        self._next = 0
        # visit log: arrival, start, end, units carried
        self.arrive: list[float] = []
        self.start: list[float] = []
        self.end: list[float] = []
        self.units: list[int] = []

    def background(self, per_day: float, rng: np.random.Generator,
                   until: float) -> Generator[simpy.Event, Any, None]:
        """Vehicles outside the modelled network that use the station: Poisson, ``per_day``."""
        for t in background_times(per_day, rng, until).tolist():
            yield self.env.timeout(t - self.env.now)
            self.env.process(self.visit(0))

    def _service_time(self) -> float:
        if self._next >= self._draws.size:
            assert self._dist is not None and self._rng is not None
            self._draws = self._dist.sample(self._rng, SERVICE_CHUNK)
            self._next = 0
        value = float(self._draws[self._next])
        self._next += 1
        return value

    def _wait_until_open(self) -> Generator[simpy.Event, Any, float]:
        factor, until = factor_at(self.windows, self.env.now)
        while factor == 0.0:
            yield self.env.timeout(until - self.env.now)
            factor, until = factor_at(self.windows, self.env.now)
        return factor

    def visit(self, units: int) -> Generator[simpy.Event, Any, None]:
        """A vehicle carrying ``units`` passes the station (queue, service; or closure only)."""
        visit = len(self.arrive)
        self.arrive.append(self.env.now)
        self.start.append(np.nan)
        self.end.append(np.nan)
        self.units.append(units)
        if self.resource is None:  # no servers: only closures hold vehicles
            yield from self._wait_until_open()
            self.start[visit] = self.end[visit] = self.env.now
            return
        with self.resource.request() as request:
            yield request
            factor = yield from self._wait_until_open()
            self.start[visit] = self.env.now
            yield self.env.timeout(self._service_time() / factor)
            self.end[visit] = self.env.now

    def log(self) -> dict[str, np.ndarray]:
        return {
            "arrive_min": np.array(self.arrive),
            "start_min": np.array(self.start),
            "end_min": np.array(self.end),
            "units": np.array(self.units, dtype=np.int64),
        }
