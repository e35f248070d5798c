"""Choice sets carried on over weeks nobody asked in, up to WEEKS_BACK (8) weeks, on a plain
UTC timetable (no clock change, no validity ending): a set asked for k weeks after the first is
the first's carried on for k <= 8, and searched afresh for k = 9; either way it is what a fresh
search finds, and a ride through a stop boards and alights on the connections its times say."""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
import yaml
from test_choice import fresh_search

from corridor.network.timetable import build_timetable
from corridor.planning.search import Planner
from corridor.scenario.schema import Scenario
from corridor.simulation.choice import WEEKS_BACK, ChoiceCache
from corridor.simulation.entities import RideStep

WEEKLY = """\
name: weekly
run: {start: 2027-04-05, horizon_days: 84, warmup_days: 0, drain_days: 3, replications: 1, seed: 1}
places:
  - {id: A, name: A, kind: airport, country: KZ, lat: 51.0, lon: 71.4, tz: UTC}
  - {id: M, name: M, kind: airport, country: TR, lat: 41.3, lon: 28.8, tz: UTC}
  - {id: B, name: B, kind: airport, country: LT, lat: 54.6, lon: 25.3, tz: UTC}
services:
  - {id: VIA, mode: air, unit: pax, stops: [A, M, B], timetable: {times: ["10:00"]}, duration_min: 300,
     capacity: 100, cost_usd: 80}
  - {id: DIRECT, mode: air, unit: pax, stops: [A, B], timetable: {days: [Mon, Wed, Fri], times: ["14:00"]},
     duration_min: 240, capacity: 100, cost_usd: 150}
demand:
  - {id: P, kind: passenger, from: A, to: B, per_week: 100}
choice:
  scale_usd: 40
  segments:
    - {id: only, share: 1.0, value_of_time_usd_per_h: 30, schedule_delay_usd_per_h: 5}
"""

WEEK = 7 * 1440.0


@pytest.mark.parametrize("weeks", [1, 5, 8, 9])
def test_a_set_is_carried_on_up_to_eight_weeks_and_searched_after(monkeypatch, weeks: int) -> None:
    assert WEEKS_BACK == 8
    s = Scenario.model_validate(yaml.safe_load(textwrap.dedent(WEEKLY)))
    tt = build_timetable(s)
    planner = Planner(tt, unit="pax")
    usable = planner.allowed(tt.service_mask(None, "pax"))
    cache = ChoiceCache(planner, usable, s.choice)
    searched: list[float] = []
    search = ChoiceCache._search

    def counted(self, origin, dest, ready, *args):
        searched.append(ready)
        return search(self, origin, dest, ready, *args)

    monkeypatch.setattr(ChoiceCache, "_search", counted)
    o, d = tt.index["A"], tt.index["B"]
    readies = [0.0, 500.0, 1000.0, 3000.0, 4400.0, 8000.0]
    for ready in readies:  # the first week
        for later in (ready, ready + weeks * WEEK):
            got = cache.alternatives(o, d, later)
            fresh = fresh_search(tt, planner, s, usable, o, d, later)
            assert got is not None
            assert sorted(it.criteria() for it, _ in got.options) == sorted(it.criteria() for it in fresh)
            for it, steps in got.options:
                rides = [leg for leg in it.legs if leg.kind == "service"]
                for leg in rides:  # each ride's connections are those of its times, on its trip
                    assert tt.trip[leg.board_conn] == leg.trip == tt.trip[leg.alight_conn]
                    assert tt.dep_min[leg.board_conn] == leg.dep_min
                    assert tt.arr_min[leg.alight_conn] == leg.arr_min
                booked = [(x.trip, x.board_conn, x.alight_conn) for x in steps if isinstance(x, RideStep)]
                assert booked == [(leg.trip, leg.board_conn, leg.alight_conn) for leg in rides]
    later_searched = [t for t in searched if t >= WEEK]
    if weeks <= 8:
        assert not later_searched, np.array(later_searched) / WEEK  # all carried on
    else:
        # too far back: searched afresh (readies with the same first departures share a key)
        assert 0.0 + weeks * WEEK in later_searched and len(later_searched) >= 3, later_searched


def test_a_ride_through_a_stop_uses_two_connections() -> None:
    # the check above means something: VIA from A to B boards on A-M and alights on M-B
    s = Scenario.model_validate(yaml.safe_load(textwrap.dedent(WEEKLY)))
    tt = build_timetable(s)
    planner = Planner(tt, unit="pax")
    usable = planner.allowed(tt.service_mask(None, "pax"))
    cache = ChoiceCache(planner, usable, s.choice)
    got = cache.alternatives(tt.index["A"], tt.index["B"], 2 * WEEK)
    assert got is not None
    legs = [leg for it, _ in got.options for leg in it.legs if leg.kind == "service"]
    assert any(leg.board_conn != leg.alight_conn for leg in legs)
