"""The network as GeoJSON and GeoPackage (opened with GeoPandas) and as GraphML."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.cli import main
from corridor.network import build_network
from corridor.network.geo import path_km
from corridor.network.graph import export_safe
from corridor.network.paths import service_path
from corridor.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("geo")
    assert (
        main(
            [
                "export",
                str(ROOT / "scenarios" / "baseline.yaml"),
                "--geojson",
                str(folder / "n.geojson"),
                "--gpkg",
                str(folder / "n.gpkg"),
                "--graphml",
                str(folder / "g.graphml"),
            ]
        )
        == 0
    )
    return folder


def test_geojson_opens_in_geopandas_with_points_lines_and_wgs84(written: Path, baseline: Scenario) -> None:
    gpd = pytest.importorskip("geopandas")
    frame = gpd.read_file(written / "n.geojson")
    assert frame.crs.to_epsg() == 4326
    kinds = frame.groupby("layer").geometry.apply(lambda g: set(g.geom_type))
    assert (
        kinds["places"] == {"Point"}
        and kinds["services"] == {"LineString"}
        and kinds["links"] == {"LineString"}
    )
    assert (frame["layer"] == "places").sum() == len(baseline.places)
    assert (frame["layer"] == "services").sum() == len(baseline.services)
    services = frame[frame["layer"] == "services"].set_index("id")
    places = {p.id: p for p in baseline.places}
    for s in baseline.services:
        line = services.loc[s.id]
        coords = list(line.geometry.coords)
        # lon, lat order, along the path the planner measures, from the first stop to the last
        assert coords == [(lon, lat) for lat, lon in service_path(s, places)]
        assert line["mode"] == s.mode and line["capacity"] == s.capacity
        if s.distance_km is None:
            assert line["distance_km"] == pytest.approx(
                path_km(service_path(s, places)) * s.circuity, rel=1e-9
            )
        per_week = len(s.timetable.weekdays) * len(s.timetable.clock_min) if s.timetable else None
        assert (line["departures_per_week"] == per_week) if per_week else line["dispatched"]
        assert line["duration_min"] > 0 and line["cost_usd"] >= 0 and line["co2_kg"] >= 0


def test_geopackage_has_three_layers(written: Path, baseline: Scenario) -> None:
    gpd = pytest.importorskip("geopandas")
    pyogrio = pytest.importorskip("pyogrio")
    layers = {name: geom for name, geom in pyogrio.list_layers(written / "n.gpkg")}
    assert layers == {"places": "Point", "services": "LineString", "links": "LineString"}
    services = gpd.read_file(written / "n.gpkg", layer="services")
    assert services.crs.to_epsg() == 4326 and len(services) == len(baseline.services)


def test_graphml_writes_and_reads_back(written: Path, baseline: Scenario) -> None:
    graph = build_network(baseline)
    with pytest.raises(nx.NetworkXError):  # what export_safe is for: GraphML has no null
        nx.write_graphml(graph, written / "raw.graphml")
    back = nx.read_graphml(written / "g.graphml", force_multigraph=True)
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    for place in baseline.places:
        attrs = back.nodes[place.id]
        assert attrs["lat"] == place.lat and attrs["tz"] == place.tz
        assert ("servers" in attrs) == (place.servers is not None)
    safe = export_safe(graph)
    assert sorted(safe.edges(keys=True)) == sorted(graph.edges(keys=True))
    assert all(v is not None for _, d in safe.nodes(data=True) for v in d.values())


def test_graphml_edge_ids_are_unique_nmtokens(written: Path, baseline: Scenario) -> None:
    # GraphML gives every edge an id of XML's NMTOKEN kind, one per document: the service
    # segments were "SERVICE#i" ('#' is no name character) and both ways of a two-way link
    # had the link's id (read from the file's XML, not through networkx)
    import re
    import xml.etree.ElementTree as ET

    ns = "{http://graphml.graphdrawing.org/xmlns}"
    edges = ET.parse(written / "g.graphml").getroot().iter(f"{ns}edge")
    ids = [e.get("id") for e in edges]
    two_way = sum(1 for link in baseline.links if link.bidirectional)
    assert two_way > 0 and len(ids) == build_network(baseline).number_of_edges()
    assert all(i is not None and re.fullmatch(r"[A-Za-z0-9_.:-]+", i) for i in ids), ids
    assert len(set(ids)) == len(ids), sorted(i for i in ids if ids.count(i) > 1)[:4]


def test_a_geopackage_of_no_places_is_refused_before_anything_is_written(tmp_path: Path, capsys) -> None:
    # every layer empty: the temporary file was removed for GDAL and nothing made it again, so
    # the rename failed as "cannot write there (No such file or directory)" of a folder that
    # exists, with exit status 2 and the --geojson written before it left in place
    pytest.importorskip("geopandas")
    scenario = tmp_path / "empty.yaml"
    scenario.write_text("name: empty\nrun: {start: 2027-03-01}\nplaces: []\n")
    geojson, gpkg = tmp_path / "n.geojson", tmp_path / "n.gpkg"
    assert main(["export", str(scenario), "--geojson", str(geojson), "--gpkg", str(gpkg)]) == 2
    err = capsys.readouterr().err
    assert f"{gpkg}: nothing to write: the scenario has no places" in err, err
    assert "No such file" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.yaml"]


@pytest.fixture
def full_disk_for_gpkg(tmp_path: Path, monkeypatch) -> Path:
    """A small scenario in ``tmp_path``, and GeoPandas's writer failing as GDAL does on a full
    disk (pyogrio's own error, not an OSError)."""
    gpd = pytest.importorskip("geopandas")
    errors = pytest.importorskip("pyogrio.errors")
    from conftest import MINIMAL

    def full(self, *args, **kwargs) -> None:
        raise errors.FeatureError("failed to write record:\ndatabase or disk is full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", full)
    scenario = tmp_path / "tiny.yaml"
    scenario.write_text(MINIMAL)
    return scenario


def test_a_geopackage_on_a_full_disk_is_a_one_line_error(full_disk_for_gpkg: Path, capsys) -> None:
    # it went out as a traceback. Now one line, exit 2, the file there before kept and nothing
    # half-written beside it
    folder = full_disk_for_gpkg.parent
    gpkg = folder / "n.gpkg"
    gpkg.write_text("kept")
    assert main(["export", str(full_disk_for_gpkg), "--gpkg", str(gpkg)]) == 2
    err = capsys.readouterr().err
    assert f"{gpkg}: cannot write there (failed to write record: database or disk is full)" in err, err
    assert "Traceback" not in err
    assert gpkg.read_text() == "kept"
    assert sorted(p.name for p in folder.iterdir()) == ["n.gpkg", "tiny.yaml"]


def test_an_export_failing_at_one_output_leaves_every_old_file(full_disk_for_gpkg: Path, capsys,
                                                               monkeypatch) -> None:
    # --gtfs and --gpkg, the GeoPackage failing (a full disk): the feed had already replaced the
    # old one, so the folder held a new feed beside an old GeoPackage. Now both stay old, and
    # no temporary file is left
    folder = full_disk_for_gpkg.parent
    feed, gpkg, geojson = folder / "g.zip", folder / "n.gpkg", folder / "n.geojson"
    for old in (feed, gpkg, geojson):
        old.write_text("old")
    argv = ["export", str(full_disk_for_gpkg), "--gtfs", str(feed), "--geojson", str(geojson),
            "--gpkg", str(gpkg)]
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert "cannot write there" in err and "wrote" not in out
    assert [p.read_text() for p in (feed, gpkg, geojson)] == ["old", "old", "old"]
    assert sorted(p.name for p in folder.iterdir()) == ["g.zip", "n.geojson", "n.gpkg", "tiny.yaml"]
    monkeypatch.undo()
    assert main(argv) == 0  # and with room, all three are new
    assert all(p.read_text(errors="replace") != "old" for p in (feed, gpkg, geojson))


DATELINE = """\
name: dateline
run: {start: 2027-03-01, horizon_days: 7}
places:
  - {id: T1, name: A, kind: junction, country: FJ, lat: -17.0, lon: 179.9, tz: Pacific/Fiji}
  - {id: T2, name: B, kind: junction, country: FJ, lat: -16.5, lon: -179.9, tz: Pacific/Fiji}
  - {id: T3, name: C, kind: junction, country: FJ, lat: -16.0, lon: 179.0, tz: Pacific/Fiji}
services:
  - {id: LOOP, mode: road, unit: feu, stops: [T1, T2, T1, T2], timetable: {days: [Mon], times: ["08:00"]},
     speed_kph: 50, capacity: 2}
  - {id: WEST, mode: road, unit: feu, stops: [T1, T3], timetable: {days: [Mon], times: ["08:00"]},
     speed_kph: 50, capacity: 2}
links:
  - {id: L, from: T2, to: T3, mode: road, duration_min: 120}
"""


def test_lines_across_the_antimeridian_are_cut_there(tmp_path: Path) -> None:
    # RFC 7946 3.1.9: a line from 179.9 E to 179.9 W was written as it is, which GIS tools draw
    # 359.8 degrees the other way round
    import json

    gpd = pytest.importorskip("geopandas")
    (tmp_path / "d.yaml").write_text(DATELINE)
    assert main(["export", str(tmp_path / "d.yaml"), "--geojson", str(tmp_path / "d.geojson"),
                 "--gpkg", str(tmp_path / "d.gpkg")]) == 0
    features = {f["properties"]["id"]: f["geometry"] for f in json.loads((tmp_path / "d.geojson").read_text())
                ["features"]}
    assert features["WEST"]["type"] == "LineString"  # not across: as it was
    for name, crossings in (("LOOP", 3), ("L", 1)):
        geometry = features[name]
        assert geometry["type"] == "MultiLineString" and len(geometry["coordinates"]) == crossings + 1
        for part in geometry["coordinates"]:
            lons = [lon for lon, _ in part]
            assert all(abs(a - b) <= 180.0 for a, b in zip(lons, lons[1:], strict=False)), part
        parts = geometry["coordinates"]
        ends = [(a[-1], b[0]) for a, b in zip(parts, parts[1:], strict=False)]
        assert all(abs(x[0]) == 180.0 and x[0] == -y[0] and x[1] == y[1] for x, y in ends)
    lines = gpd.read_file(tmp_path / "d.gpkg", layer="services").set_index("id").geometry
    lons = [lon for part in lines["LOOP"].geoms for lon, _ in part.coords]  # the GeoPackage alike
    assert max(lons) == 180.0 and min(lons) == -180.0 and len(lines["LOOP"].geoms) == 4


def _at(p: list[float], q: list[float]) -> bool:
    """One place: the same latitude and longitude, +180 and -180 being one meridian."""
    return p[1] == q[1] and (p[0] == q[0] or abs(p[0]) == abs(q[0]) == 180.0)


lons = st.one_of(st.sampled_from([180.0, -180.0, 179.9, -179.9, 0.0]), st.floats(-180.0, 180.0))
lats = st.floats(-89.0, 89.0)


@settings(max_examples=300, deadline=None)
@given(line=st.lists(st.tuples(lons, lats).map(list), min_size=2, max_size=8))
def test_antimeridian_parts_keep_every_point_and_never_jump(line: list[list[float]]) -> None:
    # a stop on +-180 gave a zero-length first part, and a step along +-180 divided by zero
    from corridor.interchange.geojson import antimeridian_parts

    parts = antimeridian_parts(line)
    for part in parts:
        assert len(part) >= 2
        assert all(-180.0 <= lon <= 180.0 for lon, _ in part)
        assert all(abs(a[0] - b[0]) <= 180.0 for a, b in zip(part, part[1:], strict=False)), parts
        if any(not _at(p, line[0]) for p in line):
            assert any(not _at(p, part[0]) for p in part), parts  # no piece of one repeated point
    # the points written are the line's, in order (a point repeated at once written once),
    # with cut points at +-180 between
    same = [p for part in parts for p in part]
    k = 0
    for j, (lon, lat) in enumerate(line):
        if j and _at(line[j - 1], [lon, lat]):
            continue
        while not _at(same[k], [lon, lat]):
            assert abs(same[k][0]) == 180.0, (line, parts)  # only cut points are added
            k += 1
        k += 1 if k + 1 < len(same) else 0
    # a cut only where a step crosses: the parts meet at +-180 on opposite sides, one latitude
    for a, b in zip(parts, parts[1:], strict=False):
        assert abs(a[-1][0]) == 180.0 and a[-1][0] == -b[0][0] and a[-1][1] == b[0][1]


@pytest.mark.parametrize(("line", "parts"), [
    ([[180.0, 65.0], [-180.0, 66.0]], [[[180.0, 65.0], [180.0, 66.0]]]),
    ([[180.0, 65.0], [-170.0, 62.0]], [[[-180.0, 65.0], [-170.0, 62.0]]]),
    ([[170.0, 62.0], [180.0, 65.0]], [[[170.0, 62.0], [180.0, 65.0]]]),
    ([[170.0, 62.0], [180.0, 65.0], [-170.0, 62.0]],
     [[[170.0, 62.0], [180.0, 65.0]], [[-180.0, 65.0], [-170.0, 62.0]]]),
])
def test_a_line_touching_the_antimeridian_is_cut_only_where_it_crosses(line, parts) -> None:
    from corridor.interchange.geojson import antimeridian_parts

    assert antimeridian_parts(line) == parts


def test_two_geopackages_of_one_scenario_are_the_same_bytes(tmp_path: Path, baseline: Scenario,
                                                            capsys) -> None:
    # GDAL stamped each layer with the moment it was written (gpkg_contents.last_change): two
    # exports a second apart differed. Now the scenario's epoch, in the standard's format
    import re
    import sqlite3
    import time

    pytest.importorskip("geopandas")
    files = [tmp_path / "a.gpkg", tmp_path / "b.gpkg"]
    for k, gpkg in enumerate(files):
        if k:
            time.sleep(1.1)  # GDAL's times are to the millisecond; a second apart shows in any
        assert main(["export", str(ROOT / "scenarios" / "baseline.yaml"), "--gpkg", str(gpkg)]) == 0
    capsys.readouterr()
    assert files[0].read_bytes() == files[1].read_bytes()
    db = sqlite3.connect(files[0])
    try:
        stamps = {row[0] for row in db.execute("SELECT last_change FROM gpkg_contents")}
    finally:
        db.close()
    assert stamps == {baseline.run.epoch.strftime("%Y-%m-%dT%H:%M:%S.000Z")}
    # GeoPackage 1.3, requirement 15: ISO 8601, UTC, seconds with a fraction, a Z
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", stamp) for stamp in stamps)
