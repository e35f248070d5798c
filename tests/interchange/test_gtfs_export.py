"""The exported GTFS feed: gtfs-kit reads and validates it, and its trips, read back by an
independent reading of the GTFS rule (the standard library's zoneinfo, not corridor's code),
are exactly the planner's departures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from zoneinfo import ZoneInfo

from corridor.cli import main
from corridor.interchange.gtfs_export import ROUTE_TYPES, calendar_rows, write_gtfs
from corridor.interchange.gtfs_read import read_feed, validate
from corridor.network.segments import service_segments
from corridor.network.timetable import build_timetable
from corridor.scenario.schema import Scenario
from corridor.units import MIN_PER_DAY

# gtfs-kit 9's validator accepts only the basic route types 0-7 (a hard-coded range(8));
# GTFS allows extended types (air is 1100). That is the only error it may report, and only
# on the air routes' rows. Times are two-digit hours: trips that would reach 100 h are cut
# into pieces sharing a block_id, so no time-format error is left.
KNOWN = {"Invalid route_type; maybe has extra space characters"}
TIME_RE = re.compile(r"^\d\d:[0-5]\d:[0-5]\d$")


def tables(path: Path) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(path) as zf:
        return {
            name: list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8")))) for name in zf.namelist()
        }


def test_gtfs_kit_reads_and_validates_the_feed(exported: Path) -> None:
    feed = read_feed(exported / "feed.zip")
    report = validate(feed)
    errors = report[report["type"] == "error"]
    assert set(errors["message"]) <= KNOWN, errors
    raw = tables(exported / "feed.zip")
    air_rows = {i for i, r in enumerate(raw["routes.txt"]) if r["route_type"] == "1100"}
    assert air_rows
    for rows in errors["rows"]:
        assert set(rows) == air_rows
    warnings = set(report.loc[report["type"] == "warning", "message"])
    assert all(
        w.startswith("Unrecognized column corridor_") or w == "Stop has no stop times" for w in warnings
    ), warnings


def test_no_stop_time_reaches_100_hours(exported: Path) -> None:
    """The two-week trains and five-week voyages are cut into pieces (one block each run):
    every time has two-digit hours, and gtfs-kit's validator finds no time-format error."""
    raw = tables(exported / "feed.zip")
    times = [t for r in raw["stop_times.txt"] for t in (r["arrival_time"], r["departure_time"])]
    assert all(TIME_RE.match(t) for t in times), [t for t in times if not TIME_RE.match(t)][:5]
    assert max(int(t.split(":")[0]) for t in times) < 100
    report = validate(read_feed(exported / "feed.zip"))
    errors = report[report["type"] == "error"]
    assert not errors["message"].str.contains("time").any(), errors
    assert set(errors["message"]) <= KNOWN, errors
    assert any(t["block_id"] for t in raw["trips.txt"])  # the long runs were cut


