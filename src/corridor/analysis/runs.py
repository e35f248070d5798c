"""Running a scenario: replications (in this process, a pool or a Dask cluster) and their KPI summary."""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from corridor.analysis.airline import airline_kpis
from corridor.analysis.kpis import replication_kpis, summarise
from corridor.analysis.load import outside_overload
from corridor.errors import CorridorError
from corridor.executors import MAX_WORKERS, Executor, run_replications
from corridor.scenario.schema import Scenario
from corridor.simulation import Records


@dataclass
class SimulationResult:
    """Records and KPIs of every replication, and the KPI summary over them."""

    scenario: str
    seed: int
    records: list[Records]
    kpis: list[dict[str, Any]]
    summary: dict[str, dict[str, float]]
    seconds: float
    epoch: str = ""  # time zero of every ``*_min`` in the records: midnight UTC of run.start (ISO)
    #: stations whose outside traffic alone fills them, with why (:func:`load.outside_overload`):
    #: their queue grows whatever the scenario's own traffic, which a warning says
    outside_full: dict[str, str] = field(default_factory=dict)

    @property
    def events(self) -> int:
        return sum(r.events for r in self.records)


def check_run_arguments(who: str, *, replications: Any = None, seed: Any = None, workers: Any = None,
                        scenarios: Sequence[Any] = (), options: bool = False) -> None:
    """The arguments of a run from Python (``simulate``, ``compare``, ``sweep``, ``throughput``)
    within the bounds a scenario file's ``run`` has: a CorridorError naming the argument and
    its value, before any work, instead of an error from deep inside, a hang or an empty
    answer. None: the scenario's own. The command line checks its options here too
    (``options``: named as options, ``--seed``; ``who`` empty: no command named).

    >>> check_run_arguments("simulate", replications=0)
    Traceback (most recent call last):
    corridor.errors.CorridorError: simulate: replications must be a whole number from 1 to 1,000, not 0
    >>> check_run_arguments("", seed=-1, options=True)
    Traceback (most recent call last):
    corridor.errors.CorridorError: --seed must be a whole number from 0 to 9,223,372,036,854,775,807, not -1
    """
    from corridor.scenario.schema import MAX_REPLICATIONS, MAX_SEED

    def whole(name: str, value: Any, low: int, high: int, what: str = "") -> None:
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral)
                                  or not low <= int(value) <= high):
            raise CorridorError(f"{who + ': ' if who else ''}{'--' if options else ''}{name} must be a "
                                f"whole number from {low:,} to {high:,}{what}, not {value!r}")

    whole("replications", replications, 1, MAX_REPLICATIONS)
    whole("seed", seed, 0, MAX_SEED)
    whole("workers", workers, 0, MAX_WORKERS, " (0: one per core)")
    for scenario in scenarios:
        if not isinstance(scenario, Scenario):
            raise CorridorError(f"{who}: takes a Scenario (corridor.load_scenario(path) reads one), "
                                f"not a {type(scenario).__name__}")


def scenario_kpis(rec: Records, scenario: Scenario) -> dict[str, Any]:
    """Every KPI of one replication of ``scenario`` (a nested tree): what ``simulate`` keeps
    for each replication, and what a sweep keeps of each run (computed where it ran)."""
    kpis = replication_kpis(rec)
    airline = airline_kpis(rec, scenario)
    if airline:
        kpis["airline"] = airline
    return kpis


def simulate(scenario: Scenario, *, replications: int | None = None, seed: int | None = None,
             workers: int = 1, executor: Executor | None = None,
             progress: Callable[[int, int], None] | None = None) -> SimulationResult:
    """Run ``replications`` (default: the scenario's) and summarise KPIs with 95% CIs.

    ``workers`` > 1 runs replications in a local process pool (0: one per core); ``executor``
    chooses any executor instead (a Dask cluster, :mod:`corridor.executors`). The records are
    the same, bit for bit, however they are spread.
    """
    check_run_arguments("simulate", replications=replications, seed=seed, workers=workers,
                        scenarios=[scenario])
    n = replications if replications is not None else scenario.run.replications
    used_seed = scenario.run.seed if seed is None else seed
    t0 = time.perf_counter()
    records = run_replications(scenario, n, seed=used_seed, workers=workers, executor=executor,
                               progress=progress)
    kpis = [scenario_kpis(rec, scenario) for rec in records]
    seconds = time.perf_counter() - t0
    return SimulationResult(scenario.name, used_seed, records, kpis, summarise(kpis), seconds,
                            scenario.run.epoch.isoformat(), outside_overload(scenario))


