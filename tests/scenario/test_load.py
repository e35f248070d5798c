"""Loading scenario files and reporting every class of bad input with its location."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import MINIMAL, SCENARIOS
from corridor.errors import ScenarioError
from corridor.scenario import load_scenario


def problems_of(path: Path) -> list:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


def test_minimal_loads_and_airports_filled_from_airportsdata(minimal: Path) -> None:
    s = load_scenario(minimal)
    nqz = s.place("NQZ")
    assert nqz.tz == "Asia/Almaty" and nqz.iata == "NQZ"
    assert nqz.lat == pytest.approx(51.02, abs=0.01) and nqz.lon == pytest.approx(71.47, abs=0.01)
    assert s.service("A2").timetable.weekdays == (0, 2)
    assert s.run.epoch.isoformat() == "2027-03-01T00:00:00+00:00"


def test_given_coordinates_win_over_airportsdata(write) -> None:
    text = MINIMAL.replace(
        "{id: VNO, name: Vilnius, kind: airport, country: LT}",
        "{id: VNO, name: Vilnius, kind: airport, country: LT, lat: 1.5, lon: 2.5, tz: UTC}",
    )
    s = load_scenario(write("s.yaml", text))
    assert (s.place("VNO").lat, s.place("VNO").lon, s.place("VNO").tz) == (1.5, 2.5, "UTC")


def test_invalid_yaml_names_line(write) -> None:
    path = write("bad.yaml", "name: x\nplaces:\n  - {id: A, name: [unclosed\n")
    (p,) = problems_of(path)
    assert p.file == str(path) and p.line == 4 and "invalid YAML" in p.message


def test_unknown_key_suggests_the_close_one(write) -> None:
    path = write("s.yaml", MINIMAL.replace("checkin_min: 120", "chekin_min: 120"))
    (p,) = problems_of(path)
    assert p.path == "places[0].chekin_min"
    assert "did you mean 'checkin_min'" in p.message
    assert p.line == 4


def test_unknown_key_inside_a_distribution_suggests_from_that_distribution(write) -> None:
    text = MINIMAL.replace(
        "    capacity: 180\n  - id: A2",
        "    capacity: 180\n    delay: {dist: lognormal, mean_min: 5, sd_mn: 2}\n  - id: A2",
    )
    probs = problems_of(write("s.yaml", text))
    unknown = [p for p in probs if "sd_mn" in p.path]
    assert unknown and "did you mean 'sd_min'" in unknown[0].message


@pytest.mark.parametrize(
    ("old", "new", "path", "value"),
    [
        ("capacity: 180\n  - id: A2", "capacity: 0\n  - id: A2", "services[0].capacity", "0"),
        ("duration_min: 146", "duration_min: -146", "services[1].duration_min", "-146"),
        ("speed_kph: 780", "speed_kph: 0", "services[0].speed_kph", "0"),
        ("speed_kph: 780", "speed_kph: fast", "services[0].speed_kph", "'fast'"),
        ("horizon_days: 14", "horizon_days: 1.5", "run.horizon_days", "1.5"),
        ("kind: airport, country: TR", "kind: airfield, country: TR", "places[1].kind", "'airfield'"),
    ],
)
def test_bad_values_name_path_and_value(write, old, new, path, value) -> None:
    assert old in MINIMAL
    probs = problems_of(write("s.yaml", MINIMAL.replace(old, new, 1)))
    match = [p for p in probs if p.path == path]
    assert match, probs
    assert value in match[0].message
    assert match[0].line is not None


def test_a_bad_weekday_is_reported_once_by_the_list_not_by_daily(write) -> None:
    # days is "daily" or a list of weekdays: a list with a bad day fails both; only the list's
    # own complaint says what is wrong
    (p,) = problems_of(write("s.yaml", MINIMAL.replace("days: [Mon, Wed]", "days: [Monday, Wed]")))
    assert p.path == "services[1].timetable.days[0]"
    assert "'Mon'" in p.message and "(got 'Monday')" in p.message


def test_unknown_place_reference_has_line_and_hint(write) -> None:
    path = write("s.yaml", MINIMAL.replace("stops: [IST, VNO]", "stops: [IST, VNQ]"))
    (p,) = problems_of(path)
    assert p.path == "services[1].stops[1]"
    assert "'VNQ'" in p.message and "did you mean 'VNO'" in p.message
    assert p.line == 19


def test_a_duration_beside_a_merged_speed_says_both_and_how_to_drop_one(write) -> None:
    # the speed came from a shared mapping, out of the author's sight: the message said only
    # "give either duration_min or speed_kph (exactly one)"
    text = MINIMAL.replace("  - id: A1\n    mode: air",
                           "  - id: A1\n    <<: &air {mode: air, speed_kph: 780}")
    text = text.replace("    speed_kph: 780\n", "")
    text = text.replace("  - id: A2\n    mode: air", "  - id: A2\n    <<: *air")
    (p,) = problems_of(write("s.yaml", text))
    assert p.path == "services[1]" and p.line == 15
    assert "not both (got duration_min 146 and speed_kph 780)" in p.message
    assert "(speed_kph: null)" in p.message
    dropped = text.replace("duration_min: 146", "duration_min: 146\n    speed_kph: null")
    assert load_scenario(write("ok.yaml", dropped)).service("A2").speed_kph is None
    (p,) = problems_of(write("none.yaml", text.replace("    <<: *air\n", "    mode: air\n")
                             .replace("    duration_min: 146\n", "")))
    assert p.message.endswith("neither is given")


@pytest.mark.parametrize(("written", "meant"), [
    ("LTU", "LT"), ("lt", "LT"), ("Lithuania", "LT"), ("ZZ", None), ("L", None),
])
def test_a_country_that_is_no_code_names_the_code_meant(write, written, meant) -> None:
    # 'LTU' and 'lt' said "String should match pattern '^[A-Z]{2}$'", which tells an author
    # nothing of ISO codes; 'ZZ' passed that and was told it is not a code
    old = "{id: VNO, name: Vilnius, kind: airport, country: LT}"
    (p,) = problems_of(write("s.yaml", MINIMAL.replace(old, old.replace("LT", written))))
    assert p.path == "places[2].country" and p.line == 6
    assert p.message.startswith(f"country {written!r} is not an ISO 3166-1 alpha-2 code (e.g. KZ, LT, PL)")
    assert p.message.endswith(f"(did you mean {meant!r}?)" if meant else "PL)")


@pytest.mark.parametrize(("stops", "said"), [
    ("[IST]", "needs at least 2 items, not 1 (got ['IST'])"),
    ("[]", "needs at least 2 items, not 0 (got [])"),
])
def test_a_service_with_fewer_than_two_stops_is_told_in_the_authors_words(write, stops, said) -> None:
    # it said "List should have at least 2 items after validation, not 1": pydantic's words,
    # naming neither the stops given nor anything the author did
    (p,) = problems_of(write("s.yaml", MINIMAL.replace("stops: [IST, VNO]", f"stops: {stops}")))
    assert p.path == "services[1].stops" and p.line == 19
    assert p.message == said


@pytest.mark.parametrize(
    ("written", "meant"),
    [("Asia/Tashkend", "Asia/Tashkent"), ("asia/almaty", "Asia/Almaty"), ("Vilnius", "Europe/Vilnius"),
     ("Europe/Nowhere", None)],
)
def test_a_misspelt_zone_names_the_zone_it_is_close_to(write, written, meant) -> None:
    old = "{id: VNO, name: Vilnius, kind: airport, country: LT}"
    new = f"{{id: VNO, name: Vilnius, kind: airport, country: LT, tz: {written}}}"
    (p,) = problems_of(write("s.yaml", MINIMAL.replace(old, new)))
    assert p.path == "places[2].tz" and p.line == 6
    assert f"unknown IANA time zone {written!r}" in p.message
    if meant is None:
        assert "did you mean" not in p.message
    else:
        assert p.message.endswith(f"(did you mean {meant!r}?)")


def test_duplicate_ids_and_unknown_disruption_target(write) -> None:
    text = MINIMAL.replace("  - id: A2\n", "  - id: A1\n") + (
        "disruptions:\n  - {id: X, target: NOPE, start: 2027-03-02T00:00Z, end: 2027-03-03T00:00Z}\n"
    )
    msgs = {p.path: p.message for p in problems_of(write("s.yaml", text))}
    assert "already used" in msgs["services[1].id"]
    assert "'NOPE'" in msgs["disruptions[0].target"]


def test_a_moment_without_its_offset_is_told_how_to_write_one(write) -> None:
    target = MINIMAL.split("- {id: ", 1)[1].split(",", 1)[0]  # the first place
    closure = "disruptions:\n  - {{id: X, target: {}, start: {}, end: 2027-03-03T00:00Z}}\n"
    (p,) = problems_of(write("s.yaml", MINIMAL + closure.format(target, "2027-03-02T06:00")))
    assert p.path == "disruptions[0].start" and p.line is not None
    assert "UTC offset" in p.message and "'2027-03-02T06:00'" in p.message
    # the forms the message gives as examples are read
    for written in ("2027-03-02T06:00+02:00", "2027-03-02T04:00Z"):
        s = load_scenario(write("ok.yaml", MINIMAL + closure.format(target, written)))
        assert s.disruptions[0].start.timestamp() == datetime(2027, 3, 2, 4, tzinfo=UTC).timestamp()


def test_missing_file() -> None:
    (p,) = problems_of(Path("/nonexistent/nowhere.yaml"))
    assert p.file == "/nonexistent/nowhere.yaml" and "not found" in p.message


def test_only_safe_yaml(write) -> None:
    path = write("s.yaml", "name: !!python/object/apply:os.system ['echo pwned']\n")
    (p,) = problems_of(path)
    assert "'!!python/object/apply:os.system' is not allowed" in p.message


def test_top_level_must_be_a_mapping(write) -> None:
    (p,) = problems_of(write("s.yaml", "- a\n- b\n"))
    assert "mapping" in p.message


def test_naive_disruption_time_rejected(write) -> None:
    text = MINIMAL + (
        "disruptions:\n  - {id: X, target: IST, start: 2027-03-02T00:00, end: 2027-03-03T00:00Z}\n"
    )
    (p,) = problems_of(write("s.yaml", text))
    assert p.path == "disruptions[0].start" and "timezone" in p.message


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_shipped_scenarios_load(name: str) -> None:
    s = load_scenario(SCENARIOS / name)
    assert s.places and s.services and s.demand


@settings(max_examples=300, deadline=None)
@given(headway=st.decimals(min_value=1, max_value=1440, places=2, allow_nan=False, allow_infinity=False),
       first=st.integers(0, 1439), span=st.integers(0, 1439))
def test_headway_departures_are_each_rounded_half_up(headway, first, span) -> None:
    # first + k x headway as the decimal written, to the nearest minute with halves up (as every
    # timetable time is); departures were summed in floats and rounded half to even (22.5 min
    # after 15:00 gave 15:22)
    from fractions import Fraction

    from corridor.scenario.schema import Timetable

    last = min(first + span, 1439)
    clock = lambda m: f"{m // 60:02d}:{m % 60:02d}"  # noqa: E731
    tt = Timetable(headway_min=float(headway), first=clock(first), last=clock(last))
    step, want, k = Fraction(str(headway)), set(), 0
    while first + k * step <= last:
        want.add(math.floor(first + k * step + Fraction(1, 2)))
        k += 1
    assert tt.clock_min == tuple(sorted(want))
