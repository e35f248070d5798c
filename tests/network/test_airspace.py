"""Air routes keep out of closed airspace: checked by an independent sampler.

The witness here shares nothing with the router but the country shapes: points are spaced
along each leg by the spherical "intermediate point" formula in latitude and longitude,
containment is shapely's on the unbuffered lon/lat shape, and the distance to a country is the
smallest haversine distance to its border split into ~1 km steps.
"""

from __future__ import annotations

import math
import subprocess
import sys
from functools import lru_cache

import numpy as np
import pytest
import shapely

from conftest import SCENARIOS
from corridor.errors import CorridorError, ScenarioError
from corridor.network import build_network
from corridor.network.airspace import compliant_route, countries_crossed
from corridor.network.geo import great_circle_km, path_km
from corridor.network.paths import service_path
from corridor.scenario import load_scenario
from corridor.scenario.schema import country_shapes

NQZ, VNO = (51.0219, 71.4669), (54.6369, 25.2878)  # FACTS (airportsdata)
CLOSED = ("BY", "RU", "UA")


# ---------------------------------------------------------------------------- the witness
def leg_points(a: tuple[float, float], b: tuple[float, float], step_km: float) -> np.ndarray:
    """(lat, lon) points from a to b along the great circle, at most step_km apart (the
    textbook intermediate-point formula, in trigonometry of latitude and longitude)."""
    p1, l1, p2, l2 = map(math.radians, (*a, *b))
    d = float(great_circle_km(*a, *b)) / 6371.0
    n = max(1, math.ceil(d * 6371.0 / step_km))
    out = []
    for k in range(n + 1):
        f = k / n
        if d == 0:
            out.append(a)
            continue
        A, B = math.sin((1 - f) * d) / math.sin(d), math.sin(f * d) / math.sin(d)
        x = A * math.cos(p1) * math.cos(l1) + B * math.cos(p2) * math.cos(l2)
        y = A * math.cos(p1) * math.sin(l1) + B * math.cos(p2) * math.sin(l2)
        z = A * math.sin(p1) + B * math.sin(p2)
        out.append((math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))))
    return np.array(out)


def path_points(path: list[tuple[float, float]], step_km: float = 10.0) -> np.ndarray:
    return np.concatenate([leg_points(a, b, step_km) for a, b in zip(path[:-1], path[1:], strict=True)])


@lru_cache(maxsize=8)
def shape(code: str) -> shapely.Geometry:
    return shapely.geometry.shape(country_shapes()[code][1])


@lru_cache(maxsize=8)
def border(code: str) -> np.ndarray:
    """The country's border as (lat, lon) points ~1 km apart or less."""
    fine = shapely.segmentize(shape(code).boundary, 0.01)
    xy = shapely.get_coordinates(fine)
    return xy[:, ::-1]


def clearance(points: np.ndarray, code: str) -> np.ndarray:
    """Distance (km) from each point to the country's border by brute force; negative inside."""
    edge = border(code)
    out = np.empty(len(points))
    for i, (lat, lon) in enumerate(points):
        near = edge[(np.abs(edge[:, 0] - lat) < 3) & (np.abs(((edge[:, 1] - lon) + 180) % 360 - 180) < 5)]
        out[i] = great_circle_km(lat, lon, near[:, 0], near[:, 1]).min() if len(near) else 1e9
    inside = shapely.contains_xy(shape(code), points[:, 1], points[:, 0])
    return np.where(inside, -out, out)


def required(points: np.ndarray, path: list[tuple[float, float]], code: str, buffer_km: float) -> np.ndarray:
    """The margin the rule asks for at each point: buffer_km, but within 2 x buffer_km of an
    airport nearer than buffer_km, half the airport's own distance."""
    need = np.full(len(points), buffer_km)
    for end in (path[0], path[-1]):
        d_end = clearance(np.array([end]), code)[0]
        if d_end < buffer_km:
            near = great_circle_km(end[0], end[1], points[:, 0], points[:, 1]) <= 2 * buffer_km
            need[near] = np.minimum(need[near], d_end / 2)
    return need


