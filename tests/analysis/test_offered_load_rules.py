"""Offered load and outside overload (analysis/load.py) at the edges of their rules, on small
scenarios counted by hand: a trip calls at the stops after its first, the worst load is under
the deepest cut, full dispatched vehicles are a flow's containers a day over the capacity, the
part that surely comes leaves the timetabled trips out, and a station's outside traffic fills
it at 95% and is over its capacity under a cut only past 100%."""

from __future__ import annotations

import datetime as dt
import textwrap
from types import SimpleNamespace

import pytest
import yaml

from corridor.analysis.load import offered_load, outside_overload
from corridor.scenario.schema import Disruption, Place, Scenario

# A and B: one server of 72 min each, 20 vehicles a day fill one (1,440 / 72)
CALLS = """\
name: calls
run: {start: 2027-03-01, horizon_days: 14, drain_days: 7}
places:
  - {id: A, name: A, kind: border_station, country: KZ, lat: 45, lon: 60, tz: UTC, servers: 1,
     service_time: {dist: fixed, value_min: 72}}
  - {id: B, name: B, kind: border_station, country: KZ, lat: 45, lon: 62, tz: UTC, servers: 1,
     service_time: {dist: fixed, value_min: 72}, background_per_day: 3}
services:
  - {id: DAILY, mode: rail, unit: feu, stops: [A, B], timetable: {times: ["10:00"]}, duration_min: 600,
     capacity: 41}
disruptions:
  - {id: HALF, target: B, start: 2027-03-03T00:00:00Z, end: 2027-03-05T00:00:00Z, capacity_factor: 0.5}
  - {id: MOST, target: B, start: 2027-03-07T00:00:00Z, end: 2027-03-09T00:00:00Z, capacity_factor: 0.8}
"""


def test_trips_call_after_their_first_stop_and_the_worst_is_under_the_deepest_cut() -> None:
    loads = {load.place: load for load in offered_load(Scenario.model_validate(yaml.safe_load(CALLS)))}
    # DAILY leaves A: A sees no call; B sees 1 a day besides its 3 outside vehicles
    assert loads["A"].timetabled_per_day == 0.0 and loads["A"].utilisation == 0.0
    b = loads["B"]
    assert b.timetabled_per_day == pytest.approx(1.0) and b.background_per_day == 3.0
    assert b.utilisation == pytest.approx(4 * 72 / 1440)  # 0.2
    # under HALF (0.5, deeper than MOST's 0.8) the servers do half: 0.2 / 0.5
    assert b.worst_utilisation == pytest.approx(0.4)
    # what surely comes: the 3 outside vehicles of the 4 (the daily train may run empty)
    assert b.loaded_utilisation == pytest.approx(3 * 72 / 1440)


DISPATCHED = """\
name: dispatched
run: {start: 2027-03-01, horizon_days: 14, drain_days: 7}
places:
  - {id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 60, tz: UTC}
  - {id: B, name: B, kind: border_station, country: KZ, lat: 45, lon: 62, tz: UTC, servers: 1,
     service_time: {dist: fixed, value_min: 72}}
services:
  - {id: TRUCK, mode: road, unit: feu, stops: [A, B], dispatch: {cutoff_min: 0}, duration_min: 30,
     capacity: 5}
demand:
  - {id: F, kind: cargo, from: A, to: B, per_week: 70}
"""


def test_dispatched_vehicles_are_the_flows_containers_a_day_over_the_capacity() -> None:
    # 70 FEU a week = 10 a day, in full trucks of 5: 2 a day at B
    (b,) = offered_load(Scenario.model_validate(yaml.safe_load(textwrap.dedent(DISPATCHED))))
    assert b.dispatched_per_day == pytest.approx(2.0)
    assert b.utilisation == pytest.approx(2 * 72 / 1440)


