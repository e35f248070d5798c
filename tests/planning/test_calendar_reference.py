"""RoutePlanner on any date against a planner written again from the docs (calendar_reference).

test_search.py checks the searches against a time-expanded graph built on corridor's own
timetable, so the expansion of weekly patterns into dated departures is only ever checked
through that same expansion. Here the scenario's fields are the only input both sides share:
validity periods (the service's within the scenario's), headways, weekday lists, clocks near
midnight on services running more than a day, weeks that wrap, dates before and after the
run and across summer-time changes, multi-stop services that come back to a place, links
with costs, and a dispatched vehicle. The questions go through ``RoutePlanner`` (its windows
around the date asked), as ``corridor plan`` and ``corridor profile`` ask them.
"""

from __future__ import annotations

import datetime as dt
import math
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planning.calendar_reference import DAYS, Reference

from corridor.errors import NoRouteError, PlanningError
from corridor.planning import RoutePlanner
from corridor.scenario.schema import Scenario

ZONES = ["UTC", "Europe/Vilnius", "Asia/Almaty", "Asia/Kathmandu", "America/St_Johns",
         "Australia/Lord_Howe", "America/Santiago", "Pacific/Chatham", "America/New_York"]
# a few days before a change of clocks somewhere above, a Sunday, and the turn of the year
STARTS = ["2027-03-26", "2027-03-12", "2027-10-29", "2027-04-02", "2027-11-05", "2027-09-03",
          "2027-12-30", "2027-03-28"]
CLOCKS = [0, 1, 30, 59, 60, 120, 150, 180, 719, 720, 1380, 1410, 1438, 1439]


def hhmm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


def offset_date(start: str, days: int) -> str:
    return (dt.date.fromisoformat(start) + dt.timedelta(days=days)).isoformat()


@st.composite
def scenario_data(draw, *, max_services: int = 5, max_times: int = 3, headway: bool = True) -> dict:
    start = draw(st.sampled_from(STARTS))
    n = draw(st.integers(3, 5))
    places = [{"id": f"P{i}", "name": f"P{i}", "kind": "junction", "country": "KZ", "lat": 0.0,
               "lon": 10.0 * i, "tz": draw(st.sampled_from(ZONES)),
               "min_connection_min": draw(st.sampled_from([0, 0, 15, 45, 120])),
               "checkin_min": draw(st.sampled_from([0, 0, 30, 90, 240]))} for i in range(n)]
    services = []
    for k in range(draw(st.integers(1, max_services))):
        stops = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=4)
                     .filter(lambda xs: all(a != b for a, b in zip(xs, xs[1:], strict=False))))
        tens = sum(abs(a - b) for a, b in zip(stops, stops[1:], strict=False))
        # minutes per ten degrees: short hops, and services that run through one or two nights
        per = draw(st.sampled_from([1, 7, 30, 61, 150, 700]).filter(lambda p, t=tens: p * t <= 2900))
        # or any whole running time: the shares of a multi-stop service then fall between
        # minutes, on halves too (3 then 1 tens of degrees in 10 minutes: 7.5, the first arrival
        # at minute 8)
        running = per * tens if draw(st.booleans()) else draw(st.integers(tens, 2900))
        dwell = draw(st.sampled_from([0, 0, 10, 25]))
        if headway and draw(st.booleans()):
            first = draw(st.sampled_from(CLOCKS))
            last = draw(st.sampled_from([c for c in CLOCKS if c >= first]))
            table: dict = {"headway_min": draw(st.sampled_from([45, 180, 360, 720, 22.5, 7.5, 92.25, 37.5])),
                           "first": hhmm(first), "last": hhmm(last)}
        else:
            table = {"times": [hhmm(c) for c in draw(st.lists(
                st.one_of(st.sampled_from(CLOCKS), st.integers(0, 1439)), min_size=1, max_size=max_times,
                unique=True))]}
        table["days"] = draw(st.one_of(st.just("daily"),
                                       st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True)))
        service = {"id": f"S{k}", "mode": draw(st.sampled_from(["rail", "air"])), "unit": "pax",
                   "stops": [f"P{s}" for s in stops], "timetable": table,
                   "duration_min": running + dwell * (len(stops) - 2), "dwell_min": dwell,
                   "capacity": 10, "cost_usd": draw(st.integers(0, 40)) * tens,
                   "fare_basis": draw(st.sampled_from(["distance", "boarding"])),
                   "co2_kg": draw(st.sampled_from([0, 3, 10])) * tens}
        if draw(st.integers(0, 2)) == 0:  # a validity period, open at either end or not
            lo = draw(st.integers(-6, 10))
            hi = draw(st.integers(lo, 16))
            if draw(st.booleans()):
                service["valid_from"] = offset_date(start, lo)
            if draw(st.booleans()):
                service["valid_to"] = offset_date(start, hi)
        services.append(service)
    links = []
    for k, (a, b) in enumerate(draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
                                             .filter(lambda p: p[0] != p[1]), max_size=3, unique=True))):
        links.append({"id": f"L{k}", "from": f"P{a}", "to": f"P{b}", "bidirectional": draw(st.booleans()),
                      "duration_min": draw(st.sampled_from([10, 30, 60, 95, 240])),
                      "cost_usd": draw(st.sampled_from([0, 0, 5, 40])),
                      "co2_kg": draw(st.sampled_from([0, 2])),
                      "mode": draw(st.sampled_from(["transfer", "road", "rail"])),
                      "units": draw(st.sampled_from([["pax", "feu"], ["pax"], ["feu"]]))})
    if draw(st.booleans()):
        a, b = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
        services.append({"id": "D0", "mode": "road", "unit": "pax", "stops": [f"P{a}", f"P{b}"],
                         "dispatch": {"cutoff_min": draw(st.sampled_from([0, 30, 600]))},
                         "duration_min": 6 * abs(a - b), "capacity": 5,
                         "cost_usd": draw(st.integers(0, 40)) * abs(a - b)})
    data = {"name": "calendar", "run": {"start": start, "horizon_days": 7},
            "places": places, "services": services, "links": links}
    if draw(st.integers(0, 3)) == 0:  # the scenario's own period, which every service's narrows
        data["valid_from"] = offset_date(start, draw(st.integers(-4, 4)))
        data["valid_to"] = offset_date(start, draw(st.integers(5, 14)))
    return data


