"""Stopping a run: SIGTERM (and Ctrl-C) end it within seconds with status 130, a one-line
message, no worker left behind and nothing half-written."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import SCENARIOS


def _pool_running(proc: subprocess.Popen) -> None:
    """Wait until ``proc`` has started its worker processes (so its imports are done and its
    signal handlers set), then a little longer. A fixed sleep was not enough on a loaded machine:
    a SIGTERM during the imports ends a process by the default action, before it writes anything."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True).stdout.strip():
            time.sleep(2)
            return
        time.sleep(0.2)
    raise AssertionError("no worker process started")


def test_sigterm_stops_workers_and_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "results"
    cmd = [sys.executable, "-c", "import sys; from corridor.cli import main; sys.exit(main())",
           "run", str(SCENARIOS / "baseline.yaml"), "--replications", "40", "--workers", "2",
           "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _pool_running(proc)
    assert proc.poll() is None
    start = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert time.monotonic() - start < 5
    assert "interrupted" in err and "Traceback" not in err
    assert not out.exists() and not any(p.name.startswith(".results") for p in tmp_path.iterdir())
    children = subprocess.run(["pgrep", "-f", str(out)], capture_output=True, text=True).stdout.split()
    assert children == []


def test_ctrl_c_twice_still_ends_cleanly(tmp_path: Path) -> None:
    # Ctrl-C reaches the whole process group, and impatient hands press it twice: the second one
    # broke into the clean-up the first had started (status 1 and threading tracebacks from
    # the pool's exit, or death by SIGINT with status -2)
    import os

    out = tmp_path / "results"
    cmd = [sys.executable, "-c", "import sys; from corridor.cli import main; sys.exit(main())",
           "compare", str(SCENARIOS / "baseline.yaml"), str(SCENARIOS / "direct_flight.yaml"),
           "--replications", "30", "--workers", "2", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    _pool_running(proc)
    assert proc.poll() is None
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not out.exists() and not any(p.name.startswith(".results") for p in tmp_path.iterdir())



def test_ctrl_c_on_a_local_dask_cluster_prints_no_worker_tracebacks(tmp_path: Path) -> None:
    # Ctrl-C reaches the cluster's worker processes too (the terminal's process group): stopped
    # mid-task, each printed a CancelledError / KeyboardInterrupt traceback before the main
    # process closed them
    import os

    pytest.importorskip("distributed")
    out = tmp_path / "results"
    cmd = [sys.executable, "-c", "import sys; from corridor.cli import main; sys.exit(main())",
           "throughput", str(SCENARIOS / "baseline.yaml"), "--scale", "0.5:3:0.25", "--replications", "30",
           "--dask", "local", "--out", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    _pool_running(proc)  # the cluster's worker processes started, then some work
    time.sleep(3)
    assert proc.poll() is None
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err, err
    assert not (out / "throughput.json").exists()  # only the finished runs, kept for --resume

def test_an_interrupt_inside_an_import_is_an_interrupt(monkeypatch, capsys) -> None:
    # a Ctrl-C that lands while a C extension initialises (scipy.stats, imported when the first
    # interval is computed) comes out as ImportError('initialization failed') caused by the
    # KeyboardInterrupt: it exited 1 with a traceback, where an interrupt exits 130
    import corridor.cli as cli

    def interrupted_import(args: object) -> int:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise ImportError("initialization failed") from exc

    monkeypatch.setitem(cli.COMMANDS, "validate", interrupted_import)
    assert cli.main(["validate", str(SCENARIOS / "baseline.yaml")]) == 130
    assert "interrupted" in capsys.readouterr().err

    def broken(args: object) -> int:
        raise ImportError("no such module")

    monkeypatch.setitem(cli.COMMANDS, "validate", broken)
    with pytest.raises(ImportError, match="no such module"):  # not every error is an interrupt
        cli.main(["validate", str(SCENARIOS / "baseline.yaml")])


def test_running_out_of_memory_is_one_line_not_a_traceback(monkeypatch, capsys) -> None:
    # a run too big for the machine (a one-minute headway over 6,000 days) ended in
    # a MemoryError traceback
    import corridor.cli as cli

    def too_big(args: object) -> int:
        raise MemoryError

    monkeypatch.setitem(cli.COMMANDS, "run", too_big)
    assert cli.main(["run", str(SCENARIOS / "baseline.yaml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: out of memory in `corridor run`") and "Traceback" not in err


def test_the_command_line_sets_its_handlers_before_the_heavy_imports() -> None:
    # `corridor` imported NumPy, networkx, pydantic and the airspace shapes (about a second)
    # before main() set its handlers: a Ctrl-C then ended it with a traceback from the imports
    # and status -2, a SIGTERM by the default action. The command line now loads none of them
    # until a command needs them, after the handlers are set.
    heavy = "('numpy', 'networkx', 'pydantic', 'shapely', 'simpy')"
    probe = f"import sys, corridor.cli; print(sorted(m for m in {heavy} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"
    # and the package's names are still there, loaded when asked for
    names = subprocess.run([sys.executable, "-c", "import corridor; print(corridor.load_scenario.__name__, "
                            "corridor.simulate.__name__, 'RoutePlanner' in dir(corridor))"],
                           capture_output=True, text=True, check=True).stdout
    assert names.split() == ["load_scenario", "simulate", "True"]
