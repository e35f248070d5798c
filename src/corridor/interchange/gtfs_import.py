"""Services from a GTFS feed, for a scenario's ``services_from: {gtfs: FILE, routes: [...]}``.

The feed is read with gtfs-kit (:mod:`corridor.interchange.gtfs_read`) and its tables checked
and turned into Python values (:mod:`corridor.interchange.gtfs_tables`). Each chosen route
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
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

import numpy as np

from corridor.errors import Problem, ScenarioError
from corridor.interchange.gtfs_export import calendar_rows
from corridor.interchange.gtfs_read import FeedError, read_feed
from corridor.interchange.gtfs_tables import (
    REQUIRED,
    Reader,
    as_written,
    cell_number,
    cell_text,
    check_trips,
    column_texts,
    map_stops,
    read_shapes,
    refuse_frequencies,
    service_days,
    timing_points,
    trip_times,
    unique_ids,
)
from corridor.interchange.gtfs_time import day_start, format_time
from corridor.network.geo import great_circle_km
from corridor.scenario.schema import (
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
    r = Reader(path, where)
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

    tz_names = sorted({cell_text(z) for z in feed.agency["agency_timezone"]})
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
        cell_text(a): cell_text(n)
        for a, n in zip(
            feed.agency.get("agency_id", [""] * len(feed.agency)), feed.agency["agency_name"], strict=True
        )
    }

    routes = feed.routes.reset_index(drop=True)
    route_row = unique_ids(r, "routes.txt", "route_id", routes["route_id"])
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
        trips_of[cell_text(rid)].append(k)
        if cell_text(rid) not in route_row:  # no route of any name would read it: it was dropped
            trip = cell_text(trips["trip_id"].iloc[k])
            r.problem("trips.txt", k, "route_id",
                      f"trip {trip!r}: route_id {cell_text(rid)!r} is not in routes.txt")
    chosen = {cell_text(t) for rid, _, _ in wanted for t in trips["trip_id"].iloc[trips_of[rid]]}
    timing = timing_points(r, feed)
    # only the stops the chosen trips call at need a place: a national feed's other stations,
    # its entrances and nodes (which GTFS lets go without coordinates) were refused
    used = {stop for trip, stop in zip(column_texts(feed.stop_times["trip_id"]),
                                        column_texts(feed.stop_times["stop_id"]), strict=True)
            if trip in chosen}
    stop_place = map_stops(r, feed, places, spec.match_km, timing, used)
    days_of, far = service_days(r, feed)
    if r.problems or feed_tz is None:
        raise ScenarioError(r.problems)
    refuse_frequencies(r, feed, chosen)
    check_trips(r, feed, trips, chosen, days_of, far)
    times = trip_times(r, feed, chosen)
    place_of = {p.id: p for p in places}
    shapes = read_shapes(r, feed)
    if "shape_id" in trips and not r.problems:  # GTFS: a trip's shape is one of shapes.txt (one
        # that was not, the trip was drawn straight without a word)
        trip_shapes = zip(column_texts(trips["trip_id"]), column_texts(trips["shape_id"]), strict=True)
        for k, (trip, shape) in enumerate(trip_shapes):
            if shape and trip in chosen and shape not in shapes:
                r.problem("trips.txt", k, "shape_id",
                          f"trip {trip!r}: shape_id {shape!r} is not in shapes.txt")

    # read once: a cell taken from the frame per trip (twice for each) was two fifths of the
    # time 200,000 trips took to import
    trip_columns = (column_texts(trips["trip_id"]), column_texts(trips["service_id"]),
                    column_texts(trips["block_id"]) if "block_id" in trips else None)
    out: list[Imported] = []
    # problems of the routes' entries: a listed route none of whose trips runs on a day
    # (nothing to import), economics for a route that carries no passengers
    at_entries: list[Any] = []
    for rid, entry, listed in wanted:
        row = route_row[rid]
        fields = _route_fields(r, routes.iloc[row], row, entry, agency_names)
        if fields is None:
            continue
        if "economics" in fields and fields["unit"] != "pax":
            assert listed is not None  # (economics comes from a route's entry alone)
            at_entries.append(spec_problem(("routes", listed, "economics"), f"route {rid!r} carries "
                                     f"{fields['unit']}: economics is for passenger services (unit pax)"))
            continue
        # pattern (places, offsets) -> first-stop local clock minute -> local dates
        patterns: dict[tuple[tuple[str, ...], tuple[int, ...]], dict[int, set[dt.date]]] = {}
        shape_of: dict[tuple[tuple[str, ...], tuple[int, ...]], str] = {}
        runs = _runs(trip_columns, trips_of[rid], times, days_of, feed_tz)
        for k, trip_id, stops, stamps, run_days in runs:
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
            shape_of.setdefault(key, cell_text(trips["shape_id"].iloc[k]) if "shape_id" in trips else "")
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
            at_entries.append(spec_problem(("routes", listed), f"route {rid!r} " + (
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
    if r.problems or at_entries:
        raise ScenarioError(r.problems + at_entries)
    if not out:
        raise ScenarioError([spec_problem(("gtfs",), f"{shown} gives no trip that runs on a day of its "
                                          "calendars (calendar.txt, calendar_dates.txt): nothing to import")])
    return out


def _runs(
    trips: tuple[list[str], list[str], list[str] | None],
    rows: list[int],
    times: dict[str, tuple[list[str], list[tuple[int, int]]]],
    days_of: dict[str, set[dt.date]],
    feed_tz: Any,
) -> list[tuple[int, str, list[str], list[tuple[int, int]], set[dt.date]]]:
    """The runs of a route's trips (rows of trips.txt, whose ``trip_id``, ``service_id`` and
    ``block_id``, if any, ``trips`` holds): (row, trip id, stops, times, days).

    A trip without a ``block_id`` is a run of its own, on its service's days. The trips of a
    block are joined, day by day, where one ends at the stop and instant (arrival and
    departure) another begins; a run's times count from the service day of its first trip,
    so a joined run is read as a trip longer than its pieces."""
    out: list[tuple[int, str, list[str], list[tuple[int, int]], set[dt.date]]] = []
    blocks: dict[str, list[int]] = defaultdict(list)
    trip_ids, service_ids, block_ids = trips
    for k in rows:
        trip_id = trip_ids[k]
        if trip_id not in times:
            continue
        block = block_ids[k] if block_ids is not None else ""
        if block:
            blocks[block].append(k)
        else:
            stops, stamps = times[trip_id]
            days = days_of.get(service_ids[k], set())
            out.append((k, trip_id, stops, stamps, days))
    for members in blocks.values():
        # every trip of the block on every day it runs, its times as UTC seconds
        pieces: list[tuple[int, dt.date, list[str], list[tuple[int, int]]]] = []
        for k in members:
            stops, stamps = times[trip_ids[k]]
            for day in days_of.get(service_ids[k], ()):
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
            out.append((k, trip_ids[k], list(stops_t), list(stamps_t), days))
    return out


#: A route entry's keys that no column of a feed gives, for the simulation: every service of
#: the route takes them as given
_SIMULATED = ("delay", "schedule_padding", "economics")


def _route_fields(
    r: Reader, route: Any, row: int, entry: Any, agency_names: dict[str, str]
) -> dict[str, Any] | None:
    """Mode, unit, capacity, cost, CO2 and names of a route, from its entry or corridor_* columns,
    and the delays, padding and costs to its operator that only the entry gives."""
    rid = cell_text(route["route_id"])
    given = entry.model_dump(exclude_none=True, exclude={"id"}) if entry is not None else {}
    fields: dict[str, Any] = {}
    mode = given.get("mode") or cell_text(route.get("corridor_mode"))
    if not mode:
        rtype = cell_number(route.get("route_type"))
        mode = route_mode(int(rtype)) if rtype is not None else None
        if mode is None:
            r.problem(
                "routes.txt",
                row,
                "route_type",
                f"route {rid!r}: route_type "
                f"{cell_text(route.get('route_type'))!r} has no corridor mode; give mode in its routes entry",
            )
            return None
    fields["mode"] = mode
    for key, column in (("unit", "corridor_unit"), ("capacity", "corridor_capacity")):
        value = given.get(key)
        if value is None:
            text = cell_text(route.get(column))
            value = text or None
            if key == "capacity" and text:
                number = cell_number(text)
                # checked here, where the column and what it says are known: the scenario's check
                # of each service made from the route named a service field and int(1e308)'s digits
                if number is None or number != int(number) or not 1 <= number <= MAX_CAPACITY:
                    r.problem("routes.txt", row, column, f"route {rid!r}: capacity {as_written(text)!r} "
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
        text = "" if entry_has else cell_text(route.get(column))
        read[column] = cell_number(text)
        if text and read[column] is None:  # said, but no number: not left out
            r.problem("routes.txt", row, column, f"route {rid!r}: {text!r} is not a finite number")
            return None
    if not money and read["corridor_cost_usd"] is not None:
        money = {"cost_usd": read["corridor_cost_usd"]}
    if not carbon and read["corridor_co2_kg"] is not None:
        carbon = {"co2_kg": read["corridor_co2_kg"]}
    basis = given.get("fare_basis") or cell_text(route.get("corridor_fare_basis"))
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
    name = cell_text(route.get("route_long_name")) or cell_text(route.get("route_short_name"))
    if name:
        fields["name"] = name
    agency = cell_text(route.get("agency_id"))
    if agency and agency not in agency_names and any(agency_names):  # (an agency.txt without ids
        # names none, and a feed of one agency may leave them out)
        r.problem("routes.txt", row, "agency_id", f"route {rid!r}: agency_id {agency!r} is not in agency.txt "
                  f"({', '.join(repr(a) for a in sorted(agency_names) if a)})")
        return None
    operator = given.get("operator") or agency_names.get(agency, "") or (
        next(iter(agency_names.values())) if len(agency_names) == 1 else ""
    )
    if operator:
        fields["operator"] = operator
    fields.update({k: given[k] for k in _SIMULATED if k in given})
    return fields


def _service(
    r: Reader,
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
    for k in ("cost_usd", "cost_usd_per_unit_km", "fare_basis", "co2_kg", "co2_g_per_unit_km", "distance_km",
              *_SIMULATED):
        if k in fields:
            data[k] = fields[k]
    running = _running_times(arr, dep) if len(stops) > 2 else None
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
    if len(stops) == 2:
        data["duration_min"] = float(arr[1] - dep[0])
        if shape and 2 < len(shape) <= MAX_WAYPOINTS + 2:
            data["waypoints"] = [list(p) for p in shape[1:-1]]
        return data
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
