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
    # Monday's 03:40 TK night flight is gone and the first flight out is TK's 15:10 (Mon/Wed/Fri/Sun).
    # NQZ-IST keeps out of Russia (the computed path, 3,728.1 km, via Azerbaijan and Georgia) and
    # flies west into the wind (east share -0.910): block 30 + 3728.1 / (780 - 65 x 0.910) x 60
    # = 340.3 -> 340 min: lands 15:10 +05 = 10:10 UTC + 5:40 = 15:50 UTC = 18:50 +03. IST's
    # 60 min MCT misses the 19:40 TK to VNO, so the 08:20 next morning: 1,756.1 km round
    # Ukraine and Belarus, east share -0.179, block 30 + 1756.1 / 768.3 x 60 = 167.1 -> 167 min:
    # 05:20 UTC + 2:47 = 08:07 UTC = 10:07 +02 (EET) on Tuesday.
    # Tuesday's 03:40 night flight (22:40 UTC Monday, the same fare 320 and block 340 min) lands
    # 04:20 UTC = 07:20 +03, an hour before that 08:20: the same arrival, transfers, cost and CO2,
    # leaving 11 h 30 later. The plan shows that one: 22:40 UTC to 08:07 UTC, 9 h 27 on the way.
    result = baseline.plan("NQZ", "VNO", "2027-03-01T08:00")
    first = result.itineraries[0].to_dict(baseline.timetable)
    assert [leg["service"] for leg in first["legs"]] == ["TK-NQZ-IST-NIGHT", "TK-IST-VNO"]
    assert first["legs"][0]["depart"] == "2027-03-02T03:40:00+05:00"
    assert first["legs"][0]["arrive"] == "2027-03-02T07:20:00+03:00"
    assert first["legs"][1]["depart"] == "2027-03-02T08:20:00+03:00"
    assert first["arrive"] == "2027-03-02T10:07:00+02:00"
    assert first["duration_min"] == 9 * 60 + 27  # Mon 22:40 to Tue 08:07 UTC
    assert first["transfers"] == 1 and first["cost"] == 500


def test_direct_flight_on_thursday(direct) -> None:
    # Thursday 4 March: KC 08:30 +05 = 03:30 UTC; the computed path round RU, BY and UA is
    # 5,205.5 km, east share -0.7015 (westbound): 30 + 5205.5 / (780 - 65 x 0.7015) x 60 = 455.3
    # min = 7 h 35: 11:05 UTC = 13:05 +02.
    result = direct.plan("NQZ", "VNO", "2027-03-04T06:00", direct_only=True)
    (only,) = result.itineraries
    d = only.to_dict(direct.timetable)
    assert d["depart"] == "2027-03-04T08:30:00+05:00"
    assert d["arrive"] == "2027-03-04T13:05:00+02:00"
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
    assert new.total_min.min() == pytest.approx(455 + 120)  # check-in plus the direct block


def test_cargo_xian_duisburg_by_dostyk_and_malaszewicze(baseline) -> None:
    result = baseline.plan("XIAN", "DUISBURG", "2027-03-01T08:00")
    first = result.itineraries[0]
    names = [leg.name for leg in first.legs]
    # through Dostyk and then one of the gateways into the EU (the baseline has five; which is
    # earliest on the timetable alone is not the point: the simulation splits among them)
    assert names[0] == "CN-XIAN-DOSTYK" and "ALASHANKOU-DOSTYK" in names
    gateways = ("MALASZEWICZE", "KUZNICA", "SIEMIANOWKA", "SESTOKAI", "BRANIEWO")
    assert names[-1] in {f"EU-{g}-DUISBURG" for g in gateways}
    days = first.duration_min / 1440
    # FACTS: express 9 d 19 h; standard 12-14 days. The timetable alone (no queues, the EU
    # leg at its published 18.2 km/h) must not be slower than the standard's upper end
    assert 9.0 <= days <= 14.0
    assert all(leg.mode == "rail" or leg.kind == "link" for leg in first.legs)
