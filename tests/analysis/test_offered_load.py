"""Offered load before a run (analysis/load.py) against counts made by hand."""

from __future__ import annotations

import textwrap

import pytest
import yaml

from corridor.analysis.load import offered_load
from corridor.scenario.schema import Scenario

# one train a day into B all year; hourly trains that ran only in 2026; hourly trains for
# two days of the run's fourteen
VALIDITY = """\
name: validity
run: {start: 2027-03-01, horizon_days: 14, drain_days: 7}
places:
  - {id: A, name: A, kind: rail_terminal, country: CN, lat: 44, lon: 80, tz: UTC}
  - {id: B, name: B, kind: gauge_change_station, country: KZ, lat: 45, lon: 82, tz: UTC, servers: 3,
     service_time: {dist: fixed, value_min: 255}}
services:
  - {id: DAILY, mode: rail, unit: feu, stops: [A, B], timetable: {times: ["10:00"]}, duration_min: 600,
     capacity: 41}
  - {id: OLD, mode: rail, unit: feu, stops: [A, B], timetable: {headway_min: 60}, duration_min: 600,
     capacity: 41, valid_from: 2026-01-01, valid_to: 2026-12-31}
  - {id: SPRING, mode: rail, unit: feu, stops: [A, B], timetable: {headway_min: 60}, duration_min: 600,
     capacity: 41, valid_from: 2027-03-10, valid_to: 2027-03-11}
"""


def test_the_timetabled_load_counts_the_trips_the_run_has_not_the_weekly_pattern() -> None:
    # the weekly patterns say 49 trains a day (289% of what B serves); the run has 14 daily
    # trains and 2 x 24 spring ones in its 14 days: 62 / 14 a day
    scenario = Scenario.model_validate(yaml.safe_load(textwrap.dedent(VALIDITY)))
    (load,) = offered_load(scenario)
    assert load.timetabled_per_day == pytest.approx(62 / 14)
    assert load.utilisation == pytest.approx(62 / 14 * 255 / (3 * 1440))


HELD = """\
name: held
run: {start: 2027-03-01, horizon_days: 14, drain_days: 7}
places:
  - {id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 60, tz: UTC}
  - {id: X, name: X, kind: border_station, country: KZ, lat: 45, lon: 62, tz: UTC, servers: 1,
     service_time: {dist: fixed, value_min: 30}}
  - {id: C, name: C, kind: border_station, country: KZ, lat: 45, lon: 64, tz: UTC, servers: 1,
     service_time: {dist: fixed, value_min: 60}}
services:
  - {id: THROUGH, mode: rail, unit: feu, stops: [A, X, C, X], timetable: {times: ["10:00"]},
     duration_min: 600, capacity: 41}
  - {id: FROM_X, mode: rail, unit: feu, stops: [X, C], timetable: {times: ["12:00"]}, duration_min: 60,
     capacity: 41}
  - {id: TO_C, mode: rail, unit: feu, stops: [A, C], timetable: {times: ["08:00"]}, duration_min: 60,
     capacity: 41}
disruptions:
  - {id: SHUT, target: X, start: 2027-02-01T00:00:00Z, end: 2027-04-01T00:00:00Z}
"""


def test_trips_held_at_a_place_shut_all_run_call_nowhere_after_it() -> None:
    # X is shut for the whole run: THROUGH is held there, so it never reaches C (or X again);
    # FROM_X never leaves. C sees TO_C alone: 1 a day, not 3 (a re-test found a station
    # past a shut stop warned of as 97% busy when half its trains never came)
    scenario = Scenario.model_validate(yaml.safe_load(textwrap.dedent(HELD)))
    loads = {load.place: load for load in offered_load(scenario)}
    assert loads["C"].timetabled_per_day == pytest.approx(1.0)
    assert loads["X"].timetabled_per_day == pytest.approx(1.0)  # THROUGH's first call, held there
