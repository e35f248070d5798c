"""Executors: the same numbers, bit for bit, in this process, in a local pool of any size and
on a Dask cluster; a worker that dies costs only its own run; Dask missing is said plainly."""

from __future__ import annotations

import math
import os
import re
import sys

import numpy as np
import pytest
from sweep.scenarios import station_raw

from corridor.analysis.sweep import grid, run_kpis, sweep
from corridor.errors import CorridorError
from corridor.executors import OUT_OF_MEMORY, Executor, Failed, Job, execute, run_replications
from corridor.scenario.load import validate_raw
from corridor.scenario.overrides import parse_setting


def _same(a: dict[str, float], b: dict[str, float]) -> bool:
    """Equal bit for bit (NaN equal to NaN), with the same keys."""
    return a.keys() == b.keys() and all(
        (math.isnan(a[k]) and math.isnan(b[k])) or a[k] == b[k] for k in a)


def _kpis_of(result):
    return {(r.combination, r.replication): r.kpis for r in result.runs}


@pytest.fixture(scope="module")
def station(tmp_path_factory):
    return station_raw(tmp_path_factory.mktemp("station"), days=14)


@pytest.fixture(scope="module")
def reference(station):
    raw, name = station
    combos = grid([parse_setting("places.B.1.servers=1,2"), parse_setting("demand.F.per_week=150,250")])
    return combos, sweep(raw, name, combos, replications=3, seed=11)


@pytest.mark.parametrize("workers", [1, 2])
def test_progress_starts_at_zero_before_the_first_run_ends(station, workers) -> None:
    raw, name = station
    seen: list[tuple[int, int]] = []
    execute([validate_raw(raw, name)], [Job(0, r, 1) for r in range(3)], run_kpis,
            executor=Executor(workers=workers), progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_local_pools_of_any_size_give_the_same_kpis(station, reference) -> None:
    raw, name = station
    combos, base = reference
    assert len(base.runs) == 12 and not base.failures
    for workers in (2, 3):
        other = sweep(raw, name, combos, replications=3, seed=11, executor=Executor(workers=workers))
        a, b = _kpis_of(base), _kpis_of(other)
        assert a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    # the seed matters: a different one gives different numbers (the check can fail)
    moved = sweep(raw, name, combos[:1], replications=1, seed=12)
    assert not _same(moved.runs[0].kpis, base.runs[0].kpis)


def test_a_dask_cluster_gives_the_same_numbers_bit_for_bit(station, reference) -> None:
    distributed = pytest.importorskip("distributed")
    raw, name = station
    combos, base = reference
    scenario = validate_raw(raw, name)
    # threads of this process, talking over TCP on loopback as a real cluster does
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        on_dask = Executor(dask=cluster.scheduler_address)
        other = sweep(raw, name, combos, replications=3, seed=11, executor=on_dask)
        seen: list[tuple[int, int]] = []
        records = run_replications(scenario, 3, seed=5, executor=on_dask,
                                   progress=lambda done, total: seen.append((done, total)))
    # the bar starts at 0 once connected (a user waited up to a minute with nothing shown)
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)
    assert other.executor.startswith("the Dask scheduler at tcp://127.0.0.1")
    a, b = _kpis_of(base), _kpis_of(other)
    assert a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    local = run_replications(scenario, 3, seed=5)
    for x, y in zip(local, records, strict=True):
        assert x.units.keys() == y.units.keys()
        for col in x.units:
            assert np.array_equal(x.units[col], y.units[col], equal_nan=x.units[col].dtype.kind == "f")


def _dies_on_replication_2(rec, scenario):
    if rec.replication == 2:
        os._exit(3)  # a worker killed mid-run (out of memory, kill -9)
    return run_kpis(rec, scenario)


