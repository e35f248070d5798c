"""Air CO2: each take-off and landing counted apart from cruise by distance (EEA/ICAO method,
FACTS), so a one-stop journey emits more than a nonstop over the same distance."""

from __future__ import annotations

import pytest

from conftest import SCENARIOS
from corridor.network.geo import path_km
from corridor.network.paths import segment_paths
from corridor.network.segments import service_segments
from corridor.planning import RoutePlanner
from corridor.scenario import load_scenario
from corridor.scenario.schema import Place


@pytest.fixture(scope="module")
def direct():
    return load_scenario(SCENARIOS / "direct_flight.yaml")


def test_segment_co2_is_cruise_by_km_plus_one_cycle(direct) -> None:
    places = {p.id: p for p in direct.places}
    for service in direct.services:
        if service.mode != "air":
            continue
        assert service.co2_kg_per_cycle > 0, service.id
        for seg, path in zip(service_segments(service, places), segment_paths(service, places), strict=True):
            km = path_km(path) * service.circuity
            expected = service.co2_g_per_unit_km * km / 1000 + service.co2_kg_per_cycle
            assert seg.co2_kg == pytest.approx(expected, rel=1e-9), service.id


def test_a_stop_on_the_way_adds_one_cycle(direct) -> None:
    """The direct flight split at a point on its own path: same distance, one more cycle."""
    places = {p.id: p for p in direct.places}
    nonstop = direct.service("KC-NQZ-VNO")
    (seg,) = service_segments(nonstop, places)
    turns = segment_paths(nonstop, places)[0]
    mid = {"id": "MID", "name": "a turn of the route", "kind": "city", "country": "RO",
           "lat": turns[len(turns) // 2][0], "lon": turns[len(turns) // 2][1], "tz": "Europe/Bucharest"}
    places["MID"] = Place.model_validate(mid)
    split = nonstop.model_copy(update={"stops": ["NQZ", "MID", "VNO"]})
    legs = service_segments(split, places)
    km = sum(s.distance_km for s in legs)
    assert km == pytest.approx(seg.distance_km, abs=5.0)  # each leg routed again on its own
    per_km = nonstop.co2_g_per_unit_km / 1000
    assert sum(s.co2_kg for s in legs) == pytest.approx(per_km * km + 2 * nonstop.co2_kg_per_cycle, rel=1e-9)
    assert sum(s.co2_kg for s in legs) - seg.co2_kg == pytest.approx(nonstop.co2_kg_per_cycle, abs=0.5)


def test_every_one_stop_nqz_vno_emits_more_than_the_direct(direct) -> None:
    result = RoutePlanner(direct).plan("NQZ", "VNO", "2027-03-01T08:00", window_days=7)
    nonstop = [i for i in result.itineraries if i.transfers == 0]
    one_stop = [i for i in result.itineraries if i.transfers == 1]
    assert nonstop and one_stop
    assert max(i.co2_kg for i in nonstop) < min(i.co2_kg for i in one_stop)