def air_services():
    for file in sorted(SCENARIOS.glob("*.yaml")):
        scenario = load_scenario(file)
        places = {p.id: p for p in scenario.places}
        for service in scenario.services:
            if service.mode == "air" and service.airspace is not None and service.airspace.closed:
                yield file.name, service, places


# every route in this module is computed, not read from a cache (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("computed_here")


SHIPPED = list(air_services())


# ---------------------------------------------------------------------------- shipped routes
@pytest.mark.parametrize(("file", "service", "places"), SHIPPED,
                         ids=[f"{f}:{s.id}" for f, s, _ in SHIPPED])
def test_every_shipped_air_route_keeps_out_of_closed_airspace(file, service, places) -> None:
    path = service_path(service, places)
    points = path_points(path, step_km=10.0)
    assert great_circle_km(points[:-1, 0], points[:-1, 1], points[1:, 0], points[1:, 1]).max() <= 10.0
    for code in service.airspace.closed:
        got = clearance(points, code)
        assert (got > 0).all(), f"{service.id} enters {code} at {points[np.argmin(got)]}"
        need = required(points, path, code, service.airspace.buffer_km)
        worst = int(np.argmin(got - need))
        assert got[worst] >= need[worst] - 1.0, (  # 1 km: the witness's border spacing
            f"{service.id}: {got[worst]:.1f} km from {code} at {points[worst]}, {need[worst]:.1f} required")


def test_there_are_shipped_routes_to_check() -> None:
    ids = {s.id for _, s, _ in SHIPPED}
    assert {"KC-NQZ-FRA", "LO-NQZ-WAW", "TK-NQZ-IST-DAY", "KC-NQZ-VNO"} <= ids


def test_nqz_vno_detour_is_about_the_published_figure() -> None:
    """FACTS: a path clear of Russia, Belarus and Ukraine is about 5,400 km, ~1.77 x the great
    circle (computed there by hand through Aktau - Baku - Tbilisi - Black Sea - Romania -
    Hungary/Slovakia - eastern Poland - the Suwalki gap). The shortest such path on the sphere
    is a little shorter: airways are not geodesics."""
    route = compliant_route(NQZ, VNO, CLOSED, 25.0)
    km = path_km(route)
    circle = float(great_circle_km(*NQZ, *VNO))
    assert 3060 < circle < 3080  # FACTS: 3,071 km
    assert 5100 < km < 5500
    assert 1.66 < km / circle < 1.79
    assert countries_crossed(route) == ["KZ", "AZ", "GE", "RO", "HU", "SK", "PL", "LT"]


def test_a_route_is_the_same_both_ways() -> None:
    there = compliant_route(NQZ, VNO, CLOSED, 25.0)
    back = compliant_route(VNO, NQZ, CLOSED, 25.0)
    assert back == there[::-1]


def test_no_closed_airspace_is_the_great_circle() -> None:
    assert compliant_route(NQZ, VNO, (), 25.0) == [NQZ, VNO]
    # a route that needs no detour keeps its great circle too (Helsinki - Vilnius)
    assert compliant_route((60.3172, 24.9633), VNO, CLOSED, 25.0) == [(60.3172, 24.9633), VNO]


def test_the_route_turns_only_where_it_touches_the_margin() -> None:
    """A shortest path bends only where an obstacle stops it: at every turn the route is at
    the margin (by the witness's measure), not inside it and not far beyond it (the router
    grows the margin by its tiles' stretch, at most a few percent, and 1 km of simplification)."""
    route = compliant_route(NQZ, VNO, CLOSED, 25.0)
    turns = np.array(route[1:-1])
    near = np.min([clearance(turns, c) for c in CLOSED], axis=0)
    need = np.min([required(turns, route, c, 25.0) for c in CLOSED], axis=0)
    assert (near >= need - 1.0).all()
    assert (near <= need * 1.15 + 2.0).all(), list(zip(near.round(1), need.round(1), strict=True))


def test_a_larger_margin_makes_a_longer_route() -> None:
    lengths = [path_km(compliant_route(NQZ, VNO, CLOSED, b)) for b in (0.0, 25.0, 60.0)]
    assert lengths[0] < lengths[1] < lengths[2]


