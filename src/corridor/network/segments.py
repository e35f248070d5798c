"""Geometry and timing of each service between consecutive stops.

A service of n stops has n - 1 segments. For segment i the first-stop departure plus
``depart_offset_min`` gives its departure and plus ``arrive_offset_min`` its arrival.

* Distance: ``distance_km`` of the service when given (split over segments in proportion to
  their paths), else the length of each segment's path (:mod:`corridor.network.paths`: the
  great circle, hand waypoints, or the route round closed airspace), times ``circuity``.
* Running time: ``duration_min`` when given (first departure to last arrival, less the dwells,
  split in proportion to distance), else ``overhead_min + distance / ground speed`` per
  segment, the ground speed being ``speed_kph`` (one, or one per segment) plus
  ``wind_east_kph`` times the share of the segment's path that points east (+1 due east, -1
  due west): a west-to-east wind speeds eastbound flights and slows westbound ones.
* Offsets are whole minutes (timetables are published to the minute): each arrival is the
  exact running total since the first departure rounded to the nearest minute, halves up
  (so a service's segments add up to its rounded total and rounding never accumulates), and
  each departure is the exact total with the dwell rounded the same way (moved as far as the
  arrival before it was, when that was stretched to make its segment last a minute); every
  segment takes at least one minute.
* Cost and CO2 per unit: a ride over part of the service pays its share of ``cost_usd`` in
  proportion to distance (or ``cost_usd_per_unit_km`` times distance; a segment's share is
  kept for a service with ``fare_basis: boarding`` too, whose timetable charges the whole
  fare at each boarding instead: :mod:`corridor.network.timetable`); CO2 is
  ``co2_g_per_unit_km`` times distance, or ``co2_kg`` split
  the same way, plus ``co2_kg_per_cycle`` for each segment (an air segment is one take-off
  and landing: the EEA/ICAO method counts that cycle's fuel apart from cruise by distance).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from corridor.network.geo import east_fraction, path_km
from corridor.network.paths import segment_paths
from corridor.scenario.schema import Place, Service


@dataclass(frozen=True)
class Segment:
    service: str
    index: int
    origin: str
    destination: str
    distance_km: float
    depart_offset_min: float
    arrive_offset_min: float
    cost_usd: float
    co2_kg: float

    @property
    def duration_min(self) -> float:
        return self.arrive_offset_min - self.depart_offset_min


#: segments worked out, by service and its stops' places (the objects, held here so that their
#: ids name them while kept): the network, the timetable and validate's checks each ask for
#: every service's, and a scenario of 20,000 services spent 6.5 s of validate's 17 in them
_MADE: OrderedDict[tuple[int, ...], tuple[Service, tuple[Place, ...], tuple[Segment, ...]]] = OrderedDict()
_MADE_MAX = 65_536
_MADE_LOCK = threading.Lock()


def service_segments(service: Service, places: dict[str, Place]) -> list[Segment]:
    """The segments of ``service``; ``places`` maps ids to validated places (both frozen:
    the same objects give the same segments, worked out once)."""
    stops = tuple(places[s] for s in service.stops)
    key = (id(service), *map(id, stops))
    with _MADE_LOCK:  # a Dask worker may run replications in threads
        made = _MADE.get(key)
        if made is not None:
            _MADE.move_to_end(key)
            return list(made[2])
    out = _segments(service, places, stops)
    with _MADE_LOCK:
        _MADE[key] = (service, stops, tuple(out))
        if len(_MADE) > _MADE_MAX:
            _MADE.popitem(last=False)
    return out


def _segments(service: Service, places: dict[str, Place], stops: tuple[Place, ...]) -> list[Segment]:
    paths = segment_paths(service, places)
    circle = np.array([path_km(p) for p in paths])
    share = circle / circle.sum() if circle.sum() > 0 else np.full(len(circle), 1 / len(circle))
    if service.distance_km is not None:
        distance = service.distance_km * share
    else:
        distance = circle * service.circuity

    if service.duration_min is not None:
        running_total = service.duration_min - service.dwell_min * (len(stops) - 2)
        running = running_total * share
    else:
        assert service.speed_kph is not None
        speed = np.asarray(service.speed_kph, dtype=np.float64)  # one, or one per segment
        if service.wind_east_kph:
            east = np.array([east_fraction(p) for p in paths])
            speed = speed + service.wind_east_kph * east
        running = service.overhead_min + distance / speed * 60.0

    if service.co2_g_per_unit_km is not None:
        co2 = service.co2_g_per_unit_km * distance / 1000.0
    else:
        co2 = (service.co2_kg or 0.0) * share
    co2 = co2 + service.co2_kg_per_cycle  # each segment is one take-off and landing
    if service.cost_usd_per_unit_km is not None:
        cost = service.cost_usd_per_unit_km * distance
    else:
        cost = (service.cost_usd or 0.0) * share

    # Timetables are published to the minute: offsets are whole minutes, each segment at least one.
    out: list[Segment] = []
    exact = 0.0
    t = 0.0
    for i in range(len(stops) - 1):
        depart = t
        exact += float(running[i])
        t = max(round_half_up(exact), depart + 1.0)
        stretched = t - round_half_up(exact)  # minutes added to make the segment last one
        out.append(
            Segment(
                service=service.id,
                index=i,
                origin=stops[i].id,
                destination=stops[i + 1].id,
                distance_km=float(distance[i]),
                depart_offset_min=depart,
                arrive_offset_min=t,
                cost_usd=float(cost[i]),
                co2_kg=float(co2[i]),
            )
        )
        exact += service.dwell_min
        # a stop after a stretched segment keeps its length: the departure moves as far
        t = max(round_half_up(exact) + stretched, t)
    return out


def round_half_up(minutes: float) -> float:
    """The nearest whole minute, halves up (12.5 -> 13), as timetables round; not banker's.

    A total of distance shares that is a half in exact arithmetic may land a hair below it in
    floating point (stops 10, 40, 10 and 40 degrees apart on the equator, 181 minutes: the
    second arrival is exactly 90.5, summed as 90.49999999999999), so a value within
    rounding error of a half counts as the half: 1e-9 of a minute, and 1e-11 of the value.

    >>> round_half_up(12.5), round_half_up(13.5), round_half_up(12.49), round_half_up(90.49999999999999)
    (13.0, 14.0, 12.0, 91.0)
    """
    return float(math.floor(minutes + 0.5 + 1e-9 + 1e-11 * abs(minutes)))


#: the fastest a vehicle of each mode plausibly covers the great circle between two stops, in
#: km/h (a jet with a strong tail wind, high-speed rail, a motorway, a fast ferry): a service
#: timed faster is a slip of the typist or of a feed (a 3,410 km flight in 1 minute), warned of
MAX_PLAUSIBLE_KPH = {"air": 1300.0, "rail": 450.0, "road": 160.0, "ferry": 100.0, "sea": 100.0}


def unused_circuity(scenario: Any) -> list[str]:
    """Each service that gives both ``distance_km`` and a ``circuity`` other than 1: its own
    distance is used as given, so the circuity changes nothing (a slip: one of the two meant)."""
    return [f"{s.id}: circuity {s.circuity:g} is unused: distance_km {s.distance_km:g} is taken as "
            "given (circuity scales the great-circle distance when distance_km is left out)"
            for s in scenario.services if s.distance_km is not None and s.circuity != 1.0]


def implausible_speeds(scenario: Any) -> list[str]:
    """Each service with a segment, and each road or rail link, faster than
    :data:`MAX_PLAUSIBLE_KPH` for its mode over its running time: over the great circle
    between its ends, or over its own distance where that is longer (a sea route round a
    continent). The first such segment of a service is named."""
    places = {p.id: p for p in scenario.places}

    def too_fast(what: str, mode: str, a: str, b: str, km: float, minutes: float) -> str | None:
        limit = MAX_PLAUSIBLE_KPH.get(mode)
        if limit is None:  # a transfer: no speed to hold it to
            return None
        circle = path_km([(places[a].lat, places[a].lon), (places[b].lat, places[b].lon)])
        km, over = (km, "its own distance") if km > circle else (circle, "the great circle")
        kph = km / (minutes / 60.0) if minutes > 0 else math.inf
        if kph <= limit:
            return None
        return (f"{what}: {a} to {b} is {km:,.0f} km on {over} in {minutes:g} min, {kph:,.0f} km/h, faster "
                f"than any {mode} service (above {limit:,.0f} km/h); check its timing")

    out = []
    for service in scenario.services:
        for seg in service_segments(service, places):
            said = too_fast(service.id, service.mode, seg.origin, seg.destination, seg.distance_km,
                            seg.duration_min)
            if said:
                out.append(said)
                break
    for link in scenario.links:
        said = too_fast(link.id, link.mode, link.from_, link.to, link.distance_km or 0.0, link.duration_min)
        if said:
            out.append(said)
    return out