def test_pieces_of_a_cut_trip_meet_at_a_stop_at_the_same_instant(exported: Path) -> None:
    """Each later piece begins at the stop and instant (read with zoneinfo and the GTFS rule)
    its block's previous piece ends at; pieces are on their own service days."""
    raw = tables(exported / "feed.zip")
    tz = ZoneInfo(raw["agency.txt"][0]["agency_timezone"])
    calendar = {r["service_id"]: r for r in raw["calendar.txt"]}
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    rows: dict[str, list[dict[str, str]]] = {}
    for r in raw["stop_times.txt"]:
        rows.setdefault(r["trip_id"], []).append(r)

    def seconds(text: str) -> int:
        h, m, s = (int(x) for x in text.split(":"))
        return h * 3600 + m * 60 + s

    def instants(trip: dict[str, str], row: dict[str, str]) -> set[tuple[dt.datetime, dt.datetime]]:
        cal = calendar[trip["service_id"]]
        day = dt.datetime.strptime(cal["start_date"], "%Y%m%d").date()
        end = dt.datetime.strptime(cal["end_date"], "%Y%m%d").date()
        out = set()
        while day <= end:
            if cal[names[day.weekday()]] == "1":
                noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=tz).astimezone(dt.UTC)
                start = noon - dt.timedelta(hours=12)
                out.add(
                    (
                        start + dt.timedelta(seconds=seconds(row["arrival_time"])),
                        start + dt.timedelta(seconds=seconds(row["departure_time"])),
                    )
                )
            day += dt.timedelta(days=1)
        return out

    blocks: dict[str, list[dict[str, str]]] = {}
    for trip in raw["trips.txt"]:
        if trip["block_id"]:
            blocks.setdefault(trip["block_id"], []).append(trip)
    assert {b.split(".c")[0] for b in blocks} >= {"KZ-DOSTYK-BREST", "SEA-SHANGHAI-ROTTERDAM"}
    for block, trips in blocks.items():
        head = [t for t in trips if t["trip_id"] == block]
        assert len(head) == 1 and rows[block][0]["stop_sequence"] == "0"
        last_seq = max(int(rows[t["trip_id"]][-1]["stop_sequence"]) for t in trips)
        ends, begins = set(), set()
        for trip in trips:
            mine = rows[trip["trip_id"]]
            assert mine[-1]["pickup_type"] == "1" and mine[0]["drop_off_type"] == "1"
            if int(mine[-1]["stop_sequence"]) < last_seq:
                ends |= {(mine[-1]["stop_id"], *pair) for pair in instants(trip, mine[-1])}
            if trip is not head[0]:
                begins |= {(mine[0]["stop_id"], *pair) for pair in instants(trip, mine[0])}
        # every piece but the last goes on where the next begins, and only there
        assert ends and ends == begins, block


def test_a_feed_of_long_trips_without_air_has_no_errors(baseline: Scenario, tmp_path: Path) -> None:
    places = {p.id: p for p in baseline.places}
    long = [
        s
        for s in baseline.services
        if s.timetable is not None
        and s.mode != "air"
        and service_segments(s, places)[-1].arrive_offset_min >= 100 * 60
    ]
    assert {s.stops.__len__() for s in long} >= {2, 7}  # cut at stops, and at timing points
    path = tmp_path / "long.zip"
    write_gtfs(baseline.model_copy(update={"services": long}), path)
    report = validate(read_feed(path))
    assert not (report["type"] == "error").any(), report[report["type"] == "error"]


def test_a_feed_without_air_or_long_trips_has_no_errors(baseline: Scenario, tmp_path: Path) -> None:
    places = {p.id: p for p in baseline.places}
    short = [
        s
        for s in baseline.services
        if s.timetable is not None
        and s.mode != "air"
        and service_segments(s, places)[-1].arrive_offset_min < 70 * 60
    ]
    assert len(short) >= 3
    scenario = baseline.model_copy(update={"services": short})
    path = tmp_path / "short.zip"
    write_gtfs(scenario, path)
    report = validate(read_feed(path))
    assert not (report["type"] == "error").any(), report[report["type"] == "error"]


def test_route_types_and_corridor_columns(exported: Path, baseline: Scenario) -> None:
    raw = tables(exported / "feed.zip")
    routes = {r["route_id"]: r for r in raw["routes.txt"]}
    timetabled = [s for s in baseline.services if s.timetable is not None]
    assert set(routes) == {s.id for s in timetabled}
    for s in timetabled:
        assert (
            int(routes[s.id]["route_type"])
            == {"rail": 2, "ferry": 4, "sea": 4, "road": 3, "air": 1100}[s.mode]
        )
        assert routes[s.id]["corridor_capacity"] == str(s.capacity)
        assert routes[s.id]["corridor_fare_basis"] == s.fare_basis
        if s.cost_usd is not None:  # as given (its segments' shares added up to 3288.9999999999995)
            assert float(routes[s.id]["corridor_cost_usd"]) == s.cost_usd
    assert ROUTE_TYPES["air"] == 1100
    agencies = raw["agency.txt"]
    assert len({a["agency_timezone"] for a in agencies}) == 1  # GTFS: one zone per feed
    stops = {s["stop_id"]: s for s in raw["stops.txt"]}
    assert (
        stops["NQZ"]["stop_timezone"] == "Asia/Almaty" and stops["VNO"]["stop_timezone"] == "Europe/Vilnius"
    )


