"""The planner keeps the service legs it makes: the same legs as made afresh."""

from __future__ import annotations

import numpy as np

from corridor.planning.itinerary import service_leg
from corridor.planning.search import Planner
from corridor.scenario import load_scenario
from corridor.simulation import run_timetable


def test_kept_service_legs_equal_fresh_ones() -> None:
    tt = run_timetable(load_scenario("scenarios/baseline.yaml"))
    planner = Planner(tt, unit="pax")
    rng = np.random.default_rng(5)
    vno, nqz = tt.index["VNO"], tt.index["NQZ"]
    found = []
    for _ in range(20):  # twice over the same departures: the second time the legs are kept ones
        ready = float(rng.uniform(0.0, 20 * 1440.0))
        found += planner.pareto(vno, nqz, ready, window_min=3 * 1440.0)
        found += planner.pareto(vno, nqz, ready, window_min=3 * 1440.0)
    legs = [leg for it in found for leg in it.legs if leg.kind == "service"]
    assert legs and len(planner._legs) < len(legs)
    for leg in legs:
        rows = tt.rows_of_trip(leg.trip).tolist()
        assert leg == service_leg(tt, leg.board_conn, leg.alight_conn, rows)
        assert leg == service_leg(tt, leg.board_conn, leg.alight_conn)
