"""Exact journey search on expanded timetables: earliest arrival and Pareto sets.

Both searches scan connections once, in order of departure (the connection-scan idea),
and follow the same boarding rules (docs/planning.md):

* At the origin a journey may board a first service ``checkin_min`` after the ready time.
* A trip once boarded can be ridden through its later stops at no cost in time.
* Alighting at a place, another service may be boarded ``min_connection_min`` later.
* Links (road, transfer) can be taken at any time: from the origin at the ready time, after
  alighting once ``min_connection_min`` has passed. A place reached by link may be boarded
  from after the larger of its ``checkin_min`` and ``min_connection_min``, and left by
  another link only through the chain that led there (chains of links are one hop, see
  :mod:`corridor.planning.links`).
* A dispatched vehicle is joined at a place when a vehicle could be boarded there (as for a
  timetabled departure), leaves its cut-off later and is landed from as a vehicle: its
  departures are events, scanned in time order among the connections.
* Arrival at the target is the moment of alighting (or the end of the link).

Times are minutes since the scenario epoch (UTC). Every segment lasts at least a minute,
so a connection departing at ``t`` is scanned after every connection arriving by ``t``.
Connections are read from the timetable's arrays in chunks, so getting ready for a query
costs nothing per connection and a query pays only for the span it scans.
"""

from __future__ import annotations

import heapq
import itertools
import math
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any, NamedTuple

import numpy as np

from corridor.errors import PlanningError
from corridor.network.timetable import Timetable
from corridor.planning.bounds import BoundGraph, Bounds
from corridor.planning.itinerary import Itinerary, Leg, link_legs, service_leg
from corridor.planning.links import DispatchRide, LinkHop, dispatch_rides, link_closure
from corridor.planning.rules import dispatch_departure

INF = math.inf
EPS = 1e-9
CHUNK = 1024  # connections converted to lists at a time, on first use, then kept


class Start(NamedTuple):
    """The journey begins at the origin."""


class Boarded(NamedTuple):
    """On board since connection ``board`` (while riding a trip)."""

    board: int
    prev: Pointer


class Ride(NamedTuple):
    """Rode one trip from connection ``board`` to connection ``alight``."""

    board: int
    alight: int
    prev: Pointer


class Hop(NamedTuple):
    """Took the link chain ``hop`` from ``source``, leaving at ``leave_min``."""

    source: int
    hop: LinkHop
    leave_min: float
    prev: Pointer


class Sent(NamedTuple):
    """Rode the dispatched vehicle ``ride`` from ``source``, joined at ``join_min``."""

    source: int
    ride: DispatchRide
    join_min: float
    prev: Pointer


Pointer = Start | Boarded | Ride | Hop | Sent
START = Start()


class Label(NamedTuple):
    """A partial journey: at a place, able to board from ``time_min``, having boarded
    ``boardings`` vehicles, paid ``cost_usd`` and emitted ``co2_kg``. ``can_link``: it may
    still take a link from here (it came off a vehicle, or is the origin)."""

    time_min: float
    boardings: int
    cost_usd: float
    co2_kg: float
    can_link: bool
    ptr: Pointer


def _label(time_min: float, boardings: int, cost_usd: float, co2_kg: float, can_link: bool,
           ptr: Pointer) -> Label:
    """``Label(...)`` without the named tuple's own ``__new__`` (a Pareto scan makes millions)."""
    return tuple.__new__(Label, (time_min, boardings, cost_usd, co2_kg, can_link, ptr))  # type: ignore[type-var]


def dominates(a: Label, b: Label) -> bool:
    """``a`` is at least as good as ``b`` in every criterion, and may do all that ``b`` may."""
    return (a.time_min <= b.time_min and a.boardings <= b.boardings
            and a.cost_usd <= b.cost_usd + EPS and a.co2_kg <= b.co2_kg + EPS
            and (a.can_link or not b.can_link))


#: journeys at one place (or on one trip) that none beats in arrival, boardings, cost and CO2
#: (the shipped scenarios' plans hold at most 71): services that each trade time for money
#: double them at every change, and 28 such services took minutes, 40 days
MAX_BAG = 2_000


def insert(bag: list[Label], label: Label) -> bool:
    """Add ``label`` to a Pareto bag unless dominated, dropping what it dominates; past
    :data:`MAX_BAG` the search is refused.

    :func:`dominates` written out in the loops (this runs for every boarding and landing of
    every Pareto search)."""
    t, b, c, e, link = label[0], label[1], label[2], label[3], label[4]
    beaten = False  # does ``label`` dominate anything in the bag?
    for x in bag:
        if x[0] <= t and x[1] <= b and x[2] <= c + EPS and x[3] <= e + EPS and (x[4] or not link):
            return False
        if (not beaten and t <= x[0] and b <= x[1] and c <= x[2] + EPS and e <= x[3] + EPS
                and (link or not x[4])):
            beaten = True
    if beaten:
        bag[:] = [x for x in bag if not dominates(label, x)]
    bag.append(label)
    if len(bag) > MAX_BAG:
        raise PlanningError(
            f"more than {MAX_BAG:,} journeys to one place that none beats in arrival, transfers, cost "
            "and CO2: services that each trade time for money multiply them at every change; a "
            "question narrowed by --max-transfers, --modes or --window-days may stay within")
    return True


