"""Shared fixtures: the baseline exported as a GTFS feed, and the small shipped feed zipped."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from corridor.interchange.gtfs_export import write_gtfs
from corridor.scenario import load_scenario
from corridor.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
MINI = ROOT / "tests" / "data" / "gtfs_mini"


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(ROOT / "scenarios" / "baseline.yaml")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory, baseline: Scenario) -> Path:
    """A folder with the baseline, its feed (feed.zip), and roundtrip.yaml: the baseline with
    its timetabled services replaced by those of the feed."""
    folder = tmp_path_factory.mktemp("roundtrip")
    shutil.copy(ROOT / "scenarios" / "baseline.yaml", folder / "baseline.yaml")
    write_gtfs(baseline, folder / "feed.zip")
    ids = [s.id for s in baseline.services if s.timetable is not None]
    (folder / "roundtrip.yaml").write_text(
        "extends: baseline.yaml\nname: roundtrip\nremove:\n  services: [" + ", ".join(ids) + "]\n"
        "services_from:\n  gtfs: feed.zip\n"
    )
    return folder


@pytest.fixture
def zip_mini():
    """zip_mini(out, change=None): the shipped small feed zipped into ``out``; ``change`` maps a
    file name to the text that replaces it (or is added: a file the feed lacks)."""

    def _zip(out: Path, change: dict[str, str] | None = None) -> Path:
        files = {path.name: path.read_text() for path in sorted(MINI.glob("*.txt"))} | (change or {})
        with zipfile.ZipFile(out, "w") as zf:
            for name, text in files.items():
                zf.writestr(name, text)
        return out

    return _zip
