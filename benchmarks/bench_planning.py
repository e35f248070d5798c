"""Route-planning speed: the vectorised week profile against a per-departure loop, and how
getting ready to plan grows with the timetable.

Measured side by side in one run on the shipped baseline:

* the full-week NQZ -> VNO profile at one-minute steps (10,080 departure times), computed
  by chained searchsorted over journey patterns (corridor.planning.profile);
* the same 10,080 answers from a plain loop of exact single queries (one connection scan
  per departure time), checked equal to the profile;
* itinerary-leg evaluations per second inside the profile (ready times x rides evaluated);
* the same for the cargo profile Xi'an -> Duisburg.

Scale: synthetic rail networks (benchmarks/synthetic.py) from about 10 k to 3 M connections
over 14 days (--quick: to 300 k), each size in a fresh process: YAML load and validation
(load_scenario), the timetable build, the planner set-up, one earliest-arrival query across
the whole network, and the peak resident-memory growth of each step; the growth exponent
between sizes; the ratio to the targets (1 M connections ready, built and set up, in <= 1 s
and <= 0.5 GB; the query in milliseconds); and YAML parse time with libyaml and without.
A size that runs past the time or memory limit is stopped and reported, and once a size
takes longer than --slow-s seconds the larger ones are skipped.

Peer: pyraptor (a Python RAPTOR) on the baseline's exported GTFS feed, in a virtual
environment of its own under benchmarks/.peers/ (pyraptor pins pandas < 2): the same
earliest-arrival questions and the NQZ -> VNO week profile, every difference attributed to a
rule the peer lacks, and the week-profile speed ratio (target corridor >= 10x); see
benchmarks/peer_pyraptor.py.

Run: python benchmarks/bench_planning.py [--quick] [--scale-only | --no-scale | --peer-only] [--no-peer]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, record, timed  # noqa: E402
from synthetic import corridor_ends, default_places, services_for, synthetic_scenario  # noqa: E402

from corridor.network.timetable import build_timetable  # noqa: E402
from corridor.planning.profile import compute_profile, week_grid  # noqa: E402
from corridor.planning.search import Planner  # noqa: E402
from corridor.scenario import load_scenario  # noqa: E402
from corridor.scenario.source import HAVE_LIBYAML, read_yaml  # noqa: E402

SCALE_CONNECTIONS = (1e4, 3e4, 1e5, 3e5, 1e6, 3e6)
QUICK_SCALE_CONNECTIONS = (1e4, 3e4, 1e5, 3e5)
SCALE_DAYS = 14
SCALE_SEED = 1
READY_MIN = 6 * 60.0  # the query leaves the westmost junction at 06:00 UTC on the first day
QUERY_REPEATS = 3
# The targets: 1 M connections ready (timetable built, planner set up) in <= 1 s and
# <= 0.5 GB; the query "in milliseconds", read here as under 10 ms.
TARGET_CONNECTIONS = 1e6
TARGET_READY_S = 1.0
TARGET_READY_MB = 500.0
TARGET_QUERY_S = 0.010


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


def bench_profiles(quick: bool) -> None:
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
        target = unit == "pax"  # the targets are the passenger question's (docs/benchmarks.md)
        print(f"  speed-up               {r['speedup']:9.1f} x"
              + ("     (target >= 100 x)" if target else ""))
        print(f"  leg evaluations / s    {r['leg_evaluations_per_s'] / 1e6:9.1f} M"
              + ("     (target >= 10 M)" if target else ""))
        print(f"  mean door-to-door      {r['mean_total_h']:9.1f} h")
    where = record("planning", {"quick": quick, "connections": tt.n_connections, **results})
    print(f"figures written to {where}")


# ---------------------------------------------------------------------------------- scale
class Memory:
    """This process's resident memory from /proc (Linux): now, and the peak since the last
    reset (writing 5 to /proc/self/clear_refs resets the peak, VmHWM)."""

    def __init__(self) -> None:
        try:
            self.reset_peak()
            self.now()
            self.works = True
        except OSError:
            self.works = False

    @staticmethod
    def _field(name: str) -> float:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1]) / 1024  # kB -> MB
        raise OSError(f"no {name} in /proc/self/status")

    def now(self) -> float:
        return self._field("VmRSS")

    def peak(self) -> float:
        return self._field("VmHWM")

    @staticmethod
    def reset_peak() -> None:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")


def scale_child(path: str, origin: str, target: str) -> dict[str, Any]:
    """Measure one synthetic scenario, in this (fresh) process."""
    import gc

    mem = Memory()
    nan = math.nan

    def begin() -> float:
        """Collect garbage, reset the memory peak; resident MB now."""
        gc.collect()
        if not mem.works:
            return nan
        mem.reset_peak()
        return mem.now()

    def peak_over(base: float) -> float:
        return mem.peak() - base if mem.works else nan

    base = begin()
    t0 = time.perf_counter()
    scenario = load_scenario(path)
    load_s = time.perf_counter() - t0
    load_mb = peak_over(base)

    base = begin()  # the build and the set-up: one memory peak over both
    t0 = time.perf_counter()
    tt = build_timetable(scenario, horizon_days=SCALE_DAYS)
    build_s = time.perf_counter() - t0
    build_mb = peak_over(base)
    t0 = time.perf_counter()
    planner = Planner(tt, unit="feu")
    planner_s = time.perf_counter() - t0
    ready_mb = peak_over(base)
    held_mb = mem.now() - base if mem.works else nan

    o, d = tt.index[origin], tt.index[target]
    query_base = begin()
    t0 = time.perf_counter()
    it = planner.earliest(o, d, READY_MIN)
    first_s = time.perf_counter() - t0
    query_mb = peak_over(query_base)
    query_s, _ = timed(lambda: planner.earliest(o, d, READY_MIN), repeats=QUERY_REPEATS)
    # What a connection scan reads: the connections leaving between the ready time and the arrival.
    last = it.arrive_min if it is not None else tt.horizon_min
    window = int(np.searchsorted(tt.dep_min, last, side="right") - np.searchsorted(tt.dep_min, READY_MIN))

    parse_libyaml_s = nan
    if HAVE_LIBYAML:
        parse_libyaml_s, _ = timed(lambda: read_yaml(Path(path), libyaml=True), repeats=3)
    parse_pure_s, _ = timed(lambda: read_yaml(Path(path), libyaml=False), repeats=1)
    figures = {
        "connections": tt.n_connections,
        "services": len(scenario.services),
        "places": len(scenario.places),
        "load_s": load_s,
        "build_s": build_s,
        "planner_s": planner_s,
        "ready_s": build_s + planner_s,
        "query_first_s": first_s,
        "query_s": query_s,
        "query_window": window,
        "arrival_h": None if it is None else (it.arrive_min - READY_MIN) / 60,
        "legs": None if it is None else len(it.legs),
        "load_mb": load_mb,
        "build_mb": build_mb,
        "ready_mb": ready_mb,
        "held_mb": held_mb,
        "query_mb": query_mb,
        "parse_libyaml_s": parse_libyaml_s,
        "parse_pure_s": parse_pure_s,
    }
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in figures.items()}


def _process_rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_size(path: Path, origin: str, target: str, *, limit_s: float, memory_mb: float) -> dict[str, Any]:
    """Measure one scenario in a child process, stopped past ``limit_s`` or ``memory_mb``."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--scale-child", str(path), origin, target]
    out_path, err_path = path.with_suffix(".out"), path.with_suffix(".err")
    t0 = time.perf_counter()
    max_rss = 0.0
    with open(out_path, "w") as out, open(err_path, "w") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        stopped = None
        while True:
            try:
                proc.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                max_rss = max(max_rss, _process_rss_mb(proc.pid))
                elapsed = time.perf_counter() - t0
                if elapsed > limit_s:
                    stopped = f"stopped after {elapsed:.0f} s (limit {limit_s:.0f} s)"
                elif max_rss > memory_mb:
                    stopped = f"stopped at {max_rss:,.0f} MB resident (limit {memory_mb:,.0f} MB)"
                if stopped:
                    proc.kill()
                    proc.wait()
                    break
    wall = time.perf_counter() - t0
    if stopped:
        return {"error": stopped, "wall_s": wall, "max_rss_mb": max_rss}
    lines = out_path.read_text().strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = err_path.read_text().strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        return {"error": f"failed: {tail[0]}", "wall_s": wall, "max_rss_mb": max_rss}
    result: dict[str, Any] = json.loads(lines[-1])
    result.update(wall_s=wall, max_rss_mb=max_rss)
    return result


