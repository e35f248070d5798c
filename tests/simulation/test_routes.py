"""The container route cache returns exactly what the planner would."""

from __future__ import annotations

import numpy as np

from conftest import SCENARIOS
from corridor.network.timetable import build_timetable
from corridor.planning.search import Planner
from corridor.scenario import load_scenario
from corridor.simulation.engine import itinerary_steps
from corridor.simulation.routes import CargoRoutes


def test_cache_equals_planner_at_every_sampled_time() -> None:
    s = load_scenario(SCENARIOS / "baseline.yaml")
    tt = build_timetable(s)
    planner = Planner(tt, unit="feu")
    allowed = planner.allowed(tt.service_mask(None, "feu"))
    routes = CargoRoutes(planner, allowed)
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
                assert [(leg.name, leg.dep_min, leg.arr_min) for leg in got.legs] == \
                       [(leg.name, leg.dep_min, leg.arr_min) for leg in want.legs]
    assert len(routes._cache) < 4 * 300  # it did cache
