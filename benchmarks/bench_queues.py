"""Queue stations four ways: the NumPy core, corridor's station step, SimPy, and ciw.

M/M/1 and M/M/3 stations at utilisation 0.8, service mean 1, measured side by side in one run
on the same total number of customers (R replications of n customers):

* core   corridor.kernels: fifo_waits (Lindley, closed form) and multi_server_waits (FCFS,
         one step per customer for all R replications at once);
* station corridor.simulation.stations.Station, the one closed-form admission per vehicle the
         simulation calls, fed the very same arrival and service times;
* SimPy  the queue as SimPy's documentation writes it (a process per customer, a Resource),
         fed the same times: both must give the core's waits exactly;
* ciw    the same queue built in ciw, with its own random numbers: its mean wait must agree
         with the core's within their confidence intervals (and with theory).

Targets: core >= 500x SimPy on M/M/1; core >= 50x ciw on M/M/3.
Needs the bench extra (pip install -e '.[bench]') for ciw.

Run: python benchmarks/bench_queues.py [--quick]
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import parse_quick, record, timed  # noqa: E402

from corridor.kernels import fifo_waits, mean_ci, multi_server_waits  # noqa: E402
from corridor.kernels.theory import mm1_wait, mmc_wait  # noqa: E402
from corridor.simulation.stations import Station  # noqa: E402

RHO = 0.8


def inputs(servers: int, reps: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lam = RHO * servers
    arrivals = np.cumsum(rng.exponential(1 / lam, (reps, n)), axis=1)
    service = rng.exponential(1.0, (reps, n))
    return arrivals, service


def core(arrivals: np.ndarray, service: np.ndarray, servers: int) -> np.ndarray:
    return fifo_waits(arrivals, service) if servers == 1 else multi_server_waits(arrivals, service, servers)


def with_station(arrivals: np.ndarray, service: np.ndarray, servers: int) -> np.ndarray:
    """corridor's station: one closed-form admission per arrival, as the engine calls it."""
    out = np.empty_like(arrivals)
    for r in range(arrivals.shape[0]):
        station = Station(0, servers, None, None, [], draws=service[r])
        for t in arrivals[r].tolist():
            station.visit(t, 1)
        out[r] = np.array(station.start) - np.array(station.arrive)
    return out


def with_simpy(arrivals: np.ndarray, service: np.ndarray, servers: int) -> np.ndarray:
    """The same queue as SimPy's documentation writes it: a process per customer, a Resource."""
    out = np.empty_like(arrivals)
    for r in range(arrivals.shape[0]):
        env = simpy.Environment()
        desk = simpy.Resource(env, capacity=servers)
        waits = out[r]

        def customer(k: int, e: simpy.Environment = env, res: simpy.Resource = desk,
                     w: np.ndarray = waits, s: np.ndarray = service[r]):
            arrived = e.now
            with res.request() as req:
                yield req
                w[k] = e.now - arrived
                yield e.timeout(float(s[k]))

        def source(times: np.ndarray, e: simpy.Environment = env):
            for k, t in enumerate(times.tolist()):
                yield e.timeout(t - e.now)
                e.process(customer(k))

        env.process(source(arrivals[r]))
        env.run()
    return out


def with_ciw(servers: int, reps: int, n: int) -> np.ndarray:
    import ciw

    means = np.empty(reps)
    for r in range(reps):
        network = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(rate=RHO * servers)],
            service_distributions=[ciw.dists.Exponential(rate=1.0)],
            number_of_servers=[servers],
        )
        ciw.seed(r)
        sim = ciw.Simulation(network)
        sim.simulate_until_max_customers(n, method="Finish")
        recs = sorted(sim.get_all_records(), key=lambda x: x.arrival_date)
        waits = np.array([x.waiting_time for x in recs])
        means[r] = waits[n // 10:].mean()
    return means


def main(argv: list[str] | None = None) -> int:
    quick = parse_quick(__doc__, "10^5 customers instead of 10^6", argv)
    reps = 100
    n = (10**5 if quick else 10**6) // reps
    total = reps * n
    results = {}
    for servers in (1, 3):
        name = f"M/M/{servers}"
        a, s = inputs(servers, reps, n, seed=servers)
        # the core's first call pays for fresh memory pages: the median of five is its speed;
        # SimPy and ciw run for seconds, so one call is enough for them
        t_core, w_core = timed(partial(core, a, s, servers), repeats=5)
        t_station, w_station = timed(partial(with_station, a, s, servers), repeats=1)
        t_simpy, w_simpy = timed(partial(with_simpy, a, s, servers), repeats=1)
        same = max(float(np.max(np.abs(w_core - w_simpy))), float(np.max(np.abs(w_core - w_station))))
        if same > 1e-6:
            raise SystemExit(f"{name}: SimPy, the station and the core disagree by {same}")
        t_ciw, m_ciw = timed(partial(with_ciw, servers, reps, n), repeats=1)
        est_core = mean_ci(w_core[:, n // 10:].mean(axis=1), level=0.99)
        est_ciw = mean_ci(m_ciw, level=0.99)
        theory = mm1_wait(RHO, 1.0) if servers == 1 else mmc_wait(RHO * servers, 1.0, servers)
        agree = abs(est_core.mean - est_ciw.mean) <= est_core.half_width + est_ciw.half_width
        results[name] = {
            "customers": total, "replications": reps,
            "core_s": t_core, "station_s": t_station, "simpy_s": t_simpy, "ciw_s": t_ciw,
            "core_vs_simpy": t_simpy / t_core, "core_vs_ciw": t_ciw / t_core,
            "station_vs_simpy": t_simpy / t_station,
            "simpy_equals_core_max_abs": same,
            "wait_core": est_core.as_dict(), "wait_ciw": est_ciw.as_dict(), "wait_theory": theory,
            "core_and_ciw_agree": bool(agree),
        }
        print(f"{name}, rho {RHO}, {total:,} customers ({reps} replications x {n:,})")
        for label, t in (("core", t_core), ("station", t_station), ("SimPy", t_simpy), ("ciw", t_ciw)):
            print(f"  {label:7s} {t:8.3f} s   {total / t:12,.0f} customers/s")
        print(f"  station vs SimPy {t_simpy / t_station:6.1f} x   "
              "(one step per vehicle against a process and a Resource)")
        print(f"  core vs SimPy {t_simpy / t_core:9.0f} x   (target >= 500 x on M/M/1)")
        print(f"  core vs ciw   {t_ciw / t_core:9.0f} x   (target >= 50 x on M/M/3)")
        print(f"  mean wait: core {est_core.mean:.4f} ± {est_core.half_width:.4f}, "
              f"ciw {est_ciw.mean:.4f} ± {est_ciw.half_width:.4f} (99% CI), theory {theory:.4f}; "
              f"station and SimPy = core to {same:.1e}")
    where = record("queues", {"quick": quick, **results})
    print(f"figures written to {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
