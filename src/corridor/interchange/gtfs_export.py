"""A scenario's timetabled services as a GTFS feed (a zip of CSV tables).

One route per service (``route_id`` = service id), one trip per departure time and calendar
period, calendar.txt periods that reproduce exactly the days each departure runs on, stops
from places, shapes from :func:`corridor.network.paths.service_path`, and transfers.txt for
minimum connection times and links. The feed has one time zone (``agency_timezone``, as GTFS
requires); each departure is converted from its first stop's zone to the feed's with the GTFS
rule (:mod:`corridor.interchange.gtfs_time`), so a feed spanning Kazakhstan and the EU keeps
every instant across both summer-time changes. Each stop carries its own ``stop_timezone``.

GTFS times are written ``HH:MM:SS``, two-digit hours. A trip whose times would reach
100:00:00 (a two-week train, a five-week voyage) is cut, as real feeds cut multi-day trains,
into consecutive trips that share a ``block_id``: each piece ends at a stop where the next
begins (same stop, same arrival and departure), and each later piece runs on the calendar of
the service day it starts on, so its own times stay below 100 h. A run between two stops
too long for one piece is cut at timing points along its path (stops nobody boards or
leaves at, ``pickup_type`` and ``drop_off_type`` 1), which the import drops again.

What GTFS has no column for travels in extra ``corridor_*`` columns of routes.txt (unit,
capacity, mode, distance, cost and CO2 per unit), which GTFS readers ignore and
:mod:`corridor.interchange.gtfs_import` reads back. Check-in times have no GTFS field and are
not written; dispatched services (no timetable) are left out and listed in the result.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from corridor.errors import CorridorError
from corridor.interchange.gtfs_time import day_start, format_time, service_day
from corridor.network.paths import segment_paths, service_path
from corridor.network.segments import service_segments
from corridor.network.timetable import first_departures_min
from corridor.report.files import write_atomically
from corridor.scenario.schema import Scenario, Service
from corridor.timezone import zone
from corridor.units import MIN_PER_DAY

#: GTFS route_type of each mode: basic types for rail (2), ferry (4) and bus (3); air has no
#: basic type and takes the extended "Air Service" (1100). Sea freight sails as a ferry.
ROUTE_TYPES = {"rail": 2, "ferry": 4, "sea": 4, "road": 3, "air": 1100}
#: The agency URL GTFS requires; scenarios name operators, not their web sites.
PLACEHOLDER_URL = "https://example.invalid/"
DEFAULT_PERIOD_DAYS = 364  # a feed without a scenario validity covers a year from run.start
MAX_PERIOD_DAYS = 3 * 366
#: GTFS hours have two digits: no stop time may reach this many hours.
MAX_HOURS = 100
#: The longest piece of a cut trip, from its first arrival to its last departure: a piece
#: starts less than 26 h into its service day (25 h on the day the clocks go back), so its
#: times stay below 26 + 72 = 98 h.
MAX_PIECE_MIN = 72 * 60


@dataclass
class Feed:
    """A GTFS feed's tables (rows as dicts), before it is written."""

    timezone: str
    start: dt.date
    end: dt.date
    tables: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # services with no timetable


def _slug(text: str) -> str:
    out = "".join(c if c.isalnum() else "_" for c in text).strip("_")
    return out[:64] or "operator"


def default_timezone(scenario: Scenario) -> str:
    """The zone most timetabled services start in (ties: the first seen); with none, the first
    place's, and UTC in a scenario of no places (whose feed then has nothing to write)."""
    places = {p.id: p for p in scenario.places}
    counts = Counter(places[s.stops[0]].tz for s in scenario.services if s.timetable is not None)
    if not counts:
        return scenario.places[0].tz if scenario.places else "UTC"
    return counts.most_common(1)[0][0]


