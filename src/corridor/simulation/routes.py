"""Earliest routes of units, cached exactly.

A unit's earliest itinerary depends on its ready time only through which departures it can
still catch: from its origin (after check-in), and from each place that links and dispatched
vehicles out of the origin reach before any timetabled service (each a fixed time after the
ready time, or after the moment the origin can be boarded, by the boarding rules), as long as
the usable connections stay the same. Units whose ready times catch the same first departures
everywhere therefore get the same itinerary, found once. A journey on links and dispatched
vehicles alone arrives a fixed time after it starts, so it is never shared, and a shared one
is not taken when such a journey would beat it. (A dispatched vehicle whose departure paths run
on some weekdays only leaves a varying time after the ready time: an origin that reaches one
before any timetabled service is searched for every unit, not keyed.) Containers book no
seats, so their usable connections never change; passengers' do. When a connection fills
up, only the routes that use it are forgotten (the others stay the earliest: an option that
was not taken has gone); when a seat comes free again, only the routes arriving after that
connection leaves (it cannot improve on the others).

Exact in arrival, not always in the route: where two routes arrive together, the planner's
pick between them can turn on the ready time (an untimed leg reaching a place before or after
a timetabled one). A cache that kept the pick of the first unit to ask would make a
replication's records depend on which replications ran before it, were it kept with the
planner (tried 2026-11-30, on the baseline's containers without gateway choice: 239 of ~2,000
arrivals moved). So a cache whose connections never change (``shared``: containers') searches
each key from one ready time of the key's own, the latest that catches the same departures,
and keeps its routes with the planner for every replication a worker runs: a key's route is
then the same whoever asks first. A passenger cache belongs to one replication (its
connections close as seats run out).
"""

from __future__ import annotations

import heapq
import math
from bisect import bisect_left
from collections.abc import Iterable
from enum import Enum
from typing import Final, Generic, Literal, NamedTuple, TypeVar

import numpy as np

from corridor.planning.itinerary import Itinerary
from corridor.planning.rules import dispatch_departure, landing
from corridor.planning.search import Planner
from corridor.simulation.entities import RideStep, Step, itinerary_steps


class _Missing(Enum):
    MISSING = 0


#: nothing kept for a key (None is kept for "no route"); a member of its own so that a check
#: ``is MISSING`` tells the type checker what is left
MISSING: Final = _Missing.MISSING
Missing = Literal[_Missing.MISSING]
#: an itinerary and its steps
Route = tuple[Itinerary, tuple[Step, ...]]
#: what a cache keeps for a key: a :data:`Route` (:class:`RouteCache`), or a set of them
#: (:class:`~corridor.simulation.choice.ChoiceCache`)
Kept = TypeVar("Kept")


