"""Trips nobody can board yet, in one replication: they take no event until someone can.

Most timetabled trips carry nobody (their events were two fifths of a year of the baseline's).
An empty trip queues nowhere, so when it would leave each stop, and reach its last, is known
from the timetable, its delay and the closures on its way: :meth:`Idle.add` computes them for
a service's trips at once and keeps them as columns (:class:`~.entities.IdleTrips`). A trip
wakes when a passenger books it (:meth:`Idle.wake`) or a container waits where it calls
(:meth:`Idle.check_at`); from there it runs as the replication's trip process, leaving when it
would have left. The records are the same as with every trip a process
(``Replication(..., lazy=False)``).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Generator
from functools import partial
from itertools import repeat
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from corridor.simulation import processes
from corridor.simulation.entities import IdleTrips, TripRecord, leave_stop

if TYPE_CHECKING:
    from corridor.simulation.engine import Replication


class Idle:
    """The idle trips of a replication: which they are, when each would leave its stops, and
    those woken since."""

    def __init__(self, rep: Replication) -> None:
        self.rep = rep
        # the replication's own, read here (each object is the replication's: none is replaced)
        self.env, self.tt, self.end_min = rep.env, rep.tt, rep.end_min
        self.stations, self.pool = rep.stations, rep.pool
        self.service_rows, self.running_min = rep.service_rows, rep.running_min
        self.row: dict[int, tuple[int, int]] = {}  # idle trip -> (its IdleTrips, its row there)
        self.blocks: list[IdleTrips] = []
        self.woken: dict[int, tuple[int, float, TripRecord, list[float]]] = {}  # idle trips run since
        self.live_from: dict[int, int] = {}  # idle trips woken: the first stop they run from
        # (service, stop) -> (when it leaves, trip) of idle container trips, in order
        self.departures: dict[tuple[int, int], list[tuple[float, int]]] = defaultdict(list)
        self.checks: set[tuple[int, int]] = set()  # (trip, stop) of idle departures to look at
        # the last (service, stop, after) :meth:`check_at` was asked, while what it reads
        # (checks looked at, trips woken) is unchanged since: asked again, it holds
        self._checked: tuple[int, int, tuple[float, int]] | None = None

    def add(self, s: int, trips: np.ndarray, starts: np.ndarray, delays: np.ndarray,
              capacity: np.ndarray) -> None:
        """Trips of ``s`` that take no event while nobody can board them: until a passenger
        books one (:meth:`wake`), or a container waits where it calls (:meth:`check_at`).
        Empty, a trip keeps its timetable as far as closures let it, and queues at no station,
        so when it would leave each stop and reach its last are known now, and so is its
        record while nobody boards it: kept as the columns of :class:`IdleTrips`, made a
        :class:`TripRecord` only if it is woken."""
        stops, _, arr_off = self.service_rows[s]
        if any(self._closes(p) for p in stops):  # trip by trip, closure by closure
            times = [self._times(s, t, d) for t, d in zip(starts.tolist(), delays.tolist(), strict=True)]
            leaves = np.array([row for row, _ in times], dtype=np.float64).reshape(len(times), len(stops) - 1)
            arrival = np.array([a for _, a in times], dtype=np.float64)
        else:
            leaves, arrival = self._times_open(s, starts, delays)
        with np.errstate(invalid="ignore"):
            delay_min = np.where(arrival < self.end_min, arrival - (starts + arr_off[-1]), np.nan)
        # the trip process's first event (:meth:`.Replication._trip`), before any closure's hold
        begins = np.maximum(0.0, starts + delays)
        woken = np.zeros(trips.size, dtype=bool)
        self.blocks.append(IdleTrips(s, trips, starts, capacity, begins, delay_min, leaves, woken))
        rows = zip(repeat(len(self.blocks) - 1), range(trips.size))
        self.row.update(zip(trips.tolist(), rows, strict=True))
        # each started before the end is logged then, as :meth:`.Replication._trip` logs it
        self.rep.trips_run += int(np.count_nonzero(begins < self.end_min))
        if self.tt.service_unit[s] != "pax":  # containers board it where they wait for it
            numbers = trips.tolist()
            for i in range(len(stops) - 1):
                self.departures[(s, i)].extend(zip(leaves[:, i].tolist(), numbers, strict=True))

    def _closes(self, place: int) -> bool:
        """Whether closures may hold a vehicle at ``place`` (a station with disruption windows)."""
        station = self.stations.get(place)
        return station is not None and bool(station.windows)

    def _times_open(self, s: int, starts: np.ndarray,
                         delays: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_times` of many trips of ``s``, none of whose stops closures hold: the
        same operations on arrays (a row of leaving times per trip, and the arrivals)."""
        stops, dep_off, arr_off = self.service_rows[s]
        running = self.running_min[s]
        t = 0.0 + np.maximum(0.0, starts + delays - 0.0)
        columns = [t]
        last = len(stops) - 1
        for i in range(1, last):
            t = t + running[i - 1]
            ready = starts + dep_off[i]
            stop = dep_off[i] - arr_off[i - 1]  # the timetable's stop there (arrivals by segment)
            if stop > 0:  # late, a trip still stays it (:func:`.entities.leave_stop`)
                ready = np.where(t > starts + arr_off[i - 1], np.maximum(ready, t + stop), ready)
            t = t + np.maximum(0.0, ready - t)
            columns.append(t)
        return np.column_stack(columns), t + running[last - 1]

    def _times(self, s: int, start: float, delay: float) -> tuple[list[float], float]:
        """When an empty trip of ``s`` leaves each stop but its last, and reaches its last: the
        times the replication's trip process reaches (:meth:`.Replication._trip`, ``_ride``), by
        the same operations (it leaves no earlier than its timetable nor while a closure holds
        the place; a place that closures alone hold keeps it while closed; it passes a station
        with servers without queueing)."""
        stops, dep_off, arr_off = self.service_rows[s]
        running = self.running_min[s]
        t = 0.0 + max(0.0, start + delay - 0.0)  # scheduled before the run, at time 0
        opens = self.rep._open_at(stops[0], t)
        if opens > t:
            t = t + (opens - t)
        leaves = [t]
        last = len(stops) - 1
        for i in range(1, last):
            t = t + running[i - 1]
            station = self.stations.get(stops[i])
            if station is not None and not station.servers:  # it holds the vehicle while closed
                leave = station.open_at(t)
                if leave > t:
                    t = t + (leave - t)
            t = t + max(0.0, leave_stop(start, dep_off[i], arr_off[i - 1], t) - t)
            opens = self.rep._open_at(stops[i], t)
            if opens > t:
                t = t + (opens - t)
            leaves.append(t)
        return leaves, t + running[last - 1]

    def check_at(self, s: int, stop: int, after: tuple[float, int]) -> None:
        """Containers wait for ``s`` at its stop ``stop``: the first idle departure of ``s`` from
        there after ``after`` (minute, trip: the order trips leave in) looks at them when it
        would leave (:meth:`_check`). Asked as a container joins (after its ready time), and as
        a departure leaves ready ones behind, full (after itself)."""
        departures = self.departures.get((s, stop))
        if not departures or self._checked == (s, stop, after):  # containers landing together ask alike
            return
        self._checked = (s, stop, after)
        k = bisect_right(departures, after)
        live_from = self.live_from
        while k < len(departures):
            leave, trip = departures[k]
            if live_from.get(trip, stop + 1) > stop:  # still idle there
                if (trip, stop) not in self.checks:
                    self.checks.add((trip, stop))
                    self.rep._at(leave, trip).callbacks.append(partial(self._check, s, trip, stop))
                return
            k += 1

    def _check(self, s: int, trip: int, stop: int, _event: simpy.Event) -> None:
        """Idle trip ``trip`` would leave its stop ``stop`` now: with a container ready
        there it runs from here (:meth:`.Replication._ride`, its departure now, as it would have left);
        without, it leaves empty, and the next idle departure looks at the containers left."""
        self.checks.discard((trip, stop))
        self._checked = None
        if self.live_from.get(trip, stop + 1) <= stop:  # running: it boards them itself
            return
        pool = self.pool.get((s, stop))
        if pool and pool[0][0] <= self.env.now:
            _, start, log, _ = self._runs_from(trip, stop)
            processes.start_now(self.rep._ride(s, trip, start, log, stop))
        elif pool:
            self.check_at(s, stop, (pool[0][0], -1))

    def wake(self, trip: int, stop: int) -> None:
        """Trip ``trip`` (one of :meth:`add`'s) must run from stop ``stop``: from there it runs
        as :meth:`.Replication._ride`, leaving at the time it would have (it runs from the earliest stop it
        is woken for; woken for an earlier one, it starts again from there)."""
        live = self.live_from.get(trip)
        if live is not None and live <= stop:
            return
        s, start, log, leaves = self._runs_from(trip, stop)
        # booked from a stop it has not left: a passenger boards no earlier than the timetable,
        # and no trip leaves before it
        assert leaves[stop] >= self.env.now, (trip, stop, leaves[stop], self.env.now)
        processes.start_at(self.rep._at(leaves[stop], trip), self._woken(s, trip, start, log, stop))

    def _runs_from(self, trip: int, stop: int) -> tuple[int, float, TripRecord, list[float]]:
        """Idle trip ``trip`` runs from stop ``stop``: its service, start, record and idle times.
        Its record (made now, the first time: logged at its start, as :meth:`.Replication._trip` logs it)
        leaves the idle columns; its arrival is then its process's to say (loaded, it may
        queue on the way)."""
        self.live_from[trip] = stop
        self._checked = None
        entry = self.woken.get(trip)
        if entry is None:
            block, row = self.row[trip]
            idle = self.blocks[block]
            start = float(idle.start_min[row])
            log = TripRecord(idle.service, start, int(idle.capacity[row]))
            begins = float(idle.begins_min[row])
            if begins < self.end_min:
                self.rep._log_trip(log, begins, trip)
            idle.woken[row] = True
            entry = self.woken[trip] = (idle.service, start, log, idle.leaves_min[row].tolist())
        entry[2].arrival_delay_min = math.nan
        return entry

    def _woken(self, s: int, trip: int, start: float, log: TripRecord,
               first: int) -> Generator[simpy.Event, Any, None]:
        if self.live_from[trip] != first:  # started again from an earlier stop
            return
        yield from self.rep._ride(s, trip, start, log, first)
