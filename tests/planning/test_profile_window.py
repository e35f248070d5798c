"""A profile answers as the single query does at every ready time, at the edge of its window too.

``plan`` keeps journeys arriving within 60 days of the ready time (its default window); the
profile expanded timetables to 60 days after its *last* ready time, so the first ready times
of its span saw trips the single query never reaches: a service that starts running 60 days
on was reported as an arrival 60 days and 13 hours after 00:00 while ``plan`` said there was none.
"""

from __future__ import annotations

import numpy as np
import pytest

from corridor.errors import NoRouteError
from corridor.planning import RoutePlanner
from corridor.scenario.schema import Scenario

DATA = {
    "name": "late start", "run": {"start": "2027-03-01", "horizon_days": 7},
    "places": [
        {"id": "A", "name": "A", "kind": "junction", "country": "KZ", "lat": 0.0, "lon": 0.0, "tz": "UTC"},
        {"id": "B", "name": "B", "kind": "junction", "country": "KZ", "lat": 0.0, "lon": 6.0, "tz": "UTC"},
    ],
    # runs from 60 days after the run starts: 2027-04-30 12:00 to 13:00
    "services": [{"id": "S", "mode": "rail", "unit": "feu", "stops": ["A", "B"], "duration_min": 60,
                  "timetable": {"times": ["12:00"]}, "capacity": 1, "valid_from": "2027-04-30"}],
}


@pytest.mark.parametrize("days", [1.0, 7.0])
def test_profile_keeps_the_single_querys_window(days: float) -> None:
    planner = RoutePlanner(Scenario.model_validate(DATA))
    week = planner.profile("A", "B", start="2027-03-01T00:00", days=days, step_min=60.0).profile
    for k in range(week.ready_min.size):
        when = f"2027-03-{1 + k // 24:02d}T{k % 24:02d}:00"
        try:
            want = planner.plan("A", "B", when).earliest.arrive_min
        except NoRouteError:
            want = np.inf
        assert week.arrival_min[k] == want, when
    # from 13:00 the 60 days reach the 13:00 arrival (within the window, both ends included)
    assert week.arrival_min[12] == np.inf and week.arrival_min[13] == 60 * 1440 + 13 * 60
    assert (week.winner[np.isinf(week.arrival_min)] == -1).all()


def test_a_profile_whose_partial_journeys_outgrow_memory_is_refused(monkeypatch) -> None:
    # two services at the same times on every hop of a line: the ways to its end double at each
    # stop, and each holds a time per departure minute. Past the profile's bound (here cut to
    # 40 partial journeys) it is refused with a PlanningError, where it once grew until the
    # machine ran out of memory (a line of 22 hops took 24 GB)
    import corridor.planning.profile as profile_module
    from corridor.errors import PlanningError

    hops = 8
    places = [{"id": f"P{k}", "name": f"P{k}", "kind": "city", "country": "KZ", "lat": 45.0 + 0.05 * k,
               "lon": 70.0, "tz": "UTC"} for k in range(hops + 1)]
    services = [{"id": f"{kind}{k}", "mode": "rail", "unit": "pax", "stops": [f"P{k - 1}", f"P{k}"],
                 "duration_min": 10, "capacity": 10, "timetable": {"times": [f"{k:02d}:00"]}}
                for k in range(1, hops + 1) for kind in ("F", "S")]
    planner = RoutePlanner(Scenario.model_validate({"name": "line", "run": {"start": "2027-03-01"},
                                                    "places": places, "services": services}))
    assert planner.profile("P0", "P3", start="2027-03-01T00:00", unit="pax")  # 4 ways: fine
    monkeypatch.setattr(profile_module, "MAX_OPEN", 40)
    with pytest.raises(PlanningError, match="partial journeys"):
        planner.profile("P0", f"P{hops}", start="2027-03-01T00:00", unit="pax")
