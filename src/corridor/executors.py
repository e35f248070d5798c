"""Where replications run: in this process, or in a local pool of processes.

Replications are independent (each has its own streams, keyed by replication number), so
they can run anywhere and still give the same records, bit for bit, as in one process.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from typing import Any

from corridor.scenario.schema import Scenario
from corridor.simulation.records import Records


def _one(args: tuple[Scenario, int, int | None]) -> Records:
    from corridor.simulation import run_replication

    scenario, replication, seed = args
    return run_replication(scenario, replication, seed=seed)


def run_replications(scenario: Scenario, replications: int, *, seed: int | None = None,
                     workers: int = 1,
                     progress: Callable[[int, int], None] | None = None) -> list[Records]:
    """Records of replications 0..n-1, in order; ``workers`` > 1 uses a process pool
    (0 means one per core)."""
    if workers == 0:
        workers = os.cpu_count() or 1
    if workers == 1 or replications == 1:
        out = []
        for r in range(replications):
            out.append(_one((scenario, r, seed)))
            if progress is not None:
                progress(r + 1, replications)
        return out
    results: dict[int, Records] = {}
    pending: dict[Any, int] = {}
    todo = iter(range(replications))
    pool = ProcessPoolExecutor(max_workers=min(workers, replications))
    try:
        # a few tasks per worker in flight at once: memory stays flat however many are asked for
        for r in itertools.islice(todo, 2 * workers):
            pending[pool.submit(_one, (scenario, r, seed))] = r
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                results[pending.pop(future)] = future.result()
                if progress is not None:
                    progress(len(results), replications)
                for r in itertools.islice(todo, 1):
                    pending[pool.submit(_one, (scenario, r, seed))] = r
    except BaseException:
        # interrupted, or a replication failed: stop the workers now rather than let them
        # finish (or linger holding the caller's pipes)
        for process in list(getattr(pool, "_processes", {}).values()):
            process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return [results[r] for r in range(replications)]