def test_trips_are_exactly_the_planners_departures(exported: Path, baseline: Scenario) -> None:
    """Every (route, first departure instant) the feed describes, expanded here from
    calendar.txt with zoneinfo and GTFS's noon-minus-12h rule, against the planner's own
    timetable over the feed's period (days local at each first stop)."""
    raw = tables(exported / "feed.zip")
    tz = ZoneInfo(raw["agency.txt"][0]["agency_timezone"])
    info = raw["feed_info.txt"][0]
    first = dt.datetime.strptime(info["feed_start_date"], "%Y%m%d").date()
    last = dt.datetime.strptime(info["feed_end_date"], "%Y%m%d").date()
    calendar = {r["service_id"]: r for r in raw["calendar.txt"]}
    first_stop: dict[str, tuple[str, int]] = {}
    for r in raw["stop_times.txt"]:
        if r["stop_sequence"] == "0":
            h, m, s = (int(x) for x in r["departure_time"].split(":"))
            first_stop[r["trip_id"]] = (r["stop_id"], h * 3600 + m * 60 + s)
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    from_feed = set()
    for trip in raw["trips.txt"]:
        if trip["block_id"] not in ("", trip["trip_id"]):
            assert trip["trip_id"] not in first_stop  # a later piece of a cut trip: no departure
            continue
        cal = calendar[trip["service_id"]]
        day = dt.datetime.strptime(cal["start_date"], "%Y%m%d").date()
        end = dt.datetime.strptime(cal["end_date"], "%Y%m%d").date()
        while day <= end:
            if cal[names[day.weekday()]] == "1":
                noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=tz).astimezone(dt.UTC)
                instant = noon - dt.timedelta(hours=12) + dt.timedelta(seconds=first_stop[trip["trip_id"]][1])
                from_feed.add((trip["route_id"], instant))
            day += dt.timedelta(days=1)

    epoch = baseline.run.epoch
    start_min = ((first - epoch.date()).days - 2) * MIN_PER_DAY
    end_min = ((last - epoch.date()).days + 3) * MIN_PER_DAY
    tt = build_timetable(baseline, start_min=start_min, end_min=end_min)
    from_planner = set()
    for k, service in enumerate(baseline.services):
        if service.timetable is None:
            continue
        zone = ZoneInfo(baseline.place(service.stops[0]).tz)
        for minutes in tt.service_starts[k]:
            instant = epoch + dt.timedelta(minutes=float(minutes))
            if first <= instant.astimezone(zone).date() <= last:
                from_planner.add((service.id, instant))
    assert len(from_planner) > 10_000
    assert from_feed == from_planner


def test_transfers_say_connection_times_and_links(exported: Path, baseline: Scenario) -> None:
    raw = tables(exported / "feed.zip")
    rows = {(r["from_stop_id"], r["to_stop_id"]): int(r["min_transfer_time"]) for r in raw["transfers.txt"]}
    for p in baseline.places:
        if p.min_connection_min > 0:
            assert rows[(p.id, p.id)] == round(p.min_connection_min * 60)
    for link in baseline.links:
        a, b = baseline.place(link.from_), baseline.place(link.to)
        # alight, connection time, the link, then the larger of check-in and connection time
        expected = (a.min_connection_min + link.duration_min + max(b.checkin_min, b.min_connection_min)) * 60
        assert rows[(link.from_, link.to)] == round(expected)


