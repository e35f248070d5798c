"""Dispatched services whose departure paths fall on no day of the run, against a plain walk
over the run's calendar dates."""

from __future__ import annotations

import datetime as dt

import pytest

from corridor.analysis.load import pathless_services
from corridor.scenario.schema import Scenario

WEEK = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def _scenario(start: dt.date, horizon: int, drain: int, days: list[str]) -> Scenario:
    return Scenario.model_validate({
        "name": "paths",
        "run": {"start": start.isoformat(), "horizon_days": horizon, "warmup_days": 0, "drain_days": drain,
                "replications": 1},
        "places": [{"id": p, "name": p, "kind": "rail_terminal", "country": "DE", "lat": 50 + k, "lon": 7,
                    "tz": "UTC"} for k, p in enumerate("AGZ")],
        "services": [
            {"id": "IN", "mode": "rail", "unit": "feu", "stops": ["A", "G"], "dispatch": {"cutoff_min": 0},
             "duration_min": 600, "capacity": 1},
            {"id": "EU", "mode": "rail", "unit": "feu", "stops": ["G", "Z"],
             "dispatch": {"paths_per_day": 1, "days": days}, "duration_min": 1440, "capacity": 28}],
        "demand": [{"id": "F", "kind": "cargo", "from": "A", "to": "Z", "per_week": 100}]})


@pytest.mark.parametrize("start", [dt.date(2027, 1, 4), dt.date(2027, 1, 7), dt.date(2027, 1, 10)])
@pytest.mark.parametrize(("horizon", "drain"), [(1, 0), (3, 1), (4, 2), (6, 0), (5, 2), (7, 0), (9, 3)])
@pytest.mark.parametrize("days", [["Mon"], ["Fri"], ["Sun"], ["Sat", "Sun"], ["Tue", "Thu"]])
def test_a_service_is_pathless_when_no_date_of_the_run_is_one_of_its_weekdays(
        start: dt.date, horizon: int, drain: int, days: list[str]) -> None:
    # the run's dates one by one, horizon then drain, each with its weekday's name
    dates = [start + dt.timedelta(days=k) for k in range(horizon + drain)]
    met = {WEEK[d.weekday()] for d in dates}
    want = [] if met & set(days) else [("EU", tuple(sorted(WEEK.index(d) for d in days)))]
    assert pathless_services(_scenario(start, horizon, drain, days)) == want