def test_a_dying_worker_fails_its_run_only(station) -> None:
    raw, name = station
    scenario = validate_raw(raw, name)
    jobs = [Job(0, r, 1) for r in range(6)]
    results = execute([scenario], jobs, _dies_on_replication_2, executor=Executor(workers=2), keep_going=True)
    failed = [k for k, r in enumerate(results) if isinstance(r, Failed)]
    assert failed == [2] and "worker process died" in results[2].reason
    plain = execute([scenario], jobs[:2] + jobs[3:], run_kpis)
    assert all(_same(a["kpis"], b["kpis"]) for a, b in zip(plain, results[:2] + results[3:], strict=True))
    with pytest.raises(CorridorError, match="worker process died"):
        execute([scenario], jobs, _dies_on_replication_2, executor=Executor(workers=2))


def _out_of_memory_on_1(rec, scenario):
    if rec.replication == 1:
        raise MemoryError("Unable to allocate 61.0 MiB for an array with shape (8000520,)")
    return 0


def test_a_run_out_of_memory_is_said_as_run_says_it(station) -> None:
    # throughput's steps failed with NumPy's 'MemoryError: Unable to allocate 61.0 MiB ...'
    raw, name = station
    scenario = validate_raw(raw, name)
    results = execute([scenario], [Job(0, 0, 1), Job(0, 1, 1)], _out_of_memory_on_1, keep_going=True)
    assert results[1] == Failed(OUT_OF_MEMORY) and "fewer workers" in OUT_OF_MEMORY
    with pytest.raises(MemoryError):  # without keep_going, up to the command line's message
        execute([scenario], [Job(0, 1, 1)], _out_of_memory_on_1)


def test_a_run_that_raises_is_reported_with_its_reason(station) -> None:
    raw, name = station
    scenario = validate_raw(raw, name)

    results = execute([scenario], [Job(0, 0, 1), Job(0, 1, 1)], _raises_on_1, keep_going=True)
    assert results[0] == 0 and results[1] == Failed("RuntimeError: replication 1 went wrong")
    with pytest.raises(RuntimeError, match="went wrong"):
        execute([scenario], [Job(0, 1, 1)], _raises_on_1)


def _raises_on_1(rec, scenario):
    if rec.replication == 1:
        raise RuntimeError("replication 1 went wrong")
    return rec.replication


def test_dask_missing_is_said_with_the_install_command(station, monkeypatch) -> None:
    raw, name = station
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now fails
    with pytest.raises(CorridorError, match=r"pip install 'corridor\[dask\]'"):
        execute([validate_raw(raw, name)], [Job(0, 0, 1)], run_kpis, executor=Executor(dask="local"))


def test_an_unreachable_scheduler_is_a_clear_error(station, monkeypatch) -> None:
    pytest.importorskip("distributed")
    import corridor.executors as ex

    monkeypatch.setattr(ex, "DASK_TIMEOUT_S", 1)
    raw, name = station
    with pytest.raises(CorridorError, match="tcp://127.0.0.1:9: cannot reach the scheduler"):
        execute([validate_raw(raw, name)], [Job(0, 0, 1)], run_kpis, executor=Executor(dask="tcp://127.0.0.1:9"))


@pytest.mark.parametrize(("address", "said"), [
    ("tcp://nosuchhost.invalid:8786", "cannot reach the scheduler: no such host 'nosuchhost.invalid'"),
    ("tcp://127.0.0.1:{free}", "cannot reach the scheduler: nothing listens there (connection refused for "
                               "1 s)"),
])
def test_no_such_host_and_a_port_refused_are_said_at_once(station, monkeypatch, address, said) -> None:
    # Dask retried both for its whole timeout (30 s), then said only "Timed out trying to
    # connect": with its timeout at 3 s here, a corridor that waited for Dask fails on the message
    pytest.importorskip("distributed")
    import corridor.executors as ex

    monkeypatch.setattr(ex, "DASK_TIMEOUT_S", 3)
    monkeypatch.setattr(ex, "REFUSED_S", 1)
    raw, name = station
    address = address.format(free=_free_port())
    with pytest.raises(CorridorError, match=re.escape(f"--dask {address}: {said}")):
        execute([validate_raw(raw, name)], [Job(0, 0, 1)], run_kpis, executor=Executor(dask=address))


