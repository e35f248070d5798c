"""An independent route planner written from docs/planning.md and docs/scenarios.md alone, and
a generator of random small scenarios for it.

It reads the scenario's own fields (the YAML dict), not corridor's timetable: every listed
departure turned into UTC by ``zoneinfo`` (a clock time in the spring-forward gap read with
the offset before the change, one in the autumn fold the first time; equal instants of one
service once), weekdays and validity periods local at the first stop, segment times as exact
fractions of the running time by great-circle distance (places on the equator, so distance is
proportional to longitude), each arrival rounded halves up, dwell at intermediate stops.

Journeys are searched over states (place, how the place was reached): ``origin`` (boarding
``checkin_min`` after the ready time, links at once), ``vehicle`` (boarding or links
``min_connection_min`` after alighting), ``link`` (boarding after the larger of the two,
further links at once: a chain of links is one hop).  Of the trips of one service boarded at
one of its calls, only the first that can be boarded is tried: a later one costs the same and
reaches every later call no earlier.  Earliest arrival is Dijkstra on the earliest time per
state; the Pareto set (arrival, transfers, cost, CO2) comes from exhaustive labels per state,
a label being dropped only when another at the same state is no worse in all four.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import math
import random
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

UTC = dt.UTC
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WINDOW_MIN = 60 * 1440  # journeys arrive within 60 days of the ready time


def half_up(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2))


def _frac(x: Any) -> Fraction:
    return Fraction(str(x)) if isinstance(x, float) else Fraction(x)


def _hhmm(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def _date(x: Any) -> dt.date | None:
    if x is None:
        return None
    return x if isinstance(x, dt.date) else dt.date.fromisoformat(x)


@dataclass
class Service:
    sid: str
    stops: list[str]
    arr: list[int]  # minutes after the first departure, per stop (arr[0] = 0)
    dep: list[int]  # minutes after the first departure, per stop
    cost_share: list[Fraction]  # cumulative share of the distance at each stop
    cost: Fraction
    co2: Fraction
    boarding_fare: bool
    starts: list[int] = field(default_factory=list)  # first departures, minutes since epoch, sorted


@dataclass
class Dispatched:
    """A dispatched service (two stops): a unit joins it at the moment it may board, and it is
    planned to leave ``cutoff`` minutes later, moved to 00:00 UTC of the next UTC weekday with
    departure paths when its paths run on some weekdays only."""
    sid: str
    a: str
    b: str
    cutoff: Fraction
    minutes: Fraction
    cost: Fraction
    co2: Fraction
    days: tuple[int, ...] | None  # UTC weekdays (0 = Mon) with paths, None = every day


@dataclass
class Link:
    a: str
    b: str
    minutes: Fraction
    cost: Fraction
    co2: Fraction


class World:
    """A scenario's timetable, from its own fields, over a range of days around a question."""

    def __init__(self, data: dict[str, Any], first_day: dt.date, last_day: dt.date,
                 unit: str = "pax") -> None:
        self.epoch = dt.datetime.combine(_date(data["run"]["start"]), dt.time(), tzinfo=UTC)
        self.places = {p["id"]: p for p in data["places"]}
        self.mct = {p: Fraction(p_.get("min_connection_min", 0)) for p, p_ in self.places.items()}
        self.checkin = {p: Fraction(p_.get("checkin_min", 0)) for p, p_ in self.places.items()}
        lo_all, hi_all = _date(data.get("valid_from")), _date(data.get("valid_to"))
        self.services: list[Service] = []
        self.dispatch: dict[str, list[Dispatched]] = {p: [] for p in self.places}
        for s in data.get("services", []):
            if s["unit"] != unit:
                continue
            if "dispatch" in s:
                dsp = s["dispatch"]
                days = dsp.get("days", "daily") if "paths_per_day" in dsp else "daily"
                wd = None if days == "daily" else tuple(WEEKDAYS.index(d) for d in days)
                a, b = s["stops"]
                self.dispatch[a].append(Dispatched(
                    s["id"], a, b, Fraction(dsp.get("cutoff_min", 0)), Fraction(s["duration_min"]),
                    _frac(s.get("cost_usd", 0)), _frac(s.get("co2_kg", 0)), wd))
                continue
            self.services.append(self._service(s, first_day, last_day, lo_all, hi_all))
        self.links: dict[str, list[Link]] = {p: [] for p in self.places}
        for lk in data.get("links", []):
            if unit not in lk.get("units", ["pax", "feu"]):
                continue
            args = (Fraction(lk["duration_min"]), _frac(lk.get("cost_usd", 0)), _frac(lk.get("co2_kg", 0)))
            self.links[lk["from"]].append(Link(lk["from"], lk["to"], *args))
            if lk.get("bidirectional", True):
                self.links[lk["to"]].append(Link(lk["to"], lk["from"], *args))
        # boarding options per place: (service, stop index)
        self.boards: dict[str, list[tuple[Service, int]]] = {p: [] for p in self.places}
        for s in self.services:
            for i, p in enumerate(s.stops[:-1]):
                self.boards[p].append((s, i))

    def _service(self, s: dict[str, Any], first_day: dt.date, last_day: dt.date,
                 lo_all: dt.date | None, hi_all: dt.date | None) -> Service:
        stops = s["stops"]
        lons = [Fraction(str(self.places[p]["lon"])) for p in stops]
        dists = [abs(b - a) for a, b in zip(lons, lons[1:], strict=False)]
        total = sum(dists)
        dwell = Fraction(s.get("dwell_min", 0))
        running = Fraction(s["duration_min"]) - dwell * (len(stops) - 2)
        arr, dep, share = [0], [0], [Fraction(0)]
        run_total = Fraction(0)
        for k, d in enumerate(dists, start=1):
            run_total += running * d / total
            # every segment takes at least a minute; a later one gives the time back
            a = max(half_up(run_total + dwell * (k - 1)), dep[-1] + 1)
            arr.append(a)
            dep.append(a + int(dwell) if k < len(stops) - 1 else a)
            share.append(share[-1] + d / total)
        tz = ZoneInfo(self.places[stops[0]]["tz"])
        tt = s["timetable"]
        if "times" in tt:
            clock = [_hhmm(t) for t in tt["times"]]
        else:
            first, last = _hhmm(tt.get("first", "00:00")), _hhmm(tt.get("last", "23:59"))
            h = _frac(tt["headway_min"])
            clock, k = [], 0
            while first + k * h <= last:
                clock.append(half_up(first + k * h))
                k += 1
        days = tt.get("days", "daily")
        lo, hi = _date(s.get("valid_from")), _date(s.get("valid_to"))
        lo = max([d for d in (lo, lo_all) if d is not None], default=None)
        hi = min([d for d in (hi, hi_all) if d is not None], default=None)
        starts: set[int] = set()
        day = first_day
        while day <= last_day:
            ok = (days == "daily" or WEEKDAYS[day.weekday()] in days)
            ok = ok and (lo is None or day >= lo) and (hi is None or day <= hi)
            if ok:
                for c in clock:
                    naive = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=c)
                    t = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
                    starts.add(round((t - self.epoch).total_seconds() / 60))
            day += dt.timedelta(days=1)
        cost = _frac(s.get("cost_usd", 0))
        co2 = _frac(s.get("co2_kg", 0))
        out = Service(s["id"], stops, arr, dep, share, cost, co2,
                      s.get("fare_basis", "distance") == "boarding", sorted(starts))
        return out

    # ------------------------------------------------------------------ moves
    def board_delay(self, place: str, how: str) -> Fraction:
        if how == "origin":
            return self.checkin[place]
        if how == "vehicle":
            return self.mct[place]
        return max(self.checkin[place], self.mct[place])

    def link_delay(self, place: str, how: str) -> Fraction:
        return self.mct[place] if how == "vehicle" else Fraction(0)

    def first_trip(self, s: Service, i: int, after: Fraction) -> int | None:
        """The first departure of ``s`` from its call ``i`` at or after ``after``: its start."""
        k = bisect.bisect_left(s.starts, math.ceil(after - s.dep[i]))
        return s.starts[k] if k < len(s.starts) else None

    def leaves(self, v: Dispatched, joined: Fraction) -> Fraction:
        """When a vehicle a unit joins at ``joined`` is planned to leave."""
        t = joined + v.cutoff
        if v.days is None:
            return t
        when = self.epoch + dt.timedelta(minutes=float(t))
        if when.weekday() in v.days:
            return t
        day = when.date()
        while True:
            day += dt.timedelta(days=1)
            if day.weekday() in v.days:
                break
        start = dt.datetime.combine(day, dt.time(), tzinfo=UTC)
        return Fraction(round((start - self.epoch).total_seconds() / 60))

    def ride(self, s: Service, i: int, j: int) -> tuple[Fraction, Fraction]:
        part = s.cost_share[j] - s.cost_share[i]
        return (s.cost if s.boarding_fare else s.cost * part), s.co2 * part

    # ------------------------------------------------------------------ questions
    def earliest(self, origin: str, target: str, ready: Fraction) -> Fraction | None:
        """Earliest arrival (minutes since the epoch) within the window, or None."""
        best: dict[tuple[str, str], Fraction] = {(origin, "origin"): ready}
        heap = [(ready, origin, "origin")]
        limit = ready + WINDOW_MIN
        while heap:
            t, p, how = heapq.heappop(heap)
            if best.get((p, how)) != t:
                continue
            if p == target:
                if how != "origin":
                    return t
                continue

            def push(q: str, h: str, a: Fraction) -> None:
                if a <= limit and a < best.get((q, h), Fraction(10**12)):
                    best[(q, h)] = a
                    heapq.heappush(heap, (a, q, h))
            b = t + self.board_delay(p, how)
            for s, i in self.boards[p]:
                start = self.first_trip(s, i, b)
                if start is None:
                    continue
                for j in range(i + 1, len(s.stops)):
                    push(s.stops[j], "vehicle", Fraction(start + s.arr[j]))
            for v in self.dispatch[p]:
                push(v.b, "vehicle", self.leaves(v, b) + v.minutes)
            lt = t + self.link_delay(p, how)
            for lk in self.links[p]:
                push(lk.b, "link", lt + lk.minutes)
        return None

    def earliest_k(self, origin: str, target: str, ready: Fraction, max_transfers: int) -> Fraction | None:
        """Earliest arrival with at most ``max_transfers`` transfers (from the Pareto set)."""
        found = self.pareto(origin, target, ready, max_transfers=max_transfers)
        return min((x[0] for x in found), default=None)

    def pareto(self, origin: str, target: str, ready: Fraction,
               max_transfers: int | None = None,
               direct_only: bool = False) -> set[tuple[Fraction, int, Fraction, Fraction]]:
        """Every (arrival, transfers, cost, CO2) that no journey beats in all four;
        ``direct_only``: journeys on one service alone, no link."""
        bags: dict[tuple[str, str], list[tuple]] = {}
        limit = ready + WINDOW_MIN
        max_board = 1 if direct_only else None if max_transfers is None else max_transfers + 1
        done: list[tuple] = []  # labels at the target

        def beaten(bag: list[tuple], lab: tuple) -> bool:
            return any(all(x[k] <= lab[k] for k in range(4)) for x in bag)

        def add(q: str, how: str, lab: tuple) -> None:
            if lab[0] > limit or (max_board is not None and lab[1] > max_board):
                return
            if q == target:
                if not beaten(done, lab):
                    done[:] = [x for x in done if not all(lab[k] <= x[k] for k in range(4))]
                    done.append(lab)
                return
            if beaten(done, lab):
                return
            bag = bags.setdefault((q, how), [])
            if beaten(bag, lab):
                return
            bag[:] = [x for x in bag if not all(lab[k] <= x[k] for k in range(4))]
            bag.append(lab)
            heapq.heappush(heap, (lab, q, how))

        heap: list = []
        zero = Fraction(0)
        add(origin, "origin", (ready, 0, zero, zero))
        while heap:
            lab, p, how = heapq.heappop(heap)
            if lab not in bags.get((p, how), ()) or beaten(done, lab):
                continue
            t, nb, c, e = lab
            b = t + self.board_delay(p, how)
            for s, i in self.boards[p]:
                start = self.first_trip(s, i, b)
                if start is None:
                    continue
                for j in range(i + 1, len(s.stops)):
                    dc, de = self.ride(s, i, j)
                    add(s.stops[j], "vehicle", (Fraction(start + s.arr[j]), nb + 1, c + dc, e + de))
            for v in self.dispatch[p]:
                add(v.b, "vehicle", (self.leaves(v, b) + v.minutes, nb + 1, c + v.cost, e + v.co2))
            lt = t + self.link_delay(p, how)
            for lk in (() if direct_only else self.links[p]):
                add(lk.b, "link", (lt + lk.minutes, nb, c + lk.cost, e + lk.co2))
        # at the target the criterion is transfers (boardings less one), not boardings: a
        # journey by links alone has no transfer, as one by a single vehicle has none
        final = {(x[0], max(0, x[1] - 1), x[2], x[3]) for x in done if not direct_only or x[1] == 1}
        return {x for x in final if not any(y != x and all(y[k] <= x[k] for k in range(4))
                                            for y in final)}


