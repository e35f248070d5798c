"""The wall time of a saturation curve: the baseline's cargo demand at 10 scales (0.3 to 3),
10 replications each, on all cores, as `corridor throughput` runs it.

Prints the wall time beside the CPU time of all the runs (about what they take one after
another on a free core), the ratio, and the curve's answer.

Run: python benchmarks/bench_throughput.py [--quick]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, parse_quick, record  # noqa: E402

from corridor.analysis.throughput import parse_scales, throughput  # noqa: E402
from corridor.executors import Executor  # noqa: E402
from corridor.scenario.load import validate_raw  # noqa: E402
from corridor.scenario.overrides import load_raw  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    quick = parse_quick(__doc__, "4 scales x 2 replications instead of 10 x 10", argv)
    path = ROOT / "scenarios" / "baseline.yaml"
    raw = load_raw(path)
    base = validate_raw(raw, str(path))
    scales = parse_scales("0.5:2:0.5" if quick else "0.3:3:0.3")
    reps = 2 if quick else 10
    cores = os.cpu_count() or 1
    print(f"saturation curve of the baseline: {len(scales)} scales x {reps} replications = "
          f"{len(scales) * reps} runs on {cores} cores; load average before: {os.getloadavg()[0]:.2f}")
    t0, c0 = time.perf_counter(), os.times()
    res = throughput(raw, str(path), scales, replications=reps, seed=base.run.seed,
                     executor=Executor(workers=cores))
    wall, c1 = time.perf_counter() - t0, os.times()
    # CPU of this process and of the pool's workers (ended, so counted as children): about
    # what the same runs take one after another on a free core
    estimate = (c1.user - c0.user) + (c1.system - c0.system) + \
        (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)
    print(f"  wall {wall:7.1f} s  ({wall / (len(scales) * reps):.2f} s a run); CPU {estimate:6.1f} s, "
          f"about the runs one after another: {estimate / wall:.2f} x")
    print(f"  {res.verdict()}")
    assert not res.sweep.failures
    where = record("throughput", {"quick": quick, "scales": scales, "replications": reps, "cores": cores,
                                  "wall_s": wall, "cpu_s": estimate,
                                  "sustainable_teu_per_week": res.steps[res.limit].delivered_teu_per_week.mean
                                  if res.limit is not None else None,
                                  "verdict": res.verdict()})
    print(f"figures written to {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
