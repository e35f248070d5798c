"""Great-circle geometry, vectorised over NumPy arrays: distances, unit vectors, paths sampled
along their arcs, and how much of a path points east (for the wind)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

EARTH_RADIUS_KM = 6371.0  # mean radius, as used for the figures in shared FACTS.md

LatLon = tuple[float, float]


def great_circle_km(
    lat1: ArrayLike, lon1: ArrayLike, lat2: ArrayLike, lon2: ArrayLike
) -> np.ndarray:
    """Haversine distance in km between points given in degrees; broadcasts like NumPy.

    >>> round(float(great_circle_km(51.0222, 71.4669, 54.6341, 25.2858)))
    3072
    """
    p1, l1, p2, l2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lat1, lon1, lat2, lon2))
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def path_km(points: Sequence[tuple[float, float]] | np.ndarray) -> float:
    """Length in km of the path through ``points`` ((lat, lon) pairs) in order."""
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 2:
        raise ValueError(f"a path needs two or more (lat, lon) points, got shape {pts.shape}")
    return float(great_circle_km(pts[:-1, 0], pts[:-1, 1], pts[1:, 0], pts[1:, 1]).sum())


def unit(lat: np.ndarray | float, lon: np.ndarray | float) -> np.ndarray:
    """Unit vectors (..., 3) of points given in degrees."""
    p, lam = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(p) * np.cos(lam), np.cos(p) * np.sin(lam), np.sin(p)], axis=-1)


def lat_lon(v: np.ndarray) -> np.ndarray:
    """(..., 2) latitude and longitude in degrees of vectors (..., 3)."""
    v = v / np.linalg.norm(v, axis=-1, keepdims=True)
    return np.stack([np.degrees(np.arcsin(np.clip(v[..., 2], -1, 1))),
                     np.degrees(np.arctan2(v[..., 1], v[..., 0]))], axis=-1)


def angle(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle in radians between unit vectors, stable at small angles."""
    return np.arctan2(np.linalg.norm(np.cross(a, b), axis=-1), np.sum(a * b, axis=-1))


def sample_path(points: Sequence[LatLon], step_km: float) -> np.ndarray:
    """(n, 3) unit vectors along the great-circle arcs through ``points``, at most ``step_km``
    apart, both ends included."""
    pts = unit(*np.asarray(points, dtype=np.float64).T)
    out = [pts[:1]]
    for a, b in zip(pts[:-1], pts[1:], strict=True):
        theta = float(angle(a, b))
        n = max(1, int(np.ceil(theta * EARTH_RADIUS_KM / step_km)))
        t = np.arange(1, n + 1) / n
        if theta < 1e-12:
            out.append(np.repeat(b[None], n, axis=0))
            continue
        seg = (np.sin((1 - t) * theta)[:, None] * a + np.sin(t * theta)[:, None] * b) / np.sin(theta)
        out.append(seg)
    return np.concatenate(out)


def centre_lon(lons: ArrayLike) -> float:
    """The longitude midway along the shortest arc that holds all ``lons``: a map centred there
    draws a network that crosses the antimeridian in one piece.

    >>> centre_lon([8.0, 71.4, 120.0])
    64.0
    >>> round(centre_lon([158.45, -149.99]), 2)  # Kamchatka and Alaska
    -175.77
    """
    x = np.sort(np.mod(np.asarray(lons, dtype=np.float64).ravel(), 360.0))
    if x.size == 0:
        return 0.0
    gaps = np.diff(np.append(x, x[0] + 360.0))
    widest = int(np.argmax(gaps))  # the arc starts after the widest gap between longitudes
    start = x[(widest + 1) % x.size]
    return float((start + (360.0 - gaps[widest]) / 2 + 180.0) % 360.0 - 180.0)


def wrapped_lon(lons: ArrayLike, centre: float) -> np.ndarray:
    """``lons`` moved by 360 degrees where that brings them within 180 of ``centre`` (the others,
    every one of a network that does not cross the antimeridian, as they are).

    >>> wrapped_lon([158.45, -149.99], -175.77).tolist()
    [-201.55, -149.99]
    """
    lon = np.asarray(lons, dtype=np.float64)
    return np.where(lon < centre - 180.0, lon + 360.0, np.where(lon >= centre + 180.0, lon - 360.0, lon))