LATER_MIN = 1e-6  # how much later than a journey's last moment to ask again for one leaving later
#: after this many askings again for one journey, :meth:`Planner._gallop` takes longer strides,
#: the first this many minutes (the one-by-one steps then close the last of the way)
GALLOP_AFTER, GALLOP_MIN = 16, 8.0
SETTLE_EVERY = 32  # connections scanned between checks that the Pareto search may stop


class _Chunk(NamedTuple):
    base: int  # row of the chunk's first connection
    first: int  # where in the chunk the scan starts
    dep: list[float]
    arr: list[float]
    orig: list[int]
    dest: list[int]
    trip: list[int]
    ok: list[bool]


class Planner:
    """Answers routing questions on one expanded timetable."""

    def __init__(self, tt: Timetable, *, unit: str | None = None,
                 hops: list[list[LinkHop]] | None = None,
                 dispatch: list[list[DispatchRide]] | None = None) -> None:
        """``unit`` (pax or feu) limits links and dispatched vehicles to those that carry it;
        services are masked per query. ``hops`` replaces the link closure (a narrower set of
        links), ``dispatch`` the dispatched vehicles out of each place."""
        self.tt = tt
        self.unit = unit
        self.hops: list[list[LinkHop]] = hops if hops is not None else link_closure(tt, unit)
        self.dispatch: list[list[DispatchRide]] = (dispatch if dispatch is not None
                                                   else dispatch_rides(tt, unit=unit))
        self._bound_graph: BoundGraph | None = None
        self._bounds: dict[int, Bounds] = {}
        self._mct = tt.min_connection_min.tolist()
        self._checkin = tt.checkin_min.tolist()
        self._after_link = np.maximum(tt.checkin_min, tt.min_connection_min).tolist()
        self.trip_rows = _TripRows(tt)
        self._columns: dict[int, tuple[list[float], list[float], list[int], list[int], list[int]]] = {}
        #: results that depend on this timetable alone, kept by callers that repeat searches
        #: (the simulation's choice sets, shared by all replications run with this planner)
        self.memo: dict[Any, Any] = {}
        # per connection, as Python numbers for the Pareto scan: made by its first scan
        # (:meth:`_per_connection`), since as lists they hold several times the timetable's
        # arrays, and earliest-arrival questions read the timetable in chunks instead
        self._cost: list[float] = []
        self._board: list[float] = []  # what boarding the connection pays (a fare by boarding)
        self._co2: list[float] = []
        self._dest: list[int] = []
        self._arr: list[float] = []
        self._trip_ends: list[bool] = []  # the last connection of its trip
        self._legs: dict[tuple[int, int], Leg] = {}  # service legs made so far, by (board, alight)

    def _per_connection(self) -> None:
        """The Pareto scan's lists, made once."""
        tt = self.tt
        self._cost, self._co2 = tt.cost_usd.tolist(), tt.co2_kg.tolist()
        self._board = tt.board_cost_usd[tt.service].tolist()
        self._dest, self._arr = tt.dest.tolist(), tt.arr_min.tolist()
        ends = np.zeros(tt.n_connections, dtype=bool)
        ends[tt.trip_rows[tt.trip_ptr[1:] - 1]] = True
        self._trip_ends = ends.tolist()

    # ------------------------------------------------------------------ helpers
    def bounds(self, target: int) -> Bounds:
        """What any journey on to ``target`` still takes, at least, from each place (kept per
        target: the timetable and the link chains never change)."""
        found = self._bounds.get(target)
        if found is None:
            if self._bound_graph is None:
                self._bound_graph = BoundGraph(self.tt, self.hops, self.dispatch)
            found = self._bounds[target] = self._bound_graph.bounds(target)
        return found

    def place(self, place_id: str) -> int:
        return place_index(self.tt.index, place_id)

    def allowed(self, services: np.ndarray | None) -> np.ndarray:
        """Which connections a search may use, from a per-service mask (None: all)."""
        if services is None:
            return np.ones(self.tt.n_connections, dtype=bool)
        return np.asarray(services, dtype=bool)[self.tt.service]

    def _chunks(self, start: int, ok: np.ndarray | None) -> Iterator[_Chunk]:
        """The connections from row ``start`` on, as lists, chunk by chunk. A chunk is converted
        from the timetable's arrays the first time a query reaches it, and kept: set-up costs
        nothing per connection, and repeated queries (the simulation's) pay the conversion once."""
        tt, n = self.tt, self.tt.n_connections
        c, first = divmod(start, CHUNK)
        while c * CHUNK + first < n:
            lo, hi = c * CHUNK, min((c + 1) * CHUNK, n)
            cols = self._columns.get(c)
            if cols is None:
                cols = self._columns[c] = (tt.dep_min[lo:hi].tolist(), tt.arr_min[lo:hi].tolist(),
                                           tt.origin[lo:hi].tolist(), tt.dest[lo:hi].tolist(),
                                           tt.trip[lo:hi].tolist())
            # the mask may change between queries (seats running out): read afresh each time
            usable = [True] * (hi - lo) if ok is None else ok[lo:hi].tolist()
            yield _Chunk(lo, first, *cols, usable)
            c, first = c + 1, 0

    def reconstruct(self, ready_min: float, ptr: Pointer) -> Itinerary:
        legs: list[Leg] = []
        while not isinstance(ptr, Start):
            if isinstance(ptr, Ride):
                legs.append(self._service_leg(ptr.board, ptr.alight))
            elif isinstance(ptr, Sent):
                legs.extend(link_legs(self.tt, ptr.source, (ptr.ride.row,), ptr.join_min))
            else:
                assert isinstance(ptr, Hop)
                legs.extend(reversed(link_legs(self.tt, ptr.source, ptr.hop.rows, ptr.leave_min)))
            ptr = ptr.prev
        return Itinerary(ready_min=ready_min, legs=tuple(reversed(legs)))

    def _service_leg(self, board: int, alight: int) -> Leg:
        """The ride from connection ``board`` to ``alight`` (:func:`service_leg`), made once per
        pair and kept: a leg is frozen and the timetable never changes."""
        leg = self._legs.get((board, alight))
        if leg is None:
            leg = self._legs[board, alight] = service_leg(self.tt, board, alight,
                                                          self.trip_rows[int(self.tt.trip[board])])
        return leg

    def _check(self, origin: int, target: int, ready_min: float) -> None:
        if origin == target:
            raise PlanningError(f"origin and destination are both {self.tt.places[origin]!r}")
        if not self.tt.start_min <= ready_min < self.tt.horizon_min:
            raise PlanningError(
                f"departure {self.tt.to_utc(ready_min).isoformat()} is outside the timetable "
                f"window ({self.tt.to_utc(self.tt.start_min).isoformat()} to "
                f"{self.tt.to_utc(self.tt.horizon_min).isoformat()})"
            )

    # ------------------------------------------------------------------ earliest arrival
    def earliest(
        self, origin: int, target: int, ready_min: float, *,
        services: np.ndarray | None = None, use_links: bool = True,
        allowed: np.ndarray | None = None, board_from_min: float | None = None,
    ) -> Itinerary | None:
        """The earliest-arriving itinerary, or None if the target cannot be reached.

        ``services`` masks the services that may be used (see ``Timetable.service_mask``);
        ``allowed``, the same per connection, spares repeated queries the conversion; a trip is
        ridden only over connections it allows (a segment with no seat left is not ridden through).
        ``board_from_min`` replaces ready time plus check-in as the first moment a service can
        be boarded at the origin (a traveller already airside, rebooking after a miss).
        """
        self._check(origin, target, ready_min)
        ok = allowed if allowed is not None else (None if services is None else self.allowed(services))
        n = len(self.tt.places)
        ready = [INF] * n
        arrival = [INF] * n
        rptr: list[Pointer | None] = [None] * n
        aptr: list[Pointer | None] = [None] * n
        ready[origin] = ready_min + self._checkin[origin] if board_from_min is None else board_from_min
        arrival[origin] = ready_min
        rptr[origin] = aptr[origin] = START

        after_link, mct, dispatch = self._after_link, self._mct, self.dispatch
        # dispatched vehicles joined, by planned departure: (leaves, order, joined, place, ride)
        sent: list[tuple[float, int, float, int, DispatchRide]] = []
        order = itertools.count()  # ties leave in the order joined, never compared further

        def join(place: int) -> None:
            """Join every dispatched vehicle out of ``place`` at ``ready[place]``, just lowered."""
            for ride in dispatch[place]:  # planned to leave at the cut-off (:mod:`.rules`)
                heapq.heappush(sent, (dispatch_departure(ready[place], ride.wait_min, ride.days),
                                      next(order), ready[place], place, ride))

        def keep(v: int, a: float, r: float, ptr: Pointer) -> bool:
            """Reaching ``v`` at ``a``, free to board from ``r``, by ``ptr``: keep what improves
            (joining the dispatched vehicles out of ``v`` when ``r`` does); True if ``r`` did."""
            if a < arrival[v]:
                arrival[v], aptr[v] = a, ptr
            if r >= ready[v]:
                return False
            ready[v], rptr[v] = r, ptr
            if dispatch[v]:
                join(v)
            return True

        def relax(place: int, leave: float, prev: Pointer) -> None:
            for hop in self.hops[place]:
                reach = leave + hop.duration_min
                u = hop.dest
                board = reach + after_link[u]
                if reach < arrival[u] or board < ready[u]:  # the pointer only when it is kept
                    keep(u, reach, board, Hop(place, hop, leave, prev))

        def land(v: int, a: float, ptr: Pointer) -> None:
            """A vehicle lands at ``v`` at ``a`` by ``ptr``, which improves its arrival or the
            moment it may board there (the caller checked): keep what it improves, and go on
            from ``v`` by dispatched vehicles and links."""
            r = a + mct[v]
            if keep(v, a, r, ptr) and use_links:
                relax(v, r, ptr)

        def send(until: float) -> None:
            """The dispatched vehicles leaving by ``until`` (and before the best arrival) land."""
            while sent and sent[0][0] <= until and sent[0][0] < arrival[target]:
                leaves, _, joined, u, ride = heapq.heappop(sent)
                if joined > ready[u]:  # joined earlier since: that vehicle went first
                    continue
                v, a = ride.dest, leaves + ride.duration_min
                if a < arrival[v] or a + mct[v] < ready[v]:
                    prev = rptr[u]
                    assert prev is not None
                    land(v, a, Sent(u, ride, joined, prev))

        if dispatch[origin]:
            join(origin)
        if use_links:
            relax(origin, ready_min, START)
        boarded: dict[int, Boarded] = {}
        first = int(np.searchsorted(self.tt.dep_min, ready_min, side="left"))
        for chunk in self._chunks(first, ok):
            dep, arr, orig, dest, trip, usable = chunk[2:]
            if sent:
                send(dep[chunk.first])
            if dep[chunk.first] >= arrival[target]:
                break
            for k in range(chunk.first, len(dep)):
                d = dep[k]
                if sent and sent[0][0] <= d:
                    send(d)
                if d >= arrival[target]:
                    break
                if not usable[k]:  # no seat on it: whoever rides the trip gets off before it
                    boarded.pop(trip[k], None)
                    continue
                entry = boarded.get(trip[k])
                if entry is None:
                    u = orig[k]
                    if ready[u] > d:
                        continue
                    prev = rptr[u]
                    assert prev is not None
                    entry = boarded[trip[k]] = Boarded(chunk.base + k, prev)
                v, a = dest[k], arr[k]
                if a < arrival[v] or a + mct[v] < ready[v]:
                    land(v, a, Ride(entry.board, chunk.base + k, entry.prev))
            else:
                continue
            break  # the inner loop reached the best arrival
        send(INF)
        found = aptr[target]
        return None if found is None else self.reconstruct(ready_min, found)

    def earliest_leaving_last(self, origin: int, target: int, ready_min: float, *,
                              allowed: np.ndarray | None = None,
                              board_from_min: float | None = None) -> Itinerary | None:
        """The earliest arrival by the journey that sets off last of those that make it: what a
        traveller with no other wish takes. :meth:`earliest` keeps the first journey its scan
        finds, so of a flight today to an overnight connection and the same flight tomorrow
        morning it kept today's. Asked again from just after the found journey's last possible
        ready moment (:meth:`_slack`) until the arrival gets later (:meth:`_leave_late`, equal in
        arrival alone)."""

        def scan(ready: float, board_from: float | None, until: float) -> list[Itinerary]:
            it = self.earliest(origin, target, ready, allowed=allowed, board_from_min=board_from)
            return [] if it is None else [it]

        found = scan(ready_min, board_from_min, INF)
        picks = self._leave_late(found, scan, origin, ready_min, board_from_min,
                                 key=lambda it: (it.arrive_min,))
        return picks[0] if picks else None

    # ------------------------------------------------------------------ Pareto set
    def pareto(
        self, origin: int, target: int, ready_min: float, *,
        services: np.ndarray | None = None, max_transfers: int | None = None,
        use_links: bool = True, window_min: float | None = None,
        allowed: np.ndarray | None = None, board_from_min: float | None = None,
    ) -> list[Itinerary]:
        """Every itinerary not dominated in (arrival, transfers, cost, CO2), earliest first;
        of journeys equal in all four, the one that sets off last (:meth:`_leave_late`).

        ``window_min`` bounds how long after ``ready_min`` a journey may arrive (default: to
        the end of the timetable). ``max_transfers`` bounds the changes of vehicle.
        ``allowed`` and ``board_from_min`` are as for :meth:`earliest`.
        """
        self._check(origin, target, ready_min)
        if len(self._arr) != self.tt.n_connections:
            self._per_connection()
        ok = allowed if allowed is not None else (None if services is None else self.allowed(services))
        end = None if window_min is None else ready_min + window_min

        def scan(ready: float, board_from: float | None, until: float) -> list[Itinerary]:
            last = until if end is None else min(end, until)
            return self._pareto_scan(origin, target, ready, ok, max_transfers, use_links,
                                     None if last == INF else last, board_from)

        found = scan(ready_min, board_from_min, INF)
        return self._leave_late(found, scan, origin, ready_min, board_from_min)

    def _leave_late(self, found: list[Itinerary],
                    scan: Callable[[float, float | None, float], list[Itinerary]],
                    origin: int, ready_min: float, board_from_min: float | None, *,
                    key: Callable[[Itinerary], tuple[float, ...]] = Itinerary.criteria) -> list[Itinerary]:
        """``found`` with each itinerary replaced by the one equal to it in ``key`` (arrival,
        transfers, cost and CO2) that sets off last. The scan keeps the first journey to reach a place, so
        of two flights to the same overnight connection it kept the one that waits longer: a
        traveller would stay at home. Found by asking ``scan`` again, from just after the moment
        the traveller would have had to be ready for the earliest-leaving itinerary not yet
        known to be the last of its kind: a journey found from then was open to the traveller
        too, and the Pareto set of those later journeys holds one equal to each itinerary that
        has a later equal (it cannot hold a better one: that would have been found first).
        ``scan(ready, board_from, until)`` need only find the journeys arriving by ``until``
        (the latest of those asked for): a journey's place in a Pareto set depends on none
        that arrives later. Journeys on links alone follow the ready time and are kept as they are.
        The links before a journey's first timetabled service follow the ready time too, so
        asked again from just after its moment the same journey misses its service: they are
        set off last by moving them to that moment (:meth:`_set_off_last`)."""
        boards = ready_min + self._checkin[origin] if board_from_min is None else board_from_min
        picks = list(found)
        slack = [self._slack(it, boards) for it in picks]  # from ready_min
        open_ = [k for k, s in enumerate(slack) if s < INF]

        def ask(shift: float, until: float) -> list[Itinerary]:
            return scan(ready_min + shift, None if board_from_min is None else board_from_min + shift, until)

        steps = 0
        while open_:
            steps += 1
            if steps == GALLOP_AFTER:  # a departure every minute or so, under one journey or more
                for k in open_:
                    self._gallop(k, picks, slack, ask, key, ready_min, boards)
            shift = min(slack[k] for k in open_) + LATER_MIN
            ready = ready_min + shift
            if ready >= self.tt.horizon_min:
                break
            # only journeys equal to one asked for now are looked for: none arrives after them
            until = max(picks[k].arrive_min for k in open_ if slack[k] < shift)
            later = ask(shift, until)
            still = []
            for k in open_:
                if slack[k] >= shift:  # not yet asked from its own moment
                    still.append(k)
                    continue
                x = key(picks[k])
                # (a journey led by a dispatched vehicle is planned from the ready moment: one
                # found from a later moment sets off then, which no rule lets it)
                tie = next((it for it in later if _equal(key(it), x) and not _dispatch_led(it)), None)
                more = -INF if tie is None else self._slack(tie, boards + shift) + shift
                if tie is not None and more > slack[k]:
                    picks[k], slack[k] = Itinerary(ready_min, tie.legs), more
                    still.append(k)
            open_ = still
        return [self._set_off_last(it) for it in picks]

    def _gallop(self, k: int, picks: list[Itinerary], slack: list[float],
                ask: Callable[[float, float], list[Itinerary]], key: Callable[[Itinerary], tuple[float, ...]],
                ready_min: float, boards: float) -> None:
        """Move ``picks[k]`` (and its ``slack``) on towards the journey equal to it that sets
        off last, by doubling steps and then halving them, rather than one departure at a time
        (:meth:`_leave_late`, which then takes the last few steps one by one as before). Asked
        from a later moment, the set holds a journey equal to ``picks[k]`` up to the last moment
        one can be made and never after (a journey open from a later moment is open from an
        earlier one, and none from then beats the pick), so the halving keeps the last moment
        between a moment that found one and one that did not. With a flight every minute to a
        twice-weekly connection the one-by-one steps were thousands a traveller."""
        x = key(picks[k])

        def probe(shift: float) -> bool:
            tie = next((it for it in ask(shift, picks[k].arrive_min)
                        if _equal(key(it), x) and not _dispatch_led(it)), None)
            if tie is None:
                return False
            # found from ``shift`` on, it can be made from there: later than the pick so far
            picks[k], slack[k] = Itinerary(ready_min, tie.legs), self._slack(tie, boards + shift) + shift
            return True

        gap, last = GALLOP_MIN, self.tt.horizon_min - ready_min
        while slack[k] + gap < last and probe(slack[k] + gap):
            gap *= 2
        high = min(slack[k] + gap, last)  # asked from here, none is open (or past the timetable)
        while high - slack[k] > 2 * GALLOP_MIN:
            middle = (slack[k] + high) / 2
            if not probe(middle):
                high = middle

    def _set_off_last(self, it: Itinerary) -> Itinerary:
        """``it`` with the links before its first timetabled service moved later by the time
        they leave to spare there (:meth:`_slack`), so that they reach it with the connection
        time and no more; ``it`` itself when it starts with a service, has none, or takes a
        dispatched vehicle before it (planned at its cut-off from when it is joined)."""
        first = next((k for k, leg in enumerate(it.legs) if leg.kind == "service"), 0)
        if any(leg.kind != "link" for leg in it.legs[:first]):
            return it
        spare = self._slack(it, it.ready_min)
        if spare <= 0 or spare == INF:
            return it
        moved = [replace(leg, dep_min=leg.dep_min + spare, arr_min=leg.arr_min + spare)
                 for leg in it.legs[:first]]
        return Itinerary(it.ready_min, (*moved, *it.legs[first:]))

    def _slack(self, it: Itinerary, boards: float) -> float:
        """How much later than the ready time its legs were found from the traveller could be
        ready and still make ``it`` (``boards``: when they may first board at the origin): the
        wait before its first timetabled service, after boarding at the origin, or after the
        links and dispatched vehicles before it and the connection time where they end.
        Infinite for a journey with no timetabled service (its times follow the ready time)."""
        for k, leg in enumerate(it.legs):
            if leg.kind != "service":
                continue
            if k == 0:
                return leg.dep_min - boards
            last = it.legs[k - 1]
            after = self._mct[leg.origin] if last.kind == "dispatch" else self._after_link[leg.origin]
            return leg.dep_min - last.arr_min - after
        return INF

    def _pareto_scan(self, origin: int, target: int, ready_min: float, ok: np.ndarray | None,
                     max_transfers: int | None, use_links: bool, until_min: float | None,
                     board_from_min: float | None) -> list[Itinerary]:
        """The Pareto set as the scan finds it (of equal journeys, the first to arrive) of the
        journeys arriving by ``until_min`` (None: any). The moment itself, not a window after
        ``ready_min``: asked again from a moment just after a journey's, a window added back
        to it fell short of the end in the last bit, and a journey arriving at the end, equal
        to the one being set off later, was not found."""
        bags = _Bags(self, target, until_min, max_transfers, use_links)
        boards = ready_min + self._checkin[origin] if board_from_min is None else board_from_min
        bags.wait(origin, Label(boards, 0, 0.0, 0.0, True, START))
        if use_links:
            bags.take_links(origin, Label(ready_min, 0, 0.0, 0.0, True, START))

        trips: dict[int, list[Label]] = {}  # per trip: riding labels (time unused), never empty
        stops = bags.stops
        tt = self.tt
        first = int(np.searchsorted(tt.dep_min, ready_min, side="left"))
        scanned = 0
        limit = bags.limit  # changes only when the scan stops
        sent = bags.sent
        for chunk in self._chunks(first, ok):
            dep, _, orig, _, trip, usable = chunk[2:]
            if sent:
                bags.send(dep[chunk.first])
            if dep[chunk.first] > limit:
                break
            for k in range(chunk.first, len(dep)):
                if sent and sent[0][0] <= dep[k]:
                    bags.send(dep[k])
                if dep[k] > limit:
                    break
                if usable[k]:
                    if stops[orig[k]] or trip[k] in trips:  # else nobody can board or ride it
                        self._scan_connection(bags, trips, chunk.base + k, dep[k], orig[k], trip[k])
                    scanned += 1
                    if scanned % SETTLE_EVERY == 0 and bags.settled(dep[k], trips):
                        limit = bags.limit = -INF  # nothing left open can reach the target undominated
                        break
                else:  # no seat on it: whoever rides the trip gets off before it
                    trips.pop(trip[k], None)
        bags.send(INF)
        found = [self.reconstruct(ready_min, lab.ptr) for lab in bags.found]
        return pareto_filter(found)

    def _scan_connection(self, bags: _Bags, trips: dict[int, list[Label]], i: int, d: float,
                         place: int, trip: int) -> None:
        """Board connection ``i`` from the labels waiting at its origin, then ride it."""
        riding = trips.get(trip)
        cap = bags.max_boardings
        waiting = bags.stops[place]
        if riding is None and len(waiting) == 1 and self._trip_ends[i]:
            # one journey boards a trip for its one segment left (a flight): what the general
            # case below does for it, without the bag of riders in between
            lab = waiting[0]
            if lab.time_min <= d and lab.boardings + 1 <= cap:
                b, a = lab.boardings + 1, self._arr[i]
                paid, emitted = lab.cost_usd + self._board[i] + self._cost[i], lab.co2_kg + self._co2[i]
                if a <= bags.limit and not bags.beaten_at_target(a, b, paid, emitted):
                    bags.reach(self._dest[i], _label(a, b, paid, emitted, True, Ride(i, i, lab.ptr)))
            return
        for lab in waiting:
            if lab.time_min <= d and lab.boardings + 1 <= cap:
                boarded = _label(0.0, lab.boardings + 1, lab.cost_usd + self._board[i], lab.co2_kg, True,
                                 Boarded(i, lab.ptr))
                if riding is None:
                    riding = trips[trip] = [boarded]
                else:
                    insert(riding, boarded)
        if not riding:
            return
        cost, co2 = self._cost[i], self._co2[i]
        v, a = self._dest[i], self._arr[i]
        last = self._trip_ends[i]  # no later connection of the trip reads its riding labels
        moved = []
        reach = bags.reach
        for lab in riding:  # each pays the segment, then may get off at its end
            on = lab.ptr
            assert isinstance(on, Boarded)
            paid, emitted = lab.cost_usd + cost, lab.co2_kg + co2
            if not last:
                moved.append(_label(0.0, lab.boardings, paid, emitted, True, on))
            # what :meth:`_Bags.land` checks first, before building the label (it rarely passes)
            if a <= bags.limit and not bags.beaten_at_target(a, lab.boardings, paid, emitted):
                reach(v, _label(a, lab.boardings, paid, emitted, True, Ride(on.board, i, on.prev)))
        if last:
            del trips[trip]
        else:
            riding[:] = moved


