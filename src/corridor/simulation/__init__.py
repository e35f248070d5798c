"""Discrete-event simulation of passengers and containers on a scenario: one replication at a
time, in the one SimPy engine. ``corridor.simulate`` runs and summarises many."""

from __future__ import annotations

import gc
from collections.abc import Callable

from corridor.network.timetable import Timetable, build_timetable
from corridor.planning.search import Planner
from corridor.scenario.schema import Scenario
from corridor.simulation.engine import ConservationError, Replication
from corridor.simulation.records import Records


def run_timetable(scenario: Scenario) -> Timetable:
    """The timetable over the horizon and the drain after it."""
    return build_timetable(scenario, horizon_days=scenario.run.horizon_days + scenario.run.drain_days)


def run_replication(scenario: Scenario, replication: int, *, seed: int | None = None) -> Records:
    """One replication, from scratch (safe to call in another process)."""
    tt = run_timetable(scenario)
    planners = {unit: Planner(tt, unit=unit) for unit in ("pax", "feu")}
    used_seed = scenario.run.seed if seed is None else seed
    return replicate(scenario, tt, planners, replication, used_seed)


def replicate(scenario: Scenario, tt: Timetable, planners: dict[str, Planner], replication: int,
              seed: int) -> Records:
    rep = Replication(scenario, tt, planners, replication, seed=seed)
    counter = count_events(rep)
    # the cycle collector stays paused (as in the run) until the run's objects are freed: the
    # run's events hold its processes, which hold the replication, so all it made lives on in
    # cycles; re-enabled at once, the collector's first pass would walk every one of them
    collecting = gc.isenabled()
    gc.disable()
    try:
        rep.run()
        records = Records.of(rep, counter())
        release(rep)
    finally:
        if collecting:
            gc.enable()
    return records


def release(rep: Replication) -> None:
    """Break the cycles a finished run leaves (events still queued or waited on hold the
    processes, their generators the replication), so that reference counting frees the run's
    objects when the replication is dropped."""
    env = rep.env
    env._queue.clear()  # type: ignore[attr-defined]
    for fleet in rep.dispatch.fleets.values():
        fleet._waiting.clear()


def count_events(rep: Replication) -> Callable[[], int]:
    """The events the environment has processed so far: those it scheduled (its event ids
    count them from 0) less those still in its queue. Counting them as they ran, by wrapping
    ``env.step``, cost a call per event."""
    env = rep.env
    asked = [0]  # ids this counter took from the environment's sequence

    def processed() -> int:
        scheduled = next(env._eid) - asked[0]  # type: ignore[attr-defined]
        asked[0] += 1
        return scheduled - len(env._queue)  # type: ignore[attr-defined]

    return processed


__all__ = ["ConservationError", "Records", "Replication", "run_replication"]
