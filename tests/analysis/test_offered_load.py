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
