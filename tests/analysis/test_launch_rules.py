"""A new service's case at the edges of its rules, on figures written by hand: the verdict on
profit goes by its interval, a route launched both ways pairs each direction with its own
figures, the traveller benefit is of the flows from the first stop to the last, and the load
factor is the mean over flights of each one's load over its own seats."""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

import numpy as np
import pytest
import yaml

from corridor.analysis.airline import airline_kpis
from corridor.analysis.launch import LaunchCase, _new_services, launch_cases
from corridor.kernels.stats import Estimate
from corridor.scenario.schema import Scenario

TOY = """\
name: toy
run: {start: 2027-03-01, horizon_days: 14, warmup_days: 0, drain_days: 1, replications: 2, seed: 5}
places:
  - {id: A, name: A, kind: airport, country: KZ, lat: 51.0, lon: 71.4, tz: UTC}
  - {id: B, name: B, kind: airport, country: LT, lat: 54.6, lon: 25.3, tz: UTC}
  - {id: C, name: C, kind: airport, country: LT, lat: 55.0, lon: 24.0, tz: UTC}
services:
  - {id: SLOW, mode: air, unit: pax, stops: [A, B], timetable: {times: ["10:00"]}, duration_min: 180,
     capacity: 1000, cost_usd: 50}
  - {id: SIDE, mode: air, unit: pax, stops: [A, C], timetable: {times: ["11:00"]}, duration_min: 200,
     capacity: 1000, cost_usd: 60}
NEW
demand:
  - {id: P, kind: passenger, from: A, to: B, per_week: 70}
  - {id: Q, kind: passenger, from: A, to: C, per_week: 70}
choice:
  scale_usd: 40
  segments:
    - {id: only, share: 1.0, value_of_time_usd_per_h: 30, schedule_delay_usd_per_h: 0}
"""
NEW = """\
  - {id: FAST, mode: air, unit: pax, stops: [A, B], timetable: {times: ["08:00"]}, duration_min: 120,
     capacity: 100, cost_usd: 100, economics: {cost_per_block_hour_usd: 1000, cost_per_trip_usd: 500}}
  - {id: BACK, mode: air, unit: pax, stops: [B, A], timetable: {times: ["14:00"]}, duration_min: 120,
     capacity: 100, cost_usd: 100, economics: {cost_per_block_hour_usd: 1000, cost_per_trip_usd: 500}}
"""


def toy(new: bool) -> Scenario:
    text = TOY.replace("NEW\n", NEW if new else "")
    return Scenario.model_validate(yaml.safe_load(textwrap.dedent(text)))


def _case(profit: Estimate) -> str:
    e = Estimate(0.5, 0.1, 5, 0.95)
    figures = {"share_of_market": e, "passengers_per_week": Estimate(50.0, 5.0, 5, 0.95), "load_factor": e,
               "break_even_load_factor": e, "profit_per_flight_usd": profit,
               "break_even_market_per_week": Estimate(70.0, 5.0, 5, 0.95),
               "market_per_week": Estimate(70.0, 0.0, 5, 0.95),
               "flights_per_week": Estimate(7.0, 0.0, 5, 0.95)}
    return LaunchCase("with", "FAST", None, figures, {}).sentence()


@pytest.mark.parametrize(("mean", "half", "said"), [
    (3000.0, 2000.0, "it covers its cost"),  # 1,000 to 5,000: wholly above 0
    (500.0, 2000.0, "it is not clearly above or below cost"),  # -1,500 to 2,500
    (-500.0, 2000.0, "it is not clearly above or below cost"),  # -2,500 to 1,500
    (-3000.0, 2000.0, "it loses money"),  # -5,000 to -1,000: wholly below 0
])
def test_the_verdict_on_profit_goes_by_its_interval(mean: float, half: float, said: str) -> None:
    assert f"; {said}, " in _case(Estimate(mean, half, 5, 0.95))


def test_a_route_launched_both_ways_pairs_each_way_with_its_own_figures() -> None:
    assert _new_services(toy(False), toy(True)) == [("FAST", "BACK")]
    # two replications: FAST's load 0.5 and 0.7 (mean 0.6), BACK's 0.2 and 0.4 (mean 0.3)
    kpis = [{"airline": {"FAST": {"load_factor": 0.5}, "BACK": {"load_factor": 0.2}}},
            {"airline": {"FAST": {"load_factor": 0.7}, "BACK": {"load_factor": 0.4}}}]
    cases = launch_cases(toy(False), toy(True), "with", SimpleNamespace(kpis=kpis, records=[]),
                         with_sensitivity=False)
    got = {(c.service, c.return_service): c.figures["load_factor"].mean for c in cases}
    assert got == {("FAST", "BACK"): pytest.approx(0.6), ("BACK", "FAST"): pytest.approx(0.3)}


def test_the_traveller_benefit_is_of_the_flows_from_the_first_stop_to_the_last() -> None:
    # FAST flies A -> B: flow P (A -> B) is its market; Q (A -> C) leaves from its first stop
    # but goes elsewhere, and is no flow it serves
    kpis = [{"airline": {"FAST": {"load_factor": 0.5}}}]
    cases = launch_cases(toy(False), toy(True), "with", SimpleNamespace(kpis=kpis, records=[]))
    fast = next(c for c in cases if c.service == "FAST")
    assert set(fast.benefit) == {"P"}


