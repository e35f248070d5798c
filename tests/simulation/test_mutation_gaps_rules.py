"""Rules of gateway choice, choice sets and dispatching that hand-made mutants of the
simulation showed no test held, each against a small case worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from corridor.planning.itinerary import Itinerary, Leg
from corridor.planning.search import Planner
from corridor.scenario.schema import GatewayChoice, Scenario
from corridor.simulation import Replication, run_timetable
from corridor.simulation.choice import leave_min
from corridor.simulation.gateways import GatewayOption, gateway_options, generalised_cost_usd


def replication(text: str) -> Replication:
    scenario = Scenario.model_validate(yaml.safe_load(text))
    tt = run_timetable(scenario)
    return Replication(scenario, tt, {u: Planner(tt, unit=u) for u in ("pax", "feu")}, 0)


# ---- gateway choice ------------------------------------------------------------------------


def test_a_gateways_generalised_cost_prices_its_co2() -> None:
    # tariff + value of time x (ride + expected wait) + CO2 price x tonnes, by hand:
    # A: 1,000 + 100 x 1 day + 50 x 2 t = 1,200
    # B: 900 + 100 x (2 days + 0.5 day waiting) + 50 x 0.5 t = 1,175
    spec = GatewayChoice(via=["A", "B"], value_of_time_usd_per_day=100.0, co2_usd_per_t=50.0, scale_usd=150.0)
    options = [GatewayOption(1, (), 1440.0, 1440.0, 1000.0, 2000.0, -1),
               GatewayOption(2, (), 2880.0, 2880.0, 900.0, 500.0, -1)]
    got = generalised_cost_usd(options, np.array([0.0, 720.0]), spec)
    assert got.tolist() == pytest.approx([1200.0, 1175.0])


FASTEST = """\
name: fastest
run: {start: 2027-03-01, horizon_days: 5, warmup_days: 0, drain_days: 5, replications: 1, seed: 1}
places:
  - {id: O, name: O, kind: rail_terminal, country: KZ, lat: 50, lon: 30, tz: UTC}
  - {id: X, name: X, kind: rail_terminal, country: KZ, lat: 50, lon: 29.8, tz: UTC}
  - {id: G1, name: G1, kind: gauge_change_station, country: PL, lat: 51, lon: 29, tz: UTC}
  - {id: G2, name: G2, kind: gauge_change_station, country: PL, lat: 49, lon: 29, tz: UTC}
  - {id: D, name: D, kind: rail_terminal, country: DE, lat: 50, lon: 28, tz: UTC}
links:
  - {id: O-G1, from: O, to: G1, duration_min: 1440, cost_usd: 2000, bidirectional: false, units: [feu]}
  - {id: O-X, from: O, to: X, duration_min: 1440, cost_usd: 100, bidirectional: false, units: [feu]}
  - {id: X-G1, from: X, to: G1, duration_min: 1440, cost_usd: 100, bidirectional: false, units: [feu]}
  - {id: G1-D, from: G1, to: D, duration_min: 600, cost_usd: 500, bidirectional: false, units: [feu]}
  - {id: O-G2, from: O, to: G2, duration_min: 3000, cost_usd: 700, bidirectional: false, units: [feu]}
  - {id: G2-D, from: G2, to: D, duration_min: 600, cost_usd: 500, bidirectional: false, units: [feu]}
demand:
  - {id: F, kind: cargo, from: O, to: D, per_week: 7,
     gateways: {via: [G1, G2], value_of_time_usd_per_day: 100, scale_usd: 150}}