def growth(a: float | None, b: float | None, n_a: float, n_b: float) -> float | None:
    """The exponent k in value ~ connections^k between two sizes (None when a value is too
    small to time or missing)."""
    if a is None or b is None or not (a > 1e-4 and b > 1e-4) or n_a == n_b:
        return None
    return math.log(b / a) / math.log(n_b / n_a)


def at_connections(rows: list[dict[str, Any]], key: str, n: float) -> tuple[float | None, str]:
    """``key`` at ``n`` connections, log-log between the two measured sizes around ``n`` (or
    from the nearest two), and how it was found."""
    pts = sorted((r["connections"], r[key]) for r in rows
                 if "error" not in r and isinstance(r.get(key), float) and r[key] > 0)
    if not pts:
        return None, "not measured"
    if len(pts) == 1:
        (n0, v0), = pts
        return v0 * n / n0, f"scaled linearly from {n0 / 1e6:.2f} M"
    below = [p for p in pts if p[0] <= n]
    above = [p for p in pts if p[0] > n]
    if below and above:
        (n0, v0), (n1, v1) = below[-1], above[0]
    else:
        (n0, v0), (n1, v1) = pts[-2:] if below else pts[:2]
    value = v0 * (n / n0) ** (math.log(v1 / v0) / math.log(n1 / n0))
    near = min((n0, n1), key=lambda c: abs(math.log(c / n)))
    if abs(near / n - 1) <= 0.05:
        how = f"measured at {near / 1e6:.2f} M"
    elif below and above:
        how = f"interpolated between {n0 / 1e6:.2f} M and {n1 / 1e6:.2f} M"
    else:
        how = f"extrapolated from {n0 / 1e6:.2f} M and {n1 / 1e6:.2f} M"
    return value, how


