"""Where replications run: in this process, a local pool of processes, or a Dask cluster.

A replication depends only on its scenario, its number and the seed: every random source
draws from its own stream keyed by those (:mod:`corridor.simulation.streams`). So a
replication may run anywhere and gives the same records, bit for bit, whichever executor
runs it and however many workers share the work.

Runs travel in batches, several replications to one message, so the cost of sending work
and results stays far below the cost of the work: the jobs are cut into about
:data:`BATCHES_PER_SLOT` batches per worker (slot), enough to balance the load and to report
progress. A worker keeps the timetable and planners of the last few scenarios it saw (by a
hash of the scenario's content), so a batch does not rebuild them. At most two batches per
slot are in flight at once: memory stays flat however many runs are asked for.

Dask is optional (``pip install 'corridor[dask]'``): ``Executor(dask="tcp://host:8786")``
sends batches to an existing ``dask.distributed`` scheduler; it and its workers must have
corridor installed (the scheduler unpickles each batch too); ``Executor(dask="local")``
starts a LocalCluster on this machine's loopback.
"""

from __future__ import annotations

import errno
import hashlib
import math
import os
import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from corridor.errors import CorridorError
from corridor.scenario.schema import Scenario
from corridor.simulation.records import Records

BATCHES_PER_SLOT = 8  # batches per worker: load balance and progress against messages sent
IN_FLIGHT_PER_SLOT = 2  # batches sent ahead per worker
CACHED_SCENARIOS = 4  # timetables and planners a worker keeps
DASK_TIMEOUT_S = 30  # to reach a scheduler, and for it to have a worker
REFUSED_S = 10  # a port that refuses this long has no scheduler behind it
MAX_WORKERS = 256  # local processes at most (0 asks for one per core)
DASK_INSTALL = "pip install 'corridor[dask]'"


@dataclass(frozen=True)
class Executor:
    """Where runs go: ``workers`` local processes (``None`` or 0: one per core; 1: this
    process), or the Dask scheduler at ``dask`` (an address such as ``tcp://10.0.0.5:8786``,
    or ``"local"`` for a LocalCluster of ``workers`` processes on this machine)."""

    workers: int | None = None
    dask: str | None = None

    @property
    def local_workers(self) -> int:
        return self.workers or os.cpu_count() or 1

    def describe(self) -> str:
        if self.dask == "local":
            return f"a local Dask cluster of {self.local_workers} processes"
        if self.dask is not None:
            return f"the Dask scheduler at {self.dask}"
        n = self.local_workers
        return "this process" if n == 1 else f"{n} local processes"


IN_PROCESS = Executor(workers=1)


@dataclass(frozen=True)
class Job:
    """One replication: of scenario number ``scenario`` (in the list given with the jobs)."""

    scenario: int
    replication: int
    seed: int


@dataclass(frozen=True)
class Failed:
    """A run that did not give a result, and why (in words for the reader)."""

    reason: str


Work = Callable[[Records, Scenario], Any]  # what to keep of a run, computed where it ran


def records(rec: Records, scenario: Scenario) -> Records:
    """The work that keeps a replication's records whole (what ``run`` and ``compare`` need)."""
    return rec


def scenario_token(scenario: Scenario) -> str:
    """A hash of everything the scenario says: equal tokens, equal runs."""
    return hashlib.sha256(scenario.model_dump_json(by_alias=True).encode()).hexdigest()


@dataclass(frozen=True)
class _Batch:
    scenarios: dict[str, Scenario]  # by token
    items: tuple[tuple[int, str, int, int], ...]  # (job number, token, replication, seed)
    work: Work
    keep_going: bool  # a failing run becomes a Failed; otherwise its error goes up


_local = threading.local()  # a worker's cache; per thread, as a threaded Dask worker runs several


