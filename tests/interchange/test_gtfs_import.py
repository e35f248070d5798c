"""services_from: a GTFS feed read into a scenario. The shipped small feed against answers
worked out by hand; the baseline's own feed read back gives the planner's answers exactly;
bad feeds are refused with their file, line and value."""

from __future__ import annotations

import datetime as dt
import textwrap
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from corridor.cli import main
from corridor.planning import RoutePlanner
from corridor.scenario import load_scenario
from corridor.scenario.schema import Scenario

MINI = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"  # the small feed

MINI_SCENARIO = """\
name: mini
run: {start: 2027-03-01, horizon_days: 28}
places:
  - {id: VILNIUS, name: Vilnius, kind: city, country: LT, lat: 54.6705, lon: 25.2840, tz: Europe/Vilnius}
  - {id: KAUNAS, name: Kaunas, kind: city, country: LT, lat: 54.8840, lon: 23.9350, tz: Europe/Vilnius}
  - {id: MINSK, name: Minsk, kind: city, country: BY, lat: 53.8910, lon: 27.5510, tz: Europe/Minsk}
services_from:
  gtfs: feed.zip
  routes:
    - VK
    - {id: MV, unit: pax, capacity: 500}
"""


@pytest.fixture
def mini(tmp_path: Path, zip_mini) -> Path:
    zip_mini(tmp_path / "feed.zip")
    (tmp_path / "mini.yaml").write_text(MINI_SCENARIO)
    return tmp_path / "mini.yaml"


def test_the_small_feed_gives_the_hand_worked_answers(mini: Path) -> None:
    scenario = load_scenario(mini)
    services = {s.id: s for s in scenario.services}
    # VK: weekdays at 06:00 (without Monday 8 March) and daily at 23:30: three pieces
    vk = sorted(
        (s.valid_from, s.valid_to, s.timetable.times, s.timetable.days)  # type: ignore[union-attr]
        for s in services.values()
        if s.id.startswith("VK")
    )
    assert vk == [
        (dt.date(2027, 3, 1), dt.date(2027, 3, 5), ["06:00"], ["Mon", "Tue", "Wed", "Thu", "Fri"]),
        (dt.date(2027, 3, 1), dt.date(2027, 3, 31), ["23:30"], "daily"),
        (dt.date(2027, 3, 9), dt.date(2027, 3, 31), ["06:00"], ["Mon", "Tue", "Wed", "Thu", "Fri"]),
    ]
    assert {s.capacity for s in services.values()} == {300, 500}
    assert all(s.mode == "rail" and s.unit == "pax" for s in services.values())
    # MV leaves at 07:00 Vilnius time: 08:00 in Minsk (UTC+3) until the EU moves its clocks
    mv = sorted(
        (s.valid_from, s.valid_to, s.timetable.times)
        for s in services.values()  # type: ignore[union-attr]
        if s.id.startswith("MV")
    )
    assert mv == [
        (dt.date(2027, 3, 1), dt.date(2027, 3, 27), ["08:00"]),
        (dt.date(2027, 3, 28), dt.date(2027, 3, 31), ["07:00"]),
    ]

    planner = RoutePlanner(scenario)
    # Monday 8 March: no 06:00 train, so the 23:30, arriving 24:45 feed time = 00:45 next day
    legs = planner.plan("VILNIUS", "KAUNAS", "2027-03-08T05:00", unit="pax").earliest.to_dict(
        planner.timetable
    )
    assert (legs["depart"], legs["arrive"]) == ("2027-03-08T23:30:00+02:00", "2027-03-09T00:45:00+02:00")
    legs = planner.plan("VILNIUS", "KAUNAS", "2027-03-09T05:00", unit="pax").earliest.to_dict(
        planner.timetable
    )
    assert (legs["depart"], legs["arrive"]) == ("2027-03-09T06:00:00+02:00", "2027-03-09T07:15:00+02:00")
    legs = planner.plan("MINSK", "VILNIUS", "2027-03-10T06:00", unit="pax").earliest.to_dict(
        planner.timetable
    )
    assert (legs["depart"], legs["arrive"]) == ("2027-03-10T08:00:00+03:00", "2027-03-10T09:30:00+02:00")
    legs = planner.plan("MINSK", "VILNIUS", "2027-03-29T06:00", unit="pax").earliest.to_dict(
        planner.timetable
    )
    assert (legs["depart"], legs["arrive"]) == ("2027-03-29T07:00:00+03:00", "2027-03-29T09:30:00+03:00")


def test_validate_cli_accepts_the_feed(mini: Path, capsys) -> None:
    assert main(["validate", str(mini)]) == 0
    assert "5 services" in capsys.readouterr().out


def _roundtrip_pairs(baseline: Scenario) -> list[tuple[str, str, str]]:
    pax = ("NQZ", "VNO", "IST", "FRA", "WAW", "RIX", "HEL")
    cargo = [d for d in baseline.demand if d.kind == "cargo"]
    pairs = [(a, b, "pax") for a in pax for b in pax if a != b and a in ("NQZ", "VNO")]
    pairs += [(d.from_, d.to, "feu") for d in cargo] + [(d.to, d.from_, "feu") for d in cargo[:2]]
    return pairs


def test_round_trip_gives_the_same_plans(exported: Path, baseline: Scenario) -> None:
    again = load_scenario(exported / "roundtrip.yaml")
    assert sorted(s.id for s in again.services) == sorted(s.id for s in baseline.services)
    before, after = RoutePlanner(baseline), RoutePlanner(again)
    dates = [
        "2027-03-01T08:00",
        "2027-03-06T23:30",
        "2027-03-27T22:00",
        "2027-03-28T02:30",
        "2027-06-15T12:00",
        "2027-10-30T21:00",
        "2027-10-31T02:30",
        "2028-01-10T05:00",
    ]
    compared = 0
    for origin, target, unit in _roundtrip_pairs(baseline):
        # passengers: every date within three days; containers ride for weeks: fewer dates
        window = 3.0 if unit == "pax" else 45.0
        for when in dates if unit == "pax" else dates[::3]:
            try:
                a = before.plan(origin, target, when, unit=unit, window_days=window)
            except Exception as exc:  # noqa: BLE001 - the same refusal is expected both ways
                with pytest.raises(type(exc)):
                    after.plan(origin, target, when, unit=unit, window_days=window)
                continue
            b = after.plan(origin, target, when, unit=unit, window_days=window)
            assert b.to_dict() == a.to_dict(), (origin, target, when)
            compared += len(a.itineraries)
    assert compared >= 150  # itineraries compared, all fields of every leg


def test_round_trip_gives_the_same_week_profiles(exported: Path, baseline: Scenario) -> None:
    again = load_scenario(exported / "roundtrip.yaml")
    before, after = RoutePlanner(baseline), RoutePlanner(again)
    cargo = next(d for d in baseline.demand if d.kind == "cargo")
    for origin, target, unit, start in (
        ("NQZ", "VNO", "pax", None),
        ("VNO", "NQZ", "pax", "2027-03-25T00:00"),
        (cargo.from_, cargo.to, "feu", None),
    ):
        a = before.profile(origin, target, unit=unit, start=start)
        b = after.profile(origin, target, unit=unit, start=start)
        assert a.profile.ready_min.size >= 10_000
        np.testing.assert_array_equal(b.profile.arrival_min, a.profile.arrival_min)
        assert b.route_shares() == a.route_shares()


# ---- bad feeds --------------------------------------------------------------------------