# ---------------------------------------------------------------------------- broken on purpose
BROKEN = """\
name: broken
run: {start: 2027-03-01}
airspace: {closed: [RU, BY, UA], buffer_km: 25}
places:
  - {id: NQZ, name: Astana, kind: airport, country: KZ}
  - {id: VNO, name: Vilnius, kind: airport, country: LT}
services:
  - id: THROUGH-BELARUS
    mode: air
    unit: pax
    stops: [NQZ, VNO]
    waypoints: [[44.0, 51.0], [41.6, 45.0], [43.2, 33.0], [46.5, 24.5], [52.0, 23.2], [53.2, 24.1]]
    timetable: {days: daily, times: ["08:00"]}
    speed_kph: 780
    capacity: 180
"""


def test_waypoints_through_belarus_are_refused_where_they_are_written(write) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write("broken.yaml", BROKEN))
    (problem,) = caught.value.problems
    assert problem.file.endswith("broken.yaml") and problem.line == 12  # the waypoints line
    assert problem.path == "services[0].waypoints"
    assert "enters closed airspace BY at 53." in problem.message  # the Grodno region


def test_a_scenario_built_in_code_is_refused_when_its_path_is_used(write) -> None:
    """A scenario made in Python skips the loader's check; its paths are still checked."""
    opened = BROKEN.replace("    waypoints:", "    airspace: {closed: []}\n    waypoints:")
    ok = load_scenario(write("ok.yaml", opened))
    service = ok.services[0].model_copy(update={"airspace": ok.airspace})
    broken = ok.model_copy(update={"services": [service]})
    with pytest.raises(ScenarioError, match="THROUGH-BELARUS.*enters closed airspace BY"):
        build_network(broken)


def test_the_witness_sees_the_broken_route_too(write) -> None:
    """The independent sampler agrees the hand path enters Belarus (so it can fail)."""
    waypoints = [(44.0, 51.0), (41.6, 45.0), (43.2, 33.0), (46.5, 24.5), (52.0, 23.2), (53.2, 24.1)]
    assert str(waypoints[-1]).replace("(", "[").replace(")", "]") in BROKEN
    path = [NQZ, *waypoints, VNO]
    assert (clearance(path_points(path), "BY") < 0).any()


def test_cli_names_the_country_and_point_without_traceback(write) -> None:
    path = write("broken.yaml", BROKEN)
    done = subprocess.run([sys.executable, "-m", "corridor.cli", "validate", str(path)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "enters closed airspace BY" in done.stderr and "Traceback" not in done.stderr


def test_compliant_waypoints_are_accepted(write) -> None:
    turns = compliant_route(NQZ, VNO, CLOSED, 25.0)[1:-1]
    listed = ", ".join(f"[{lat:.4f}, {lon:.4f}]" for lat, lon in turns)
    ok = BROKEN.replace(
        "[[44.0, 51.0], [41.6, 45.0], [43.2, 33.0], [46.5, 24.5], [52.0, 23.2], [53.2, 24.1]]", f"[{listed}]")
    build_network(load_scenario(write("ok.yaml", ok)))


def test_unknown_country_is_a_located_error(write) -> None:
    bad = BROKEN.replace("closed: [RU, BY, UA]", "closed: [RU, XX, UA]")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write("bad.yaml", bad))
    (problem,) = caught.value.problems
    assert problem.line == 3 and "airspace.closed[1]" in problem.path and "'XX'" in problem.message


def test_a_country_closed_twice_is_a_located_error(write) -> None:
    # it was taken without a word: a slip where another country was meant
    bad = BROKEN.replace("closed: [RU, BY, UA]", "closed: [RU, RU, BY, UA, BY]")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write("bad.yaml", bad))
    (problem,) = caught.value.problems
    assert problem.line == 3 and problem.path == "airspace.closed"
    assert "BY, RU given twice" in problem.message


