"""Air routes that keep out of closed airspace: the shortest path on the sphere, computed.

A scenario (or one service) closes countries by ISO code and asks for a margin of
``buffer_km``. The route of an air service between two airports is then the shortest path on
the sphere that keeps at least ``buffer_km`` from every closed country. The method:

1. Country shapes come from the ``countryinfo`` package (GeoJSON, about 1:110 M), and for the
   few it has none for (Hungary, Serbia, Montenegro, Kosovo, Myanmar, Jamaica) from Natural
   Earth's 1:110m outlines shipped with corridor; edges are split every 0.5 degree so that they
   follow great circles to within 0.1 km.
2. Everything is projected gnomonically about the midpoint of the two airports: in this
   projection every great circle is a straight line, so a polyline in the plane is a chain of
   great-circle arcs on the sphere.
3. The closed countries are buffered in the plane, tile by tile: a gnomonic plane stretches
   distances by ``1 + r**2`` along the radius (r the distance from the centre in Earth radii)
   and ``sqrt(1 + r**2)`` across it, so each tile's piece is grown by the ellipse of the two
   stretches at the farthest point the piece and its margin reach, widened to hold every turn
   of the radius over them; on the sphere the margin is then at least ``buffer_km``
   everywhere, and only about 1% more (the chords of the rounded corners) plus the stretch's
   growth over a tile.
4. The shortest path among polygonal obstacles bends only at their convex corners: a
   visibility graph over those corners (and the two airports), searched with Dijkstra, gives
   it; edges are weighted by their great-circle length. Only lines tangent to the obstacle at
   both ends are tried (a shortest path runs along no other).
5. The route found is checked again on the sphere (sampled every 5 km against the unbuffered
   shapes and their margin) by :func:`path_violations`, the same check hand waypoints pass.

An airport nearer to a closed country than ``buffer_km`` (Vilnius is ~25 km from Belarus in
these shapes) could never leave under the full margin: within ``2 * buffer_km`` of such an
airport the margin is half the airport's own distance to the closed country.

Results are cached per (airports, closed countries, buffer) for the life of the process, and
on disk (``$CORRIDOR_CACHE_DIR``, else ``~/.cache/corridor``) under a key that includes the
method's version and the closed countries' outlines, so loading a scenario again needs no geometry.
Set ``CORRIDOR_CACHE_DIR`` to an empty string to keep nothing on disk.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import networkx as nx
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from corridor.errors import CorridorError
from corridor.network.geo import EARTH_RADIUS_KM, angle, lat_lon, sample_path, unit
from corridor.scenario.schema import country_shapes

LatLon = tuple[float, float]

EDGE_STEP_DEG = 0.5  # country edges split this finely (lon/lat), so they follow great circles
CHECK_STEP_KM = 5.0  # a route is checked at points this far apart at most
#: the longest great-circle hop (degrees of arc) a path may take: near opposite points of the
#: globe the great circle through two points is not defined (every way round is as short, and a
#: hair's change in a coordinate swings it to another)
MAX_HOP_DEG = 179.0
TILE = 0.1  # buffering tiles, in Earth radii of the gnomonic plane (~640 km at the centre)
SIMPLIFY_KM = 1.0  # shapes simplified by this much before buffering (and the buffer grows by it)
QUAD_SEGS = 8  # chords per quarter circle of a buffered corner (the margin grows 1.1% for them;
#               at 3 it grew 8.2%)


def _chord(quad_segs: int) -> float:
    """The least distance of a buffered corner's outline from the corner, over the buffer's
    radius. GEOS rounds the number of chords of a corner's arc to the nearest whole number, so
    one chord may span 1.5 times the quarter circle's share, 45 degrees at 3 a quarter: its
    midpoint lies at cos(22.5 deg) = 0.924 of the radius, not cos(15 deg) = 0.966 (a route
    passed 98.6 km from Thailand under a margin of 100). At 8 a quarter, 0.989.

    >>> round(_chord(8), 4)
    0.9892
    """
    return float(np.cos(3 * np.pi / (8 * quad_segs)))


CHORD = _chord(QUAD_SEGS)
DISC_SHRINK = 0.999  # the relaxed disc round an airport, inside the rule's 2 x buffer on the sphere
LINES_AT_ONCE = 200_000  # visibility segments tested together (~70 MB)
WINDOW_DEG = 80.0  # only the parts of closed countries within this many degrees of arc of the
#                  route's midpoint are obstacles (the gnomonic plane stays within 80 deg)


class AirspaceError(CorridorError, ValueError):
    """An airport lies in closed airspace, or no route can keep out of it. ``end``: which end
    of the leg (0 its start, 1 its end) is the airport inside, when one is."""

    def __init__(self, message: str, end: int | None = None) -> None:
        super().__init__(message)
        self.end = end


@dataclass(frozen=True)
class Violation:
    """A point of a path that is inside a closed country or nearer to it than allowed."""

    country: str
    lat: float
    lon: float
    clearance_km: float  # distance to the country's edge; negative: inside it
    required_km: float

    def __str__(self) -> str:
        ns, ew = "N" if self.lat >= 0 else "S", "E" if self.lon >= 0 else "W"
        where = f"{abs(self.lat):.2f}{ns} {abs(self.lon):.2f}{ew}"
        if self.clearance_km < 0:
            return f"enters closed airspace {self.country} at {where} ({-self.clearance_km:.0f} km inside)"
        return (f"passes {self.clearance_km:.0f} km from closed airspace {self.country} at {where} "
                f"(at least {self.required_km:.0f} km required)")


# ---------------------------------------------------------------------------- distances
def distance_to_arcs_km(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Great-circle distance (km) from each point ``p`` (m, 3) to the nearest of the arcs
    ``a[j] -> b[j]`` (n, 3): the cross-track distance where the foot falls on the arc, else the
    nearer end."""
    n = np.cross(a, b)
    norm = np.linalg.norm(n, axis=-1)
    n = n / np.where(norm > 0, norm, 1.0)[:, None]
    s = p @ n.T  # (m, n): sine of the cross-track angle
    foot = p[:, None, :] - s[..., None] * n[None]
    on_arc = (np.einsum("mnk,nk->mn", np.cross(a[None], foot), n) >= 0) & (
        np.einsum("mnk,nk->mn", np.cross(foot, b[None]), n) >= 0) & (norm[None] > 0)
    cross = np.abs(np.arcsin(np.clip(s, -1, 1)))
    ends = np.minimum(angle(p[:, None], a[None]), angle(p[:, None], b[None]))
    return np.where(on_arc, np.minimum(cross, ends), ends).min(axis=1) * EARTH_RADIUS_KM


