"""The route cache returns exactly what the planner would: for containers, and for
passengers whose usable connections change as trips fill up and seats come free."""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planning.strategies import scenarios

from conftest import SCENARIOS
from corridor.network.timetable import Timetable, build_timetable
from corridor.planning.search import Planner
from corridor.scenario import load_scenario
from corridor.scenario.schema import Scenario
from corridor.simulation.entities import itinerary_steps
from corridor.simulation.routes import RouteCache


def timetable_of(text: str) -> Timetable:
    """The timetable of a scenario written in YAML."""
    return build_timetable(Scenario.model_validate(yaml.safe_load(text)))


def test_cache_equals_planner_at_every_sampled_time() -> None:
    s = load_scenario(SCENARIOS / "baseline.yaml")
    tt = build_timetable(s)
    planner = Planner(tt, unit="feu")
    allowed = planner.allowed(tt.service_mask(None, "feu"))
    routes = RouteCache(planner, allowed)
    rng = np.random.default_rng(4)
    pairs = [("XIAN", "DUISBURG"), ("CHONGQING", "DUISBURG"), ("XIAN", "VILNIUS"), ("VILNIUS", "DUISBURG")]
    for origin, dest in pairs:
        o, d = tt.index[origin], tt.index[dest]
        for t in np.sort(rng.uniform(0, 40 * 1440, 300)):
            found = routes.earliest(o, d, float(t))
            want = planner.earliest(o, d, float(t), allowed=allowed)
            assert (found is None) == (want is None)
            if found is not None:
                got, steps = found
                assert list(steps) == itinerary_steps(tt, want)
                assert got.arrive_min == want.arrive_min
                rides = [[(leg.name, leg.dep_min, leg.arr_min) for leg in it.legs if leg.kind == "service"]
                         for it in (got, want)]
                assert rides[0] == rides[1]
    assert len(routes._cache) < 4 * 300  # it did cache


