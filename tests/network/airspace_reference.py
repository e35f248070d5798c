"""An independent reference for the shortest route round closed airspace.

Shares no code with ``corridor.network.airspace``: only the input (the country outlines that
``countryinfo`` ships, read through ``corridor.scenario.schema.country_shapes`` and made valid,
the lon/lat polygons corridor's own check and witnesses use) and the rule of docs/airspace.md:
keep ``buffer_km`` from every closed country, except within ``2 * buffer_km`` of an airport that
is itself nearer than ``buffer_km`` to a country, where half that airport's distance is enough.

How the margin is built (on the sphere, not in a plane):

* Each closed country's border (lon/lat edges, split every ``SEG_DEG``; a sub-edge is taken as
  a great-circle arc) is covered by spherical caps of radius ``r`` round every vertex and, for
  every edge, the band of points within ``r`` of the arc (a quadrilateral of the four points at
  ``r`` across the arc from its ends). The caps are polygons *circumscribed* about the true cap
  (vertices at ``r / cos(pi / CAP_SIDES)``), the bands are widened by the sagitta of their small
  circle: the union holds every point within ``r`` of the border, and is at most
  ``r * 0.12%`` + 10 m wider.
* Round an airport that needs the relaxed margin, inside its ring (a polygon *inscribed* in the
  cap of ``2 * buffer_km``) the cover of ``d / 2`` replaces that of ``buffer_km``.
* Pockets of that union that lie inside a closed country are filled.

These polygons are then carried, vertex by vertex, into a gnomonic plane about the midpoint
of the airports, where a great-circle arc is a straight segment: each polygon edge in the plane
is the great-circle arc between its ends on the sphere, so the plane's obstacle is, on the
sphere, exactly the union built above (no stretch factors: the plane is used only to tell
whether two arcs meet, never to measure a length). Lengths are measured on the sphere.

The shortest path among polygons bends only at their convex corners: the nodes are the two
airports and the obstacle's convex corners, an edge joins two nodes whose arc does not enter
the obstacle's interior, and Dijkstra (networkx) finds the shortest chain. Nodes and node pairs
that cannot lie on a path shorter than a bound (the sum of great-circle legs through them) are
left out, the bound raised until a path within it is found.

The path so found keeps at least the margin (up to the 10 m slack above), so its length is an
upper bound of the true shortest; its excess over the true shortest is what the circumscribed
caps add at the corners it turns round (at most ``r * 0.0012`` times the total turning, in
radians) and is negligible. :func:`witness_slack_km` measures the margin of any path with a
third method (points every 1 km, nearest of the border's points 0.01 degree apart, shapely
containment) so the reference's own output is checked too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import networkx as nx
import numpy as np
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from corridor.scenario.schema import country_shapes

R_KM = 6371.0
SEG_DEG = 0.5  # border edges split this finely in lon/lat (a sub-edge: a great-circle arc, its band
#               widened by how far the lon/lat edge strays from it)
CAP_SIDES = 32  # sides of each cap's polygon (circumscribed: 0.5% of the radius wider at most)
WINDOW_DEG = 88.0  # obstacles beyond this arc from the plane's centre are dropped
EXTRA_KM = 0.01  # every cover is this much wider than its radius (rounding, edge curvature)
LINES_AT_ONCE = 100_000

LatLon = tuple[float, float]


# ---------------------------------------------------------------------------- sphere
def xyz(lat, lon) -> np.ndarray:
    p, q = np.radians(np.asarray(lat, dtype=float)), np.radians(np.asarray(lon, dtype=float))
    return np.stack([np.cos(p) * np.cos(q), np.cos(p) * np.sin(q), np.sin(p)], axis=-1)


def to_latlon(v: np.ndarray) -> np.ndarray:
    v = v / np.linalg.norm(v, axis=-1, keepdims=True)
    return np.stack([np.degrees(np.arcsin(np.clip(v[..., 2], -1, 1))),
                     np.degrees(np.arctan2(v[..., 1], v[..., 0]))], axis=-1)


def arc(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle (radians) between unit vectors."""
    return np.arctan2(np.linalg.norm(np.cross(u, v), axis=-1), np.sum(u * v, axis=-1))


def path_length_km(points) -> float:
    v = xyz(*np.asarray(points, dtype=float).T)
    return float(arc(v[:-1], v[1:]).sum() * R_KM)