class KeyedCache(Generic[Kept]):
    """Routes of units on the connections ``allowed`` marks usable, kept by what a search
    from a ready time depends on (:meth:`key`): :class:`RouteCache` keeps the earliest,
    :class:`~corridor.simulation.choice.ChoiceCache` the alternatives travellers choose among."""

    def __init__(self, planner: Planner, allowed: np.ndarray, *, shared: bool = False) -> None:
        """``shared``: ``allowed`` never changes and is the same in every replication that uses
        ``planner``, so routes, each found from its key's latest ready time
        (:meth:`latest_ready`), are kept with the planner."""
        self.planner = planner
        self.allowed = allowed
        self.shared = shared
        # a traveller (a cache of one replication's seats) takes the last to leave of equal
        # arrivals; a container the planner's pick, which a shared cache makes the one from the
        # key's latest ready time
        leave_late = not shared and planner.unit == "pax"
        self._route_search = planner.earliest_leaving_last if leave_late else planner.earliest
        tt = planner.tt
        self._checkin = tt.checkin_min.tolist()
        self._after_link = np.maximum(tt.checkin_min, tt.min_connection_min).tolist()
        # departures by origin, each still sorted: only of services carrying the planner's unit
        # (a freight train leaving the station a link reaches changes nothing for a passenger)
        rows = np.arange(tt.n_connections)
        if planner.unit is not None:
            rows = rows[tt.service_mask(None, planner.unit)[tt.service]]
        order = rows[np.argsort(tt.origin[rows], kind="stable")]
        bounds = np.searchsorted(tt.origin[order], np.arange(len(tt.places) + 1))
        dep = tt.dep_min[order]
        self._departures = [dep[bounds[p]:bounds[p + 1]].tolist() for p in range(len(tt.places))]
        self._cache: dict[tuple[int, ...], Kept | None] = (
            planner.memo.setdefault(("earliest", planner.unit, allowed.tobytes()), {}) if shared else {})
        self._users: dict[int, list[tuple[int, ...]]] = {}  # connection -> cached routes riding it
        self._untimed: dict[int, Untimed] = {}  # per origin
        self.hits = self.misses = 0

    def closed(self, connection: int) -> None:
        """``connection`` can no longer be used: forget the routes that ride it."""
        for key in self._users.pop(connection, ()):
            self._cache.pop(key, None)  # a key may be listed under a connection it no longer rides

    def _find(self, origin: int, dest: int, ready: float, board_from: float | None) -> Route | None:
        it = self._route_search(origin, dest, ready, allowed=self.allowed, board_from_min=board_from)
        return None if it is None else (it, tuple(itinerary_steps(self.planner.tt, it)))

    def untimed(self, origin: int) -> Untimed:
        """Where journeys from ``origin`` on links and dispatched vehicles alone can be (kept)."""
        found = self._untimed.get(origin)
        if found is None:  # a place with no departure adds nothing to a key
            found = untimed_reach(self.planner, origin)
            leaves = self._departures
            found = self._untimed[origin] = found._replace(
                board_after_ready=tuple((p, t) for p, t in found.board_after_ready if leaves[p]),
                board_after_boarding=tuple((p, t) for p, t in found.board_after_boarding if leaves[p]))
        return found

    def key(self, origin: int, dest: int, ready: float, board_from: float | None) -> tuple[int, ...]:
        """What a search from ``ready`` depends on: the first departure it can catch at the
        origin and at each place links and dispatched vehicles reach before any timetabled
        service."""
        boards = ready + self._checkin[origin] if board_from is None else board_from
        departures = self._departures
        reach = self.untimed(origin)
        key = [origin, dest, bisect_left(departures[origin], boards)]
        for p, t in reach.board_after_ready:  # loops, not generators: every unit routed asks
            key.append(bisect_left(departures[p], ready + t))
        for p, t in reach.board_after_boarding:
            key.append(bisect_left(departures[p], boards + t))
        return tuple(key)

    def untimed_arrival(self, origin: int, dest: int, ready: float, board_from: float | None) -> float:
        """The earliest arrival at ``dest`` on links and dispatched vehicles alone."""
        boards = ready + self._checkin[origin] if board_from is None else board_from
        reach = self.untimed(origin)
        return min(ready + reach.arrive_after_ready[dest], boards + reach.arrive_after_boarding[dest])

    def _keep(self, key: tuple[int, ...], kept: Kept | None, steps: Iterable[Step]) -> None:
        """``kept`` for ``key``, listed under every connection the rides among ``steps`` use,
        so that one closing forgets it (:meth:`closed`)."""
        self._cache[key] = kept
        for step in steps:
            if isinstance(step, RideStep):
                for c in self.planner.trip_rows[step.trip][step.board_stop:step.alight_stop]:
                    self._users.setdefault(c, []).append(key)

    def cached(self, key: tuple[int, ...]) -> Kept | None | Missing:
        """What is kept for ``key`` (None: no route), or ``MISSING``; hits and misses counted."""
        found = self._cache.get(key, MISSING)
        if found is MISSING:
            self.misses += 1
        else:
            self.hits += 1
        return found



