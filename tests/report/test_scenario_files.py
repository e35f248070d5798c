"""The files a comparison's, sweep's or throughput's results name (hashes in their JSON, the
assumptions in report.html) are the files the scenario is read from, as the loader reads them."""

from __future__ import annotations

from pathlib import Path

from corridor.report.compare_out import assumptions, scenario_files
from corridor.scenario import load_scenario

BASE = """\
name: base
run: {start: 2027-03-01, horizon_days: 2, drain_days: 1, replications: 1}
places:
  - {id: A, name: A, kind: city, country: KZ, lat: 51.0, lon: 71.0, tz: Asia/Almaty,
     checkin_min: 30}  # ASSUMPTION: half an hour
  - {id: B, name: B, kind: city, country: KZ, lat: 52.0, lon: 72.0, tz: Asia/Almaty}
links:
  - {id: AB, from: A, to: B, duration_min: 60}
"""


def test_text_that_looks_like_an_extends_line_is_not_followed(tmp_path: Path) -> None:
    # a line-by-line search for 'extends:' took the second line of a quoted description for
    # one, and read the file it named, outside the scenario's folder: its ASSUMPTION lines
    # went into report.html, and its hash into summary.json
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.txt"
    secret.write_text("token=hunter2 ASSUMPTION\n")
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "base.yaml").write_text(BASE)
    child = folder / "child.yaml"
    child.write_text(f'name: child\ndescription: "one line\nextends: {secret}"\nextends: base.yaml\n')
    assert load_scenario(child).name == "child"  # the second line is the description's
    assert scenario_files([child]) == [child.resolve(), (folder / "base.yaml").resolve()]
    said = assumptions([child])
    assert said == ["base.yaml:5: checkin_min: 30}  # ASSUMPTION: half an hour"]
    assert not any("hunter2" in line for line in said)


def test_files_extended_from_an_allowed_folder_are_named(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "base.yaml").write_text(BASE)
    mine = tmp_path / "mine"
    mine.mkdir()
    child = mine / "child.yaml"
    child.write_text("extends: ../shared/base.yaml\nname: child\n")
    files = scenario_files([child, child], allow_paths=[shared])
    assert files == [child.resolve(), (shared / "base.yaml").resolve()]
    assert len(assumptions([child], allow_paths=[shared])) == 1
