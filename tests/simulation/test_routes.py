"""The route cache returns exactly what the planner would: for containers, and for
passengers whose usable connections change as trips fill up and seats come free."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planning.strategies import scenarios

from conftest import SCENARIOS
from corridor.network.timetable import build_timetable
from corridor.planning.search import Planner
from corridor.scenario import load_scenario
from corridor.simulation.entities import itinerary_steps
from corridor.simulation.routes import RouteCache


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
            want = planner.earliest(o, d, float(t), allowed=allowed)
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
@given(scenarios(dispatch=True), st.data())
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
