"""Passenger choice: the engine's picks against the closed-form logit, and its rules."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from corridor.network.timetable import build_timetable
from corridor.planning.search import Planner
from corridor.scenario.schema import Scenario
from corridor.simulation import run_replication
from corridor.simulation.choice import Alternatives, ChoiceCache, traveller_utilities, utilities
from corridor.simulation.entities import RideStep

TOY = """\
name: two-itineraries
run: {start: 2027-03-01, horizon_days: 28, warmup_days: 0, drain_days: 3, replications: 1, seed: SEED}
places:
  - {id: A, name: A, kind: airport, country: KZ, lat: 51.0, lon: 71.4, tz: Asia/Almaty}
  - {id: B, name: B, kind: airport, country: LT, lat: 54.6, lon: 25.3, tz: Asia/Almaty}
services:
  - {id: FAST, mode: air, unit: pax, stops: [A, B], timetable: {times: ["10:00"]}, duration_min: 120,
     capacity: CAP, cost_usd: 100}
  - {id: SLOW, mode: air, unit: pax, stops: [A, B], timetable: {times: ["10:00"]}, duration_min: 180,
     capacity: 100000, cost_usd: 50}
demand:
  - {id: P, kind: passenger, from: A, to: B, per_week: 2000}
choice:
  scale_usd: 40
  segments:
    - {id: only, share: 1.0, value_of_time_usd_per_h: 30, schedule_delay_usd_per_h: 0}
