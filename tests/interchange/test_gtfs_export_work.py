"""The GTFS export's work grows with what differs between services, not with their number:
an instant is read in the feed's zone once however many services depart at it, a zone's
offsets are read once a day for all its services, and no service looks its first stop up by
walking the places. Counted, not timed, so a loaded machine cannot fail them."""

from __future__ import annotations

import datetime as dt

import pytest

from corridor.interchange import gtfs_export
from corridor.network import timetable
from corridor.scenario.schema import Scenario


def _scenario(n_services: int) -> Scenario:
    """``n_services`` daily trains between two places, each at its own minute after 10:00."""
    return Scenario.model_validate({
        "name": "many",
        "run": {"start": dt.date(2027, 3, 1), "horizon_days": 7},
        "places": [
            {"id": "A", "name": "A", "kind": "rail_terminal", "country": "LT", "lat": 54.6, "lon": 25.2,
             "tz": "Europe/Vilnius"},
            {"id": "B", "name": "B", "kind": "rail_terminal", "country": "PL", "lat": 52.2, "lon": 21.0,
             "tz": "Europe/Warsaw"},
        ],
        "services": [
            {"id": f"S{k}", "mode": "rail", "unit": "feu", "capacity": 41, "speed_kph": 50,
             "stops": ["A", "B"], "timetable": {"days": "daily", "times": [f"10:{k % 60:02d}"]}}
            for k in range(n_services)
        ],
    })


@pytest.mark.parametrize("n", [1, 60, 120])
def test_instants_are_read_in_the_feed_zone_once_whatever_the_services(monkeypatch, n: int) -> None:
    calls = []
    real = gtfs_export.service_day
    monkeypatch.setattr(gtfs_export, "service_day",
                        lambda instant, tz: calls.append(instant) or real(instant, tz))
    scenario = _scenario(n)
    feed = gtfs_export.build_feed(scenario)
    days = (feed.end - feed.start).days + 1
    # 60 minutes of the hour, ~a year of days each: 120 services depart at the instants of 60
    assert len(calls) == len(set(calls)) <= min(n, 60) * (days + 5)
    assert len(feed.tables["trips.txt"]) >= n


def test_a_zone_is_read_once_a_day_for_all_its_services(monkeypatch) -> None:
    calls = []
    real = timetable._offset_min
    monkeypatch.setattr(timetable, "_offset_min",
                        lambda zi, day, minute: calls.append(day) or real(zi, day, minute))
    timetable._day_offsets_min.cache_clear()
    timetable._utc_offsets_min.cache_clear()
    gtfs_export.build_feed(_scenario(50))
    # two a day (midnight and the last minute) over the window, and the clock times of the
    # two days the clocks change; each service's own times were read every day before
    assert 0 < len(calls) <= 2 * 2 * 400 + 2 * 50 * 2


def test_services_find_their_first_stop_without_walking_the_places(monkeypatch) -> None:
    def walked(self, place_id):  # type: ignore[no-untyped-def]
        raise AssertionError("Scenario.place walks every place: a lookup a service costs 10,000 steps")

    monkeypatch.setattr(Scenario, "place", walked)
    scenario = _scenario(3)
    assert len(gtfs_export.build_feed(scenario).tables["routes.txt"]) == 3