def test_a_place_in_no_country_is_a_located_error(write) -> None:
    bad = BROKEN.replace("kind: airport, country: LT}", "kind: airport, country: LX}")
    assert bad != BROKEN
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write("bad.yaml", bad))
    (problem,) = caught.value.problems
    assert problem.path.startswith("places[") and problem.path.endswith("].country")
    assert "'LX' is not an ISO 3166-1 alpha-2 code" in problem.message
    assert "country: LX" in bad.splitlines()[problem.line - 1]


def test_airspace_on_a_train_is_refused(write) -> None:
    bad = BROKEN.replace("mode: air", "mode: rail").replace(
        "    waypoints:", "    airspace: {closed: [BY]}\n    waypoints:")
    with pytest.raises(ScenarioError, match="airspace, wind_east_kph and co2_kg_per_cycle are for air"):
        load_scenario(write("bad.yaml", bad))


@pytest.mark.parametrize(("stops", "at"), [("[NQZ, SVO]", 1), ("[SVO, NQZ]", 0)])
def test_an_airport_inside_closed_airspace_is_refused(write, stops: str, at: int) -> None:
    # SVO, not NQZ where the leg starts or ends; both ways (a leg is computed in one direction
    # for both, so the airport's end was once counted the other way round)
    bad = BROKEN.replace("  - {id: VNO, name: Vilnius, kind: airport, country: LT}",
                         "  - {id: VNO, name: Vilnius, kind: airport, country: LT}\n"
                         "  - {id: SVO, name: Moscow, kind: airport, country: RU}")
    bad = bad.replace("    waypoints: [[44.0, 51.0], [41.6, 45.0], [43.2, 33.0], [46.5, 24.5], [52.0, 23.2], "
                      "[53.2, 24.1]]\n", "").replace("stops: [NQZ, VNO]", f"stops: {stops}")
    with pytest.raises(ScenarioError, match="lies in closed airspace RU") as caught:
        load_scenario(write("svo.yaml", bad))
    assert caught.value.problems[0].path == f"services[0].stops[{at}]"


def test_a_service_may_open_what_the_scenario_closes(write) -> None:
    own = BROKEN.replace("    waypoints:", "    airspace: {closed: []}\n    waypoints:")
    scenario = load_scenario(write("own.yaml", own))
    assert scenario.services[0].airspace.closed == []
    build_network(scenario)  # its waypoints are no longer checked against Belarus


def test_show_lists_each_air_route_within_100_columns() -> None:
    from corridor.report.overview import overview, overview_text

    scenario = load_scenario(SCENARIOS / "direct_flight.yaml")
    data = overview(scenario, build_network(scenario))
    text = overview_text(data, width=100)
    assert max(len(line) for line in text.splitlines()) <= 100
    rows = [line for line in text.splitlines() if line.startswith("KC-NQZ-VNO ")]
    assert len(rows) == 3  # the services table, the air routes table, the airline economics
    assert "1.69x" in rows[1] and "7 h 35" in rows[1] and rows[1].endswith("KZ AZ GE RO HU SK PL LT")
    (kc,) = [s for s in data["services"] if s["id"] == "KC-NQZ-VNO"]
    nqz = scenario.place("NQZ")
    assert kc["closed_airspace"] == ["RU", "BY", "UA"]
    assert kc["path"][0] == [round(nqz.lat, 4), round(nqz.lon, 4)]


