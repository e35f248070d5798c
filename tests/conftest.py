from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

MINIMAL = """\
name: tiny
run: {start: 2027-03-01, horizon_days: 14, seed: 7}
places:
  - {id: NQZ, name: Astana, kind: airport, country: KZ, checkin_min: 120, min_connection_min: 60}
  - {id: IST, name: Istanbul, kind: airport, country: TR, min_connection_min: 60}
  - {id: VNO, name: Vilnius, kind: airport, country: LT}
services:
  - id: A1
    mode: air
    unit: pax
    stops: [NQZ, IST]
    timetable: {days: daily, times: ["03:40"]}
    speed_kph: 780
    overhead_min: 30
    capacity: 180
  - id: A2
    mode: air
    unit: pax
    stops: [IST, VNO]
    timetable: {days: [Mon, Wed], times: ["08:20"]}
    duration_min: 146
    capacity: 180
"""


def validate_warnings(err: str) -> list[str]:
    """``corridor validate``'s warnings in ``err``, each without the file:line:col of its item
    that leads it (``baseline.yaml:156:5: warning: MALASZEWICZE: ...``)."""
    return [re.sub(r"^.*?:\d+(:\d+)?: (?=warning: )", "", line) for line in err.splitlines()
            if "warning: " in line]


@pytest.fixture
def write(tmp_path: Path):
    """Write dedented YAML text to a file in a temporary folder and return its path."""

    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return _write


@pytest.fixture
def minimal(write) -> Path:
    return write("tiny.yaml", MINIMAL)


@pytest.fixture(scope="module")
def computed_here():
    """Every route round closed airspace in a module that uses this is computed, not read
    from a cache (memory or disk)."""
    from corridor.network.airspace import _cached_route

    mp = pytest.MonkeyPatch()
    mp.setenv("CORRIDOR_CACHE_DIR", "")
    _cached_route.cache_clear()
    yield
    _cached_route.cache_clear()
    mp.undo()
