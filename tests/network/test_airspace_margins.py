"""Routes round closed airspace keep the margin the rule asks for, checked by a witness of this
file's own: points every few km along each great-circle arc (slerp on unit vectors), and the
haversine distance to every country's border split into ~1 km steps, on the shape made valid.

Cases the shipped scenarios do not reach: margins of 60 and 100 km (the corners of the grown
shapes are chords that cut inside their arcs), an airport near two closed countries (Vilnius:
Belarus at ~25 km, Kaliningrad at ~160), and Sweden, whose islands countryinfo draws as holes
outside its outline.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from scipy.spatial import cKDTree

from corridor.network.airspace import clearance_km, compliant_route
from corridor.network.geo import unit
from corridor.scenario.schema import country_shapes

R_KM = 6371.0
VNO, WAW, FRA = (54.6341, 25.2858), (52.1657, 20.9671), (50.0333, 8.5706)
OSL, TLL = (60.1939, 11.1004), (59.4133, 24.8328)
VISBY = (57.64, 18.35)  # Gotland, Sweden


# every route in this module is computed, not read from a cache (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("computed_here")


def _xyz(lat: float, lon: float) -> np.ndarray:
    p, q = math.radians(lat), math.radians(lon)
    return np.array([math.cos(p) * math.cos(q), math.cos(p) * math.sin(q), math.sin(p)])


def _xyz_many(latlon: np.ndarray) -> np.ndarray:
    p, q = np.radians(latlon[:, 0]), np.radians(latlon[:, 1])
    return np.column_stack([np.cos(p) * np.cos(q), np.cos(p) * np.sin(q), np.sin(p)])


def samples(path: list[tuple[float, float]], step_km: float = 2.0) -> np.ndarray:
    out = []
    for a, b in zip(path[:-1], path[1:], strict=True):
        va, vb = _xyz(*a), _xyz(*b)
        theta = math.acos(max(-1.0, min(1.0, float(va @ vb))))
        n = max(1, math.ceil(theta * R_KM / step_km))
        for k in range(n + 1):
            f = k / n
            v = (math.sin((1 - f) * theta) * va + math.sin(f * theta) * vb) / math.sin(theta) if theta else va
            out.append((math.degrees(math.asin(v[2])), math.degrees(math.atan2(v[1], v[0]))))
    return np.array(out)


def haversine(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * R_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def witness(points: np.ndarray, code: str) -> np.ndarray:
    """Distance (km) to the country, negative inside."""
    shape = shapely.make_valid(shapely.geometry.shape(country_shapes()[code][1]))
    edge = shapely.get_coordinates(shapely.segmentize(shape.boundary, 0.01))[:, ::-1]
    # the nearest border point by chord in 3-D (a k-d tree), then its haversine distance
    _, nearest = cKDTree(_xyz_many(edge)).query(_xyz_many(points))
    d = haversine(points[:, 0], points[:, 1], edge[nearest, 0], edge[nearest, 1])
    inside = shapely.contains_xy(shape, points[:, 1], points[:, 0])
    return np.where(inside, -d, d)


def shortfall_km(path: list[tuple[float, float]], closed: tuple[str, ...], buffer_km: float,
                 step_km: float = 2.0) -> float:
    """How far the path comes nearer than the rule allows (0 if never): buffer_km, but within
    2 x buffer_km of an airport nearer than buffer_km to a country, half that distance."""
    pts = samples(path, step_km)
    worst = 0.0
    for code in closed:
        need = np.full(len(pts), buffer_km)
        for end in (path[0], path[-1]):
            de = witness(np.array([end]), code)[0]
            if de < buffer_km:
                near = haversine(end[0], end[1], pts[:, 0], pts[:, 1]) <= 2 * buffer_km
                need[near] = np.minimum(need[near], de / 2)
        worst = max(worst, float((need - witness(pts, code)).max()))
    return worst


@pytest.mark.parametrize(("a", "b", "closed", "buffer_km"), [
    (WAW, VNO, ("BY", "RU"), 60.0),     # round Kaliningrad by sea: a 60 km margin round corners
    (FRA, VNO, ("RU", "BY"), 100.0),    # Vilnius is 25 km from Belarus and ~160 from Russia
    (FRA, VNO, ("BY", "RU"), 100.0),
    (OSL, TLL, ("SE", "DK"), 25.0),     # Sweden with its islands
])
def test_route_keeps_the_margin_by_an_independent_witness(a, b, closed, buffer_km) -> None:
    route = compliant_route(a, b, closed, buffer_km)  # computed, not refused as a bug
    assert shortfall_km(route, closed, buffer_km) <= 0.5  # the router's own check's resolution


def test_swedish_islands_are_closed_with_sweden() -> None:
    assert clearance_km(unit(*np.array([VISBY]).T), "SE")[0] < 0
    assert witness(np.array([VISBY]), "SE")[0] < 0


def test_a_polar_route_round_russia_is_computed_not_cut_through_it() -> None:
    """London - Tokyo with Russia closed, as European carriers fly it since 2022: the window
    of obstacles round the midpoint (~70N) must hold Russia's far east, which a box of +-60
    degrees of longitude cut off (the route then entered Russia at ~60N 151E and was refused)."""
    lhr, nrt = (51.47, -0.4543), (35.7647, 140.386)
    route = compliant_route(lhr, nrt, ("RU",), 25.0)
    assert shortfall_km(route, ("RU",), 25.0) <= 0.5
    length = sum(haversine(a[0], a[1], b[0], b[1]) for a, b in zip(route[:-1], route[1:], strict=True))
    circle = haversine(*lhr, *nrt)
    assert 1.1 * circle < length < 1.35 * circle  # round the north of Russia, or the south


def test_a_leg_longer_than_the_window_asks_for_waypoints() -> None:
    # Madrid - Auckland under a closed France spans 176 degrees of arc: its airports lie outside
    # the 80-degree cap the detour is found in; it had been refused as a computed route crossing
    # France, which reads as a bug
    from corridor.network.airspace import AirspaceError

    with pytest.raises(AirspaceError, match="spans 176 degrees of arc .*give this one waypoints"):
        compliant_route((40.47, -3.56), (-37.01, 174.79), ("FR",), 25.0)


@pytest.mark.parametrize(("a", "b", "closed", "buffer_km"), [
    ((41.297, 2.078), (-33.946, 151.177), ("FR", "IT"), 25.0),   # Barcelona - Sydney
    ((41.297, 2.078), (-33.946, 151.177), ("FR", "IT"), 60.0),
    ((38.774, -9.134), (1.364, 103.991), ("ES",), 25.0),          # Lisbon - Singapore round Spain
    ((38.774, -9.134), (1.364, 103.991), ("ES", "FR", "DZ"), 40.0),
    ((-33.946, 151.177), (51.47, -0.4543), ("IN", "PK"), 25.0),  # Sydney - London round India
    # Hong Kong is 11 km from China: within 2 x buffer of it (on the sphere) China keeps 5.5 km;
    # a disc of 2 x buffer drawn in the plane held 46 km of the 100 here, and no way out of
    # the full margin beyond it was found
    ((40.47, -3.56), (22.31, 113.91), ("CN",), 50.0),             # Madrid - Hong Kong
    ((40.47, -3.56), (22.31, 113.91), ("CN",), 100.0),
])
def test_a_long_leg_bends_round_airspace_far_from_the_planes_centre(a, b, closed, buffer_km) -> None:
    """Far from the plane's centre (here 60 to 77 degrees of arc) the plane stretches lengths
    along the radius by sec^2 but across it only by sec: a margin grown by the larger stretch
    in every direction was up to 4.4 times too wide across, and Barcelona, ~100 km from France,
    lay inside it (no route). The margin still holds by the witness, and the detour is short."""
    route = compliant_route(a, b, closed, buffer_km)
    assert shortfall_km(route, closed, buffer_km) <= 0.5
    length = sum(haversine(p[0], p[1], q[0], q[1]) for p, q in zip(route[:-1], route[1:], strict=True))
    assert length < 1.1 * haversine(*a, *b)


@pytest.mark.parametrize("alpha", [0.0, 1e-4, 0.0164, 0.05, 0.0707])
@pytest.mark.parametrize(("a", "b"), [(19.5, 4.4), (2.1, 1.45), (1.0, 1.0)])
def test_the_grown_ellipse_holds_every_turn_of_the_margin(a, b, alpha) -> None:
    # a tile far from the plane's centre is grown by an ellipse that must hold the margin's
    # ellipse turned by any angle the radius turns over the tile: points of the turned
    # ellipses, every 0.09 degree round and at 201 turns, all lie inside it
    from corridor.network.airspace import _holding_ellipse

    a2, b2 = _holding_ellipse(a, b, alpha)
    t = np.linspace(0, 2 * np.pi, 4001)
    for beta in np.linspace(-alpha, alpha, 201):
        x = a * np.cos(t) * np.cos(beta) - b * np.sin(t) * np.sin(beta)
        y = a * np.cos(t) * np.sin(beta) + b * np.sin(t) * np.cos(beta)
        assert ((x / a2) ** 2 + (y / b2) ** 2).max() <= 1.0 + 1e-12
    assert a2 * b2 < 1.5 * a * b  # and it is not a circle of the larger axis


NQZ, IST = (51.0222, 71.4669), (41.2753, 28.7519)


@pytest.mark.parametrize(("a", "b", "closed", "buffer_km"), [
    # Vilnius is 24.8 km from Belarus in these shapes: under 24 km, no route to Astana, Istanbul
    # or Frankfurt (the tiles' margin, widened by their largest stretch, swallowed Vilnius)
    (NQZ, VNO, ("BY", "RU", "UA"), 24.0),
    (IST, VNO, ("BY", "RU", "UA"), 24.0),
    (FRA, VNO, ("BY", "RU", "UA"), 24.5),
    ((42.57, 27.52), (34.56, 105.86), ("UA",), 250.0),  # Burgas, 318 km from Ukraine - Tianshui
    ((10.0827, -2.50769), (40.0801, 116.585), ("BJ",), 300.0),  # Wa, 361 km from Benin - Beijing
])
def test_an_airport_just_beyond_the_margin_has_a_route(a, b, closed, buffer_km) -> None:
    route = compliant_route(a, b, closed, buffer_km)
    assert shortfall_km(route, closed, buffer_km) <= 0.5


@pytest.mark.parametrize("buffer_km", [50.0, 100.0])
def test_a_computed_route_is_not_refused_by_its_own_check(buffer_km) -> None:
    # Trat (4.7 km from Thailand in these shapes) - Muzaffarpur round the east of Thailand: the
    # buffers' corner chords passed 98.6 km from Thailand under a margin of 100, and the route
    # was refused as a bug (GEOS may draw 45 degrees of a corner's arc as one chord)
    route = compliant_route((12.2746, 102.319), (26.1191, 85.3137), ("TH",), buffer_km)
    assert shortfall_km(route, ("TH",), buffer_km) <= 0.5


def test_geos_corner_chords_stay_within_the_allowance() -> None:
    # every corner of a buffer, whatever its angle, keeps CHORD x the radius from its vertex
    from corridor.network.airspace import CHORD, QUAD_SEGS

    least = 1.0
    for turn in np.radians(np.linspace(0.5, 179.5, 359)):
        edge = 10 * np.array([-np.cos(turn), -np.sin(turn)])
        corner = shapely.geometry.Polygon([(0, 0), (-10, 0), (edge[0] - 10, edge[1]), tuple(edge)])
        grown = corner.convex_hull.buffer(1.0, quad_segs=QUAD_SEGS)
        least = min(least, grown.exterior.distance(shapely.geometry.Point(0, 0)))
    assert CHORD <= least < CHORD + 0.01, least


def test_the_check_finds_a_shortfall_between_its_samples() -> None:
    # Fujairah is 20.9 km from Oman: within 150 km of it Oman keeps 10.45 km, beyond that 75; the
    # great circle to Wittering leaves the ring 72.9 km from Oman, between samples 5 km apart
    # that both kept their margin, and was flown straight
    from corridor.network.airspace import path_violations

    fjr, wtn = (25.1122, 56.324), (53.1662, -0.52381)
    assert shortfall_km([fjr, wtn], ("OM",), 75.0, step_km=0.1) > 1.5  # the witness sees it
    (bad,) = path_violations([fjr, wtn], ("OM",), 75.0)
    assert bad.country == "OM" and bad.clearance_km < 73.5 and bad.required_km == 75.0
    route = compliant_route(fjr, wtn, ("OM",), 75.0)
    assert len(route) > 2 and shortfall_km(route, ("OM",), 75.0, step_km=0.1) <= 0.5
