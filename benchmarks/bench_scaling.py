"""Replication scaling: the same replications of the baseline in one process and on 2, ...
all cores of a local process pool.

Replications are independent and seeded by number, so every executor returns the same
records; this measures the wall-clock gain and the parallel efficiency, and checks the
records are the same bit for bit. The machine's load average is printed beside the figures:
other work on the cores takes its share of them.

Run: python benchmarks/bench_scaling.py [--quick]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, parse_quick, record  # noqa: E402

from corridor.executors import Executor, run_replications  # noqa: E402
from corridor.scenario import load_scenario  # noqa: E402


def _same(a: list, b: list) -> bool:
    return all(x.units.keys() == y.units.keys() and all(
        np.array_equal(x.units[c], y.units[c], equal_nan=x.units[c].dtype.kind == "f") for c in x.units)
        for x, y in zip(a, b, strict=True))


def main(argv: list[str] | None = None) -> int:
    quick = parse_quick(__doc__, "16 replications instead of 64", argv)
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    reps = 16 if quick else 64
    cores = os.cpu_count() or 1
    counts = sorted({1, *[w for w in (2, 4, 8, 16) if w <= cores], cores})
    results = {}
    reference = None
    run = scenario.run
    print(f"{reps} replications of the baseline ({run.horizon_days} + {run.drain_days} days) on {cores} "
          f"cores; load average before: {os.getloadavg()[0]:.2f}")
    for workers in counts:
        t0 = time.perf_counter()
        cpu0 = os.times()
        records = run_replications(scenario, reps, executor=Executor(workers=workers))
        seconds = time.perf_counter() - t0
        cpu1 = os.times()
        cpu = (cpu1.user - cpu0.user) + (cpu1.children_user - cpu0.children_user) + \
            (cpu1.system - cpu0.system) + (cpu1.children_system - cpu0.children_system)
        if reference is None:
            reference, base = records, seconds
        elif not _same(reference, records):
            raise SystemExit(f"{workers} workers gave different records")
        if workers == 1:
            base_cpu = cpu
        speedup = base / seconds
        # the work the pool adds (messages, pickling, a timetable per worker), from CPU time:
        # what the speed-up would be on cores nobody else uses
        cpu_efficiency = base_cpu / cpu
        results[str(workers)] = {"seconds": seconds, "speedup": speedup, "efficiency": speedup / workers,
                                 "cpu_seconds": cpu, "cpu_efficiency": cpu_efficiency,
                                 "load_after": os.getloadavg()[0]}
        print(f"  {workers:2d} workers  {seconds:7.2f} s   speed-up {speedup:5.2f}   "
              f"efficiency {speedup / workers:5.0%}   CPU {cpu:7.1f} s, {cpu_efficiency:5.0%} of it "
              f"the runs' own   (load average {os.getloadavg()[0]:.2f})")
    print("  the same records, bit for bit, on every count")
    where = record("scaling", {"quick": quick, "replications": reps, "cores": cores, **results})
    print(f"figures written to {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