"""


def toy(seed: int = 1, cap: int = 100000) -> Scenario:
    text = TOY.replace("SEED", str(seed)).replace("CAP", str(cap))
    return Scenario.model_validate(yaml.safe_load(textwrap.dedent(text)))


def carried(rec, service: str) -> int:
    s = rec.services.index(service)
    return int(rec.trips["boarded"][rec.trips["service"] == s].sum())


def test_the_sharpest_scale_allowed_runs_and_a_sharper_one_is_refused() -> None:
    # at 1e-306 USD every cost over the scale was -inf and `run` ended in a traceback
    import pytest
    from pydantic import ValidationError

    data = yaml.safe_load(TOY.replace("SEED", "1").replace("CAP", "100000"))
    data["run"]["horizon_days"] = 7
    data["choice"]["scale_usd"] = 0.001
    rec = run_replication(Scenario.model_validate(data), 0)
    # SLOW (140 USD) is cheaper than FAST (160) by 20,000 scales: nobody takes FAST
    assert carried(rec, "SLOW") > 1000 and carried(rec, "FAST") == 0
    data["choice"]["scale_usd"] = 1e-306
    with pytest.raises(ValidationError, match="greater than or equal to 0.001"):
        Scenario.model_validate(data)


def test_two_itineraries_split_as_the_closed_form_logit() -> None:
    # FAST costs 100 + 30 x 2 h = 160, SLOW 50 + 30 x 3 h = 140: P(FAST) = 1 / (1 + e^(20/40))
    expected = 1.0 / (1.0 + math.exp((160.0 - 140.0) / 40.0))
    fast = slow = 0
    for seed in (1, 2):
        rec = run_replication(toy(seed), 0)
        fast, slow = fast + carried(rec, "FAST"), slow + carried(rec, "SLOW")
    n = fast + slow
    assert n > 10_000
    se = math.sqrt(expected * (1 - expected) / n)
    assert abs(fast / n - expected) < 4 * se, (fast / n, expected)


def test_a_full_flight_spills_to_the_other_alternative() -> None:
    rec = run_replication(toy(3, cap=20), 0)
    s = rec.services.index("FAST")
    ran = rec.trips["service"] == s
    assert rec.trips["peak_load"][ran].max() == 20  # every seat could be sold, none oversold
    assert np.all(rec.trips["peak_load"][ran] <= 20)
    assert carried(rec, "SLOW") > 0.7 * (carried(rec, "FAST") + carried(rec, "SLOW"))
    delivered = np.isfinite(rec.units["arrival_min"])
    assert delivered.sum() == carried(rec, "FAST") + carried(rec, "SLOW")


def test_alternatives_shared_by_a_key_are_those_a_fresh_search_finds() -> None:
    s = toy()
    tt = build_timetable(s, horizon_days=10)
    planner = Planner(tt, unit="pax")
    cache = ChoiceCache(planner, np.ones(tt.n_connections, dtype=bool), s.choice)
    for ready in np.arange(0.0, 5 * 1440.0, 37.0):
        got = cache.alternatives(0, 1, float(ready))
        first = next(d for d in sorted(tt.dep_min.tolist()) if d >= ready)
        # arrivals up to window_days after the end of the day of the first departure caught
        limit = (math.floor(first / 1440.0) + 1) * 1440.0 + 7 * 1440.0
        fresh = planner.pareto(0, 1, float(ready), window_min=limit - ready)
        assert got is not None
        assert [it.criteria() for it, _ in got.options] == [it.criteria() for it in fresh]
    assert cache.hits > 0


def test_choice_sets_shared_across_keys_equal_fresh_searches_on_the_baseline() -> None:
    # a set found for one first departure is kept for the later ones of that day it does not
    # use; every set handed out must still be the one a fresh search finds
    from conftest import SCENARIOS
    from corridor.scenario import load_scenario

    s = load_scenario(SCENARIOS / "baseline.yaml")
    tt = build_timetable(s, horizon_days=12)
    planner = Planner(tt, unit="pax")
    cache = ChoiceCache(planner, planner.allowed(tt.service_mask(None, "pax")), s.choice)
    rng = np.random.default_rng(4)
    readies = np.concatenate([np.arange(0.0, 4 * 1440.0, 47.0), rng.uniform(0.0, 4 * 1440.0, 60)])
    for origin, dest in (("NQZ", "VNO"), ("VNO", "NQZ")):
        o, d = tt.index[origin], tt.index[dest]
        deps = sorted(float(x) for x in tt.dep_min[(tt.origin == o)
                                                   & tt.service_mask(None, "pax")[tt.service]])
        for ready in readies.tolist():
            got = cache.alternatives(o, d, ready)
            first = next(x for x in deps if x >= ready + float(tt.checkin_min[o]))
            limit = (math.floor(first / 1440.0) + 1) * 1440.0 + s.choice.window_days * 1440.0
            fresh = planner.pareto(o, d, ready, window_min=limit - ready,
                                   allowed=planner.allowed(tt.service_mask(None, "pax")))
            assert got is not None
            assert sorted(it.criteria() for it, _ in got.options) == sorted(it.criteria() for it in fresh), \
                (origin, ready)
    assert len(planner.memo[("choice", cache.window_min)]) > cache.misses  # keys shared by sets



def test_sets_found_on_the_seats_left_shared_across_keys_equal_fresh_searches(monkeypatch) -> None:
    # with flights full (a third of the connections closed from the start), a set searched on
    # the seats left is kept for the later first departures of its day it does not use, as a
    # set found with every seat free is; every set handed out must be a fresh search's
    from conftest import SCENARIOS
    from corridor.scenario import load_scenario

    s = load_scenario(SCENARIOS / "baseline.yaml")
    tt = build_timetable(s, horizon_days=12)
    planner = Planner(tt, unit="pax")
    usable = planner.allowed(tt.service_mask(None, "pax"))
    left = usable & (np.random.default_rng(5).random(tt.n_connections) > 1 / 3)
    cache, on_seats_left = _counting_searches(monkeypatch, planner, left, s.choice)
    keys = set()
    for origin, dest in (("NQZ", "VNO"), ("VNO", "NQZ")):
        o, d = tt.index[origin], tt.index[dest]
        deps = sorted(float(x) for x in tt.dep_min[(tt.origin == o)
                                                   & tt.service_mask(None, "pax")[tt.service]])
        for ready in np.arange(0.0, 4 * 1440.0, 31.0).tolist():
            keys.add(cache.key(o, d, ready, None))
            got = cache.alternatives(o, d, ready)
            first = next(x for x in deps if x >= ready + float(tt.checkin_min[o]))
            limit = (math.floor(first / 1440.0) + 1) * 1440.0 + s.choice.window_days * 1440.0
            fresh = planner.pareto(o, d, ready, window_min=limit - ready, allowed=left)
            got_its = [] if got is None else [it for it, _ in got.options]
            assert sorted(it.criteria() for it in got_its) == sorted(it.criteria() for it in fresh), \
                (origin, ready)
    # nothing closes or opens meanwhile: without sharing, each key would be looked up once in vain
    assert on_seats_left and cache.misses < len(keys), (len(on_seats_left), cache.misses, len(keys))


def _counting_searches(monkeypatch, planner, left, choice):
    """A choice cache on the seats ``left``, and the ready times of the searches it makes on
    them (a set carried or shared is no search)."""
    cache = ChoiceCache(planner, left, choice)
    on_seats_left: list[float] = []
    search = ChoiceCache._search

    def counted(self, origin, dest, ready, board_from, limit, allowed):
        if allowed is left:
            on_seats_left.append(ready)
        return search(self, origin, dest, ready, board_from, limit, allowed)

    monkeypatch.setattr(ChoiceCache, "_search", counted)
    return cache, on_seats_left


@pytest.mark.parametrize("second_week_fuller", [False, True])
def test_sets_on_the_seats_left_carried_a_week_on_are_what_a_search_finds(monkeypatch,
                                                                          second_week_fuller) -> None:
    # the same flights full every week (before the clock change of 28 March 2027): a set found
    # on the seats left is carried a week on, not searched, and is what a fresh search finds;
    # with more flights full in the second week, a set of the first is not carried into it
    from conftest import SCENARIOS
    from corridor.scenario import load_scenario

    s = load_scenario(SCENARIOS / "baseline.yaml")
    tt = build_timetable(s, horizon_days=26)
    planner = Planner(tt, unit="pax")
    usable = planner.allowed(tt.service_mask(None, "pax"))
    left = usable & (np.floor(tt.dep_min % (7 * 1440.0)).astype(np.int64) % 3 != 0)
    if second_week_fuller:
        second = (tt.dep_min >= 7 * 1440.0) & (tt.dep_min < 14 * 1440.0)
        left &= ~(second & (np.floor(tt.dep_min / 60.0).astype(np.int64) % 2 == 0))
    cache, on_seats_left = _counting_searches(monkeypatch, planner, left, s.choice)
    for origin, dest in (("NQZ", "VNO"), ("VNO", "NQZ")):
        o, d = tt.index[origin], tt.index[dest]
        deps = sorted(float(x) for x in tt.dep_min[(tt.origin == o)
                                                   & tt.service_mask(None, "pax")[tt.service]])
        for ready in np.arange(0.0, 16 * 1440.0, 97.0).tolist():
            got = cache.alternatives(o, d, ready)
            first = next(x for x in deps if x >= ready + float(tt.checkin_min[o]))
            limit = (math.floor(first / 1440.0) + 1) * 1440.0 + s.choice.window_days * 1440.0
            fresh = planner.pareto(o, d, ready, window_min=limit - ready, allowed=left)
            got_its = [] if got is None else [it for it, _ in got.options]
            assert [(it.criteria(), [(leg.trip, leg.board_conn, leg.alight_conn) for leg in it.legs])
                    for it in got_its] == \
                [(it.criteria(), [(leg.trip, leg.board_conn, leg.alight_conn) for leg in it.legs])
                 for it in fresh], (origin, ready)
    # searched in the first week; a week on, only a key nobody had a week before (one in 27)
    after = [ready for ready in on_seats_left if ready >= 7 * 1440.0]
    if not second_week_fuller:
        assert on_seats_left and 10 * len(after) < len(on_seats_left), sorted(on_seats_left)



def test_sets_carried_a_week_on_are_what_a_search_finds(monkeypatch) -> None:
    # A set found a week earlier is handed out a week on when the timetable between is that
    # week's, trip for trip; over five weeks that cross the European clock change (28 March
    # 2027: the flights of Europe's airports move an hour in UTC) every set handed out must be
    # a fresh search's, and each ride must be the trip and connections its times say
    from conftest import SCENARIOS
    from corridor.scenario import load_scenario

    s = load_scenario(SCENARIOS / "baseline.yaml")
    tt = build_timetable(s, horizon_days=40)
    planner = Planner(tt, unit="pax")
    usable = planner.allowed(tt.service_mask(None, "pax"))
    cache = ChoiceCache(planner, usable, s.choice)
    carried = {"yes": 0, "no": 0}
    week_on = ChoiceCache._a_week_on

    def counted(self, *args):
        found = week_on(self, *args)
        carried["yes" if found is not None else "no"] += 1
        return found

    monkeypatch.setattr(ChoiceCache, "_a_week_on", counted)
    for origin, dest in (("NQZ", "VNO"), ("VNO", "NQZ")):
        o, d = tt.index[origin], tt.index[dest]
        pax = tt.service_mask(None, "pax")[tt.service]
        deps = sorted(float(x) for x in tt.dep_min[(tt.origin == o) & pax])
        for ready in np.arange(0.0, 33 * 1440.0, 173.0).tolist():
            got = cache.alternatives(o, d, ready)
            first = next(x for x in deps if x >= ready + float(tt.checkin_min[o]))
            limit = (math.floor(first / 1440.0) + 1) * 1440.0 + s.choice.window_days * 1440.0
            fresh = planner.pareto(o, d, ready, window_min=limit - ready, allowed=usable)
            assert got is not None
            assert sorted(it.criteria() for it, _ in got.options) == sorted(it.criteria() for it in fresh), \
                (origin, ready)
            for it, steps in got.options:
                rides = [leg for leg in it.legs if leg.kind == "service"]
                for leg in rides:
                    assert tt.trip[leg.board_conn] == leg.trip == tt.trip[leg.alight_conn]
                    assert tt.dep_min[leg.board_conn] == leg.dep_min
                    assert tt.arr_min[leg.alight_conn] == leg.arr_min
                # the steps a passenger books ride the same trips and connections
                booked = [(x.trip, x.board_conn, x.alight_conn) for x in steps if isinstance(x, RideStep)]
                assert booked == [(leg.trip, leg.board_conn, leg.alight_conn) for leg in rides]
    assert carried["yes"] > 50 and carried["no"] > 5, carried  # carried on, and refused over the change


def test_sets_carried_on_over_weeks_nobody_asked_in_are_what_a_search_finds(monkeypatch) -> None:
    # Asked in the first week and again two weeks on (nobody asks in the week between, nor on
    # either side of the clock change of 28 March 2027), a set is the first week's carried two
    # weeks on, not a search; each is what a fresh search finds, ride for ride
    from conftest import SCENARIOS
    from corridor.scenario import load_scenario

    s = load_scenario(SCENARIOS / "baseline.yaml")
    tt = build_timetable(s, horizon_days=40)
    planner = Planner(tt, unit="pax")
    usable = planner.allowed(tt.service_mask(None, "pax"))
    cache = ChoiceCache(planner, usable, s.choice)
    searched = []
    search = ChoiceCache._search

    def counted(self, origin, dest, ready, *args):
        searched.append(ready)
        return search(self, origin, dest, ready, *args)

    monkeypatch.setattr(ChoiceCache, "_search", counted)
    for origin, dest in (("NQZ", "VNO"), ("VNO", "NQZ")):
        o, d = tt.index[origin], tt.index[dest]
        for ready in np.arange(0.0, 7 * 1440.0, 173.0).tolist():
            for later in (ready, ready + 14 * 1440.0):
                got = cache.alternatives(o, d, later)
                fresh = fresh_search(tt, planner, s, usable, o, d, later)
                assert got is not None
                assert [(it.criteria(), [(leg.trip, leg.board_conn, leg.alight_conn) for leg in it.legs])
                        for it, _ in got.options] == \
                    [(it.criteria(), [(leg.trip, leg.board_conn, leg.alight_conn) for leg in it.legs])
                     for it in fresh], (origin, later)
    assert searched and max(searched) < 7 * 1440.0  # the third week's sets were all carried on


DAY_EDGE = """\
name: day-edge
run: {start: 2027-03-01, horizon_days: 6, seed: 1}
places:
  - {id: A, name: A, kind: airport, country: KZ, lat: 51.0, lon: 71.4, tz: UTC}
  - {id: B, name: B, kind: airport, country: LT, lat: 54.6, lon: 25.3, tz: UTC}
  - {id: C, name: C, kind: airport, country: TR, lat: 41.3, lon: 28.8, tz: UTC}
