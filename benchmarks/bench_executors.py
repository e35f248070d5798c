"""What it costs to send runs away: the overhead per task of the local process pool and of a
Dask cluster (a LocalCluster of processes on loopback), side by side.

Tiny runs (one station, two days) make the cost of sending visible. For each executor:

* one run per batch: the CPU time of this process and of every worker, less the runs' own
  CPU time in this process, per run: the cost of one task (pickling, messages, scheduling,
  and starting the pool's workers); CPU time, not wall time, so that other work sharing the
  cores does not count;
* corridor's batching (about 8 batches per slot): the same, per run, and as a share of one
  replication of the baseline (the run it exists for), which must stay under 1%.

Each figure is the least of three timings (other work on the cores only adds to a time).
Every executor returns the same KPIs as this process, bit for bit (checked). Dask needs
`pip install -e '.[dask]'`; without it only the pool is measured.

Run: python benchmarks/bench_executors.py [--quick]
"""

from __future__ import annotations

import math
import os
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import ROOT, parse_quick, record  # noqa: E402

import corridor.executors as ex  # noqa: E402
from corridor.analysis.sweep import run_kpis  # noqa: E402
from corridor.executors import Executor, Job, execute  # noqa: E402
from corridor.scenario import Scenario, load_scenario  # noqa: E402

TINY = textwrap.dedent("""\
    name: tiny-station
    run: {start: 2027-01-04, horizon_days: 2, warmup_days: 1, drain_days: 1, seed: 1}
    places:
      - {id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}
      - {id: B, name: B, kind: border_station, country: KZ, lat: 45, lon: 81, tz: UTC,
         servers: 1, service_time: {dist: exponential, mean_min: 60}}
    services:
      - {id: T, mode: road, unit: feu, stops: [A, B], dispatch: {cutoff_min: 0}, duration_min: 30,
         capacity: 1}
    demand:
      - {id: F, kind: cargo, from: A, to: B, per_week: 40}
    """)


REPEATS = 3


def _cpu() -> float:
    """CPU seconds of this process and every process it started, ended (a pool's workers) or
    still running (a LocalCluster's): the work done, whoever else shares the cores."""
    t = os.times()
    total = t.user + t.system + t.children_user + t.children_system
    try:
        import psutil

        for child in psutil.Process().children(recursive=True):
            try:
                c = child.cpu_times()
                total += c.user + c.system
            except psutil.Error:
                pass
    except ImportError:
        pass
    return total


def _tiny() -> Scenario:
    import yaml

    return Scenario.model_validate(yaml.safe_load(TINY))


def _timed(scenario: Scenario, jobs: list[Job], executor: Executor, *,
           one_per_batch: bool) -> tuple[float, float, list]:
    """(wall seconds, CPU seconds, results), each time the least of REPEATS."""
    saved = ex.BATCHES_PER_SLOT
    if one_per_batch:
        ex.BATCHES_PER_SLOT = 10**9
    try:
        wall, cpu, out = math.inf, math.inf, []
        for _ in range(REPEATS):  # the least of a few: other work on the cores only adds
            t0, c0 = time.perf_counter(), _cpu()
            out = execute([scenario], jobs, run_kpis, executor=executor)
            wall, cpu = min(wall, time.perf_counter() - t0), min(cpu, _cpu() - c0)
        return wall, cpu, out
    finally:
        ex.BATCHES_PER_SLOT = saved


def _same(a: list, b: list) -> bool:
    return all(x["kpis"].keys() == y["kpis"].keys() and all(
        (math.isnan(v) and math.isnan(y["kpis"][k])) or v == y["kpis"][k] for k, v in x["kpis"].items())
        for x, y in zip(a, b, strict=True))


def main(argv: list[str] | None = None) -> int:
    quick = parse_quick(__doc__, "100 tiny runs instead of 400, the baseline run timed once", argv)
    n = 100 if quick else 400
    cores = os.cpu_count() or 1
    scenario = _tiny()
    jobs = [Job(0, r, 1) for r in range(n)]
    execute([scenario], jobs[:5], run_kpis)  # imports and caches warm
    _, inproc, reference = _timed(scenario, jobs, Executor(workers=1), one_per_batch=True)
    per_run = inproc / n
    baseline = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    execute([baseline], [Job(0, 0, 1)], run_kpis)
    c0 = _cpu()
    for r in range(1 if quick else 3):
        execute([baseline], [Job(0, r, 1)], run_kpis)
    baseline_run = (_cpu() - c0) / (1 if quick else 3)
    print(f"{n} tiny runs, {per_run * 1000:.2f} ms of CPU each in this process; a baseline replication "
          f"takes {baseline_run:.2f} s of CPU; {cores} cores, load average {os.getloadavg()[0]:.2f}")
    executors: dict[str, Executor] = {"local pool": Executor(workers=cores)}
    cluster = None
    startup = math.nan
    try:
        import logging

        from distributed import LocalCluster

        t0 = time.perf_counter()
        cluster = LocalCluster(n_workers=cores, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, silence_logs=logging.ERROR)
        startup = time.perf_counter() - t0
        executors["dask (LocalCluster)"] = Executor(dask=cluster.scheduler_address)
    except ImportError:
        print("  dask: not installed (pip install -e '.[dask]'); only the pool is measured")
    results: dict[str, dict[str, float]] = {}
    try:
        print(f"  {'executor':20s} {'one run a batch':>18s} {'batched, per run':>18s} "
              f"{'of a baseline run':>18s}")
        for name, executor in executors.items():
            execute([scenario], jobs[:2 * cores], run_kpis, executor=executor)  # workers up and warm
            single, single_cpu, a = _timed(scenario, jobs, executor, one_per_batch=True)
            batched, batched_cpu, b = _timed(scenario, jobs, executor, one_per_batch=False)
            if not (_same(reference, a) and _same(reference, b)):
                raise SystemExit(f"{name} gave different KPIs")
            task_ms = max(single_cpu - inproc, 0.0) / n * 1000
            batch_ms = max(batched_cpu - inproc, 0.0) / n * 1000
            share = task_ms / 1000 / baseline_run  # one task's cost against one baseline replication
            results[name] = {"per_task_ms": task_ms, "batched_per_run_ms": batch_ms,
                             "single_wall_s": single, "batched_wall_s": batched,
                             "task_share_of_baseline_run": share}
            print(f"  {name:20s} {task_ms:15.2f} ms {batch_ms:15.2f} ms {share:17.2%}")
        if len(results) == 2:
            pool, dask = results["local pool"], results["dask (LocalCluster)"]
            ratio = dask["per_task_ms"] / max(pool["per_task_ms"], 1e-9)
            print(f"  Dask costs {ratio:.1f} x the pool per task; starting the LocalCluster took "
                  f"{startup:.1f} s")
    finally:
        if cluster is not None:
            cluster.close()
    print("  (last column: one task's cost against one baseline replication; a batch of k runs shares "
          "it k ways)\n  the same KPIs, bit for bit, on every executor")
    where = record("executors", {"quick": quick, "tiny_runs": n, "tiny_run_ms": per_run * 1000,
                                 "baseline_run_s": baseline_run, "cores": cores,
                                 "dask_startup_s": startup, **results})
    print(f"figures written to {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
