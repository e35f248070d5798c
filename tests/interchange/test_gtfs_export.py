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

# gtfs-kit 9's validator accepts only the basic route types 0-7 and two-digit hours; GTFS
# allows extended types (air is 1100) and trips longer than 99 h (a train from Xi'an takes
# two weeks). These are the only errors it may report, and only on those rows.
KNOWN = {
    "Invalid route_type; maybe has extra space characters",
    "Invalid arrival_time; maybe has extra space characters",
    "Invalid departure_time; maybe has extra space characters",
}


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
    long_rows = {i for i, r in enumerate(raw["stop_times.txt"]) if re.match(r"^\d{3,}:", r["arrival_time"])}
    assert air_rows and long_rows
    for message, rows in zip(errors["message"], errors["rows"], strict=True):
        assert set(rows) == (air_rows if "route_type" in message else long_rows), message
    warnings = set(report.loc[report["type"] == "warning", "message"])
    assert all(
        w.startswith("Unrecognized column corridor_") or w == "Stop has no stop times" for w in warnings
    ), warnings


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