def _prepared(cache: OrderedDict[str, Any], token: str, scenario: Scenario) -> Any:
    from corridor.planning.search import Planner
    from corridor.simulation import run_timetable

    if token in cache:
        cache.move_to_end(token)
        return cache[token]
    tt = run_timetable(scenario)
    cache[token] = (tt, {unit: Planner(tt, unit=unit) for unit in ("pax", "feu")})
    while len(cache) > CACHED_SCENARIOS:
        cache.popitem(last=False)
    return cache[token]


#: a run that ran out of memory, in a sweep's failures
OUT_OF_MEMORY = "out of memory: a shorter horizon, less demand or fewer workers (each holds a run) need less"


def _run_batch(batch: _Batch, cache: OrderedDict[str, Any]) -> list[tuple[int, Any]]:
    from corridor.simulation import replicate

    out = []
    for job, token, replication, seed in batch.items:
        scenario = batch.scenarios[token]
        try:
            tt, planners = _prepared(cache, token, scenario)
            result = batch.work(replicate(scenario, tt, planners, replication, seed), scenario)
        except MemoryError:  # said as `run` says it, not as NumPy's 'Unable to allocate 61.0 MiB ...'
            if not batch.keep_going:
                raise
            result = Failed(OUT_OF_MEMORY)
        except Exception as exc:
            if not batch.keep_going:
                raise
            result = Failed(f"{type(exc).__name__}: {exc}")
        out.append((job, result))
    return out


def _remote(batch: _Batch) -> list[tuple[int, Any]]:
    """A batch in a worker process or thread, with that worker's cache."""
    if not hasattr(_local, "cache"):
        _local.cache = OrderedDict()
    return _run_batch(batch, _local.cache)


