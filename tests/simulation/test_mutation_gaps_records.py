"""Records' columns and files that mutation testing found unguarded: each test names the
mutant it kills, against what the scenario says by hand (never the records' own output)."""

from __future__ import annotations

import csv
from pathlib import Path

import yaml

from corridor import simulate
from corridor.scenario.schema import Scenario

FIRST = """\
name: first
run: {start: 2027-03-01, horizon_days: 7, warmup_days: 0, drain_days: 10, replications: 1, seed: 9}
places:
  - {id: G1, name: G1, kind: gauge_change_station, country: PL, lat: 51, lon: 29, tz: UTC}
  - {id: O, name: O, kind: rail_terminal, country: KZ, lat: 50, lon: 30, tz: UTC}
  - {id: G2, name: G2, kind: gauge_change_station, country: PL, lat: 49, lon: 29, tz: UTC}
  - {id: D, name: D, kind: rail_terminal, country: DE, lat: 50, lon: 28, tz: UTC}
links:
  - {id: O-G1, from: O, to: G1, duration_min: 1440, cost_usd: 1000, bidirectional: false, units: [feu]}
  - {id: G1-D, from: G1, to: D, duration_min: 1440, cost_usd: 500, bidirectional: false, units: [feu]}
  - {id: O-G2, from: O, to: G2, duration_min: 1440, cost_usd: 1000, bidirectional: false, units: [feu]}
  - {id: G2-D, from: G2, to: D, duration_min: 1440, cost_usd: 500, bidirectional: false, units: [feu]}
demand:
  - {id: F, kind: cargo, from: O, to: D, per_week: 200,
     gateways: {via: [G1, G2], value_of_time_usd_per_day: 100, scale_usd: 150}}
"""


def test_the_units_file_names_a_gateway_listed_first_among_the_places(tmp_path: Path) -> None:
    # G1 is the scenario's first place (index 0) and its route costs the same as G2's: about
    # half the containers choose each, and every container that chose names its gateway in
    # units_rep0.csv. Kills: the gateway column left empty for index 0 (``gateway[k] > 0``,
    # where -1 is the mark of no choice), so G1's containers read as not having chosen
    rec = simulate(Scenario.model_validate(yaml.safe_load(FIRST)), replications=1).records[0]
    rec.write_csv(tmp_path)
    with (tmp_path / "units_rep0.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 100
    named = [r["gateway"] for r in rows]
    assert set(named) == {"G1", "G2"}  # all chose at creation, at the origin
    assert 0.3 < named.count("G1") / len(named) < 0.7


def test_a_units_minutes_at_stations_add_up_over_all_its_visits() -> None:
    # a vehicle carrying units 0 and 1 spends 5 min at place 1; unit 0 then spends 7 at
    # place 2; unit 2 visits no station. By hand: station_min 12, 5, 0. Kills: the per-visit minutes
    # written into the column by index (the last visit's 7 kept for unit 0) instead of added
    from corridor.simulation.entities import Unit
    from corridor.simulation.records import Records

    units = [Unit(id=k, flow=0, pax=False, dest=2, created_min=0.0, place=0) for k in range(3)]
    rec = Records.build(replication=0, horizon_min=100.0, end_min=100.0, warmup_min=0.0, flows=("F",),
                        places=("A", "B", "C"), units=units, stations={},
                        station_waits=[([0, 1], 1, 10.0, 5.0), ([0], 2, 30.0, 7.0)],
                        trips_run=0, trips_cancelled=0, events=0, trips={})
    assert rec.units["station_min"].tolist() == [12.0, 5.0, 0.0]
    assert rec.station_waits["unit"].tolist() == [0, 1, 0]


def test_a_blocks_forecast_in_the_records_includes_the_gateways_correction() -> None:
    # a block chose at 100 expecting to leave the gateway at 5,000 by the queues it saw, and
    # the gateway's learnt correction added 300: its forecast is 5,300 (the records' doc: the
    # correction included). Kills: forecast_min without the correction (5,000)
    from corridor.simulation.gateways import Forecast
    from corridor.simulation.records import _block_columns

    cols = _block_columns([Forecast(flow=0, gateway=2, chose_min=100.0, ahead_min=4900.0, leave_min=5000.0,
                                    correction_min=300.0, weight=0.5, feu=28, left=0, left_min=5400.0)])
    assert cols["forecast_min"].tolist() == [5300.0]
    assert cols["correction_min"].tolist() == [300.0]
