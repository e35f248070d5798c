"""The network as GeoJSON (and GeoPackage) for QGIS and GeoPandas.

Places are points; each service is a line along the path
:func:`corridor.network.paths.service_path` gives (waypoints, or a computed route where one
exists), so the file draws what the planner measures; each link is a straight line. Properties
carry units in their names: ``distance_km``, ``duration_min`` (first departure to last
arrival), ``capacity`` (units per departure), ``departures_per_week`` (null for a service
dispatched on demand), ``cost_usd`` and ``co2_kg`` per unit carried end to end.

Coordinates are longitude, latitude on WGS 84 (RFC 7946: GeoJSON has no other CRS), so
GeoPandas reads the file as EPSG:4326.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
from pathlib import Path
from typing import Any

from corridor.errors import CorridorError
from corridor.network.geo import great_circle_km
from corridor.network.paths import service_path
from corridor.network.segments import service_segments
from corridor.report.files import write_atomically
from corridor.scenario.schema import Scenario

LAYERS = ("places", "services", "links")


def network_features(scenario: Scenario) -> dict[str, list[dict[str, Any]]]:
    """GeoJSON features of each layer: places, services, links."""
    places = {p.id: p for p in scenario.places}
    out: dict[str, list[dict[str, Any]]] = {layer: [] for layer in LAYERS}
    for p in scenario.places:
        out["places"].append(
            _feature(
                "Point",
                [p.lon, p.lat],
                {
                    "layer": "places",
                    "id": p.id,
                    "name": p.name,
                    "kind": p.kind,
                    "country": p.country,
                    "tz": p.tz,
                    "min_connection_min": p.min_connection_min,
                    "checkin_min": p.checkin_min,
                    "servers": p.servers,
                    "queues": p.queues,
                },
            )
        )
    for s in scenario.services:
        segments = service_segments(s, places)
        tt = s.timetable
        out["services"].append(
            _line(
                [[lon, lat] for lat, lon in service_path(s, places)],
                {
                    "layer": "services",
                    "id": s.id,
                    "name": s.name,
                    "operator": s.operator,
                    "mode": s.mode,
                    "unit": s.unit,
                    "stops": " ".join(s.stops),
                    "distance_km": sum(g.distance_km for g in segments),
                    "duration_min": segments[-1].arrive_offset_min,
                    "capacity": s.capacity,
                    "departures_per_week": len(tt.weekdays) * len(tt.clock_min) if tt is not None else None,
                    "dispatched": tt is None,
                    "cost_usd": sum(g.cost_usd for g in segments),
                    "co2_kg": sum(g.co2_kg for g in segments),
                    "valid_from": s.valid_from.isoformat() if s.valid_from else None,
                    "valid_to": s.valid_to.isoformat() if s.valid_to else None,
                },
            )
        )
    for link in scenario.links:
        a, b = places[link.from_], places[link.to]
        distance = link.distance_km or float(great_circle_km(a.lat, a.lon, b.lat, b.lon))
        out["links"].append(
            _line(
                [[a.lon, a.lat], [b.lon, b.lat]],
                {
                    "layer": "links",
                    "id": link.id,
                    "mode": link.mode,
                    "from": link.from_,
                    "to": link.to,
                    "distance_km": distance,
                    "duration_min": link.duration_min,
                    "bidirectional": link.bidirectional,
                    "units": " ".join(link.units),
                    "cost_usd": link.cost_usd,
                    "co2_kg": link.co2_kg,
                },
            )
        )
    return out


def _line(points: list[list[float]], properties: dict[str, Any]) -> dict[str, Any]:
    """A LineString feature, or a MultiLineString cut at the antimeridian where the line
    crosses it (RFC 7946, 3.1.9): a line from 177.7 E to 165.4 W drawn as written would run
    343 degrees round the other way."""
    parts = antimeridian_parts(points)
    if len(parts) == 1:
        return _feature("LineString", parts[0], properties)
    return _feature("MultiLineString", parts, properties)


def antimeridian_parts(points: list[list[float]]) -> list[list[list[float]]]:
    """``points`` (lon, lat) cut where the line crosses the antimeridian (each step goes the
    short way round: across it when its longitudes are more than 180 degrees apart), each cut
    at ±180 at the latitude the straight step reaches there. A point on ±180 is written on the
    side of the step it belongs to, so a line that starts, ends or runs on the antimeridian is
    not cut there, and one that touches it is cut only where it goes on to the other side. A
    place given twice in a row is written once.

    >>> antimeridian_parts([[170.0, 60.0], [-170.0, 70.0]])
    [[[170.0, 60.0], [180.0, 65.0]], [[-180.0, 65.0], [-170.0, 70.0]]]
    >>> antimeridian_parts([[10.0, 0.0], [20.0, 5.0]])
    [[[10.0, 0.0], [20.0, 5.0]]]
    >>> antimeridian_parts([[180.0, 65.0], [-170.0, 62.0]])  # from a stop on it: not across
    [[[-180.0, 65.0], [-170.0, 62.0]]]
    >>> antimeridian_parts([[180.0, 65.0], [-180.0, 66.0]])  # along it
    [[[180.0, 65.0], [180.0, 66.0]]]
    """
    pts = [(float(lon), float(lat)) for lon, lat in points]
    parts = [[list(pts[0])]]
    for (lon0, lat0), (lon1, lat1) in zip(pts, pts[1:], strict=False):
        on0, on1 = abs(lon0) == 180.0, abs(lon1) == 180.0
        if lat0 == lat1 and (lon0 == lon1 or (on0 and on1)):
            continue  # the same place again
        written = parts[-1][-1]  # the step's start, as written
        if on0 and on1:  # along the antimeridian: on the side the line is on
            end = [written[0], lat1]
        elif on1:  # onto it: on the side it comes from
            end = [math.copysign(180.0, lon0), lat1]
        elif on0:  # off it: its start on the side it goes to, cut there if it was on the other
            side = math.copysign(180.0, lon1)
            if written[0] != side:
                if len(parts[-1]) == 1:
                    written[0] = side
                else:
                    parts.append([[side, lat0]])
            end = [lon1, lat1]
        elif abs(lon1 - lon0) > 180.0:  # across it: cut where the straight step meets it
            side = math.copysign(180.0, lon0)
            across = lon1 + 2.0 * side  # the end, unwrapped onto the start's side
            lat = lat0 + (lat1 - lat0) * (side - lon0) / (across - lon0)
            parts[-1].append([side, lat])
            parts.append([[-side, lat]])
            end = [lon1, lat1]
        else:
            end = [lon1, lat1]
        parts[-1].append(end)
    if len(parts[-1]) == 1:  # one place, given again and again
        parts[-1].append(list(parts[-1][0]))
    return parts


def _feature(kind: str, coordinates: Any, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": kind, "coordinates": coordinates},
        "properties": properties,
    }


def network_geojson(scenario: Scenario) -> dict[str, Any]:
    """One FeatureCollection of every layer (each feature says its ``layer``)."""
    layers = network_features(scenario)
    return {
        "type": "FeatureCollection",
        "name": scenario.name,
        "features": [f for layer in LAYERS for f in layers[layer]],
    }


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def geojson_path(out: Path) -> Path:
    """``out``, if it can name a GeoJSON file (.geojson or .json); a clear error if not."""
    out = Path(out)
    if out.suffix.lower() not in (".geojson", ".json"):
        raise CorridorError(f"{out}: a GeoJSON file ends in .geojson (or .json)")
    return out


def geopackage_path(out: Path) -> Path:
    """``out``, if it can name a GeoPackage (.gpkg); a clear error if not."""
    out = Path(out)
    if out.suffix.lower() != ".gpkg":
        raise CorridorError(f"{out}: a GeoPackage file ends in .gpkg")
    return out


def write_geojson(scenario: Scenario, out: Path) -> None:
    """Write the network to ``out`` (.geojson or .json), whole or not at all."""
    out = geojson_path(out)
    text = json.dumps(network_geojson(scenario), ensure_ascii=False, allow_nan=False)
    write_atomically(out, lambda tmp: _write_text(tmp, text))


def check_geopackage(scenario: Scenario, out: Path) -> None:
    """A GeoPackage holds at least one layer: a scenario of no places (so no services or links)
    has none to write (GDAL made no file, and the rename into place failed as 'No such file or
    directory')."""
    if not scenario.places:
        raise CorridorError(f"{out}: nothing to write: the scenario has no places (a GeoPackage holds "
                            "at least one layer)")


def write_geopackage(scenario: Scenario, out: Path) -> None:
    """Write the network to a GeoPackage with one layer each for places, services and links
    (needs GeoPandas with a GDAL driver: pyogrio or fiona). The same scenario gives the same
    bytes: the layers' times of last change are its epoch (:func:`_stamp`)."""
    out = geopackage_path(out)
    check_geopackage(scenario, out)
    try:
        import geopandas as gpd
    except ImportError:
        raise CorridorError("writing a GeoPackage needs GeoPandas (pip install geopandas)") from None
    layers = network_features(scenario)

    def write(tmp: Path) -> None:
        tmp.unlink(missing_ok=True)  # GDAL would add layers to the empty file write_atomically made
        for layer in LAYERS:
            if layers[layer]:
                frame = gpd.GeoDataFrame.from_features(layers[layer], crs="EPSG:4326")
                try:
                    frame.to_file(tmp, layer=layer, driver="GPKG")
                except Exception as exc:  # GDAL's own errors (a full disk: "database or disk is full")
                    if type(exc).__module__.split(".")[0] not in ("pyogrio", "fiona"):
                        raise
                    reason = " ".join(str(exc).split())[:300]
                    raise CorridorError(f"{out}: cannot write there ({reason})") from None
        try:
            _stamp(tmp, scenario.run.epoch)
        except sqlite3.Error as exc:  # a full disk: "database or disk is full"
            raise CorridorError(f"{out}: cannot write there ({exc})") from None

    write_atomically(out, write)


def _stamp(path: Path, when: dt.datetime) -> None:
    """Every time of last change in the GeoPackage at ``path`` set to ``when``: GDAL writes the
    moment it wrote each layer, so two exports of one scenario differed. The format is the one
    the GeoPackage standard requires (ISO 8601 in UTC to the millisecond, ``Z``, requirement 15
    of 1.3), ``2027-03-01T00:00:00.000Z``."""
    stamp = when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    db = sqlite3.connect(path)
    try:
        with db:  # one transaction
            db.execute("UPDATE gpkg_contents SET last_change = ?", (stamp,))
            if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_metadata_reference'").fetchone():
                db.execute("UPDATE gpkg_metadata_reference SET timestamp = ?", (stamp,))
    finally:
        db.close()