# ---------------------------------------------------------------------------- country shapes
@lru_cache(maxsize=64)
def closed_shape(codes: tuple[str, ...]) -> BaseGeometry:
    """The union of the countries ``codes`` in lon/lat, edges split every 0.5 degree."""
    parts = [_country_shape(c) for c in codes]
    union = shapely.make_valid(shapely.unary_union(parts)) if parts else Polygon()
    return shapely.segmentize(union, EDGE_STEP_DEG)


def _country_shape(code: str) -> BaseGeometry:
    """One country's shape, made valid: countryinfo draws some islands as holes outside their
    country's outline (Sweden's Gotland and Oland), which leaves them out of the country and
    makes the union with any other country fail in GEOS."""
    return shapely.make_valid(shapely.geometry.shape(country_shapes()[code][1]))


@lru_cache(maxsize=64)
def _edges(code: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every boundary edge of a country: unit-vector starts and ends, midpoints, half lengths
    (radians)."""
    starts, ends = [], []
    for ring in _rings(closed_shape((code,))):
        v = unit(ring[:, 1], ring[:, 0])
        starts.append(v[:-1])
        ends.append(v[1:])
    a, b = np.concatenate(starts), np.concatenate(ends)
    mid = (a + b) / np.linalg.norm(a + b, axis=-1, keepdims=True)
    return a, b, mid, angle(a, b) / 2 + 1e-9


def _rings(geom: BaseGeometry) -> list[np.ndarray]:
    polys = geom.geoms if hasattr(geom, "geoms") else [geom]
    out = []
    for poly in polys:
        if isinstance(poly, Polygon) and not poly.is_empty:
            out.append(np.asarray(poly.exterior.coords))
            out += [np.asarray(r.coords) for r in poly.interiors]
    return out


def clearance_km(points: np.ndarray, code: str, *, within_km: float = np.inf) -> np.ndarray:
    """Signed distance (km) from unit vectors ``points`` to country ``code``: negative inside.

    Distances beyond ``within_km`` are only known to be beyond it (returned as at least it):
    edges that cannot come nearer are skipped.
    """
    a, b, mid, half = _edges(code)
    d = np.full(len(points), np.inf)
    reach = min(within_km / EARTH_RADIUS_KM, np.pi)
    if np.isfinite(within_km) and len(points) > 64:  # first against every 32nd point, coarsely
        coarse = points[::32]
        gap = float(angle(points[:-1], points[1:]).max()) * 32
        cos_near = np.cos(np.minimum(reach + half + gap, np.pi))
        near = ((coarse @ mid.T) >= cos_near[None]).any(axis=0)
        a, b, mid, half = a[near], b[near], mid[near], half[near]
    for i in range(0, len(points), 256):  # bounded memory: 256 points x the edges at a time
        chunk = points[i:i + 256]
        if np.isfinite(within_km):  # an edge is no nearer than its midpoint less half its length
            cos_near = np.cos(np.minimum(reach + half, np.pi))
            edges = np.flatnonzero(((chunk @ mid.T) >= cos_near[None]).any(axis=0))
        else:
            edges = np.arange(len(a))
        if edges.size:
            d[i:i + 256] = distance_to_arcs_km(chunk, a[edges], b[edges])
    d = np.minimum(d, max(within_km, 0.0)) if np.isfinite(within_km) else d
    ll = lat_lon(points)
    inside = shapely.contains_xy(closed_shape((code,)), ll[:, 1], ll[:, 0])
    return np.where(inside, -np.maximum(d, 1e-6), d)


def path_violations(points: Sequence[LatLon], closed: Sequence[str], buffer_km: float, *,
                    step_km: float = CHECK_STEP_KM) -> list[Violation]:
    """Where the great-circle path through ``points`` (first and last: the airports) comes
    nearer than allowed to a closed country: the worst point per country, worst first.

    Allowed: ``buffer_km``, except within ``2 * buffer_km`` of an airport that is itself nearer
    than ``buffer_km``, where half the airport's own distance is allowed. Inside a country is
    never allowed.

    The path is sampled every ``step_km``; a point's distance to a country changes no faster
    than the path runs, so between two samples it can dip below both by up to half their gap,
    and where the required margin steps up (at the edge of an airport's ring) a point just
    beyond it is held to the whole margin: a stretch where that could hide a shortfall is
    sampled again every 0.25 km (a straight path from Fujairah, 21 km from Oman, left the ring
    72.9 km from Oman under a margin of 75, between two samples that kept it).
    """
    samples = sample_path(points, step_km)
    ends = unit(*np.asarray([points[0], points[-1]], dtype=np.float64).T)
    found: list[Violation] = []
    for code in closed:
        end_d = clearance_km(ends, code, within_km=buffer_km + 1.0)
        rings = [(e, de / 2) for e, de in zip(ends, end_d, strict=True) if 0 <= de < buffer_km]

        def required(at: np.ndarray, rings: list[tuple[np.ndarray, float]] = rings) -> np.ndarray:
            need = np.full(len(at), float(buffer_km))
            for e, half in rings:
                near = angle(at, e[None]) * EARTH_RADIUS_KM <= 2 * buffer_km
                need[near] = np.minimum(need[near], half)
            return need

        at = samples
        d = clearance_km(at, code, within_km=buffer_km + step_km)
        need = required(at)
        gap = angle(at[:-1], at[1:]) * EARTH_RADIUS_KM
        least = (d[:-1] + d[1:] - gap) / 2  # the least distance each stretch can reach
        doubt = np.flatnonzero(least < np.maximum(need[:-1], need[1:]) - 0.5).tolist()
        if doubt:
            pieces = []
            for i in doubt:
                n = max(2, int(np.ceil(gap[i] / 0.25)))
                t = np.arange(1, n)[:, None] / n
                mid = (1 - t) * at[i] + t * at[i + 1]  # on the arc once normalised
                pieces.append(mid / np.linalg.norm(mid, axis=-1, keepdims=True))
            fine = np.concatenate(pieces)
            at = np.concatenate([at, fine])
            d = np.concatenate([d, clearance_km(fine, code, within_km=buffer_km + step_km)])
            need = np.concatenate([need, required(fine)])
        bad = (d < 0) | (d < need - 0.5)  # 0.5 km: the check's own resolution
        if bad.any():
            i = int(np.argmin(np.where(bad, d - need, np.inf)))
            lat, lon = lat_lon(at[i])
            found.append(Violation(code, float(lat), float(lon), float(d[i]), float(need[i])))
    return sorted(found, key=lambda v: v.clearance_km - v.required_km)


def countries_crossed(points: Sequence[LatLon], *, step_km: float = 10.0) -> list[str]:
    """ISO codes of the countries under the path, in the order flown (sea is left out)."""
    shapes = _all_shapes()
    samples = lat_lon(sample_path(points, step_km))
    tree = shapely.STRtree(shapes[1])
    pts = shapely.points(samples[:, 1], samples[:, 0])
    hits = tree.query(pts, predicate="within")
    order: list[str] = []
    for _, j in sorted(zip(hits[0], hits[1], strict=True)):
        code = shapes[0][j]
        if not order or order[-1] != code:
            order.append(code)
    return order


@lru_cache(maxsize=1)
def _all_shapes() -> tuple[list[str], np.ndarray]:
    codes = sorted(country_shapes())
    return codes, np.array([_country_shape(c) for c in codes])


# ---------------------------------------------------------------------------- routing
class _Plane:
    """The gnomonic projection about a centre: great circles are straight lines; coordinates
    in Earth radii."""

    def __init__(self, centre: np.ndarray) -> None:
        self.c = centre / np.linalg.norm(centre)
        pole = np.array([0.0, 0.0, 1.0])
        east = np.cross(pole, self.c)
        if np.linalg.norm(east) < 1e-9:  # centre at a pole
            east = np.array([0.0, 1.0, 0.0])
        self.e = east / np.linalg.norm(east)
        self.n = np.cross(self.c, self.e)

    def xy(self, v: np.ndarray) -> np.ndarray:
        z = v @ self.c
        return np.stack([(v @ self.e) / z, (v @ self.n) / z], axis=-1)

    def vec(self, xy: np.ndarray) -> np.ndarray:
        v = self.c + xy[..., :1] * self.e + xy[..., 1:2] * self.n
        return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _window(shape: BaseGeometry, lat0: float, lon0: float, radius_deg: float = WINDOW_DEG) -> BaseGeometry:
    """The part of ``shape`` (lon/lat) within ``radius_deg`` of arc of (lat0, lon0), with
    longitudes shifted to lie within 180 degrees of lon0.

    The window is a cap on the sphere, not a box in latitude and longitude: near the poles a
    box of +-60 degrees of longitude is a narrow wedge, and it cut Russia off beside the
    London-Tokyo route, which then went through the part left out."""
    frame = _cap(lat0, lon0, radius_deg)
    parts = [shapely.affinity.translate(shape, xoff=k * 360.0).intersection(frame) for k in (-1, 0, 1)]
    return shapely.unary_union([p for p in parts if not p.is_empty])


def _cap(lat0: float, lon0: float, radius_deg: float, n: int = 1440) -> Polygon:
    """The points within ``radius_deg`` of arc of (lat0, lon0), as a lon/lat polygon with
    longitudes within 180 degrees of lon0 (closed over a pole the cap holds)."""
    p0, r = np.radians(lat0), np.radians(radius_deg)
    bearing = np.linspace(-np.pi, np.pi, n + 1)
    lat = np.arcsin(np.clip(np.sin(p0) * np.cos(r) + np.cos(p0) * np.sin(r) * np.cos(bearing), -1, 1))
    dlon = np.arctan2(np.sin(bearing) * np.sin(r) * np.cos(p0), np.cos(r) - np.sin(p0) * np.sin(lat))
    lat, dlon = np.degrees(lat), np.degrees(dlon)
    if abs(lat0) + radius_deg < 90.0:  # an oval round the centre
        return Polygon(np.column_stack([lon0 + dlon, lat]))
    # holds a pole: the rim runs once round every longitude, closed over the pole
    order = np.argsort(dlon)
    pole = 90.0 if lat0 > 0 else -90.0
    rim = np.column_stack([lon0 + dlon[order], lat[order]])
    ring = [(lon0 - 180.0, pole), (lon0 - 180.0, float(rim[0, 1])), *map(tuple, rim),
            (lon0 + 180.0, float(rim[-1, 1])), (lon0 + 180.0, pole)]
    return shapely.make_valid(Polygon(ring))


def _project(shape: BaseGeometry, plane: _Plane) -> BaseGeometry:
    def to_plane(coords: np.ndarray) -> np.ndarray:
        return plane.xy(unit(coords[:, 1], coords[:, 0]))

    return shapely.make_valid(shapely.transform(shape, to_plane))


def _buffered(shape: BaseGeometry, margin_km: float, simplify_km: float) -> BaseGeometry:
    """``shape`` (in the plane) grown so that on the sphere every point outside it is at least
    ``margin_km`` from the original: tile by tile, by the ellipse of the plane's stretches over
    the tile's piece and its margin (:func:`_grown`)."""
    if shape.is_empty:
        return shape
    minx, miny, maxx, maxy = shape.bounds
    xs = np.arange(np.floor(minx / TILE) * TILE, maxx + TILE, TILE)
    ys = np.arange(np.floor(miny / TILE) * TILE, maxy + TILE, TILE)
    tol = simplify_km / EARTH_RADIUS_KM
    # a simplified outline strays up to ``tol`` from the shape, and the rounded corners are
    # polygons of chords that cut inside their arc to CHORD of the radius: the chords keep
    # the margin and the simplification's allowance both
    grow = (margin_km / EARTH_RADIUS_KM + tol) / CHORD
    pieces = []
    for x in xs[:-1]:
        for y in ys[:-1]:
            piece = shape.intersection(box(x, y, x + TILE, y + TILE))
            if piece.is_empty:
                continue
            pieces.append(_grown(piece.simplify(tol), grow))
    return shapely.unary_union(pieces)


def _grown(piece: BaseGeometry, grow: float) -> BaseGeometry:
    """A piece of a shape in the plane grown so that it holds every point within ``grow``
    (radians) of it on the sphere, to within the chords of its rounded corners (CHORD).

    About a point at angle phi from the centre the plane stretches lengths by sec(phi)**2 along
    the radius and by sec(phi) across it. The image of the arc from a point of the piece to a
    point within ``grow`` of it is the straight segment between their images, and that
    displacement is the integral, along the arc, of the plane's stretch applied to the arc's
    unit direction: each term lies in the ellipse of semi-axes (sec**2, sec) * ``grow`` at the
    largest angle the piece and its margin reach (arctan of the piece's farthest vertex, plus
    ``grow``), turned to the radius where it is taken, and so does their mean. The radius turns
    by at most alpha over the disc that holds the piece and its margin: the piece is grown by
    an ellipse that holds the margin's ellipse turned by any angle up to alpha (near the centre,
    where alpha reaches 90 degrees, a circle of the radial stretch). A circle of the radial
    stretch everywhere widened the margin across the radius by sqrt(1 + r**2): 1.41 times at
    45 degrees, 4.4 times at 77 (Barcelona - Sydney under French and Italian closures found no
    route).
    """
    xy = shapely.get_coordinates(piece)
    far = float(np.hypot(xy[:, 0], xy[:, 1]).max())
    theta = min(float(np.arctan(far)) + grow, np.pi / 2 - 1e-6)
    radial = grow / np.cos(theta) ** 2
    across = grow / np.cos(theta)
    (x0, y0), (x1, y1) = xy.min(axis=0), xy.max(axis=0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    # the piece and its margin lie within this of (cx, cy): the radius turns by at most alpha
    reach = float(np.hypot(x1 - x0, y1 - y0)) / 2 + radial
    centre = float(np.hypot(cx, cy))
    alpha = float(np.arcsin(reach / centre)) if reach < centre else np.pi / 2
    a, b = _holding_ellipse(radial, across, alpha)
    phi = float(np.arctan2(cy, cx))
    c, s = np.cos(phi), np.sin(phi)
    # to a frame where the ellipse is the unit circle: the radius turned onto x, then scaled
    to = [c / a, s / a, -s / b, c / b, 0.0, 0.0]
    back = [a * c, -b * s, a * s, b * c, 0.0, 0.0]
    unit_frame = shapely.affinity.affine_transform(piece, to)
    return shapely.affinity.affine_transform(unit_frame.buffer(1.0, quad_segs=QUAD_SEGS), back)


def _holding_ellipse(a: float, b: float, alpha: float) -> tuple[float, float]:
    """Semi-axes (a', b') of an ellipse that holds the ellipse of semi-axes (a, b) (a >= b)
    turned by any angle up to +-alpha, of the least area among a few a' >= a.

    The turned ellipses' support in a direction psi from the axis is, squared,
    b**2 + (a**2 - b**2) cos(max(|psi| - alpha, 0))**2; an ellipse (a', b') holds them all when
    its own support, a'**2 cos(psi)**2 + b'**2 sin(psi)**2, is no less in every direction (both
    are convex): for each a' the least b' is found on a fine grid of directions, plus 1%.

    >>> a, b = _holding_ellipse(4.4, 1.0, 0.0)  # no turn: the ellipse itself (b' has its 1%)
    >>> round(a, 3), round(b, 3)
    (4.4, 1.01)
    """
    psi = np.geomspace(1e-9, np.pi / 2, 2001)  # 1% apart: the support is smooth, and b' gets 1% more
    turned = np.maximum(psi - alpha, 0.0)
    # need - a**2 cos(psi)**2, written without cancellation: b**2 sin(turned)**2
    # + a**2 (cos(turned)**2 - cos(psi)**2), the difference of squares as a product of sines
    spare = b**2 * np.sin(turned) ** 2 + a**2 * np.sin(psi - turned) * np.sin(psi + turned)
    grow = np.array([0.0, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0])[:, None] * alpha**2
    over = (spare[None] - a**2 * grow * (2.0 + grow) * np.cos(psi)[None] ** 2) / np.sin(psi)[None] ** 2
    a2 = a * (1.0 + grow[:, 0])
    b2 = np.sqrt(np.maximum(b**2, over.max(axis=1)))
    k = int(np.argmin(a2 * b2))  # the first of the least, as when they were tried in turn
    return float(a2[k]), float(b2[k] * 1.01)


class _Local:
    """The azimuthal equidistant projection about an airport, in km: every distance from the
    airport is true; across that direction, at rho from it, lengths are stretched by
    rho / sin(rho) (0.1% at 350 km), so no length comes out shorter than it is."""

    def __init__(self, lat: float, lon: float) -> None:
        self.c = unit(lat, lon)
        east = np.cross(np.array([0.0, 0.0, 1.0]), self.c)
        if np.linalg.norm(east) < 1e-9:  # at a pole
            east = np.array([0.0, 1.0, 0.0])
        self.e = east / np.linalg.norm(east)
        self.n = np.cross(self.c, self.e)

    def km(self, v: np.ndarray) -> np.ndarray:
        rho = angle(v, self.c[None])
        t = v - (v @ self.c)[:, None] * self.c
        norm = np.linalg.norm(t, axis=-1)
        scale = np.where(norm > 0, rho / np.where(norm > 0, norm, 1.0), 0.0) * EARTH_RADIUS_KM
        return np.stack([(t @ self.e) * scale, (t @ self.n) * scale], axis=-1)

    def vec(self, xy: np.ndarray) -> np.ndarray:
        rho = np.hypot(xy[:, 0], xy[:, 1]) / EARTH_RADIUS_KM
        safe = np.where(rho > 0, rho, 1.0)
        d = (xy[:, :1] * self.e + xy[:, 1:2] * self.n) / (safe[:, None] * EARTH_RADIUS_KM)
        return np.cos(rho)[:, None] * self.c + np.sin(rho)[:, None] * d


LOCAL_QUAD_SEGS = 16  # chords per quarter circle of a corner buffered near an airport (0.27%)
#: what an edge straight in the airport's projection and the great circle between its ends
#: stray apart, at most: 6 m for a country's 55 km edge 900 km from the airport, 15 m for a
#: 90 km chord of a 300 km margin's corner (a few metres, growing with the square of the length)
LOCAL_SLACK_KM = 0.05


def _near_airport(lat: float, lon: float, margins: dict[str, float], reach_km: float,
                  plane: _Plane) -> BaseGeometry:
    """In ``plane``: the points within ``reach_km`` of an airport that are nearer than its
    margin to a closed country (``margins``: per country), built true to within the chords of
    its rounded corners (0.27%), the projection's stretch at the farthest point that matters
    (0.01% for a margin of 50 km, 0.33% for 300) and :data:`LOCAL_SLACK_KM`.

    The tile-by-tile margin (:func:`_buffered`) takes the plane's largest stretch over a tile and
    its margin, and round an airport that sits just beyond the margin from a closed country it
    swallowed the airport (Vilnius, 24.8 km from Belarus, had no route under a margin of 24
    km): here the countries are buffered in the airport's own azimuthal equidistant projection,
    where lengths are true near it, and their outlines are carried into the plane vertex by
    vertex (an edge straight in one is a great circle in the other to a few metres; split 1 km
    apart, the outlines of a 300 km margin had thousands of corners, and a route took minutes)."""
    local = _Local(lat, lon)
    # a point within reach and a country's point within its margin of it: both lie within
    # reach + margin of the airport, where the projection stretches lengths at most this much
    far = (reach_km + max(margins.values())) / EARTH_RADIUS_KM
    grow = far / np.sin(far) / _chord(LOCAL_QUAD_SEGS)
    parts = []
    for code, margin in margins.items():
        shape = _window(closed_shape((code,)), lat, lon, 1.01 * np.degrees(far))
        if shape.is_empty:
            continue
        flat = shapely.transform(shape, lambda c: local.km(unit(c[:, 1], c[:, 0])))
        grown = shapely.make_valid(flat).buffer(margin * grow + LOCAL_SLACK_KM, quad_segs=LOCAL_QUAD_SEGS)
        parts.append(grown)
    if not parts:
        return Polygon()
    t = np.linspace(0, 2 * np.pi, 256, endpoint=False)  # a polygon round the circle of reach_km
    zone = Polygon(np.column_stack([np.cos(t), np.sin(t)]) * reach_km / np.cos(np.pi / 256))
    near = shapely.unary_union(parts).intersection(zone)
    return shapely.make_valid(shapely.transform(near, lambda c: plane.xy(local.vec(c))))


def _corners(obstacle: BaseGeometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Convex corners of the obstacle's rings (the only places a shortest path bends), and the
    vertices before and after each on its ring."""
    polys = obstacle.geoms if isinstance(obstacle, MultiPolygon) else [obstacle]
    out, before, after = [], [], []
    for poly in polys:
        if not isinstance(poly, Polygon) or poly.is_empty:
            continue
        poly = orient(poly, 1.0)
        for ring in [poly.exterior, *poly.interiors]:
            c = np.asarray(ring.coords)[:-1]
            prev, nxt = np.roll(c, 1, axis=0), np.roll(c, -1, axis=0)
            d_in, d_out = c - prev, nxt - c
            turn = d_in[:, 0] * d_out[:, 1] - d_in[:, 1] * d_out[:, 0]
            out.append(c[turn > 0])
            before.append(prev[turn > 0])
            after.append(nxt[turn > 0])
    if not out:
        return np.empty((0, 2)), np.empty((0, 2)), np.empty((0, 2))
    return np.concatenate(out), np.concatenate(before), np.concatenate(after)


def _tangent(at: np.ndarray, to: np.ndarray, before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Whether the line from each corner ``at`` to ``to`` leaves the corner's two neighbours on
    its ring (``before``, ``after``) on one side (or on it): a shortest path runs only along
    such lines, tangent to the obstacle at both ends, for where the line parts the neighbours
    a path bending there could cut the corner and be shorter."""
    d = to - at
    p, q = before - at, after - at
    s1 = d[:, 0] * p[:, 1] - d[:, 1] * p[:, 0]
    s2 = d[:, 0] * q[:, 1] - d[:, 1] * q[:, 0]
    # collinear within rounding counts as tangent (a path may run along an edge)
    eps = 1e-9 * np.linalg.norm(d, axis=-1)
    return (s1 * s2 >= 0) | (np.abs(s1) <= eps * np.linalg.norm(p, axis=-1)) | (
        np.abs(s2) <= eps * np.linalg.norm(q, axis=-1))


def opposite_hop(points: Sequence[LatLon]) -> tuple[int, float] | None:
    """The first hop of the path through ``points`` whose ends lie more than
    :data:`MAX_HOP_DEG` apart, nearly opposite on the globe (no one great circle joins them):
    its index and its arc in degrees; None when there is none.

    >>> opposite_hop([(0.0, 0.0), (10.0, 10.0), (-10.0, -170.0)])
    (1, 180.0)
    """
    v = unit(*np.asarray(points, dtype=np.float64).T)
    arcs = np.degrees(angle(v[:-1], v[1:]))
    far = np.flatnonzero(arcs > MAX_HOP_DEG)
    return (int(far[0]), float(arcs[far[0]])) if far.size else None


def compliant_route(a: LatLon, b: LatLon, closed: tuple[str, ...], buffer_km: float) -> list[LatLon]:
    """The shortest path from airport ``a`` to airport ``b`` (lat, lon) keeping ``buffer_km``
    from the ``closed`` countries, as the (lat, lon) points where it turns, ends included.

    >>> route = compliant_route((51.02, 71.47), (54.64, 25.29), ("BY", "RU", "UA"), 25.0)
    >>> 5200 < round(sum_km(route)) < 5600
    True
    """
    if not closed:
        return [a, b]
    opposite = opposite_hop([a, b])
    if opposite is not None:  # no one great circle to check, nor a window round it
        raise AirspaceError(
            f"the leg between {a[0]:.2f}, {a[1]:.2f} and {b[0]:.2f}, {b[1]:.2f} spans {opposite[1]:.1f} "
            "degrees of arc: its ends are nearly opposite points of the globe, where the great "
            "circle between them is not defined: give this one waypoints")
    key_flip = (b, a) < (a, b)  # one computation serves both directions
    first, last = (b, a) if key_flip else (a, b)
    try:
        route = list(_cached_route(first, last, tuple(sorted(closed)), float(buffer_km)))
    except AirspaceError as exc:  # its end counted in the order asked, not the order computed
        if not key_flip or exc.end is None:
            raise
        raise AirspaceError(str(exc), 1 - exc.end) from None
    return route[::-1] if key_flip else route


METHOD_VERSION = 6  # bump when the routing changes, so cached routes are computed again
MAX_CACHED_ROUTES = 2000  # on disk; a file of ~1 MB at most
MAX_CACHE_BYTES = 16 * 1024 * 1024  # a cache file larger than this is not corridor's: not read


def _cache_file() -> Path | None:
    folder = os.environ.get("CORRIDOR_CACHE_DIR")
    if folder == "":
        return None
    base = Path(folder) if folder else Path.home() / ".cache" / "corridor"
    return base / "airspace-routes.json"


@lru_cache(maxsize=2048)  # every leg of a scenario (paths.MAX_ROUTED_LEGS), both of a compare
def _cached_route(a: LatLon, b: LatLon, closed: tuple[str, ...], buffer_km: float) -> tuple[LatLon, ...]:
    """:func:`_route`, remembered on disk across runs (a damaged or unwritable cache is ignored),
    keyed by the method's version, the question and the closed countries' outlines themselves
    (a new countryinfo, or a new outline of corridor's own, asks again)."""
    file = _cache_file()
    shapes = hashlib.sha256(json.dumps([country_shapes()[c][1] for c in closed]).encode()).hexdigest()
    text = json.dumps([METHOD_VERSION, shapes, a, b, closed, buffer_km])
    key = hashlib.sha256(text.encode()).hexdigest()[:32]
    known: dict[str, list[list[float]]] = {}
    if file is not None:
        known = _read_cache(file)
        cached = _cached_entry(known.get(key), a, b)
        if cached is not None and not path_violations(cached, closed, buffer_km):
            return cached
    route = _route(a, b, closed, buffer_km)
    if file is not None:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            known = known if isinstance(known, dict) else {}
            known[key] = [list(p) for p in route]
            for stale in list(known)[:-MAX_CACHED_ROUTES]:  # the oldest go first
                del known[stale]
            tmp = file.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(known))
            tmp.replace(file)  # whole or not at all; a concurrent writer may win, which is harmless
        except OSError:
            pass
    return route


def _read_cache(file: Path) -> dict[str, list[list[float]]]:
    """The route cache's contents, or nothing if it is missing or damaged: anything but a
    regular file (a pipe would block the read for ever, ``/dev/zero`` fill the memory), a file
    over :data:`MAX_CACHE_BYTES`, or text that is not a JSON object, is ignored unread."""
    try:
        fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return {}
    try:
        with os.fdopen(fd, "rb") as f:
            info = os.fstat(f.fileno())
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_CACHE_BYTES:
                return {}
            text = f.read(MAX_CACHE_BYTES + 1)
        known = json.loads(text) if len(text) <= MAX_CACHE_BYTES else None
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


def _cached_entry(entry: object, a: LatLon, b: LatLon) -> tuple[LatLon, ...] | None:
    """A cached route as a route, or None if it is not one this module writes: two or more
    points, each two finite numbers (not true/false, nor text) within latitude and longitude
    bounds, from ``a`` to ``b``. A damaged entry is computed again, never read as a route (an
    empty one stopped ``show`` with a traceback); :func:`_cached_route` also computes again a
    route that breaks the margins (a straight one flew through closed airspace)."""
    if not isinstance(entry, list) or len(entry) < 2:
        return None
    points: list[LatLon] = []
    for p in entry:
        if not (isinstance(p, list) and len(p) == 2
                and all(type(x) in (int, float) for x in p)):
            return None
        lat, lon = float(p[0]), float(p[1])
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        points.append((lat, lon))
    if points[0] != (float(a[0]), float(a[1])) or points[-1] != (float(b[0]), float(b[1])):
        return None
    return tuple(points)


def sum_km(points: Sequence[LatLon]) -> float:
    v = unit(*np.asarray(points, dtype=np.float64).T)
    return float(angle(v[:-1], v[1:]).sum() * EARTH_RADIUS_KM)


def _route(a: LatLon, b: LatLon, closed: tuple[str, ...], buffer_km: float) -> tuple[LatLon, ...]:
    ends = unit(*np.asarray([a, b], dtype=np.float64).T)
    # each airport's distance to each closed country (negative inside), as far as the margins
    # round the airports need it (:func:`_near_airport`)
    d_ends = {code: clearance_km(ends, code, within_km=3 * buffer_km) for code in closed}
    for k, ll in enumerate((a, b)):
        for code in closed:
            if d_ends[code][k] < 0:
                raise AirspaceError(f"airport at {ll[0]:.2f}, {ll[1]:.2f} lies in closed airspace {code}", k)
    if not path_violations([a, b], closed, buffer_km):
        return (a, b)
    arc = float(angle(ends[0], ends[1]))
    arc_deg = float(np.degrees(arc))
    if arc_deg > 2 * WINDOW_DEG:  # its ends would lie outside the window the detour is found in
        raise AirspaceError(
            f"the leg between {a[0]:.2f}, {a[1]:.2f} and {b[0]:.2f}, {b[1]:.2f} spans {arc_deg:.0f} "
            f"degrees of arc ({arc * EARTH_RADIUS_KM:,.0f} km); a detour round closed "
            f"airspace is computed for legs up to {2 * WINDOW_DEG:.0f} degrees: give this one waypoints")
    plane = _Plane(ends.sum(axis=0) if arc < np.pi - 1e-6 else ends[0])
    mid = lat_lon(plane.c)
    shape = _project(_window(closed_shape(closed), float(mid[0]), float(mid[1])), plane)
    obstacle = _buffered(shape, buffer_km, SIMPLIFY_KM)
    pa, pb = plane.xy(ends)
    # round each airport, within 2 x buffer of it, the margins are built true (:func:`_near_airport`);
    # there a country nearer to the airport than the margin keeps half the airport's distance,
    # every other closed country its whole margin (replacing the disc by one country's relaxed
    # shape alone let a route pass another country, or an airport's second near neighbour, too
    # close); the disc is the cap of 2 x buffer on the sphere, as a polygon inscribed in its
    # image (a disc of that radius in the plane holds less of it the farther the airport lies
    # from the centre, 46 km of 100 along the radius at Hong Kong on Madrid - Hong Kong, which
    # found no way out of the full margin round China)
    ring_deg = float(np.degrees(buffer_km / EARTH_RADIUS_KM))
    for k, (lat_e, lon_e) in enumerate((a, b)):
        margins = {code: float(d[k]) / 2 if d[k] < buffer_km else float(buffer_km)
                   for code, d in d_ends.items() if d[k] < 3 * buffer_km}
        if not margins:  # no closed country comes within the margin of the disc
            continue
        disc = _project(_cap(lat_e, lon_e, 2 * ring_deg * DISC_SHRINK, 128), plane)
        near = _near_airport(lat_e, lon_e, margins, 2 * buffer_km, plane)
        obstacle = obstacle.difference(disc).union(near.intersection(disc))
    path_xy = _visibility_path(pa, pb, obstacle, plane)
    if path_xy is None:
        raise AirspaceError(
            f"no route between {a[0]:.2f}, {a[1]:.2f} and {b[0]:.2f}, {b[1]:.2f} keeps {buffer_km:g} km "
            f"from closed airspace {_codes(closed)}")
    route = tuple((float(p[0]), float(p[1])) for p in lat_lon(plane.vec(path_xy)))
    route = (a, *route[1:-1], b)
    bad = path_violations(route, closed, buffer_km)
    if bad:  # the construction guarantees the margin; a failure here is a bug, said plainly
        raise AirspaceError(f"computed route between {a} and {b} {bad[0]}")
    return route


def _codes(closed: Sequence[str], most: int = 8) -> str:
    """Closed countries' codes for a message: the first ``most``, then how many more.

    >>> _codes(["RU", "BY"]), _codes([f"C{i}" for i in range(11)], 3)
    ('RU, BY', 'C0, C1, C2 and 8 more')
    """
    shown = ", ".join(closed[:most])
    return shown if len(closed) <= most else f"{shown} and {len(closed) - most} more"


def _one_piece(pa: np.ndarray, pb: np.ndarray, inner: BaseGeometry) -> bool:
    """Whether ``pa`` and ``pb`` lie in one piece of the plane less ``inner``, within a box
    round the three (a shortest way round bends only at the obstacle's corners, so it never
    needs to go farther): if they do not, no path joins them."""
    if inner.is_empty:
        return True
    x0, y0, x1, y1 = inner.bounds
    xs, ys = (pa[0], pb[0], x0, x1), (pa[1], pb[1], y0, y1)
    free = box(min(xs) - 1, min(ys) - 1, max(xs) + 1, max(ys) + 1).difference(inner)
    a, b = shapely.Point(pa), shapely.Point(pb)
    piece = next((p for p in getattr(free, "geoms", [free]) if p.distance(a) < 1e-9), None)
    return piece is None or piece.distance(b) < 1e-9  # (an airport not found: the graph decides)


def _visibility_path(pa: np.ndarray, pb: np.ndarray, obstacle: BaseGeometry,
                     plane: _Plane) -> np.ndarray | None:
    """Shortest obstacle-avoiding polyline from pa to pb, through convex corners of the
    obstacle, weighted by great-circle length; None if there is none."""
    inner = obstacle.buffer(-1e-7)  # a path may run along an edge or touch a corner
    if not _one_piece(pa, pb, inner):  # no way round: the graph of every corner says so only after
        return None                    # minutes and gigabytes (Oslo - Cairo under 170 countries)
    shapely.prepare(inner)
    corners, before, after = _corners(obstacle)
    va, vb = plane.vec(np.array([pa, pb]))
    direct = float(angle(va, vb))
    cv = plane.vec(corners) if len(corners) else np.empty((0, 3))
    via = angle(cv, va[None]) + angle(cv, vb[None]) if len(corners) else np.empty(0)
    for bound in (1.5, 2.0, 3.0, np.inf):
        keep = via <= bound * direct
        nodes = np.concatenate([[pa, pb], corners[keep]])
        # an airport has no neighbours: any line from it is "tangent" there
        prev = np.concatenate([[pa, pb], before[keep]])
        nxt = np.concatenate([[pa, pb], after[keep]])
        vecs = np.concatenate([[va, vb], cv[keep]])
        i, j = np.triu_indices(len(nodes), k=1)
        # only lines tangent to the obstacle at both ends can be a shortest path's (most pairs
        # of corners on one outline are not), then those that do not cross it; in slices, so
        # memory stays bounded however many corners there are
        pairs = []
        for k in range(0, len(i), LINES_AT_ONCE):
            ii, jj = i[k:k + LINES_AT_ONCE], j[k:k + LINES_AT_ONCE]
            taut = (_tangent(nodes[ii], nodes[jj], prev[ii], nxt[ii])
                    & _tangent(nodes[jj], nodes[ii], prev[jj], nxt[jj]))
            ii, jj = ii[taut], jj[taut]
            free = ~shapely.intersects(inner, shapely.linestrings(np.stack([nodes[ii], nodes[jj]], axis=1)))
            pairs.append((ii[free], jj[free]))
        fi = np.concatenate([p[0] for p in pairs]) if pairs else np.empty(0, dtype=int)
        fj = np.concatenate([p[1] for p in pairs]) if pairs else np.empty(0, dtype=int)
        graph = nx.Graph()
        weights = angle(vecs[fi], vecs[fj])
        graph.add_weighted_edges_from(zip(fi.tolist(), fj.tolist(), weights.tolist(), strict=True))
        if 0 in graph and 1 in graph and nx.has_path(graph, 0, 1):
            order = nx.shortest_path(graph, 0, 1, weight="weight")
            return nodes[order]
        if not np.isfinite(bound) or keep.all():
            return None
    return None