def feed_period(
    scenario: Scenario, start: dt.date | None = None, end: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """The days the feed covers: given, or the scenario's validity, or a year from run.start."""
    first = start or scenario.valid_from or scenario.run.start
    last = end or scenario.valid_to or (first + dt.timedelta(days=DEFAULT_PERIOD_DAYS))
    if last < first:
        raise CorridorError(f"feed period ends {last} before it starts {first}")
    if (last - first).days > MAX_PERIOD_DAYS:
        raise CorridorError(f"feed period {first} to {last} is longer than {MAX_PERIOD_DAYS} days")
    return first, last


def calendar_rows(days: Iterable[dt.date]) -> list[tuple[frozenset[int], dt.date, dt.date]]:
    """Periods (weekdays, first, last) whose days are exactly ``days``: one period for a plain
    weekly pattern, more where it changes (a summer-time shift, a gap).

    >>> d = dt.date(2027, 3, 1)   # a Monday
    >>> calendar_rows([d, d + dt.timedelta(2), d + dt.timedelta(7), d + dt.timedelta(9)])
    [(frozenset({0, 2}), datetime.date(2027, 3, 1), datetime.date(2027, 3, 10))]
    """
    # on day ordinals (ordinal 1, 0001-01-01, is a Monday): the walk below steps through every
    # day of the period, and ints step faster than dates
    wanted = sorted({d.toordinal() for d in days})
    present = set(wanted)
    rows = []
    i = 0
    while i < len(wanted):
        first = wanted[i]
        mask = frozenset((d - 1) % 7 for d in wanted[i : i + 7] if d < first + 7)
        last = cur = first
        while cur < wanted[-1]:
            cur += 1
            if (cur in present) != ((cur - 1) % 7 in mask):
                break
            if cur in present:
                last = cur
        rows.append((mask, dt.date.fromordinal(first), dt.date.fromordinal(last)))
        while i < len(wanted) and wanted[i] <= last:
            i += 1
    return rows


def build_feed(
    scenario: Scenario,
    *,
    timezone: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Feed:
    """The scenario's timetabled services as GTFS tables over ``start`` .. ``end``."""
    tz_name = default_timezone(scenario) if timezone is None else timezone  # '' is no zone
    try:
        feed_tz = zone(tz_name)
    except KeyError:
        raise CorridorError(f"unknown IANA time zone {tz_name!r} for the feed") from None
    if tz_name == "Factory":  # tzdata's zone of an unset clock, as a scenario's places refuse it
        raise CorridorError("'Factory' is the zone of an unset clock, not of an agency; give the feed's zone")
    first, last = feed_period(scenario, start, end)
    given = (start is not None, end is not None)
    feed = Feed(tz_name, first, last)
    places = {p.id: p for p in scenario.places}
    clock = _Clock(feed_tz, scenario.run.epoch)

    agencies: dict[str, dict[str, object]] = {}
    routes: list[dict[str, object]] = []
    trips: list[dict[str, object]] = []
    stop_times: list[dict[str, object]] = []
    calendar: list[dict[str, object]] = []
    shapes: list[dict[str, object]] = []
    used_stops: set[str] = set()
    via_stops: dict[str, _Point] = {}
    days_run: set[dt.date] = set()  # the service days of the trips written (their first pieces)
    for service in scenario.services:
        if service.timetable is None:
            feed.skipped.append(service.id)
            continue
        operator = service.operator or "corridor scenario"
        agency_id = _slug(operator)
        agencies.setdefault(
            agency_id,
            {
                "agency_id": agency_id,
                "agency_name": operator,
                "agency_url": PLACEHOLDER_URL,
                "agency_timezone": tz_name,
            },
        )
        segments = service_segments(service, places)
        routes.append(
            {
                "route_id": service.id,
                "agency_id": agency_id,
                "route_short_name": service.id,
                "route_long_name": service.name or "",
                "route_type": ROUTE_TYPES[service.mode],
                "corridor_mode": service.mode,
                "corridor_unit": service.unit,
                "corridor_capacity": service.capacity,
                "corridor_distance_km": repr(sum(s.distance_km for s in segments)),
                # as given when given whole (the segments' shares add up to it with float drift)
                "corridor_cost_usd": repr(service.cost_usd if service.cost_usd is not None
                                          else sum(s.cost_usd for s in segments)),
                "corridor_fare_basis": service.fare_basis,
                "corridor_co2_kg": repr(sum(s.co2_kg for s in segments)),
            }
        )
        for k, (lat, lon) in enumerate(service_path(service, places)):
            shapes.append(
                {
                    "shape_id": service.id,
                    "shape_pt_lat": f"{lat:.6f}",
                    "shape_pt_lon": f"{lon:.6f}",
                    "shape_pt_sequence": k,
                }
            )
        used_stops.update(service.stops)
        by_time = _departures(scenario, service, places[service.stops[0]].tz, clock, first, last, given)
        days_run.update(d for days in by_time.values() for d in days)
        points = _points(service, segments)
        plan = [points]
        if by_time and max(by_time) + points[-1].depart_min * 60 >= MAX_HOURS * 3600:
            plan = _pieces(service, points, places)
            via_stops.update({q.stop: q for piece in plan for q in piece if q.via is not None})
        # departure times that run on the same days share calendar periods
        by_days: dict[frozenset[dt.date], list[int]] = defaultdict(list)
        for seconds, days in sorted(by_time.items()):
            by_days[frozenset(days)].append(seconds)
        n_cal = 0
        for day_set, times in sorted(by_days.items(), key=lambda kv: (min(kv[0]), kv[1])):
            for mask, lo, hi in calendar_rows(day_set):
                service_id = f"{service.id}.c{n_cal}"
                n_cal += 1
                calendar.append(_calendar_row(service_id, mask, lo, hi))
                period = sorted(d for d in day_set if lo <= d <= hi and d.weekday() in mask)
                for seconds in times:
                    trip_id = f"{service_id}.{format_time(seconds).replace(':', '')}"
                    block = {"block_id": trip_id} if len(plan) > 1 else {}
                    trips.append(
                        {
                            "route_id": service.id,
                            "service_id": service_id,
                            "trip_id": trip_id,
                            "shape_id": service.id,
                            **block,
                        }
                    )
                    stop_times.extend(_stop_times(trip_id, seconds, plan[0]))
                    # each later piece on the service days it starts on, in the same block
                    for piece in plan[1:]:
                        base = piece[0].arrive_min
                        starts: dict[int, set[dt.date]] = defaultdict(set)
                        shift = dt.timedelta(seconds=seconds + base * 60)
                        for day in period:
                            piece_day, piece_s = service_day(day_start(day, feed_tz) + shift, feed_tz)
                            starts[piece_s].add(piece_day)
                        for piece_s, piece_days in sorted(starts.items()):
                            for p_mask, p_lo, p_hi in calendar_rows(piece_days):
                                piece_service = f"{service.id}.c{n_cal}"
                                n_cal += 1
                                calendar.append(_calendar_row(piece_service, p_mask, p_lo, p_hi))
                                piece_trip = f"{piece_service}.{format_time(piece_s).replace(':', '')}"
                                trips.append(
                                    {
                                        "route_id": service.id,
                                        "service_id": piece_service,
                                        "trip_id": piece_trip,
                                        "shape_id": service.id,
                                        **block,
                                    }
                                )
                                stop_times.extend(_stop_times(piece_trip, piece_s - int(base * 60), piece))
    if days_run:  # a period taken from the scenario holds every day its trips run on in the feed's zone
        feed.start = first if start is not None else min(first, min(days_run))
        feed.end = last if end is not None else max(last, max(days_run))
    kept = used_stops | _linked(scenario)
    stops: list[dict[str, object]] = [
        {
            "stop_id": p.id,
            "stop_name": p.name,
            "stop_lat": f"{p.lat:.6f}",
            "stop_lon": f"{p.lon:.6f}",
            "location_type": 0,
            "stop_timezone": p.tz,
        }
        for p in scenario.places
        if p.id in kept
    ]
    stops += [
        {
            "stop_id": q.stop,
            "stop_name": q.via[2],
            "stop_lat": f"{q.via[0]:.6f}",
            "stop_lon": f"{q.via[1]:.6f}",
            "location_type": 0,
            "stop_timezone": tz_name,
        }
        for q in via_stops.values()
        if q.via is not None
    ]
    for row in stop_times:  # the cut keeps every time below 100 h; a time past it is a bug here
        if max(parse_hours(row["arrival_time"]), parse_hours(row["departure_time"])) >= MAX_HOURS:
            raise CorridorError(f"trip {row['trip_id']}: stop time {row['arrival_time']} has 3-digit hours")
    feed.tables = {
        "agency.txt": list(agencies.values()),
        "stops.txt": stops,
        "routes.txt": routes,
        "trips.txt": trips,
        "stop_times.txt": stop_times,
        "calendar.txt": calendar,
        "shapes.txt": shapes,
        "transfers.txt": [
            t for t in _transfers(scenario) if t["from_stop_id"] in kept and t["to_stop_id"] in kept
        ],
        "feed_info.txt": [
            {
                "feed_publisher_name": "corridor",
                "feed_publisher_url": PLACEHOLDER_URL,
                "feed_lang": "en",
                "feed_start_date": feed.start.strftime("%Y%m%d"),
                "feed_end_date": feed.end.strftime("%Y%m%d"),
                "feed_version": scenario.name,
            }
        ],
    }
    return feed


_DAY_COLUMNS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class _Clock:
    """:func:`service_day` in the feed's zone, worked out once an instant: thousands of
    services depart at the same few thousand instants, and each answer is a few datetime
    conversions."""

    def __init__(self, tz: ZoneInfo, epoch: dt.datetime) -> None:
        self.tz = tz
        self.epoch = epoch
        self._days_min: dict[float, tuple[dt.date, int]] = {}

    def service_day_min(self, minutes: float) -> tuple[dt.date, int]:
        """The service day and seconds of an instant given in minutes since the epoch."""
        got = self._days_min.get(minutes)
        if got is None:
            got = self._days_min[minutes] = service_day(self.epoch + dt.timedelta(minutes=minutes), self.tz)
        return got


def _departures(
    scenario: Scenario, service: Service, tz: str, clock: _Clock, first: dt.date, last: dt.date,
    given: tuple[bool, bool],
) -> dict[int, set[dt.date]]:
    """Each departure time of ``service`` in GTFS seconds, with the service days it runs on.

    An end of the period the user ``given`` is a day of the feed's zone, as GTFS reads
    ``feed_start_date`` and ``feed_end_date``: a departure late on the eve of the first day at
    its first stop may run on that day in the feed's zone, one late on the last day on the day
    after it. An end taken from the scenario (its validity, or a year from ``run.start``) bounds
    local dates at the first stop, as a service's own validity does, and the feed's period
    grows to the days its departures run on (:func:`build_feed`). ``tz``: the zone of the
    service's first stop."""
    assert service.timetable is not None
    epoch = clock.epoch
    valid_from, valid_to = scenario.validity(service)
    if not given[0]:
        valid_from = max(first, valid_from) if valid_from else first
    if not given[1]:
        valid_to = min(last, valid_to) if valid_to else last
    out: dict[int, set[dt.date]] = defaultdict(set)
    if valid_from and valid_to and valid_to < valid_from:
        return out
    # the window holds every departure of a local day first..last, or of a feed day, whatever the zones
    start_min = ((first - epoch.date()).days - 2) * MIN_PER_DAY
    end_min = ((last - epoch.date()).days + 3) * MIN_PER_DAY
    starts = first_departures_min(
        service.timetable.weekdays,
        service.timetable.clock_min,
        tz,
        epoch,
        end_min,
        start_min=start_min,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    for minutes in starts.tolist():
        day, seconds = clock.service_day_min(minutes)
        if (given[0] and day < first) or (given[1] and day > last):
            continue
        out[seconds].add(day)
    return out


def _calendar_row(service_id: str, mask: frozenset[int], lo: dt.date, hi: dt.date) -> dict[str, object]:
    return {
        "service_id": service_id,
        **{column: int(w in mask) for w, column in enumerate(_DAY_COLUMNS)},
        "start_date": lo.strftime("%Y%m%d"),
        "end_date": hi.strftime("%Y%m%d"),
    }


def parse_hours(text: object) -> int:
    """The hours of a ``HH:MM:SS`` time."""
    return int(str(text).split(":", 1)[0])


@dataclass(frozen=True)
class _Point:
    """A stop of a trip (or a timing point, ``via`` = (lat, lon, name)): its place in the
    trip's stop_sequence and its minutes from the first departure."""

    stop: str
    sequence: int
    arrive_min: float
    depart_min: float
    via: tuple[float, float, str] | None = None


def _points(service: Service, segments: list) -> list[_Point]:  # type: ignore[type-arg]
    n = len(segments)
    return [
        _Point(
            segments[k].origin if k < n else segments[-1].destination,
            k,
            segments[k - 1].arrive_offset_min if k > 0 else segments[0].depart_offset_min,
            segments[k].depart_offset_min if k < n else segments[-1].arrive_offset_min,
        )
        for k in range(n + 1)
    ]


def _pieces(service: Service, points: list[_Point], places: dict) -> list[list[_Point]]:  # type: ignore[type-arg]
    """The trip cut into pieces of at most :data:`MAX_PIECE_MIN` from a piece's first arrival
    to its last departure, each ending where the next begins: at the furthest stop within
    reach, or, where the next stop is out of reach, at a timing point on the way to it."""
    paths = segment_paths(service, places)
    pieces: list[list[_Point]] = []
    current = [points[0]]
    rest = list(points[1:])
    n_via = 0
    while rest:
        base = current[0].arrive_min
        if rest[0].depart_min - base <= MAX_PIECE_MIN:
            current.append(rest.pop(0))
            continue
        if len(current) == 1:  # not even the next stop: a timing point on the way
            nxt = rest[0]
            at = base + MAX_PIECE_MIN
            leaves = points[nxt.sequence - 1].depart_min  # the stop the run starts from
            frac = (at - leaves) / (nxt.arrive_min - leaves)
            lat, lon = _along(paths[nxt.sequence - 1], frac)
            n_via += 1
            name = f"{service.name or service.id}, timing point {n_via}"
            current.append(_Point(f"{service.id}.via{n_via}", -1, at, at, (lat, lon, name)))
        pieces.append(current)
        current = [current[-1]]
    pieces.append(current)
    # stop_sequence rises along the whole run: timing points take the numbers after their
    # stop's, the stops after them are renumbered
    out: list[list[_Point]] = []
    seq = 0
    renumbered: dict[tuple[str, float], _Point] = {}
    for piece in pieces:
        new = []
        for q in piece:
            key = (q.stop, q.arrive_min)
            if key not in renumbered:
                renumbered[key] = _Point(q.stop, seq, q.arrive_min, q.depart_min, q.via)
                seq += 1
            new.append(renumbered[key])
        out.append(new)
    return out


def _along(path: list[tuple[float, float]], frac: float) -> tuple[float, float]:
    """The point a fraction ``frac`` of the way along ``path`` (by its vertices' steps in
    plain degrees: a timing point's place only has to lie on the line)."""
    if len(path) < 2:
        return path[0]
    steps = [abs(b[0] - a[0]) + abs(b[1] - a[1]) for a, b in zip(path, path[1:], strict=False)]
    target = max(0.0, min(1.0, frac)) * sum(steps)
    for (a, b), step in zip(zip(path, path[1:], strict=False), steps, strict=True):
        if target <= step and step > 0:
            t = target / step
            return a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])
        target -= step
    return path[-1]


def _stop_times(trip_id: str, start_s: int, points: list[_Point]) -> list[dict[str, object]]:
    """A trip's rows: ``start_s`` is the seconds of offset 0 on the trip's service day (for a
    later piece, before the day it starts); boarding all but at its last stop, alighting all
    but at its first, neither at a timing point."""
    rows = []
    n = len(points) - 1
    for k, q in enumerate(points):
        rows.append(
            {
                "trip_id": trip_id,
                "arrival_time": format_time(start_s + int(q.arrive_min * 60)),
                "departure_time": format_time(start_s + int(q.depart_min * 60)),
                "stop_id": q.stop,
                "stop_sequence": q.sequence,
                "pickup_type": 1 if k == n or q.via is not None else 0,
                "drop_off_type": 1 if k == 0 or q.via is not None else 0,
            }
        )
    return rows


def _linked(scenario: Scenario) -> set[str]:
    return {link.from_ for link in scenario.links} | {link.to for link in scenario.links}


def _transfers(scenario: Scenario) -> list[dict[str, object]]:
    """A place's minimum connection time (to itself), and each direction of each link, as the
    least time from alighting at one stop to boarding at the other: the connection time where
    the link starts, the link, and the larger of check-in and connection time where it ends
    (docs/planning.md, "Boarding rules")."""
    rows: dict[tuple[str, str], int] = {}
    places = {p.id: p for p in scenario.places}
    for p in scenario.places:
        if p.min_connection_min > 0:
            rows[(p.id, p.id)] = int(round(p.min_connection_min * 60))
    for link in scenario.links:
        ends = [(link.from_, link.to)] + ([(link.to, link.from_)] if link.bidirectional else [])
        for u, v in ends:
            a, b = places[u], places[v]
            minutes = a.min_connection_min + link.duration_min + max(b.checkin_min, b.min_connection_min)
            seconds = int(round(minutes * 60))
            rows[(u, v)] = min(rows.get((u, v), seconds), seconds)
    return [
        {"from_stop_id": u, "to_stop_id": v, "transfer_type": 2, "min_transfer_time": s}
        for (u, v), s in rows.items()
    ]


def feed_bytes(feed: Feed) -> bytes:
    """The feed as a zip archive in memory (files in a fixed order, fixed timestamps)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, rows in feed.tables.items():
            if not rows:
                continue
            text = io.StringIO()
            columns = list(dict.fromkeys(k for row in rows for k in row))
            writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.getvalue().encode("utf-8"))
    return buffer.getvalue()


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def gtfs_path(out: Path) -> Path:
    """``out``, if it can name a GTFS feed (a .zip file); a clear error if not."""
    out = Path(out)
    if out.suffix.lower() != ".zip":
        raise CorridorError(f"{out}: a GTFS feed is a .zip file")
    return out


def write_gtfs(
    scenario: Scenario,
    out: Path,
    *,
    timezone: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Feed:
    """Write the scenario's GTFS feed to ``out`` (a .zip), whole or not at all."""
    out = gtfs_path(out)
    feed = build_feed(scenario, timezone=timezone, start=start, end=end)
    if not feed.tables.get("trips.txt"):  # a feed without trips is no timetable, and reads back as none
        why = ("the scenario has no timetabled service (dispatched services and links are not in a "
               "feed)") if not any(s.timetable is not None for s in scenario.services) else (
               f"no timetabled service runs from {feed.start} to {feed.end}; give --start and --end "
               "within the services' validity")
        raise CorridorError(f"{out}: nothing to write: {why}")
    data = feed_bytes(feed)
    write_atomically(out, lambda tmp: _write(tmp, data))
    return feed