def ends(data: dict, draw) -> tuple[int, int]:  # noqa: ANN001
    n = len(data["places"])
    origin = draw(st.integers(0, n - 1))
    target = draw(st.integers(0, n - 1).filter(lambda t: t != origin))
    return origin, target


def reference(data: dict, t0: float, t1: float) -> Reference:
    """The reference with every trip that may be ridden between ready time t0 and t1 (trips run
    under two days, first stops' zones within 14 h of UTC)."""
    epoch = dt.datetime.fromisoformat(data["run"]["start"]).replace(tzinfo=dt.UTC)
    day = (epoch + dt.timedelta(minutes=t0)).date() - dt.timedelta(days=4)
    last = (epoch + dt.timedelta(minutes=t1)).date() + dt.timedelta(days=2)
    return Reference(data, day, last)


def utc(data: dict, minutes: float) -> dt.datetime:
    epoch = dt.datetime.fromisoformat(data["run"]["start"]).replace(tzinfo=dt.UTC)
    return epoch + dt.timedelta(minutes=minutes)


def carries_no_passengers(data: dict, origin: int) -> bool:
    """Nothing but containers' links leaves the origin (then a question for passengers is
    refused, exit 2, naming the unit that is carried)."""
    here = f"P{origin}"
    return not any(here in s["stops"][:-1] for s in data["services"]) and not any(
        "pax" in link["units"] and (link["from"] == here or (link["to"] == here and link["bidirectional"]))
        for link in data["links"])


SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenario_data(), st.data())
def test_plan_on_any_date_equals_the_reference(data, draw) -> None:  # noqa: ANN001
    # the earliest arrival within the default 60-day window, and the Pareto set within 3 days,
    # from a ready time before, inside or after the run
    planner = RoutePlanner(Scenario.model_validate(data))
    origin, target = ends(data, draw.draw)
    t0 = float(draw.draw(st.integers(-4 * 1440, 16 * 1440)))
    ref = reference(data, -4 * 1440, 76 * 1440)
    # often just before a trip passes the origin, part of the way along: a trip that left its
    # first stop the day before (or two) is then the one to catch
    middle = [t + s.dep_off[k] - ref.ck[origin] for s in ref.services for k in range(1, len(s.stops) - 1)
              if s.stops[k] == origin for t in s.starts if -4 * 1440 <= t + s.dep_off[k] <= 16 * 1440]
    # or about in time to board a departure one link away: the rule is check-in and connection
    # time there, whichever is longer; either alone would board sooner
    linked = [t + s.dep_off[k] - e.minutes - w for e in ref.links if e.origin == origin
              for s in ref.services for k in range(len(s.stops) - 1) if s.stops[k] == e.dest
              for t in s.starts if -4 * 1440 <= t + s.dep_off[k] <= 16 * 1440
              for w in {max(ref.ck[e.dest], ref.mct[e.dest]), ref.ck[e.dest], ref.mct[e.dest]}]
    pick = draw.draw(st.sampled_from(["any", "middle", "linked", "far"]))
    if pick == "middle" and middle:
        t0 = draw.draw(st.sampled_from(sorted(middle))) - draw.draw(st.sampled_from([0, 1, 30]))
    elif pick == "linked" and linked:
        t0 = draw.draw(st.sampled_from(sorted(linked))) + draw.draw(st.sampled_from([0, 1, -1]))
    elif pick == "far":  # years before or after the run, other changes of clocks, other weekdays
        t0 = float(draw.draw(st.integers(-3 * 365, 5 * 365)) * 1440 + draw.draw(st.integers(0, 1439)))
        ref = reference(data, t0, t0 + 61 * 1440)
    want = ref.earliest(origin, target, t0)
    want = want if want <= t0 + 60 * 1440 else math.inf
    try:
        got = planner.plan(f"P{origin}", f"P{target}", utc(data, t0), unit="pax")
        arrive = got.itineraries[0].arrive_min
    except NoRouteError:
        arrive = math.inf
    except PlanningError:
        assert carries_no_passengers(data, origin)
        return
    assert arrive == want, (t0, want)
    try:
        found = {it.criteria() for it in planner.plan(f"P{origin}", f"P{target}", utc(data, t0),
                                                         unit="pax", window_days=3).itineraries}
    except NoRouteError:
        found = set()
    assert found == ref.pareto(origin, target, t0, t0 + 3 * 1440), t0


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_data(), st.data())
def test_profile_over_a_week_equals_the_reference(data, draw) -> None:  # noqa: ANN001
    # a week of the origin's clock from a drawn local start (or the default Monday 00:00), with
    # or without --modes and --max-transfers: the earliest arrival at every ready minute where
    # one may change (a departure from the origin
    # less its check-in, and from one link away, a minute either side) and at random minutes
    planner = RoutePlanner(Scenario.model_validate(data))
    origin, target = ends(data, draw.draw)
    start = None
    if draw.draw(st.booleans()):
        start = utc(data, float(draw.draw(st.integers(-3 * 1440, 10 * 1440))))
    modes = draw.draw(st.one_of(st.none(), st.sampled_from([("rail",), ("air", "road")])))
    k_max = draw.draw(st.sampled_from([None, None, 0, 1]))
    try:
        result = planner.profile(f"P{origin}", f"P{target}", start=start, days=7, unit="pax", modes=modes,
                                 max_transfers=k_max)
    except NoRouteError:
        return
    except PlanningError:
        assert carries_no_passengers(data, origin)
        return
    grid, got = result.profile.ready_min, result.profile.arrival_min
    # the week: from the start asked (by default Monday 00:00 at the origin of the run's first
    # week) to the same local time seven days on, 167 or 169 hours across a change of clocks
    zone = ZoneInfo(data["places"][origin]["tz"])
    if start is None:
        run = dt.date.fromisoformat(data["run"]["start"])
        monday = run - dt.timedelta(days=run.weekday())
        begin = dt.datetime(monday.year, monday.month, monday.day, tzinfo=zone)
    else:
        begin = start.astimezone(zone)
    end = (begin.replace(tzinfo=None) + dt.timedelta(days=7)).replace(tzinfo=zone)
    epoch = utc(data, 0.0)
    assert grid[0] == (begin - epoch).total_seconds() / 60
    assert grid.size == (end - begin.astimezone(dt.UTC)).total_seconds() / 60
    ref = reference(data, float(grid[0]), float(grid[-1]) + 30 * 1440)
    ref.restrict(modes, "pax")
    most = math.inf if k_max is None else k_max + 1
    step = grid[1] - grid[0]
    assert step == 1.0
    near = set()
    ck = ref.ck[origin]
    first_links = [e for e in ref.links if e.origin == origin]
    for s in ref.services:
        for k, p in enumerate(s.stops[:-1]):
            for t in s.starts:
                dep = t + s.dep_off[k]
                if p == origin:
                    near.update(dep - ck + d for d in (-1, 0, 1))
                for e in first_links:
                    if e.dest == p:
                        for wait in {max(ref.ck[p], ref.mct[p]), ref.ck[p], ref.mct[p]}:
                            near.update(dep - wait - e.minutes + d for d in (-1, 0, 1))
    picks = {int(x - grid[0]) for x in near if grid[0] <= x <= grid[-1]}
    rng = np.random.default_rng(draw.draw(st.integers(0, 2**32 - 1)))
    picks = sorted(picks | set(rng.integers(0, grid.size, 40).tolist()) | {0, grid.size - 1})
    if len(picks) > 400:
        picks = sorted(rng.choice(picks, 400, replace=False).tolist())
    for k in picks:
        want = ref.earliest(origin, target, float(grid[k]), most)
        assert got[k] == want, (float(grid[k]), float(got[k]), want, modes, k_max)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario_data(), st.data())
