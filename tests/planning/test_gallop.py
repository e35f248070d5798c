"""A departure every minute to a daily connection: the journey that sets off last is found in
strides (``Planner._gallop``), the same one the one-by-one steps find, and the one worked out
by hand. One by one, a flight every minute to a twice-weekly connection took thousands of
searches a traveller, and a week's simulation did not end in ten minutes."""

from __future__ import annotations

import pytest

import corridor.planning.search as search
from corridor.network.timetable import build_timetable
from corridor.planning.search import Planner
from corridor.scenario.schema import Scenario


def scenario(mct_min: int) -> Scenario:
    def place(pid: str, lon: float, **extra: object) -> dict:
        return {"id": pid, "name": pid, "kind": "junction", "country": "KZ", "lat": 0.0, "lon": lon,
                "tz": "UTC", "checkin_min": 0, **extra}

    return Scenario.model_validate({
        "name": "every minute", "run": {"start": "2027-03-01", "horizon_days": 3},
        "places": [place("A", 0.0), place("B", 1.0, min_connection_min=mct_min), place("C", 2.0)],
        "services": [
            {"id": "F", "mode": "rail", "unit": "pax", "stops": ["A", "B"], "duration_min": 100,
             "capacity": 100, "timetable": {"days": "daily", "headway_min": 1}},
            {"id": "G", "mode": "rail", "unit": "pax", "stops": ["B", "C"], "duration_min": 60,
             "capacity": 100, "timetable": {"days": "daily", "times": ["12:00"]}}],
        "links": [], "demand": []})


@pytest.mark.parametrize("mct_min", [0, 60, 7])
@pytest.mark.parametrize("ready_min", [0.0, 333.5, 700.0, 1441.0])
def test_the_last_flight_to_make_the_connection_is_found_in_strides(monkeypatch, mct_min, ready_min) -> None:
    tt = build_timetable(scenario(mct_min))
    a, c = tt.index["A"], tt.index["C"]
    # by hand: G leaves B at 12:00 of the first day it can be caught; F must land by 12:00 less
    # the connection time, so the last F leaves 100 min before that, at a whole minute
    day = 0 if ready_min <= 12 * 60 - mct_min - 100 else 1
    last_dep = day * 1440 + 12 * 60 - mct_min - 100
    planner = Planner(tt, unit="pax")
    asked = []
    earliest = planner.earliest
    monkeypatch.setattr(planner, "earliest", lambda *a, **k: asked.append(a) or earliest(*a, **k))
    strides = planner.earliest_leaving_last(a, c, ready_min)
    # one by one it asks once a departure: up to 560 (09:20 from 00:00); in strides, a few dozen
    assert len(asked) < 60, len(asked)
    assert strides is not None and strides.legs[0].dep_min == last_dep
    assert strides.arrive_min == day * 1440 + 13 * 60
    (pick,) = Planner(tt, unit="pax").pareto(a, c, ready_min)
    assert pick.legs[0].dep_min == last_dep
    # one by one, as before: the same journey, leg for leg
    monkeypatch.setattr(search, "GALLOP_AFTER", 10**9)
    steps = Planner(tt, unit="pax").earliest_leaving_last(a, c, ready_min)
    assert steps is not None and steps.legs == strides.legs
    assert Planner(tt, unit="pax").pareto(a, c, ready_min) == [pick]


def test_two_alternatives_behind_one_frequent_service_are_found_in_strides(monkeypatch) -> None:
    """A departure every 10 minutes to a Thursday connection by two trains, one cheap and slow,
    one dear and fast: the Pareto set holds two journeys, each with an equal on every earlier
    departure. The strides began only when a single journey was still open, so here every
    departure was asked one by one (3,126 searches for one question of a random scenario, a
    minute; 42 in strides)."""
    def place(pid: str, lon: float) -> dict:
        return {"id": pid, "name": pid, "kind": "junction", "country": "KZ", "lat": 0.0, "lon": lon,
                "tz": "UTC", "min_connection_min": 30}

    def train(sid: str, minutes: int, cost: float) -> dict:
        return {"id": sid, "mode": "rail", "unit": "pax", "stops": ["B", "C"], "duration_min": minutes,
                "capacity": 100, "cost_usd": cost, "timetable": {"days": ["Thu"], "times": ["12:00"]}}

    tt = build_timetable(Scenario.model_validate({
        "name": "two behind one", "run": {"start": "2027-03-01", "horizon_days": 7},
        "places": [place("A", 0.0), place("B", 1.0), place("C", 2.0)],
        "services": [
            {"id": "F", "mode": "rail", "unit": "pax", "stops": ["A", "B"], "duration_min": 100,
             "capacity": 100, "timetable": {"days": "daily", "headway_min": 10}},
            train("SLOW", 300, 10.0), train("FAST", 60, 50.0)],
        "links": [], "demand": []}))
    a, c = tt.index["A"], tt.index["C"]
    scans = []
    planner = Planner(tt, unit="pax")
    scan = planner._pareto_scan
    monkeypatch.setattr(planner, "_pareto_scan", lambda *a, **k: scans.append(a) or scan(*a, **k))
    found = planner.pareto(a, c, 0.0)
    # Thursday 4 March 12:00 less the 30-min connection and F's 100 min: F's 09:50
    last_dep = 3 * 1440 + 12 * 60 - 30 - 100
    assert sorted(it.arrive_min for it in found) == [3 * 1440 + 13 * 60, 3 * 1440 + 17 * 60]
    assert [it.legs[0].dep_min for it in found] == [last_dep, last_dep]
    assert len(scans) < 80, len(scans)  # one by one: one a departure, about 500
    monkeypatch.setattr(search, "GALLOP_AFTER", 10**9)
    assert Planner(tt, unit="pax").pareto(a, c, 0.0) == found