def test_calendar_rows_reproduce_any_set_of_days() -> None:
    import random

    rng = random.Random(3)
    base = dt.date(2027, 1, 1)
    for _ in range(200):
        days = {base + dt.timedelta(days=rng.randrange(120)) for _ in range(rng.randrange(1, 60))}
        if rng.random() < 0.5:  # a weekly pattern with a hole
            days = {base + dt.timedelta(days=k) for k in range(120) if k % 7 in (0, 3)} - days
        if not days:
            continue
        back = set()
        for mask, lo, hi in calendar_rows(days):
            back |= {
                lo + dt.timedelta(days=k)
                for k in range((hi - lo).days + 1)
                if (lo + dt.timedelta(days=k)).weekday() in mask
            }
        assert back == days


def test_cli_export_writes_every_format(tmp_path: Path, capsys) -> None:
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
    outs = {
        "--gtfs": tmp_path / "f.zip",
        "--geojson": tmp_path / "n.geojson",
        "--graphml": tmp_path / "g.graphml",
        "--gpkg": tmp_path / "n.gpkg",
    }
    assert main(["export", str(scenario), *(x for kv in outs.items() for x in (kv[0], str(kv[1])))]) == 0
    for path in outs.values():
        assert path.is_file() and path.stat().st_size > 0
    text = capsys.readouterr().out
    assert re.search(r"f.zip: \d+ routes, \d+ trips, 2027-03-01 to 2028-02-28, times in \w+/\w+", text)


def test_cli_export_refuses_bad_requests(tmp_path: Path, capsys) -> None:
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
    assert main(["export", str(scenario)]) == 2
    assert "at least one of --gtfs" in capsys.readouterr().err
    assert main(["export", str(scenario), "--gtfs", str(tmp_path / "feed.txt")]) == 2
    err = capsys.readouterr().err
    assert "feed.txt: a GTFS feed is a .zip file" in err and "Traceback" not in err
    assert not (tmp_path / "feed.txt").exists()
    assert (
        main(["export", str(scenario), "--gtfs", str(tmp_path / "f.zip"), "--timezone", "Mars/Olympus"]) == 2
    )
    assert "Mars/Olympus" in capsys.readouterr().err and not (tmp_path / "f.zip").exists()
    # an empty zone was taken as no --timezone at all, and the default zone used unsaid
    assert main(["export", str(scenario), "--gtfs", str(tmp_path / "f.zip"), "--timezone", ""]) == 2
    assert "unknown IANA time zone ''" in capsys.readouterr().err and not (tmp_path / "f.zip").exists()
    # tzdata's zone of an unset clock, refused for a place, was taken for the feed's agency
    assert main(["export", str(scenario), "--gtfs", str(tmp_path / "f.zip"), "--timezone", "Factory"]) == 2
    assert "'Factory' is the zone of an unset clock" in capsys.readouterr().err
    assert not (tmp_path / "f.zip").exists()


def test_cli_export_dates_are_bounded_as_a_scenario_s(tmp_path: Path, capsys) -> None:
    import pytest

    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
    for day in ("9999-12-30", "1900-01-01"):  # an OverflowError traceback; a feed for 1900
        with pytest.raises(SystemExit) as exc:
            main(["export", str(scenario), "--gtfs", str(tmp_path / "f.zip"), "--start", day])
        assert exc.value.code == 2
        assert f"date {day} is outside 1990 to 2100" in capsys.readouterr().err
    assert not (tmp_path / "f.zip").exists()


def test_cli_export_checks_every_output_before_writing_any(tmp_path: Path, capsys) -> None:
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
    # the feed was written, then the GeoJSON name refused: exit 2 with half the outputs there
    assert main(["export", str(scenario), "--gtfs", str(tmp_path / "f.zip"),
                 "--geojson", str(tmp_path / "n.txt")]) == 2
    assert "n.txt: a GeoJSON file ends in .geojson (or .json)" in capsys.readouterr().err
    assert main(["export", str(scenario), "--gtfs", str(tmp_path / "f.zip"),
                 "--gpkg", str(tmp_path / "n.txt")]) == 2
    assert "n.txt: a GeoPackage file ends in .gpkg" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_cli_export_refuses_one_file_for_two_outputs(tmp_path: Path, capsys) -> None:
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
    same = tmp_path / "network.json"
    # the GraphML silently replaced the GeoJSON just written, and the exit status was 0
    assert main(["export", str(scenario), "--geojson", str(same), "--graphml", str(same)]) == 2
    assert f"{same}: given for both --geojson and --graphml" in capsys.readouterr().err
    assert not same.exists()


