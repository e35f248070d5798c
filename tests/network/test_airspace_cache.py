"""The on-disk cache of routes round closed airspace: a damaged one is ignored, never read as a
route, never waited on, never read without bound (docs/airspace.md)."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest

import corridor.network.airspace as airspace

NQZ, VNO = (51.0222, 71.4669), (54.6341, 25.2858)
CLOSED = ("BY", "RU", "UA")


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """A cache folder holding the one route NQZ - VNO, written by corridor itself."""
    monkeypatch.setenv("CORRIDOR_CACHE_DIR", str(tmp_path))
    airspace._cached_route.cache_clear()
    airspace.compliant_route(NQZ, VNO, CLOSED, 25.0)
    airspace._cached_route.cache_clear()
    yield tmp_path / "airspace-routes.json"
    airspace._cached_route.cache_clear()


def _route_with(cache: Path, monkeypatch) -> tuple[list, int]:
    """The route asked for again, and how many times it was computed rather than read."""
    computed = []
    real = airspace._route

    def counted(*args):
        computed.append(args)
        return real(*args)

    monkeypatch.setattr(airspace, "_route", counted)
    airspace._cached_route.cache_clear()
    return airspace.compliant_route(NQZ, VNO, CLOSED, 25.0), len(computed)


@pytest.mark.parametrize("entry", [
    [],                                            # stopped show with a traceback (path_km)
    [list(NQZ)],                                   # one point
    [[float("nan"), float("nan")], [1, 2]],        # NaN: a traceback in the timing
    [list(NQZ), [1e999, 0], list(VNO)],            # infinity (JSON reads 1e999 so)
    [list(NQZ), list(VNO)],                        # straight through Belarus: 3,072 km, no word
    [["1", "2"], ["3", "4"]],                      # text read as numbers: 314 km
    [[True, False], [0, 0]],                       # true/false read as numbers: 111 km
    [list(NQZ), [95.0, 40.0], list(VNO)],          # a latitude beyond the pole
    [list(VNO), list(NQZ)],                        # the other leg's ends
    "ab",
])
def test_a_damaged_cached_route_is_computed_again(cache, monkeypatch, entry) -> None:
    good, _ = _route_with(cache, monkeypatch)
    known = json.loads(cache.read_text())
    (key,) = known
    known[key] = entry
    cache.write_text(json.dumps(known))
    route, computed = _route_with(cache, monkeypatch)
    assert computed == 1 and route == good
    assert not airspace.path_violations(route, CLOSED, 25.0)


def test_a_good_cached_route_is_read_not_computed(cache, monkeypatch) -> None:
    _, computed = _route_with(cache, monkeypatch)
    assert computed == 0


def test_a_cache_that_is_a_pipe_is_not_waited_on(cache, monkeypatch) -> None:
    cache.unlink()
    os.mkfifo(cache)
    result: list = []
    worker = threading.Thread(target=lambda: result.append(_route_with(cache, monkeypatch)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    if worker.is_alive():  # it waits for a writer: give it one, so the test ends
        with open(cache, "w") as pipe:
            pipe.write("{}")
        worker.join(timeout=60)
        pytest.fail("the route cache was read as a named pipe, waiting for a writer")
    (( route, computed),) = result
    assert computed == 1 and route[0] == NQZ and route[-1] == VNO


def test_a_cache_larger_than_the_bound_is_not_read(cache, monkeypatch) -> None:
    # /dev/zero in its place took 23 GB in 15 s; a regular file stands in for it here
    monkeypatch.setattr(airspace, "MAX_CACHE_BYTES", 100, raising=False)
    reads = []
    real_loads = json.loads

    def loads(text, *args, **kwargs):
        reads.append(len(text))
        return real_loads(text, *args, **kwargs)

    monkeypatch.setattr(airspace.json, "loads", loads)
    _, computed = _route_with(cache, monkeypatch)
    assert computed == 1 and reads == []