def test_the_load_factor_is_the_mean_of_each_flights_load_over_its_own_seats() -> None:
    # two FAST flights in the window: one of 100 seats with 50 aboard at most (0.5), one cut to
    # 50 seats and full (1.0): the mean over flights is 0.75 (the seats summed would give
    # 100 / 150 = 0.667)
    scenario = toy(True)
    services = [s.id for s in scenario.services]
    fast = services.index("FAST")
    trips = {"scheduled_min": np.array([480.0, 1920.0]), "service": np.array([fast, fast]),
             "capacity": np.array([100, 50]), "boarded": np.array([50, 50]), "through": np.array([50, 50]),
             "revenue_usd": np.array([5000.0, 5000.0]), "peak_load": np.array([50, 50]),
             "unit_km": np.array([1.0e5, 1.0e5])}
    rec = SimpleNamespace(trips=trips, services=services, warmup_min=0.0, horizon_min=14 * 1440.0,
                          units={"flow": np.zeros(0, dtype=np.int64), "created_min": np.zeros(0)})
    assert airline_kpis(rec, scenario)["FAST"]["load_factor"] == pytest.approx(0.75)


def test_the_market_model_spills_who_chose_it_beyond_its_seats() -> None:
    # the toy of test_launch: 700 travellers a week, a share of P_FAST (closed-form logit) choose
    # FAST, about 264; with 10 seats a day, 70 a week, it carries 70, full, and spills the rest
    from analysis.test_launch import P_FAST
    from analysis.test_launch import toy as launch_toy

    from corridor.analysis.market import sensitivity

    row = next(r for r in sensitivity(launch_toy(True, capacity=10), "FAST", frequencies=())
               if r.parameter == "market" and r.own)
    assert row.share == pytest.approx(P_FAST, rel=1e-12)
    assert row.passengers_per_week == pytest.approx(70.0)
    assert row.load_factor == pytest.approx(1.0)
    assert row.spilled_per_week == pytest.approx(700 * P_FAST - 70.0)
    assert row.revenue_per_week_usd == pytest.approx(70.0 * 100.0)


def test_the_market_model_counts_only_flows_that_ride_it_forwards() -> None:
    # FAST flies A -> B: P (A -> B, 70 a week) can ride it; Q (A -> C) cannot, nor could a flow
    # B -> A. Its own market is 70 a week, not P and Q's 140
    from corridor.analysis.market import sensitivity

    rows = sensitivity(toy(True), "FAST", frequencies=(), fare_factors=(), rival_factors=())
    own = next(r for r in rows if r.parameter == "market" and r.own)
    assert own.value == 70.0


def test_a_route_launched_both_ways_gives_its_profit_a_round_trip_and_a_year() -> None:
    # the headline gave each direction's profit a flight (-31,080 and -26,016 USD for the direct
    # flight), and an airline planner added them up by hand: a route is launched both ways
    from corridor.analysis.launch import round_trips
    from corridor.simulation import run_replication

    scenario = toy(True)
    records = [run_replication(scenario, r) for r in range(2)]
    kpis = [{"airline": airline_kpis(rec, scenario)} for rec in records]
    cases = launch_cases(toy(False), scenario, "with", SimpleNamespace(kpis=kpis, records=[]),
                         with_sensitivity=False)
    [said] = round_trips(cases)
    # by hand, from the trip log: each direction's fares a flight less 2,500 USD (2 h at 1,000
    # and 500 a trip), averaged over the replications; 7 flights a week each way
    both = [0.0] * len(records)  # a round trip's profit in each replication
    for service in ("FAST", "BACK"):
        for r, rec in enumerate(records):
            t = rec.trips
            mine = [k for k in range(t["service"].size) if rec.services[t["service"][k]] == service
                    and rec.warmup_min <= t["scheduled_min"][k] < rec.horizon_min]
            both[r] += sum(float(t["revenue_usd"][k]) for k in mine) / len(mine) - 2500.0
    profit = sum(both) / len(both)
    # its 95% interval over the replications, the two directions paired (scipy's t)
    from scipy import stats

    half = stats.t.ppf(0.975, len(both) - 1) * float(np.std(both, ddof=1)) / len(both) ** 0.5
    year = 7 * 52 / 1e6
    assert said.startswith(f"FAST and BACK together: {profit:+,.0f} USD a round trip (95% CI "
                           f"{profit - half:+,.0f} to {profit + half:+,.0f}); over 52 weeks at 7 round trips "
                           f"a week, about {profit * year:+,.2f} million USD ({(profit - half) * year:+,.2f} "
                           f"to {(profit + half) * year:+,.2f})"), said
    assert round_trips([c for c in cases if c.service == "FAST"]) == []  # one way only: nothing to add


def test_the_share_says_the_value_of_waiting_it_turns_on() -> None:
    # the demo's 70% share fell to 47% at twice the value of waiting; its answer never named it
    from conftest import SCENARIOS
    from corridor.analysis.launch import waiting_words
    from corridor.scenario import load_scenario

    scenario = load_scenario(SCENARIOS / "direct_flight.yaml")
    assert scenario.choice is not None
    values = sorted({seg.schedule_delay_usd_per_h for seg in scenario.choice.segments})
    words = waiting_words(scenario)
    assert f"{values[0]:g} to {values[-1]:g} USD an hour by segment" in words and "what-if" in words
    assert waiting_words(scenario.model_copy(update={"choice": None})) == ""