class _Bags:
    """The Pareto bags of one query: per place, and at the target."""

    def __init__(self, planner: Planner, target: int, until_min: float | None,
                 max_transfers: int | None, use_links: bool) -> None:
        self.planner = planner
        self.target = target
        self.limit = INF if until_min is None else until_min
        self.max_boardings = INF if max_transfers is None else max_transfers + 1
        self.use_links = use_links
        self.stops: list[list[Label]] = [[] for _ in planner.tt.places]
        self.found: list[Label] = []  # at the target; time_min is the arrival
        #: dispatched vehicles joined, by planned departure: (leaves, order, place, ride, label)
        self.sent: list[tuple[float, int, int, DispatchRide, Label]] = []
        self._order = itertools.count()  # ties leave in the order joined, never compared further

    def settled(self, now_min: float, trips: dict[int, list[Label]]) -> bool:
        """True when every partial journey still open (waiting at a place or riding) is beaten
        by a journey that has already arrived by ``now_min``: anything it becomes leaves after
        now, so arrives later, with at least its boardings, cost and CO2, and, from a place,
        at least the boardings, cost and CO2 of one of the ways on to the target that none beats
        in all three (:mod:`.bounds`), each of which must be beaten. The least boardings, cost
        and CO2 of any way on, each on its own, are beaten by none when a fast dear service and
        a slow cheap one share the market: with a shuttle every minute the scan then ran to the
        end of the window, a day's shuttles and more for every traveller choosing.

        Nothing found later could then enter the Pareto set: the first to try is dominated by
        a journey found by now, still there (only an entry removes one)."""
        arrived = [f for f in self.found if f.time_min <= now_min]
        if not arrived:
            return False

        def beaten(b: float, c: float, e: float) -> bool:
            return any(f.boardings <= b and f.cost_usd <= c + EPS and f.co2_kg <= e + EPS for f in arrived)

        ways_on = self.planner.bounds(self.target).ways_on
        return (all(beaten(lab.boardings + b, lab.cost_usd + c, lab.co2_kg + e)
                    for place, bag in enumerate(self.stops) for lab in bag for b, c, e in ways_on[place])
                and all(beaten(lab.boardings, lab.cost_usd, lab.co2_kg)
                        for riding in trips.values() for lab in riding))

    def land(self, place: int, arrived: Label) -> None:
        """A journey arrives at ``place`` at ``arrived.time_min`` (off a vehicle when
        ``can_link``, by link otherwise)."""
        t, b, c, e = arrived.time_min, arrived.boardings, arrived.cost_usd, arrived.co2_kg
        if t > self.limit or b > self.max_boardings or self.beaten_at_target(t, b, c, e):
            return  # too late, too many boardings, or the target is reached as well already
        self.reach(place, arrived)

    def reach(self, place: int, arrived: Label) -> None:
        """:meth:`land` once its checks have passed."""
        t, b, c, e, link, ptr = arrived
        if place == self.target:
            insert(self.found, arrived if link else _label(t, b, c, e, True, ptr))
            return
        planner = self.planner
        label = _label(t + (planner._mct[place] if link else planner._after_link[place]), b, c, e, link, ptr)
        if self.wait(place, label) and link and self.use_links:
            self.take_links(place, label)

    def wait(self, place: int, label: Label) -> bool:
        """``label`` may board at ``place`` from its ``time_min``: into the place's bag unless
        dominated (False), joining every dispatched vehicle out of it."""
        if not insert(self.stops[place], label):
            return False
        rides = self.planner.dispatch[place]
        if rides and label.boardings + 1 <= self.max_boardings:
            for ride in rides:
                leaves = dispatch_departure(label.time_min, ride.wait_min, ride.days)
                heapq.heappush(self.sent, (leaves, next(self._order), place, ride, label))
        return True

    def send(self, until: float) -> None:
        """The dispatched vehicles leaving by ``until`` (and within the window) land, carrying
        the journeys that joined them and are still in their place's bag."""
        sent = self.sent
        while sent and sent[0][0] <= until and sent[0][0] <= self.limit:
            leaves, _, place, ride, lab = heapq.heappop(sent)
            if not any(x is lab for x in self.stops[place]):  # beaten since: its vehicle goes too
                continue
            self.land(ride.dest, Label(leaves + ride.duration_min, lab.boardings + 1,
                                       lab.cost_usd + ride.cost_usd, lab.co2_kg + ride.co2_kg, True,
                                       Sent(place, ride, lab.time_min, lab.ptr)))

    def beaten_at_target(self, t: float, b: int, c: float, e: float) -> bool:
        """A journey found already dominates one at the target at ``t`` with boardings ``b``,
        cost ``c`` and CO2 ``e`` (:func:`dominates`, written out: it runs for every landing)."""
        for x in self.found:
            if x[0] <= t and x[1] <= b and x[2] <= c + EPS and x[3] <= e + EPS and x[4]:
                return True
        return False

    def take_links(self, place: int, label: Label) -> None:
        """Every link chain out of ``place``, leaving at ``label.time_min``."""
        for hop in self.planner.hops[place]:
            self.land(hop.dest, Label(label.time_min + hop.duration_min, label.boardings + hop.boardings,
                                      label.cost_usd + hop.cost_usd, label.co2_kg + hop.co2_kg, False,
                                      Hop(place, hop, label.time_min, label.ptr)))