def _tangents(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two unit tangent vectors at each point (k, 3), orthogonal to each other."""
    ref = np.where(np.abs(p[:, 2:3]) < 0.9, np.array([[0.0, 0.0, 1.0]]), np.array([[1.0, 0.0, 0.0]]))
    e1 = np.cross(ref, p)
    e1 /= np.linalg.norm(e1, axis=-1, keepdims=True)
    return e1, np.cross(p, e1)


def caps(centres: np.ndarray, rho: float, sides: int = CAP_SIDES, *, outside: bool = True) -> np.ndarray:
    """(k, sides, 3) polygons round caps of radius ``rho`` (radians): circumscribed about the cap
    (``outside``) or inscribed in it."""
    r = rho / math.cos(math.pi / sides) if outside else rho
    e1, e2 = _tangents(centres)
    t = np.linspace(0, 2 * np.pi, sides, endpoint=False)
    d = np.cos(t)[None, :, None] * e1[:, None] + np.sin(t)[None, :, None] * e2[:, None]
    return math.cos(r) * centres[:, None] + math.sin(r) * d


def bands(a: np.ndarray, b: np.ndarray, rho: float, stray: np.ndarray | float = 0.0,
          sides: int = CAP_SIDES) -> np.ndarray:
    """(k, 4, 3) quadrilaterals that hold every point within ``rho`` of the arcs a -> b whose
    foot falls on the arc (the caps at the ends hold the rest)."""
    n = np.cross(a, b)
    n /= np.linalg.norm(n, axis=-1, keepdims=True)
    length = arc(a, b)
    # a chord of the small circle at rho from the arc passes inside it by its sagitta
    # and as wide as the circumscribed caps (and a hair more), so that a cap at a vertex where
    # the border runs straight on adds no bump, nor corners, beyond the bands
    wide = rho / math.cos(math.pi / sides) + 1e-3 / R_KM
    r = (wide + stray + length**2 * math.tan(max(wide, 1e-9)) / 8)[:, None]
    c, s = np.cos(r), np.sin(r)
    return np.stack([c * a + s * n, c * b + s * n, c * b - s * n, c * a - s * n], axis=1)


# ---------------------------------------------------------------------------- countries
@dataclass
class Country:
    code: str
    shape: shapely.Geometry  # lon/lat
    a: np.ndarray  # border sub-edges (great-circle arcs), unit vectors
    b: np.ndarray
    stray: np.ndarray  # (radians) a bound on how far each edge strays from its arc (twice its midpoint's)
    tree: cKDTree  # border points 0.01 degree apart, for distances
    fine: np.ndarray

    def distance_km(self, v: np.ndarray) -> np.ndarray:
        """Distance (km) to the border (nearest of its points 0.01 degree apart; at most a few
        metres too long), negative inside."""
        chord, _ = self.tree.query(v)
        d = 2 * np.arcsin(np.clip(chord / 2, 0, 1)) * R_KM
        ll = to_latlon(v)
        inside = shapely.contains_xy(self.shape, ll[:, 1], ll[:, 0])
        return np.where(inside, -d, d)


@lru_cache(maxsize=64)
def country(code: str) -> Country:
    shape = shapely.make_valid(shapely.geometry.shape(country_shapes()[code][1]))
    shapely.prepare(shape)
    starts, ends = [], []
    strays = []
    for ring in _rings(shape):
        fine = np.asarray(shapely.segmentize(shapely.LineString(ring), SEG_DEG).coords)
        v = xyz(fine[:, 1], fine[:, 0])
        starts.append(v[:-1])
        ends.append(v[1:])
        # how far the edge, straight in lon/lat, strays from the arc: its midpoint's distance
        mid = xyz((fine[:-1, 1] + fine[1:, 1]) / 2, (fine[:-1, 0] + fine[1:, 0]) / 2)
        n = np.cross(v[:-1], v[1:])
        size = np.linalg.norm(n, axis=-1, keepdims=True)
        n /= np.where(size > 0, size, 1)
        strays.append(np.abs(np.arcsin(np.clip(np.sum(mid * n, axis=-1), -1, 1))))
    a, b, stray = np.concatenate(starts), np.concatenate(ends), np.concatenate(strays)
    keep = arc(a, b) > 1e-12
    pts = shapely.get_coordinates(shapely.segmentize(shape.boundary, 0.01))
    fine = xyz(pts[:, 1], pts[:, 0])
    return Country(code, shape, a[keep], b[keep], 2 * stray[keep], cKDTree(fine), fine)


def _rings(geom) -> list[np.ndarray]:
    polys = geom.geoms if hasattr(geom, "geoms") else [geom]
    out = []
    for poly in polys:
        if isinstance(poly, Polygon) and not poly.is_empty:
            out.append(np.asarray(poly.exterior.coords))
            out += [np.asarray(r.coords) for r in poly.interiors]
        elif hasattr(poly, "geoms"):
            out += _rings(poly)
    return out


# ---------------------------------------------------------------------------- the rule
def ring_rules(ends: list[LatLon], closed: tuple[str, ...],
               buffer_km: float) -> dict[str, list[tuple[np.ndarray, float]]]:
    """Per country: (airport, relaxed margin km) for each airport nearer than the margin.
    Raises ValueError for an airport inside a closed country."""
    ev = xyz(*np.asarray(ends, dtype=float).T)
    rules: dict[str, list[tuple[np.ndarray, float]]] = {}
    for code in closed:
        d = country(code).distance_km(ev)
        if (d < 0).any():
            raise ValueError(f"airport in {code}")
        rules[code] = [(ev[k], float(d[k]) / 2) for k in range(len(ev)) if d[k] < buffer_km]
    return rules


def witness_slack_km(path: list[LatLon], closed: tuple[str, ...], buffer_km: float,
                     step_km: float = 1.0) -> float:
    """The least (distance to a closed country - the margin the rule asks there) along the
    path, sampled every ``step_km``: negative where the path comes too near."""
    v = xyz(*np.asarray(path, dtype=float).T)
    pts = [v[:1]]
    for p, q in zip(v[:-1], v[1:], strict=True):
        th = float(arc(p, q))
        n = max(1, math.ceil(th * R_KM / step_km))
        t = np.arange(1, n + 1)[:, None] / n
        if th > 1e-12:
            pts.append((np.sin((1 - t) * th) * p + np.sin(t * th) * q) / math.sin(th))
        else:
            pts.append(np.repeat(q[None], n, 0))
    at = np.concatenate(pts)
    rules = ring_rules([path[0], path[-1]], closed, buffer_km)
    worst = math.inf
    for code in closed:
        need = np.full(len(at), float(buffer_km))
        for e, half in rules[code]:
            near = arc(at, e[None]) * R_KM <= 2 * buffer_km
            need[near] = np.minimum(need[near], half)
        worst = min(worst, float((country(code).distance_km(at) - need).min()))
    return worst


# ---------------------------------------------------------------------------- the plane
class Gnomonic:
    def __init__(self, centre: np.ndarray) -> None:
        self.c = centre / np.linalg.norm(centre)
        self.e, self.n = _tangents(self.c[None])
        self.e, self.n = self.e[0], self.n[0]

    def xy(self, v: np.ndarray) -> np.ndarray:
        z = v @ self.c
        return np.stack([(v @ self.e) / z, (v @ self.n) / z], axis=-1)

    def vec(self, xy: np.ndarray) -> np.ndarray:
        v = self.c + xy[..., :1] * self.e + xy[..., 1:2] * self.n
        return v / np.linalg.norm(v, axis=-1, keepdims=True)


@dataclass
class Ellipse:
    """The points p with arc(a, p) + arc(p, b) <= limit (radians): every path from a to b no
    longer than ``limit`` lies in it, and so does every arc the search tests."""

    a: np.ndarray
    b: np.ndarray
    limit: float = math.inf

    def near(self, points: np.ndarray, reach: float | np.ndarray) -> np.ndarray:
        """Which points (k, 3) lie within ``reach`` (radians) of it (a point that far out has
        arc sums up to 2 x reach more than the nearest point of the ellipse)."""
        if not math.isfinite(self.limit):
            return np.ones(len(points), dtype=bool)
        return arc(points, self.a[None]) + arc(points, self.b[None]) <= self.limit + 2 * reach


def _polys(plane: Gnomonic, rings: np.ndarray) -> list[shapely.Geometry]:
    """Polygons (k, m, 3) on the sphere into the plane, those wholly in the window only."""
    if len(rings) == 0:
        return []
    inside = ((rings @ plane.c) > math.cos(math.radians(WINDOW_DEG))).all(axis=1)
    flat = plane.xy(rings[inside])
    return list(shapely.make_valid(shapely.polygons(flat)))


def cover(plane: Gnomonic, code: str, radius_km: float, where: Ellipse | None = None,
          sides: int = CAP_SIDES) -> shapely.Geometry:
    """In the plane: every point within ``radius_km`` of the country's border (the parts that
    may meet the ellipse ``where``)."""
    c = country(code)
    rho = (max(radius_km, 0.0) + EXTRA_KM) / R_KM
    reach = 1.1 * rho + 1e-4  # a cap or band reaches no farther from its vertices
    verts = np.unique(np.concatenate([c.a, c.b]), axis=0)
    a, b, stray = c.a, c.b, c.stray
    if where is not None:
        verts = verts[where.near(verts, reach)]
        half = arc(a, b) / 2 + reach
        keep = where.near(a, half + stray) | where.near(b, half + stray)
        a, b, stray = a[keep], b[keep], stray[keep]
    parts = _polys(plane, caps(verts, rho, sides)) + _polys(plane, bands(a, b, rho, stray, sides))
    return shapely.union_all(parts)


def _fill_closed_pockets(geom: shapely.Geometry, closed: tuple[str, ...],
                         plane: Gnomonic) -> shapely.Geometry:
    polys = geom.geoms if hasattr(geom, "geoms") else [geom]
    out = []
    for poly in polys:
        if not isinstance(poly, Polygon) or poly.is_empty:
            continue
        holes = []
        for ring in poly.interiors:
            p = np.asarray(Polygon(ring).point_on_surface().coords)[0]
            lat, lon = to_latlon(plane.vec(p[None]))[0]
            if not any(shapely.contains_xy(country(c).shape, lon, lat) for c in closed):
                holes.append(ring)
        out.append(Polygon(poly.exterior, holes))
    return shapely.union_all(out)


def obstacle(plane: Gnomonic, ends: list[LatLon], closed: tuple[str, ...], buffer_km: float,
             where: Ellipse | None = None, sides: int = CAP_SIDES) -> shapely.Geometry:
    """The closed region of the rule, in the plane (near the ellipse ``where``)."""
    rules = ring_rules(ends, closed, buffer_km)
    parts = []
    for code in closed:
        mine = cover(plane, code, buffer_km, where, sides)
        # the larger relaxed margin first: where rings overlap the smaller wins
        for e, half in sorted(rules[code], key=lambda r: -r[1]):
            ring = _polys(plane, caps(e[None], 2 * buffer_km / R_KM, 256, outside=False))[0]
            mine = mine.difference(ring).union(cover(plane, code, half, where, sides).intersection(ring))
        parts.append(mine)
    return _fill_closed_pockets(shapely.union_all(parts), closed, plane)


def convex_corners(geom: shapely.Geometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The obstacle's convex corners (k, 2), and the corners before and after each on its ring."""
    polys = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
    out, before, after = [], [], []
    for poly in polys:
        if not isinstance(poly, Polygon) or poly.is_empty:
            continue
        poly = orient(poly, 1.0)  # exterior counter-clockwise, holes clockwise
        for ring in [poly.exterior, *poly.interiors]:
            c = np.asarray(ring.coords)[:-1]
            prev, nxt = np.roll(c, 1, axis=0), np.roll(c, -1, axis=0)
            d_in, d_out = c - prev, nxt - c
            convex = d_in[:, 0] * d_out[:, 1] - d_in[:, 1] * d_out[:, 0] > 0
            out.append(c[convex])
            before.append(prev[convex])
            after.append(nxt[convex])
    if not out:
        return np.empty((0, 2)), np.empty((0, 2)), np.empty((0, 2))
    return np.concatenate(out), np.concatenate(before), np.concatenate(after)


