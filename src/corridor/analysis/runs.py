"""Running a scenario: replications (in this process or a pool) and their KPI summary."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from corridor.analysis.kpis import replication_kpis, summarise
from corridor.planning.search import Planner
from corridor.scenario.schema import Scenario
from corridor.simulation import Records, replicate, run_timetable


@dataclass
class SimulationResult:
    """Records and KPIs of every replication, and the KPI summary over them."""

    scenario: str
    seed: int
    records: list[Records]
    kpis: list[dict[str, Any]]
    summary: dict[str, dict[str, float]]
    seconds: float

    @property
    def events(self) -> int:
        return sum(r.events for r in self.records)


def simulate(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
             workers: int = 1, progress: Callable[[int, int], None] | None = None) -> SimulationResult:
    """Run ``replications`` (default: the scenario's) and summarise KPIs with 95% CIs.

    ``workers`` > 1 runs replications in a local process pool (0: one per core); the records
    are the same, bit for bit, however they are spread.
    """
    n = replications if replications is not None else scenario.run.replications
    used_seed = scenario.run.seed if seed is None else seed
    t0 = time.perf_counter()
    if workers != 1:
        from corridor.executors import run_replications

        records = run_replications(scenario, n, seed=used_seed, workers=workers,
                                   progress=progress)
    else:  # one timetable and planner for all replications
        tt = run_timetable(scenario)
        planners = {unit: Planner(tt, unit=unit) for unit in ("pax", "feu")}
        records = []
        for r in range(n):
            records.append(replicate(scenario, tt, planners, r, used_seed))
            if progress is not None:
                progress(r + 1, n)
    kpis = [replication_kpis(rec) for rec in records]
    seconds = time.perf_counter() - t0
    return SimulationResult(scenario.name, used_seed, records, kpis, summarise(kpis), seconds)


