"""An independent planner written from docs/planning.md and docs/scenarios.md alone.

It starts from the scenario's own fields, not from corridor's timetable: every local date a
service may run on (weekdays, headways, its validity period within the scenario's) is turned
into UTC by the standard library's ``zoneinfo`` one departure at a time, and journeys are
found by two plain searches over (place, how it was reached):

* earliest arrival: Dijkstra, since reaching a place earlier in the same way (at the start,
  off a vehicle, off a link) leaves every option of reaching it later;
* every journey no other beats in (arrival, transfers, cost, CO2): labels per (place, how
  reached), a label dropped only when another there is at most it in all four and time.

Nothing here imports corridor.network or corridor.planning. Places lie on the equator 10 degrees
apart, so a segment's share of its service's distance is the share of the tens of degrees it
spans, exactly: arrivals are the exact running totals, in fractions, rounded halves up. Cost
and CO2 are whole multiples of those tens (whole dollars and kilograms a segment).
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
START, VEHICLE, LINK = 0, 1, 2  # how a place was reached


def clock(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


@dataclass
class Service:
    mode: str
    stops: list[int]
    dep_off: list[int]  # per segment, minutes after the first stop's departure
    arr_off: list[int]
    cost: list[float]
    co2: list[float]
    starts: list[float]  # first-stop departures, minutes since the epoch, sorted
    board: float = 0.0  # paid at each boarding (a fare by boarding: the whole fare)


@dataclass
class Vehicle:  # a dispatched service: joined when one may board, leaves its cut-off later
    mode: str
    origin: int
    dest: int
    cutoff: float
    ride: float
    cost: float
    co2: float


@dataclass
class Edge:
    origin: int
    dest: int
    minutes: float
    cost: float
    co2: float
    mode: str = "transfer"
    units: tuple[str, ...] = ("pax", "feu")


class Reference:
    """Journeys on a scenario given as the dict the YAML would hold (lat 0, lon 10 x i)."""

    def __init__(self, data: dict[str, Any], first_day: dt.date, last_day: dt.date,
                 window: tuple[float, float] = (-math.inf, math.inf)) -> None:
        """Expand every timetabled service on the local dates ``first_day`` .. ``last_day``,
        keeping the trips that leave their first stop inside ``window`` (minutes since the epoch)."""
        self.window = window
        places = data["places"]
        self.index = {p["id"]: i for i, p in enumerate(places)}
        self.lon = [p["lon"] for p in places]
        self.mct = [p.get("min_connection_min", 0) for p in places]
        self.ck = [p.get("checkin_min", 0) for p in places]
        start = dt.date.fromisoformat(data["run"]["start"])
        self.epoch = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
        self.services: list[Service] = []
        self.vehicles: list[Vehicle] = []
        for s in data["services"]:
            stops = [self.index[x] for x in s["stops"]]
            degrees = [round(abs(self.lon[b] - self.lon[a]) / 10)
                       for a, b in zip(stops, stops[1:], strict=False)]
            total = sum(degrees)
            dwell = s.get("dwell_min", 0)
            running = s["duration_min"] - dwell * (len(stops) - 2)
            cost = [s.get("cost_usd", 0) * d / total for d in degrees]
            co2 = [s.get("co2_kg", 0) * d / total for d in degrees]
            board = 0.0
            if s.get("fare_basis", "distance") == "boarding":  # the whole fare at every boarding
                board, cost = s.get("cost_usd", 0), [0.0] * len(cost)
            if "dispatch" in s:
                self.vehicles.append(Vehicle(s["mode"], stops[0], stops[1], s["dispatch"]["cutoff_min"],
                                             s["duration_min"], cost[0], co2[0]))
                continue
            # each arrival the exact running total (by distance share) rounded halves up, at least
            # a minute after its departure; each departure the exact total with the dwell, as
            # much later as its arrival was pushed to make the segment last a minute
            dep_off, arr_off, t, exact = [], [], 0, Fraction(0)
            for d in degrees:
                dep_off.append(t)
                exact += Fraction(running * d, total)
                pushed = max(t + 1 - math.floor(exact + Fraction(1, 2)), 0)
                t = math.floor(exact + Fraction(1, 2)) + pushed
                arr_off.append(t)
                exact += dwell
                t = max(math.floor(exact + Fraction(1, 2)) + pushed, t)
            self.services.append(Service(s["mode"], stops, dep_off, arr_off, cost, co2,
                                         self._starts(data, s, places[stops[0]]["tz"], first_day, last_day),
                                         board))
        self.links: list[Edge] = []
        for link in data.get("links", []):
            a, b = self.index[link["from"]], self.index[link["to"]]
            ends = [(a, b), (b, a)] if link.get("bidirectional", True) else [(a, b)]
            for u, v in ends:
                self.links.append(Edge(u, v, link["duration_min"], link.get("cost_usd", 0),
                                       link.get("co2_kg", 0), link.get("mode", "transfer"),
                                       tuple(link.get("units", ("pax", "feu")))))
        self.restrict()

    def restrict(self, modes: tuple[str, ...] | None = None, unit: str = "pax", links: bool = True) -> None:
        """Ride only services and dispatched vehicles of ``modes`` (None: all), and links that
        carry ``unit`` whose mode is among ``modes`` or that are walks (``transfer``); no link at
        all unless ``links``. Every service here carries passengers."""
        self.use_services = [s for s in self.services if modes is None or s.mode in modes]
        self.use_vehicles = [v for v in self.vehicles if modes is None or v.mode in modes]
        self.use_links = [e for e in self.links if links and unit in e.units
                          and (modes is None or e.mode == "transfer" or e.mode in modes)]

    def _starts(self, data: dict, s: dict, tz: str, first_day: dt.date, last_day: dt.date) -> list[float]:
        table = s["timetable"]
        days = set(DAYS) if table.get("days", "daily") == "daily" else set(table["days"])
        if "times" in table:
            clocks = sorted({clock(t) for t in table["times"]})
        else:
            # first + k x headway up to last, each on its whole minute, halves up (as every time
            # a timetable publishes), in exact arithmetic
            first, last = clock(table.get("first", "00:00")), clock(table.get("last", "23:59"))
            step = Fraction(str(table["headway_min"]))
            clocks, k = [], 0
            while first + k * step <= last:
                clocks.append(math.floor(first + k * step + Fraction(1, 2)))
                k += 1
        lo = [dt.date.fromisoformat(x) for x in (data.get("valid_from"), s.get("valid_from")) if x]
        hi = [dt.date.fromisoformat(x) for x in (data.get("valid_to"), s.get("valid_to")) if x]
        zone = ZoneInfo(tz)
        out = []
        day = first_day
        while day <= last_day:
            if DAYS[day.weekday()] in days and all(day >= x for x in lo) and all(day <= x for x in hi):
                for c in clocks:
                    # fold=0: in a gap or a fold, the offset in force before the change
                    local = dt.datetime(day.year, day.month, day.day, c // 60, c % 60, tzinfo=zone)
                    minutes = (local - self.epoch).total_seconds() / 60.0
                    if self.window[0] <= minutes < self.window[1]:
                        out.append(minutes)
            day += dt.timedelta(days=1)
        return sorted(out)

    # ------------------------------------------------------------------ moves
    def _board_and_leave(self, place: int, how: int, reach: float, ready: float) -> tuple[float, float]:
        """When a vehicle may be boarded and a link taken after reaching ``place`` so."""
        if how == START:
            return ready + self.ck[place], ready
        if how == VEHICLE:
            return reach + self.mct[place], reach + self.mct[place]
        return reach + max(self.ck[place], self.mct[place]), reach

    def moves(self, place: int, board: float, leave: float):  # noqa: ANN201
        """(next place, how, reach time, boardings, cost, CO2) of every one-leg move; of a
        timetabled service, only its first trip catchable at each of its stops here (a later
        trip of it reaches each later stop later, for the same cost)."""
        for s in self.use_services:
            for k in range(len(s.stops) - 1):
                if s.stops[k] != place:
                    continue
                j = bisect.bisect_left(s.starts, board - s.dep_off[k])
                if j == len(s.starts):
                    continue
                t0 = s.starts[j]
                cost, co2 = s.board, 0.0
                for g in range(k, len(s.stops) - 1):
                    cost += s.cost[g]
                    co2 += s.co2[g]
                    yield s.stops[g + 1], VEHICLE, t0 + s.arr_off[g], 1, cost, co2
        for v in self.use_vehicles:
            if v.origin == place:
                yield v.dest, VEHICLE, board + v.cutoff + v.ride, 1, v.cost, v.co2
        for e in self.use_links:
            if e.origin == place:
                yield e.dest, LINK, leave + e.minutes, 0, e.cost, e.co2

    # ------------------------------------------------------------------ questions
    def earliest(self, origin: int, target: int, ready: float, max_boardings: float = math.inf) -> float:
        """Dijkstra over (place, how reached, vehicles boarded so far), at most ``max_boardings``
        (with no limit, boardings are not counted: a dispatched vehicle joined at any moment
        would make new states for ever where the target cannot be reached)."""
        count = 1 if math.isfinite(max_boardings) else 0
        best: dict[tuple[int, int, int], float] = {(origin, START, 0): ready}
        heap = [(ready, origin, START, 0)]
        while heap:
            reach, place, how, boarded = heapq.heappop(heap)
            if reach > best.get((place, how, boarded), math.inf):
                continue
            if place == target:
                return reach  # the journey ends on reaching the destination
            board, leave = self._board_and_leave(place, how, reach, ready)
            for nxt, nhow, t, b, *_ in self.moves(place, board, leave):
                key = (nxt, nhow, boarded + b * count)
                if boarded + b <= max_boardings and t < best.get(key, math.inf):
                    best[key] = t
                    heapq.heappush(heap, (t, *key))
        return math.inf

    def pareto(self, origin: int, target: int, ready: float, limit: float,
               max_boardings: float = math.inf) -> set[tuple]:
        """(arrival, transfers, cost, CO2) of every journey arriving by ``limit``, boarding at
        most ``max_boardings`` vehicles, that no other such journey beats in all four."""
        bags: dict[tuple[int, int], list[tuple]] = {}
        found: list[tuple] = []
        stack = [(origin, START, ready, 0, 0.0, 0.0)]
        while stack:
            place, how, reach, boardings, cost, co2 = stack.pop()
            label = (reach, boardings, cost, co2)
            bag = bags.setdefault((place, how), [])
            if any(all(a <= b + 1e-9 for a, b in zip(other, label, strict=True)) for other in bag):
                continue
            bag[:] = [o for o in bag if not all(a <= b + 1e-9 for a, b in zip(label, o, strict=True))]
            bag.append(label)
            if place == target:
                found.append((reach, max(0, boardings - 1), round(cost, 6), round(co2, 6)))
                continue
            board, leave = self._board_and_leave(place, how, reach, ready)
            for nxt, nhow, t, b, c, e in self.moves(place, board, leave):
                if t <= limit and boardings + b <= max_boardings:
                    stack.append((nxt, nhow, t, boardings + b, cost + c, co2 + e))
        return {x for x in found
                if not any(y != x and all(a <= b + 1e-9 for a, b in zip(y, x, strict=True)) for y in found)}