def world_for(data: dict[str, Any], ready_min: float, days_after: int = 70,
              unit: str = "pax") -> World:
    """A World over every day whose trips can matter for a question at ``ready_min``."""
    epoch = dt.datetime.combine(_date(data["run"]["start"]), dt.time(), tzinfo=UTC)
    day = (epoch + dt.timedelta(minutes=ready_min)).date()
    longest = max((s["duration_min"] for s in data.get("services", [])), default=0)
    before = int(longest // 1440) + 3
    return World(data, day - dt.timedelta(days=before), day + dt.timedelta(days=days_after), unit)


# ---------------------------------------------------------------------- random scenarios
ZONES = ("UTC", "Asia/Kolkata", "Asia/Kathmandu", "Europe/Vilnius", "America/St_Johns",
         "Australia/Adelaide", "Australia/Lord_Howe", "Asia/Almaty", "America/Santiago",
         "Pacific/Chatham")
#: run starts a day or two before a change of clocks somewhere (EU 28 Mar / 31 Oct 2027,
#: North America 14 Mar / 7 Nov, Australia 4 Apr / 3 Oct, Chile 4 Apr / 5 Sep)
STARTS = ("2027-03-27", "2027-10-30", "2027-03-13", "2027-11-06", "2027-04-03", "2027-10-02",
          "2027-09-04", "2027-06-14")


def random_scenario(rng: random.Random, *, n_places: int | None = None,
                    n_services: int | None = None) -> dict[str, Any]:
    """A small scenario drawn from the rules: zones with half- and three-quarter-hour offsets and
    summer time, check-in and connection times, weekday calendars, validity periods, headways,
    multi-stop services calling twice at a place, trips over midnight and over days, fares by
    distance or by boarding, CO2, links with modes, costs and CO2."""
    n = n_places or rng.randint(3, 6)
    ids = [f"P{i}" for i in range(n)]
    lons = rng.sample(range(0, 60), n)
    places = []
    for pid, lon in zip(ids, lons, strict=True):
        places.append({
            "id": pid, "name": pid, "kind": "junction", "country": "KZ", "lat": 0.0,
            "lon": float(lon), "tz": rng.choice(ZONES),
            "min_connection_min": rng.choice([0, 0, 5, 30, 60, 90, 240, 600, 12.5, 0.25]),
            "checkin_min": rng.choice([0, 0, 10, 45, 120, 7.5]),
        })
    start = dt.date.fromisoformat(rng.choice(STARTS))
    services = []
    for k in range(n_services or rng.randint(2, 7)):
        m = rng.choice([2, 2, 3, 3, 4, 5])
        stops = [rng.choice(ids)]
        while len(stops) < m:
            nxt = rng.choice(ids)
            if nxt != stops[-1] and lons[ids.index(nxt)] != lons[ids.index(stops[-1])]:
                stops.append(nxt)
        dwell = rng.choice([0, 0, 5, 20]) if m > 2 else 0
        duration = rng.choice([rng.randint(20, 400), rng.randint(300, 1500), rng.randint(1400, 4000),
                               rng.randint(4000, 15000), rng.randint(20, 900) + rng.choice([0.5, 0.25])])
        duration = max(duration, dwell * (m - 2) + 3 * (m - 1))
        if rng.random() < 0.2:
            tt: dict[str, Any] = {"headway_min": rng.choice([90, 180, 7.5 * 40, 250.5, 7.5, 45]),
                                  "first": f"{rng.randint(0, 10):02d}:{rng.choice([0, 15, 30]):02d}",
                                  "last": f"{rng.randint(12, 23):02d}:{rng.choice([0, 45, 59]):02d}"}
        else:
            times = sorted({f"{rng.randint(0, 23):02d}:{rng.choice([0, 7, 15, 30, 45, 59]):02d}"
                            for _ in range(rng.randint(1, 3))})
            # times inside spring-forward gaps and autumn folds
            if rng.random() < 0.3:
                odd = rng.choice(["02:30", "03:00", "03:30", "02:00", "00:30", "01:30"])
                times = sorted({*times, odd})
            tt = {"times": times}
        if rng.random() < 0.4:
            tt["days"] = sorted(rng.sample(WEEKDAYS, rng.randint(1, 5)), key=WEEKDAYS.index)
        svc: dict[str, Any] = {
            "id": f"S{k}", "mode": rng.choice(["rail", "road", "ferry"]), "unit": "pax",
            "stops": stops, "timetable": tt, "duration_min": duration, "capacity": 100,
            "cost_usd": rng.choice([0, 10, 25, 99, 250]), "co2_kg": rng.choice([0, 1, 3.5, 20]),
        }
        if dwell:
            svc["dwell_min"] = dwell
        if rng.random() < 0.3:
            svc["fare_basis"] = "boarding"
        if rng.random() < 0.15:
            svc["valid_from"] = (start + dt.timedelta(days=rng.choice([rng.randint(-3, 6),
                                                                      rng.randint(40, 70)]))).isoformat()
        if rng.random() < 0.15:
            svc["valid_to"] = (start + dt.timedelta(days=rng.randint(7, 12))).isoformat()
        if "valid_from" in svc and "valid_to" in svc and svc["valid_to"] < svc["valid_from"]:
            del svc["valid_to"]
        services.append(svc)
        if rng.random() < 0.15:  # a twin: the same trips at another fare, so vehicles land together
            twin = {**svc, "id": f"T{k}", "cost_usd": rng.choice([0, 5, 300]),
                    "co2_kg": rng.choice([0, 2, 30])}
            services.append(twin)
    links = []
    for k in range(rng.randint(0, 3)):
        a, b = rng.sample(ids, 2)
        links.append({"id": f"L{k}", "from": a, "to": b, "mode": rng.choice(["road", "transfer", "rail"]),
                      "duration_min": rng.choice([5, 30, 75, 200, 12.5]),
                      "cost_usd": rng.choice([0, 0, 5, 40]),
                      "units": rng.choice([["pax", "feu"], ["pax"], ["feu"]]),
                      "co2_kg": rng.choice([0, 0.5, 2]), "bidirectional": rng.random() < 0.5})
    data = {"name": "random", "run": {"start": start.isoformat(), "horizon_days": 14},
            "places": places, "services": services, "links": links}
    if rng.random() < 0.15:
        data["valid_from"] = (start + dt.timedelta(days=rng.randint(-5, 3))).isoformat()
    if rng.random() < 0.15:
        data["valid_to"] = (start + dt.timedelta(days=rng.randint(6, 20))).isoformat()
    return data


def with_dispatch_and_units(rng: random.Random, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with one to three dispatched services (cut-offs, daily or weekday departure
    paths) and some services carrying containers (``feu``) rather than passengers."""
    ids = [p["id"] for p in data["places"]]
    services = []
    for s in data["services"]:
        services.append({**s, "unit": "feu"} if rng.random() < 0.4 else s)
    for k in range(rng.randint(1, 3)):
        a, b = rng.sample(ids, 2)
        dsp: dict[str, Any] = {"cutoff_min": rng.choice([0, 0, 30, 240, 1440, 2880, 12.5])}
        if rng.random() < 0.5:
            dsp["paths_per_day"] = rng.choice([1, 3])
            if rng.random() < 0.7:
                dsp["days"] = sorted(rng.sample(WEEKDAYS, rng.randint(1, 3)), key=WEEKDAYS.index)
        services.append({"id": f"D{k}", "mode": rng.choice(["rail", "road"]),
                         "unit": rng.choice(["pax", "feu"]), "stops": [a, b], "dispatch": dsp,
                         "duration_min": rng.choice([60, 500, 1441, 4000]), "capacity": 40,
                         "cost_usd": rng.choice([0, 30, 200]), "co2_kg": rng.choice([0, 4])})
    return {**data, "services": services}