def _supporting(at: np.ndarray, before: np.ndarray, after: np.ndarray, to: np.ndarray) -> np.ndarray:
    """Whether the line from each corner ``at`` towards ``to`` has both of the corner's ring
    neighbours on one side (or on it): only such a line can leave a corner on a shortest path
    (one that bends round the corner); the others cut into the obstacle at the corner or could
    be shortened there."""
    d = to - at
    s1 = d[:, 0] * (before[:, 1] - at[:, 1]) - d[:, 1] * (before[:, 0] - at[:, 0])
    s2 = d[:, 0] * (after[:, 1] - at[:, 1]) - d[:, 1] * (after[:, 0] - at[:, 0])
    scale = np.linalg.norm(d, axis=1) * (np.linalg.norm(before - at, axis=1)
                                         + np.linalg.norm(after - at, axis=1))
    return s1 * s2 >= -1e-12 * scale


# ---------------------------------------------------------------------------- the search
@dataclass
class Reference:
    km: float
    path: list[LatLon]
    nodes: int
    edges_tested: int


BOUNDS = (1.02, 1.05, 1.1, 1.2, 1.35, 1.5, 1.7, 2.0, 2.5, 3.0, 5.0)


def shortest(a: LatLon, b: LatLon, closed: tuple[str, ...], buffer_km: float, *,
             bounds: tuple[float, ...] = BOUNDS, sides: int = CAP_SIDES) -> Reference | None:
    """The shortest path from ``a`` to ``b`` that keeps the rule (as an upper bound, see the
    module's doc); None if there is none within ``bounds[-1]`` times the great circle.

    For each bound in turn only the obstacle near the ellipse of paths that short is built
    and searched: a path found no longer than the bound is the shortest. ``sides``: of each
    cap's polygon (fewer: faster, and a margin up to 1 / cos(pi / sides) times too wide)."""
    va, vb = xyz(*np.array([a, b], dtype=float).T)
    plane = Gnomonic(va + vb)
    pa, pb = plane.xy(np.array([va, vb]))
    direct = float(arc(va, vb))
    edges_tested = 0
    for bound in bounds:
        limit = bound * direct
        obst = obstacle(plane, [a, b], closed, buffer_km, Ellipse(va, vb, limit), sides)
        inner = obst.buffer(-1e-8)  # a path may run along an edge of the obstacle or touch a corner
        shapely.prepare(inner)
        if inner.intersects(shapely.Point(pa)) or inner.intersects(shapely.Point(pb)):
            return None
        if not inner.intersects(shapely.LineString([pa, pb])):
            return Reference(direct * R_KM, [a, b], 2, 1)
        corners, before, after = convex_corners(obst)
        nodes_xy = np.concatenate([[pa, pb], corners])
        nodes_v = np.concatenate([[va, vb], plane.vec(corners)])
        # the airports have no neighbours: every line through them is supporting
        before = np.concatenate([[pa, pb], before])
        after = np.concatenate([[pa, pb], after])
        from_a, to_b = arc(nodes_v, va[None]), arc(nodes_v, vb[None])
        keep = np.flatnonzero(from_a + to_b <= limit)
        i, j = np.triu_indices(len(keep), k=1)
        i, j = keep[i], keep[j]
        w = arc(nodes_v[i], nodes_v[j])
        sel = np.minimum(from_a[i] + w + to_b[j], from_a[j] + w + to_b[i]) <= limit
        i, j, w = i[sel], j[sel], w[sel]
        sel = (_supporting(nodes_xy[i], before[i], after[i], nodes_xy[j])
               & _supporting(nodes_xy[j], before[j], after[j], nodes_xy[i]))
        i, j, w = i[sel], j[sel], w[sel]
        free = np.concatenate([~shapely.intersects(inner, shapely.linestrings(np.stack(
            [nodes_xy[i[k:k + LINES_AT_ONCE]], nodes_xy[j[k:k + LINES_AT_ONCE]]], axis=1)))
            for k in range(0, len(i), LINES_AT_ONCE)] or [np.empty(0, dtype=bool)])
        edges_tested += len(i)
        graph = nx.Graph()
        graph.add_weighted_edges_from(zip(i[free].tolist(), j[free].tolist(), w[free].tolist(), strict=True))
        if 0 in graph and 1 in graph and nx.has_path(graph, 0, 1):
            length, order = nx.single_source_dijkstra(graph, 0, 1, weight="weight")
            if length <= limit * (1 + 1e-12):  # every shorter path lies within this bound
                ll = to_latlon(nodes_v[order])
                path = [a, *[(float(p[0]), float(p[1])) for p in ll[1:-1]], b]
                return Reference(float(length) * R_KM, path, len(keep), edges_tested)
    return None
