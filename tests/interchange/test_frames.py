"""to_frame() of plan, profile and run results: the documented columns, UTC-aware timestamps,
and values that agree with another route to the same answer (to_dict, the CSV records, the
timetable worked out by hand)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from corridor.planning import RoutePlanner
from corridor.planning.api import PROFILE_COLUMNS
from corridor.planning.itinerary import LEG_COLUMNS
from corridor.scenario.schema import Scenario
from corridor.simulation.records import UNIT_COLUMNS

ONE_FLIGHT = """\
name: one
run: {start: 2027-03-01, horizon_days: 14, warmup_days: 0, drain_days: 3, replications: 1, seed: 5}
places:
  - {id: NQZ, name: Astana, kind: airport, country: KZ, checkin_min: 120}
  - {id: VNO, name: Vilnius, kind: airport, country: LT}
services:
  - {id: DIRECT, mode: air, unit: pax, stops: [NQZ, VNO], timetable: {times: ["09:00"]},
     duration_min: 480, capacity: 500, cost_usd: 300, co2_kg: 400}
demand:
  - {id: P, kind: passenger, from: NQZ, to: VNO, per_week: 100}
"""


def test_plan_frame_has_one_row_per_leg(baseline: Scenario) -> None:
    planner = RoutePlanner(baseline)
    result = planner.plan("NQZ", "VNO", "2027-03-01T08:00")
    frame = result.to_frame()
    assert tuple(frame.columns) == LEG_COLUMNS
    assert len(frame) == sum(len(it.legs) for it in result.itineraries)
    for col in ("depart_utc", "arrive_utc"):
        assert str(frame[col].dt.tz) == "UTC"
    as_dict = result.to_dict()["itineraries"]
    for row in frame.itertuples(index=False):
        leg = as_dict[row.itinerary]["legs"][row.leg]
        assert (row.service, row.mode, row._5, row.to) == (
            leg["service"],
            leg["mode"],
            leg["from"],
            leg["to"],
        )
        assert row.depart_utc == pd.Timestamp(leg["depart"]) and row.arrive_utc == pd.Timestamp(leg["arrive"])
        assert row.depart_local == leg["depart"] and row.cost_usd == pytest.approx(leg["cost"], abs=0.006)
    # the earliest itinerary: Tuesday's 03:40 +05 from Astana (docs/planning.md) is 22:40 UTC Monday
    assert frame.loc[0, "depart_utc"] == pd.Timestamp("2027-03-01T22:40:00Z")


def test_profile_frame_has_one_row_per_ready_time(baseline: Scenario) -> None:
    week = RoutePlanner(baseline).profile("NQZ", "VNO")
    frame = week.to_frame()
    assert tuple(frame.columns) == PROFILE_COLUMNS
    assert len(frame) == 7 * 1440 and str(frame["depart_utc"].dt.tz) == "UTC"
    assert frame["depart_local"].iloc[0] == "2027-03-01T00:00:00+05:00"
    assert frame["depart_utc"].iloc[0] == pd.Timestamp("2027-02-28T19:00:00Z")
    minutes = (frame["arrive_utc"] - frame["depart_utc"]).dt.total_seconds() / 60
    np.testing.assert_allclose(minutes, frame["total_min"])
    shares = frame["route"].value_counts(normalize=True)
    for name, share in week.route_shares():
        assert shares[name] == pytest.approx(share)


def test_unit_frame_has_one_row_per_unit(tmp_path: Path) -> None:
    from corridor import simulate

    scenario = Scenario.model_validate(yaml.safe_load(textwrap.dedent(ONE_FLIGHT)))
    result = simulate(scenario, replications=1)
    records = result.records[0]
    frame = records.to_frame(scenario.run.epoch)
    assert tuple(frame.columns) == UNIT_COLUMNS
    for col in ("created_utc", "first_departure_utc", "planned_arrival_utc", "arrival_utc"):
        assert str(frame[col].dt.tz) == "UTC", col
    assert len(frame) > 150 and set(frame["flow"]) == {"P"} and set(frame["kind"]) == {"pax"}
    delivered = frame[frame["status"] == "delivered"]
    assert len(delivered) > 100
    # the only flight leaves at 09:00 Astana (04:00 UTC) and takes 8 h
    assert (delivered["first_departure_utc"].dt.strftime("%H:%M") == "04:00").all()
    assert ((delivered["arrival_utc"] - delivered["first_departure_utc"]) == pd.Timedelta(hours=8)).all()
    np.testing.assert_allclose(
        delivered["door_to_door_min"],
        (delivered["arrival_utc"] - delivered["created_utc"]).dt.total_seconds() / 60,
        atol=1e-6,
    )
    # the CSV records of the same replication agree
    records.write_csv(tmp_path)
    csv = pd.read_csv(tmp_path / "units_rep0.csv")
    created = (frame["created_utc"] - pd.Timestamp(scenario.run.epoch)).dt.total_seconds() / 60
    np.testing.assert_allclose(created, csv["created_min"], atol=1e-3)
    assert list(frame["status"]) == list(csv["status"])
    assert frame["arrival_utc"].isna().sum() == csv["arrival_min"].isna().sum()