def test_plan_with_modes_transfers_and_direct_only_equals_the_reference(data, draw) -> None:  # noqa: ANN001
    # --modes keeps services, dispatched vehicles and links of those modes, and walks
    # (transfer links) always; links carry only the units they list; --max-transfers N keeps
    # journeys of at most N + 1 vehicles; --direct-only one vehicle and no link
    planner = RoutePlanner(Scenario.model_validate(data))
    origin, target = ends(data, draw.draw)
    t0 = float(draw.draw(st.integers(-2 * 1440, 12 * 1440)))
    modes = draw.draw(st.one_of(st.none(), st.lists(st.sampled_from(["air", "rail", "road"]), min_size=1,
                                                    max_size=2, unique=True).map(tuple)))
    direct = draw.draw(st.integers(0, 3)) == 0
    k = None if direct else draw.draw(st.sampled_from([None, 0, 1, 2]))
    ref = reference(data, t0, t0 + 3 * 1440)
    ref.restrict(modes, "pax", links=not direct)
    most = 1 if direct else (math.inf if k is None else k + 1)
    want = ref.pareto(origin, target, t0, t0 + 3 * 1440, max_boardings=most)
    try:
        got = planner.plan(f"P{origin}", f"P{target}", utc(data, t0), unit="pax", modes=modes,
                           max_transfers=k, direct_only=direct, window_days=3)
        found = {it.criteria() for it in got.itineraries}
    except NoRouteError:
        found = set()
    except PlanningError:
        assert carries_no_passengers(data, origin)
        return
    assert found == want, (t0, modes, k, direct)


def test_a_fractional_headway_departs_on_whole_minutes_halves_up() -> None:
    # every 22.5 min from 00:00: 00:00, 00:22.5, 00:45, 01:07.5, 01:30, 01:52.5 -> 0, 23, 45, 68,
    # 90, 113 (Python's round() went to even: 22 and 112, gaps of 22 and 23 minutes in turn)
    from corridor.scenario.schema import Timetable

    table = Timetable.model_validate({"headway_min": 22.5, "first": "00:00", "last": "02:00"})
    assert table.clock_min == (0, 23, 45, 68, 90, 113)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.integers(1, 200),
       st.sampled_from([0, 0, 5, 10]))
def test_multi_stop_times_are_exact_running_totals_rounded_halves_up(tens, running, dwell) -> None:
    # stops on the equator: each segment's share of the distance is exactly its share of the
    # tens of degrees, so its exact arrival is a fraction; halves go up (docs/scenarios.md)
    from corridor.network.segments import service_segments

    lon = np.cumsum([0, *tens]) * 10.0
    data = {"name": "shares", "run": {"start": "2027-03-01", "horizon_days": 7},
            "places": [{"id": f"P{i}", "name": f"P{i}", "kind": "junction", "country": "KZ", "lat": 0.0,
                        "lon": float(x), "tz": "UTC"} for i, x in enumerate(lon)],
            "services": [{"id": "S", "mode": "rail", "unit": "pax",
                          "stops": [f"P{i}" for i in range(lon.size)], "timetable": {"times": ["08:00"]},
                          "duration_min": running + dwell * (lon.size - 2),
                          "dwell_min": dwell, "capacity": 1}], "links": []}
    day = dt.date(2027, 3, 1)
    want = Reference(data, day, day).services[0]
    scenario = Scenario.model_validate(data)
    got = service_segments(scenario.services[0], {p.id: p for p in scenario.places})
    assert [g.depart_offset_min for g in got] == want.dep_off
    assert [g.arrive_offset_min for g in got] == want.arr_off