def east_fraction(points: Sequence[LatLon], *, step_km: float = 50.0) -> float:
    """How much of the path through ``points`` points east: the eastward part of its length
    over its length, from +1 (due east all the way) to -1 (due west).

    A west-to-east wind adds to an aircraft's ground speed in this proportion.

    >>> east, west = east_fraction([(0.0, 10.0), (0.0, 20.0)]), east_fraction([(0.0, 20.0), (0.0, 10.0)])
    >>> round(east, 3), round(west, 3)
    (1.0, -1.0)
    >>> abs(round(east_fraction([(40.0, 5.0), (60.0, 5.0)]), 3))  # due north
    0.0
    """
    v = sample_path(points, step_km)
    if len(v) < 2:
        return 0.0
    step = v[1:] - v[:-1]
    mid = v[1:] + v[:-1]
    east = np.stack([-mid[:, 1], mid[:, 0], np.zeros(len(mid))], axis=-1)
    norm = np.linalg.norm(east, axis=-1)
    east = east / np.where(norm > 0, norm, 1.0)[:, None]
    length = np.linalg.norm(step, axis=-1).sum()
    return float(np.sum(step * east) / length) if length > 0 else 0.0



#: A given distance may fall this far short of the great circle (coordinates are approximate)
#: before it is warned of: nothing travels shorter than the great circle.
MIN_GREAT_CIRCLE_SHARE = 0.9


def short_distances(scenario: Any) -> list[str]:
    """Every service's or link's ``distance_km`` shorter than the great circle through its
    places (a typing slip, most often: it is planned and simulated as given), and every
    service timed by ``speed_kph`` between consecutive stops at one position (two places
    given the same coordinates: the segment has no length and takes a minute)."""
    where = {p.id: (p.lat, p.lon) for p in scenario.places}
    items = [("service", s.id, s.distance_km, s.stops) for s in scenario.services]
    items += [("link", k.id, k.distance_km, [k.from_, k.to]) for k in scenario.links]
    out = []
    for s in scenario.services:
        if s.speed_kph is None or s.distance_km is not None or s.waypoints:
            continue
        for a, b in zip(s.stops, s.stops[1:], strict=False):
            if where[a] == where[b]:
                out.append(f"{s.id}: stops {a} and {b} are at the same position ({where[a][0]:g}, "
                           f"{where[a][1]:g}): timed by speed_kph, that segment has no length and "
                           "takes a minute; check their coordinates")
    for kind, item_id, given, stops in items:
        if given is None:
            continue
        circle = path_km([where[s] for s in stops])
        if given < MIN_GREAT_CIRCLE_SHARE * circle:
            out.append(f"{item_id}: the {kind}'s distance_km {given:g} is shorter than the {circle:,.0f} km "
                       f"great circle through {', '.join(stops)}")
    return out


#: an airport placed this far from where airportsdata has it is named (a slip of sign or digit)
AIRPORT_OFF_KM = 50.0


def airports_unlike_records(scenario: Any) -> list[str]:
    """Each airport whose zone, or position by more than :data:`AIRPORT_OFF_KM`, the file gives
    otherwise than ``airportsdata`` has it under its IATA code (the file's is used)."""
    from corridor.scenario.schema import airport_record

    out = []
    for p in scenario.places:
        code = p.iata or p.id
        record = airport_record(code) if p.kind == "airport" else None
        if record is None:
            continue
        if p.tz != record["tz"]:
            out.append(f"{p.id}: tz {p.tz}, where airportsdata has {record['tz']} for {code} "
                       "(the file's is used)")
        off = float(great_circle_km(p.lat, p.lon, float(record["lat"]), float(record["lon"])))
        if off > AIRPORT_OFF_KM:
            out.append(f"{p.id}: at ({p.lat:g}, {p.lon:g}), {off:,.0f} km from where airportsdata has "
                       f"{code} ({float(record['lat']):g}, {float(record['lon']):g}; the file's is used)")
    return out


