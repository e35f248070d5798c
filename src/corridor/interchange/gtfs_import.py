"""Services from a GTFS feed, for a scenario's ``services_from: {gtfs: FILE, routes: [...]}``.

The feed is read with gtfs-kit (:mod:`corridor.interchange.gtfs_read`). Each chosen route
becomes one or more corridor services:

* its stops map to the scenario's places: by ``stop_id`` equal to a place id, else to the
  nearest place within ``match_km``; a stop that maps to nothing, or whose ``stop_timezone``
  keeps another UTC offset than its place, is an error at its line of stops.txt;
* stop times are read in the feed's time zone (``agency_timezone``) with the GTFS rule
  (noon minus 12 h of the service day), so each departure is an instant, then written as a
  weekly pattern in local time at the first stop's place, as corridor timetables are;
* trips with the same stops and running times form one service per set of days they run on
  (calendar.txt periods and calendar_dates.txt exceptions, as many periods as it takes);
  one service keeps the route's id, several take ``ROUTE.1``, ``ROUTE.2``...;
* trips that share a ``block_id`` and follow each other (one ends at the stop and instant
  the next begins: a rider stays seated) are one run, as corridor cuts trips that would reach
  100 h into pieces; stops where nobody boards or leaves (``pickup_type`` and
  ``drop_off_type`` 1 in every row, timing points) inside a run are dropped, and need no place;
* running times are reproduced to the minute: a two-stop service by ``duration_min``, a
  longer one by a speed per segment and one dwell (segments.py rounds them back to the same
  minutes);
* what GTFS lacks (unit, capacity, cost, CO2) comes from the route's entry in ``routes`` or
  from the ``corridor_*`` columns corridor writes (:mod:`corridor.interchange.gtfs_export`).

Every problem is reported with its file (``feed.zip!stops.txt``), line and bad value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import numpy as np

from corridor.errors import Problem, ScenarioError
from corridor.interchange.gtfs_export import calendar_rows
from corridor.interchange.gtfs_read import FeedError, read_feed, record_lines
from corridor.interchange.gtfs_time import day_start, format_time, parse_time
from corridor.network.geo import great_circle_km
from corridor.scenario.schema import (
    FIRST_DATE,
    LAST_DATE,
    MAX_CAPACITY,
    MAX_WAYPOINTS,
    WEEKDAYS,
    FareBasis,
    Place,
)
from corridor.timezone import zone

#: corridor mode of each GTFS route type: basic types, and the extended ranges by hundreds.
BASIC_MODES = {
    0: "rail",
    1: "rail",
    2: "rail",
    3: "road",
    4: "ferry",
    5: "rail",
    6: "rail",
    7: "rail",
    11: "road",
    12: "rail",
}
EXTENDED_MODES = {
    1: "rail",
    2: "road",
    4: "rail",
    7: "road",
    8: "road",
    9: "rail",
    10: "ferry",
    11: "air",
    12: "ferry",
    13: "rail",
    14: "rail",
    15: "road",
    17: "road",
}
#: Columns corridor reads from each table (GTFS requires them too).
REQUIRED = {
    "agency": ("agency_name", "agency_timezone"),
    "stops": ("stop_id",),
    "routes": ("route_id",),
    "trips": ("route_id", "service_id", "trip_id"),
    "stop_times": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "calendar": ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                 "sunday", "start_date", "end_date"),
    "calendar_dates": ("service_id", "date", "exception_type"),
    "frequencies": ("trip_id", "start_time", "end_time", "headway_secs"),
}
MAX_SPAN_DAYS = 3700  # a calendar period longer than ten years is refused
SpecProblem = Callable[[tuple[str | int, ...], str], Problem]


@dataclass
class Imported:
    """A service read from the feed, with where it came from (for error messages)."""

    data: dict[str, Any]
    file: str
    line: int


def route_mode(route_type: int) -> str | None:
    """The corridor mode of a GTFS route type, or None if it has none.

    >>> route_mode(2), route_mode(1100), route_mode(4), route_mode(700), route_mode(99)
    ('rail', 'air', 'ferry', 'road', None)
    """
    if route_type in BASIC_MODES:
        return BASIC_MODES[route_type]
    if 100 <= route_type < 1800:
        return EXTENDED_MODES.get(route_type // 100)
    return None


class _Reader:
    def __init__(self, path: Path, shown: str) -> None:
        self.path = path
        self.shown = shown
        self.problems: list[Problem] = []
        self._lines: dict[str, list[int]] = {}  # per table, where each record starts
        self.stop_rows: dict[str, list[int]] = {}  # per trip read, its stop_times records in order

    def line(self, table: str, row: int) -> int:
        """The line of ``table`` where its record ``row`` (from 0, as the reader numbers them)
        starts: the reader skips blank lines and a quoted field may span lines, so it is not
        always ``row + 2``. Row -1 is the header, line 1."""
        if row < 0:
            return 1
        lines = self._lines.get(table)
        if lines is None:
            lines = self._lines[table] = record_lines(self.path, table)
        return lines[row] if row < len(lines) else row + 2

    def problem(self, table: str, row: int | None, column: str, message: str) -> None:
        line = None if row is None else self.line(table, row)
        self.problems.append(Problem(f"{self.shown}!{table}", line, None, column, message))


def _text(value: Any) -> str:
    """A cell as text: "" for a missing one (None, NaN, or pandas' NA, which prints as '<NA>')."""
    if type(value) is str:  # most cells: a feed's stop_times may hold millions
        return value.strip()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value).strip()
    return "" if text == "<NA>" and not isinstance(value, str) else text


def _as_written(text: str) -> str:
    """A number pandas read as a float, as its author most likely wrote it (951.0 as 951,
    1000000000.0 as 1000000000, 1e308 as 1e+308); other text as it is.

    >>> _as_written("951.0"), _as_written("1000000000.0"), _as_written("1e+308"), _as_written("abc")
    ('951', '1000000000', '1e+308', 'abc')
    """
    try:
        x = float(text)
    except ValueError:
        return text
    return f"{x:.0f}" if x.is_integer() and abs(x) < 1e15 else f"{x:g}"


def _shown_cell(value: Any) -> str:
    """A cell for a message: as written, or "empty or NaN" where pandas read none (a 'nan' the
    author wrote reads as none, and showed as '')."""
    text = _text(value)
    return repr(_as_written(text)) if text else "empty or NaN"


