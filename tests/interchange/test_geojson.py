"""The network as GeoJSON and GeoPackage (opened with GeoPandas) and as GraphML."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

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
