"""Lower bounds on the way on to a target, and the early stop of Pareto searches they allow."""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planning.strategies import scenarios

from corridor.network.timetable import build_timetable
from corridor.planning import search
from corridor.planning.search import Planner
from corridor.scenario import load_scenario
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
