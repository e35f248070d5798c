"""The benchmarks' results file: a damaged or unwritable one gives a located error, and the
run's figures are not lost (benchmarks/_common.py ``record``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from corridor.errors import CorridorError

sys.path.insert(0, str(ROOT / "benchmarks"))
import _common  # noqa: E402


@pytest.fixture
def results(tmp_path: Path, monkeypatch) -> Path:
    path = tmp_path / "results.local.json"
    monkeypatch.setattr(_common, "LOCAL_RESULTS", path)
    monkeypatch.delenv("CORRIDOR_RECORD_BENCH", raising=False)
    return path


def test_figures_merge_into_the_sections_already_there(results: Path) -> None:
    results.write_text(json.dumps({"planning": {"x": 1}}))
    assert _common.record("simulation", {"seconds": 2.0}) == results
    data = json.loads(results.read_text())
    assert data["planning"] == {"x": 1} and data["simulation"]["seconds"] == 2.0
    left = sorted(p.name for p in results.parent.iterdir())
    assert left == ["results.local.json", "results.local.json.lock"]  # no temporary file


@pytest.mark.parametrize(("text", "why"), [('{"x": ', "Expecting value"), ("[1, 2]", "a JSON list"),
                                           (b"\xff\xfe{", "can't decode")])
def test_a_damaged_results_file_is_left_and_the_figures_go_beside_it(results: Path, text, why: str) -> None:
    if isinstance(text, bytes):
        results.write_bytes(text)
    else:
        results.write_text(text)
    before = results.read_bytes()
    with pytest.raises(CorridorError) as err:
        _common.record("simulation", {"seconds": 2.0})
    assert str(results) in str(err.value) and why in str(err.value)
    assert results.read_bytes() == before  # not replaced: nothing in it is lost
    aside = [p for p in results.parent.glob("results.local.*.json")]
    assert len(aside) == 1 and str(aside[0]) in str(err.value)
    assert json.loads(aside[0].read_text())["simulation"]["seconds"] == 2.0


def test_an_unwritable_folder_gives_a_located_error(results: Path, monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_common.tempfile, "mkstemp", refuse)
    with pytest.raises(CorridorError, match="cannot record the benchmark's figures there .Permission denied"):
        _common.record("simulation", {"seconds": 2.0})
    assert not results.exists()


def test_quick_figures_go_to_a_section_of_their_own(results: Path) -> None:
    results.write_text(json.dumps({"simulation": {"seconds": 9.0}}))
    _common.record("simulation", {"seconds": 1.0, "quick": True})
    data = json.loads(results.read_text())
    assert data["simulation"] == {"seconds": 9.0}  # the full run's figures stay
    assert data["simulation_quick"]["seconds"] == 1.0 and data["simulation_quick"]["quick"] is True


def test_a_failed_rename_leaves_no_temporary_file(results: Path, monkeypatch) -> None:
    results.write_text(json.dumps({"planning": {"x": 1}}))

    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_common.os, "replace", refuse)
    with pytest.raises(CorridorError, match="No space left on device"):
        _common.record("simulation", {"seconds": 2.0})
    monkeypatch.undo()
    assert json.loads(results.read_text()) == {"planning": {"x": 1}}
    left = sorted(p.name for p in results.parent.iterdir())
    assert left == ["results.local.json", "results.local.json.lock"]


def test_a_benchmark_waits_for_the_one_recording_before_it(results: Path) -> None:
    # another benchmark holds the lock (reading, merging and rewriting the file): this one
    # waits, and writes its section once the lock is free, keeping the other's
    import fcntl
    import threading

    lock = open(results.with_name(results.name + ".lock"), "a")  # noqa: SIM115
    fcntl.flock(lock, fcntl.LOCK_EX)
    done = threading.Thread(target=_common.record, args=("simulation", {"seconds": 2.0}))
    done.start()
    done.join(timeout=1.0)
    waited = done.is_alive() and not results.exists()
    results.write_text(json.dumps({"planning": {"x": 1}}))  # what the holder wrote
    fcntl.flock(lock, fcntl.LOCK_UN)
    lock.close()
    done.join(timeout=10.0)
    assert waited and not done.is_alive()
    data = json.loads(results.read_text())
    assert data["planning"] == {"x": 1} and data["simulation"]["seconds"] == 2.0