def _refused(folder: Path, capsys, scenario: str = "mini.yaml") -> str:
    assert main(["validate", str(folder / scenario)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(("cells", "said"), [
    ("951,23.935000", "stops.txt:3: stop_lat: stop 'KAUNAS': stop_lat '951' is not a number from -90 to 90"),
    ("54.884000,inf", "stops.txt:3: stop_lon: stop 'KAUNAS': stop_lon 'inf' is not a number from -180 "
                      "to 180"),
])
def test_coordinates_given_for_a_stop_of_a_place_id_are_coordinates(mini: Path, zip_mini, capsys, cells: str,
                                                                     said: str) -> None:
    # KAUNAS is a place of the scenario, whose position is used: the feed's latitude 951 or
    # longitude nan was passed over without a word. Empty ones still are (the place's serve).
    text = (MINI / "stops.txt").read_text()
    assert "54.884000,23.935000" in text
    zip_mini(mini.parent / "feed.zip", {"stops.txt": text.replace("54.884000,23.935000", cells)})
    assert f"feed.zip!{said}" in _refused(mini.parent, capsys)
    zip_mini(mini.parent / "feed.zip", {"stops.txt": text.replace("54.884000,23.935000", ",")})
    assert main(["validate", str(mini)]) == 0


@pytest.mark.parametrize(("cells", "said"), [
    # pandas reads a written nan as no value: the message showed ''
    ("nan,25.283000", "(stop_lat empty or NaN, stop_lon '25.283')"),
    (",25.283000", "(stop_lat empty or NaN, stop_lon '25.283')"),
    ("54.670000,181", "(stop_lat '54.67', stop_lon '181')"),
])
def test_a_stop_of_no_place_id_without_coordinates_says_what_it_has(mini: Path, zip_mini, capsys, cells: str,
                                                                    said: str) -> None:
    text = (MINI / "stops.txt").read_text()
    zip_mini(mini.parent / "feed.zip", {"stops.txt": text.replace("54.670000,25.283000", cells)})
    err = _refused(mini.parent, capsys)
    assert ("feed.zip!stops.txt:2: stop_lat: stop 'VLN' has no place of that id and no valid coordinates "
            f"{said}") in err, err


def test_a_stop_that_matches_no_place(mini: Path, zip_mini, capsys) -> None:
    stops = (Path(__file__).resolve().parents[1] / "data" / "gtfs_mini" / "stops.txt").read_text()
    zip_mini(
        mini.parent / "feed.zip", {"stops.txt": stops.replace("54.670000,25.283000", "54.900000,25.283000")}
    )
    err = _refused(mini.parent, capsys)
    assert "feed.zip!stops.txt:2: stop_id: stop 'VLN' (Vilnius railway station) matches no place" in err
    assert "'VILNIUS', is 25.5 km away (services_from.match_km is 1)" in err


def test_stops_no_chosen_trip_calls_at_need_no_place(mini: Path, zip_mini, capsys) -> None:
    # a feed's other stations (Riga, far from every place), a station that parents a platform,
    # and a generic node GTFS lets go without coordinates: each refused the whole import
    stops = (MINI / "stops.txt").read_text() + (
        "RIGA,Riga station,56.946,24.121,0,Europe/Riga\n"
        "VLNST,Vilnius (station),54.67,25.283,1,Europe/Vilnius\n"
        "NODE1,Vilnius node,,,3,\n"
        "ENTR,Vilnius entrance,54.6702,25.2831,2,\n"
    )
    zip_mini(mini.parent / "feed.zip", {"stops.txt": stops})
    assert main(["validate", str(mini)]) == 0, capsys.readouterr().err
    plain = {s.id: s for s in load_scenario(mini).services}
    # a trip that calls at Riga: now it needs a place, and has none
    times = (MINI / "stop_times.txt").read_text()
    first_trip = times.splitlines()[1].split(",")[0]
    zip_mini(mini.parent / "feed.zip", {"stops.txt": stops,
                                        "stop_times.txt": times + f"{first_trip},23:00:00,23:00:00,RIGA,9\n"})
    err = _refused(mini.parent, capsys)
    assert "feed.zip!stops.txt:5: stop_id: stop 'RIGA' (Riga station) matches no place" in err, err
    assert len(plain) == 5


@pytest.mark.parametrize("value", ["7", "-1", "5", "127"])
def test_a_location_type_gtfs_does_not_define(mini: Path, zip_mini, capsys, value: str) -> None:
    stops = (MINI / "stops.txt").read_text().replace("0,Europe/Minsk", f"{value},Europe/Minsk")
    zip_mini(mini.parent / "feed.zip", {"stops.txt": stops})
    err = _refused(mini.parent, capsys)
    assert (f"feed.zip!stops.txt:4: location_type: location_type '{value}' is not one of GTFS's "
            "0, 1, 2, 3, 4 (or empty)") in err, err


def test_a_stop_of_a_place_id_far_from_the_place_is_another_place(mini: Path, zip_mini, capsys) -> None:
    # KAUNAS's own coordinates at (-1, -1): the place's were used, and the feed's 6,600 km away
    # never said; 60 km off (within the 100) the place's are still used
    text = (MINI / "stops.txt").read_text()
    zip_mini(mini.parent / "feed.zip", {"stops.txt": text.replace("54.884000,23.935000", "-1,-1")})
    err = _refused(mini.parent, capsys)
    assert ("feed.zip!stops.txt:3: stop_lat: stop 'KAUNAS' has the id of place 'KAUNAS' but lies 6,618 km "
            "from it") in err, err
    near = text.replace("54.884000,23.935000", "54.884000,24.860000")
    zip_mini(mini.parent / "feed.zip", {"stops.txt": near})
    assert main(["validate", str(mini)]) == 0


def test_a_bad_time_and_a_zone_that_disagrees(mini: Path, zip_mini, capsys) -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    times = (data / "stop_times.txt").read_text().replace("07:15:00,07:15:00", "07:75:00,07:75:00")
    stops = (data / "stops.txt").read_text().replace("0,Europe/Minsk", "0,Europe/Warsaw")
    zip_mini(mini.parent / "feed.zip", {"stop_times.txt": times, "stops.txt": stops})
    err = _refused(mini.parent, capsys)
    assert (
        "feed.zip!stops.txt:4: stop_timezone: stop 'MSQ' is in Europe/Warsaw, but its place 'MINSK' is in "
        "Europe/Minsk" in err
    )


def test_a_trip_run_by_frequency_is_refused_not_read_once(mini: Path, zip_mini, capsys) -> None:
    import zipfile

    feed = zip_mini(mini.parent / "feed.zip")
    with zipfile.ZipFile(feed, "a") as zf:  # the 06:00 Vilnius - Kaunas train every 30 min to 22:00
        zf.writestr("frequencies.txt",
                    "trip_id,start_time,end_time,headway_secs\nVK-0600,06:00:00,22:00:00,1800\n")
    # it was imported as the one 06:00 departure of its stop times
    err = _refused(mini.parent, capsys)
    assert ("feed.zip!frequencies.txt:2: trip_id: trip 'VK-0600' runs every 1800 s from 06:00:00 to "
            "22:00:00; frequency-based trips are not read (write each departure as a trip)") in err


def test_a_trip_of_a_service_id_no_calendar_has_is_refused(mini: Path, zip_mini, capsys) -> None:
    # WEEKDAY (for WEEKDAYS) is in neither calendar.txt nor calendar_dates.txt: the trip ran on
    # no day and was dropped without a word, the feed imported one train short
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    trips = (data / "trips.txt").read_text().replace("VK,WEEKDAYS,VK-0600", "VK,WEEKDAY,VK-0600")
    zip_mini(mini.parent / "feed.zip", {"trips.txt": trips})
    err = _refused(mini.parent, capsys)
    assert ("feed.zip!trips.txt:2: service_id: trip 'VK-0600': service_id 'WEEKDAY' is in neither "
            "calendar.txt nor calendar_dates.txt") in err, err


def test_a_listed_route_that_runs_on_no_day_is_refused(mini: Path, zip_mini, capsys) -> None:
    # every weekday flag 0: both routes ran on no day and the scenario read "OK ... 0 services"
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    lines = (data / "calendar.txt").read_text().splitlines()
    lines[1:] = [",".join([row.split(",")[0], *["0"] * 7, "20270301", "20270331"]) for row in lines[1:]]
    dates = (data / "calendar_dates.txt").read_text().splitlines()[0] + "\n"  # the header alone
    zip_mini(mini.parent / "feed.zip", {"calendar.txt": "\n".join(lines) + "\n", "calendar_dates.txt": dates})
    err = _refused(mini.parent, capsys)
    assert "routes[0]: route 'VK' runs on no day: the calendars (calendar.txt, calendar_dates.txt) give " \
        "none of its 2 trips a date" in err, err
    assert "route 'MV' runs on no day" in err, err


def test_a_listed_route_without_trips_is_refused(mini: Path, zip_mini, capsys) -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    trips, times = ("\n".join(line for line in (data / name).read_text().splitlines() if "MV-" not in line)
                    + "\n" for name in ("trips.txt", "stop_times.txt"))
    zip_mini(mini.parent / "feed.zip", {"trips.txt": trips, "stop_times.txt": times})
    err = _refused(mini.parent, capsys)
    assert "routes[1]: route 'MV' has no trips in trips.txt" in err, err


@pytest.mark.parametrize(("change", "said"), [
    (("07:15:00,07:15:00,KAUNAS", "05:15:00,05:15:00,KAUNAS"),
     "goes back in time at stop 'KAUNAS': arrives 05:15:00 after leaving the stop before at 06:00:00"),
    (("07:15:00,07:15:00,KAUNAS", "07:15:00,07:10:00,KAUNAS"),
     "goes back in time at stop 'KAUNAS': leaves 07:10:00 before it arrives 07:15:00"),
])
def test_a_trip_going_back_in_time_says_both_times(mini: Path, zip_mini, capsys, change, said) -> None:
    # it said '(05:15:00 after 6h)': the time before was cut to its hour, and a stop left before
    # it was reached was said to come 'after 0h'
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    times = (data / "stop_times.txt").read_text().replace(*change)
    zip_mini(mini.parent / "feed.zip", {"stop_times.txt": times})
    err = _refused(mini.parent, capsys)
    assert f"feed.zip!stop_times.txt:3: arrival_time: trip 'VK-0600' {said}" in err, err


@pytest.mark.parametrize(("sequence", "said"), [
    ("1", "stop_sequence 1 is given twice (line 2 too): the order of its stops is not known"),
    ("", "stop_sequence '' is not a whole number 0 or more"),
    ("-2", "stop_sequence '-2' is not a whole number 0 or more"),
])
def test_a_stop_sequence_given_twice_or_missing_is_refused(mini: Path, zip_mini, capsys,
                                                           sequence: str, said: str) -> None:
    # two alike kept the file's order without a word; a missing one was read as 0 and the stop
    # put first, then refused as 'goes back in time' at the stop that was really second
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    times = (data / "stop_times.txt").read_text().replace("07:15:00,KAUNAS,2", f"07:15:00,KAUNAS,{sequence}")
    zip_mini(mini.parent / "feed.zip", {"stop_times.txt": times})
    err = _refused(mini.parent, capsys)
    assert f"feed.zip!stop_times.txt:3: stop_sequence: trip 'VK-0600': {said}" in err, err


def test_trips_without_stop_times_or_given_twice_are_refused(mini: Path, zip_mini, capsys) -> None:
    # a trip with one stop time, or none, was dropped without a word; a trip_id given twice in
    # trips.txt had its stop times read for both (a second service, under the other route)
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    times = "".join(line for line in (data / "stop_times.txt").read_text().splitlines(keepends=True)
                    if not line.startswith("VK-2330") and "07:15:00,KAUNAS" not in line)
    trips = (data / "trips.txt").read_text() + "MV,DAILY,MV-0700,701\n"
    zip_mini(mini.parent / "feed.zip", {"stop_times.txt": times, "trips.txt": trips})
    err = _refused(mini.parent, capsys)
    assert "stop_times.txt:2: trip_id: trip 'VK-0600' has one stop time; a trip needs two or more" in err, err
    assert "trips.txt:3: trip_id: trip 'VK-2330' has no stop times in stop_times.txt" in err, err
    last = trips.count("\n")  # the header is line 1
    assert f"trips.txt:{last}: trip_id: trip_id 'MV-0700' is given twice (line 4 too)" in err, err


def test_a_route_or_stop_id_given_twice_is_refused(mini: Path, zip_mini, capsys) -> None:
    # the second row silently replaced the first (a route's mode, capacity and fare; a stop's
    # place and zone)
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    routes = (data / "routes.txt").read_text()
    stops = (data / "stops.txt").read_text()
    routes += routes.splitlines()[1] + "\n"
    stops += stops.splitlines()[1] + "\n"
    zip_mini(mini.parent / "feed.zip", {"routes.txt": routes, "stops.txt": stops})
    err = _refused(mini.parent, capsys)
    route, stop = routes.splitlines()[1].split(",")[0], stops.splitlines()[1].split(",")[0]
    twice = "is given twice (line 2 too)"
    assert f"routes.txt:{routes.count(chr(10))}: route_id: route_id {route!r} {twice}" in err, err
    assert f"stops.txt:{stops.count(chr(10))}: stop_id: stop_id {stop!r} {twice}" in err, err


def test_lines_are_the_files_own_past_blank_lines_and_quoted_line_breaks(mini: Path, zip_mini,
                                                                      capsys) -> None:
    # the reader skips a blank line and reads a quoted field over two lines as one record: a
    # problem was named at its record's number + 2, two lines above where it is
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    header, first, *rest = (data / "stops.txt").read_text().splitlines()
    first = first.replace("Vilnius railway station", '"Vilnius\nrailway station"')
    rest[-1] = rest[-1].replace("Europe/Minsk", "Europe/Warsaw")
    stops = "\n".join([header, "", first, *rest, first.replace(",54.67", ",54.670")]) + "\n"
    assert stops.splitlines()[5].startswith("MSQ,") and stops.splitlines()[6].startswith("VLN,")
    zip_mini(mini.parent / "feed.zip", {"stops.txt": stops})
    err = _refused(mini.parent, capsys)
    assert "feed.zip!stops.txt:6: stop_timezone: stop 'MSQ' is in Europe/Warsaw" in err, err
    assert "feed.zip!stops.txt:7: stop_id: stop_id 'VLN' is given twice (line 3 too)" in err, err


def test_a_trip_of_a_route_routes_txt_lacks_is_refused_not_dropped(mini: Path, zip_mini, capsys) -> None:
    # the trip belonged to no route the import reads, so it vanished and the feed read "OK"
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    trips = (data / "trips.txt").read_text().replace("VK,DAILY,VK-2330", "VKX,DAILY,VK-2330")
    zip_mini(mini.parent / "feed.zip", {"trips.txt": trips})
    err = _refused(mini.parent, capsys)
    assert "feed.zip!trips.txt:3: route_id: trip 'VK-2330': route_id 'VKX' is not in routes.txt" in err, err



def test_stop_times_of_a_trip_trips_txt_lacks_are_refused_not_dropped(mini: Path, zip_mini, capsys) -> None:
    # the feed read "OK" with the trip gone; a trip without stop times was already refused
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    stop_times = (data / "stop_times.txt").read_text()
    n = stop_times.count("\n")
    zip_mini(mini.parent / "feed.zip", {"stop_times.txt": stop_times + "ZZ-1,08:00:00,08:00:00,VLN,1\n"
                                        "ZZ-1,09:00:00,09:00:00,KAUNAS,2\n"})
    err = _refused(mini.parent, capsys)
    assert f"feed.zip!stop_times.txt:{n + 1}: trip_id: trip_id 'ZZ-1' is not in trips.txt" in err, err
    assert err.count("'ZZ-1'") == 1



def test_a_time_off_the_minute_is_located_with_its_value(mini: Path, zip_mini, capsys) -> None:
    # it said "times are not whole minutes apart" for the trip, with no line and no time
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    stop_times = (data / "stop_times.txt").read_text().replace("VK-0600,07:15:00,07:15:00,KAUNAS",
                                                               "VK-0600,07:15:30,07:15:30,KAUNAS")
    zip_mini(mini.parent / "feed.zip", {"stop_times.txt": stop_times})
    err = _refused(mini.parent, capsys)
    assert ("feed.zip!stop_times.txt:3: arrival_time: trip 'VK-0600': 07:15:30 at stop 'KAUNAS' is not "
            "a whole number of minutes after its first departure 06:00:00") in err, err

def test_a_route_chosen_twice_is_refused_in_the_scenario(mini: Path, capsys) -> None:
    # it was read twice, and refused as services 'VK.1', 'VK.2'... clashing, located in the feed
    mini.write_text(MINI_SCENARIO.replace("    - VK\n", "    - VK\n    - VK\n"))
    err = _refused(mini.parent, capsys)
    assert "mini.yaml:11:7: services_from.routes[1]: route 'VK' is given twice (routes[0] too)" in err, err
    assert "VK.1" not in err

def test_a_shape_point_or_day_flag_the_reader_cannot_take_is_refused_not_dropped(mini: Path, zip_mini,
                                                                                capsys) -> None:
    # a point of inf or 190 degrees was left out of the drawn path, and a calendar flag of 2
    # read as "not on Mondays", each with the feed said to be OK
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    shapes = ("shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n"
              "S,54.6,25.2,1\nS,inf,25.0,2\nS,54.8,190,3\nS,54.9,24.0,nan\n")
    calendar = (data / "calendar.txt").read_text().replace("DAILY,1,1", "DAILY,2,1")
    zip_mini(mini.parent / "feed.zip", {"shapes.txt": shapes})
    err = _refused(mini.parent, capsys)
    assert "shapes.txt:3: shape_pt_lat: shape 'S': shape_pt_lat 'inf' is not a latitude from -90 to 90" in err
    assert "shapes.txt:4: shape_pt_lon: shape 'S': shape_pt_lon '190.0' is not a longitude" in err, err
    assert "shapes.txt:5: shape_pt_sequence: shape 'S': shape_pt_sequence is empty or NaN, not a" in err
    zip_mini(mini.parent / "feed.zip", {"calendar.txt": calendar})
    assert "feed.zip!calendar.txt:3: monday: monday '2' is not 0 or 1" in _refused(mini.parent, capsys)


def test_a_calendar_key_given_twice_is_refused_at_its_second_line(mini: Path, zip_mini, capsys) -> None:
    # DAILY given again as Sundays only was joined with the first row (the trains ran daily),
    # and a day both removed and added by calendar_dates.txt took the later row: both without
    # a word, the feed read as if it said one thing
    calendar = (MINI / "calendar.txt").read_text() + "DAILY,0,0,0,0,0,0,1,20270301,20270331\n"
    zip_mini(mini.parent / "feed.zip", {"calendar.txt": calendar})
    assert "feed.zip!calendar.txt:4: service_id: service_id 'DAILY' is given twice (line 3 too)" in _refused(
        mini.parent, capsys)
    dates = (MINI / "calendar_dates.txt").read_text() + "WEEKDAYS,20270308,1\n"
    zip_mini(mini.parent / "feed.zip", {"calendar_dates.txt": dates})
    assert ("feed.zip!calendar_dates.txt:3: date: service_id 'WEEKDAYS' on 2027-03-08 is given twice "
            "(line 2 too)") in _refused(mini.parent, capsys)


@pytest.mark.parametrize(("name", "text", "column"), [
    ("shapes.txt", "shape_id,shape_pt_lat,shape_pt_lon\nS,54.6,25.2\nS,54.7,25.2\n", "shape_pt_sequence"),
    ("calendar.txt", "service_id,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
     "WEEKDAYS,1,1,1,1,0,0,20270301,20270331\nDAILY,1,1,1,1,1,1,20270301,20270331\n", "monday"),
    ("calendar_dates.txt", "service_id,date,exc\nWEEKDAYS,20270308,2\nDAILY,20270309,2\n", "exception_type"),
    ("frequencies.txt", "trip_id,start_time,end_time\nX,06:00:00,07:00:00\nY,06:00:00,07:00:00\n",
     "headway_secs"),
], ids=["shapes", "calendar", "calendar_dates", "frequencies"])
def test_a_column_a_file_lacks_is_named_at_its_header(mini: Path, zip_mini, capsys, name, text,
                                                      column) -> None:
    # shapes.txt's was a KeyError, then a problem with no line; the others said the last
    # record's line; a calendar without monday said each record's flag was not 0 or 1
    zip_mini(mini.parent / "feed.zip", {name: text})
    err = _refused(mini.parent, capsys)
    assert f"feed.zip!{name}:1: {column}: {name} has no column {column!r}" in err, err
    assert "is not 0 or 1" not in err


@pytest.mark.parametrize(("name", "header", "extra", "column"), [
    ("routes.txt", ",route_type", ",3", "route_type"),   # a bus route behind the rail one
    ("routes.txt", ", route_type", ",3", "route_type"),  # the same, after gtfs-kit strips it
    ("stops.txt", ",stop_lat ", ",10", "stop_lat"),
    ("stop_times.txt", ",departure_time", ",99:99:99", "departure_time"),
], ids=["same", "spaced", "stop_lat", "departure_time"])
def test_a_column_named_twice_is_refused_at_its_header(mini: Path, zip_mini, capsys, name, header,
                                                      extra, column) -> None:
    # written alike, pandas dropped the second column unsaid (a route of two types read as
    # rail); spaced, gtfs-kit stripped both to one name and a cell read as a pair of values
    # ("route_type 'route_type    2\nroute_type    3\nName: 0, dtype: object' has no mode")
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    first, *rest = (data / name).read_text().splitlines()
    text = "\n".join([first + header, *(line + extra for line in rest)]) + "\n"
    zip_mini(mini.parent / "feed.zip", {name: text})
    err = _refused(mini.parent, capsys)
    assert f"feed.zip!{name}:1: {column}: the header names the column {column!r} twice" in err, err
    assert "dtype" not in err


def test_a_header_of_more_columns_than_the_bound_is_refused_before_gtfs_kit_reads_it(
        mini: Path, zip_mini, capsys, monkeypatch) -> None:
    # a header of 200,000 distinct names took pandas 28 s and 680 MB before any was refused
    import gtfs_kit

    def never(*_a: object, **_k: object) -> None:
        raise AssertionError("gtfs-kit read a feed whose header is over the bound")

    monkeypatch.setattr(gtfs_kit, "read_feed", never)
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    first, *rest = (data / "routes.txt").read_text().splitlines()
    extra = "".join(f",x{i}" for i in range(1_001 - first.count(",") - 1))
    rows = [first + extra, *(line + "," * extra.count(",") for line in rest)]
    zip_mini(mini.parent / "feed.zip", {"routes.txt": "\n".join(rows) + "\n"})
    err = _refused(mini.parent, capsys)
    assert "feed.zip!routes.txt:1: the header names 1,001 columns; at most 1,000" in err, err


def test_unnamed_columns_at_the_end_of_a_header_are_read(mini: Path, zip_mini) -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    first, *rest = (data / "routes.txt").read_text().splitlines()
    zip_mini(mini.parent / "feed.zip",
             {"routes.txt": "\n".join([first + ",,", *(line + ",," for line in rest)]) + "\n"})
    assert {s.capacity for s in load_scenario(mini).services} == {300, 500}


def test_a_file_of_more_records_than_the_bound_is_refused_before_gtfs_kit_reads_it(
        mini: Path, capsys, monkeypatch) -> None:
    # 512 MB of stop_times (13.7 million records, a 34 MB zip) within the archive's bounds
    # took 7.6 GB and 3 minutes before pandas had read it and a word was said
    import gtfs_kit

    import corridor.interchange.gtfs_read as gtfs_read

    monkeypatch.setattr(gtfs_read, "MAX_RECORDS", 3)
    monkeypatch.setattr(gtfs_kit, "read_feed", lambda *a, **k: pytest.fail("gtfs-kit read the feed"))
    err = _refused(mini.parent, capsys)
    # the mini feed's calendar.txt has 2 records; its stop_times.txt's fourth starts at line 5
    assert "feed.zip!stop_times.txt:5: stop_times.txt holds more than 3 records, the most a file may" in err


def test_ids_that_pandas_reads_as_missing_are_read_as_written(mini: Path, zip_mini) -> None:
    # a route, its trips and a stop whose ids are "NA" and "None" (ids corridor itself exports)
    # were read with no id: "route_id '' is given twice", or a services[0].id of ''
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    change = {name: (data / name).read_text().replace("MV,", "NA,").replace("MV-", "None-")
              for name in ("routes.txt", "trips.txt", "stop_times.txt")}
    change["stops.txt"] = (data / "stops.txt").read_text().replace("KAUNAS,", "None,")
    change["stop_times.txt"] = change["stop_times.txt"].replace(",KAUNAS,", ",None,")
    assert "None," in change["stops.txt"] and ",None," in change["stop_times.txt"]
    zip_mini(mini.parent / "feed.zip", change)
    (mini.parent / "na.yaml").write_text(MINI_SCENARIO.replace("{id: MV,", "{id: 'NA',"))
    scenario = load_scenario(mini.parent / "na.yaml")
    ids = {s.id for s in scenario.services}
    assert any(i == "NA" or i.startswith("NA.") for i in ids), ids
    assert all(s.stops for s in scenario.services)


def test_a_calendar_date_not_yyyymmdd_is_named_at_its_own_column(mini: Path, zip_mini, capsys) -> None:
    # a bad end_date was reported at start_date, the good date beside it
    calendar = (MINI / "calendar.txt").read_text().replace("WEEKDAYS,1,1,1,1,1,0,0,20270301,20270331",
                                                           "WEEKDAYS,1,1,1,1,1,0,0,20270301,2027-03-31")
    zip_mini(mini.parent / "feed.zip", {"calendar.txt": calendar})
    err = _refused(mini.parent, capsys)
    assert "feed.zip!calendar.txt:2: end_date: end_date '2027-03-31' is not YYYYMMDD" in err
    assert "start_date" not in err


def test_a_bad_time_is_located(mini: Path, zip_mini, capsys) -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    times = (data / "stop_times.txt").read_text().replace("07:15:00,07:15:00", "07:75:00,07:75:00")
    zip_mini(mini.parent / "feed.zip", {"stop_times.txt": times})
    err = _refused(mini.parent, capsys)
    assert "feed.zip!stop_times.txt:3: arrival_time: trip 'VK-0600': time '07:75:00' is not H:MM:SS" in err


def test_a_route_the_feed_lacks_and_one_without_capacity(mini: Path, capsys) -> None:
    mini.write_text(MINI_SCENARIO.replace("    - VK\n", "    - VX\n"))
    err = _refused(mini.parent, capsys)
    assert "mini.yaml:10:7: services_from.routes[0]: route 'VX' is not in feed.zip" in err
    mini.write_text(MINI_SCENARIO.replace("    - {id: MV, unit: pax, capacity: 500}\n", "    - MV\n"))
    err = _refused(mini.parent, capsys)
    assert "feed.zip!routes.txt:3: corridor_unit: route 'MV': the feed does not say its unit" in err


@pytest.mark.parametrize("column", ["corridor_cost_usd", "corridor_co2_kg", "corridor_distance_km"])
@pytest.mark.parametrize("value", ["inf", "-inf", "1e400", "12,5", "abc", "nan", "NA"])
def test_a_corridor_number_the_feed_garbles_is_refused_not_dropped(
    mini: Path, zip_mini, capsys, column: str, value: str
) -> None:
    """A value in a corridor_* column that is no finite number was read as if the cell were
    empty: an 'inf' fare became no fare at all, without a word."""
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    lines = (data / "routes.txt").read_text().splitlines()
    cell = f'"{value}"' if "," in value else value
    routes = [lines[0] + f",{column}", lines[1] + f",{cell}", lines[2] + ","]
    zip_mini(mini.parent / "feed.zip", {"routes.txt": "\n".join(routes) + "\n"})
    err = _refused(mini.parent, capsys)
    shown = "'inf'" if value == "1e400" else "'-inf'" if value == "-inf" else repr(value)  # as read
    assert f"feed.zip!routes.txt:2: {column}: route 'VK': {shown} is not a finite number" in err
    key = {"corridor_cost_usd": "cost_usd", "corridor_co2_kg": "co2_kg"}.get(column, "distance_km")
    mini.write_text(MINI_SCENARIO.replace("    - VK\n", f"    - {{id: VK, {key}: 40}}\n"))
    assert main(["validate", str(mini)]) == 0  # the routes entry says it: the column is not read


@pytest.mark.parametrize(("column", "value", "said"), [
    # pandas read nan and NA as an empty cell: "the feed does not say its capacity"
    ("corridor_capacity", "nan", "capacity 'nan' is not a whole number"),
    ("corridor_capacity", "NA", "capacity 'NA' is not a whole number"),
    # a whole number out of range was refused by each service made from the route, at the
    # service's capacity field, with int(1e308)'s 309 digits for the value
    ("corridor_capacity", "1e308", "capacity '1e+308' is not a whole number from 1 to 100,000"),
    ("corridor_capacity", "0", "capacity '0' is not a whole number from 1 to 100,000"),
    ("corridor_capacity", "100001", "capacity '100001' is not a whole number from 1 to 100,000"),
    # read, then refused as "two stops at the same coordinates" at route_id
    ("corridor_distance_km", "-5", "distance_km -5 is not above 0"),
    ("corridor_distance_km", "0", "distance_km 0 is not above 0"),
])
def test_a_corridor_value_out_of_range_is_refused_at_its_column(
    mini: Path, zip_mini, capsys, column: str, value: str, said: str
) -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    lines = (data / "routes.txt").read_text().splitlines()
    if column == "corridor_capacity":
        routes = [lines[0], lines[1].replace(",pax,300", f",pax,{value}"), lines[2]]
    else:
        routes = [lines[0] + f",{column}", lines[1] + f",{value}", lines[2] + ","]
    zip_mini(mini.parent / "feed.zip", {"routes.txt": "\n".join(routes) + "\n"})
    err = _refused(mini.parent, capsys)
    assert f"feed.zip!routes.txt:2: {column}: route 'VK': {said}" in err, err
    assert err.count("route 'VK'") == 1 and "services[" not in err, err


def test_a_problem_in_a_feed_is_located_at_a_path_found_from_where_the_command_runs(
    mini: Path, zip_mini, capsys, monkeypatch
) -> None:
    # `validate nest/s.yaml` located a bad cell at data/feed.zip!stops.txt, a path relative to
    # the scenario's folder, not to where the command ran
    nest = mini.parent / "nest"
    (nest / "data").mkdir(parents=True)
    stops = (MINI / "stops.txt").read_text().replace("54.670000,25.283000", "abc,25.283000", 1)
    zip_mini(nest / "data" / "feed.zip", {"stops.txt": stops})
    (nest / "s.yaml").write_text(MINI_SCENARIO.replace("gtfs: feed.zip", "gtfs: data/feed.zip"))
    monkeypatch.chdir(mini.parent)
    assert main(["validate", "nest/s.yaml"]) == 2
    err = capsys.readouterr().err
    where = err.splitlines()[1].strip().split("!stops.txt:2:")[0]
    assert Path(where).is_file() and Path(where).samefile(nest / "data" / "feed.zip"), err


@pytest.mark.parametrize(("change", "said"), [
    # a column the feed must have: located at the file's header
    (("route_id,agency_id", "route_ix,agency_id"),
     "!routes.txt:1: route_id: routes.txt has no column 'route_id'"),
    # an imported service the scenario's bounds refuse: located at its route's record
    ((",pax,300", ",boxes,300"), "!routes.txt:2: services[0].unit: Input should be 'pax' or 'feu'"),
    # a capacity out of bounds: refused at its column, once, as the route's own cell
    ((",pax,300", ",pax,1000000000"),
     "!routes.txt:2: corridor_capacity: route 'VK': capacity '1000000000' is not a whole number from 1 "
     "to 100,000"),
])
def test_every_problem_in_a_nested_feed_is_located_where_the_command_runs(
    mini: Path, zip_mini, capsys, monkeypatch, change: tuple[str, str], said: str
) -> None:
    # as above, for a missing column and for a service the scenario refuses once imported: the
    # feed is nest/data/feed.zip from where `validate nest/s.yaml` runs (data/feed.zip in the
    # scenario, which names no file from there)
    nest = mini.parent / "nest"
    (nest / "data").mkdir(parents=True)
    routes = (MINI / "routes.txt").read_text()
    assert routes.count(change[0]) == 1
    zip_mini(nest / "data" / "feed.zip", {"routes.txt": routes.replace(*change)})
    (nest / "s.yaml").write_text(MINI_SCENARIO.replace("gtfs: feed.zip", "gtfs: data/feed.zip"))
    monkeypatch.chdir(mini.parent)
    assert main(["validate", "nest/s.yaml"]) == 2
    err = capsys.readouterr().err
    assert f"  nest/data/feed.zip{said}" in err, err
    assert "  data/feed.zip" not in err, err


def test_not_a_feed_and_a_feed_outside_the_folder(mini: Path, tmp_path: Path, capsys) -> None:
    (mini.parent / "feed.zip").write_text("agency_id,agency_name\n")
    err = _refused(mini.parent, capsys)
    assert "mini.yaml:8:9: services_from.gtfs: feed.zip: not a GTFS zip archive" in err
    mini.write_text(MINI_SCENARIO.replace("gtfs: feed.zip", "gtfs: ../elsewhere/feed.zip"))
    err = _refused(mini.parent, capsys)
    assert "'../elsewhere/feed.zip' leads outside the folders a scenario may read from" in err
    mini.write_text(MINI_SCENARIO.replace("gtfs: feed.zip", "gtfs: missing.zip"))
    err = _refused(mini.parent, capsys)
    assert "services_from.gtfs: missing.zip: no such GTFS feed" in err


def test_a_feed_that_is_a_folder_or_a_pipe_says_so_not_that_it_is_missing(mini: Path, capsys) -> None:
    # both were "no such GTFS feed (a .zip file)", of a name that is there
    import os

    (mini.parent / "folder.zip").mkdir()
    os.mkfifo(mini.parent / "pipe.zip")
    for name, said in (("folder.zip", "folder.zip: a folder, not a GTFS feed (a .zip file)"),
                       ("pipe.zip", "pipe.zip: not a regular file, not a GTFS feed (a .zip file)")):
        mini.write_text(MINI_SCENARIO.replace("gtfs: feed.zip", f"gtfs: {name}"))
        err = _refused(mini.parent, capsys)
        assert f"services_from.gtfs: {said}" in err, err


def test_a_file_that_is_not_utf8_is_located_at_its_line(mini: Path, capsys) -> None:
    # stops.txt saved in a Baltic code page: gtfs-kit said only "'utf-8' codec can't decode
    # byte 0xfe in position 81", not which of the feed's files, nor where
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    with zipfile.ZipFile(mini.parent / "feed.zip", "w") as zf:
        for path in sorted(data.glob("*.txt")):
            text = path.read_text().replace("Vilnius railway", "Vilniaus geležinkelio")
            zf.writestr(path.name, text.encode("cp1257") if path.name == "stops.txt" else text)
    err = _refused(mini.parent, capsys)
    assert "feed.zip!stops.txt:2: not UTF-8 text (byte 0xfe); GTFS files are UTF-8" in err, err


def test_a_file_the_archive_holds_twice_is_refused(mini: Path, capsys) -> None:
    # a zip may hold two members of one name; the feed was read from the last, unsaid (here
    # a Vilnius - Kaunas train of 195 min, not the first copy's 75)
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    with zipfile.ZipFile(mini.parent / "feed.zip", "w") as zf, warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile's own "Duplicate name"
        for path in sorted(data.glob("*.txt")):
            zf.writestr(path.name, path.read_text())
        times = (data / "stop_times.txt").read_text().replace("07:15:00,07:15:00", "09:15:00,09:15:00")
        zf.writestr("stop_times.txt", times)
    err = _refused(mini.parent, capsys)
    said = "services_from.gtfs: feed.zip: stop_times.txt is in the archive twice; a feed holds each file once"
    assert said in err, err


def test_an_imported_id_that_clashes(mini: Path, capsys) -> None:
    text = MINI_SCENARIO + textwrap.dedent("""\
        services:
          - {id: MV.1, mode: road, unit: pax, stops: [VILNIUS, KAUNAS], timetable: {times: ["10:00"]},
             duration_min: 90, capacity: 50}
        """)
    mini.write_text(text)
    err = _refused(mini.parent, capsys)
    assert "feed.zip!routes.txt:3: services[4].id: id 'MV.1' is already used by services[0]" in err


def _with_trailing_commas(text: str) -> str:
    lines = text.splitlines()
    return "\n".join([lines[0]] + [line + "," for line in lines[1:]]) + "\n"


@pytest.mark.parametrize(("name", "change", "said"), [
    # gtfs-kit's reader (pandas) said "could not convert string to float: 'abc'", "Unable to
    # parse string 'x' at position 0" or "cannot safely cast non-equivalent object to int32",
    # naming neither file, line nor column
    ("stops.txt", ("54.670000,25.283000", "abc,25.283000"), "stops.txt:2: stop_lat: 'abc' is not a number"),
    ("routes.txt", ("Kaunas,2,pax", "Kaunas,x,pax"), "routes.txt:2: route_type: 'x' is not a number"),
    ("calendar.txt", ("WEEKDAYS,1,1", "WEEKDAYS,300,1"),
     "calendar.txt:2: monday: '300' is not a whole number from -128 to 127"),
    ("stop_times.txt", ("KAUNAS,2", "KAUNAS,2.5"),
     "stop_times.txt:3: stop_sequence: '2.5' is not a whole number from -2147483648 to 2147483647"),
    # a number too large for a machine integer: "cannot read the feed (OverflowError: Python int
    # too large to convert to C long)", with no line
    ("stop_times.txt", ("KAUNAS,2", "KAUNAS,99999999999999999999"),
     "stop_times.txt:3: stop_sequence: '99999999999999999999' is not a whole number from -2147483648 to "
     "2147483647"),
    # "Error tokenizing data. C error: EOF inside string starting at row 1"
    ("stops.txt", ("Vilnius railway", '"Vilnius railway'),
     "stops.txt:2: the record starting here is not CSV (unexpected end of data; a quote left open?)"),
    # pandas took the first column as the index and read every value one column to the left
    ("stops.txt", ("Europe/Vilnius\nKAUNAS", "Europe/Vilnius,x,y\nKAUNAS"),
     "stops.txt:2: 8 fields where the header names 6"),
    # the same with a comma at the end of every line: trips.txt imported no service, and the
    # feed was "OK" with 0 services
    ("trips.txt", None, "trips.txt:2: 5 fields where the header names 4"),
    # the cell was pandas' NA, said as "time '<NA>' is not H:MM:SS"
    ("stop_times.txt", ("07:15:00,07:15:00", ","),
     "stop_times.txt:3: arrival_time: trip 'VK-0600' has no arrival_time or departure_time at stop "
     "'KAUNAS'; corridor needs a time at every stop"),
])
def test_a_cell_or_record_the_reader_cannot_take_is_located(
    mini: Path, zip_mini, capsys, name: str, change: tuple[str, str] | None, said: str
) -> None:
    text = (MINI / name).read_text()
    if change is None:
        text = _with_trailing_commas(text)
    else:
        assert change[0] in text
        text = text.replace(*change, 1)
    zip_mini(mini.parent / "feed.zip", {name: text})
    err = _refused(mini.parent, capsys)
    assert f"feed.zip!{said}" in err, err


def test_a_frequency_of_more_than_nine_hours_is_read_to_be_refused(mini: Path, zip_mini, capsys) -> None:
    # gtfs-kit reads headway_secs as a 16-bit integer: a 12 h headway was "cannot safely cast
    # non-equivalent int64 to int16", not the refusal of frequency-based trips at its line
    feed = zip_mini(mini.parent / "feed.zip")
    with zipfile.ZipFile(feed, "a") as zf:
        zf.writestr("frequencies.txt",
                    "trip_id,start_time,end_time,headway_secs\nVK-0600,06:00:00,22:00:00,43200\n")
    err = _refused(mini.parent, capsys)
    assert "feed.zip!frequencies.txt:2: trip_id: trip 'VK-0600' runs every 43200 s" in err, err


def test_mangled_feeds_fail_with_a_message_not_a_traceback(tmp_path: Path, zip_mini, capsys) -> None:
    """Random damage to the small feed (cells, columns, lines) loads or is refused with exit 2."""
    import random

    rng = random.Random(14)
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    files = {p.name: p.read_text() for p in sorted(data.glob("*.txt"))}
    junk = ["", "x", "-1", "99:99:99", "1e309", "NaN", "25:00:00", "20270231", "Mars/Olympus", "\u00e9", ","]
    (tmp_path / "mini.yaml").write_text(MINI_SCENARIO)
    outcomes = set()
    for _ in range(60):
        name = rng.choice(sorted(files))
        lines = files[name].splitlines()
        k = rng.randrange(len(lines))
        cells = lines[k].split(",")
        what = rng.randrange(3)
        if what == 0:
            cells[rng.randrange(len(cells))] = rng.choice(junk)
            lines[k] = ",".join(cells)
        elif what == 1:
            del lines[k]
        else:
            lines = [",".join(c for j, c in enumerate(line.split(",")) if j != 1) for line in lines]
        zip_mini(tmp_path / "feed.zip", {name: "\n".join(lines) + "\n"})
        code = main(["validate", str(tmp_path / "mini.yaml")])
        err = capsys.readouterr().err
        assert code in (0, 2) and "Traceback" not in err
        assert code == 0 or "feed.zip" in err or "mini.yaml" in err, err
        assert "gtfs-kit cannot read the feed" not in err, err  # a cell or record is named instead
        outcomes.add(code)
    assert outcomes == {0, 2}


def _cut_mv(data: Path) -> dict[str, str]:
    """The mini feed with the Minsk train cut in two at a timing point on the border (MID, no
    place near it): two trips of one block, the second on a calendar of its own."""
    times = (data / "stop_times.txt").read_text()
    times = "".join(
        line + (",pickup_type,drop_off_type\n" if k == 0 else ",,\n")
        for k, line in enumerate(times.splitlines())
        if not line.startswith("MV-0700")
    )
    times += (
        "MV-0700,07:00:00,07:00:00,MSQ,1,0,1\nMV-0700,08:10:00,08:10:00,MID,2,1,1\n"
        "MV-0700b,08:10:00,08:10:00,MID,2,1,1\nMV-0700b,09:30:00,09:30:00,VLN,3,1,0\n"
    )
    return {
        "stop_times.txt": times,
        "stops.txt": (data / "stops.txt").read_text() + "MID,Border,54.2,26.5,0,Europe/Vilnius\n",
        "trips.txt": (data / "trips.txt").read_text().replace("trip_short_name", "trip_short_name,block_id")
        .replace(",700\n", ",700,MV-0700\n").replace(",600\n", ",600,\n").replace(",2330\n", ",2330,\n")
        + "MV,DAILY2,MV-0700b,700,MV-0700\n",
        "calendar.txt": (data / "calendar.txt").read_text() + "DAILY2,1,1,1,1,1,1,1,20270301,20270331\n",
    }


def test_trips_of_one_block_are_joined_and_timing_points_dropped(mini: Path, zip_mini) -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    whole = {s.id: s for s in load_scenario(mini).services}
    zip_mini(mini.parent / "feed.zip", _cut_mv(data))
    cut = {s.id: s for s in load_scenario(mini).services}
    assert cut.keys() == whole.keys()
    for sid, service in whole.items():
        assert cut[sid].model_dump() == service.model_dump(), sid
    assert all(s.stops == ["MINSK", "VILNIUS"] for k, s in cut.items() if k.startswith("MV"))


def test_a_trip_that_ends_at_a_timing_point(mini: Path, zip_mini, capsys) -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    change = _cut_mv(data)
    change["trips.txt"] = change["trips.txt"].replace("MV,DAILY2,MV-0700b,700,MV-0700\n", "")
    zip_mini(mini.parent / "feed.zip", change)
    err = _refused(mini.parent, capsys)
    assert "trip 'MV-0700' starts or ends at stop 'MID', where nobody boards or leaves" in err


def test_a_route_entry_problem_is_said_once_without_the_text_branch(mini: Path, capsys) -> None:
    # an entry is a route id (text) or a mapping: a bad mapping was also reported as
    # 'services_from.routes[1].constrained-str: expected text, not a mapping'
    mini.write_text(MINI_SCENARIO.replace("capacity: 500}", "capacity: 0}"))
    err = _refused(mini.parent, capsys)
    assert "1 problem in scenario" in err and "constrained-str" not in err, err
    assert "services_from.routes[1].capacity: Input should be greater than or equal to 1 (got 0)" in err


def test_a_fare_basis_column_is_read_and_a_bad_one_refused_at_its_line(mini: Path, zip_mini, capsys) -> None:
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    lines = (data / "routes.txt").read_text().splitlines()
    routes = [lines[0] + ",corridor_fare_basis", lines[1] + ",boarding", lines[2] + ","]
    zip_mini(mini.parent / "feed.zip", {"routes.txt": "\n".join(routes) + "\n"})
    bases = {s.id.split(".")[0]: s.fare_basis for s in load_scenario(mini).services}
    assert bases == {"VK": "boarding", "MV": "distance"}
    routes[1] = lines[1] + ",flat"
    zip_mini(mini.parent / "feed.zip", {"routes.txt": "\n".join(routes) + "\n"})
    err = _refused(mini.parent, capsys)
    assert ("feed.zip!routes.txt:2: corridor_fare_basis: route 'VK': fare basis 'flat' is not "
            "'distance' or 'boarding'") in err, err


def test_two_stops_in_the_same_minute_are_said_so(mini: Path, zip_mini, capsys) -> None:
    # MV reaches Kaunas the minute it leaves Vilnius (common in real feeds): refused as "dwell
    # times differ by 2 min or more (0)", which they did not
    text = (MINI / "stop_times.txt").read_text() + "MV-0700,09:30:00,09:30:00,KAUNAS,3\n"
    zip_mini(mini.parent / "feed.zip", {"stop_times.txt": text})
    err = _refused(mini.parent, capsys)
    assert "it leaves VILNIUS and reaches KAUNAS in the same minute; corridor times every segment at least " \
           "a minute" in err, err
    assert "dwell times differ" not in err


def test_a_two_stop_trip_that_arrives_the_minute_it_leaves_is_said_so(mini: Path, zip_mini, capsys) -> None:
    # a two-stop trip of no time was refused as "services[0].duration_min: Input should be
    # greater than 0 (got 0.0)", naming a field the feed does not have
    text = (MINI / "stop_times.txt").read_text().replace("07:15:00,07:15:00,KAUNAS",
                                                         "06:00:00,06:00:00,KAUNAS")
    zip_mini(mini.parent / "feed.zip", {"stop_times.txt": text})
    err = _refused(mini.parent, capsys)
    assert ("feed.zip!routes.txt:2: route_id: service 'VK.1': it leaves VILNIUS and reaches KAUNAS "
            "in the same minute") in err, err
    assert "duration_min" not in err, err


def test_a_route_of_an_agency_agency_txt_lacks_is_refused_at_its_line(mini: Path, zip_mini, capsys) -> None:
    # it was read without a word, its services run by the feed's one agency (or, of two, by none)
    routes = (MINI / "routes.txt").read_text().replace("MV,LTG,", "MV,BCH,")
    zip_mini(mini.parent / "feed.zip", {"routes.txt": routes})
    err = _refused(mini.parent, capsys)
    assert ("feed.zip!routes.txt:3: agency_id: route 'MV': agency_id 'BCH' is not in agency.txt "
            "('LTG')") in err, err


def test_a_departure_in_the_second_of_a_repeated_hour_is_refused_not_moved(mini: Path, zip_mini,
                                                                           capsys) -> None:
    # On 31 Oct 2027 Vilnius goes from +03 back to +02 at 04:00: its times count from 01:00
    # +03 (noon minus 12 h), so 02:30:00 is the first 03:30 (00:30Z) and 03:30:00 the second
    # (01:30Z). A timetable reads 03:30 as the first, so the second was read an hour early,
    # and the two trips became one departure.
    data = MINI
    times = (data / "stop_times.txt").read_text()
    first = times.replace("23:30:00,23:30:00", "02:30:00,02:30:00").replace("24:45:00,24:45:00",
                                                                          "03:45:00,03:45:00")
    second = "VK-SECOND,03:30:00,03:30:00,VLN,1\nVK-SECOND,04:45:00,04:45:00,KAUNAS,2\n"
    trips = (data / "trips.txt").read_text() + "VK,FOLD,VK-SECOND,2\n"
    calendar_dates = "service_id,date,exception_type\nFOLD,20271031,1\nDAILY,20271031,1\n"
    calendar = (data / "calendar.txt").read_text().replace("DAILY,1,1,1,1,1,1,1,20270301,20270331",
                                                          "DAILY,0,0,0,0,0,0,0,20271031,20271031")
    zip_mini(mini.parent / "feed.zip", {"stop_times.txt": first + second, "trips.txt": trips,
                                        "calendar.txt": calendar, "calendar_dates.txt": calendar_dates})
    err = _refused(mini.parent, capsys)
    assert ("feed.zip!stop_times.txt:8: departure_time: trip 'VK-SECOND' leaves VILNIUS (service day "
            "2027-10-31) at 2027-10-31T03:30+02:00, the second 03:30 of that night's clock change") in err
    assert err.count("clock change") == 1  # the first 03:30 is read as it is
    zip_mini(mini.parent / "feed.zip", {"stop_times.txt": first, "calendar.txt": calendar,
                                        "calendar_dates.txt": calendar_dates})
    vk = next(s for s in load_scenario(mini).services if s.id.startswith("VK") and s.valid_from.month == 10)
    fold_day = dt.date(2027, 10, 31)
    assert (vk.valid_from, vk.valid_to, vk.timetable.times) == (fold_day, fold_day, ["03:30"])


HEADER = "trip_id,arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type\n"


@pytest.mark.parametrize(("rows", "at"), [
    (["VK-0600,06:00:00,06:00:00,NOWHERE,1,0,0", "VK-0600,07:15:00,07:15:00,KAUNAS,2,0,0"], 2),
    (["VK-0600,06:00:00,06:00:00,VLN,1,0,0", "VK-0600,07:15:00,07:15:00,NOWHERE,2,0,0"], 3),
    # in the middle, where nobody boards or leaves: it passed without a word
    (["VK-0600,06:00:00,06:00:00,VLN,1,0,0", "VK-0600,06:30:00,06:30:00,NOWHERE,2,1,1",
      "VK-0600,07:15:00,07:15:00,KAUNAS,3,0,0"], 3),
])
def test_a_stop_time_at_a_stop_stops_txt_lacks_is_refused_at_its_line(mini: Path, zip_mini, capsys,
                                                                      rows: list[str], at: int) -> None:
    # it was said at the trip's line of trips.txt, as a trip that "starts or ends" there
    others = [line + ",0,0" for line in (MINI / "stop_times.txt").read_text().splitlines()[1:]
              if not line.startswith("VK-0600")]
    zip_mini(mini.parent / "feed.zip", {"stop_times.txt": HEADER + "\n".join(rows + others) + "\n"})
    err = _refused(mini.parent, capsys)
    said = "stop_id: trip 'VK-0600': stop_id 'NOWHERE' is not in stops.txt"
    assert f"feed.zip!stop_times.txt:{at}: {said}" in err


def test_removing_a_service_the_extended_scenarios_feed_gives_says_why_it_cannot(mini: Path, capsys) -> None:
    # VK.1 is among the services of mini.yaml (corridor show lists it), but it comes from the
    # feed, read after the files are merged: "not in the extended scenario's services" alone
    # read as a typing slip
    (mini.parent / "child.yaml").write_text("extends: mini.yaml\nname: child\nremove: {services: [VK.1]}\n")
    err = _refused(mini.parent, capsys, "child.yaml")
    assert ("child.yaml:3:21: remove.services[0]: 'VK.1' is not in the extended scenario's services; the "
            "services its services_from reads from a GTFS feed cannot be removed (choose the feed's routes "
            "with services_from.routes)") in err, err


def test_changing_a_service_the_extended_scenarios_feed_gives_says_why_it_cannot(mini: Path, capsys) -> None:
    # an entry of VK.1's id with only the key to change was read as a new service, and refused
    # for its missing keys alone ("missing required key 'mode'"), which the change never meant to give
    (mini.parent / "child.yaml").write_text("extends: mini.yaml\nname: child\nservices:\n"
                                            "  - {id: VK.1, capacity: 100}\n")
    err = _refused(mini.parent, capsys, "child.yaml")
    assert ("child.yaml:4:5: services[0].mode: missing required key 'mode'; if 'VK.1' is meant to change a "
            "service that services_from reads from the GTFS feed, it cannot be changed here (the feed is "
            "read after the files are merged): give the route's values in services_from.routes") in err, err
    assert err.count("services_from.routes") == 1  # said once for the entry, not at each key
    assert "services[0].unit: missing required key 'unit'\n" in err
    # without a feed in the chain, a service given in part is only missing its keys
    (mini.parent / "plain.yaml").write_text("name: plain\nplaces: []\nservices:\n  - {id: X, capacity: 1}\n")
    assert main(["validate", str(mini.parent / "plain.yaml")]) == 2
    assert "services_from" not in capsys.readouterr().err


def test_a_boarding_type_gtfs_does_not_define_or_a_shape_not_in_shapes_txt_is_refused(
        mini: Path, zip_mini, capsys) -> None:
    # pickup_type 9 was read as boarding as usual, and a trip's shape_id that shapes.txt lacks
    # drew it straight: both with the feed said to be OK
    data = Path(__file__).resolve().parents[1] / "data" / "gtfs_mini"
    lines = (data / "stop_times.txt").read_text().splitlines()
    stop_times = "\n".join([lines[0] + ",pickup_type,drop_off_type", lines[1] + ",9,0",
                            lines[2] + ",0,", *(line + ",," for line in lines[3:])]) + "\n"
    zip_mini(mini.parent / "feed.zip", {"stop_times.txt": stop_times})
    err = _refused(mini.parent, capsys)
    said = "pickup_type '9' is not one of GTFS's 0, 1, 2, 3 (or empty)"
    assert f"feed.zip!stop_times.txt:2: pickup_type: {said}" in err
    assert err.count("is not one of GTFS's") == 1, err  # 0 and empty are GTFS's
    trips = (data / "trips.txt").read_text().splitlines()
    with_shape = "\n".join([trips[0] + ",shape_id", trips[1] + ",S", *(t + "," for t in trips[2:])]) + "\n"
    shapes = "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\nT,54.6,25.2,1\nT,54.9,24.0,2\n"
    zip_mini(mini.parent / "feed.zip", {"trips.txt": with_shape, "shapes.txt": shapes})
    err = _refused(mini.parent, capsys)
    assert "feed.zip!trips.txt:2: shape_id: trip 'VK-0600': shape_id 'S' is not in shapes.txt" in err, err
    fixed = with_shape.replace(",S\n", ",T\n")
    zip_mini(mini.parent / "feed.zip", {"trips.txt": fixed, "shapes.txt": shapes})
    assert main(["validate", str(mini)]) == 0


@pytest.mark.parametrize(("name", "row", "where"), [
    ("calendar_dates.txt", "DAILY,99991231,1\n",
     "calendar_dates.txt:3: date: service_id 'DAILY': 9999-12-31"),
    ("calendar.txt", "LATE,1,1,1,1,1,1,1,21001201,21010131\n",
     "calendar.txt:4: end_date: service_id 'LATE': 2101-01-31"),
    ("calendar.txt", "EARLY,1,1,1,1,1,1,1,19891201,19900131\n",
     "calendar.txt:4: start_date: service_id 'EARLY': 1989-12-01"),
], ids=["added-day", "period-end", "period-start"])
def test_a_calendar_day_outside_the_scenario_dates_is_refused_at_its_own_line(
        mini: Path, zip_mini, capsys, name: str, row: str, where: str) -> None:
    # a day of year 9999 added in calendar_dates.txt was refused at the route that used it
    # (routes.txt:2: services[3].valid_to), four times, and not at the line that gave it
    text = (MINI / name).read_text() + row
    files = {name: text}
    if name == "calendar.txt":  # the new service_id's trips: the DAILY trips moved onto it
        sid = row.split(",")[0]
        files["trips.txt"] = (MINI / "trips.txt").read_text().replace(",DAILY,", f",{sid},")
    zip_mini(mini.parent / "feed.zip", files)
    err = _refused(mini.parent, capsys)
    assert f"feed.zip!{where} is outside 1990 to 2100, the dates a scenario may take, and trip" in err, err
    assert "valid_to" not in err and "valid_from" not in err, err
    assert err.count("is outside 1990 to 2100") == 1, err


def test_a_far_day_of_a_service_no_route_uses_still_loads(mini: Path, zip_mini, capsys) -> None:
    # the check is of the trips read: a service_id of the feed that no chosen route runs on is
    # left be, as before
    dates = (MINI / "calendar_dates.txt").read_text() + "UNUSED,99991231,1\n"
    zip_mini(mini.parent / "feed.zip", {"calendar_dates.txt": dates})
    assert main(["validate", str(mini)]) == 0, capsys.readouterr().err