# F chooses between G and H: 10 FEU a day reach Z in trains of 10 by G (1 a day) or of 20 by H
# (0.5 a day)
GATEWAYS = """\
name: gateways
run: {start: 2027-03-01, horizon_days: 14, drain_days: 7}
places:
  - {id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 60, tz: UTC}
  - {id: G, name: G, kind: border_station, country: KZ, lat: 46, lon: 61, tz: UTC}
  - {id: H, name: H, kind: border_station, country: KZ, lat: 44, lon: 61, tz: UTC}
  - {id: Z, name: Z, kind: border_station, country: PL, lat: 45, lon: 62, tz: UTC, servers: 1,
     service_time: {dist: fixed, value_min: 72}}
services:
  - {id: T1, mode: road, unit: feu, stops: [A, G], dispatch: {cutoff_min: 0}, duration_min: 30,
     capacity: 5}
  - {id: T2, mode: road, unit: feu, stops: [A, H], dispatch: {cutoff_min: 0}, duration_min: 30,
     capacity: 5}
  - {id: E1, mode: rail, unit: feu, stops: [G, Z], dispatch: {cutoff_min: 0}, duration_min: 60,
     capacity: 10}
  - {id: E2, mode: rail, unit: feu, stops: [H, Z], dispatch: {cutoff_min: 0}, duration_min: 60,
     capacity: 20}
demand:
  - {id: F, kind: cargo, from: A, to: Z, per_week: 70,
     gateways: {via: [G, H], value_of_time_usd_per_day: 100, scale_usd: 100}}
"""


def test_a_flow_that_chooses_its_gateway_sends_at_least_what_every_way_sends() -> None:
    # the floor over the two ways: 0.5 trains a day at Z, not the 1 of the way by G
    (z,) = offered_load(Scenario.model_validate(yaml.safe_load(GATEWAYS)))
    assert z.place == "Z" and z.dispatched_per_day == pytest.approx(0.5)


def _station(name: str, per_day: float, seasons: list[float] | None = None) -> Place:
    # one server of 72 min: 20 vehicles a day fill it
    return Place.model_validate({
        "id": name, "name": name, "kind": "border_station", "country": "PL", "lat": 52, "lon": 23,
        "tz": "UTC",
        "servers": 1, "background_per_day": per_day, "service_time": {"dist": "fixed", "value_min": 72},
        **({"background_seasonality": seasons} if seasons else {})})


def _cut(target: str, factor: float) -> Disruption:
    return Disruption.model_validate({"id": f"CUT{target}", "target": target, "start": "2027-01-10T00:00Z",
                                      "end": "2027-01-20T00:00Z", "capacity_factor": factor})


def test_outside_traffic_fills_a_station_at_95_percent_and_over_it_past_100_under_a_cut() -> None:
    run = SimpleNamespace(horizon_days=30, drain_days=0, epoch=dt.datetime(2027, 1, 1, tzinfo=dt.UTC),
                          start=dt.date(2027, 1, 1))
    places = [
        _station("FULL", 19),  # 19 x 72 / 1,440 = 0.95 exactly: full
        _station("EVEN", 10),  # 0.5, cut to 0.5: exactly its capacity, not over it
        _station("OVER", 20),  # 1.0 on the mean, and cut too: said by its mean
        _station("FLAT", 20, [1.0] * 12),  # seasons all 1: no month busier than the mean
    ]
    cuts = [_cut("EVEN", 0.5), _cut("OVER", 0.5)]
    found = outside_overload(SimpleNamespace(places=places, disruptions=cuts, run=run))
    assert found == {"FULL": "its outside traffic alone takes 95% of its capacity",
                     "OVER": "its outside traffic alone takes 100% of its capacity",
                     "FLAT": "its outside traffic alone takes 100% of its capacity"}


def test_outside_traffic_is_counted_at_its_months_factors_over_the_run() -> None:
    """Factors of 0.5 in every month are half the traffic (validate said 129% and "grows without
    bound" of a station the run found 68% busy); a run of 14 days in March and 14 in April at
    factors 2 and 0 averages 1, its busiest month is March at 2."""
    data = yaml.safe_load(CALLS)
    data["disruptions"] = []
    data["places"][1]["background_per_day"] = 30  # 30 x 72 min: 1.5 servers' days
    data["places"][1]["background_seasonality"] = [0.5] * 12
    b = {x.place: x for x in offered_load(Scenario.model_validate(data))}["B"]
    assert b.background_per_day == pytest.approx(15.0)
    assert b.utilisation == pytest.approx((1 + 15) * 72 / 1440)
    assert outside_overload(Scenario.model_validate(data)) == {}  # 75%, not 150%
    data["run"] = {"start": "2027-03-18", "horizon_days": 28, "drain_days": 7}
    data["places"][1]["background_seasonality"] = [1, 1, 2, 0, 1, 1, 1, 1, 1, 1, 1, 1]
    b = {x.place: x for x in offered_load(Scenario.model_validate(data))}["B"]
    assert b.background_per_day == pytest.approx(30.0 * (14 * 2 + 14 * 0) / 28)
    assert b.peak_month == "2027-03" and b.peak_utilisation == pytest.approx((1 + 60) * 72 / 1440)
