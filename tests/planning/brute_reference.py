"""A brute-force planner written from docs/planning.md and docs/scenarios.md, for random tests.

It reads the scenario as the dict a YAML file would hold and shares nothing with corridor: each
local date a service may run on (weekdays, listed times or a headway, the service's validity
within the scenario's) is turned into UTC by ``zoneinfo`` (a clock time in the spring gap or the
autumn fold read with the offset in force before the change, as ``fold=0`` does); running times,
fares and CO2 of multi-stop services are split by the distance between stops, which lie on the
equator ``LON_STEP`` degrees apart (so shares are exact fractions), and arrivals are the exact
running totals rounded halves up, each segment at least a minute.

Journeys are then found by a plain label search over states (place, time, how it was reached:
at the start, off a vehicle, off a link) in order of time: every move out of a state (board any
trip leaving at or after the moment one may board and get off at any later stop, join a
dispatched vehicle, take one link) makes a later state, so a state popped is final. A label is
dropped only when another reached the same place the same way no later, with no more
boardings, fare and CO2. Links are taken one at a time (a chain is a run of link states), not
through a closure. Everything is exact (``Fraction``).

The rules, as read:

* at the origin a vehicle may be boarded ``checkin_min`` after the ready time, a link taken at
  the ready time;
* off a vehicle both wait ``min_connection_min``;
* off a link, boarding waits ``max(checkin_min, min_connection_min)`` and another link may be
  taken at once (chains of links are one hop);
* a dispatched vehicle is joined when one may board and leaves ``cutoff_min`` later, or, on a
  UTC day without departure paths (``days``), at the start of the next day with them;
* the journey ends when it first reaches the target; a transfer is every vehicle boarded after
  the first; ``direct_only``: one vehicle, no link.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
LON_STEP = 6.0  # degrees between consecutive places on the equator
START, VEHICLE, LINK = "start", "vehicle", "link"


def frac(x: float | int) -> Fraction:
    """The decimal written in the YAML, exactly."""
    return Fraction(str(x))


def half_up(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2))


def hhmm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


@dataclass
class Trip:
    service: str
    mode: str
    unit: str
    stops: list[int]
    dep: list[int]  # per stop (the last one unused), minutes since the epoch
    arr: list[int]  # per stop (the first one unused)
    cost: list[Fraction]  # per segment
    co2: list[Fraction]
    board: Fraction  # paid at each boarding (a fare by boarding: the whole fare, else 0)


@dataclass
class Dispatched:
    service: str
    mode: str
    unit: str
    origin: int
    dest: int
    cutoff: Fraction
    ride: Fraction
    cost: Fraction
    co2: Fraction
    path_weekdays: frozenset[int] | None  # UTC weekdays with departure paths (None: every day)


@dataclass
class Arc:  # one direction of a link
    link: str
    mode: str
    units: tuple[str, ...]
    origin: int
    dest: int
    minutes: Fraction
    cost: Fraction
    co2: Fraction


@dataclass(frozen=True)
class Found:
    """A journey at the target: its criteria and the moves that made it."""

    arrive: Fraction
    boardings: int
    cost: Fraction
    co2: Fraction
    moves: tuple[tuple[Any, ...], ...]

    @property
    def transfers(self) -> int:
        return max(0, self.boardings - 1)

    def criteria(self) -> tuple[float, int, float, float]:
        """As ``Itinerary.criteria()`` rounds them."""
        return (float(self.arrive), self.transfers, round(float(self.cost), 6), round(float(self.co2), 6))


def segment_offsets(n_stops: int, shares: list[Fraction], duration: Fraction,
                    dwell: Fraction) -> tuple[list[int], list[int]]:
    """(departure, arrival) offsets per stop from the first departure, by docs/scenarios.md."""
    running = duration - dwell * (n_stops - 2)
    dep, arr = [0] * n_stops, [0] * n_stops
    exact = Fraction(0)
    t = 0
    for i in range(n_stops - 1):
        exact += running * shares[i]
        t = max(half_up(exact), dep[i] + 1)
        pushed = t - half_up(exact)  # a segment stretched to its minute moves the stop after it
        arr[i + 1] = t
        exact += dwell
        if i + 1 < n_stops - 1:
            t = max(half_up(exact) + pushed, t)
            dep[i + 1] = t
    return dep, arr


def path_weekdays(dispatch: dict[str, Any]) -> frozenset[int] | None:
    """The UTC weekdays of a dispatched service's departure paths, None when every day has them."""
    days = dispatch.get("days", "daily")
    if days == "daily" or "paths_per_day" not in dispatch:
        return None
    return frozenset(WEEKDAYS.index(x) for x in days)