"""


def test_a_gateways_route_is_its_fastest_not_its_cheapest() -> None:
    # Two chains cross G1: O -> G1 -> D in 1,440 + 600 min for USD 2,500, and O -> X -> G1 -> D
    # in 2 x 1,440 + 600 for USD 700. The gateway's route is the fastest chain through it
    # (docs/simulation.md, gateways): the first, 2,040 minutes and USD 2,500.
    scenario = Scenario.model_validate(yaml.safe_load(FASTEST))
    tt = run_timetable(scenario)
    options = {tt.places[o.gateway]: o for o in gateway_options(
        Planner(tt, unit="feu"), tt.index["O"], tt.index["D"], (tt.index["G1"], tt.index["G2"]))}
    assert (options["G1"].ride_min, options["G1"].cost_usd) == (2040.0, 2500.0)
    assert [tt.places[c] for c in options["G1"].calls] == ["G1", "D"]
    assert (options["G2"].ride_min, options["G2"].cost_usd) == (3600.0, 1200.0)


AHEAD = """\
name: ahead
run: {start: 2027-03-01, horizon_days: 30, warmup_days: 0, drain_days: 30, replications: 1, seed: 2}
places:
  - {id: O, name: O, kind: rail_terminal, country: KZ, lat: 50, lon: 30, tz: UTC}
  - {id: G1, name: G1, kind: gauge_change_station, country: PL, lat: 51, lon: 29, tz: UTC}
  - {id: G2, name: G2, kind: gauge_change_station, country: PL, lat: 49, lon: 29, tz: UTC}
  - {id: D, name: D, kind: rail_terminal, country: DE, lat: 50, lon: 28, tz: UTC}
services:
  - {id: EU1, mode: rail, unit: feu, stops: [G1, D], dispatch: {cutoff_min: 0, paths_per_day: 1},
     duration_min: 1440, capacity: 28, cost_usd: 0}
  - {id: EU2, mode: rail, unit: feu, stops: [G2, D], dispatch: {cutoff_min: 0},
     duration_min: 1440, capacity: 28, cost_usd: 1000000}
links:
  - {id: O-G1, from: O, to: G1, duration_min: 14400, bidirectional: false, units: [feu]}
  - {id: O-G2, from: O, to: G2, duration_min: 14400, bidirectional: false, units: [feu]}
demand:
  - {id: F, kind: cargo, from: O, to: D, per_week: 28,
     gateways: {via: [G1, G2], value_of_time_usd_per_day: 100, scale_usd: 50, block_feu: 28}}
"""


def test_a_block_on_its_way_takes_the_path_of_the_day_it_reaches_the_gateway() -> None:
    # G2 costs a million more: every block takes G1, ten days' ride away, whose exit EU1 lets
    # out one train of 28 a day. Three blocks of 28 choose at minute 0, one after the other.
    # The first reaches G1 at 14,400 (day 10) and takes day 10's path: it waits 0. The second,
    # behind the first (counted from when it gets there, day 10, not from when it chose),
    # gets day 11's: 1,440 minutes; the third day 12's: 2,880. Each forecast is the ride to
    # the gateway plus that wait.
    rep = replication(AHEAD)
    ahead = []
    for _ in range(3):
        option, block, forecast = rep.gateways.pick(0, 0.0, 28)
        assert rep.tt.places[option.gateway] == "G1" and block > 0
        ahead.append(forecast.ahead_min)
    assert ahead == [14400.0, 15840.0, 17280.0]


# ---- choice sets ---------------------------------------------------------------------------


def test_a_journey_is_set_off_for_the_links_before_its_first_service() -> None:
    # A 30-minute walk (100 -> 130), a 20-minute transfer (130 -> 150), then a flight at 200:
    # the traveller sets off 50 minutes before the flight, at 150, whenever they first walked.
    walk = Leg("link", "W", "road", 0, 1, 100.0, 130.0, 0.0, 0.0)
    transfer = Leg("link", "T", "transfer", 1, 2, 130.0, 150.0, 0.0, 0.0)
    flight = Leg("service", "S", "air", 2, 3, 200.0, 300.0, 100.0, 0.0, trip=0, board_conn=0, alight_conn=0)
    assert leave_min(Itinerary(90.0, (walk, transfer, flight))) == 150.0
    assert leave_min(Itinerary(90.0, (flight,))) == 200.0
    assert leave_min(Itinerary(90.0, (walk, transfer))) == 100.0  # links alone: when it starts