services:
  - {id: FAST, mode: air, unit: pax, stops: [A, B], timetable: {times: ["22:00"]}, duration_min: 60,
     capacity: 100, cost_usd: 100}
  - {id: CHEAP, mode: air, unit: pax, stops: [A, B], timetable: {times: ["23:00"]}, duration_min: 1200,
     capacity: 100, cost_usd: 10}
  - {id: ELSEWHERE, mode: air, unit: pax, stops: [A, C], timetable: {times: ["23:30"]}, duration_min: 60,
     capacity: 100, cost_usd: 1}
choice:
  scale_usd: 40
  window_days: 1
  segments:
    - {id: only, share: 1.0, value_of_time_usd_per_h: 30, schedule_delay_usd_per_h: 5}
"""


def test_a_set_is_not_lent_to_a_first_departure_of_another_day() -> None:
    # ready at 23:15 on day 0 the first departure caught is ELSEWHERE (day 0), whose window
    # (to the end of day 1) holds FAST of day 1 but not CHEAP of day 1 (arriving 19:00 on day 2);
    # ready at 23:45 the first caught is FAST of day 1, whose window holds both
    s = Scenario.model_validate(yaml.safe_load(DAY_EDGE))
    tt = build_timetable(s, horizon_days=6)
    planner = Planner(tt, unit="pax")
    cache = ChoiceCache(planner, np.ones(tt.n_connections, dtype=bool), s.choice)
    a, b = tt.index["A"], tt.index["B"]
    early = cache.alternatives(a, b, 23 * 60 + 15.0)
    late = cache.alternatives(a, b, 23 * 60 + 45.0)
    assert early is not None and late is not None
    assert [leg.name for it, _ in early.options for leg in it.legs] == ["FAST"]
    assert sorted(leg.name for it, _ in late.options for leg in it.legs) == ["CHEAP", "FAST"]


WEEKLY_LEG = """\
name: weekly-leg
run: {start: 2027-03-01, horizon_days: 14, drain_days: 14, replications: 1, seed: 1}
places:
  - {id: A, name: A, kind: city, country: KZ, lat: 51, lon: 71, tz: Asia/Almaty}
  - {id: B, name: B, kind: city, country: KZ, lat: 52, lon: 72, tz: Asia/Almaty}
  - {id: C, name: C, kind: city, country: KZ, lat: 53, lon: 73, tz: Asia/Almaty}