def test_cli_export_never_writes_over_a_file_the_scenario_is_read_from(exported: Path, tmp_path: Path,
                                                                       capsys) -> None:
    # `export roundtrip.yaml --gtfs feed.zip` replaced the scenario's own services_from feed with
    # the export (other route ids), and the scenario no longer loaded: its input was lost
    import shutil

    folder = tmp_path / "copy"
    shutil.copytree(exported, folder)
    feed, base = folder / "feed.zip", folder / "baseline.yaml"
    before = feed.read_bytes(), base.read_bytes()
    assert main(["export", str(folder / "roundtrip.yaml"), "--gtfs", str(feed)]) == 2
    assert f"{feed}: the scenario is read from this file (services_from); write --gtfs elsewhere" in \
        capsys.readouterr().err
    # the file it extends, and the scenario itself, written as .json
    assert main(["export", str(folder / "roundtrip.yaml"), "--graphml", str(base)]) == 2
    assert f"{base}: the scenario is read from this file (extends); write --graphml elsewhere" in \
        capsys.readouterr().err
    shutil.copy(base, folder / "b.json")
    assert main(["export", str(folder / "b.json"), "--geojson", str(folder / "b.json")]) == 2
    assert "the scenario is read from this file; write --geojson elsewhere" in capsys.readouterr().err
    assert (feed.read_bytes(), base.read_bytes()) == before


def test_a_feed_without_trips_is_not_written(tmp_path: Path, capsys) -> None:
    # an export period the services do not run in (or a scenario of links and dispatched services
    # only) wrote a feed of 0 trips, without agency.txt for the second: a feed that
    # services_from then refused ("the feed has no agency.txt"), and no timetable to anyone else
    from conftest import MINIMAL

    scenario = tmp_path / "s.yaml"
    seasonal = "    capacity: 180\n    valid_from: 2027-06-01\n"
    scenario.write_text(MINIMAL.replace("    capacity: 180\n", seasonal))
    feed, geojson = tmp_path / "f.zip", tmp_path / "f.geojson"
    argv = ["export", str(scenario), "--gtfs", str(feed), "--geojson", str(geojson)]
    assert main([*argv, "--start", "2027-01-01", "--end", "2027-02-01"]) == 2
    err = capsys.readouterr().err
    assert "nothing to write: no timetabled service runs from 2027-01-01 to 2027-02-01" in err
    assert not feed.exists() and not geojson.exists()
    links = tmp_path / "links.yaml"
    links.write_text(MINIMAL.split("services:")[0]
                     + "links:\n  - {id: L, from: NQZ, to: IST, mode: road, duration_min: 60}\n")
    assert main(["export", str(links), "--gtfs", str(feed)]) == 2
    assert "nothing to write: the scenario has no timetabled service" in capsys.readouterr().err
    assert main([*argv, "--start", "2027-06-01", "--end", "2027-06-30"]) == 0
    assert feed.is_file() and geojson.is_file()


def test_a_scenario_without_places_exports_no_feed_and_no_traceback(tmp_path: Path, capsys) -> None:
    # `export --gtfs` of a scenario with no places (it validates: 0 places, 0 services) took the
    # feed's default zone from places[0]: an IndexError traceback and exit status 1
    scenario = tmp_path / "empty.yaml"
    scenario.write_text("name: empty\nrun: {start: 2027-03-01}\nplaces: []\n")
    feed = tmp_path / "f.zip"
    assert main(["export", str(scenario), "--gtfs", str(feed)]) == 2
    err = capsys.readouterr().err
    assert f"{feed}: nothing to write: the scenario has no timetabled service" in err
    assert "Traceback" not in err and not feed.exists()