def bench_scale(quick: bool, *, slow_s: float, limit_s: float, memory_mb: float) -> None:
    sizes = QUICK_SCALE_CONNECTIONS if quick else SCALE_CONNECTIONS
    rows: list[dict[str, Any]] = []
    skip: str | None = None
    print(f"Scale: synthetic rail networks (benchmarks/synthetic.py, seed {SCALE_SEED}), 30-minute "
          f"headways, {SCALE_DAYS}-day timetable; each size in a fresh process; memory is the peak "
          f"resident-set growth of each step (VmHWM); YAML parsed with "
          f"{'libyaml' if HAVE_LIBYAML else 'the pure-Python parser (no libyaml)'}")
    with tempfile.TemporaryDirectory(prefix="corridor-scale-") as tmp:
        for goal in sizes:
            n_services = services_for(goal, days=SCALE_DAYS)
            row: dict[str, Any] = {"goal_connections": goal, "services": n_services,
                                   "places": default_places(n_services)}
            if skip is None and rows and "error" not in rows[-1]:
                prev = rows[-1]  # the process as before, the growth of its steps in proportion
                steps = [prev["load_mb"], prev["ready_mb"], prev["query_mb"]]
                predicted = prev["max_rss_mb"] * goal / prev["connections"]  # without /proc/self
                if None not in steps:
                    predicted = prev["max_rss_mb"] + sum(steps) * (goal / prev["connections"] - 1)
                if predicted > memory_mb:
                    skip = f"skipped: would need about {predicted:,.0f} MB (limit {memory_mb:,.0f} MB)"
            if skip is not None:
                rows.append({**row, "error": skip})
                print(f"  ~{goal / 1e6:g} M connections: {skip}", flush=True)
                continue
            t0 = time.perf_counter()
            text = synthetic_scenario(n_services, seed=SCALE_SEED, horizon_days=SCALE_DAYS)
            row["generate_s"] = time.perf_counter() - t0
            row["yaml_mb"] = len(text.encode()) / 1e6
            row["yaml_lines"] = text.count("\n")
            path = Path(tmp) / f"synthetic-{n_services}.yaml"
            path.write_text(text, encoding="utf-8")
            row.update(run_size(path, *corridor_ends(n_services), limit_s=limit_s, memory_mb=memory_mb))
            rows.append(row)
            if "error" in row:
                print(f"  ~{goal / 1e6:g} M connections ({n_services:,} services): {row['error']}",
                      flush=True)
                skip = "skipped: a smaller size did not finish"
            else:
                print(f"  {row['connections']:>11,} connections: load {row['load_s']:.2f} s, "
                      f"ready {row['ready_s']:.2f} s, query {row['query_s'] * 1e3:.1f} ms "
                      f"(process {row['wall_s']:.0f} s)", flush=True)
                spent = row["load_s"] + row["ready_s"] + row["query_first_s"]
                if spent > slow_s:
                    skip = f"skipped: the size before took {spent:.3g} s (> {slow_s:.3g} s)"
            path.unlink()
    print_scale(rows)
    targets = scale_targets(rows)
    where = record("planning_scale", {"quick": quick, "libyaml": HAVE_LIBYAML, "days": SCALE_DAYS,
                                      "seed": SCALE_SEED,
                                      "memory": "peak resident-set growth per step (VmHWM)",
                                      "sizes": rows, "targets": targets})
    print(f"figures written to {where}")