class RouteCache(KeyedCache[Route]):
    """Earliest itineraries on the connections ``allowed`` marks usable, with their steps."""

    def opened(self, connection: int) -> None:
        """``connection`` can be used again: forget the routes it might now beat, those arriving
        after it leaves (and every "no route"). A route arriving by then is still the one the
        planner gives: its scan stops before reaching the connection."""
        leaves = float(self.planner.tt.dep_min[connection])
        stale = [key for key, found in self._cache.items() if found is None or found[0].arrive_min > leaves]
        for key in stale:
            del self._cache[key]

    def _remember(self, key: tuple[int, ...], found: Route | None) -> None:
        self._keep(key, found, () if found is None else found[1])

    def earliest(self, origin: int, dest: int, ready: float, board_from: float | None = None) -> Route | None:
        """The itinerary and its steps (shared: copy before changing). ``board_from`` replaces
        ready time plus check-in as the first moment to board (a rebooking traveller)."""
        if self.untimed(origin).by_day:  # no key holds the journeys that may wait for a path day
            return self._find(origin, dest, ready, board_from)
        key = self.key(origin, dest, ready, board_from)
        found = self.cached(key)
        if found is not MISSING and (found is None or found[0].arrive_min
                                     < self.untimed_arrival(origin, dest, ready, board_from)):
            return found
        if self.shared and found is MISSING and board_from is None:
            latest = self.latest_ready(key, ready)
            if latest is not None:
                found = self._find(origin, dest, latest, None)
                if found is None or any(leg.kind == "service" for leg in found[0].legs):
                    self._cache[key] = found
                    if found is None or found[0].arrive_min < self.untimed_arrival(origin, dest, ready, None):
                        return found
                if latest == ready:  # searched from ``ready`` itself: searching again finds the same
                    return found
        found = self._find(origin, dest, ready, board_from)
        if not self.shared and (found is None or any(leg.kind == "service" for leg in found[0].legs)):
            self._remember(key, found)
        return found

    def latest_ready(self, key: tuple[int, ...], ready: float) -> float | None:
        """The latest ready time (no earlier than ``ready``, which has ``key``) that catches the
        departures ``key`` names: the least of their departures less the minutes from the ready
        time to each, and before the timetable's horizon. None if rounding gives that time
        another key."""
        origin = key[0]
        departures = self._departures
        reach = self.untimed(origin)
        checkin = self._checkin[origin]
        places = ((origin, checkin), *reach.board_after_ready,
                  *((p, checkin + t) for p, t in reach.board_after_boarding))
        latest = math.inf
        for (p, ahead), k in zip(places, key[2:], strict=True):
            if k < len(departures[p]):
                latest = min(latest, departures[p][k] - ahead)
        if latest == math.inf:  # it can catch nothing: what it finds does not turn on when
            return ready
        latest = min(latest, math.nextafter(self.planner.tt.horizon_min, -math.inf))  # a search's bound
        for candidate in (latest, math.nextafter(latest, -math.inf)):
            if candidate >= ready and self.key(origin, key[1], candidate, None) == key:
                return candidate
        return None


class Untimed(NamedTuple):
    """Where journeys from one origin on links and dispatched vehicles alone can board a
    timetabled service, and arrive: (place, least minutes) after the ready time (those that
    leave the origin by link) or after the moment the origin can be boarded (those that leave
    it on a dispatched vehicle); the arrivals are per place (inf: not reached)."""

    board_after_ready: tuple[tuple[int, float], ...]
    board_after_boarding: tuple[tuple[int, float], ...]
    arrive_after_ready: list[float]
    arrive_after_boarding: list[float]
    #: a dispatched vehicle on the way has paths on some weekdays only: it may wait for one, so
    #: the minutes above are the least, and journeys are not a fixed time after the ready time
    by_day: bool = False


def untimed_reach(planner: Planner, origin: int) -> Untimed:
    """:class:`Untimed` for ``origin``, by the planner's boarding rules (docs/planning.md): a
    link chain leaves when one is free to leave by link and is boarded from after the larger of
    check-in and connection time; a dispatched vehicle is joined when one may board and leaves
    its cut-off later; off it, boarding and links wait the connection time."""
    tt = planner.tt
    n = len(tt.places)
    mct = tt.min_connection_min.tolist()
    after_link = np.maximum(tt.checkin_min, tt.min_connection_min).tolist()
    out = []
    by_day = False
    for start in ("leave", "board"):
        # least offsets of the two states of each place: free to board, free to leave by link
        board, leave, arrive = [math.inf] * n, [math.inf] * n, [math.inf] * n
        heap: list[tuple[float, int, str]] = [(0.0, origin, start)]
        (leave if start == "leave" else board)[origin] = 0.0
        while heap:
            t, p, state = heapq.heappop(heap)
            if t > (leave if state == "leave" else board)[p]:
                continue
            moves: list[tuple[int, float, float, float]] = []  # (place, arrive, board, leave)
            if state == "leave":  # a chain of links is one hop: no link on from its end
                for h in planner.hops[p]:
                    q, a = h.dest, t + h.duration_min
                    moves.append((q, a, landing(a, mct[q], after_link[q], False, via_link=True)[0], math.inf))
            else:
                for ride in planner.dispatch[p]:
                    by_day = by_day or ride.days is not None  # then the least it takes
                    q, a = ride.dest, dispatch_departure(t, ride.wait_min) + ride.duration_min
                    moves.append((q, a, *landing(a, mct[q], after_link[q], False, via_link=False)))
            for q, a, b, lv in moves:
                arrive[q] = min(arrive[q], a)
                if b < board[q]:
                    board[q] = b
                    heapq.heappush(heap, (b, q, "board"))
                if lv < leave[q]:
                    leave[q] = lv
                    heapq.heappush(heap, (lv, q, "leave"))
        # the origin itself, boarded from the start, is the key's own first entry
        out.append((tuple((p, board[p]) for p in range(n)
                          if board[p] < math.inf and (p != origin or start == "leave")), arrive))
    (after_ready, arrive_ready), (after_boarding, arrive_boarding) = out
    return Untimed(after_ready, after_boarding, arrive_ready, arrive_boarding, by_day)