def _first_departures(raw: dict[str, list[dict[str, str]]]) -> set[tuple[str, dt.datetime]]:
    """(route, UTC instant) of every trip's first departure, expanded from calendar.txt and
    calendar_dates.txt by GTFS's rule: seconds from noon minus 12 h of each service day."""
    tz = ZoneInfo(raw["agency.txt"][0]["agency_timezone"])
    names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    days: dict[str, set[dt.date]] = {}
    for cal in raw["calendar.txt"]:
        day = dt.datetime.strptime(cal["start_date"], "%Y%m%d").date()
        end = dt.datetime.strptime(cal["end_date"], "%Y%m%d").date()
        days[cal["service_id"]] = set()
        while day <= end:
            if cal[names[day.weekday()]] == "1":
                days[cal["service_id"]].add(day)
            day += dt.timedelta(days=1)
    first = {r["trip_id"]: r["departure_time"] for r in raw["stop_times.txt"] if r["stop_sequence"] == "0"}
    out = set()
    for trip in raw["trips.txt"]:
        h, m, s = (int(x) for x in first[trip["trip_id"]].split(":"))
        for day in days[trip["service_id"]]:
            noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=tz).astimezone(dt.UTC)
            since = dt.timedelta(seconds=h * 3600 + m * 60 + s)
            out.add((trip["route_id"], noon - dt.timedelta(hours=12) + since))
    return out


def test_the_period_asked_for_is_days_of_the_feed_s_zone(tmp_path: Path) -> None:
    # GTFS: feed_start_date..feed_end_date are service days in the agency's zone. A1 leaves
    # Astana (+05) daily at 03:40, 22:40Z the evening before, 17:40 of that day in New York:
    # the New York days 2-4 March hold the Astana departures of 3-5 March. The period was read
    # as Astana's dates: a departure on 1 March (New York) in, the one of 4 March out.
    from conftest import MINIMAL

    scenario = tmp_path / "s.yaml"
    scenario.write_text(MINIMAL)
    feed = tmp_path / "f.zip"
    assert main(["export", str(scenario), "--gtfs", str(feed), "--timezone", "America/New_York",
                 "--start", "2027-03-02", "--end", "2027-03-04"]) == 0
    raw = tables(feed)
    utc = dt.UTC
    assert _first_departures(raw) == {
        *(("A1", dt.datetime(2027, 3, d, 22, 40, tzinfo=utc)) for d in (2, 3, 4)),
        ("A2", dt.datetime(2027, 3, 3, 5, 20, tzinfo=utc)),  # Istanbul (+03) Wednesday 08:20
    }
    info = raw["feed_info.txt"][0]
    assert (info["feed_start_date"], info["feed_end_date"]) == ("20270302", "20270304")


def test_a_period_taken_from_the_scenario_covers_every_day_its_trips_run(tmp_path: Path) -> None:
    # without --start/--end the period is a year of local dates from run.start; in New York
    # the first Astana departure (1 March 03:40 +05) runs on 28 February, before the
    # feed_start_date the feed gave
    from conftest import MINIMAL

    scenario = tmp_path / "s.yaml"
    scenario.write_text(MINIMAL)
    feed = tmp_path / "f.zip"
    assert main(["export", str(scenario), "--gtfs", str(feed), "--timezone", "America/New_York"]) == 0
    raw = tables(feed)
    info = raw["feed_info.txt"][0]
    assert info["feed_start_date"] == "20270228"
    assert all(info["feed_start_date"] <= c["start_date"] and c["end_date"] <= info["feed_end_date"]
               for c in raw["calendar.txt"])
    assert ("A1", dt.datetime(2027, 2, 28, 22, 40, tzinfo=dt.UTC)) in _first_departures(raw)