class _TripRows:
    """``trip_rows[trip]``: the trip's connection rows in segment order, as a list (made on
    first use and kept: the timetable never changes; do not change it)."""

    def __init__(self, tt: Timetable) -> None:
        self.tt = tt
        self._rows: dict[int, list[int]] = {}

    def __getitem__(self, trip: int) -> list[int]:
        rows = self._rows.get(trip)
        if rows is None:
            rows = self._rows[trip] = self.tt.rows_of_trip(trip).tolist()
        return rows


def place_index(index: dict[str, int], place_id: str, names: dict[str, str] | None = None) -> int:
    """The index of ``place_id``, or an error that suggests the id meant: the same id in
    another case, the places whose name (``names``: id -> name) holds the text, or a close id.

    >>> try:
    ...     place_index({"NQZ": 0, "AR": 1}, "astana", {"NQZ": "Astana air", "AR": "Astana rail"})
    ... except PlanningError as exc:
    ...     print(exc)
    unknown place 'astana' (did you mean 'NQZ' (Astana air) or 'AR' (Astana rail)?)
    """
    try:
        return index[place_id]
    except KeyError:
        import difflib

        by_upper = {k.upper(): k for k in index}
        named = [k for k, name in (names or {}).items() if place_id.casefold() in name.casefold()][:4]
        same = [by_upper[place_id.upper()]] if place_id.upper() in by_upper else []
        close = [repr(k) for k in same]
        if len(place_id) >= 3:
            close += [f"{k!r} ({names[k]})" for k in named if k not in same]  # type: ignore[index]
        latin = _latin_look_alike(place_id)
        if not close and latin in index:  # 'А' (Cyrillic) for 'A': printed alike, told apart
            close = [repr(latin)]
        if not close:
            close = [repr(k) for k in difflib.get_close_matches(place_id.upper(), list(index), n=1)]
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        odd = list(dict.fromkeys(c for c in place_id if not c.isascii()))[:3]
        if odd:
            hint += "; it holds characters that are not ASCII: " + ", ".join(
                f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}" for c in odd)
        raise PlanningError(f"unknown place {place_id!r}{hint}") from None