def test_cache_follows_seats_running_out_and_coming_back() -> None:
    # VNO has links out (to Kaunas, to the city terminal): the key takes the first departure
    # catchable at each place a link reaches
    s = load_scenario(SCENARIOS / "baseline.yaml")
    tt = build_timetable(s)
    planner = Planner(tt, unit="pax")
    allowed = planner.allowed(tt.service_mask(None, "pax")).copy()
    routes = RouteCache(planner, allowed)
    rng = np.random.default_rng(9)
    closed: list[int] = []
    for t in np.sort(rng.uniform(0, 40 * 1440, 600)):
        for origin, dest in (("VNO", "NQZ"), ("NQZ", "VNO"), ("KUN", "NQZ")):
            o, d = tt.index[origin], tt.index[dest]
            found = routes.earliest(o, d, float(t))
            # a traveller's cache takes, of equal arrivals, the last to leave
            want = planner.earliest_leaving_last(o, d, float(t), allowed=allowed)
            assert (found is None) == (want is None)
            if want is None:
                continue
            assert found is not None and found[0].arrive_min == want.arrive_min
            assert list(found[1]) == itinerary_steps(tt, want)
            if rng.random() < 0.3:  # a trip of the route fills up
                c = next(leg.board_conn for leg in want.legs if leg.kind == "service")
                allowed[c] = False
                routes.closed(c)
                closed.append(c)
            if closed and rng.random() < 0.1:  # a seat comes free
                c = closed.pop(int(rng.integers(len(closed))))
                allowed[c] = True
                routes.opened(c)
    assert routes.hits > 100  # it did share routes


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(dispatch=True, path_days=True), st.data())
def test_cache_equals_planner_with_dispatched_vehicles_and_links(scenario, data) -> None:
    # the key follows every place that links and dispatched vehicles reach before a timetabled
    # service (joined after check-in at the origin, the connection time off a vehicle): a cache
    # keyed on the origin's departures alone gave one unit's route to all
    tt = build_timetable(scenario)
    planner = Planner(tt, unit="pax")
    allowed = planner.allowed(None)
    routes = RouteCache(planner, allowed)
    o = data.draw(st.integers(0, len(tt.places) - 1))
    d = data.draw(st.integers(0, len(tt.places) - 1).filter(lambda p: p != o))
    for t in np.arange(0.0, 3 * 1440.0, 37.0):
        found = routes.earliest(o, d, float(t))
        want = planner.earliest(o, d, float(t), allowed=allowed)
        assert (found[0].arrive_min if found else np.inf) == (want.arrive_min if want else np.inf), t


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(dispatch=True, path_days=True), st.data())
def test_a_shared_cache_gives_each_key_one_route_whoever_asks_first(scenario, data) -> None:
    # a shared cache (containers': connections never change) keeps routes for every replication
    # using the planner: each key's route must be the planner's from the key's latest ready
    # time, whatever order units ask in, and still the earliest arrival for each of them
    tt = build_timetable(scenario)
    planner = Planner(tt, unit="pax")  # the strategy's services carry passengers
    allowed = planner.allowed(tt.service_mask(None, "pax"))
    o = data.draw(st.integers(0, len(tt.places) - 1))
    d = data.draw(st.integers(0, len(tt.places) - 1).filter(lambda p: p != o))
    # units asking within hours of each other share keys with other ready times: where two
    # routes tie, only the key's own ready time makes the pick the same for all of them
    centres = data.draw(st.lists(st.integers(0, 3 * 1440 - 1), min_size=1, max_size=4))
    near = st.tuples(st.sampled_from(centres), st.integers(0, 240)).map(sum)
    times = [float(t) for t in data.draw(st.lists(near, min_size=1, max_size=25))]
    first = RouteCache(planner, allowed, shared=True)
    routes = {t: first.earliest(o, d, t) for t in times}
    planner.memo.clear()  # a new replication, asking in the reverse order
    again = RouteCache(Planner(tt, unit="pax"), allowed, shared=True)
    for t in reversed(times):
        found = again.earliest(o, d, t)
        want = planner.earliest(o, d, t, allowed=allowed)
        assert (found[0].arrive_min if found else np.inf) == (want.arrive_min if want else np.inf), t
        kept = routes[t]
        assert (found is None) == (kept is None), t
        if found is not None and kept is not None:
            assert found[1] == kept[1], t  # the same steps, asked in either order
        # what the key keeps is the planner's route from the key's latest ready time (a unit
        # whose journey on links alone arrives no later takes that journey instead)
        key = again.key(o, d, t, None)
        latest = again.latest_ready(key, t)
        if latest is not None and key in again._cache:
            assert again.key(o, d, latest, None) == key and latest >= t
            canonical, stored = planner.earliest(o, d, latest, allowed=allowed), again._cache[key]
            assert (canonical is None) == (stored is None), t
            if canonical is not None and stored is not None:
                assert tuple(itinerary_steps(tt, canonical)) == stored[1], t


# three junctions a degree apart, for the small scenarios below
JUNCTIONS = """\
places:
  - {id: P0, name: P0, kind: junction, country: KZ, lat: 45, lon: 70, tz: UTC}
  - {id: P1, name: P1, kind: junction, country: KZ, lat: 45, lon: 71, tz: UTC}
  - {id: P2, name: P2, kind: junction, country: KZ, lat: 45, lon: 72, tz: UTC}
"""

SHARED_TIE = """
name: tie
run: {start: 2027-03-01, horizon_days: 2}
""" + JUNCTIONS + """services:
  - {id: T1, mode: rail, unit: pax, stops: [P0, P1], timetable: {times: ["00:20"]}, duration_min: 5,
     capacity: 9}
  - {id: T2, mode: rail, unit: pax, stops: [P1, P2], timetable: {times: ["00:30"]}, duration_min: 70,
     capacity: 9}
links:
  - {id: L, from: P0, to: P1, mode: transfer, duration_min: 10}
"""


