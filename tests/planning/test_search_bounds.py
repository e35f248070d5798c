"""Lower bounds on the way on to a target, and the early stop of Pareto searches they allow."""

from __future__ import annotations

import datetime as dt
from unittest.mock import patch

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planning.brute_reference import World
from planning.strategies import scenarios

from corridor.network.timetable import build_timetable
from corridor.planning import search
from corridor.planning.search import Planner
from corridor.scenario import load_scenario
from corridor.scenario.schema import Scenario
from corridor.simulation import run_timetable


def boardings(it) -> int:  # noqa: ANN001
    return sum(1 for leg in it.legs if leg.kind == "service") + sum(
        1 for leg in it.legs if leg.kind == "dispatch")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(scenarios(), scenarios(loop=True)), st.data())
def test_no_journey_beats_the_bounds(scenario, data) -> None:  # noqa: ANN001
    tt = build_timetable(scenario)
    planner = Planner(tt)
    n = len(tt.places)
    origin = data.draw(st.integers(0, n - 1))
    target = data.draw(st.integers(0, n - 1).filter(lambda t: t != origin))
    on = planner.bounds(target)
    for it in planner.pareto(origin, target, float(data.draw(st.integers(0, 3 * 1440)))):
        assert boardings(it) >= on.boardings[origin]
        assert it.cost_usd >= on.cost_usd[origin]
        assert it.co2_kg >= on.co2_kg[origin]
        # and it takes at least as much as one of the ways on, in all three at once
        assert any(boardings(it) >= b and it.cost_usd >= c and it.co2_kg >= e
                   for b, c, e in on.ways_on[origin])


def test_stopping_early_finds_what_a_scan_to_the_end_finds_on_the_baseline() -> None:
    # the search stops once every journey still open, with the least the rest of any way on
    # takes, is beaten by one found: the same itineraries, leg by leg, as scanning the window
    scenario = load_scenario("scenarios/baseline.yaml")
    tt = run_timetable(scenario)
    rng = np.random.default_rng(3)
    ends = np.unique(np.r_[tt.origin, tt.dest])
    corridor = [(tt.index["VNO"], tt.index["NQZ"]), (tt.index["NQZ"], tt.index["VNO"])]
    for unit in ("pax", "feu"):
        planner = Planner(tt, unit=unit)
        for k in range(60):
            # the passengers' own pairs (choice sets), and any two places
            pair = corridor[k % 2] if unit == "pax" and k < 20 else rng.choice(ends, 2, replace=False)
            origin, target = (int(x) for x in pair)
            ready = float(rng.uniform(0.0, 60 * 1440.0))
            window = float(rng.uniform(1440.0, 6 * 1440.0))
            early = planner.pareto(origin, target, ready, window_min=window)
            with patch.object(search._Bags, "settled", lambda *_: False):
                full = planner.pareto(origin, target, ready, window_min=window)
            assert early == full


@pytest.mark.parametrize("settle_every", [1, search.SETTLE_EVERY])
def test_the_search_stops_only_on_journeys_that_have_arrived(settle_every: int) -> None:
    # Guards against ``_Bags.settled`` counting every journey found, arrived or not (``arrived =
    # list(self.found)``). SLOW A->C leaves 08:00 and arrives 20:00; FAST A->C leaves 09:00 and
    # arrives 12:00, same boardings, cost and CO2. Ready 06:00: by hand the Pareto set is FAST
    # alone (it beats SLOW). SLOW is found at 08:00, long before it arrives; counted then, it
    # "beats" every journey still open, and the scan stopped before FAST. Z's 31 departures
    # D->E (07:00 to 07:30, nobody can board them) put SLOW 32nd, so the check every
    # :data:`SETTLE_EVERY` connections falls on it; with a check after every connection too.
    def at(pid: str, lon: float) -> dict:
        return {"id": pid, "name": pid, "kind": "junction", "country": "KZ", "lat": 0.0, "lon": lon,
                "tz": "UTC"}

    def rail(sid: str, stops: list[str], minutes: float, timetable: dict) -> dict:
        return {"id": sid, "mode": "rail", "unit": "pax", "stops": stops, "duration_min": minutes,
                "capacity": 10, "timetable": timetable}

    data = {"name": "settle", "run": {"start": "2027-03-01", "horizon_days": 7},
            "places": [at("A", 0.0), at("C", 6.0), at("D", 12.0), at("E", 18.0)],
            "services": [rail("Z", ["D", "E"], 10, {"headway_min": 1, "first": "07:00", "last": "07:30"}),
                         rail("SLOW", ["A", "C"], 720, {"times": ["08:00"]}),
                         rail("FAST", ["A", "C"], 180, {"times": ["09:00"]})], "links": []}
    tt = build_timetable(Scenario.model_validate(data), horizon_days=3)
    a, c = tt.index["A"], tt.index["C"]
    with patch.object(search, "SETTLE_EVERY", settle_every):
        found = Planner(tt).pareto(a, c, 360.0, window_min=1440.0)
    assert [(it.legs[0].name, it.arrive_min) for it in found] == [("FAST", 720.0)]
    # the brute force agrees
    world = World(data, dt.date(2027, 2, 28), dt.date(2027, 3, 3))
    want = world.search(world.index["A"], world.index["C"], 360, unit="pax", limit=360 + 1440)
    assert [(f.moves[0][1], f.arrive) for f in want] == [("FAST", 720)]


