"""Timetable expansion: local clock times, UTC offsets and daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from conftest import SCENARIOS
from corridor.network.timetable import build_timetable, first_departures_min
from corridor.scenario import load_scenario

EPOCH = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def baseline():
    s = load_scenario(SCENARIOS / "baseline.yaml")
    return s, build_timetable(s)


def test_every_departure_is_a_listed_local_time(baseline) -> None:
    s, tt = baseline
    for k, service in enumerate(s.services):
        zone = ZoneInfo(s.place(service.stops[0]).tz)  # the standard library's own lookup
        starts = tt.service_starts[k]
        if service.timetable is None:  # dispatched (block trains, EU trains): no timetable
            assert starts.size == 0, service.id
            continue
        allowed = {(d, m) for d in service.timetable.weekdays for m in service.timetable.clock_min}
        for t in starts:
            local = (EPOCH + dt.timedelta(minutes=float(t))).astimezone(zone)
            assert (local.weekday(), local.hour * 60 + local.minute) in allowed, (service.id, local)
        # a full week in the middle of the horizon holds exactly the weekly departures
        week = (starts >= 14 * 1440) & (starts < 21 * 1440)
        assert week.sum() == len(allowed), service.id


def test_kazakhstan_is_utc_plus_5(baseline) -> None:
    s, tt = baseline
    k = tt.services.index("TK-NQZ-IST-NIGHT")  # 03:40 local daily
    assert tt.service_starts[k][0] == pytest.approx(1440 - 80)  # 22:40 UTC on the eve = 1 Mar 03:40 +05


def test_summer_time_moves_utc_departures(baseline) -> None:
    _, tt = baseline
    k = tt.services.index("LH-FRA-VNO")  # 12:25 and 19:55 in Frankfurt
    starts = tt.service_starts[k]
    day = np.floor(starts / 1440)
    clock = starts - day * 1440
    before, after = clock[day == 26], clock[day == 27]  # 27 and 28 March 2027
    assert list(before) == [11 * 60 + 25, 18 * 60 + 55]  # CET, UTC+1
    assert list(after) == [10 * 60 + 25, 17 * 60 + 55]  # CEST, UTC+2 from 28 March


def test_istanbul_has_no_summer_time(baseline) -> None:
    _, tt = baseline
    k = tt.services.index("TK-IST-VNO")
    clock = np.unique(tt.service_starts[k] % 1440)
    assert list(clock) == [5 * 60 + 20, 16 * 60 + 40]


def test_clock_time_in_the_spring_gap_uses_the_earlier_offset() -> None:
    # 03:30 on 28 March 2027 does not exist in Vilnius (03:00 EET jumps to 04:00 EEST)
    t = first_departures_min((6,), (3 * 60 + 30,), "Europe/Vilnius", EPOCH, 35 * 1440)
    sundays = [6, 13, 20, 27, 34]  # 7, 14, 21, 28 March and 4 April
    # 01:30 UTC on EET Sundays and on the gap day (read with +02:00), 00:30 UTC once on EEST
    assert t.tolist() == [d * 1440 + 90 for d in sundays[:4]] + [34 * 1440 + 30]


@pytest.mark.parametrize("tz", ["Europe/Vilnius", "Europe/Warsaw", "Australia/Lord_Howe", "America/Santiago"])
def test_a_headway_runs_once_a_minute_on_the_days_clocks_change(tz: str) -> None:
    # every 15 min of the local clock, every day of a year: a time in a spring gap read with
    # the earlier offset lands on the instant of a later clock time, and the service left
    # twice then (03:00 and 04:00 both at 01:00 UTC in Vilnius on 28 March 2027). The
    # departures are the instants of the clock times that exist, each once (zoneinfo, here)
    clock = tuple(range(0, 1440, 15))
    epoch = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    t = first_departures_min(tuple(range(7)), clock, tz, epoch, 365 * 1440)
    zi = ZoneInfo(tz)
    want = set()
    for day in range(-1, 366):
        date = epoch.date() + dt.timedelta(days=day)
        for m in clock:
            local = dt.datetime(date.year, date.month, date.day, m // 60, m % 60, tzinfo=zi)
            utc = local.astimezone(dt.UTC)
            if utc.astimezone(zi).replace(tzinfo=None) != local.replace(tzinfo=None):
                continue  # not on the clock that day: its instant is another clock time's (or none)
            minute = (utc - epoch).total_seconds() / 60
            if 0 <= minute < 365 * 1440:
                want.add(minute)
    assert np.all(np.diff(t) > 0), "two departures at one instant"
    assert set(t.tolist()) == want


def test_arrival_times_keep_segment_offsets(baseline) -> None:
    s, tt = baseline
    k = tt.services.index("KZ-DOSTYK-BREST")
    rows = np.flatnonzero(tt.service == k)
    trips = tt.trip[rows]
    first = rows[trips == trips.min()]
    first = first[np.argsort(tt.segment[first])]
    # consecutive segments of one trip: arrive, dwell 30 min, leave
    gaps = tt.dep_min[first[1:]] - tt.arr_min[first[:-1]]
    assert np.all(gaps == 30)
    assert np.all(np.diff(tt.dep_min) >= 0)  # sorted by departure


def test_trips_are_numbered_service_by_service_in_order_of_departure(baseline) -> None:
    # the engine numbers trips this way without looking them up
    _, tt = baseline
    first = 0
    for s, starts in enumerate(tt.service_starts):
        rows = np.flatnonzero((tt.service == s) & (tt.segment == 0))
        rows = rows[np.argsort(tt.dep_min[rows], kind="stable")]
        assert tt.trip[rows].tolist() == list(range(first, first + starts.size))
        first += starts.size