services:
  - {id: AB, mode: road, unit: pax, stops: [A, B], timetable: {times: ["10:00"]}, duration_min: 60,
     capacity: 100}
  - {id: BC, mode: road, unit: pax, stops: [B, C], timetable: {days: [Thu], times: ["10:00"]},
     duration_min: 60, capacity: 100}
demand:
  - {id: P, kind: passenger, from: A, to: C, per_week: 70, arrivals: uniform}
choice:
  window_days: 1
  scale_usd: 60
  segments:
    - {id: all, share: 1, value_of_time_usd_per_h: 10, schedule_delay_usd_per_h: 5}
"""


def test_a_traveller_whose_journeys_all_end_past_the_window_still_goes() -> None:
    # the only way on is Thursday's bus: from a Monday the journey ends past a one-day window,
    # and such travellers were given no alternative and left at the origin to the end of the
    # run (86% of the flow), though the planner and a run without a choice model deliver them
    s = Scenario.model_validate(yaml.safe_load(WEEKLY_LEG))
    plain = s.model_copy(update={"choice": None})
    rec, base = run_replication(s, 0), run_replication(plain, 0)
    done = np.isfinite(rec.units["arrival_min"])
    assert done.all() and done.size > 100
    # with one journey to weigh, the choice takes what the earliest route takes
    assert np.array_equal(rec.units["arrival_min"], base.units["arrival_min"])


minutes = st.floats(0.0, 20_000.0, allow_nan=False)


@given(st.lists(st.tuples(minutes, st.floats(1.0, 5_000.0), st.floats(0.0, 3_000.0), st.integers(0, 4)),
                min_size=1, max_size=6),
       minutes, st.floats(0.0, 200.0), st.floats(0.0, 100.0), st.floats(0.0, 300.0), st.floats(1.0, 500.0))
def test_one_travellers_utilities_are_the_vectorised_ones_bit_for_bit(
        rows: list[tuple[float, float, float, int]], ready: float, vot: float, sdv: float, penalty: float,
        scale: float) -> None:
    from corridor.scenario.schema import Choice, TravellerSegment

    seg = TravellerSegment(id="s", share=1.0, value_of_time_usd_per_h=vot, schedule_delay_usd_per_h=sdv)
    choice = Choice(scale_usd=scale, transfer_penalty_usd=penalty, segments=[seg])
    dep = np.array([r[0] for r in rows])
    alts = Alternatives((), dep, dep + np.array([r[1] for r in rows]), np.array([r[2] for r in rows]),
                        np.array([r[3] for r in rows]))
    got, want = traveller_utilities(alts, ready, seg, choice), utilities(alts, ready, seg, choice)
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


def fresh_search(tt, planner, scenario, usable, o: int, d: int, ready: float) -> list:
    """The choice set a search finds for ``ready`` with every seat free: the Pareto set over the
    choice window (from the day of the first departure it can take, ``window_days`` long)."""
    earliest = ready + float(tt.checkin_min[o])
    first = min(float(x) for x in tt.dep_min[(tt.origin == o) & usable] if x >= earliest)
    limit = (math.floor(first / 1440.0) + 1) * 1440.0 + scenario.choice.window_days * 1440.0
    return planner.pareto(o, d, ready, window_min=limit - ready, allowed=usable)


SHUTTLE = """\
name: shuttle
run: {start: 2027-03-01, horizon_days: 2, warmup_days: 0, drain_days: 1, replications: 1, seed: 7}
places:
  - {id: A, name: A, kind: airport, country: KZ, lat: 51.0, lon: 71.4, tz: Asia/Almaty}
  - {id: B, name: B, kind: airport, country: KZ, lat: 51.3, lon: 71.9, tz: Asia/Almaty}
  - {id: C, name: C, kind: airport, country: KZ, lat: 51.6, lon: 71.0, tz: Asia/Almaty}