def test_a_wind_faster_than_half_the_aircraft_is_refused(write) -> None:
    bad = BROKEN.replace("    speed_kph: 780\n", "    speed_kph: 400\n    wind_east_kph: 250\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write("wind.yaml", bad))
    (problem,) = caught.value.problems
    assert problem.line == 8 and "wind_east_kph 250 needs speed_kph of at least twice" in problem.message
    too_strong = BROKEN.replace("    speed_kph: 780\n", "    speed_kph: 780\n    wind_east_kph: 400\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write("wind.yaml", too_strong))
    assert caught.value.problems[0].path.endswith("wind_east_kph")


@pytest.mark.parametrize(("closed", "waypoints"), [
    ("[LU]", "[[0, 0], [0, 180]]"),          # opposite points on the equator
    ("[LU]", "[[90, 0], [-90, 0]]"),         # the poles
    ("[LU]", "[[0, 0], [0.001, 179.999]]"),  # a hair off
    ("[]", "[[0, 0], [0, 180]]"),            # no airspace closed: the path still has no great circle
])
def test_waypoints_at_opposite_points_of_the_globe_are_refused_at_once(write, closed: str,
                                                                       waypoints: str) -> None:
    # the check sampled a "great circle" of sin(180 degrees) ~ 1e-16: 7 GB and killed, or an
    # "out of memory" error a minute later
    text = BROKEN.replace("closed: [RU, BY, UA]", f"closed: {closed}").replace(
        "[[44.0, 51.0], [41.6, 45.0], [43.2, 33.0], [46.5, 24.5], [52.0, 23.2], [53.2, 24.1]]",
        waypoints)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write("opposite.yaml", text))
    (problem,) = caught.value.problems
    assert problem.path == "services[0].waypoints" and problem.line == 12
    assert "nearly opposite points of the globe" in problem.message
    assert "add a waypoint between" in problem.message


def test_airports_at_opposite_points_of_the_globe_ask_for_waypoints(write) -> None:
    hand = "[[44.0, 51.0], [41.6, 45.0], [43.2, 33.0], [46.5, 24.5], [52.0, 23.2], [53.2, 24.1]]"
    text = BROKEN.replace("closed: [RU, BY, UA]", "closed: [LU]").replace(f"    waypoints: {hand}\n", "")
    text = text.replace("country: KZ}", "country: KZ, lat: 10, lon: 20}").replace(
        "country: LT}", "country: LT, lat: -10, lon: -160}")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write("opposite.yaml", text))
    (problem,) = caught.value.problems
    assert problem.path == "services[0].stops[0]"
    assert "spans 180.0 degrees of arc" in problem.message and "give this one waypoints" in problem.message


