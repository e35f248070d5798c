"""The wall time of a saturation curve: the baseline's cargo demand at 10 scales (0.3 to 3),
10 replications each, on all cores, as `corridor throughput` runs it.

Prints the wall time beside the time the same runs take one after another (the runs' own
time, from the serial rate of a few of them), the ratio, and the curve's answer.

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
    t0 = time.perf_counter()
    serial = throughput(raw, str(path), scales[:1] + scales[-1:], replications=1, seed=base.run.seed,
                        executor=Executor(workers=1))
    sample_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = throughput(raw, str(path), scales, replications=reps, seed=base.run.seed,
                     executor=Executor(workers=cores))
    wall = time.perf_counter() - t0
    # the serial estimate: the lightest and heaviest step's run, averaged, for every run
    estimate = sample_s / 2 * len(scales) * reps
    print(f"  wall {wall:7.1f} s  ({wall / (len(scales) * reps):.2f} s a run); one after another about "
          f"{estimate:6.1f} s (from one run at x{scales[0]:g} and x{scales[-1]:g}): {estimate / wall:.2f} x")
    print(f"  {res.verdict()}")
    assert not serial.sweep.failures and not res.sweep.failures
    where = record("throughput", {"quick": quick, "scales": scales, "replications": reps, "cores": cores,
                                  "wall_s": wall, "serial_estimate_s": estimate,
                                  "sustainable_teu_per_week": res.steps[res.limit].delivered_teu_per_week.mean
                                  if res.limit is not None else None,
                                  "verdict": res.verdict()})
    print(f"figures written to {where.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
