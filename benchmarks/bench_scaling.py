"""Replication scaling: the same replications of the baseline on 1, 2, ... all cores.

Replications are independent and seeded by number, so a process pool returns the same
records as one process; this measures the wall-clock gain and the parallel efficiency.

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

from corridor.executors import run_replications  # noqa: E402
from corridor.scenario import load_scenario  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    quick = parse_quick(__doc__, "4 replications instead of 8", argv)
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    reps = 4 if quick else 8
    cores = os.cpu_count() or 1
    counts = sorted({1, *[w for w in (2, 4, 8, 16) if w <= cores], cores})
    results = {}
    reference = None
    run = scenario.run
    print(f"{reps} replications of the baseline ({run.horizon_days} + {run.drain_days} days) "
          f"on {cores} cores")
    for workers in counts:
        t0 = time.perf_counter()
        records = run_replications(scenario, reps, workers=workers)
        seconds = time.perf_counter() - t0
        if reference is None:
            reference, base = records, seconds
        else:
            same = all(np.array_equal(a.units["arrival_min"], b.units["arrival_min"], equal_nan=True)
                       for a, b in zip(reference, records, strict=True))
            if not same:
                raise SystemExit(f"{workers} workers gave different records")
        speedup = base / seconds
        results[str(workers)] = {"seconds": seconds, "speedup": speedup, "efficiency": speedup / workers}
        print(f"  {workers:2d} workers  {seconds:7.2f} s   speed-up {speedup:5.2f}   "
              f"efficiency {speedup / workers:5.0%}")
    where = record("scaling", {"quick": quick, "replications": reps, "cores": cores, **results})
    print(f"figures written to {where.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
