"""Discrete-event simulation of passengers and containers on a scenario (SimPy)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from corridor.network.timetable import build_timetable
from corridor.planning.search import Planner
from corridor.scenario.schema import Scenario
from corridor.simulation.engine import ConservationError, Replication
from corridor.simulation.records import Records


@dataclass
class SimulationResult:
    scenario: str
    seed: int
    records: list[Records]
    kpis: list[dict[str, Any]]
    summary: dict[str, dict[str, float]]
    seconds: float

    @property
    def events(self) -> int:
        return sum(r.events for r in self.records)


def _timetable(scenario: Scenario):  # noqa: ANN202
    """The timetable over the horizon and the drain after it."""
    return build_timetable(scenario, horizon_days=scenario.run.horizon_days + scenario.run.drain_days)


def run_replication(scenario: Scenario, replication: int, *, seed: int | None = None) -> Records:
    """One replication, from scratch (safe to call in another process)."""
    tt = _timetable(scenario)
    planners = {unit: Planner(tt, unit=unit) for unit in ("pax", "feu")}
    rep = Replication(scenario, tt, planners, replication, seed=seed)
    counter = _count_events(rep)
    rep.run()
    return Records.of(rep, counter())


def _count_events(rep: Replication) -> Callable[[], int]:
    """Count processed events by wrapping the environment's step."""
    env = rep.env
    count = [0]
    step = env.step

    def counted() -> None:
        count[0] += 1
        step()

    env.step = counted  # type: ignore[method-assign]
    return lambda: count[0]


def simulate(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
             workers: int = 1, progress: Callable[[int, int], None] | None = None) -> SimulationResult:
    """Run ``replications`` (default: the scenario's) and summarise KPIs with 95% CIs.

    ``workers`` > 1 runs replications in a local process pool (0: one per core); the records
    are the same as in one process.
    """
    import time

    from corridor.analysis.kpis import replication_kpis, summarise

    n = replications if replications is not None else scenario.run.replications
    used_seed = scenario.run.seed if seed is None else seed
    t0 = time.perf_counter()
    if workers != 1:
        from corridor.executors import run_replications

        records = run_replications(scenario, n, seed=used_seed, workers=workers, progress=progress)
    else:  # one timetable and planner for all replications
        tt = _timetable(scenario)
        planners = {unit: Planner(tt, unit=unit) for unit in ("pax", "feu")}
        records = []
        for r in range(n):
            rep = Replication(scenario, tt, planners, r, seed=used_seed)
            counter = _count_events(rep)
            rep.run()
            records.append(Records.of(rep, counter()))
            if progress is not None:
                progress(r + 1, n)
    kpis = [replication_kpis(rec) for rec in records]
    seconds = time.perf_counter() - t0
    return SimulationResult(scenario.name, used_seed, records, kpis, summarise(kpis), seconds)


__all__ = ["ConservationError", "Records", "Replication", "SimulationResult", "run_replication", "simulate"]