class World:
    """Every trip of a scenario dict whose first stop's local date is in ``[first, last]``."""

    def __init__(self, data: dict[str, Any], first: dt.date, last: dt.date) -> None:
        self.data = data
        run_start = dt.date.fromisoformat(str(data["run"]["start"]))
        self.epoch = dt.datetime.combine(run_start, dt.time(0, 0), tzinfo=dt.UTC)
        places = data["places"]
        self.index = {p["id"]: i for i, p in enumerate(places)}
        self.names = [p["id"] for p in places]
        self.tz = [ZoneInfo(p["tz"]) for p in places]
        self.mct = [frac(p.get("min_connection_min", 0)) for p in places]
        self.checkin = [frac(p.get("checkin_min", 0)) for p in places]
        self.lon = [Fraction(round(p["lon"] / LON_STEP)) for p in places]  # in steps
        self.trips: list[Trip] = []
        self.dispatched: list[Dispatched] = []
        self.arcs: list[Arc] = []
        sc_from = data.get("valid_from")
        sc_to = data.get("valid_to")
        for s in data.get("services", []):
            stops = [self.index[x] for x in s["stops"]]
            dist = [abs(self.lon[a] - self.lon[b]) for a, b in zip(stops, stops[1:], strict=False)]
            total = sum(dist)
            shares = [d / total for d in dist] if total else [Fraction(1, len(dist))] * len(dist)
            cost = [frac(s.get("cost_usd", 0)) * sh for sh in shares]
            co2 = [frac(s.get("co2_kg", 0)) * sh for sh in shares]
            board = Fraction(0)
            if s.get("fare_basis", "distance") == "boarding":  # the whole fare at every boarding
                board, cost = frac(s.get("cost_usd", 0)), [Fraction(0)] * len(cost)
            if "dispatch" in s:
                (_, ride) = segment_offsets(2, shares, frac(s["duration_min"]), Fraction(0))
                self.dispatched.append(Dispatched(
                    s["id"], s["mode"], s["unit"], stops[0], stops[1],
                    frac(s["dispatch"].get("cutoff_min", 0)), Fraction(ride[1]), cost[0], co2[0],
                    path_weekdays(s["dispatch"])))
                continue
            dep_off, arr_off = segment_offsets(len(stops), shares, frac(s["duration_min"]),
                                               frac(s.get("dwell_min", 0)))
            tt = s["timetable"]
            days = tt.get("days", "daily")
            weekdays = set(range(7)) if days == "daily" else {WEEKDAYS.index(d) for d in days}
            if "times" in tt:
                clocks = sorted({hhmm(t) for t in tt["times"]})
            else:
                lo, hi = hhmm(tt.get("first", "00:00")), hhmm(tt.get("last", "23:59"))
                h = frac(tt["headway_min"])
                clocks, k = [], 0
                while lo + k * h <= hi:
                    clocks.append(half_up(lo + k * h))
                    k += 1
                clocks = sorted(set(clocks))
            starts = [dt.date.fromisoformat(str(x)) for x in (sc_from, s.get("valid_from")) if x]
            ends = [dt.date.fromisoformat(str(x)) for x in (sc_to, s.get("valid_to")) if x]
            day = first
            while day <= last:
                runs = (day.weekday() in weekdays and all(day >= x for x in starts)
                        and all(day <= x for x in ends))
                if runs:
                    for c in clocks:
                        local = dt.datetime.combine(day, dt.time(c // 60, c % 60), tzinfo=self.tz[stops[0]])
                        t0 = self.minutes(local)
                        dep, arr = [t0 + x for x in dep_off], [t0 + x for x in arr_off]
                        self.trips.append(Trip(s["id"], s["mode"], s["unit"], stops, dep, arr, cost, co2,
                                                          board))
                day += dt.timedelta(days=1)
        for link in data.get("links", []):
            ends_ = [(link["from"], link["to"])]
            if link.get("bidirectional", True):
                ends_.append((link["to"], link["from"]))
            for a, b in ends_:
                self.arcs.append(Arc(link["id"], link.get("mode", "transfer"),
                                     tuple(link.get("units", ["pax", "feu"])), self.index[a], self.index[b],
                                     frac(link["duration_min"]), frac(link.get("cost_usd", 0)),
                                     frac(link.get("co2_kg", 0))))
        # boarding index: (place, trip, stop position) by departure
        self.departures: dict[int, list[tuple[int, int, int]]] = {}
        for k, trip in enumerate(self.trips):
            for i, p in enumerate(trip.stops[:-1]):
                self.departures.setdefault(p, []).append((trip.dep[i], k, i))
        for lst in self.departures.values():
            lst.sort()

    def minutes(self, when: dt.datetime) -> int:
        seconds = (when.astimezone(dt.UTC) - self.epoch).total_seconds()
        assert seconds % 60 == 0
        return int(seconds // 60)

    def board_leave(self, place: int, how: str, t: Fraction) -> tuple[Fraction, Fraction]:
        """At ``place`` at ``t``, reached ``how``: the first moment a vehicle may be boarded
        (check-in at the start, the connection time off a vehicle, the larger of the two after
        a link) and the first a link may be taken (at once, but off a vehicle: its connection
        time)."""
        if how == START:
            return t + self.checkin[place], t
        if how == VEHICLE:
            return t + self.mct[place], t + self.mct[place]
        return t + max(self.checkin[place], self.mct[place]), t

    # ------------------------------------------------------------------ search
    def search(self, origin: int, target: int, ready: Fraction | int, *, unit: str,
               modes: tuple[str, ...] | None = None, max_transfers: int | None = None,
               direct_only: bool = False, limit: Fraction | float = math.inf,
               criteria: bool = True) -> list[Found]:
        """Every journey no other beats in (arrival, boardings, fare, CO2) -- or, with
        ``criteria=False``, in (arrival, boardings) only -- arriving by ``limit``."""
        ready = Fraction(ready)
        max_vehicles = 1 if direct_only else (math.inf if max_transfers is None else max_transfers + 1)
        use_links = not direct_only

        def mode_ok(mode: str, link: bool) -> bool:
            return modes is None or mode in modes or (link and mode == "transfer")

        trips_ok = [t.unit == unit and mode_ok(t.mode, False) for t in self.trips]
        sent = [d for d in self.dispatched if d.unit == unit and mode_ok(d.mode, False)]
        arcs = [a for a in self.arcs if unit in a.units and mode_ok(a.mode, True)] if use_links else []

        bags: dict[tuple[int, str], list[tuple]] = {}
        found: list[Found] = []
        heap: list[tuple] = []
        order = 0

        def key(cost: Fraction, co2: Fraction) -> tuple[Fraction, Fraction]:
            return (cost, co2) if criteria else (Fraction(0), Fraction(0))

        def push(t: Fraction, place: int, how: str, b: int, cost: Fraction, co2: Fraction,
                 moves: tuple) -> None:
            nonlocal order
            if t > limit:
                return
            if place == target:
                found.append(Found(t, b, cost, co2, moves))
                return
            label = (t, b, *key(cost, co2))
            bag = bags.setdefault((place, how), [])
            for x in bag:
                if all(xa <= la for xa, la in zip(x, label, strict=True)):
                    return
            bag[:] = [x for x in bag if not all(la <= xa for la, xa in zip(label, x, strict=True))]
            bag.append(label)
            order += 1
            heapq.heappush(heap, (t, order, place, how, b, cost, co2, moves, label))

        push(ready, origin, START, 0, Fraction(0), Fraction(0), ())
        while heap:
            t, _, p, how, b, cost, co2, moves, label = heapq.heappop(heap)
            if label not in bags[(p, how)]:
                continue  # beaten since
            board, leave = self.board_leave(p, how, t)
            if b + 1 <= max_vehicles:
                for dep, k, i in self.departures.get(p, []):
                    if dep < board or not trips_ok[k]:
                        continue
                    trip = self.trips[k]
                    c, e = cost + trip.board, co2
                    for j in range(i + 1, len(trip.stops)):
                        c, e = c + trip.cost[j - 1], e + trip.co2[j - 1]
                        push(Fraction(trip.arr[j]), trip.stops[j], VEHICLE, b + 1, c, e,
                             (*moves, ("ride", trip.service, trip.stops[i], trip.stops[j], dep, trip.arr[j])))
                for d in sent:
                    if d.origin == p:
                        go = self.path_day(board + d.cutoff, d.path_weekdays)
                        push(go + d.ride, d.dest, VEHICLE, b + 1, cost + d.cost, co2 + d.co2,
                             (*moves, ("dispatch", d.service, p, d.dest, go, go + d.ride)))
            for a in arcs:
                if a.origin == p:
                    push(leave + a.minutes, a.dest, LINK, b, cost + a.cost, co2 + a.co2,
                         (*moves, ("link", a.link, p, a.dest, leave, leave + a.minutes)))
        return pareto_front(found, criteria)

    def path_day(self, t: Fraction, weekdays: frozenset[int] | None) -> Fraction:
        """``t``, or the start (UTC) of the first later day with departure paths."""
        if weekdays is None:
            return t
        day = self.epoch + dt.timedelta(minutes=math.floor(t))
        if day.weekday() in weekdays:
            return t
        midnight = day.replace(hour=0, minute=0, second=0, microsecond=0)
        while True:
            midnight += dt.timedelta(days=1)
            if midnight.weekday() in weekdays:
                return Fraction(int((midnight - self.epoch).total_seconds()) // 60)

    def earliest(self, origin: int, target: int, ready: Fraction | int, **kw: Any) -> Fraction | float:
        best = self.search(origin, target, ready, criteria=False, **kw)
        return min((f.arrive for f in best), default=math.inf)


def pareto_front(found: list[Found], criteria: bool = True) -> list[Found]:
    """The journeys none beats, one per distinct set of criteria."""
    def crit(f: Found) -> tuple:
        return (f.arrive, f.transfers, f.cost, f.co2) if criteria else (f.arrive, f.transfers)

    out: dict[tuple, Found] = {}
    for f in found:
        c = crit(f)
        if any(all(a <= b for a, b in zip(crit(g), c, strict=True)) and crit(g) != c for g in found):
            continue
        out.setdefault(c, f)
    return list(out.values())