def _texts(column: Any) -> list[str]:
    """Every cell of a column as :func:`_text` reads it: the column taken out of pandas at
    once, not cell by cell (seconds a million cells of an Arrow-backed column)."""
    return [_text(v) for v in column.tolist()]


def _number(value: Any) -> float | None:
    text = _text(value)
    if not text:
        return None
    try:
        out = float(text)
    except ValueError:
        return None
    return out if math.isfinite(out) else None


def _coordinate(value: Any, bound: float) -> bool:
    """Left empty, or a number from -``bound`` to ``bound``."""
    if not _text(value):
        return True
    number = _number(value)
    return number is not None and -bound <= number <= bound


def import_services(
    path: Path, shown: str, spec: Any, places: list[Place], spec_problem: SpecProblem
) -> list[Imported]:
    """The services of the routes ``spec`` chooses from the feed at ``path``.

    ``shown`` is how the feed is named in messages at the scenario's ``services_from`` (as
    written there); a problem inside the feed is located at ``path`` (as found from where the
    command runs, the scenario's folder and the name joined); ``spec`` the validated
    ``services_from``;
    ``spec_problem(loc, message)`` locates a problem in the scenario file (loc inside
    ``services_from``). Raises :class:`ScenarioError` with every problem found.
    """
    where = str(path)
    try:
        feed = read_feed(path)
    except FeedError as exc:
        if exc.member is not None:  # a file of the feed, at its line
            raise ScenarioError([Problem(f"{where}!{exc.member}", exc.line, None, exc.column,
                                          str(exc))]) from None
        raise ScenarioError([spec_problem(("gtfs",), str(exc).replace(str(path), shown, 1))]) from None
    r = _Reader(path, where)
    for table in ("agency", "stops", "routes", "trips", "stop_times"):
        frame = getattr(feed, table, None)
        if frame is None:
            raise ScenarioError(
                [Problem(where, None, None, "", f"the feed has no (or an empty) {table}.txt")]
            )
        missing = [c for c in REQUIRED[table] if c not in frame.columns]
        if missing:
            raise ScenarioError([Problem(f"{where}!{table}.txt", 1, None, missing[0],
                                         f"{table}.txt has no column {missing[0]!r}")])
    if getattr(feed, "calendar", None) is None and getattr(feed, "calendar_dates", None) is None:
        raise ScenarioError(
            [Problem(where, None, None, "", "the feed has neither calendar.txt nor calendar_dates.txt")]
        )

    tz_names = sorted({_text(z) for z in feed.agency["agency_timezone"]})
    feed_tz = None
    if len(tz_names) != 1:
        r.problem(
            "agency.txt",
            0,
            "agency_timezone",
            f"agencies give {len(tz_names)} time zones ({', '.join(tz_names)}); GTFS allows one",
        )
    else:
        try:
            feed_tz = zone(tz_names[0])
        except KeyError:
            r.problem("agency.txt", 0, "agency_timezone", f"unknown IANA time zone {tz_names[0]!r}")
    agency_names = {
        _text(a): _text(n)
        for a, n in zip(
            feed.agency.get("agency_id", [""] * len(feed.agency)), feed.agency["agency_name"], strict=True
        )
    }

    routes = feed.routes.reset_index(drop=True)
    route_row = _unique_ids(r, "routes.txt", "route_id", routes["route_id"])
    wanted: list[tuple[str, Any, int | None]] = []  # (route id, its entry in spec.routes, index there)
    if spec.routes is None:
        wanted = [(rid, None, None) for rid in route_row]
    else:
        for i, entry in enumerate(spec.routes):
            rid = entry if isinstance(entry, str) else entry.id
            if rid not in route_row:
                close = [k for k in route_row if k.lower() == rid.lower()]
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                raise ScenarioError([spec_problem(("routes", i), f"route {rid!r} is not in {shown}{hint}")])
            twice = next((j for r_id, _, j in wanted if r_id == rid), None)
            if twice is not None:
                raise ScenarioError([spec_problem(("routes", i), f"route {rid!r} is given twice "
                                                  f"(routes[{twice}] too)")])
            wanted.append((rid, None if isinstance(entry, str) else entry, i))

    trips = feed.trips.reset_index(drop=True)
    trips_of: dict[str, list[int]] = defaultdict(list)
    for k, rid in enumerate(trips["route_id"]):
        trips_of[_text(rid)].append(k)
        if _text(rid) not in route_row:  # no route of any name would read it: it was dropped
            trip = _text(trips["trip_id"].iloc[k])
            r.problem("trips.txt", k, "route_id",
                      f"trip {trip!r}: route_id {_text(rid)!r} is not in routes.txt")
    chosen = {_text(t) for rid, _, _ in wanted for t in trips["trip_id"].iloc[trips_of[rid]]}
    timing = _timing_points(r, feed)
    # only the stops the chosen trips call at need a place: a national feed's other stations,
    # its entrances and nodes (which GTFS lets go without coordinates) were refused
    used = {stop for trip, stop in zip(_texts(feed.stop_times["trip_id"]),
                                        _texts(feed.stop_times["stop_id"]), strict=True)
            if trip in chosen}
    stop_place = _map_stops(r, feed, places, spec.match_km, timing, used)
    days_of, far = _service_days(r, feed)
    if r.problems or feed_tz is None:
        raise ScenarioError(r.problems)
    _refuse_frequencies(r, feed, chosen)
    _check_trips(r, feed, trips, chosen, days_of, far)
    times = _trip_times(r, feed, chosen)
    place_of = {p.id: p for p in places}
    shapes = _shapes(r, feed)
    if "shape_id" in trips and not r.problems:  # GTFS: a trip's shape is one of shapes.txt (one
        # that was not, the trip was drawn straight without a word)
        trip_shapes = zip(_texts(trips["trip_id"]), _texts(trips["shape_id"]), strict=True)
        for k, (trip, shape) in enumerate(trip_shapes):
            if shape and trip in chosen and shape not in shapes:
                r.problem("trips.txt", k, "shape_id",
                          f"trip {trip!r}: shape_id {shape!r} is not in shapes.txt")

    out: list[Imported] = []
    idle: list[Any] = []  # listed routes none of whose trips runs on a day: nothing to import
    for rid, entry, listed in wanted:
        row = route_row[rid]
        fields = _route_fields(r, routes.iloc[row], row, entry, agency_names)
        if fields is None:
            continue
        # pattern (places, offsets) -> first-stop local clock minute -> local dates
        patterns: dict[tuple[tuple[str, ...], tuple[int, ...]], dict[int, set[dt.date]]] = {}
        shape_of: dict[tuple[tuple[str, ...], tuple[int, ...]], str] = {}
        for k, trip_id, stops, stamps, run_days in _runs(trips, trips_of[rid], times, days_of, feed_tz):
            inner = [i for i in range(1, len(stops) - 1) if stops[i] in timing]
            if inner:
                stops = [x for i, x in enumerate(stops) if i not in inner]
                stamps = [x for i, x in enumerate(stamps) if i not in inner]
            unplaced = [x for x in stops if x not in stop_place]
            if unplaced:
                r.problem(
                    "trips.txt",
                    k,
                    "trip_id",
                    f"trip {trip_id!r} starts or ends at stop {unplaced[0]!r}, "
                    "where nobody boards or leaves and no place matches",
                )
                continue
            mapped = tuple(stop_place[s] for s in stops)
            if any(a == b for a, b in zip(mapped, mapped[1:], strict=False)):
                r.problem(
                    "trips.txt",
                    k,
                    "trip_id",
                    f"trip {trip_id!r} stops twice in a row at place "
                    f"{next(a for a, b in zip(mapped, mapped[1:], strict=False) if a == b)!r}",
                )
                continue
            first = stamps[0][1]
            offsets = tuple(s - first for pair in stamps for s in pair)
            if any(o % 60 for o in offsets):
                j = next(j for j, pair in enumerate(stamps) if any((x - first) % 60 for x in pair))
                odd = next(x for x in stamps[j] if (x - first) % 60)
                said = (f"trip {trip_id!r}: {format_time(odd)} at stop {stops[j]!r} is not a whole "
                        f"number of minutes after its first departure {format_time(first)}; corridor "
                        "timetables are to the minute")
                # the stop's record: the j-th stop kept past the timing points (none for a run
                # joined from a block's trips, whose stops are not one trip's records)
                rows = r.stop_rows.get(trip_id, [])
                if len(rows) == len(stops) + len(inner):
                    kept = [i for i in range(len(rows)) if i not in inner]
                    r.problem("stop_times.txt", rows[kept[j]], "arrival_time", said)
                else:
                    r.problem("trips.txt", k, "trip_id", said)
                continue
            key = (mapped, tuple(o // 60 for o in offsets))
            shape_of.setdefault(key, _text(trips["shape_id"].iloc[k]) if "shape_id" in trips else "")
            clocks = patterns.setdefault(key, defaultdict(set))
            first_tz = zone(place_of[mapped[0]].tz)
            for day in sorted(run_days):
                local = (day_start(day, feed_tz) + dt.timedelta(seconds=first)).astimezone(first_tz)
                if local.second:
                    r.problem(
                        "stop_times.txt",
                        None,
                        "departure_time",
                        f"trip {trip_id!r} leaves at {local.isoformat()}, not on a whole minute",
                    )
                    break
                if local.fold:  # the second of a local time the autumn change repeats
                    rows = r.stop_rows.get(trip_id, [])
                    table, at = ("stop_times.txt", rows[0]) if rows else ("trips.txt", k)
                    r.problem(
                        table,
                        at,
                        "departure_time",
                        f"trip {trip_id!r} leaves {mapped[0]} (service day {day}) at "
                        f"{local.isoformat(timespec='minutes')}, the second {local:%H:%M} of that night's "
                        "clock change; a corridor timetable reads a repeated local time as its first "
                        "(docs/scenarios.md), so it would leave an hour early: leave that day out of its "
                        "calendar (calendar_dates.txt)",
                    )
                    break
                clocks[local.hour * 60 + local.minute].add(local.date())
        pieces = []
        for key, clocks in patterns.items():
            by_days: dict[frozenset[dt.date], list[int]] = defaultdict(list)
            for clock, days in clocks.items():
                if days:
                    by_days[frozenset(days)].append(clock)
            for day_set, clock_list in sorted(by_days.items(), key=lambda kv: (min(kv[0]), kv[1])):
                for mask, lo, hi in calendar_rows(day_set):
                    pieces.append((key, sorted(clock_list), mask, lo, hi))
        if not pieces and listed is not None and not r.problems:
            n = len(trips_of[rid])
            idle.append(spec_problem(("routes", listed), f"route {rid!r} " + (
                "has no trips in trips.txt" if n == 0 else
                f"runs on no day: the calendars (calendar.txt, calendar_dates.txt) give none of its "
                f"{n} trip{'s' if n > 1 else ''} a date")))
        for n, (key, clock_list, mask, lo, hi) in enumerate(pieces, start=1):
            sid = rid if len(pieces) == 1 else f"{rid}.{n}"
            data = _service(
                r, sid, key, clock_list, mask, lo, hi, fields, place_of, shapes.get(shape_of[key]), row
            )
            if data is not None:
                out.append(Imported(data, f"{where}!routes.txt", r.line("routes.txt", row)))
    if r.problems or idle:
        raise ScenarioError(r.problems + idle)
    if not out:
        raise ScenarioError([spec_problem(("gtfs",), f"{shown} gives no trip that runs on a day of its "
                                          "calendars (calendar.txt, calendar_dates.txt): nothing to import")])
    return out


def _refuse_frequencies(r: _Reader, feed: Any, chosen: set[str]) -> None:
    """A trip of ``frequencies.txt`` stands for a departure every headway between two times;
    read from its stop times alone it would run once, so it is refused."""
    freq = getattr(feed, "frequencies", None)
    if freq is None:
        return
    freq = freq.reset_index(drop=True)
    for k, trip_id in enumerate(freq["trip_id"] if _has_columns(r, freq, "frequencies") else []):
        if _text(trip_id) in chosen:
            row = freq.iloc[k]
            r.problem("frequencies.txt", k, "trip_id",
                      f"trip {_text(trip_id)!r} runs every {_text(row['headway_secs'])} s from "
                      f"{_text(row['start_time'])} to {_text(row['end_time'])}; frequency-based trips "
                      "are not read (write each departure as a trip)")
    if r.problems:
        raise ScenarioError(r.problems)


#: what GTFS allows in ``pickup_type`` and ``drop_off_type`` (empty is 0, regular)
BOARDING_TYPES = {0.0, 1.0, 2.0, 3.0}


def _timing_points(r: _Reader, feed: Any) -> set[str]:
    """Stops where nobody boards or leaves: ``pickup_type`` and ``drop_off_type`` 1 in every
    row of stop_times.txt that names them. A value GTFS does not define (0 to 3, or empty) is
    a problem at its line: read as "boarding as usual", it kept a stop meant as a timing point."""
    st = feed.stop_times
    for column in ("pickup_type", "drop_off_type"):
        if column in st.columns:
            for k, cell in enumerate(st[column].tolist()):
                if cell not in BOARDING_TYPES and _text(cell) and _number(cell) not in BOARDING_TYPES:
                    r.problem("stop_times.txt", k, column,
                              f"{column} {_text(cell)!r} is not one of GTFS's 0, 1, 2, 3 (or empty)")
    if "pickup_type" not in st.columns or "drop_off_type" not in st.columns:
        return set()
    served: set[str] = set()
    seen: set[str] = set()
    picks, drops = st["pickup_type"].tolist(), st["drop_off_type"].tolist()
    for stop, pick, drop in zip(_texts(st["stop_id"]), picks, drops, strict=True):
        seen.add(stop)
        if _number(pick) != 1 or _number(drop) != 1:
            served.add(stop)
    return seen - served


def _runs(
    trips: Any,
    rows: list[int],
    times: dict[str, tuple[list[str], list[tuple[int, int]]]],
    days_of: dict[str, set[dt.date]],
    feed_tz: Any,
) -> list[tuple[int, str, list[str], list[tuple[int, int]], set[dt.date]]]:
    """The runs of a route's trips (rows of trips.txt): (row, trip id, stops, times, days).

    A trip without a ``block_id`` is a run of its own, on its service's days. The trips of a
    block are joined, day by day, where one ends at the stop and instant (arrival and
    departure) another begins; a run's times count from the service day of its first trip,
    so a joined run is read as a trip longer than its pieces."""
    out: list[tuple[int, str, list[str], list[tuple[int, int]], set[dt.date]]] = []
    blocks: dict[str, list[int]] = defaultdict(list)
    for k in rows:
        trip_id = _text(trips["trip_id"].iloc[k])
        if trip_id not in times:
            continue
        block = _text(trips["block_id"].iloc[k]) if "block_id" in trips else ""
        if block:
            blocks[block].append(k)
        else:
            stops, stamps = times[trip_id]
            out.append((k, trip_id, stops, stamps, days_of.get(_text(trips["service_id"].iloc[k]), set())))
    for members in blocks.values():
        # every trip of the block on every day it runs, its times as UTC seconds
        pieces: list[tuple[int, dt.date, list[str], list[tuple[int, int]]]] = []
        for k in members:
            stops, stamps = times[_text(trips["trip_id"].iloc[k])]
            for day in days_of.get(_text(trips["service_id"].iloc[k]), ()):
                origin = int(day_start(day, feed_tz).timestamp())
                pieces.append((k, day, stops, [(origin + a, origin + d) for a, d in stamps]))
        starts = {(p[2][0], p[3][0]): i for i, p in enumerate(pieces)}
        follows: dict[int, int] = {}
        for i, p in enumerate(pieces):
            j = starts.get((p[2][-1], p[3][-1]))
            if j is not None and j != i:
                follows[i] = j
        followed = set(follows.values())
        Run = tuple[int, tuple[str, ...], tuple[tuple[int, int], ...]]
        joined: dict[Run, set[dt.date]] = defaultdict(set)
        for i in range(len(pieces)):
            if i in followed:
                continue
            k, day, stops, stamps = pieces[i]
            stops, stamps = list(stops), list(stamps)
            seen = {i}
            while i in follows and follows[i] not in seen:
                i = follows[i]
                seen.add(i)
                stops += pieces[i][2][1:]
                stamps += pieces[i][3][1:]
            origin = int(day_start(day, feed_tz).timestamp())
            joined[(k, tuple(stops), tuple((a - origin, d - origin) for a, d in stamps))].add(day)
        for (k, stops_t, stamps_t), days in joined.items():
            out.append((k, _text(trips["trip_id"].iloc[k]), list(stops_t), list(stamps_t), days))
    return out


# GTFS's location_type: a stop or platform (0 or empty), a station, an entrance, a generic
# node, a boarding area
LOCATION_TYPES = {0.0, 1.0, 2.0, 3.0, 4.0}
# a stop of a place's id whose own coordinates lie farther from it is another place that
# shares the id, not the place
SAME_ID_KM = 100.0


def _map_stops(
    r: _Reader, feed: Any, places: list[Place], match_km: float, timing: set[str], used: set[str]
) -> dict[str, str]:
    """Each stop of ``used``'s place: the one with its id, else the nearest within ``match_km``.
    A timing point (nobody boards or leaves there) with no place of its id is left out, not
    matched. Every stop's ``location_type`` is one GTFS defines."""
    by_id = {p.id: p for p in places}
    lat = np.array([p.lat for p in places])
    lon = np.array([p.lon for p in places])
    start = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    out: dict[str, str] = {}
    stops = feed.stops.reset_index(drop=True)
    _unique_ids(r, "stops.txt", "stop_id", stops["stop_id"])
    if "location_type" in stops.columns:
        for k, cell in enumerate(stops["location_type"].tolist()):
            if _text(cell) and _number(cell) not in LOCATION_TYPES:
                r.problem("stops.txt", k, "location_type", f"location_type {_text(cell)!r} is not one "
                          "of GTFS's 0, 1, 2, 3, 4 (or empty)")
    for k, sid in enumerate(_texts(stops["stop_id"])):
        if sid not in used:
            continue
        row = stops.iloc[k]
        place = by_id.get(sid)
        if place is not None:  # coordinates given must be coordinates, though the place's are used
            bad = next(((column, bound) for column, bound in (("stop_lat", 90), ("stop_lon", 180))
                        if not _coordinate(row.get(column), bound)), None)
            if bad is not None:
                column, bound = bad
                text = _as_written(_text(row.get(column)))
                r.problem("stops.txt", k, column, f"stop {sid!r}: {column} {text!r} is not a number from "
                          f"{-bound} to {bound}")
                continue
            slat, slon = _number(row.get("stop_lat")), _number(row.get("stop_lon"))
            if slat is not None and slon is not None:
                off_km = float(great_circle_km(slat, slon, place.lat, place.lon))
                if off_km > SAME_ID_KM:
                    r.problem("stops.txt", k, "stop_lat",
                              f"stop {sid!r} has the id of place {sid!r} but lies {off_km:,.0f} km from it "
                              f"(over {SAME_ID_KM:.0f} km: another place of the same id?); rename "
                              "the stop, or correct its stop_lat and stop_lon")
                    continue
        if place is None and sid in timing:
            continue  # a timing point: dropped from the runs it lies inside
        if place is None:
            slat, slon = _number(row.get("stop_lat")), _number(row.get("stop_lon"))
            if slat is None or slon is None or not (-90 <= slat <= 90 and -180 <= slon <= 180):
                r.problem(
                    "stops.txt",
                    k,
                    "stop_lat",
                    f"stop {sid!r} has no place of that id and no valid coordinates (stop_lat "
                    f"{_shown_cell(row.get('stop_lat'))}, stop_lon {_shown_cell(row.get('stop_lon'))})",
                )
                continue
            if not places:
                r.problem("stops.txt", k, "stop_id", f"stop {sid!r}: the scenario has no places")
                continue
            km = great_circle_km(np.full(lat.size, slat), np.full(lat.size, slon), lat, lon)
            best = int(np.argmin(km))
            if km[best] > match_km:
                r.problem(
                    "stops.txt",
                    k,
                    "stop_id",
                    f"stop {sid!r} ({_text(row.get('stop_name'))}) matches no place: none has its id, "
                    f"and the nearest, {places[best].id!r}, is {km[best]:.1f} km away "
                    f"(services_from.match_km is {match_km:g})",
                )
                continue
            place = places[best]
        stop_tz = _text(row.get("stop_timezone"))
        if stop_tz:
            try:
                theirs = start.astimezone(zone(stop_tz)).utcoffset()
            except KeyError:
                r.problem("stops.txt", k, "stop_timezone", f"unknown IANA time zone {stop_tz!r}")
                continue
            if theirs != start.astimezone(zone(place.tz)).utcoffset():
                r.problem(
                    "stops.txt",
                    k,
                    "stop_timezone",
                    f"stop {sid!r} is in {stop_tz}, but its place {place.id!r} is in {place.tz}",
                )
                continue
        out[sid] = place.id
    return out


def _has_columns(r: _Reader, frame: Any, table: str) -> bool:
    missing = [c for c in REQUIRED[table] if c not in frame.columns]
    if missing:
        r.problem(f"{table}.txt", -1, missing[0], f"{table}.txt has no column {missing[0]!r}")
    return not missing


def _unique_ids(r: _Reader, table: str, column: str, ids: Any) -> dict[str, int]:
    """Each id's row; an id given twice is a problem at its second row (the first row's
    fields were silently replaced by the second's)."""
    out: dict[str, int] = {}
    for k, value in enumerate(ids):
        key = _text(value)
        if key in out:
            r.problem(table, k, column,
                      f"{column} {key!r} is given twice (line {r.line(table, out[key])} too)")
        else:
            out[key] = k
    return out


def _check_trips(r: _Reader, feed: Any, trips: Any, chosen: set[str],
                 days_of: dict[str, set[dt.date]], far: dict[str, tuple[str, int, str, dt.date]]) -> None:
    """Each trip read: its trip_id given once in trips.txt, its service_id one of calendar.txt
    or calendar_dates.txt, and stop times of its own. A service_id in neither (a typing slip)
    runs on no day, and a trip without stop times has nowhere to go: both were dropped without
    a word; a trip_id given twice had its stop times read for both, under either route. And
    stop times of a trip_id that trips.txt lacks (they were dropped without a word too). A
    service_id with a day outside the dates a scenario may take (``far``: where the calendars
    give it) is refused at that line, once, for the first trip read that runs on it (it was
    refused at the route, as its service's ``valid_to``); one no trip read uses is left be."""
    # the column's distinct values only: _trip_times takes the whole of it out of pandas
    timed = set(_texts(feed.stop_times["trip_id"].unique()))
    orphans = timed - set(_texts(trips["trip_id"]))
    if orphans:  # the column read whole only to locate them, each at its first stop time
        for k, trip in enumerate(_texts(feed.stop_times["trip_id"])):
            if trip in orphans:
                r.problem("stop_times.txt", k, "trip_id", f"trip_id {trip!r} is not in trips.txt")
                orphans.discard(trip)
    first: dict[str, int] = {}
    for k, (trip_id, sid) in enumerate(zip(trips["trip_id"], trips["service_id"], strict=True)):
        trip = _text(trip_id)
        if trip not in chosen:
            continue
        if trip in first:
            r.problem("trips.txt", k, "trip_id",
                      f"trip_id {trip!r} is given twice (line {r.line('trips.txt', first[trip])} too): "
                      "a trip's id is its own")
            continue
        first[trip] = k
        if _text(sid) not in days_of:
            r.problem("trips.txt", k, "service_id",
                      f"trip {trip!r}: service_id {_text(sid)!r} is in neither calendar.txt nor "
                      "calendar_dates.txt, so the trip would run on no day")
        elif _text(sid) in far:
            table, row, column, day = far.pop(_text(sid))
            r.problem(table, row, column,
                      f"service_id {_text(sid)!r}: {day} is outside {FIRST_DATE.year} to {LAST_DATE.year}, "
                      f"the dates a scenario may take, and trip {trip!r} runs on it")
        if trip not in timed:
            r.problem("trips.txt", k, "trip_id", f"trip {trip!r} has no stop times in stop_times.txt")


def _service_days(r: _Reader, feed: Any) -> tuple[dict[str, set[dt.date]],
                                                    dict[str, tuple[str, int, str, dt.date]]]:
    """The dates each GTFS service_id runs on: calendar periods, then calendar_dates. A
    service_id given twice in calendar.txt, or a service_id and date twice in
    calendar_dates.txt (the tables' keys), is a problem at its second line: the periods of the
    two rows were joined, and of an addition and a removal of one day the later won, without
    a word. Beside them, per service_id that runs on a day outside the dates a scenario may
    take, the line that gives the furthest such day: (file, row, column, day)."""
    out: dict[str, set[dt.date]] = defaultdict(set)
    periods: dict[str, int] = {}  # each service_id's row in calendar.txt
    exceptions: dict[tuple[str, dt.date], int] = {}  # each service_id and date's in calendar_dates.txt
    day_cols = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    cal = getattr(feed, "calendar", None)
    if cal is not None and not _has_columns(r, cal, "calendar"):
        cal = None
    if cal is not None:
        cal = cal.reset_index(drop=True)
        for k in range(len(cal)):
            row = cal.iloc[k]
            ends: dict[str, dt.date] = {}
            for column in ("start_date", "end_date"):  # each named at its own column
                try:
                    ends[column] = dt.datetime.strptime(_text(row[column]), "%Y%m%d").date()
                except ValueError:
                    r.problem("calendar.txt", k, column, f"{column} {_text(row[column])!r} is not YYYYMMDD")
            if len(ends) < 2:
                continue
            lo, hi = ends["start_date"], ends["end_date"]
            if not 0 <= (hi - lo).days <= MAX_SPAN_DAYS:
                r.problem(
                    "calendar.txt",
                    k,
                    "end_date",
                    f"period {lo} to {hi} is empty or longer than {MAX_SPAN_DAYS} days",
                )
                continue
            flags = {c: _number(row.get(c)) for c in day_cols}
            odd = next((c for c, flag in flags.items() if flag not in (0, 1)), None)
            if odd is not None:  # was read as 0: a day the service runs could vanish
                r.problem("calendar.txt", k, odd, f"{odd} {_text(row.get(odd))!r} is not 0 or 1")
                continue
            mask = {w for w, c in enumerate(day_cols) if flags[c] == 1}
            sid = _text(row["service_id"])
            if sid in periods:
                first = r.line("calendar.txt", periods[sid])
                r.problem("calendar.txt", k, "service_id",
                          f"service_id {sid!r} is given twice (line {first} too)")
                continue
            periods[sid] = k
            out[sid] |= {
                lo + dt.timedelta(days=i)
                for i in range((hi - lo).days + 1)
                if (lo + dt.timedelta(days=i)).weekday() in mask
            }
    dates = getattr(feed, "calendar_dates", None)
    if dates is not None and not _has_columns(r, dates, "calendar_dates"):
        dates = None
    if dates is not None:
        dates = dates.reset_index(drop=True)
        for k in range(len(dates)):
            row = dates.iloc[k]
            try:
                day = dt.datetime.strptime(_text(row["date"]), "%Y%m%d").date()
            except ValueError:
                r.problem("calendar_dates.txt", k, "date", f"date {_text(row['date'])!r} is not YYYYMMDD")
                continue
            sid = _text(row["service_id"])
            if (sid, day) in exceptions:
                r.problem("calendar_dates.txt", k, "date",
                          f"service_id {sid!r} on {day} is given twice "
                          f"(line {r.line('calendar_dates.txt', exceptions[sid, day])} too)")
                continue
            exceptions[sid, day] = k
            kind = _number(row.get("exception_type"))
            if kind == 1:
                out[sid].add(day)
            elif kind == 2:
                out[sid].discard(day)
            else:
                r.problem(
                    "calendar_dates.txt",
                    k,
                    "exception_type",
                    f"exception_type {_text(row.get('exception_type'))!r} is not 1 or 2",
                )
    far: dict[str, tuple[str, int, str, dt.date]] = {}
    for sid, days in out.items():
        if days and not FIRST_DATE <= min(days) <= max(days) <= LAST_DATE:
            day = min(days) if min(days) < FIRST_DATE else max(days)
            if (sid, day) in exceptions:  # added by calendar_dates.txt, else in a calendar period
                far[sid] = ("calendar_dates.txt", exceptions[sid, day], "date", day)
            else:
                end = "start_date" if day < FIRST_DATE else "end_date"
                far[sid] = ("calendar.txt", periods[sid], end, day)
    return out, far


def _sequence_ok(r: _Reader, sequence: list[str], trip: str, rows: list[int], at: list[int]) -> bool:
    """A trip's stops are ordered by stop_sequence: each a whole number 0 or more, none given
    twice. A missing one was read as 0 (the stop moved first, then said to go back in time)
    and two alike kept the file's order without a word. ``rows`` index ``sequence``; ``at``
    gives each one's record in stop_times.txt."""
    seen: dict[float, int] = {}
    for j in rows:
        text, k = sequence[j], at[j]
        value = _number(text)
        if value is None or value < 0 or not value.is_integer():
            r.problem("stop_times.txt", k, "stop_sequence",
                      f"trip {trip!r}: stop_sequence {text!r} is not a whole number 0 or more")
            return False
        if value in seen:
            r.problem("stop_times.txt", k, "stop_sequence",
                      f"trip {trip!r}: stop_sequence {text} is given twice "
                      f"(line {r.line('stop_times.txt', seen[value])} too): "
                      "the order of its stops is not known")
            return False
        seen[value] = k
    return True


def _trip_times(
    r: _Reader, feed: Any, trip_ids: set[str]
) -> dict[str, tuple[list[str], list[tuple[int, int]]]]:
    """Per trip: its stop ids and (arrival, departure) seconds, in stop_sequence order."""
    st = feed.stop_times
    known = set(_texts(feed.stops["stop_id"]))
    # the records of the trips read (``at``, in file order), their columns taken out of pandas
    # once, not cell by cell: a feed's stop_times may hold millions of records
    rows_of: dict[str, list[int]] = defaultdict(list)  # per trip, indices into ``at``
    at: list[int] = []
    for k, t in enumerate(_texts(st["trip_id"])):
        if t in trip_ids:
            rows_of[t].append(len(at))
            at.append(k)
    stop_ids, sequence = _texts(st["stop_id"].take(at)), _texts(st["stop_sequence"].take(at))
    arrivals, departures = _texts(st["arrival_time"].take(at)), _texts(st["departure_time"].take(at))
    out = {}
    for trip, rows in rows_of.items():
        if not _sequence_ok(r, sequence, trip, rows, at):
            continue
        rows.sort(key=lambda j: _number(sequence[j]) or 0.0)
        r.stop_rows[trip] = [at[j] for j in rows]
        stops: list[str] = []
        stamps: list[tuple[int, int]] = []
        ok = True
        for j in rows:
            k = at[j]
            stop = stop_ids[j]
            if stop not in known:  # GTFS: a stop time's stop is one of stops.txt
                r.problem("stop_times.txt", k, "stop_id",
                          f"trip {trip!r}: stop_id {stop!r} is not in stops.txt")
                ok = False
                break
            arr_text, dep_text = arrivals[j], departures[j]
            if not (arr_text or dep_text):  # GTFS lets stops between timepoints go without
                r.problem("stop_times.txt", k, "arrival_time",
                          f"trip {trip!r} has no arrival_time or departure_time at stop "
                          f"{stop!r}; corridor needs a time at every stop")
                ok = False
                break
            try:
                arr = parse_time(arr_text or dep_text)
                dep = parse_time(dep_text or arr_text)
            except ValueError as exc:
                r.problem(
                    "stop_times.txt",
                    k,
                    "arrival_time",
                    f"trip {trip!r}: {exc}",
                )
                ok = False
                break
            if dep < arr or (stamps and arr < stamps[-1][1]):
                before = (f"arrives {format_time(arr)} after leaving the stop before at "
                          f"{format_time(stamps[-1][1])}") if dep >= arr else \
                    f"leaves {format_time(dep)} before it arrives {format_time(arr)}"
                r.problem(
                    "stop_times.txt",
                    k,
                    "arrival_time",
                    f"trip {trip!r} goes back in time at stop {stop!r}: {before}",
                )
                ok = False
                break
            stops.append(stop)
            stamps.append((arr, dep))
        if ok and len(stops) < 2:
            r.problem("stop_times.txt", at[rows[0]], "trip_id",
                      f"trip {trip!r} has one stop time; a trip needs two or more")
        elif ok:
            out[trip] = (stops, stamps)
    return out


#: a shape point's columns after shape_id, what each must be, and its largest magnitude
SHAPE_POINT = (("shape_pt_sequence", "a number", math.inf),
               ("shape_pt_lat", "a latitude from -90 to 90", 90.0),
               ("shape_pt_lon", "a longitude from -180 to 180", 180.0))


def _shapes(r: _Reader, feed: Any) -> dict[str, list[tuple[float, float]]]:
    """Each shape's points in order; a point that is not a place on Earth (not a finite number,
    a latitude beyond 90 or a longitude beyond 180) is a problem at its line of shapes.txt: it
    was left out, and the service drawn without it."""
    shapes = getattr(feed, "shapes", None)
    if shapes is None:
        return {}
    columns = ["shape_id", *(c for c, _, _ in SHAPE_POINT)]
    missing = [c for c in columns if c not in shapes.columns]
    if missing:
        r.problem("shapes.txt", -1, missing[0], f"shapes.txt has no column {missing[0]!r}")
        return {}
    out: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    for k, (sid, *cells) in enumerate(zip(*(shapes[c] for c in columns), strict=True)):
        numbers = []
        for (column, what, top), cell in zip(SHAPE_POINT, cells, strict=True):
            x = _number(cell)
            if x is None or abs(x) > top:
                said = f"{_text(cell)!r} is not {what}" if _text(cell) else f"is empty or NaN, not {what}"
                r.problem("shapes.txt", k, column, f"shape {_text(sid)!r}: {column} {said}")
                break
            numbers.append(x)
        else:
            out[_text(sid)].append(tuple(numbers))  # type: ignore[arg-type]
    return {k: [(lat, lon) for _, lat, lon in sorted(v)] for k, v in out.items()}


def _route_fields(
    r: _Reader, route: Any, row: int, entry: Any, agency_names: dict[str, str]
) -> dict[str, Any] | None:
    """Mode, unit, capacity, cost, CO2 and names of a route, from its entry or corridor_* columns."""
    rid = _text(route["route_id"])
    given = entry.model_dump(exclude_none=True, exclude={"id"}) if entry is not None else {}
    fields: dict[str, Any] = {}
    mode = given.get("mode") or _text(route.get("corridor_mode"))
    if not mode:
        rtype = _number(route.get("route_type"))
        mode = route_mode(int(rtype)) if rtype is not None else None
        if mode is None:
            r.problem(
                "routes.txt",
                row,
                "route_type",
                f"route {rid!r}: route_type "
                f"{_text(route.get('route_type'))!r} has no corridor mode; give mode in its routes entry",
            )
            return None
    fields["mode"] = mode
    for key, column in (("unit", "corridor_unit"), ("capacity", "corridor_capacity")):
        value = given.get(key)
        if value is None:
            text = _text(route.get(column))
            value = text or None
            if key == "capacity" and text:
                number = _number(text)
                # checked here, where the column and what it says are known: the scenario's check
                # of each service made from the route named a service field and int(1e308)'s digits
                if number is None or number != int(number) or not 1 <= number <= MAX_CAPACITY:
                    r.problem("routes.txt", row, column, f"route {rid!r}: capacity {_as_written(text)!r} "
                              f"is not a whole number from 1 to {MAX_CAPACITY:,}")
                    return None
                value = int(number)
        if value is None:
            r.problem(
                "routes.txt",
                row,
                column,
                f"route {rid!r}: the feed does not say its {key}; give it in "
                f"services_from.routes: [{{id: {rid}, unit: pax, capacity: 180}}]",
            )
            return None
        fields[key] = value
    money = {k: given[k] for k in ("cost_usd", "cost_usd_per_unit_km") if k in given}
    carbon = {k: given[k] for k in ("co2_kg", "co2_g_per_unit_km") if k in given}
    read: dict[str, float | None] = {}
    for column, entry_has in (("corridor_cost_usd", money), ("corridor_co2_kg", carbon),
                              ("corridor_distance_km", "distance_km" in given)):
        text = "" if entry_has else _text(route.get(column))
        read[column] = _number(text)
        if text and read[column] is None:  # said, but no number: not left out
            r.problem("routes.txt", row, column, f"route {rid!r}: {text!r} is not a finite number")
            return None
    if not money and read["corridor_cost_usd"] is not None:
        money = {"cost_usd": read["corridor_cost_usd"]}
    if not carbon and read["corridor_co2_kg"] is not None:
        carbon = {"co2_kg": read["corridor_co2_kg"]}
    basis = given.get("fare_basis") or _text(route.get("corridor_fare_basis"))
    if basis and basis not in get_args(FareBasis):
        r.problem("routes.txt", row, "corridor_fare_basis",
                  f"route {rid!r}: fare basis {basis!r} is not "
                  + " or ".join(repr(b) for b in get_args(FareBasis)))
        return None
    if basis:
        fields["fare_basis"] = basis
    fields.update(money)
    fields.update(carbon)
    distance = given.get("distance_km", read["corridor_distance_km"])
    if distance is not None and distance <= 0:  # (an entry's distance_km is checked as it is read)
        r.problem("routes.txt", row, "corridor_distance_km",
                  f"route {rid!r}: distance_km {distance:g} is not above 0")
        return None
    if distance is not None:
        fields["distance_km"] = distance
    name = _text(route.get("route_long_name")) or _text(route.get("route_short_name"))
    if name:
        fields["name"] = name
    operator = agency_names.get(_text(route.get("agency_id")), "") or (
        next(iter(agency_names.values())) if len(agency_names) == 1 else ""
    )
    if operator:
        fields["operator"] = operator
    return fields


def _service(
    r: _Reader,
    sid: str,
    key: tuple[tuple[str, ...], tuple[int, ...]],
    clocks: list[int],
    mask: frozenset[int],
    lo: dt.date,
    hi: dt.date,
    fields: dict[str, Any],
    place_of: dict[str, Place],
    shape: list[tuple[float, float]] | None,
    row: int,
) -> dict[str, Any] | None:
    stops, offsets = key
    arr = [offsets[2 * i] for i in range(len(stops))]
    dep = [offsets[2 * i + 1] for i in range(len(stops))]
    data: dict[str, Any] = {
        "id": sid,
        **{k: v for k, v in fields.items() if k in ("name", "operator")},
        "mode": fields["mode"],
        "unit": fields["unit"],
        "stops": list(stops),
        "timetable": {
            "days": "daily" if len(mask) == 7 else [WEEKDAYS[w] for w in sorted(mask)],
            "times": [f"{c // 60:02d}:{c % 60:02d}" for c in clocks],
        },
        "capacity": fields["capacity"],
        "valid_from": lo.isoformat(),
        "valid_to": hi.isoformat(),
    }
    for k in ("cost_usd", "cost_usd_per_unit_km", "fare_basis", "co2_kg", "co2_g_per_unit_km", "distance_km"):
        if k in fields:
            data[k] = fields[k]
    if len(stops) == 2:
        data["duration_min"] = float(arr[1] - dep[0])
        if shape and 2 < len(shape) <= MAX_WAYPOINTS + 2:
            data["waypoints"] = [list(p) for p in shape[1:-1]]
        return data
    running = _running_times(arr, dep)
    still = None if running is not None else next(
        (i for i in range(len(stops) - 1) if arr[i + 1] - dep[i] <= 0), None)
    if still is not None:  # not the dwells: a segment of no time
        r.problem(
            "routes.txt",
            row,
            "route_id",
            f"service {sid!r}: it leaves {stops[still]} and reaches {stops[still + 1]} in the same minute; "
            "corridor times every segment at least a minute (docs/scenarios.md): merge the two stops, "
            "or leave the route out",
        )
        return None
    if running is None:
        r.problem(
            "routes.txt",
            row,
            "route_id",
            f"service {sid!r}: dwell times differ by 2 min or more "
            f"({', '.join(str(d - a) for a, d in zip(arr[1:-1], dep[1:-1], strict=True))}); corridor "
            "has one dwell per service: split the route",
        )
        return None
    dwell, run = running
    pts = [place_of[s] for s in stops]
    lat = np.array([p.lat for p in pts])
    lon = np.array([p.lon for p in pts])
    circle = great_circle_km(lat[:-1], lon[:-1], lat[1:], lon[1:])
    if "distance_km" in fields and circle.sum() > 0:
        distance = fields["distance_km"] * circle / circle.sum()
    else:
        distance = circle
    if np.any(distance <= 0):
        r.problem(
            "routes.txt",
            row,
            "route_id",
            f"service {sid!r}: two stops at the same coordinates; "
            "corridor cannot time a segment of no length",
        )
        return None
    data["speed_kph"] = [float(d * 60.0 / t) for d, t in zip(distance, run, strict=True)]
    data["dwell_min"] = dwell
    return data


def _running_times(arr: list[int], dep: list[int]) -> tuple[float, list[float]] | None:
    """One dwell and a running time per segment that segments.py rounds back to exactly these
    arrival and departure offsets (whole minutes from the first departure), or None.

    >>> _running_times([0, 60, 125, 200], [0, 62, 127, 200])
    (2.0, [60.0, 63.0, 73.0])
    >>> _running_times([0, 60, 125, 200], [0, 62, 128, 200])   # dwells of 2 and 3: one of 2.5
    (2.5, [59.75, 63.0, 72.25])
    >>> _running_times([0, 60, 120], [0, 61, 120])    # a half-minute dwell rounds to 1
    (1.0, [60.0, 59.0])
    """
    dwells = [d - a for a, d in zip(arr[1:-1], dep[1:-1], strict=True)]
    if not dwells:
        dwells = [0]
    lo, hi = max(dwells) - 1.0, min(dwells) + 1.0  # the dwell D lies in [lo, hi)
    if not lo < hi:
        return None
    dwell = (lo + hi) / 2  # equal dwells give that dwell
    exact = []  # exact running total at each arrival: rounds to arr[i], and plus D to dep[i]
    for i in range(1, len(arr)):
        a_lo, a_hi = arr[i] - 0.5, arr[i] + 0.5
        if i < len(arr) - 1:
            a_lo, a_hi = max(a_lo, dep[i] - dwell - 0.5), min(a_hi, dep[i] - dwell + 0.5)
        if not a_lo < a_hi:
            return None
        exact.append((a_lo + a_hi) / 2)
    running = [exact[0]] + [exact[i] - exact[i - 1] - dwell for i in range(1, len(exact))]
    if min(running) <= 0:
        return None
    return dwell, running