def zone_countries() -> dict[str, frozenset[str]]:
    """IANA zone -> the ISO 3166 codes of the countries whose clocks it keeps, from the zone
    tables of the pinned ``tzdata`` (``zone.tab`` names a zone's own country, ``zone1970.tab``
    every country sharing it since 1970). An old or alias name (Europe/Kiev, Asia/Calcutta,
    US/Eastern), a link to a zone in the tables, has that zone's countries. Zones of no
    country (UTC, Etc/GMT-5) are absent."""
    from importlib import resources

    root = resources.files("tzdata").joinpath("zoneinfo")
    out: dict[str, set[str]] = {}
    for table in ("zone.tab", "zone1970.tab"):
        for line in root.joinpath(table).read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            codes, _, zone = line.split("\t")[:3]
            out.setdefault(zone, set()).update(codes.split(","))
    listed = root.joinpath("tzdata.zi").read_text(encoding="utf-8").splitlines()
    for line in listed:  # the links ("L TARGET NAME"): an alias has its target's countries
        if line.startswith("L "):
            _, target, name = line.split()[:3]
            if name not in out and target in out:
                out[name] = set(out[target])
    return {zone: frozenset(codes) for zone, codes in out.items()}


def _offsets(zone: str, year: int) -> tuple[Any, ...]:
    """The zone's UTC offsets at the middle of each month of ``year``: its clock over the year."""
    import datetime as dt

    from corridor.timezone import zone as tz_zone

    tz = tz_zone(zone)
    return tuple(dt.datetime(year, m, 15, 12, tzinfo=dt.UTC).astimezone(tz).utcoffset() for m in range(1, 13))


def zones_unlike_countries(scenario: Any) -> list[str]:
    """Each place whose ``tz`` keeps another clock, over the run's first year, than every zone
    of its ``country`` (a slip: the place's clock times are read in the zone given, so every
    time there moves by the difference). A zone of another country that keeps the same clock
    (Europe/Oslo for Svalbard), a zone of no country (UTC, Etc/GMT-5), a country with no zone
    of its own in the tables (Kosovo) and an airport's zone as ``airportsdata`` gives it are
    taken as given.

    >>> import datetime as dt
    >>> from types import SimpleNamespace as P
    >>> run = P(start=dt.date(2027, 3, 1))
    >>> zones_unlike_countries(P(run=run, places=[
    ...     P(id="ASTANA", country="KZ", tz="Europe/Vilnius", kind="city"),
    ...     P(id="KYIV", country="KZ", tz="Europe/Kiev", kind="city"),
    ...     P(id="VILNIUS", country="LT", tz="Europe/Vilnius", kind="city"),
    ...     P(id="SVALBARD", country="SJ", tz="Europe/Oslo", kind="city"),
    ...     P(id="X", country="KZ", tz="UTC", kind="city")]))  # doctest: +NORMALIZE_WHITESPACE
    ['ASTANA: tz Europe/Vilnius is a zone of LT and keeps another clock than every zone of its
      country KZ: a slip? (its clock times are read in it)',
     'KYIV: tz Europe/Kiev is a zone of UA and keeps another clock than every zone of its
      country KZ: a slip? (its clock times are read in it)']
    """
    from corridor.scenario.schema import airport_record

    zones = zone_countries()
    of_country: dict[str, list[str]] = {}
    for zone, codes in zones.items():
        for code in codes:
            of_country.setdefault(code, []).append(zone)
    year = scenario.run.start.year
    out = []
    for p in scenario.places:
        given = zones.get(p.tz)
        if given is None or p.country in given or p.country not in of_country:
            continue
        record = airport_record(getattr(p, "iata", None) or p.id) if p.kind == "airport" else None
        if record is not None and record["tz"] == p.tz:
            continue
        clock = _offsets(p.tz, year)
        if any(_offsets(zone, year) == clock for zone in of_country[p.country]):
            continue
        out.append(f"{p.id}: tz {p.tz} is a zone of {', '.join(sorted(given))} and keeps another clock "
                   f"than every zone of its country {p.country}: a slip? (its clock times are read in it)")
    return out