def test_a_shared_cache_breaks_a_tie_the_same_whoever_asks_first() -> None:
    # ready at 00:00 or 00:19 a traveller catches the same departures (T1 at 00:20 from P0,
    # T2 at 00:30 from P1, reached by the link by 00:29), and both routes reach P2 at 01:40:
    # from 00:00 the planner walks the link, from 00:19 it rides T1. The key keeps the route
    # from its latest ready time, 00:20 (T1, then T2), whichever asks first
    tt = timetable_of(SHARED_TIE)
    planner = Planner(tt, unit="pax")
    allowed = planner.allowed(tt.service_mask(None, "pax"))
    assert itinerary_steps(tt, planner.earliest(0, 2, 0.0, allowed=allowed)) != itinerary_steps(
        tt, planner.earliest(0, 2, 19.0, allowed=allowed))  # the tie turns on the ready time
    want = tuple(itinerary_steps(tt, planner.earliest(0, 2, 20.0, allowed=allowed)))
    for order in ((0.0, 19.0), (19.0, 0.0)):
        routes = RouteCache(Planner(tt, unit="pax"), allowed, shared=True)
        for t in order:
            found = routes.earliest(0, 2, t)
            assert found is not None and found[0].arrive_min == 100.0 and found[1] == want, (order, t)


def test_replications_sharing_a_planner_give_the_records_each_gives_alone() -> None:
    # container routes are kept with the planner for every replication a worker runs: a
    # replication's records must not depend on which replications ran before it. Containers
    # ready from 00:30 to 00:20 the next day catch the same T1 (00:20) and, by the ten-hour
    # link, the same T2 (10:30), and arrive together either way: from the planner the link for
    # those ready by 14:25, T1 after. Kept as the first container of a day asked, a day's route
    # was the one of whichever replication asked first
    from dataclasses import fields

    from test_idle_trips import differences

    from corridor.simulation import replicate, run_replication, run_timetable

    text = (SHARED_TIE.replace("unit: pax", "unit: feu").replace('["00:30"]', '["10:30"]')
            .replace("horizon_days: 2", "horizon_days: 40")
            .replace("duration_min: 10}", "duration_min: 600}"))
    scenario = Scenario.model_validate(
        {**yaml.safe_load(text), "demand": [{"id": "F", "kind": "cargo", "from": "P0", "to": "P2",
                                              "per_week": 40}]})
    tt = run_timetable(scenario)
    planners = {unit: Planner(tt, unit=unit) for unit in ("pax", "feu")}
    replicate(scenario, tt, planners, 0, scenario.run.seed)
    after = replicate(scenario, tt, planners, 1, scenario.run.seed)
    alone = run_replication(scenario, 1)
    found = [x for f in fields(after) if f.name != "events"
             for x in differences(getattr(after, f.name), getattr(alone, f.name), f.name)]
    assert not found, found[:5]
    kept = [v for k, v in planners["feu"].memo.items() if k[0] == "earliest"]
    assert kept and len(kept[0]) > 20  # routes were kept for the second replication


TRUCK = """
name: truck
run: {start: 2027-03-01, horizon_days: 2}
places:
  - {id: P0, name: P0, kind: junction, country: KZ, lat: 45, lon: 70, tz: UTC}
  - {id: P1, name: P1, kind: junction, country: KZ, lat: 45, lon: 71, tz: UTC}
services:
  - {id: T1, mode: rail, unit: feu, stops: [P0, P1], timetable: {times: ["00:20"]}, duration_min: 5,
     capacity: 9}
  - {id: TRUCK, mode: road, unit: feu, stops: [P0, P1], dispatch: {cutoff_min: 0}, duration_min: 30,
     capacity: 1}
"""


def test_a_unit_that_can_catch_no_timetabled_departure_costs_one_search() -> None:
    # a shared cache searches from the key's latest ready time; for a unit that can catch no
    # timetabled departure (after the last train: only the truck) that is the unit's own, and
    # the route found there is the unit's. Searching again from the same moment cost a third
    # of a single-station run
    tt = timetable_of(TRUCK)
    planner = Planner(tt, unit="feu")
    searches: list[float] = []
    search = planner.earliest
    planner.earliest = lambda *a, **kw: searches.append(a[2]) or search(*a, **kw)  # type: ignore[method-assign]
    routes = RouteCache(planner, planner.allowed(tt.service_mask(None, "feu")), shared=True)
    ready = 2000.0
    found = routes.earliest(0, 1, ready)
    assert found is not None and found[0].arrive_min == ready + 30.0
    assert searches == [ready]