def _kills_the_scheduler_on_replication_1(rec, scenario):
    if rec.replication == 1:  # the scheduler goes away mid-run (kill -9, its machine lost)
        os.kill(int(os.environ["CORRIDOR_TEST_SCHEDULER_PID"]), 9)
    return run_kpis(rec, scenario)


def _listening(port: int, within_s: float = 120.0) -> None:
    """Wait for a scheduler just started to take connections (its start is slow on a loaded
    machine: corridor gives a refused port 10 s)."""
    import socket
    import time

    end = time.monotonic() + within_s
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_scheduler_lost_mid_run_is_said_not_counted_as_failed_runs(station, capfd, monkeypatch) -> None:
    """A real scheduler and worker, as separate processes; the scheduler killed by a run. The
    runs not back are not failures of theirs (a sweep kept them in failures.csv as
    'CorridorError: cancelled', and --resume could not tell), and Dask's client logged its
    failed reconnection with a traceback on the user's screen."""
    pytest.importorskip("distributed")
    import subprocess

    raw, name = station
    scenario = validate_raw(raw, name)
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    here = os.path.dirname(os.path.abspath(__file__))  # both import this module by name
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([here, os.path.dirname(here), *sys.path]))
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host",
                                  "127.0.0.1", "--port", str(port), "--dashboard-address",
                                  "127.0.0.1:0"], **quiet)
    env["CORRIDOR_TEST_SCHEDULER_PID"] = str(scheduler.pid)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                               "--nthreads", "1", "--no-nanny", "--no-dashboard"], **quiet)
    delivered = []
    try:
        _listening(port)
        # its worker's start (imports) may pass corridor's 30 s wait for one on a loaded
        # machine: the test is of a scheduler lost mid-run, not of one with no worker yet
        monkeypatch.setattr("corridor.executors.DASK_TIMEOUT_S", 120)
        jobs = [Job(0, r, 1) for r in range(4)]
        lost = f"--dask {address}: lost the connection to the Dask scheduler"
        with pytest.raises(CorridorError, match=lost):
            execute([scenario], jobs, _kills_the_scheduler_on_replication_1, executor=Executor(dask=address),
                    keep_going=True, on_result=lambda job, result: delivered.append(result))
    finally:
        for process in (worker, scheduler):
            process.kill()
            process.wait()
    assert not [r for r in delivered if isinstance(r, Failed)]
    assert len(delivered) <= 1  # replication 0 at most: nothing ran after the scheduler died
    assert "Traceback" not in capfd.readouterr().err


def test_dask_local_does_not_warn_when_port_8787_is_taken(station, recwarn) -> None:
    """Dask's scheduler serves HTTP on :8787 by default, dashboard or not; with that port taken
    (another cluster, a notebook's) ``--dask local`` printed Dask's 'Port 8787 is already in
    use. Perhaps you already have a cluster running?'."""
    pytest.importorskip("distributed")
    import socket

    raw, name = station
    taken = socket.socket()
    try:
        try:
            taken.bind(("127.0.0.1", 8787))
            taken.listen()
        except OSError:
            pass  # taken already
        results = execute([validate_raw(raw, name)], [Job(0, 0, 1), Job(0, 1, 1)], run_kpis,
                          executor=Executor(dask="local", workers=1))
    finally:
        taken.close()
    assert len(results) == 2 and not [r for r in results if isinstance(r, Failed)]
    assert not [w for w in recwarn if "already in use" in str(w.message)]


