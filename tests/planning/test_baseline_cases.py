"""Hand-checked itineraries on the shipped scenarios, with the arithmetic written out."""

from __future__ import annotations

import pytest

from conftest import SCENARIOS
from corridor.planning import RoutePlanner
from corridor.scenario import load_scenario


@pytest.fixture(scope="module")
def baseline() -> RoutePlanner:
    return RoutePlanner(load_scenario(SCENARIOS / "baseline.yaml"))


@pytest.fixture(scope="module")
def direct() -> RoutePlanner:
    return RoutePlanner(load_scenario(SCENARIOS / "direct_flight.yaml"))


def test_nqz_ist_vno_on_monday_1_march(baseline) -> None:
    # Ready in Astana at 08:00 (+05) on Monday 1 March 2027; check-in at NQZ is 120 min, so
    # the 03:40 TK night flight is gone and the first flight out is TK's 15:10 (Mon/Wed/Fri/Sun).
    # NQZ-IST is 3,410 km: block 30 + 3410/780*60 = 292.3 -> 292 min: lands 15:10 +05 =
    # 10:10 UTC + 4:52 = 15:02 UTC = 18:02 +03. IST's 60 min MCT allows the 19:40 TK to VNO:
    # 1,508 km, block 30 + 116.0 = 146 min: 16:40 UTC + 2:26 = 19:06 UTC = 21:06 +02 (EET).
    result = baseline.plan("NQZ", "VNO", "2027-03-01T08:00")
    first = result.itineraries[0].to_dict(baseline.timetable)
    assert [leg["service"] for leg in first["legs"]] == ["TK-NQZ-IST-DAY", "TK-IST-VNO"]
    assert first["legs"][0]["depart"] == "2027-03-01T15:10:00+05:00"
    assert first["legs"][0]["arrive"] == "2027-03-01T18:02:00+03:00"
    assert first["legs"][1]["depart"] == "2027-03-01T19:40:00+03:00"
    assert first["arrive"] == "2027-03-01T21:06:00+02:00"
    assert first["duration_min"] == 15 * 60 + 56 - 7 * 60  # 10:10 to 19:06 UTC = 8 h 56
    assert first["transfers"] == 1 and first["cost"] == 500


def test_direct_flight_on_thursday(direct) -> None:
    # Thursday 4 March: KC 08:30 +05 = 03:30 UTC, ~4,980 km detour -> 30 + 383 = 413 min
    # = 6 h 53: 10:23 UTC = 12:23 +02.
    result = direct.plan("NQZ", "VNO", "2027-03-04T06:00", direct_only=True)
    (only,) = result.itineraries
    d = only.to_dict(direct.timetable)
    assert d["depart"] == "2027-03-04T08:30:00+05:00"
    assert d["arrive"] == "2027-03-04T12:23:00+02:00"
    assert d["transfers"] == 0


def test_offset_in_depart_is_honoured(baseline) -> None:
    local = baseline.plan("NQZ", "VNO", "2027-03-01T08:00")
    utc = baseline.plan("NQZ", "VNO", "2027-03-01T03:00+00:00")
    assert local.ready_min == utc.ready_min == 180.0


def test_direct_flight_shortens_the_week(baseline, direct) -> None:
    base = baseline.profile("NQZ", "VNO").profile
    new = direct.profile("NQZ", "VNO").profile
    assert (new.arrival_min <= base.arrival_min).all()  # adding a service never hurts
    assert new.total_min.mean() < base.total_min.mean()
    assert new.total_min.min() == pytest.approx(413 + 120)  # check-in plus the direct block


def test_cargo_xian_duisburg_by_dostyk_and_malaszewicze(baseline) -> None:
    result = baseline.plan("XIAN", "DUISBURG", "2027-03-01T08:00")
    first = result.itineraries[0]
    names = [leg.name for leg in first.legs]
    assert names == ["CN-XIAN-DOSTYK", "KZ-DOSTYK-BREST", "BUG-BRIDGE", "EU-MALASZEWICZE-DUISBURG"]
    days = first.duration_min / 1440
    # FACTS: express 9 d 19 h; standard 12-14 days. The timetable alone (no queues, the EU
    # leg at its published 18.2 km/h) must not be slower than the standard's upper end
    assert 9.0 <= days <= 14.0
    assert all(leg.mode == "rail" or leg.kind == "link" for leg in first.legs)