def shuttle(headway_min: int = 1) -> dict:
    """A shuttle A -> B every ``headway_min`` minutes at USD 20, and two flights A -> C -> B
    every two hours at USD 5 each: the shuttle has the fewest boardings, the pair the least
    fare."""
    def at(pid: str, lon: float) -> dict:
        return {"id": pid, "name": pid, "kind": "airport", "country": "KZ", "lat": 51.0, "lon": lon,
                "tz": "UTC"}

    def air(sid: str, stops: list[str], minutes: float, usd: float, timetable: dict) -> dict:
        return {"id": sid, "mode": "air", "unit": "pax", "stops": stops, "duration_min": minutes,
                "capacity": 40, "cost_usd": usd, "timetable": timetable}

    return {"name": "shuttle", "run": {"start": "2027-03-01", "horizon_days": 7},
            "places": [at("A", 71.0), at("B", 71.5), at("C", 72.0)],
            "services": [air("AB", ["A", "B"], 30, 20.0, {"headway_min": headway_min}),
                         air("AC", ["A", "C"], 40, 5.0, {"headway_min": 120}),
                         air("CB", ["C", "B"], 40, 5.0, {"headway_min": 120, "first": "01:00"})],
            "links": []}


def test_a_fast_dear_and_a_slow_cheap_way_on_are_both_kept() -> None:
    # the least boardings (1, the shuttle) and the least fare (USD 10, the pair) come from two
    # ways on: neither reaches both, so each is kept, and nothing less than them
    tt = build_timetable(Scenario.model_validate(shuttle(60)), horizon_days=2)
    on = Planner(tt).bounds(tt.index["B"])
    ways = sorted((b, round(c, 6)) for b, c, _ in on.ways_on[tt.index["A"]])
    assert ways == [(1.0, 20.0), (2.0, 10.0)]
    assert (on.boardings[tt.index["A"]], round(on.cost_usd[tt.index["A"]], 6)) == (1.0, 10.0)
    assert [(b, round(c, 6)) for b, c, _ in on.ways_on[tt.index["C"]]] == [(1.0, 5.0)]
    assert [b for b, _, _ in on.ways_on[tt.index["B"]]] == [0.0]


def test_with_a_shuttle_every_minute_the_search_stops_once_both_ways_have_arrived() -> None:
    # With the three least bounds alone, a journey waiting at A (1 boarding and USD 10 at
    # least to come) was beaten by neither the shuttle (USD 20) nor the pair (2 boardings):
    # the scan ran to the end of its window, every shuttle of a week. Beaten way by way, it
    # stops once a pair has arrived, and finds what the scan to the end finds.
    tt = build_timetable(Scenario.model_validate(shuttle(1)), horizon_days=8)
    planner = Planner(tt)
    a, b = tt.index["A"], tt.index["B"]
    scanned = []
    scan = Planner._scan_connection

    def counted(self, bags, trips, i, *rest):  # noqa: ANN001, ANN002, ANN202
        scanned.append(i)
        return scan(self, bags, trips, i, *rest)

    for ready in np.arange(0.0, 2 * 1440.0, 97.0).tolist():
        with patch.object(Planner, "_scan_connection", counted):
            early = planner.pareto(a, b, ready, window_min=5 * 1440.0)
        with patch.object(search._Bags, "settled", lambda *_: False):
            full = planner.pareto(a, b, ready, window_min=5 * 1440.0)
        assert early == full
        assert {it.legs[0].name for it in early} == {"AB", "AC"}
    # 22 questions, each asked again for the journeys that set off later, scanned 9,143
    # connections (2026-12-04); to the window's end, 223,494
    assert len(scanned) < 20_000, len(scanned)
