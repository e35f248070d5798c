"""Route-planning speed: the vectorised week profile against a per-departure loop.

Measured side by side in one run on the shipped baseline:

* the full-week NQZ -> VNO profile at one-minute steps (10,080 departure times), computed
  by chained searchsorted over journey patterns (corridor.planning.profile);
* the same 10,080 answers from a plain loop of exact single queries (one connection scan
  per departure time), checked equal to the profile;
* itinerary-leg evaluations per second inside the profile (ready times x rides evaluated);
* the same for the cargo profile Xi'an -> Duisburg.

Run: python benchmarks/bench_planning.py [--quick]
"""

from __future__ import annotations

import sys

import numpy as np

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent))
from _common import ROOT, parse_quick, record, timed  # noqa: E402

from corridor.network.timetable import build_timetable  # noqa: E402
from corridor.planning.profile import compute_profile, week_grid  # noqa: E402
from corridor.planning.search import Planner  # noqa: E402
from corridor.scenario import load_scenario  # noqa: E402


def bench_pair(tt, planner: Planner, origin: str, target: str, unit: str, *, loop_stride: int,
               repeats: int) -> dict[str, float]:
    o, d = planner.place(origin), planner.place(target)
    grid = week_grid(0.0, step_min=1.0)
    mask = tt.service_mask(None, unit)
    t_profile, prof = timed(
        lambda: compute_profile(tt, o, d, grid, services=mask, hops=planner.hops), repeats=repeats)

    allowed = planner.allowed(mask)
    sample = grid[::loop_stride]

    def loop() -> np.ndarray:
        out = np.empty(sample.size)
        for k, t in enumerate(sample):
            it = planner.earliest(o, d, float(t), allowed=allowed)
            out[k] = it.arrive_min if it else np.inf
        return out

    t_loop_sample, loop_arrivals = timed(loop, repeats=1)
    if not np.array_equal(loop_arrivals, prof.arrival_min[::loop_stride]):
        raise SystemExit(f"{origin}->{target}: profile and loop disagree")
    t_loop = t_loop_sample * grid.size / sample.size  # the loop is linear in departure times
    return {
        "departure_times": int(grid.size),
        "profile_s": t_profile,
        "loop_s": t_loop,
        "loop_measured_on": int(sample.size),
        "speedup": t_loop / t_profile,
        "leg_evaluations": int(prof.leg_evaluations),
        "leg_evaluations_per_s": prof.leg_evaluations / t_profile,
        "patterns_evaluated": int(prof.patterns_evaluated),
        "mean_total_h": float(np.mean(prof.total_min) / 60),
    }


def main(argv: list[str] | None = None) -> int:
    quick = parse_quick(__doc__, "fewer repeats, loop on a sample", argv)
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    tt = build_timetable(scenario)
    planners = {"pax": Planner(tt, unit="pax"), "feu": Planner(tt, unit="feu")}
    repeats = 3 if quick else 7
    stride = 10 if quick else 1
    results = {}
    for origin, target, unit in [("NQZ", "VNO", "pax"), ("XIAN", "DUISBURG", "feu")]:
        r = bench_pair(tt, planners[unit], origin, target, unit, loop_stride=stride, repeats=repeats)
        results[f"{origin}-{target}"] = r
        print(f"{origin} -> {target} week profile, 1-minute steps ({r['departure_times']:,} departures)")
        print(f"  vectorised profile     {r['profile_s'] * 1000:9.2f} ms   "
              f"({r['patterns_evaluated']:,} ride evaluations, {r['leg_evaluations']:,} leg evaluations)")
        print(f"  per-departure loop     {r['loop_s'] * 1000:9.2f} ms   "
              f"(exact connection scan per departure; timed on {r['loop_measured_on']:,})")
        print(f"  speed-up               {r['speedup']:9.1f} x     (target >= 100 x)")
        print(f"  leg evaluations / s    {r['leg_evaluations_per_s'] / 1e6:9.1f} M     (target >= 10 M)")
        print(f"  mean door-to-door      {r['mean_total_h']:9.1f} h")
    record("planning", {"quick": quick, "connections": tt.n_connections, **results})
    print("figures written to benchmarks/results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
