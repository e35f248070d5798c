"""Stations that queue vehicles: tracks, cranes or berths, admitted in one closed-form step.

A vehicle arriving at a station takes the server that frees first, first come first served,
and holds it for a service time: :func:`corridor.kernels.admit` gives its start and end the
moment it arrives, so the engine needs one timeout per visit. Vehicles from outside the
modelled network (``background_per_day``) arrive as a Poisson stream drawn in advance as an
array, until the horizon like all other demand; each is admitted, in order, just before the
first modelled vehicle that arrives at or after it (a background vehicle goes first at equal
times), so it costs no event. Service times are drawn in advance, vectorised, from the
station's own stream, in order of admission. Disruptions act here: while a closure (capacity
factor 0) is in force no service starts (one under way goes on); a cut to a factor f > 0 makes
the work of every service go at f while it lasts, so the station clears f times as many
vehicles, and a service that a cut begins or ends during is slowed for that part only. Customs
(``customs``) hold a loaded vehicle after its service, with a probability and for a drawn
time, off the servers; the hold is drawn from the station's own ``customs:PLACE`` stream, in
order of admission. A vehicle with nothing on board passes a station without queueing: an
empty timetabled trip is not traffic. Every visit is logged for KPIs (``leave_min``: service
end plus any hold).
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import math
from collections.abc import Iterator, Sequence
from fractions import Fraction
from functools import cached_property

import numpy as np

from corridor.kernels.queues import admit
from corridor.scenario.distributions import Distribution
from corridor.scenario.schema import CustomsHold
from corridor.simulation.demand import seasonal_times
from corridor.units import MIN_PER_DAY

Window = tuple[float, float, float]  # start, end (minutes since epoch), capacity factor
SERVICE_CHUNK = 4096  # service times are drawn this many at a time, in order of admission


def whole_units(capacity: int, factor: float) -> int:
    """What a vehicle of ``capacity`` units carries under a capacity factor: floor(factor x
    capacity) of the factor as written, not of its nearest double (0.29 of 100 seats is 29,
    where 0.29 * 100 is 28.999999999999996).

    >>> whole_units(100, 0.29), whole_units(100, 0.57), whole_units(3, 0.34), whole_units(2, 0.0)
    (29, 57, 1, 0)
    """
    x = capacity * factor
    n = math.floor(x)
    if min(x - n, n + 1 - x) < 1e-9 * max(1.0, x):  # near a whole number: read the factor exactly
        return math.floor(Fraction(repr(factor)) * capacity)
    return n


def background_times(per_day: float, rng: np.random.Generator, until: float, *,
                     seasonality: Sequence[float] | None = None,
                     epoch: dt.datetime | None = None) -> np.ndarray:
    """Arrival times in [0, until) of a Poisson stream of ``per_day`` vehicles a day (times the
    month's factor, with ``seasonality``; months of the UTC calendar from ``epoch``)."""
    if seasonality is not None:
        assert epoch is not None
        return seasonal_times(per_day / MIN_PER_DAY, seasonality, epoch, until, rng)
    gaps = rng.exponential(MIN_PER_DAY / per_day, int(per_day * until / MIN_PER_DAY * 1.5) + 64)
    times = np.cumsum(gaps)
    while times[-1] < until:  # rare: the first draw fell short
        times = np.r_[times, times[-1] + np.cumsum(rng.exponential(MIN_PER_DAY / per_day, times.size))]
    return times[times < until]


def customs_holds(customs: CustomsHold, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` holds, vectorised: each vehicle is held with the probability, for a drawn time
    (both drawn for every vehicle, so a stream's numbers do not depend on who was held)."""
    held = rng.random(n) < customs.probability
    return np.where(held, customs.hold.sample(rng, n), 0.0)


class PathPool:
    """A service's daily pool of ``per_day`` departure paths (UTC days since the epoch): a
    vehicle ready at ``t_min`` leaves now if today's are not all taken, else at the start of the
    first day with one left.

    Days only fill up, so a full day keeps a pointer past the full days after it (shortened as
    it is followed, like a union-find): finding the first open day does not walk every full day
    of a long backlog again.

    >>> pool = PathPool(2)
    >>> [pool.take(100.0) for _ in range(3)], pool.next_day(100.0)
    ([100.0, 100.0, 1440.0], 1)
    """

    def __init__(self, per_day: int, used: dict[int, int] | None = None, *,
                 weekdays: tuple[int, ...] = tuple(range(7)), first_weekday: int = 0) -> None:
        self.per_day = per_day
        self.used: dict[int, int] = dict(used or {})  # day -> paths taken
        self._past_full: dict[int, int] = {}  # full day -> a later day, every day between full
        #: the last day with a path taken: every day after it with paths has all of them
        self.last_day = max((d for d, n in self.used.items() if n > 0), default=-(2**62))
        #: paths only on the ``weekdays`` (Monday = 0; day 0 is a ``first_weekday``): whether
        #: day d has them is ``open[d % 7]``; None: every day has
        self.open: tuple[bool, ...] | None = None
        if not set(weekdays) & set(range(7)):
            raise ValueError(f"a pool of paths needs a weekday (0-6) with paths, not {weekdays!r}")
        if set(range(7)) - set(weekdays):
            self.open = tuple((first_weekday + k) % 7 in weekdays for k in range(7))

    def next_day(self, t_min: float) -> int:
        """The first day (since the epoch) at or after ``t_min``'s with a path left, taking none.

        >>> pool = PathPool(1, weekdays=(1, 3), first_weekday=0)   # Tuesdays and Thursdays
        >>> [pool.take(0.0) / 1440 for _ in range(3)]
        [1.0, 3.0, 8.0]
        """
        day = math.floor(t_min / MIN_PER_DAY)
        full = []
        while self.used.get(day, 0) >= self.per_day or (self.open is not None and not self.open[day % 7]):
            full.append(day)
            day = self._past_full.get(day, day + 1)
        for d in full:
            self._past_full[d] = day
        return day

    def take(self, t_min: float) -> float:
        """When a vehicle ready at ``t_min`` leaves; takes that day's path."""
        day = self.next_day(t_min)
        self.used[day] = self.used.get(day, 0) + 1
        self.last_day = max(self.last_day, day)
        return max(t_min, day * MIN_PER_DAY)

    def release(self, leave_min: float) -> None:
        """Give back the path of the day of ``leave_min``, taken and not used (its service was
        closed when it came): the day counts it no more, and a vehicle may take it yet.

        >>> pool = PathPool(1)
        >>> pool.take(0.0), pool.take(0.0)
        (0.0, 1440.0)
        >>> pool.release(0.0); pool.take(300.0)
        300.0
        >>> [pool.take(0.0) for _ in range(3)]   # days 2, 3 and 4 now full
        [2880.0, 4320.0, 5760.0]
        >>> pool.release(3 * 1440.0); pool.take(0.0)   # a walk from day 0 finds day 3's
        4320.0
        """
        day = math.floor(leave_min / MIN_PER_DAY)
        self.used[day] -= 1
        # no longer full: walks from earlier full days skipped past it, so they start afresh
        self._past_full.clear()


class Windows:
    """The disruption windows of one target (start, end, capacity factor), with the factor in
    force between each two consecutive starts and ends found once, so that the factor at a time
    is a bisection: a scan of every window at each call made a run with a closure every night
    for years quadratic (1,621 nightly closures: 4.5 s for a replication that takes 1.3 s
    without them).

    >>> w = Windows([(10.0, 40.0, 0.5), (20.0, 30.0, 0.0)])
    >>> [w.factor_at(t) for t in (0.0, 10.0, 25.0, 30.0, 40.0)]
    [(1.0, 10.0), (0.5, 20.0), (0.0, 30.0), (0.5, 40.0), (1.0, inf)]
    """

    def __init__(self, windows: Sequence[Window] = ()) -> None:
        self.windows = sorted(windows)
        self._bounds = sorted({t for start, end, _ in self.windows for t in (start, end)})
        # the least factor of the windows in force on [bounds[k], bounds[k + 1]), and 1.0
        self._factors: list[float] = []
        active: list[tuple[float, float]] = []  # (factor, end) of windows begun, a heap
        k = 0
        for bound in self._bounds:
            while k < len(self.windows) and self.windows[k][0] <= bound:
                heapq.heappush(active, (self.windows[k][2], self.windows[k][1]))
                k += 1
            while active and active[0][1] <= bound:  # ended: it holds no later bound either
                heapq.heappop(active)
            self._factors.append(min(1.0, active[0][0]) if active else 1.0)
        self._cuts: Windows | None = None

    def __bool__(self) -> bool:
        return bool(self.windows)

    def __len__(self) -> int:
        return len(self.windows)

    def __iter__(self) -> Iterator[Window]:
        return iter(self.windows)

    @property
    def bounds(self) -> list[float]:
        """Every start and end of a window, in order: the moments the factor may change."""
        return self._bounds

    def factor_at(self, t: float) -> tuple[float, float]:
        """The capacity factor in force at ``t`` (the least of the windows in force, at most 1)
        and the next start or end of a window after ``t`` (inf if none)."""
        k = bisect.bisect_right(self._bounds, t)
        until = self._bounds[k] if k < len(self._bounds) else math.inf
        return (self._factors[k - 1] if k else 1.0), until

    @property
    def cuts(self) -> Windows:
        """The windows that cut capacity without closing (factor above 0)."""
        if self._cuts is None:
            self._cuts = Windows([w for w in self.windows if w[2] > 0.0])
        return self._cuts


def opening(windows: Windows, t: float) -> float:
    """The first moment at or after ``t`` when the place is open (no closure in force)."""
    factor, until = windows.factor_at(t)
    while factor == 0.0:
        t = until
        factor, until = windows.factor_at(t)
    return t


def finish(windows: Windows, start: float, work: float) -> float:
    """When a service of ``work`` minutes begun at ``start`` ends, its work going at the lowest
    factor of the cuts in force (a closure stops services from starting, not one under way): a
    cut to 1/2 for 30 minutes of a 60-minute service costs it 15 minutes more.

    >>> cut = Windows([(10.0, 40.0, 0.5)])
    >>> finish(cut, 0.0, 60.0), finish(cut, 10.0, 10.0)
    (75.0, 30.0)
    >>> finish(Windows([(10.0, 40.0, 0.0)]), 0.0, 60.0)
    60.0
    """
    cuts = windows.cuts
    t = start
    while True:
        factor, until = cuts.factor_at(t)
        if t + work / factor <= until:
            return t + work / factor
        work -= (until - t) * factor
        t = until


class Station:
    """A place whose arriving vehicles queue for ``servers`` servers (or, without servers, a
    place that only closures hold vehicles at)."""

    def __init__(self, place: int, servers: int | None, service_time: Distribution | None,
                 rng: np.random.Generator | None, windows: list[Window], *,
                 background_min: np.ndarray | None = None, draws: np.ndarray | None = None,
                 customs: CustomsHold | None = None, customs_rng: np.random.Generator | None = None) -> None:
        """``background_min``: arrival times of outside vehicles, sorted. ``draws``, if given,
        are the service times to use first, in order of admission (to feed the station the same
        numbers as another implementation). ``customs`` and its stream: holds of loaded vehicles."""
        self.place = place
        self.servers = servers
        self.windows = Windows(windows)
        self._opening = (lambda t: opening(self.windows, t)) if self.windows else None
        self._finish = (lambda t, work: finish(self.windows, t, work)) if self.windows else None
        self.free_min: list[float] = [-math.inf] * (servers or 0)  # a heap: when each server frees
        self._dist = service_time
        self._rng = rng
        self._draws = np.empty(0) if draws is None else np.asarray(draws, dtype=np.float64)
        self._next = 0
        self._background = [] if background_min is None else np.asarray(background_min).tolist()
        self._next_background = 0
        # visit log: arrival, start, end, units carried
        self.arrive: list[float] = []
        self.start: list[float] = []
        self.end: list[float] = []
        self.units: list[int] = []
        self.leave: list[float] = []
        self._customs = customs
        self._customs_rng = customs_rng
        self._holds = np.empty(0)
        self._next_hold = 0

    def _service_time(self) -> float:
        if self._next >= self._draws.size:
            assert self._dist is not None and self._rng is not None
            self._draws = self._dist.sample(self._rng, SERVICE_CHUNK)
            self._next = 0
        value = float(self._draws[self._next])
        self._next += 1
        return value

    def _hold(self) -> float:
        """The customs hold of the next loaded vehicle (0 when it is not held)."""
        if self._customs is None:
            return 0.0
        if self._next_hold >= self._holds.size:
            assert self._customs_rng is not None
            self._holds = customs_holds(self._customs, self._customs_rng, SERVICE_CHUNK)
            self._next_hold = 0
        value = float(self._holds[self._next_hold])
        self._next_hold += 1
        return value

    def _admit_one(self, arrival_min: float, units: int) -> float:
        if self.servers:
            start, end = admit(self.free_min, arrival_min, self._service_time(), self._opening, self._finish)
        else:
            start = end = arrival_min if self._opening is None else self._opening(arrival_min)
        leave = end + self._hold() if units else end
        self.arrive.append(arrival_min)
        self.start.append(start)
        self.end.append(end)
        self.units.append(units)
        self.leave.append(leave)
        return leave

    def admit_background(self, until_min: float) -> None:
        """Admit the outside vehicles that arrive at or before ``until_min``."""
        queue, k = self._background, self._next_background
        while k < len(queue) and queue[k] <= until_min:
            self._admit_one(queue[k], 0)
            k += 1
        self._next_background = k

    @cached_property
    def mean_stay_min(self) -> float:
        """A vehicle's mean time at the station once served: its service and any customs hold
        (kept: every gateway forecast reads it at each station on the way)."""
        service = self._dist.mean_min if self._dist is not None else 0.0
        hold = self._customs.probability * self._customs.hold.mean_min if self._customs is not None else 0.0
        return service + hold

    def expected_wait(self, t_min: float) -> float:
        """The wait in queue of a vehicle arriving at ``t_min`` were it the next to arrive:
        the servers' backlog and any closure (outside vehicles up to then admitted first)."""
        if self._next_background < len(self._background):
            self.admit_background(t_min)
        start = max(t_min, self.free_min[0]) if self.servers else t_min
        if self._opening is not None:
            start = self._opening(start)
        return start - t_min

    def open_at(self, t_min: float) -> float:
        """The first moment at or after ``t_min`` when no closure holds the place."""
        return t_min if self._opening is None else self._opening(t_min)

    def visit(self, arrival_min: float, units: int) -> float:
        """A vehicle carrying ``units`` arrives: when it leaves the station (after its queue
        and service, or after a closure)."""
        if self._next_background < len(self._background):
            self.admit_background(arrival_min)
        return self._admit_one(arrival_min, units)

    def log(self) -> dict[str, np.ndarray]:
        return {
            "arrive_min": np.array(self.arrive),
            "start_min": np.array(self.start),
            "end_min": np.array(self.end),
            "units": np.array(self.units, dtype=np.int64),
            "leave_min": np.array(self.leave),
        }