TWICE = """
name: twice
run: {start: 2027-03-01, horizon_days: 2}
places:
  - {id: P0, name: P0, kind: junction, country: KZ, lat: 45, lon: 70, tz: UTC, checkin_min: 60}
  - {id: P1, name: P1, kind: junction, country: KZ, lat: 45, lon: 71, tz: UTC, min_connection_min: 60}
  - {id: P2, name: P2, kind: junction, country: KZ, lat: 45, lon: 72, tz: UTC}
services:
  - {id: OUT, mode: air, unit: pax, stops: [P0, P1], timetable: {times: ["06:00", "12:00"]},
     duration_min: 60, capacity: 9}
  - {id: ONWARD, mode: air, unit: pax, stops: [P1, P2], timetable: {times: ["18:00"]}, duration_min: 60,
     capacity: 9}
"""


def test_a_traveller_takes_the_last_to_leave_of_equal_arrivals() -> None:
    # ready at 04:00 a traveller makes the 18:00 connection by the 06:00 or the 12:00 flight;
    # the planner's scan kept the 06:00 (eleven hours at P1), and the simulation booked it
    tt = timetable_of(TWICE)
    planner = Planner(tt, unit="pax")
    allowed = planner.allowed(tt.service_mask(None, "pax"))
    assert planner.earliest(0, 2, 240.0, allowed=allowed).legs[0].dep_min == 360.0  # the scan's pick
    found = RouteCache(planner, allowed).earliest(0, 2, 240.0)
    assert found is not None and found[0].arrive_min == 19 * 60.0
    assert found[0].legs[0].dep_min == 12 * 60.0
    # a container's shared cache keeps the planner's pick from the key's latest ready time
    # (05:00, the last moment to check in for 06:00): the 06:00 flight
    shared = RouteCache(Planner(tt, unit="pax"), allowed, shared=True).earliest(0, 2, 240.0)
    assert shared is not None and shared[0].legs[0].dep_min == 360.0


PATH_DAYS = """
name: path days
run: {start: 2027-03-01, horizon_days: 14}
""" + JUNCTIONS + """services:
  - {id: BLOCK, mode: rail, unit: UNIT, stops: [P0, P1], duration_min: 60, capacity: 9,
     dispatch: {cutoff_min: 0, paths_per_day: 1, days: [Tue, Sat]}}
  - {id: S, mode: rail, unit: UNIT, stops: [P1, P2], timetable: {times: ["06:00"]}, duration_min: 60,
     capacity: 9}
"""


@pytest.mark.parametrize(("unit", "shared"), [("feu", True), ("feu", False), ("pax", False)])
def test_units_ready_either_side_of_a_path_day_share_no_route(unit: str, shared: bool) -> None:
    # ready Tuesday 22:00 the block leaves at once (a Tuesday path) and the unit takes S on
    # Wednesday 06:00; ready Wednesday 01:00 it waits for Saturday. Both first catch S on
    # Wednesday 06:00 by the fixed offsets a cache key counts, so a key would hand the second
    # the first's route (day 0, 1 March 2027, is a Monday)
    tt = timetable_of(PATH_DAYS.replace("UNIT", unit))
    planner = Planner(tt, unit=unit)
    allowed = planner.allowed(tt.service_mask(None, unit))
    routes = RouteCache(planner, allowed, shared=shared)  # (a passenger cache is never shared)
    for ready in (1440 + 22 * 60.0, 2 * 1440 + 60.0, 2 * 1440 + 120.0, 1440 + 23 * 60.0):
        found = routes.earliest(0, 2, ready)
        want = planner.earliest(0, 2, ready)
        assert found is not None and want is not None
        assert found[0].arrive_min == want.arrive_min, ready
    assert routes.earliest(0, 2, 2 * 1440 + 60.0)[0].arrive_min == 5 * 1440 + 7 * 60  # Saturday 07:00
