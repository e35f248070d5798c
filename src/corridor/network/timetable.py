"""Weekly local timetables expanded into concrete connections, as sorted NumPy arrays.

A *connection* is one segment of one departure (a *trip*) of a service: it leaves place
``origin[i]`` at ``dep_min[i]`` and reaches ``dest[i]`` at ``arr_min[i]``, in minutes since
the scenario epoch (midnight UTC of ``run.start``; negative before it). A timetable covers
the trips that leave their first stop inside a window of such minutes. Arrays are sorted by
departure, then arrival; the expansion is vectorised over days and trips. Local clock
times become UTC through each first stop's IANA zone, so daylight-saving changes inside the
window move departures as they do in reality; a clock time that falls in a spring-forward
gap, or twice in the autumn, is read with the offset in force before the change; one that
then falls on the instant of another departure of the service is that departure (a service
every 30 minutes leaves once at 04:00 on the morning clocks go forward, not twice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np

from corridor.network.segments import service_segments
from corridor.scenario.schema import Scenario
from corridor.timezone import zone
from corridor.units import MIN_PER_DAY

MODES = ("air", "rail", "ferry", "sea", "road")


@dataclass(frozen=True)
class LinkTable:
    """Unscheduled links, one row per direction."""

    ids: tuple[str, ...]
    origin: np.ndarray
    dest: np.ndarray
    duration_min: np.ndarray
    cost_usd: np.ndarray
    co2_kg: np.ndarray
    units: tuple[tuple[str, ...], ...]
    service: np.ndarray  # the dispatched service a row stands for, -1 for a plain link
    mode: tuple[str, ...] = ()  # the link's own mode (road, rail, transfer) or the service's
    wait_min: np.ndarray = field(default_factory=lambda: np.empty(0))  # planned wait: a dispatch's cut-off
    boardings: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))  # 1: a vehicle
    #: per row, a dispatched service's days to wait for one with departure paths
    #: (:data:`~corridor.planning.rules.PathDays`); None: every day has them, or a plain link
    path_days: tuple[tuple[int, ...] | None, ...] = ()

    @property
    def planned_min(self) -> np.ndarray:
        """What planning counts for a row: the cut-off wait of a dispatched vehicle plus its ride."""
        return self.wait_min + self.duration_min


@dataclass(frozen=True)
class Timetable:
    """Every connection of a scenario over its horizon, plus what routing needs per place.

    Trips are numbered service by service, each service's in order of departure, so service
    ``s``'s trips follow those of the services before it. Per service ``s`` it also keeps the
    stop indices, the sorted first-stop departures
    (``service_starts[s]``) and the segment offsets from them, so a ride from stop ``i`` to
    stop ``j`` leaves at ``starts + service_dep_offset[s][i]`` and arrives at
    ``starts + service_arr_offset[s][j - 1]``.
    """

    epoch: dt.datetime
    start_min: float  # the window of departures: [start_min, horizon_min)
    horizon_min: float
    places: tuple[str, ...]
    place_tz: tuple[str, ...]
    min_connection_min: np.ndarray
    checkin_min: np.ndarray
    services: tuple[str, ...]
    service_mode: tuple[str, ...]
    service_unit: tuple[str, ...]
    dep_min: np.ndarray
    arr_min: np.ndarray
    origin: np.ndarray
    dest: np.ndarray
    trip: np.ndarray
    service: np.ndarray
    segment: np.ndarray
    cost_usd: np.ndarray  # per connection: its share of the fare (0 on a fare by boarding)
    co2_kg: np.ndarray
    links: LinkTable
    service_stops: tuple[np.ndarray, ...]
    service_starts: tuple[np.ndarray, ...]
    service_dep_offset: tuple[np.ndarray, ...]
    service_arr_offset: tuple[np.ndarray, ...]
    service_km: tuple[np.ndarray, ...]  # per service: the distance of each segment, in stop order
    #: per service: what each boarding pays on top of the connections' cost_usd (its whole
    #: cost_usd for ``fare_basis: boarding``, else 0)
    board_cost_usd: np.ndarray
    trip_rows: np.ndarray  # connection rows of every trip in segment order, trip by trip ...
    trip_ptr: np.ndarray  # ... trip t's rows are trip_rows[trip_ptr[t]:trip_ptr[t + 1]]
    index: dict[str, int] = field(repr=False)

    @property
    def n_connections(self) -> int:
        return int(self.dep_min.size)

    def rows_of_trip(self, trip: int) -> np.ndarray:
        """Connection rows of one trip, in segment order."""
        return self.trip_rows[self.trip_ptr[trip] : self.trip_ptr[trip + 1]]

    def shifted_trips(self, shift_min: float) -> tuple[np.ndarray, np.ndarray]:
        """Per trip and per connection, the same one of the same service ``shift_min`` later
        (a week, for a weekly timetable), or -1 where there is none: a date outside a validity
        period or the window, or a clock change in between (local times keep their hour, so
        the UTC times move).

        Trips are numbered service by service in order of departure, as the engine starts them.
        """
        trip_later = np.full(self.trip_ptr.size - 1, -1, dtype=np.int64)
        first = 0
        for starts in self.service_starts:
            at = np.searchsorted(starts, starts + shift_min)
            found = at < starts.size
            found[found] = starts[at[found]] == starts[found] + shift_min
            trip_later[first:first + starts.size][found] = first + at[found]
            first += starts.size
        later = trip_later[self.trip]
        conn_later = np.full(self.n_connections, -1, dtype=np.int64)
        has = later >= 0
        conn_later[has] = self.trip_rows[self.trip_ptr[later[has]] + self.segment[has]]
        return trip_later, conn_later

    def service_mask(self, modes: Iterable[str] | None = None, unit: str | None = None) -> np.ndarray:
        """Per service: may a search use it, given allowed modes (None: all) and the unit carried."""
        mask = np.ones(len(self.services), dtype=bool)
        if modes is not None:
            mask &= np.isin(np.array(self.service_mode, dtype=object), list(modes))
        if unit is not None:
            mask &= np.array(self.service_unit, dtype=object) == unit
        return mask

    def to_utc(self, minutes: float) -> dt.datetime:
        return self.epoch + dt.timedelta(minutes=float(minutes))

    def from_datetime(self, when: dt.datetime) -> float:
        """Minutes since the epoch of an aware datetime."""
        return (when - self.epoch).total_seconds() / 60.0

    def local(self, minutes: float, place: int) -> dt.datetime:
        """The instant as local time at a place, with its UTC offset."""
        return self.to_utc(minutes).astimezone(zone(self.place_tz[place]))


def _local_days(epoch: dt.datetime, start_min: float, end_min: float) -> np.ndarray:
    """Ordinals of every calendar day whose local departures may fall in the window (any zone)."""
    first = (epoch + dt.timedelta(minutes=start_min)).date() - dt.timedelta(days=1)
    last = (epoch + dt.timedelta(minutes=end_min)).date() + dt.timedelta(days=1)
    return np.arange(first.toordinal(), last.toordinal() + 1, dtype=np.int64)


def _offset_min(zi: Any, day: dt.date, minute: int) -> float:
    """The UTC offset (minutes) of a local clock time, as ``zoneinfo`` reads it (``fold=0``)."""
    local = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zi)
    delta = local.utcoffset()
    assert delta is not None
    return delta.total_seconds() / 60.0


@lru_cache(maxsize=256)
def _day_offsets_min(tz: str, first_ordinal: int, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    """The UTC offset (minutes) at each local day's midnight and last minute: the same for
    every service of a zone over the same days, so worked out once for all of them."""
    zi = zone(tz)
    days = [dt.date.fromordinal(first_ordinal + k) for k in range(n_days)]
    first = np.array([_offset_min(zi, day, 0) for day in days])
    last = np.array([_offset_min(zi, day, 1439) for day in days])
    first.setflags(write=False)
    last.setflags(write=False)
    return first, last


@lru_cache(maxsize=4096)
def _utc_offsets_min(tz: str, first_ordinal: int, n_days: int, clock_min: tuple[int, ...]) -> np.ndarray:
    """UTC offset (minutes) of each local day x clock time, read as ``zoneinfo`` reads it.

    A zone changes offset at most once a day, so a day whose midnight and last minute have the
    same offset has it all day; only days of a change are looked up minute by minute. A clock
    time in a spring-forward gap, or repeated in the autumn, takes the offset in force before
    the change (``fold=0``).
    """
    zi = zone(tz)
    first, last = _day_offsets_min(tz, first_ordinal, n_days)
    out = np.repeat(first[:, None], len(clock_min), axis=1)
    for k in np.flatnonzero(first != last).tolist():
        day = dt.date.fromordinal(first_ordinal + k)
        out[k] = [_offset_min(zi, day, m) for m in clock_min]
    out.setflags(write=False)
    return out


def first_departures_min(
    weekdays: tuple[int, ...], clock_min: tuple[int, ...], tz: str, epoch: dt.datetime, end_min: float,
    *, start_min: float = 0.0, valid_from: dt.date | None = None, valid_to: dt.date | None = None,
) -> np.ndarray:
    """Minutes since ``epoch`` of every local departure inside ``[start_min, end_min)``, sorted.

    ``weekdays`` (Monday = 0) and ``clock_min`` (minutes after local midnight) are the weekly
    pattern; ``valid_from`` / ``valid_to`` (local dates, both included) bound the days it runs.
    """
    days = _local_days(epoch, start_min, end_min)
    keep = np.isin(days % 7, [(w + 1) % 7 for w in weekdays])  # ordinal 1 (0001-01-01) is a Monday
    if valid_from is not None:
        keep &= days >= valid_from.toordinal()
    if valid_to is not None:
        keep &= days <= valid_to.toordinal()
    if not keep.any() or not clock_min:
        return np.empty(0)
    offsets = _utc_offsets_min(tz, int(days[0]), int(days.size), tuple(clock_min))[keep]
    midnight = (days[keep] - epoch.date().toordinal()) * MIN_PER_DAY - epoch.hour * 60.0 - epoch.minute
    starts = (midnight[:, None] + np.asarray(clock_min, dtype=np.float64)[None, :] - offsets).ravel()
    # one departure an instant: a gap's clock time read with the earlier offset is the instant
    # of a later one (03:00 and 04:00 at 01:00 UTC when Vilnius goes from +02 to +03), and a
    # headway ran twice then
    return np.unique(starts[(starts >= start_min) & (starts < end_min)])


def build_timetable(
    scenario: Scenario, *, horizon_days: float | None = None,
    start_min: float = 0.0, end_min: float | None = None,
) -> Timetable:
    """Expand every service over a window of minutes since the scenario epoch.

    The window is ``[start_min, end_min)``; by default ``[0, run.horizon_days)`` (or
    ``horizon_days`` when given). Planning builds windows around the date asked, before, inside
    or after the run, since timetables are weekly patterns (bounded by validity periods).
    """
    epoch = scenario.run.epoch
    if end_min is None:
        end_min = float(horizon_days if horizon_days is not None else scenario.run.horizon_days) * 1440.0
    places = {p.id: p for p in scenario.places}
    index = {p.id: i for i, p in enumerate(scenario.places)}

    cols: dict[str, list[np.ndarray]] = {k: [] for k in (
        "dep", "arr", "origin", "dest", "trip", "service", "segment", "cost", "co2")}
    trip_base = 0
    row_base = 0
    stops_of, starts_of, dep_off_of, arr_off_of, km_of = [], [], [], [], []
    trip_rows_of: list[np.ndarray] = []  # per service: build rows of its trips, trip-major
    link_rows: list[_LinkRow] = []
    for s_idx, service in enumerate(scenario.services):
        segments = service_segments(service, places)
        if service.timetable is None:  # dispatched on demand: a row of the link table, a vehicle to routing
            assert service.dispatch is not None
            seg = segments[0]
            link_rows.append(_LinkRow(service.id, index[seg.origin], index[seg.destination],
                                      seg.duration_min, seg.cost_usd, seg.co2_kg, (service.unit,),
                                      s_idx, service.mode, service.dispatch.cutoff_min, 1,
                                      _path_days(service.dispatch, epoch)))
            starts = np.empty(0)
        else:
            valid_from, valid_to = scenario.validity(service)
            starts = first_departures_min(
                service.timetable.weekdays, service.timetable.clock_min,
                places[service.stops[0]].tz, epoch, end_min, start_min=start_min,
                valid_from=valid_from, valid_to=valid_to,
            )
        n, k = starts.size, len(segments)
        stops_of.append(np.array([index[p] for p in service.stops], dtype=np.int32))
        starts_of.append(starts)
        dep_off = np.array([seg.depart_offset_min for seg in segments])
        arr_off = np.array([seg.arrive_offset_min for seg in segments])
        dep_off_of.append(dep_off)
        arr_off_of.append(arr_off)
        km_of.append(np.array([seg.distance_km for seg in segments]))
        if n == 0:
            continue
        # rows segment-major: segment g of trip j is row row_base + g * n + j
        cols["dep"].append((dep_off[:, None] + starts[None, :]).ravel())
        cols["arr"].append((arr_off[:, None] + starts[None, :]).ravel())
        cols["origin"].append(np.repeat(np.array([index[g.origin] for g in segments], dtype=np.int32), n))
        cols["dest"].append(np.repeat(np.array([index[g.destination] for g in segments], dtype=np.int32), n))
        cols["trip"].append(np.tile(np.arange(trip_base, trip_base + n, dtype=np.int64), k))
        cols["service"].append(np.full(n * k, s_idx, dtype=np.int32))
        cols["segment"].append(np.repeat(np.arange(k, dtype=np.int32), n))
        whole = service.fare_basis == "boarding"  # paid at boarding, not by the segment
        cols["cost"].append(np.repeat(np.array([0.0 if whole else g.cost_usd for g in segments]), n))
        cols["co2"].append(np.repeat(np.array([g.co2_kg for g in segments]), n))
        trip_rows_of.append(row_base + np.arange(n * k, dtype=np.int64).reshape(k, n).T.ravel())
        trip_base += n
        row_base += n * k

    def cat(key: str, dtype: type) -> np.ndarray:
        return np.concatenate(cols[key]).astype(dtype, copy=False) if cols[key] else np.empty(0, dtype=dtype)

    dep, arr = cat("dep", np.float64), cat("arr", np.float64)
    order = np.lexsort((arr, dep))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    trip_rows = rank[np.concatenate(trip_rows_of)] if trip_rows_of else np.empty(0, dtype=np.int64)
    segments_per_trip = np.concatenate(
        [np.full(st.size, len(off), dtype=np.int64) for st, off in zip(starts_of, dep_off_of, strict=True)]
    ) if starts_of else np.empty(0, dtype=np.int64)
    trip_ptr = np.concatenate([[0], np.cumsum(segments_per_trip)]).astype(np.int64)

    for link in scenario.links:
        ends = [(link.from_, link.to)] + ([(link.to, link.from_)] if link.bidirectional else [])
        link_rows += [_LinkRow(link.id, index[u], index[v], link.duration_min, link.cost_usd, link.co2_kg,
                               tuple(link.units), -1, link.mode, 0.0, 0, None) for u, v in ends]
    links = LinkTable(
        ids=tuple(r.id for r in link_rows),
        origin=np.array([r.origin for r in link_rows], dtype=np.int32),
        dest=np.array([r.dest for r in link_rows], dtype=np.int32),
        duration_min=np.array([r.duration_min for r in link_rows], dtype=np.float64),
        cost_usd=np.array([r.cost_usd for r in link_rows], dtype=np.float64),
        co2_kg=np.array([r.co2_kg for r in link_rows], dtype=np.float64),
        units=tuple(r.units for r in link_rows),
        service=np.array([r.service for r in link_rows], dtype=np.int32),
        mode=tuple(r.mode for r in link_rows),
        wait_min=np.array([r.wait_min for r in link_rows], dtype=np.float64),
        boardings=np.array([r.boardings for r in link_rows], dtype=np.int32),
        path_days=tuple(r.path_days for r in link_rows),
    )
    return Timetable(
        epoch=epoch,
        start_min=float(start_min),
        horizon_min=float(end_min),
        places=tuple(p.id for p in scenario.places),
        place_tz=tuple(p.tz for p in scenario.places),
        min_connection_min=np.array([p.min_connection_min for p in scenario.places]),
        checkin_min=np.array([p.checkin_min for p in scenario.places]),
        services=tuple(s.id for s in scenario.services),
        service_mode=tuple(s.mode for s in scenario.services),
        service_unit=tuple(s.unit for s in scenario.services),
        dep_min=dep[order],
        arr_min=arr[order],
        origin=cat("origin", np.int32)[order],
        dest=cat("dest", np.int32)[order],
        trip=cat("trip", np.int64)[order],
        service=cat("service", np.int32)[order],
        segment=cat("segment", np.int32)[order],
        cost_usd=cat("cost", np.float64)[order],
        co2_kg=cat("co2", np.float64)[order],
        links=links,
        service_stops=tuple(stops_of),
        service_starts=tuple(starts_of),
        service_dep_offset=tuple(dep_off_of),
        service_arr_offset=tuple(arr_off_of),
        service_km=tuple(km_of),
        board_cost_usd=np.array([(s.cost_usd or 0.0) if s.fare_basis == "boarding" else 0.0
                                 for s in scenario.services], dtype=np.float64),
        trip_rows=trip_rows,
        trip_ptr=trip_ptr,
        index=index,
    )


class _LinkRow(NamedTuple):
    id: str
    origin: int
    dest: int
    duration_min: float
    cost_usd: float
    co2_kg: float
    units: tuple[str, ...]
    service: int
    mode: str
    wait_min: float
    boardings: int
    path_days: tuple[int, ...] | None


def path_days(weekdays: Iterable[int], first_weekday: int) -> tuple[int, ...] | None:
    """For departure paths on ``weekdays`` (Monday = 0), the days from each day since an epoch
    on a ``first_weekday`` (modulo 7) to the first with paths, 0 on a day with paths; None
    when every day has them.

    >>> path_days((1, 3), 0)  # Tuesdays and Thursdays from a Monday
    (1, 0, 1, 0, 4, 3, 2)
    """
    days = set(weekdays)
    open_on = [(first_weekday + k) % 7 in days for k in range(7)]
    if all(open_on):
        return None
    return tuple(next(k for k in range(7) if open_on[(d + k) % 7]) for d in range(7))


def _path_days(dispatch: Any, epoch: dt.datetime) -> tuple[int, ...] | None:
    """A dispatched service's days to wait for paths (:func:`path_days`), counted from the epoch."""
    return None if dispatch.paths_per_day is None else path_days(dispatch.path_weekdays, epoch.weekday())
