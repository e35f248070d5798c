"""Discrete-event simulation of passengers and containers on a scenario (SimPy)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from corridor.errors import CorridorError
from corridor.network.timetable import Timetable, build_timetable
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


def _timetable(scenario: Scenario) -> Timetable:
    """The timetable over the horizon and the drain after it."""
    return build_timetable(scenario, horizon_days=scenario.run.horizon_days + scenario.run.drain_days)


def run_replication(scenario: Scenario, replication: int, *, seed: int | None = None,
                    fast: bool = False) -> Records:
    """One replication, from scratch (safe to call in another process); ``fast`` tries the
    fast path first."""
    tt = _timetable(scenario)
    planners = {unit: Planner(tt, unit=unit) for unit in ("pax", "feu")}
    used_seed = scenario.run.seed if seed is None else seed
    return _replicate(scenario, tt, planners, replication, used_seed, fast)


def _replicate(scenario: Scenario, tt: Timetable, planners: dict[str, Planner], replication: int,
               seed: int, fast: bool) -> Records:
    if fast:
        from corridor.simulation.fast import run_fast_replication

        records = run_fast_replication(scenario, tt, planners["feu"], replication, seed=seed)
        if records is not None:
            return records
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


ENGINES = ("auto", "simpy", "fast")


def simulate(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
             workers: int = 1, engine: str = "auto",
             progress: Callable[[int, int], None] | None = None) -> SimulationResult:
    """Run ``replications`` (default: the scenario's) and summarise KPIs with 95% CIs.

    ``engine``: "simpy" runs everything in the SimPy engine; "fast" computes cargo with the
    NumPy kernels (:mod:`.fast`) and fails if the scenario is out of its scope; "auto" uses
    the fast path where it applies. A replication the fast path cannot finish runs in the
    SimPy engine; either way the records are the same. ``workers`` > 1 runs replications in
    a local process pool (0: one per core).
    """
    import time

    from corridor.analysis.kpis import replication_kpis, summarise
    from corridor.simulation.fast import covers

    if engine not in ENGINES:
        raise CorridorError(f"unknown engine {engine!r}; engines are {', '.join(ENGINES)}")
    reason = covers(scenario)
    if engine == "fast" and reason is not None:
        raise CorridorError(f"the fast path cannot run {scenario.name}: {reason}")
    use_fast = engine != "simpy" and reason is None
    n = replications if replications is not None else scenario.run.replications
    used_seed = scenario.run.seed if seed is None else seed
    t0 = time.perf_counter()
    if workers != 1:
        from corridor.executors import run_replications

        records = run_replications(scenario, n, seed=used_seed, workers=workers, fast=use_fast,
                                   progress=progress)
    else:  # one timetable and planner for all replications
        tt = _timetable(scenario)
        planners = {unit: Planner(tt, unit=unit) for unit in ("pax", "feu")}
        records = []
        for r in range(n):
            records.append(_replicate(scenario, tt, planners, r, used_seed, use_fast))
            if progress is not None:
                progress(r + 1, n)
    kpis = [replication_kpis(rec) for rec in records]
    seconds = time.perf_counter() - t0
    return SimulationResult(scenario.name, used_seed, records, kpis, summarise(kpis), seconds)


__all__ = ["ConservationError", "Records", "Replication", "SimulationResult", "run_replication", "simulate"]