services:
  - {id: AB, mode: air, unit: pax, stops: [A, B], timetable: {headway_min: 5}, duration_min: 30,
     capacity: 3, cost_usd: 20}
  - {id: AC, mode: air, unit: pax, stops: [A, C], timetable: {headway_min: 120}, duration_min: 40,
     capacity: 30, cost_usd: 5}
  - {id: CB, mode: air, unit: pax, stops: [C, B], timetable: {headway_min: 120, first: "01:00"},
     duration_min: 40, capacity: 30, cost_usd: 5}
demand:
  - {id: P, kind: passenger, from: A, to: B, per_week: 5000}
choice:
  scale_usd: 20
  segments:
    - {id: leisure, share: 0.8, value_of_time_usd_per_h: 20, schedule_delay_usd_per_h: 5}
    - {id: business, share: 0.2, value_of_time_usd_per_h: 40, schedule_delay_usd_per_h: 25}
"""


def test_travellers_choose_as_among_sets_scanned_to_the_window_end_with_a_frequent_shuttle() -> None:
    # A shuttle every 5 minutes (USD 20, 3 seats, so they run out) against two flights via C
    # (USD 5 each): a choice set's search stops early once a journey that has arrived beats
    # what each way on from where the journeys still open wait would take (planning/bounds.py;
    # 612 scans stop so, 2026-12-04). The travellers' choices, seats and journeys are those
    # of a run whose searches all scan to the end of their windows.
    from unittest.mock import patch

    from corridor.planning import search

    s = Scenario.model_validate(yaml.safe_load(SHUTTLE))
    rec = run_replication(s, 0)
    with patch.object(search._Bags, "settled", lambda *_: False):
        full = run_replication(s, 0)
    assert carried(rec, "AB") > 0 and carried(rec, "AC") > 0
    assert rec.trips["peak_load"][rec.trips["service"] == rec.services.index("AB")].max() == 3
    for k in rec.units:
        np.testing.assert_array_equal(rec.units[k], full.units[k], err_msg=k)
    for k in rec.trips:
        np.testing.assert_array_equal(rec.trips[k], full.trips[k], err_msg=k)
