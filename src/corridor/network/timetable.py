"""Weekly local timetables expanded into concrete connections, as sorted NumPy arrays.

A *connection* is one segment of one departure (a *trip*) of a service: it leaves place
``origin[i]`` at ``dep_min[i]`` and reaches ``dest[i]`` at ``arr_min[i]``, in minutes since
the scenario epoch (midnight UTC of ``run.start``). Arrays are sorted by departure, then
arrival. Local clock times become UTC through each first stop's IANA zone, so daylight-
saving changes inside the horizon move departures as they do in reality; a clock time that
falls in a spring-forward gap is read with the offset in force before the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from corridor.network.segments import service_segments
from corridor.scenario.schema import Scenario
from corridor.timezone import zone

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


@dataclass(frozen=True)
class Timetable:
    """Every connection of a scenario over its horizon, plus what routing needs per place.

    Per service ``s`` it also keeps the stop indices, the sorted first-stop departures
    (``service_starts[s]``) and the segment offsets from them, so a ride from stop ``i`` to
    stop ``j`` leaves at ``starts + service_dep_offset[s][i]`` and arrives at
    ``starts + service_arr_offset[s][j - 1]``.
    """

    epoch: dt.datetime
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
    cost_usd: np.ndarray
    co2_kg: np.ndarray
    links: LinkTable
    service_stops: tuple[np.ndarray, ...]
    service_starts: tuple[np.ndarray, ...]
    service_dep_offset: tuple[np.ndarray, ...]
    service_arr_offset: tuple[np.ndarray, ...]
    index: dict[str, int] = field(repr=False)

    @property
    def n_connections(self) -> int:
        return int(self.dep_min.size)

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


def first_departures_min(
    weekdays: tuple[int, ...], clock_min: tuple[int, ...], tz: str, epoch: dt.datetime, horizon_min: float
) -> np.ndarray:
    """Minutes since ``epoch`` of every local departure inside ``[0, horizon_min)``, sorted."""
    zi = zone(tz)
    first_day = epoch.date() - dt.timedelta(days=1)
    n_days = int(horizon_min // 1440) + 3
    out: list[float] = []
    for d in range(n_days):
        day = first_day + dt.timedelta(days=d)
        if day.weekday() not in weekdays:
            continue
        for minute in clock_min:
            local = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=zi)
            t = (local - epoch).total_seconds() / 60.0
            if 0.0 <= t < horizon_min:
                out.append(t)
    return np.array(sorted(out), dtype=np.float64)


def build_timetable(scenario: Scenario, *, horizon_days: float | None = None) -> Timetable:
    """Expand every service over the horizon (default: the scenario's ``run.horizon_days``)."""
    epoch = scenario.run.epoch
    horizon_min = float(horizon_days if horizon_days is not None else scenario.run.horizon_days) * 1440.0
    places = {p.id: p for p in scenario.places}
    index = {p.id: i for i, p in enumerate(scenario.places)}

    cols: dict[str, list[np.ndarray]] = {k: [] for k in (
        "dep", "arr", "origin", "dest", "trip", "service", "segment", "cost", "co2")}
    trip_base = 0
    stops_of, starts_of, dep_off_of, arr_off_of = [], [], [], []
    link_rows: list[tuple[str, int, int, float, float, float, tuple[str, ...], int]] = []
    for s_idx, service in enumerate(scenario.services):
        segments = service_segments(service, places)
        if service.timetable is None:  # dispatched on demand: routing sees it as a link
            seg = segments[0]
            link_rows.append((service.id, index[seg.origin], index[seg.destination], seg.duration_min,
                              seg.cost_usd, seg.co2_kg, (service.unit,), s_idx))
            starts = np.empty(0)
        else:
            starts = first_departures_min(
                service.timetable.weekdays, service.timetable.clock_min,
                places[service.stops[0]].tz, epoch, horizon_min,
            )
        n = starts.size
        trips = np.arange(trip_base, trip_base + n, dtype=np.int64)
        trip_base += n
        stops_of.append(np.array([index[p] for p in service.stops], dtype=np.int32))
        starts_of.append(starts)
        dep_off_of.append(np.array([seg.depart_offset_min for seg in segments]))
        arr_off_of.append(np.array([seg.arrive_offset_min for seg in segments]))
        for seg in segments:
            cols["dep"].append(starts + seg.depart_offset_min)
            cols["arr"].append(starts + seg.arrive_offset_min)
            cols["origin"].append(np.full(n, index[seg.origin], dtype=np.int32))
            cols["dest"].append(np.full(n, index[seg.destination], dtype=np.int32))
            cols["trip"].append(trips)
            cols["service"].append(np.full(n, s_idx, dtype=np.int32))
            cols["segment"].append(np.full(n, seg.index, dtype=np.int32))
            cols["cost"].append(np.full(n, seg.cost_usd))
            cols["co2"].append(np.full(n, seg.co2_kg))

    def cat(key: str, dtype: type) -> np.ndarray:
        return np.concatenate(cols[key]).astype(dtype) if cols[key] else np.empty(0, dtype=dtype)

    dep, arr = cat("dep", np.float64), cat("arr", np.float64)
    order = np.lexsort((arr, dep))

    for link in scenario.links:
        ends = [(link.from_, link.to)] + ([(link.to, link.from_)] if link.bidirectional else [])
        link_rows += [(link.id, index[u], index[v], link.duration_min, link.cost_usd, link.co2_kg,
                       tuple(link.units), -1) for u, v in ends]
    links = LinkTable(
        ids=tuple(r[0] for r in link_rows),
        origin=np.array([r[1] for r in link_rows], dtype=np.int32),
        dest=np.array([r[2] for r in link_rows], dtype=np.int32),
        duration_min=np.array([r[3] for r in link_rows], dtype=np.float64),
        cost_usd=np.array([r[4] for r in link_rows], dtype=np.float64),
        co2_kg=np.array([r[5] for r in link_rows], dtype=np.float64),
        units=tuple(r[6] for r in link_rows),
        service=np.array([r[7] for r in link_rows], dtype=np.int32),
    )
    return Timetable(
        epoch=epoch,
        horizon_min=horizon_min,
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
        index=index,
    )
