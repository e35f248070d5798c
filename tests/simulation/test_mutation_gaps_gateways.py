"""Gateway-choice rules that mutation testing found unguarded: each test names the mutant it
kills, against a case worked out by hand (never the module's own output)."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from corridor.scenario.schema import Scenario
from corridor.simulation.gateways import shut_all_run

CUT = """\
name: cut
run: {start: 2027-03-01, horizon_days: 7, warmup_days: 0, drain_days: 3, replications: 1, seed: 1}
places:
  - {id: B, name: B, kind: rail_terminal, country: KZ, lat: 50, lon: 73, tz: UTC}
  - {id: C, name: C, kind: rail_terminal, country: LT, lat: 54.6, lon: 25.3, tz: UTC}
services:
  - {id: BC, mode: rail, unit: pax, stops: [B, C], timetable: {times: ["12:00"]}, duration_min: 600,
     capacity: 100}
demand:
  - {id: P, kind: passenger, from: B, to: C, per_week: 70}
disruptions:
  - {id: CUT, target: BC, capacity_factor: FACTOR, start: 2027-02-01T00:00Z, end: 2027-04-01T00:00Z}
"""


@pytest.mark.parametrize(("factor", "shut"), [
    # 100 seats x 0.006 = 0.6: no whole seat is left, the service is as good as shut
    (0.006, True),
    # x 0.004 = 0.4 and x 0.01 = 1 seat: shut, and not (controls either side)
    (0.004, True),
    (0.01, False),
    (0.015, False),  # 1.5 seats: one whole seat runs
])
def test_a_cut_that_leaves_no_whole_unit_of_capacity_shuts_a_service_all_run(factor, shut) -> None:
    # a trip under a cut carries floor(f x capacity) (docs, the engine's seats): a cut to
    # under one whole seat for the whole run leaves the service shut all run. Kills: the
    # whole units counted by round() rather than floor() (0.6 seats rounded to 1, the
    # service kept as open while no trip of it could carry anyone)
    scenario = Scenario.model_validate(yaml.safe_load(textwrap.dedent(CUT.replace("FACTOR", str(factor)))))
    assert shut_all_run(scenario) == ({"BC": ["CUT"]} if shut else {})


TIE = """\
name: tie
run: {start: 2027-03-01, horizon_days: 5, warmup_days: 0, drain_days: 5, replications: 1, seed: 1}
places:
  - {id: O, name: O, kind: rail_terminal, country: KZ, lat: 50, lon: 30, tz: UTC}
  - {id: X, name: X, kind: rail_terminal, country: KZ, lat: 50, lon: 29.8, tz: UTC}
  - {id: G1, name: G1, kind: gauge_change_station, country: PL, lat: 51, lon: 29, tz: UTC}
  - {id: G2, name: G2, kind: gauge_change_station, country: PL, lat: 49, lon: 29, tz: UTC}
  - {id: D, name: D, kind: rail_terminal, country: DE, lat: 50, lon: 28, tz: UTC}
links:
  - {id: O-G1, from: O, to: G1, duration_min: 1440, cost_usd: 2000, bidirectional: false, units: [feu]}
  - {id: O-X, from: O, to: X, duration_min: 720, cost_usd: 100, co2_kg: 400, bidirectional: false,
     units: [feu]}
  - {id: X-G1, from: X, to: G1, duration_min: 720, cost_usd: 100, co2_kg: 400, bidirectional: false,
     units: [feu]}
  - {id: G1-D, from: G1, to: D, duration_min: 600, cost_usd: 500, bidirectional: false, units: [feu]}
  - {id: O-G2, from: O, to: G2, duration_min: 3000, cost_usd: 700, bidirectional: false, units: [feu]}
  - {id: G2-D, from: G2, to: D, duration_min: 600, cost_usd: 500, bidirectional: false, units: [feu]}
demand:
  - {id: F, kind: cargo, from: O, to: D, per_week: 7,
     gateways: {via: [G1, G2], value_of_time_usd_per_day: 100, scale_usd: 150}}
"""


def test_of_two_routes_through_a_gateway_arriving_together_the_cheaper_is_taken() -> None:
    # Two chains cross G1 and both arrive 2,040 min after the start: O -> G1 -> D (1,440 +
    # 600) for USD 2,500, and O -> X -> G1 -> D (720 + 720 + 600) for USD 700 but 800 kg of
    # CO2 (so neither dominates the other and both are kept). Tied on time, the gateway's route
    # is the cheaper: USD 700 through X. Kills: the tie broken the other way (the dearer chain,
    # USD 1,800 more on every container's tariff)
    from corridor.planning.search import Planner
    from corridor.simulation import run_timetable
    from corridor.simulation.gateways import gateway_options

    scenario = Scenario.model_validate(yaml.safe_load(TIE))
    tt = run_timetable(scenario)
    options = {tt.places[o.gateway]: o for o in gateway_options(
        Planner(tt, unit="feu"), tt.index["O"], tt.index["D"], (tt.index["G1"], tt.index["G2"]))}
    g1 = options["G1"]
    assert (g1.ride_min, g1.cost_usd, g1.co2_kg) == (2040.0, 700.0, 800.0)
    assert [tt.places[c] for c in g1.calls] == ["X", "G1", "D"]


def test_blocks_ahead_that_fill_a_train_only_to_rounding_still_take_their_days_path() -> None:
    # one path a day, trains of 10 FEU. Ten blocks of 1 FEU reach the gateway on day 0 (at
    # 0, 60, ..., 540): they fill one train, which takes day 0's path. This block of 10
    # reaches it at 1,500 (day 1) and fills the next train, on day 1's path: no wait. Ten
    # tenths add up to 0.9999999999999999 in floats; kills: the whole-train test made exact
    # (``owed >= 1.0``), which left the ten blocks' train unplaced until this block's, both
    # then on days 1 and 2, a wait of 1,380 minutes
    from corridor.simulation.gateways import forecast_path_wait

    ahead = [(60.0 * k, 1) for k in range(10)]
    assert sum([0.1] * 10) < 1.0  # the rounding the forecast must absorb
    assert forecast_path_wait({}, ahead, 1500.0, 10, 1, 10, 0.0) == 0.0
