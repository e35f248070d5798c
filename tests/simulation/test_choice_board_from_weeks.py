"""A choice set carried on over weeks (choice.py, WEEKS_BACK) for a traveller who rebooks, and
so chooses with ``board_from`` (the first moment they may board, in place of ready time plus
check-in): the set found weeks earlier is that of the same ready time and the same
``board_from`` a whole number of weeks before, and carried on it is what a fresh search from
this week's ready time and ``board_from`` finds (docs/choice.md, "Caching")."""

from __future__ import annotations

import math

import pytest
import yaml

from corridor.network.timetable import build_timetable
from corridor.planning.search import Planner
from corridor.scenario.schema import Scenario
from corridor.simulation.choice import ChoiceCache
from corridor.simulation.entities import RideStep

# Day 0 is Monday 2027-04-05 (UTC everywhere, no clock change over the run). From O a traveller
# flies W, direct, on Mondays only, or walks the 30-minute link to P for the daily Q, cheaper and
# two hours later. O asks 90 minutes of check-in of a traveller who starts there, none of one who
# rebooks there (board_from).
REBOOK = """\
name: rebook-weeks
run: {start: 2027-04-05, horizon_days: 70, warmup_days: 0, drain_days: 3, replications: 1, seed: 1}
places:
  - {id: O, name: O, kind: airport, country: KZ, lat: 51.0, lon: 71.4, tz: UTC, checkin_min: 90}
  - {id: P, name: P, kind: airport, country: KZ, lat: 51.1, lon: 71.5, tz: UTC}
  - {id: D, name: D, kind: airport, country: LT, lat: 54.6, lon: 25.3, tz: UTC}
services:
  - {id: W, mode: air, unit: pax, stops: [O, D], timetable: {days: [Mon], times: ["12:00"]},
     duration_min: 240, capacity: 100, cost_usd: 100}
  - {id: Q, mode: air, unit: pax, stops: [P, D], timetable: {times: ["13:00"]}, duration_min: 300,
     capacity: 100, cost_usd: 60}
links:
  - {id: L, from: O, to: P, mode: transfer, duration_min: 30}
demand:
  - {id: F, kind: passenger, from: O, to: D, per_week: 10}
choice:
  scale_usd: 40
  window_days: 1
  segments:
    - {id: only, share: 1.0, value_of_time_usd_per_h: 30, schedule_delay_usd_per_h: 5}
"""

DAY, WEEK = 1440.0, 7 * 1440.0


@pytest.mark.parametrize("weeks", [1, 3, 8])
def test_a_rebooking_travellers_set_carried_over_weeks_keeps_its_board_from(monkeypatch, weeks: int) -> None:
    """A traveller rebooks at O at 11:00 on the Monday of week ``weeks`` (ready and board_from
    both then). Worked on paper, their choice set is

    * W, Monday 12:00 -> 16:00, USD 100 (the earliest arrival), and
    * the link 12:30 -> 13:00 to P, then Q 13:00 -> 18:00, USD 60 (cheaper);

    Q of any later day arrives later at the same fare, and W of the next Monday is past the
    one-day window (it ends at 24:00 on Tuesday: a day after the day of W, the first departure
    the traveller can catch from O).

    Asked before, in this order: a traveller starting at O at 11:00 one week earlier (check-in
    to 12:30: that Monday's W is gone, so their set is that day's Q alone, W a week later being
    later and dearer), and the same rebooking traveller in week 0. The second, ``weeks`` weeks
    back, is the set to carry on: the first is a week back but was asked with no board_from, and
    its key pairs this Monday's W (the first W it can catch) with the previous Monday's Q at P.
    A carry-over that looked a week back with this week's board_from would find that key and
    offer Q alone (carried on: this Monday's Q), leaving out this Monday's W."""
    s = Scenario.model_validate(yaml.safe_load(REBOOK))
    tt = build_timetable(s)
    planner = Planner(tt, unit="pax")
    usable = planner.allowed(tt.service_mask(None, "pax"))
    cache = ChoiceCache(planner, usable, s.choice)
    o, d = tt.index["O"], tt.index["D"]
    monday = weeks * WEEK
    ready = monday + 11 * 60.0

    before = cache.alternatives(o, d, ready - WEEK)  # starts at O: check-in, no board_from
    assert before is not None
    taken = [(it.legs[-1].name, it.legs[-1].dep_min) for it, _ in before.options]
    assert taken == [("Q", monday - WEEK + 780)]  # that Monday's Q alone
    first = cache.alternatives(o, d, 11 * 60.0, board_from=11 * 60.0)  # week 0's rebooking
    assert first is not None and len(first.options) == 2

    searched: list[float] = []
    search = ChoiceCache._search

    def counted(self, origin, dest, at, *args):
        searched.append(at)
        return search(self, origin, dest, at, *args)

    monkeypatch.setattr(ChoiceCache, "_search", counted)
    got = cache.alternatives(o, d, ready, board_from=ready)
    assert got is not None
    assert not searched, "week 0's set, carried on, is this week's (nothing searched)"

    # the answer on paper: (first ride, its departure, arrival, fare)
    want = [("W", monday + 720, monday + 960, 100.0), ("Q", monday + 780, monday + 1080, 60.0)]
    found = [(next(leg.name for leg in it.legs if leg.kind == "service"),
              next(leg.dep_min for leg in it.legs if leg.kind == "service"), it.arrive_min, it.cost_usd)
             for it, _ in got.options]
    assert sorted(found) == sorted(want)
    for it, steps in got.options:  # nothing leaves before board_from; the rides are those trips
        assert it.legs[0].dep_min >= ready
        rides = [leg for leg in it.legs if leg.kind == "service"]
        assert [(x.trip, x.board_conn) for x in steps if isinstance(x, RideStep)] == \
            [(leg.trip, leg.board_conn) for leg in rides]
        assert all(tt.dep_min[leg.board_conn] == leg.dep_min for leg in rides)

    # and what a fresh search finds (the planner's Pareto set over the same window, no cache):
    # the window ends a day after the end of the day of W, the first departure from O
    limit = (math.floor((monday + 720) / DAY) + 1) * DAY + s.choice.window_days * DAY
    fresh = planner.pareto(o, d, ready, window_min=limit - ready, allowed=usable, board_from_min=ready)
    assert sorted(it.criteria() for it, _ in got.options) == sorted(it.criteria() for it in fresh)