def _worker_started(parent: int | None = None) -> None:
    """A pool worker ends when told to (SIGTERM, the default action), whatever handler it
    inherited from the command; Ctrl-C is the parent's to handle, which then ends the workers.
    On Linux it also ends when ``parent`` does: a command killed outright (``kill -9``, the
    out-of-memory killer) left its idle workers waiting for work for ever, each holding its
    memory."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if parent is not None and _end_with_parent() and os.getppid() != parent:
        os._exit(1)  # the parent died before the request was made


def _end_with_parent() -> bool:
    """Ask Linux to send this process SIGTERM when its parent ends (PR_SET_PDEATHSIG); whether
    it was asked."""
    import ctypes
    import signal
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(1, int(signal.SIGTERM), 0, 0, 0) == 0)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return False


def _batches(scenarios: Sequence[Scenario], jobs: Sequence[Job], work: Work, slots: int,
             keep_going: bool) -> list[_Batch]:
    """Jobs cut into about BATCHES_PER_SLOT batches per slot, in order (so a batch mostly
    holds one scenario's replications)."""
    tokens = [scenario_token(s) for s in scenarios]
    size = max(1, math.ceil(len(jobs) / (BATCHES_PER_SLOT * slots)))
    out = []
    for start in range(0, len(jobs), size):
        chunk = jobs[start:start + size]
        used = {tokens[j.scenario]: scenarios[j.scenario] for j in chunk}
        items = tuple((start + k, tokens[j.scenario], j.replication, j.seed) for k, j in enumerate(chunk))
        out.append(_Batch(used, items, work, keep_going))
    return out


def execute(scenarios: Sequence[Scenario], jobs: Sequence[Job], work: Work = records, *,
            executor: Executor = IN_PROCESS, keep_going: bool = False,
            progress: Callable[[int, int], None] | None = None,
            on_result: Callable[[int, Any], None] | None = None) -> list[Any]:
    """``work(records, scenario)`` of every job, in the order of ``jobs``.

    ``keep_going``: a run that raises, or whose worker dies, gives a :class:`Failed` in its
    place and the others go on; otherwise the first failure stops everything and is raised.
    ``on_result(job number, result)`` is called in this process as each result arrives (to
    store it at once); ``progress(done, total)`` after each, and with 0 done once the runs
    can start (on Dask, once connected to a scheduler that has a worker).
    """
    results: list[Any] = [None] * len(jobs)
    done = [0]

    def deliver(pairs: list[tuple[int, Any]]) -> None:
        for job, result in pairs:
            results[job] = result
            done[0] += 1
            if on_result is not None:
                on_result(job, result)
        if progress is not None:
            progress(done[0], len(jobs))

    if not jobs:
        return results
    if executor.dask is not None:
        with _dask_client(executor) as client:
            deliver([])  # connected, with a worker: the bar starts at 0
            slots = max(1, sum(client.nthreads().values()))
            _run_dask(client, _batches(scenarios, jobs, work, slots, keep_going), slots, keep_going, deliver,
                      where=f"--dask {executor.dask}", done=done)
        return results
    deliver([])  # the bar starts at 0 before the first run ends
    if executor.local_workers == 1 or len(jobs) == 1:
        cache: OrderedDict[str, Any] = OrderedDict()
        for batch in _batches(scenarios, jobs, work, len(jobs), keep_going):  # one job a batch
            deliver(_run_batch(batch, cache))
    else:
        workers = min(executor.local_workers, len(jobs))
        _run_pool(_batches(scenarios, jobs, work, workers, keep_going), workers, keep_going, deliver)
    return results


def _lost(batch: _Batch, why: str) -> list[tuple[int, Any]]:
    return [(job, Failed(why)) for job, *_ in batch.items]


def _singles(batch: _Batch) -> list[_Batch]:
    return [_Batch({item[1]: batch.scenarios[item[1]]}, (item,), batch.work, batch.keep_going)
            for item in batch.items]


DIED = "its worker process died while running it (killed, or out of memory)"


def _run_pool(batches: list[_Batch], workers: int, keep_going: bool,
              deliver: Callable[[list[tuple[int, Any]]], None]) -> None:
    """Batches on a local process pool. If a worker dies (killed, out of memory), every batch
    in flight is lost with the pool: with ``keep_going`` their runs go again one at a time,
    alone in a new pool, so the run that kills its worker is found and reported, and the
    others give their results."""
    from concurrent.futures import FIRST_COMPLETED, wait
    from concurrent.futures.process import BrokenProcessPool

    todo = deque(batches)
    suspects: deque[_Batch] = deque()  # runs lost with a pool, to try again alone
    pending: dict[Any, _Batch] = {}
    pool = _new_pool(workers)
    try:
        while todo or suspects or pending:
            if suspects:
                if not pending:  # a suspect runs alone: if the pool breaks, it was the one
                    batch = suspects.popleft()
                    pending[pool.submit(_remote, batch)] = batch
            else:
                while todo and len(pending) < IN_FLIGHT_PER_SLOT * workers:
                    batch = todo.popleft()
                    pending[pool.submit(_remote, batch)] = batch
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            lost = []
            for future in finished:
                batch = pending.pop(future)
                try:
                    deliver(future.result())
                except BrokenProcessPool:
                    lost.append(batch)
            if not lost:
                continue
            if not keep_going:
                raise CorridorError("a worker process died (killed, or out of memory) while running "
                                    "replications")
            lost += pending.values()  # the pool is gone, and every batch it held
            pending.clear()
            _terminate(pool)
            if len(lost) == 1 and len(lost[0].items) == 1:
                deliver(_lost(lost[0], DIED))
            else:
                suspects.extend(single for batch in lost for single in _singles(batch))
            pool = _new_pool(workers)
    except BaseException as exc:
        # interrupted, or a replication failed: stop the workers now rather than let them
        # finish (or linger holding the caller's pipes)
        _terminate(pool)
        if isinstance(exc, OSError) and exc.errno in CANNOT_START:
            raise _cannot_start(workers, exc) from None
        raise
    pool.shutdown()


def _new_pool(workers: int) -> Any:
    from concurrent.futures import ProcessPoolExecutor

    try:
        return ProcessPoolExecutor(max_workers=workers, initializer=_worker_started, initargs=(os.getpid(),))
    except OSError as exc:
        if exc.errno in CANNOT_START:
            raise _cannot_start(workers, exc) from None
        raise


def _cannot_start(workers: int, exc: OSError) -> CorridorError:
    return CorridorError(f"cannot start {workers} worker processes ({exc.strerror}): fewer "
                         "(--workers N; 1 runs in this process) need less")


#: why a worker process may fail to start: out of file descriptors (``ulimit -n``; each worker
#: takes pipes), processes or memory
CANNOT_START = frozenset({errno.EMFILE, errno.ENFILE, errno.EAGAIN, errno.ENOMEM})


def _terminate(pool: Any) -> None:
    """Stop the pool's workers now, killed: they hold nothing to save. A worker told to end
    (SIGTERM) within moments of its fork still had the command's handler, which turned it into
    an exception that Python's after-fork clean-up printed and dropped: out of file
    descriptors, 2 runs in 3 then waited on that worker for ever."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.kill()
    pool.shutdown(wait=False, cancel_futures=True)


@contextmanager
def _deaf_to_ctrl_c() -> Iterator[None]:
    """SIGINT ignored while the block starts processes, which keep ignoring it: Ctrl-C at a
    terminal goes to its whole process group, and a LocalCluster's workers, stopped by it
    mid-task, each printed their tracebacks before the main process closed them."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


@contextmanager
def _dask_client(executor: Executor) -> Iterator[Any]:
    """A client of the executor's scheduler (and the LocalCluster behind it, for "local"),
    closed on the way out; a clear error if Dask is missing or the scheduler unreachable."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise CorridorError(f"--dask needs Dask's distributed scheduler, which is not installed: "
                            f"{DASK_INSTALL}") from None
    with _quiet_dask_logs():
        yield from _dask_client_in(executor, Client, LocalCluster)


@contextmanager
def _quiet_dask_logs() -> Iterator[None]:
    """Dask's own log lines kept off the user's screen while corridor is its client: corridor
    says itself what went wrong (a run failed, a worker or the scheduler lost). A scheduler
    gone mid-run made Dask's client log an error with a traceback of its failed reconnection."""
    import logging

    names = ["distributed"] + [name for name in logging.root.manager.loggerDict
                               if name.startswith("distributed.")]
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _dask_client_in(executor: Executor, Client: Any, LocalCluster: Any) -> Iterator[Any]:
    import logging

    cluster = None
    try:
        if executor.dask == "local":
            # the workers' own error logs are not shown: corridor reports a run that fails or a
            # worker lost; an interrupt closing the scheduler first made workers log their
            # failed heartbeats with tracebacks (seen under load)
            with _deaf_to_ctrl_c():
                # no dashboard; the scheduler's HTTP server (health checks), which it starts
                # anyway, on a free port of loopback: on Dask's default :8787, taken by another
                # cluster or a notebook's, Dask warned "Port 8787 is already in use"
                cluster = LocalCluster(n_workers=executor.local_workers, threads_per_worker=1,
                                       processes=True, host="127.0.0.1", dashboard_address=None,
                                       scheduler_kwargs={"dashboard": False,
                                                         "dashboard_address": "127.0.0.1:0"},
                                       silence_logs=logging.CRITICAL)
            client = Client(cluster)
        else:
            assert executor.dask is not None  # execute() asks for a client only with an address
            _check_scheduler(executor.dask)
            client = Client(executor.dask, timeout=f"{DASK_TIMEOUT_S}s")
    except CorridorError:
        raise
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        raise CorridorError(f"--dask {executor.dask}: cannot reach the scheduler ({exc})") from None
    except Exception as exc:  # any other failure while connecting (a MemoryError here is not
        if cluster is not None:  # the simulation's: none has run yet)
            cluster.close()
        raise CorridorError(f"--dask {executor.dask}: connecting to the scheduler failed "
                            f"({_said(exc)})") from None
    try:
        try:
            client.wait_for_workers(1, timeout=DASK_TIMEOUT_S)
        except (TimeoutError, OSError):
            raise CorridorError(f"--dask {executor.dask}: the scheduler has no workers (waited "
                                f"{DASK_TIMEOUT_S} s)") from None
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _said(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _check_scheduler(address: str) -> None:
    """That a Dask server answers at ``address``: its handshake and one request, in a thread
    of their own under a deadline. Dask's client waits for the scheduler's handshake without
    a time limit (a server that takes the connection and says nothing, such as an HTTP
    server, kept it waiting for good), and reads the first bytes of whatever answers as the
    length of a frame (an SSH banner made it ask for exabytes: a MemoryError). Reached but
    not a Dask server: a CorridorError; not reached at all: Dask's OSError, as from ``Client``."""
    import asyncio

    from distributed.comm import connect, parse_address, parse_host_port
    from distributed.comm.core import CommClosedError
    from distributed.comm.registry import get_backend
    from distributed.core import send_recv

    # a malformed address is a ValueError here, as from Client, not one of the answer's
    scheme, location = parse_address(address)
    get_backend(scheme)
    if scheme in ("tcp", "tls"):
        _reach(address, *parse_host_port(location))

    # Dask gives up reaching the address after DASK_TIMEOUT_S; the deadline leaves room for
    # that, so an address nothing listens at keeps its own message
    deadline = DASK_TIMEOUT_S * 1.1 + 1

    async def identify() -> Any:
        comm = await connect(address, timeout=f"{DASK_TIMEOUT_S}s")
        try:
            return await send_recv(comm, op="identity")
        finally:
            comm.abort()

    outcome: list[BaseException | None] = []

    def probe() -> None:
        try:
            asyncio.run(asyncio.wait_for(identify(), deadline))
            outcome.append(None)
        except BaseException as exc:  # handed to the caller's thread
            outcome.append(exc)

    # a thread of its own: its own event loop (the caller's thread may run one), and a
    # deadline that holds even if the loop does not return; a daemon, so that it cannot keep
    # the process alive
    thread = threading.Thread(target=probe, name="corridor-dask-probe", daemon=True)
    thread.start()
    thread.join(deadline + 5)
    if not outcome or isinstance(outcome[0], TimeoutError):  # asyncio's TimeoutError too
        raise CorridorError(f"--dask {address}: no Dask scheduler answers there (nothing "
                            f"answered in Dask's protocol within {deadline:g} s)")
    exc = outcome[0]
    if exc is None:
        return
    if isinstance(exc, CommClosedError):
        why = f"it closed the connection during Dask's handshake: {exc}"
    elif isinstance(exc, OSError):
        raise exc  # not reached: said as for Client
    else:
        why = f"its answer is not in Dask's protocol: {_said(exc)}"
    raise CorridorError(f"--dask {address}: no Dask scheduler answers there ({why})")


def _reach(address: str, host: str, port: int | None) -> None:
    """A host that does not resolve, or one that refuses the port, said at once and as such:
    Dask retries both for its whole timeout and then says only "Timed out trying to connect".
    A host that does not answer at all (a firewall that drops) is left to Dask's timeout."""
    import socket

    try:
        socket.getaddrinfo(host, port)
    except (socket.gaierror, UnicodeError) as exc:
        raise CorridorError(f"--dask {address}: cannot reach the scheduler: no such host {host!r} "
                            f"({exc})") from None
    if port is None:
        return
    import time

    given = time.monotonic() + REFUSED_S  # a scheduler started just before has a moment to listen
    while True:
        try:
            socket.create_connection((host, port), timeout=5).close()
            return
        except ConnectionRefusedError:
            if time.monotonic() > given:
                raise CorridorError(
                    f"--dask {address}: cannot reach the scheduler: nothing listens there (connection "
                    f"refused for {REFUSED_S:g} s); is it running, on that port?") from None
            time.sleep(0.25)
        except OSError:
            return  # unreachable, or slow: Dask's own attempt says so in time


class ClusterLost(CorridorError):
    """The Dask scheduler went away mid-run: the runs not yet back are not failures of theirs."""


def _run_dask(client: Any, batches: list[_Batch], slots: int, keep_going: bool,
              deliver: Callable[[list[tuple[int, Any]]], None], *, where: str = "--dask",
              done: list[int] | None = None) -> None:
    from distributed import as_completed

    todo = deque(batches)
    pending: dict[Any, _Batch] = {}
    flow = as_completed()

    def lost() -> ClusterLost:
        finished = f"; {done[0]:,} runs had finished" if done is not None else ""
        return ClusterLost(f"{where}: lost the connection to the Dask scheduler mid-run "
                           f"(it stopped, or the network failed){finished}")

    def send() -> None:
        batch = todo.popleft()
        future = client.submit(_remote, batch, pure=False)
        pending[future] = batch
        flow.add(future)

    try:
        for _ in range(min(len(todo), IN_FLIGHT_PER_SLOT * slots)):
            send()
        for future in flow:
            batch = pending.pop(future)
            if future.status == "cancelled" and _connection_lost(client, future):
                # the client lost its scheduler and cancelled every future: not failed runs
                # (a sweep's --resume does them), and no use sending more
                raise lost()
            if future.status != "finished":  # an error, or cancelled by the scheduler
                exc = future.exception() if future.status == "error" else CorridorError("cancelled")
                if _from_the_work(exc):  # the replication raised it: as in this process
                    if not keep_going:
                        raise exc
                    deliver(_lost(batch, f"failed on the Dask cluster: {_said(exc)}"))
                elif keep_going and _killed_worker(exc):
                    # the scheduler retried it on other workers and they died too
                    deliver(_lost(batch, f"failed on the Dask cluster: {_first_line(exc)}"))
                else:  # the cluster could not run it (nor, most likely, any other)
                    raise CorridorError(f"{where}: the Dask cluster could not run replications "
                                        f"({_first_line(exc)}){_hint(exc)}") from None
            else:
                try:
                    result = future.result()
                except OSError:  # distributed's CommClosedError: the scheduler went as it came back
                    raise lost() from None
                deliver(result)
            if todo:
                send()
    except BaseException:
        client.cancel(list(pending))
        raise


def _from_the_work(exc: BaseException) -> bool:
    """Whether ``exc`` was raised by a replication (its traceback passes through
    :func:`_run_batch`, on the worker), not by the cluster around it (a task the scheduler or
    a worker could not unpickle, a worker that died)."""
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_name == "_run_batch" and code.co_filename.endswith("executors.py"):
            return True
        tb = tb.tb_next
    return False


def _killed_worker(exc: BaseException) -> bool:
    return type(exc).__name__ == "KilledWorker"


def _first_line(exc: BaseException) -> str:
    """An exception said in its first sentence (Dask's own run over several lines, with a link)."""
    return " ".join(_said(exc).split()).split(". ")[0].rstrip(".")


def _hint(exc: BaseException) -> str:
    if _killed_worker(exc):
        return ": its workers died running them (killed, or out of memory)"
    if "deserializ" in str(exc) or isinstance(exc, ImportError):
        from importlib.metadata import version

        return (f": the scheduler and every worker need corridor installed, the same version as "
                f"here ({version('corridor')}), and the same Python packages")
    return ""


def _connection_lost(client: Any, future: Any) -> bool:
    """Whether ``future`` was cancelled because the client lost its scheduler."""
    if client.status != "running":
        return True
    try:
        reason = getattr(future.exception(timeout=0), "reason", None)
    except Exception as exc:  # a cancelled future's exception() may raise what it holds
        reason = getattr(exc, "reason", None)
    return reason == "scheduler-connection-lost"


def run_replications(scenario: Scenario, replications: int, *, seed: int | None = None,
                     workers: int = 1, executor: Executor | None = None,
                     progress: Callable[[int, int], None] | None = None) -> list[Records]:
    """Records of replications 0..n-1, in order, run by ``executor`` (default: ``workers``
    local processes; 0 means one per core, 1 this process)."""
    used_seed = scenario.run.seed if seed is None else seed
    jobs = [Job(0, r, used_seed) for r in range(replications)]
    return execute([scenario], jobs, records, executor=executor or Executor(workers=workers),
                   progress=progress)