def _fmt(value: float | None, scale: float = 1.0, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value * scale:,.{digits}f}"


def print_scale(rows: list[dict[str, Any]]) -> None:
    done = [r for r in rows if "error" not in r]
    print()
    print(f"{'connections':>12} {'services':>8} {'places':>6} | {'load s':>7} {'build s':>8} {'set-up s':>8} "
          f"{'ready s':>8} | {'query ms':>9} {'1st ms':>8} {'arrive h':>8} {'window':>9} {'ns/conn':>7} | "
          f"{'load MB':>8} "
          f"{'ready MB':>8} {'held MB':>8} {'proc MB':>8}")
    for r in rows:
        if "error" in r:
            goal = "~" + format(int(r["goal_connections"]), ",")
            print(f"{goal:>12} {r['services']:>8,} {r['places']:>6} | {r['error']}")
            continue
        print(f"{r['connections']:>12,} {r['services']:>8,} {r['places']:>6} | {_fmt(r['load_s']):>7} "
              f"{_fmt(r['build_s']):>8} {_fmt(r['planner_s'], digits=3):>8} {_fmt(r['ready_s']):>8} | "
              f"{_fmt(r['query_s'], 1e3, 1):>9} {_fmt(r['query_first_s'], 1e3, 1):>8} "
              f"{_fmt(r['arrival_h'], digits=1):>8} {r['query_window']:>9,} "
              f"{_fmt(r['query_s'] / max(r['query_window'], 1), 1e9, 0):>7} | "
              f"{_fmt(r['load_mb'], digits=0):>8} {_fmt(r['ready_mb'], digits=0):>8} "
              f"{_fmt(r['held_mb'], digits=0):>8} "
              f"{_fmt(r['max_rss_mb'], digits=0):>8}")
    print("(ready = build + set-up; query: median of the repeats after the first, from the westmost to the\n"
          " eastmost junction at 06:00 on day one; window: connections leaving between the ready time and\n"
          " the arrival, what a connection scan reads; MB: peak resident growth over the step, held: kept\n"
          " after set-up, proc: the whole process, sampled)")
    if len(done) >= 2:
        print()
        print("growth exponent k (time or memory ~ connections^k) between sizes; 1 is linear")
        keys = [("load", "load_s"), ("build", "build_s"), ("set-up", "planner_s"), ("ready", "ready_s"),
                ("query", "query_s"), ("ready MB", "ready_mb"), ("held MB", "held_mb")]
        print(f"{'connections':>25} | " + " ".join(f"{name:>8}" for name, _ in keys))
        for a, b in zip(done, done[1:], strict=False):
            span = f"{a['connections']:,} -> {b['connections']:,}"
            ks = [growth(a[k], b[k], a["connections"], b["connections"]) for _, k in keys]
            print(f"{span:>25} | " + " ".join(f"{_fmt(k):>8}" for k in ks))
    if done:
        print()
        print("YAML parse only (read_yaml): libyaml against the pure-Python parser")
        print(f"{'connections':>12} {'lines':>8} {'MB':>6} | {'libyaml s':>9} {'pure s':>8} {'speed-up':>8}")
        for r in done:
            ratio = r["parse_pure_s"] / r["parse_libyaml_s"] if r["parse_libyaml_s"] else None
            print(f"{r['connections']:>12,} {r['yaml_lines']:>8,} {r['yaml_mb']:>6.2f} | "
                  f"{_fmt(r['parse_libyaml_s'], digits=3):>9} {_fmt(r['parse_pure_s'], digits=3):>8} "
                  f"{_fmt(ratio, digits=1):>8}")