def _latin_look_alike(text: str) -> str:
    """``text`` with each letter of another script that Unicode names after a Latin letter
    (CYRILLIC CAPITAL LETTER A, FULLWIDTH LATIN SMALL LETTER B) put as that Latin letter.

    >>> _latin_look_alike("\u0410\uff22C")
    'ABC'
    """
    out = []
    for c in unicodedata.normalize("NFKC", text):
        parts = unicodedata.name(c, "").split()
        if not c.isascii() and len(parts) >= 3 and parts[-2] == "LETTER" and len(parts[-1]) == 1 \
                and parts[-1].isascii() and parts[-1].isalpha():
            c = parts[-1].lower() if "SMALL" in parts else parts[-1]
        out.append(c)
    return "".join(out)


def pareto_filter(itineraries: list[Itinerary]) -> list[Itinerary]:
    """Drop dominated and duplicate itineraries by (arrival, transfers, cost, CO2); sort by arrival."""
    crit = [it.criteria() for it in itineraries]
    keep: list[Itinerary] = []
    seen: set[tuple[float, int, float, float]] = set()
    for it, x in sorted(zip(itineraries, crit, strict=True), key=lambda p: p[1]):
        if x in seen:
            continue
        if any(_dominates(y, x) for y in crit):
            continue
        seen.add(x)
        keep.append(it)
    return keep


