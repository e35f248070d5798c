"""Where replications run: in this process, or in a local pool of processes.

Replications are independent (each has its own streams, keyed by replication number), so
they can run anywhere and still give the same records, bit for bit, as in one process.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed

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
    with ProcessPoolExecutor(max_workers=min(workers, replications)) as pool:
        futures = {pool.submit(_one, (scenario, r, seed)): r for r in range(replications)}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if progress is not None:
                progress(len(results), replications)
    return [results[r] for r in range(replications)]
