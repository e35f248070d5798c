"""The tables of a GTFS feed read into checked Python values for the import
(:mod:`corridor.interchange.gtfs_import`): cells as text and numbers, calendars as the days each
service_id runs, stop times as each trip's stops and seconds, shapes as points, stops mapped to
the scenario's places. Every problem is noted with its file (``feed.zip!stops.txt``), line,
column and bad value (:class:`Reader`), and the import refuses the feed with all of them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from corridor.errors import Problem, ScenarioError
from corridor.interchange.gtfs_read import record_lines
from corridor.interchange.gtfs_time import format_time, parse_time
from corridor.network.geo import great_circle_km
from corridor.scenario.schema import FIRST_DATE, LAST_DATE, Place
from corridor.timezone import zone

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


class Reader:
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


def cell_text(value: Any) -> str:
    """A cell as text: "" for a missing one (None, NaN, or pandas' NA, which prints as '<NA>')."""
    if type(value) is str:  # most cells: a feed's stop_times may hold millions
        return value.strip()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = str(value).strip()
    return "" if text == "<NA>" and not isinstance(value, str) else text


def as_written(text: str) -> str:
    """A number pandas read as a float, as its author most likely wrote it (951.0 as 951,
    1000000000.0 as 1000000000, 1e308 as 1e+308); other text as it is.

    >>> as_written("951.0"), as_written("1000000000.0"), as_written("1e+308"), as_written("abc")
    ('951', '1000000000', '1e+308', 'abc')
    """
    try:
        x = float(text)
    except ValueError:
        return text
    return f"{x:.0f}" if x.is_integer() and abs(x) < 1e15 else f"{x:g}"


def shown_cell(value: Any) -> str:
    """A cell for a message: as written, or "empty or NaN" where pandas read none (a 'nan' the
    author wrote reads as none, and showed as '')."""
    text = cell_text(value)
    return repr(as_written(text)) if text else "empty or NaN"


def column_texts(column: Any) -> list[str]:
    """Every cell of a column as :func:`cell_text` reads it: the column taken out of pandas at
    once, not cell by cell (seconds a million cells of an Arrow-backed column)."""
    return [cell_text(v) for v in column.tolist()]


def cell_number(value: Any) -> float | None:
    text = cell_text(value)
    if not text:
        return None
    try:
        out = float(text)
    except ValueError:
        return None
    return out if math.isfinite(out) else None


def is_coordinate(value: Any, bound: float) -> bool:
    """Left empty, or a number from -``bound`` to ``bound``."""
    if not cell_text(value):
        return True
    number = cell_number(value)
    return number is not None and -bound <= number <= bound


def refuse_frequencies(r: Reader, feed: Any, chosen: set[str]) -> None:
    """A trip of ``frequencies.txt`` stands for a departure every headway between two times;
    read from its stop times alone it would run once, so it is refused."""
    freq = getattr(feed, "frequencies", None)
    if freq is None:
        return
    freq = freq.reset_index(drop=True)
    for k, trip_id in enumerate(freq["trip_id"] if has_columns(r, freq, "frequencies") else []):
        if cell_text(trip_id) in chosen:
            row = freq.iloc[k]
            r.problem("frequencies.txt", k, "trip_id",
                      f"trip {cell_text(trip_id)!r} runs every {cell_text(row['headway_secs'])} s from "
                      f"{cell_text(row['start_time'])} to {cell_text(row['end_time'])}; "
                      "frequency-based trips are not read (write each departure as a trip)")
    if r.problems:
        raise ScenarioError(r.problems)


#: what GTFS allows in ``pickup_type`` and ``drop_off_type`` (empty is 0, regular)
BOARDING_TYPES = {0.0, 1.0, 2.0, 3.0}


def timing_points(r: Reader, feed: Any) -> set[str]:
    """Stops where nobody boards or leaves: ``pickup_type`` and ``drop_off_type`` 1 in every
    row of stop_times.txt that names them. A value GTFS does not define (0 to 3, or empty) is
    a problem at its line: read as "boarding as usual", it kept a stop meant as a timing point."""
    st = feed.stop_times
    for column in ("pickup_type", "drop_off_type"):
        if column in st.columns:
            for k, cell in enumerate(st[column].tolist()):
                if cell not in BOARDING_TYPES and cell_text(cell) and cell_number(cell) not in BOARDING_TYPES:
                    r.problem("stop_times.txt", k, column,
                              f"{column} {cell_text(cell)!r} is not one of GTFS's 0, 1, 2, 3 (or empty)")
    if "pickup_type" not in st.columns or "drop_off_type" not in st.columns:
        return set()
    served: set[str] = set()
    seen: set[str] = set()
    picks, drops = st["pickup_type"].tolist(), st["drop_off_type"].tolist()
    for stop, pick, drop in zip(column_texts(st["stop_id"]), picks, drops, strict=True):
        seen.add(stop)
        if cell_number(pick) != 1 or cell_number(drop) != 1:
            served.add(stop)
    return seen - served


# GTFS's location_type: a stop or platform (0 or empty), a station, an entrance, a generic
# node, a boarding area
LOCATION_TYPES = {0.0, 1.0, 2.0, 3.0, 4.0}
# a stop of a place's id whose own coordinates lie farther from it is another place that
# shares the id, not the place
SAME_ID_KM = 100.0


def map_stops(
    r: Reader, feed: Any, places: list[Place], match_km: float, timing: set[str], used: set[str]
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
    unique_ids(r, "stops.txt", "stop_id", stops["stop_id"])
    if "location_type" in stops.columns:
        for k, cell in enumerate(stops["location_type"].tolist()):
            if cell_text(cell) and cell_number(cell) not in LOCATION_TYPES:
                r.problem("stops.txt", k, "location_type", f"location_type {cell_text(cell)!r} is not one "
                          "of GTFS's 0, 1, 2, 3, 4 (or empty)")
    for k, sid in enumerate(column_texts(stops["stop_id"])):
        if sid not in used:
            continue
        row = stops.iloc[k]
        place = by_id.get(sid)
        if place is not None:  # coordinates given must be coordinates, though the place's are used
            bad = next(((column, bound) for column, bound in (("stop_lat", 90), ("stop_lon", 180))
                        if not is_coordinate(row.get(column), bound)), None)
            if bad is not None:
                column, bound = bad
                text = as_written(cell_text(row.get(column)))
                r.problem("stops.txt", k, column, f"stop {sid!r}: {column} {text!r} is not a number from "
                          f"{-bound} to {bound}")
                continue
            slat, slon = cell_number(row.get("stop_lat")), cell_number(row.get("stop_lon"))
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
            slat, slon = cell_number(row.get("stop_lat")), cell_number(row.get("stop_lon"))
            if slat is None or slon is None or not (-90 <= slat <= 90 and -180 <= slon <= 180):
                r.problem(
                    "stops.txt",
                    k,
                    "stop_lat",
                    f"stop {sid!r} has no place of that id and no valid coordinates (stop_lat "
                    f"{shown_cell(row.get('stop_lat'))}, stop_lon {shown_cell(row.get('stop_lon'))})",
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
                    f"stop {sid!r} ({cell_text(row.get('stop_name'))}) matches no place: none has its id, "
                    f"and the nearest, {places[best].id!r}, is {km[best]:.1f} km away "
                    f"(services_from.match_km is {abs(match_km):g})",
                )
                continue
            place = places[best]
        stop_tz = cell_text(row.get("stop_timezone"))
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


def has_columns(r: Reader, frame: Any, table: str) -> bool:
    missing = [c for c in REQUIRED[table] if c not in frame.columns]
    if missing:
        r.problem(f"{table}.txt", -1, missing[0], f"{table}.txt has no column {missing[0]!r}")
    return not missing


def unique_ids(r: Reader, table: str, column: str, ids: Any) -> dict[str, int]:
    """Each id's row; an id given twice is a problem at its second row (the first row's
    fields were silently replaced by the second's)."""
    out: dict[str, int] = {}
    for k, value in enumerate(ids):
        key = cell_text(value)
        if key in out:
            r.problem(table, k, column,
                      f"{column} {key!r} is given twice (line {r.line(table, out[key])} too)")
        else:
            out[key] = k
    return out


def check_trips(r: Reader, feed: Any, trips: Any, chosen: set[str],
                 days_of: dict[str, set[dt.date]], far: dict[str, tuple[str, int, str, dt.date]]) -> None:
    """Each trip read: its trip_id given once in trips.txt, its service_id one of calendar.txt
    or calendar_dates.txt, and stop times of its own. A service_id in neither (a typing slip)
    runs on no day, and a trip without stop times has nowhere to go: both were dropped without
    a word; a trip_id given twice had its stop times read for both, under either route. And
    stop times of a trip_id that trips.txt lacks (they were dropped without a word too). A
    service_id with a day outside the dates a scenario may take (``far``: where the calendars
    give it) is refused at that line, once, for the first trip read that runs on it (it was
    refused at the route, as its service's ``valid_to``); one no trip read uses is left be."""
    # the column's distinct values only: trip_times takes the whole of it out of pandas
    timed = set(column_texts(feed.stop_times["trip_id"].unique()))
    orphans = timed - set(column_texts(trips["trip_id"]))
    if orphans:  # the column read whole only to locate them, each at its first stop time
        for k, trip in enumerate(column_texts(feed.stop_times["trip_id"])):
            if trip in orphans:
                r.problem("stop_times.txt", k, "trip_id", f"trip_id {trip!r} is not in trips.txt")
                orphans.discard(trip)
    first: dict[str, int] = {}
    for k, (trip_id, sid) in enumerate(zip(trips["trip_id"], trips["service_id"], strict=True)):
        trip = cell_text(trip_id)
        if trip not in chosen:
            continue
        if trip in first:
            r.problem("trips.txt", k, "trip_id",
                      f"trip_id {trip!r} is given twice (line {r.line('trips.txt', first[trip])} too): "
                      "a trip's id is its own")
            continue
        first[trip] = k
        if cell_text(sid) not in days_of:
            r.problem("trips.txt", k, "service_id",
                      f"trip {trip!r}: service_id {cell_text(sid)!r} is in neither calendar.txt nor "
                      "calendar_dates.txt, so the trip would run on no day")
        elif cell_text(sid) in far:
            table, row, column, day = far.pop(cell_text(sid))
            r.problem(table, row, column,
                      f"service_id {cell_text(sid)!r}: {day} is outside {FIRST_DATE.year} to "
                      f"{LAST_DATE.year}, the dates a scenario may take, and trip {trip!r} runs on it")
        if trip not in timed:
            r.problem("trips.txt", k, "trip_id", f"trip {trip!r} has no stop times in stop_times.txt")


def service_days(r: Reader, feed: Any) -> tuple[dict[str, set[dt.date]],
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
    if cal is not None and not has_columns(r, cal, "calendar"):
        cal = None
    if cal is not None:
        cal = cal.reset_index(drop=True)
        for k in range(len(cal)):
            row = cal.iloc[k]
            ends: dict[str, dt.date] = {}
            for column in ("start_date", "end_date"):  # each named at its own column
                try:
                    ends[column] = dt.datetime.strptime(cell_text(row[column]), "%Y%m%d").date()
                except ValueError:
                    r.problem("calendar.txt", k, column,
                              f"{column} {cell_text(row[column])!r} is not YYYYMMDD")
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
            flags = {c: cell_number(row.get(c)) for c in day_cols}
            odd = next((c for c, flag in flags.items() if flag not in (0, 1)), None)
            if odd is not None:  # was read as 0: a day the service runs could vanish
                r.problem("calendar.txt", k, odd, f"{odd} {cell_text(row.get(odd))!r} is not 0 or 1")
                continue
            mask = {w for w, c in enumerate(day_cols) if flags[c] == 1}
            sid = cell_text(row["service_id"])
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
    if dates is not None and not has_columns(r, dates, "calendar_dates"):
        dates = None
    if dates is not None:
        dates = dates.reset_index(drop=True)
        for k in range(len(dates)):
            row = dates.iloc[k]
            try:
                day = dt.datetime.strptime(cell_text(row["date"]), "%Y%m%d").date()
            except ValueError:
                r.problem("calendar_dates.txt", k, "date", f"date {cell_text(row['date'])!r} is not YYYYMMDD")
                continue
            sid = cell_text(row["service_id"])
            if (sid, day) in exceptions:
                r.problem("calendar_dates.txt", k, "date",
                          f"service_id {sid!r} on {day} is given twice "
                          f"(line {r.line('calendar_dates.txt', exceptions[sid, day])} too)")
                continue
            exceptions[sid, day] = k
            kind = cell_number(row.get("exception_type"))
            if kind == 1:
                out[sid].add(day)
            elif kind == 2:
                out[sid].discard(day)
            else:
                r.problem(
                    "calendar_dates.txt",
                    k,
                    "exception_type",
                    f"exception_type {cell_text(row.get('exception_type'))!r} is not 1 or 2",
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


def _sequence_ok(r: Reader, sequence: list[str], trip: str, rows: list[int], at: list[int]) -> bool:
    """A trip's stops are ordered by stop_sequence: each a whole number 0 or more, none given
    twice. A missing one was read as 0 (the stop moved first, then said to go back in time)
    and two alike kept the file's order without a word. ``rows`` index ``sequence``; ``at``
    gives each one's record in stop_times.txt."""
    seen: dict[float, int] = {}
    for j in rows:
        text, k = sequence[j], at[j]
        value = cell_number(text)
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


def trip_times(
    r: Reader, feed: Any, trip_ids: set[str]
) -> dict[str, tuple[list[str], list[tuple[int, int]]]]:
    """Per trip: its stop ids and (arrival, departure) seconds, in stop_sequence order."""
    st = feed.stop_times
    known = set(column_texts(feed.stops["stop_id"]))
    # the records of the trips read (``at``, in file order), their columns taken out of pandas
    # once, not cell by cell: a feed's stop_times may hold millions of records
    rows_of: dict[str, list[int]] = defaultdict(list)  # per trip, indices into ``at``
    at: list[int] = []
    for k, t in enumerate(column_texts(st["trip_id"])):
        if t in trip_ids:
            rows_of[t].append(len(at))
            at.append(k)
    stop_ids, sequence = column_texts(st["stop_id"].take(at)), column_texts(st["stop_sequence"].take(at))
    arrivals = column_texts(st["arrival_time"].take(at))
    departures = column_texts(st["departure_time"].take(at))
    out = {}
    for trip, rows in rows_of.items():
        if not _sequence_ok(r, sequence, trip, rows, at):
            continue
        rows.sort(key=lambda j: cell_number(sequence[j]) or 0.0)
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


def read_shapes(r: Reader, feed: Any) -> dict[str, list[tuple[float, float]]]:
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
            x = cell_number(cell)
            if x is None or abs(x) > top:
                said = (f"{cell_text(cell)!r} is not {what}" if cell_text(cell)
                        else f"is empty or NaN, not {what}")
                r.problem("shapes.txt", k, column, f"shape {cell_text(sid)!r}: {column} {said}")
                break
            numbers.append(x)
        else:
            out[cell_text(sid)].append(tuple(numbers))  # type: ignore[arg-type]
    return {k: [(lat, lon) for _, lat, lon in sorted(v)] for k, v in out.items()}