#: what ``plan`` counts as no difference: a dollar of cost, a kilogram of CO2 (as it prints them)
SAME_USD, SAME_KG = 1.0, 1.0


def distinct_alternatives(itineraries: list[Itinerary]) -> tuple[list[Itinerary], int]:
    """The alternatives worth showing of a Pareto set (earliest arrival first), and how many
    are left out: one is left out when one kept before it arrives no later, with no more
    transfers, at most :data:`SAME_USD` dearer and with at most :data:`SAME_KG` more CO2. The set
    keeps a journey 8 h later for 10 g less CO2 on 2.8 t; nobody chooses by that.

    >>> from corridor.planning.itinerary import Itinerary, Leg
    >>> def it(arrive, cost, co2):
    ...     return Itinerary(0.0, (Leg("service", "S", "rail", 0, 1, 0.0, arrive, cost, co2),))
    >>> kept, left = distinct_alternatives([it(100.0, 500, 2770.76), it(200.0, 480, 2795.0),
    ...                                     it(300.0, 500, 2770.75)])
    >>> [k.arrive_min for k in kept], left
    ([100.0, 200.0], 1)
    """
    kept: list[Itinerary] = []
    for it in itineraries:
        if not any(k.arrive_min <= it.arrive_min and k.transfers <= it.transfers
                   and k.cost_usd <= it.cost_usd + SAME_USD and k.co2_kg <= it.co2_kg + SAME_KG
                   for k in kept):
            kept.append(it)
    return kept, len(itineraries) - len(kept)


def _dispatch_led(it: Itinerary) -> bool:
    """Does a dispatched vehicle come before the journey's first timetabled service?"""
    for leg in it.legs:
        if leg.kind == "service":
            return False
        if leg.kind == "dispatch":
            return True
    return False


def _equal(y: tuple[float, ...], x: tuple[float, ...]) -> bool:
    return all(abs(a - b) <= EPS for a, b in zip(y, x, strict=True))


def _dominates(y: tuple[float, int, float, float], x: tuple[float, int, float, float]) -> bool:
    return all(a <= b + EPS for a, b in zip(y, x, strict=True)) and y != x
