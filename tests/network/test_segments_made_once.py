"""A service's segments are worked out once however many parts of corridor ask for them (the
network, the timetable, validate's checks): a scenario of 20,000 services spent 6.5 s of
validate's 17 working each out three times. The same objects give the same segments; a
changed place or service gives its own."""

from __future__ import annotations

from conftest import SCENARIOS
from corridor.network import build_network, segments
from corridor.network.segments import implausible_speeds, service_segments
from corridor.network.timetable import build_timetable
from corridor.scenario import load_scenario


def test_each_service_is_worked_out_once(monkeypatch) -> None:
    made = []
    real = segments._segments

    def counted(service, places, stops):  # noqa: ANN001, ANN202
        made.append(service.id)
        return real(service, places, stops)

    monkeypatch.setattr(segments, "_segments", counted)
    monkeypatch.setattr(segments, "_MADE", type(segments._MADE)())
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    build_network(scenario)
    build_timetable(scenario)
    implausible_speeds(scenario)
    assert sorted(made) == sorted(s.id for s in scenario.services)  # once each, not three times


def test_a_moved_place_gives_its_own_segments() -> None:
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    places = {p.id: p for p in scenario.places}
    service = next(s for s in scenario.services if s.mode == "rail" and s.speed_kph is not None)
    first = service_segments(service, places)
    assert service_segments(service, places) == first
    far = places[service.stops[-1]].model_copy(update={"lat": places[service.stops[-1]].lat + 5.0})
    moved = service_segments(service, {**places, far.id: far})
    assert moved[-1].distance_km > first[-1].distance_km
    assert service_segments(service, places) == first  # the original still read back