def scale_targets(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Print and return the figures at 1 M connections against the targets."""
    n = TARGET_CONNECTIONS
    ready_s, how_s = at_connections(rows, "ready_s", n)
    ready_mb, how_mb = at_connections(rows, "ready_mb", n)
    query_s, how_q = at_connections(rows, "query_s", n)
    out: dict[str, Any] = {}
    print()
    print(f"At {n / 1e6:g} M connections, against the targets (ratio > 1: over the target)")
    for name, value, target, unit, scale, how in [
        ("ready: build + set-up", ready_s, TARGET_READY_S, "s", 1.0, how_s),
        ("ready: peak memory", ready_mb, TARGET_READY_MB, "MB", 1.0, how_mb),
        ("one earliest-arrival query", query_s, TARGET_QUERY_S, "ms", 1e3, how_q),
    ]:
        ratio = value / target if value is not None else None
        out[name] = {"value": value, "target": target, "ratio": ratio, "how": how}
        print(f"  {name:28} {_fmt(value, scale):>9} {unit:2}  target <= {target * scale:g} {unit:2}  "
              f"ratio {_fmt(ratio):>7}  ({how})")
    out["parse with libyaml"] = HAVE_LIBYAML
    print(f"  {'parse with libyaml':28} {'yes' if HAVE_LIBYAML else 'NO'}")
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="fewer repeats, loop on a sample; scale sizes up to 300 k connections")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--scale-only", action="store_true", help="run only the scale part")
    only.add_argument("--no-scale", action="store_true", help="skip the scale part")
    only.add_argument("--peer-only", action="store_true", help="run only the comparison with pyraptor")
    parser.add_argument("--no-peer", action="store_true", help="skip the comparison with pyraptor")
    parser.add_argument("--slow-s", type=float, default=60.0,
                        help="skip larger sizes once a size took longer than this (default 60 s)")
    parser.add_argument("--limit-s", type=float, default=None,
                        help="stop a size that runs longer than this (default 600 s, quick 180 s)")
    parser.add_argument("--memory-gb", type=float, default=8.0,
                        help="stop a size past this resident memory (GB), and skip sizes predicted "
                             "past it (default 8)")
    parser.add_argument("--scale-child", nargs=3, metavar=("YAML", "FROM", "TO"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.scale_child:
        print(json.dumps(scale_child(*args.scale_child)))
        return 0
    figures = None
    if args.peer_only or not (args.scale_only or args.no_peer):
        import peer_pyraptor

        print("=== side by side with pyraptor ===", flush=True)
        if args.quick and not peer_pyraptor.peer_python_ready():
            print("skipped in --quick until its environment exists (a minute to make): run "
                  "python benchmarks/bench_planning.py --peer-only once\n")
            figures = None
        else:
            figures = peer_pyraptor.run(args.quick)
    if figures is not None:
        where = record("planning_peer", {"quick": args.quick, **figures})
        print(f"figures written to {where}\n")
    if args.peer_only:
        return 0
    if not args.scale_only:
        bench_profiles(args.quick)
    if not args.no_scale:
        if not args.scale_only:
            print()
        limit_s = args.limit_s if args.limit_s is not None else (180.0 if args.quick else 600.0)
        bench_scale(args.quick, slow_s=args.slow_s, limit_s=limit_s, memory_mb=args.memory_gb * 1024)
    return 0


if __name__ == "__main__":
    sys.exit(main())