def test_a_leg_of_a_longer_service_is_told_how_it_can_take_waypoints(write) -> None:
    # "give this one waypoints", then "waypoints are for services with exactly two stops"
    hand = "[[44.0, 51.0], [41.6, 45.0], [43.2, 33.0], [46.5, 24.5], [52.0, 23.2], [53.2, 24.1]]"
    text = BROKEN.replace("closed: [RU, BY, UA]", "closed: [LU]").replace(f"    waypoints: {hand}\n", "")
    text = text.replace("stops: [NQZ, VNO]", "stops: [NQZ, VNO, FAR]")
    text = text.replace("places:\n", "places:\n  - {id: FAR, name: Far, kind: airport, country: NZ, "
                                      "lat: -54.6, lon: -154.7, tz: Pacific/Auckland}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write("three.yaml", text))
    (problem,) = caught.value.problems
    assert problem.path == "services[0].stops[1]" and "VNO -> FAR" in problem.message
    assert problem.message.endswith("give this one waypoints (waypoints are for two-stop services: "
                                    "make this leg a service of its own)")


def test_a_route_walled_in_by_closed_airspace_is_refused_without_the_graph_of_every_corner(
        monkeypatch) -> None:
    # Oslo - Cairo with Europe, North Africa and the Middle East closed at 100 km: no way
    # round. The visibility graph of every corner said so after 1.3 million segments (8.8 s; under
    # 170 countries 4 million, 64 s and 1.4 GB); the obstacle walls Oslo in, which a cut of the
    # plane shows at once
    import corridor.network.airspace as airspace

    built, linestrings = [], shapely.linestrings
    monkeypatch.setattr(airspace.shapely, "linestrings",
                        lambda *a, **k: built.append(len(a[0])) or linestrings(*a, **k))
    near = ("SE", "FI", "RU", "GB", "DK", "DE", "PL", "NL", "BE", "FR", "IE", "IS", "EE", "LV", "LT",
            "BY", "UA", "CZ", "SK", "AT", "CH", "IT", "ES", "PT", "RO", "BG", "GR", "TR", "RS", "HR",
            "BA", "SI", "AL", "MK", "ME", "MD", "LU", "MA", "DZ", "TN", "LY", "CY", "SY", "LB", "IL",
            "JO", "SA", "IQ", "IR", "SD", "TD", "NE", "ML", "MR", "EH")
    closed = tuple(c for c in near if c in country_shapes())
    with pytest.raises(CorridorError, match="no route between"):
        compliant_route((59.9, 10.7), (30.0, 31.0), closed, 100.0)
    assert sum(built) < 10_000, sum(built)  # the direct leg's check: a few hundred


@pytest.mark.parametrize(("code", "airport"), [("HU", "BUD"), ("RS", "BEG"), ("ME", "TGD"), ("XK", "PRN"),
                                               ("MM", "RGN"), ("JM", "KIN")])
def test_the_countries_countryinfo_lacks_have_outlines_their_capitals_airports_lie_in(code, airport) -> None:
    # countryinfo has no outline for Hungary, Serbia, Montenegro, Kosovo, Myanmar or Jamaica:
    # none could be closed, and routes over Hungary listed no HU. Witness: airportsdata's own
    # coordinates of each capital's airport lie inside the outline corridor ships, and in no other
    from corridor.scenario.schema import airport_record

    record = airport_record(airport)
    point = shapely.Point(record["lon"], record["lat"])
    inside = [c for c, (_, geometry) in country_shapes().items()
              if shapely.geometry.shape(geometry).contains(point)]
    assert inside == [code], (airport, inside)


def test_a_route_keeps_out_of_hungary_when_it_is_closed() -> None:
    # Belgrade - Warsaw's great circle crosses Hungary and Slovakia; closed, the route goes east
    # of it and keeps 25 km off on the sphere check
    from corridor.network.airspace import path_violations
    from corridor.scenario.schema import airport_record

    beg, waw = ((airport_record(c)["lat"], airport_record(c)["lon"]) for c in ("BEG", "WAW"))
    assert "HU" in countries_crossed([beg, waw])
    route = compliant_route(beg, waw, ("HU",), 25.0)
    assert "HU" not in countries_crossed(route) and path_violations(route, ("HU",), 25.0) == []
    assert path_km(route) > float(great_circle_km(*beg, *waw)) + 50


def test_more_legs_to_route_than_the_bound_are_refused_before_any_is_computed(write, monkeypatch) -> None:
    # 1,600 services between 40 airports west of Belarus and 40 east of Russia, within every
    # other bound, each routed round them in about 0.7 s: 20 minutes of validate, 20,000 such
    # services hours. The count is known before the first route is
    import corridor.network.airspace as airspace
    import corridor.network.paths as paths

    def never(*args: object) -> None:
        raise AssertionError("a route was computed")

    monkeypatch.setattr(paths, "MAX_ROUTED_LEGS", 4)
    monkeypatch.setattr(airspace, "_route", never)
    airspace._cached_route.cache_clear()
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", "")
    places = "".join(f"  - {{id: W{i}, name: W{i}, kind: airport, iata: ZZZ, country: DE, lat: {50 + i}, "
                     f"lon: 10, tz: Europe/Berlin}}\n" for i in range(3))
    places += "".join(f"  - {{id: E{j}, name: E{j}, kind: airport, iata: ZZZ, country: KZ, lat: 45, "
                      f"lon: {70 + j}, tz: Asia/Almaty}}\n" for j in range(2))
    services = "".join(
        f"  - {{id: S{i}{j}, mode: air, unit: pax, stops: [W{i}, E{j}], speed_kph: 800, capacity: 180, "
        f"timetable: {{days: daily, times: ['10:00']}}}}\n" for i in range(3) for j in range(2))
    back = "  - {id: BACK, mode: air, unit: pax, stops: [E0, W0], speed_kph: 800, capacity: 180, " \
           "timetable: {days: daily, times: ['10:00']}}\n"  # a leg flown both ways counts once
    text = ("name: many\nrun: {start: 2027-03-01}\nairspace: {closed: [RU, BY, UA], buffer_km: 25}\n"
            f"places:\n{places}services:\n{back}{services}")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(write("many.yaml", text))
    (problem,) = caught.value.problems
    assert problem.path == "services[5].stops" and problem.line == 16  # S20: the fifth leg
    assert "more than 4 legs of air services to route round closed airspace" in problem.message