def test_a_cluster_that_cannot_load_corridor_is_a_clear_error(station, capfd) -> None:
    """A scheduler without corridor (the docs asked it of the workers only) cannot unpickle a
    batch: `corridor run` printed Dask's RuntimeError with a traceback, and a sweep reported
    every run failed with Dask's message of several lines. A replication's own error still
    comes through as it is (raised, or reported with keep_going)."""
    distributed = pytest.importorskip("distributed")
    import subprocess

    raw, name = station
    scenario = validate_raw(raw, name)
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    without = ("import sys; sys.modules['corridor'] = None; "
               "from distributed.cli.dask_scheduler import main; main()")
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    scheduler = subprocess.Popen([sys.executable, "-c", without, "--host", "127.0.0.1", "--port",
                                  str(port), "--dashboard-address", "127.0.0.1:0"], **quiet)
    worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address,
                               "--nthreads", "1", "--no-nanny", "--no-dashboard"], **quiet)
    delivered = []
    try:
        _listening(port)
        for keep_going in (False, True):
            with pytest.raises(CorridorError, match="could not run replications.*need corridor installed"):
                execute([scenario], [Job(0, 0, 1), Job(0, 1, 1)], run_kpis, executor=Executor(dask=address),
                        keep_going=keep_going, on_result=lambda job, result: delivered.append(result))
    finally:
        for process in (worker, scheduler):
            process.kill()
            process.wait()
    assert delivered == []
    assert "Traceback" not in capfd.readouterr().err
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        on_dask = Executor(dask=cluster.scheduler_address)
        with pytest.raises(RuntimeError, match="replication 1 went wrong"):
            execute([scenario], [Job(0, 0, 1), Job(0, 1, 1)], _raises_on_1, executor=on_dask)
        results = execute([scenario], [Job(0, 0, 1), Job(0, 1, 1)], _raises_on_1, executor=on_dask,
                          keep_going=True)
    assert results[0] == 0
    assert results[1] == Failed("RuntimeError: replication 1 went wrong")  # as in this process


def test_a_terminal_is_told_while_the_scheduler_is_reached(station, monkeypatch, capsys) -> None:
    # reaching a scheduler and waiting for its first worker may take a minute: the terminal
    # showed nothing meanwhile
    pytest.importorskip("distributed")
    from corridor.cli import main

    _, name = station
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    address = "tcp://nosuchhost.invalid:8786"
    assert main(["run", name, "--replications", "2", "--dask", address]) == 2
    err = capsys.readouterr().err
    assert err.index(f"connecting to the Dask scheduler at {address}") < err.index("error:")
    assert main(["run", name, "--replications", "2", "--dask", address, "--quiet"]) == 2
    assert "connecting" not in capsys.readouterr().err


def _running(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, ended and not yet reaped, does not)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_pool_workers_end_with_a_command_killed_outright() -> None:
    # kill -9 (or the out-of-memory killer) on the command left its idle workers waiting for
    # work for ever, each holding its memory
    import subprocess
    import time

    code = ("import os, time\n"
            "from concurrent.futures import ProcessPoolExecutor\n"
            "from corridor.executors import _worker_started\n"
            "pool = ProcessPoolExecutor(1, initializer=_worker_started, initargs=(os.getpid(),))\n"
            "print(pool.submit(os.getpid).result(), flush=True)\n"
            "time.sleep(120)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    worker = int(proc.stdout.readline())
    assert _running(worker)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 20
    while _running(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = _running(worker)
    if left:
        os.kill(worker, 9)  # not to outlive the test
    assert not left


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="file-descriptor limits as Linux sets them")
@pytest.mark.parametrize("limit", [7, 12, 14, 14, 14])
def test_no_file_descriptors_for_workers_is_said_and_nothing_hangs(tmp_path, limit: int) -> None:
    # ulimit -n 12 printed a traceback; at 14 the first worker, told to end within moments of
    # its fork, missed it in 2 runs of 3, and the command waited on it for ever
    import resource
    import subprocess

    from sweep.scenarios import write_station

    scenario = write_station(tmp_path, days=7, replications=2)

    def few() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    argv = [sys.executable, "-m", "corridor", "sweep", str(scenario), "--set", "places.B.1.servers=2,3",
            "--workers", "2", "--quiet", "--out", str(tmp_path / "out")]
    done = subprocess.run(argv, preexec_fn=few, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "cannot start 2 worker processes (Too many open files): fewer (--workers N; 1 runs in " \
           "this process) need less" in done.stderr
    assert not (tmp_path / "out").exists()
