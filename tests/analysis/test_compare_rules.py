"""compare's rules at their edges, each against a case worked by hand: the timetable's "gets
faster" threshold, the share and the gain it is over, which ways are profiled, the headline's
choice of wording, a new gateway with one replication, and a run over another warm-up."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import yaml

from corridor.analysis.compare import Comparison, KpiDelta, _new_gateways, headline, profile_deltas, unlike
from corridor.kernels.stats import Estimate, mean_ci
from corridor.scenario.schema import Scenario

FLIGHT = """\
name: NAME
run: {start: 2027-03-01, horizon_days: 14, warmup_days: 0, drain_days: 3, replications: 2, seed: 5}
places:
  - {id: NQZ, name: Astana, kind: airport, country: KZ}
  - {id: VNO, name: Vilnius, kind: airport, country: LT}
services:
  - {id: DIRECT, mode: air, unit: pax, stops: [NQZ, VNO], timetable: {times: ["09:00"]},
     duration_min: DURATION, capacity: 500, cost_usd: 300EXTRA}
demand:
  - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 100}
"""


def flight(name: str, duration: int, extra: str = "") -> Scenario:
    text = FLIGHT.replace("NAME", name).replace("DURATION", str(duration)).replace("EXTRA", extra)
    return Scenario.model_validate(yaml.safe_load(textwrap.dedent(text)))


def test_a_minute_sooner_is_a_departure_that_gets_faster() -> None:
    # the flight 1 minute shorter: every departure minute of the week arrives exactly 1 min
    # sooner, which is the threshold ("at least a minute sooner"), so all of them improve
    p = next(d for d in profile_deltas(flight("slow", 480), flight("fast", 479)) if d.origin == "NQZ")
    assert p.improved_share == 1.0
    assert p.mean_gain_min == 1.0


def test_the_share_that_gets_faster_is_of_the_minutes_reachable_in_both() -> None:
    # the faster flight flies until Wednesday 3 March only: from its last departure (09:00 on
    # Wednesday, Monday 00:00 local being the week's start) on, those minutes reach VNO in the
    # base alone. Every minute reachable in both gains 60 min: the share is 1, not the
    # fraction of the week before Wednesday 09:00 (2 days 9 h of 7 days, about 0.34)
    fast = flight("fast", 420, ", valid_to: 2027-03-03")
    p = next(d for d in profile_deltas(flight("slow", 480), fast) if d.origin == "NQZ")
    both = int((np.isfinite(p.base_total_min) & np.isfinite(p.other_total_min)).sum())
    assert 0 < both < p.base_total_min.size  # the case this test is about
    assert p.improved_share == 1.0
    assert p.mean_gain_min == 60.0


def _delta(key: str, base: float, diff: float, half: float, n: int = 5) -> KpiDelta:
    return KpiDelta(key, key, "h", Estimate(base, 0.2, n, 0.95), Estimate(base + diff, 0.2, n, 0.95),
                    Estimate(diff, half, n, 0.95))


def test_a_longer_door_to_door_with_the_trip_unchanged_is_not_told_as_a_trade() -> None:
    # door to door 2 h longer (interval 1.5 to 2.5), on the way unchanged (0 in every
    # replication): no better trip to trade the wait for, so the headline says the door-to-door
    # change alone, and nothing of the time on the way
    door = _delta("passengers.door_to_door_h.mean", 30.0, 2.0, 0.5)
    way = _delta("passengers.on_the_way_h.mean", 8.0, 0.0, 0.0)
    text = headline(Comparison(["base", "other"], [], [], {"other": [door, way]}, {}))
    assert "passengers spend 2.00 h more door to door" in text
    assert "on the way" not in text and "wait about" not in text


def test_a_new_gateway_is_told_with_one_replication() -> None:
    # one replication: no container took K in the base run (a share of 0), 3.4% of F's took it
    # in the other; mean_ci of one value has no interval (half-width infinite)
    base, other = mean_ci([0.0]), mean_ci([3.4])
    assert (base.n, base.half_width) == (1, math.inf)
    d = KpiDelta("flows.F.gateway_share.K", "F via K", "%", base, other, mean_ci([3.4]))
    assert _new_gateways([d], "b") == [
        "K, which no container took in b, takes 3.4% of F (one replication: no interval)"]
    # a gateway some took in the base is no new one, with one replication or five
    some = KpiDelta("flows.F.gateway_share.K", "F via K", "%", mean_ci([1.0]), other, mean_ci([2.4]))
    assert _new_gateways([some], "b") == []


def test_another_warm_up_is_not_the_same_period() -> None:
    # the same start and horizon, statistics from day 3 instead of day 0: the windows differ
    base = flight("base", 480)
    later = base.model_copy(update={"run": base.run.model_copy(update={"warmup_days": 3})})
    said = unlike(base, later, "base")
    assert len(said) == 1 and said[0].startswith("not the same period as base")
    assert unlike(base, base, "base") == []


def _with(scenario: Scenario, *services: dict, demand: list[dict] | None = None) -> Scenario:
    data = scenario.model_dump(by_alias=True, exclude_none=True)
    data["services"] += list(services)
    if demand is not None:
        data["demand"] += demand
    return Scenario.model_validate(data)


BACK = {"id": "BACK", "mode": "air", "unit": "pax", "stops": ["VNO", "NQZ"],
        "timetable": {"times": ["15:00"]}, "duration_min": 480, "capacity": 500, "cost_usd": 300}


def test_each_way_is_profiled_once() -> None:
    # P goes NQZ -> VNO and R comes back: two ways, one profile each (R's way, not P's return)
    both = _with(flight("both", 480), BACK,
                 demand=[{"id": "R", "kind": "passenger", "from": "VNO", "to": "NQZ", "per_week": 50}])
    got = [(p.flow, p.origin, p.target) for p in profile_deltas(both, both)]
    assert sorted(got) == [("P", "NQZ", "VNO"), ("R", "VNO", "NQZ")]


def test_a_way_reachable_in_one_scenario_only_is_profiled() -> None:
    # both fly back, but the base's flight back starts only in 2028, long after the week
    # profiled: P's return way is reachable in the other alone, so it has a profile, with no
    # minute reachable in both
    later = dict(BACK, valid_from="2028-01-01")
    ways = {p.target: p for p in profile_deltas(_with(flight("base", 480), later),
                                                _with(flight("back", 480), BACK))}
    assert set(ways) == {"VNO", "NQZ"}
    back = ways["NQZ"]
    assert back.flow == "P (return)" and back.improved_share == 0.0
    assert not np.isfinite(back.base_total_min).any() and np.isfinite(back.other_total_min).all()


def test_the_mean_gain_is_over_the_minutes_that_get_faster() -> None:
    # the other adds a flight 60 min faster on Mondays, at the daily flight's 09:00: the minutes
    # that catch it gain 60, the rest nothing; the gain "when it does" is 60, not 60 x their share
    monday = {"id": "MONDAY", "mode": "air", "unit": "pax", "stops": ["NQZ", "VNO"],
              "timetable": {"days": ["Mon"], "times": ["09:00"]}, "duration_min": 420, "capacity": 500,
              "cost_usd": 300}
    p = next(d for d in profile_deltas(flight("daily", 480), _with(flight("monday", 480), monday))
             if d.origin == "NQZ")
    assert 0.0 < p.improved_share < 0.5
    assert p.mean_gain_min == 60.0


def _starting(scenario: Scenario, start: str) -> Scenario:
    data = scenario.model_dump(by_alias=True, exclude_none=True)
    data["run"]["start"] = start
    return Scenario.model_validate(data)


def test_a_week_with_a_clock_change_is_compared_minute_for_minute_on_the_clock() -> None:
    # VNO's clocks go from 03:00 to 04:00 on Sunday 28 March 2027, so the way back from
    # Vilnius has 10,020 departure minutes in the week of 22 March and 10,080 in that of 1
    # March. Each minute pairs with the same weekday and time in the other week (the skipped
    # hour is left out). NQZ keeps its clock, so a traveller ready at VNO from Saturday's
    # flight (15:00) until the change waits an hour less for Sunday's: 60 min sooner, the rest
    # the same. Worked by hand with zoneinfo below, not by the planner.
    import datetime as dt
    from zoneinfo import ZoneInfo

    both = _with(flight("both", 480), BACK,
                 demand=[{"id": "R", "kind": "passenger", "from": "VNO", "to": "NQZ", "per_week": 50}])
    change = _starting(both, "2027-03-22")
    for base, other in ((both, change), (change, both)):
        p = next(d for d in profile_deltas(base, other) if d.origin == "VNO")
        assert p.base_total_min.size == p.other_total_min.size == len(p.depart) == 10_020
        clocks = {(t.weekday(), t.time()) for t in map(dt.datetime.fromisoformat, p.depart)}
        assert len(clocks) == 10_020 and (6, dt.time(3, 30)) not in clocks
        gain = p.base_total_min - p.other_total_min
        # the base week of 22 March gets slower by an hour where the other gets faster
        sooner = gain if base is both else -gain
        # Saturday 15:01 to Sunday 02:59, the last minute before the clocks jump
        sat = dt.datetime(2027, 3, 27, 15, 0)
        crossing = {(t.weekday(), t.time()) for t in (sat + dt.timedelta(minutes=m) for m in range(1, 720))}
        assert ZoneInfo("Europe/Vilnius").utcoffset(sat + dt.timedelta(minutes=719)) == dt.timedelta(hours=2)
        expected = np.array([60.0 if (t.weekday(), t.time()) in crossing else 0.0
                             for t in map(dt.datetime.fromisoformat, p.depart)])
        np.testing.assert_array_equal(sooner, expected)


def test_a_week_whose_clocks_go_back_pairs_its_repeated_hour_once() -> None:
    # 31 October 2027: VNO's 03:00-03:59 comes twice, so that week has 10,140 minutes; each
    # minute of the other week pairs with the first of the two
    both = _with(flight("both", 480), BACK,
                 demand=[{"id": "R", "kind": "passenger", "from": "VNO", "to": "NQZ", "per_week": 50}])
    back = _starting(both, "2027-10-25")
    for base, other in ((both, back), (back, both)):
        p = next(d for d in profile_deltas(base, other) if d.origin == "VNO")
        assert p.base_total_min.size == p.other_total_min.size == len(p.depart) == 10_080
        if base is back:  # the first 03:30 is still summer time (+03:00), the second is not
            assert "2027-10-31T03:30:00+03:00" in p.depart
            assert "2027-10-31T03:30:00+02:00" not in p.depart


def test_the_profiles_note_names_what_the_simulation_adds_for_the_demand_there() -> None:
    # the demo's direct flight: travellers 12 h slower door to door than the profiles say, as they
    # chose a cheaper flight and waited for it; the note blamed station queues and fleets
    from types import SimpleNamespace as NS

    from corridor.analysis.compare import profile_note

    pax = NS(demand=[NS(kind="passenger")], choice=object())
    cargo = NS(demand=[NS(kind="cargo")], choice=None)
    note = profile_note([pax, pax])
    assert "choice model" in note and "station queues" not in note
    note = profile_note([cargo, cargo])
    assert "station queues" in note and "travellers" not in note
    both = profile_note([NS(demand=[NS(kind="passenger"), NS(kind="cargo")], choice=None)] * 2)
    assert "travellers find seats run out" in both and "station queues" in both and "choice" not in both


def test_a_difference_too_few_replications_can_tell_says_how_many_would() -> None:
    # +2 h over 3 replications with an interval of +-4 (a standard deviation of 1.61): not
    # significant; a two-sided 5% t-test shows a mean of 1.24 standard deviations 8 times in
    # 10 from 8 pairs (200,000 simulated tests: 7 pairs show it 0.78 of the time, 8 pairs 0.85)
    door = _delta("passengers.door_to_door_h.mean", 30.0, 2.0, 4.0, n=3)
    text = headline(Comparison(["base", "other"], [], [], {"other": [door]}, {}))
    assert "not significant in 3 replications: about 8 would show one of this size 8 times in 10" in text
    # a significant one, or one already run with enough, says nothing of it
    sure = _delta("passengers.door_to_door_h.mean", 30.0, 2.0, 1.0, n=3)
    text = headline(Comparison(["base", "other"], [], [], {"other": [sure]}, {}))
    assert "would show" not in text and "significant)" in text
