"""Passengers choose among itineraries as travellers do: a multinomial logit on generalised cost.

A passenger wishing to leave at ``ready`` sees the planner's Pareto itineraries (arrival,
transfers, fare, CO2) on trips that still have seats, arriving within ``window_days`` of the
first departure they can catch. Each is priced, in USD, for the passenger's segment::

    cost = fare + value_of_time x (arrival - departure)
                + schedule_delay_value x (departure - ready) + transfer_penalty x transfers

and picked with probability exp(-cost / scale) / sum over the alternatives (the logit of
:mod:`corridor.kernels.logit`), by one uniform of the passenger's own. A full trip is not in
the set, so a full flight spills its passengers to their next alternative.

The alternatives are cached like earliest routes (:mod:`.routes`): they depend on the ready
time only through the first departures it can catch. A set found with every seat free is
carried a week on when the timetable over its window is the week before's, run for run (week
by week from up to :data:`WEEKS_BACK` weeks back, over weeks in which nobody asked). A set,
found with every seat free or on the seats left, is also the set of the later first departures
of its day that none of its itineraries boards; the cost is evaluated per passenger, vectorised
over the alternatives.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from typing import Any, NamedTuple

import numpy as np

from corridor.kernels.logit import draw_one_floats, logsum
from corridor.planning.itinerary import Itinerary, Leg
from corridor.planning.search import Planner
from corridor.scenario.schema import Choice, TravellerSegment
from corridor.simulation.entities import RideStep, Step, itinerary_steps
from corridor.simulation.routes import MISSING, KeyedCache, Missing
from corridor.units import MIN_PER_DAY, MIN_PER_WEEK

MIN_PER_H = 60.0


class Alternatives(NamedTuple):
    """The itineraries one passenger chooses among, with their steps, as columns."""

    options: tuple[tuple[Itinerary, tuple[Step, ...]], ...]
    depart_min: np.ndarray
    arrive_min: np.ndarray
    fare_usd: np.ndarray
    transfers: np.ndarray
    #: the four columns row by row, as Python numbers (each traveller choosing reads them)
    rows: tuple[tuple[float, float, float, int], ...] | None = None

    @classmethod
    def of(cls, options: list[tuple[Itinerary, tuple[Step, ...]]]) -> Alternatives:
        its = [it for it, _ in options]
        columns = (np.array([leave_min(it) for it in its]), np.array([it.arrive_min for it in its]),
                   np.array([it.cost_usd for it in its]), np.array([it.transfers for it in its]))
        return cls(tuple(options), *columns, rows=tuple(zip(*(c.tolist() for c in columns), strict=True)))


def leave_min(it: Itinerary) -> float:
    """When a traveller must set off to make the itinerary: its first service's departure less
    the links before it (not when the first traveller to find it left, which is what a shared
    itinerary's first link says); a journey on links alone leaves at its start."""
    before = 0.0
    for leg in it.legs:
        if leg.kind == "service":
            return leg.dep_min - before
        before += leg.duration_min
    return it.depart_min


def generalised_cost(alts: Alternatives, ready_min: float, segment: TravellerSegment,
                     transfer_penalty_usd: float) -> np.ndarray:
    """The cost in USD of each alternative to a traveller of ``segment`` ready at ``ready_min``.

    >>> from corridor.scenario.schema import TravellerSegment
    >>> seg = TravellerSegment(id="leisure", share=1.0, value_of_time_usd_per_h=20.0,
    ...                        schedule_delay_usd_per_h=5.0)
    >>> alts = Alternatives((), np.array([60.0, 600.0]), np.array([360.0, 780.0]),
    ...                     np.array([300.0, 250.0]), np.array([1, 0]))
    >>> generalised_cost(alts, 0.0, seg, 50.0).tolist()  # 300 + 20*5 + 5*1 + 50; 250 + 20*3 + 5*10
    [455.0, 360.0]
    """
    riding_h = (alts.arrive_min - alts.depart_min) / MIN_PER_H
    delay_h = np.maximum(alts.depart_min - ready_min, 0.0) / MIN_PER_H
    return (alts.fare_usd + segment.value_of_time_usd_per_h * riding_h
            + segment.schedule_delay_usd_per_h * delay_h + transfer_penalty_usd * alts.transfers)


def utilities(alts: Alternatives, ready_min: float, segment: TravellerSegment, choice: Choice) -> np.ndarray:
    """Logit utilities: minus the generalised cost over the scale."""
    return -generalised_cost(alts, ready_min, segment, choice.transfer_penalty_usd) / choice.scale_usd


def traveller_utilities(alts: Alternatives, ready_min: float, segment: TravellerSegment,
                        choice: Choice) -> np.ndarray:
    """:func:`utilities` for one traveller, alternative by alternative in plain floats: the
    operations of :func:`generalised_cost` in its order, so the same numbers, without an array
    operation per term (each traveller choosing pays this; sets have a few alternatives)."""
    return np.array(_traveller_utilities(alts, ready_min, segment, choice))


def _traveller_utilities(alts: Alternatives, ready_min: float, segment: TravellerSegment,
                         choice: Choice) -> list[float]:
    vot, sdv = segment.value_of_time_usd_per_h, segment.schedule_delay_usd_per_h
    penalty, scale = choice.transfer_penalty_usd, choice.scale_usd
    out = []
    rows = alts.rows
    if rows is None:
        rows = tuple(zip(alts.depart_min.tolist(), alts.arrive_min.tolist(), alts.fare_usd.tolist(),
                         alts.transfers.tolist(), strict=True))
    for dep, arr, fare, transfers in rows:
        cost = (fare + vot * ((arr - dep) / MIN_PER_H) + sdv * (max(dep - ready_min, 0.0) / MIN_PER_H)
                + penalty * transfers)
        out.append(-cost / scale)
    return out


def expected_cost_usd(alts: Alternatives, ready_min: float, segment: TravellerSegment,
                      choice: Choice) -> float:
    """The expected least cost of the choice set (minus the logsum, in USD): what a traveller's
    journey is worth avoiding; its change between two networks is the consumer surplus."""
    return float(-logsum(utilities(alts, ready_min, segment, choice)) * choice.scale_usd)


#: how many weeks back a choice set is looked for, to carry it on week by week
#: (:meth:`ChoiceCache._a_week_on`)
WEEKS_BACK = 8

StaticSet = tuple[Alternatives | None, bool, np.ndarray]  # a set, whether keys share it, its connections


class WeekLater(NamedTuple):
    """Each trip's and connection's run a week later (-1: none), as lists (read one by one) and
    the connections' as an array, and how many of the usable connections before each have no
    run a week later (``lone_then``), and no run a week before (``lone_now``)."""

    trip: list[int]
    conn: list[int]
    conn_array: np.ndarray
    lone_then: list[int]
    lone_now: list[int]


def _week_on(it: Itinerary, later: WeekLater) -> Itinerary:
    """The itinerary a week later: the same legs, on each trip's next week's run."""
    legs = []
    trip_later, conn_later = later.trip, later.conn
    for leg in it.legs:
        on = leg.kind == "service"
        legs.append(Leg(leg.kind, leg.name, leg.mode, leg.origin, leg.dest, leg.dep_min + MIN_PER_WEEK,
                        leg.arr_min + MIN_PER_WEEK, leg.cost_usd, leg.co2_kg,
                        trip_later[leg.trip] if on else leg.trip,
                        conn_later[leg.board_conn] if on else leg.board_conn,
                        conn_later[leg.alight_conn] if on else leg.alight_conn, leg.link_row))
    return Itinerary(it.ready_min + MIN_PER_WEEK, tuple(legs))


def _step_on(step: Step, later: WeekLater) -> Step:
    if isinstance(step, RideStep):
        return RideStep(step.service, step.board_stop, step.alight_stop, later.trip[step.trip],
                        later.conn[step.board_conn], later.conn[step.alight_conn], step.cost_usd, step.co2_kg)
    return step


class ChoiceCache(KeyedCache[Alternatives]):
    """The alternatives of passengers by what they can catch, on the connections ``allowed``
    marks usable (kept up to date by the engine as seats run out and come free)."""

    def __init__(self, planner: Planner, allowed: np.ndarray, choice: Choice) -> None:
        super().__init__(planner, allowed)
        self.choice = choice
        self.window_min = choice.window_days * MIN_PER_DAY
        self._limits: dict[tuple[int, ...], float] = {}
        self._open_mask: np.ndarray | None = None
        self._dep = planner.tt.dep_min.tolist()  # every connection's departure, in order
        # key -> a set found on the seats left, and the window it was searched over: its first
        # connection and whether each was usable (:meth:`_on_seats_left`)
        self._seats_left: dict[tuple[int, ...], tuple[Alternatives | None, int, np.ndarray]] = {}

    def opened(self, connection: int) -> None:
        """``connection`` can be used again: forget every set whose window reaches past the
        moment it leaves (it may join or dominate there), and every empty one."""
        leaves = float(self.planner.tt.dep_min[connection])
        stale = [key for key, found in self._cache.items()
                 if found is None or self._limits.get(key, np.inf) >= leaves]
        for key in stale:
            del self._cache[key]

    def _register(self, key: tuple[int, ...], alts: Alternatives | None) -> None:
        self._keep(key, alts, () if alts is None else (step for _, steps in alts.options for step in steps))

    def alternatives(self, origin: int, dest: int, ready: float,
                     board_from: float | None = None) -> Alternatives | None:
        """The Pareto itineraries (shared: do not change), or None when there is none.

        Sets found with every seat free are kept on the planner (``Planner.memo``) for every
        replication that shares it: such a set is still the answer while all its trips have
        seats (a connection that no alternative rides cannot change a Pareto set by closing).
        """
        key = self.key(origin, dest, ready, board_from)
        # the window ends window_days after the end of the (UTC) day of the first departure
        # the key catches: the same for all who share the key, and for all keys of one day
        first = self._departures[origin]
        shared = key[2] < len(first)
        limit = self._limit(first[key[2]] if shared else ready)
        if self.untimed(origin).by_day:  # no key holds the journeys that may wait for a path day
            return self._search(origin, dest, ready, board_from, limit, self.allowed)[0]
        found = self.cached(key)
        if found is not MISSING:
            return found
        memo = self.planner.memo.setdefault(("choice", self.window_min), {})
        static = memo.get(key) if shared else None
        if static is None and shared:
            static = self._a_week_on(memo, origin, dest, ready, board_from, limit)
            if static is not None:
                self._remember_static(memo, key, static, limit)
        if static is None:
            static = self._search(origin, dest, ready, board_from, limit, self._all_seats())
            if shared and static[1]:
                self._remember_static(memo, key, static, limit)
        alts, cacheable, rows = static
        if rows.size and not self.allowed[rows].all():  # a trip it rides is full: search anew
            alts, cacheable = self._on_seats_left(key, origin, dest, ready, board_from, limit, shared)
            if cacheable and shared:
                # the later keys of its day share it as a set found with every seat free is
                # shared (:meth:`_remember_static`), while it stands: forgotten with the key's
                # (the same connections, the same window). At 10x the baseline's demand nearly
                # three in five of these searches were for such a key.
                for later in self._later_keys(key, alts, limit):
                    if later not in self._cache:
                        self._limits[later] = limit
                        self._register(later, alts)
        if cacheable and shared:
            self._limits[key] = limit
            self._register(key, alts)
        return alts

    def _on_seats_left(self, key: tuple[int, ...], origin: int, dest: int, ready: float,
                       board_from: float | None, limit: float,
                       shared: bool) -> tuple[Alternatives | None, bool]:
        """The set on the seats left, and whether the key may share it: the one found a week
        earlier on the seats then left, a week on, when the two weeks' timetables and seats
        left over the window are alike run for run (:meth:`_seats_left_a_week_on`), or a search.
        At 10x the baseline's demand the same flights are full week after week: half of
        these searches were the week before's, a week on."""
        found = self._seats_left_a_week_on(origin, dest, ready, board_from, limit) if shared else MISSING
        if found is MISSING:
            alts, cacheable, _ = self._search(origin, dest, ready, board_from, limit, self.allowed)
        else:
            alts, cacheable = found, True
        if cacheable and shared:  # kept with the window it stands on, to carry a week on
            start = ready if board_from is None else min(ready, board_from)
            lo, hi = bisect_left(self._dep, start), bisect_right(self._dep, limit)
            self._seats_left[key] = (alts, lo, self.allowed[lo:hi].copy())
        return alts, cacheable

    def _seats_left_a_week_on(self, origin: int, dest: int, ready: float, board_from: float | None,
                              limit: float) -> Alternatives | None | Missing:
        """The set found on the seats left a week earlier (:meth:`_on_seats_left`), a week on,
        or ``MISSING``: when the timetable over the window is the week before's (as for
        :meth:`_a_week_on`) and each connection of the window then searched is usable now as
        it was then, the search would find the same journeys a week later (what it reads are
        the connections of its window and whether each is usable)."""
        before = None if board_from is None else board_from - MIN_PER_WEEK
        earlier = self._seats_left.get(self.key(origin, dest, ready - MIN_PER_WEEK, before))
        start = ready if board_from is None else min(ready, board_from)
        if earlier is None or not self._weeks_alike(start, limit):
            return MISSING
        alts, lo, then = earlier
        later = self._week_later()
        runs = later.conn_array[lo:lo + then.size]
        run = runs >= 0  # a connection with no run a week later was not usable (_weeks_alike)
        if then[~run].any() or not np.array_equal(self.allowed[runs[run]], then[run]):
            return MISSING
        if alts is None:
            return None
        return Alternatives.of([(_week_on(it, later), tuple(_step_on(step, later) for step in steps))
                                for it, steps in alts.options])

    def _weeks_alike(self, start: float, limit: float) -> bool:
        """Every usable connection between ``start`` and ``limit`` a week earlier has its run a
        week later, and every one of this week its run a week before: the two windows hold the
        same runs, a week apart."""
        later = self._week_later()
        lone_then, lone_now = later.lone_then, later.lone_now
        lo0, hi0, lo, hi = (bisect_left(self._dep, t)
                            for t in (start - MIN_PER_WEEK, limit - MIN_PER_WEEK, start, limit))
        return lone_then[hi0] == lone_then[lo0] and lone_now[hi] == lone_now[lo]

    def _limit(self, anchor_min: float) -> float:
        return (math.floor(anchor_min / MIN_PER_DAY) + 1) * MIN_PER_DAY + self.window_min

    def _remember_static(self, memo: dict[tuple[int, ...], Any], key: tuple[int, ...],
                         static: tuple[Alternatives | None, bool, np.ndarray], limit: float) -> None:
        """Keep a set found with every seat free for its key, and for the keys of later first
        departures on the same day up to the first one it boards at the origin: a traveller who
        can no longer catch the departures it does not use has the same set (a Pareto set of
        journeys is the set of any subset of them that holds it)."""
        memo[key] = static
        for later in self._later_keys(key, static[0], limit):
            memo.setdefault(later, static)

    def _later_keys(self, key: tuple[int, ...], alts: Alternatives | None,
                    limit: float) -> list[tuple[int, ...]]:
        """The keys of the later first departures at the origin, on the key's day (the same
        window's end ``limit``), up to the first one ``alts`` boards there: those whose set is
        the key's set ``alts``."""
        first = self._departures[key[0]]
        last = len(first) - 1
        if alts is not None:
            for it, _ in alts.options:
                leg = it.legs[0]
                if leg.kind == "service" and leg.origin == key[0]:
                    last = min(last, bisect_left(first, leg.dep_min))
        later = []
        for k in range(key[2] + 1, last + 1):
            if self._limit(first[k]) != limit:
                break
            later.append((key[0], key[1], k, *key[3:]))
        return later

    def _a_week_on(self, memo: dict[tuple[int, ...], Any], origin: int, dest: int, ready: float,
                   board_from: float | None, limit: float, weeks: int = WEEKS_BACK) -> StaticSet | None:
        """The set found a week earlier, a week on, when the timetable between the ready time
        and the window's end is that week's a week later, trip for trip (no clock change, no
        validity ending, not the window's edge): the search would find the same journeys on the
        same services a week later. None when there is no such set or the weeks differ.

        Nobody may have asked a week earlier (a key a passenger seldom has): that week's set is
        then the one of the week before it, a week on, and so on, up to ``weeks`` back."""
        later = self._week_later()
        if not self._weeks_alike(ready if board_from is None else min(ready, board_from), limit):
            return None
        before = None if board_from is None else board_from - MIN_PER_WEEK
        earlier = memo.get(self.key(origin, dest, ready - MIN_PER_WEEK, before))
        if earlier is None and weeks > 1 and ready - MIN_PER_WEEK >= self.planner.tt.start_min:
            earlier = self._a_week_on(memo, origin, dest, ready - MIN_PER_WEEK, before, limit - MIN_PER_WEEK,
                                      weeks - 1)
        if earlier is None or not earlier[1]:
            return None
        alts, cacheable, rows = earlier
        if alts is None:
            return None, cacheable, rows
        shifted = [(_week_on(it, later), tuple(_step_on(step, later) for step in steps))
                   for it, steps in alts.options]
        return Alternatives.of(shifted), cacheable, np.sort(later.conn_array[rows])

    def _week_later(self) -> WeekLater:
        """Each trip's and connection's run a week later, and the counts of lone connections
        (:class:`WeekLater`), kept with the planner."""
        found = self.planner.memo.get(("week later", self.planner.unit))
        if found is None:
            trip_later, conn_later = self.planner.tt.shifted_trips(MIN_PER_WEEK)
            usable = self._all_seats()
            earlier = np.zeros(conn_later.size, dtype=bool)
            earlier[conn_later[conn_later >= 0]] = True
            lone_then = np.r_[0, np.cumsum(usable & (conn_later < 0))].tolist()
            lone_now = np.r_[0, np.cumsum(usable & ~earlier)].tolist()
            found = self.planner.memo[("week later", self.planner.unit)] = WeekLater(
                trip_later.tolist(), conn_later.tolist(), conn_later, lone_then, lone_now)
        return found  # type: ignore[no-any-return]

    def _all_seats(self) -> np.ndarray:
        if self._open_mask is None:
            self._open_mask = self.planner.allowed(self.planner.tt.service_mask(None, self.planner.unit))
        return self._open_mask

    def _search(self, origin: int, dest: int, ready: float, board_from: float | None, limit: float,
                allowed: np.ndarray) -> tuple[Alternatives | None, bool, np.ndarray]:
        """The Pareto set on ``allowed``; whether it may be shared by the key (no journey on
        links alone, whose times follow the ready time); the connections its rides use."""
        its = self.planner.pareto(origin, dest, ready, allowed=allowed, window_min=limit - ready,
                                  board_from_min=board_from)
        tt = self.planner.tt
        alts = Alternatives.of([(it, tuple(itinerary_steps(tt, it))) for it in its]) if its else None
        if alts is None:
            return None, True, np.zeros(0, dtype=np.int64)
        cacheable = all(any(leg.kind == "service" for leg in it.legs) for it, _ in alts.options)
        rows = [c for _, steps in alts.options for step in steps if isinstance(step, RideStep)
                for c in self.planner.trip_rows[step.trip][step.board_stop:step.alight_stop]]
        return alts, cacheable, np.array(sorted(set(rows)), dtype=np.int64)

    def choose(self, origin: int, dest: int, ready: float, board_from: float | None,
               segment: TravellerSegment, uniform: float) -> tuple[Itinerary, tuple[Step, ...]] | None:
        """The itinerary a traveller of ``segment`` picks with the uniform draw ``uniform``; the
        earliest when no journey arrives within the window (the traveller still goes: with only
        journeys past it, such as a weekly connection, the window left them at the origin to
        the end of the run, though the planner and a run without a choice model deliver them)."""
        alts = self.alternatives(origin, dest, ready, board_from)
        if alts is None:
            return self._find(origin, dest, ready, board_from)
        # draw_one(traveller_utilities(...)), the utilities kept as floats
        pick = draw_one_floats(_traveller_utilities(alts, ready, segment, self.choice), uniform)
        return alts.options[pick]
