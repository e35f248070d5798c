"""Queues of units for dispatched vehicles, against independent_refs: a shared fleet of K
single-container vehicles is an M/D/K queue (Crommelin's chain), a vehicle that leaves when full
or at a cut-off has a closed form (integrated with scipy), and a station shut four hours of
every day against a long plain loop of the documented rule.

Per case 20 replications, 99.9% t-intervals, as in test_queue_independent.py.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap

import numpy as np
import pytest
import yaml
from scipy import stats
from validation.independent_refs import (
    check,
    closed_station_plain_loop,
    cutoff_plain_loop,
    cutoff_wait,
    mdc_by_chain,
    paths_wait,
    station_scenario,
    t_interval,
)

from corridor import simulate
from corridor.scenario.schema import Disruption, Scenario

REPS = 20


def dispatch_scenario(lam: float, dispatch: str, capacity: int, duration: float, *, days: int, seed: int,
                      fleet: str = "") -> Scenario:
    text = textwrap.dedent(f"""\
        name: qtrial-dispatch
        run: {{start: 2027-01-04, horizon_days: {days}, warmup_days: {max(1, days // 10)},
              drain_days: 40, replications: {REPS}, seed: {seed}}}
        places:
          - {{id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}}
          - {{id: B, name: B, kind: rail_terminal, country: KZ, lat: 45, lon: 81, tz: UTC}}
        services:
          - {{id: SHUTTLE, mode: rail, unit: feu, stops: [A, B], dispatch: {dispatch},
             duration_min: {duration!r}, capacity: {capacity}}}
        demand:
          - {{id: F, kind: cargo, from: A, to: B, per_week: {lam * 10080.0!r}}}
        {fleet}""")
    return Scenario.model_validate(yaml.safe_load(text))


def unit_waits(result) -> list[np.ndarray]:  # noqa: ANN001
    out = []
    for rec in result.records:
        u = rec.units
        seen = (u["created_min"] >= rec.warmup_min) & (u["created_min"] < rec.horizon_min)
        assert np.isfinite(u["first_departure_min"][seen]).all()
        out.append(u["first_departure_min"][seen] - u["created_min"][seen])
    return out


FLEET = [  # vehicles, load, running time (min), return factor, turnaround (min), days
    (1, 0.7, 60.0, 1.0, 0.0, 300),
    (2, 0.9, 120.0, 1.0, 0.0, 400),
    (3, 0.85, 200.0, 0.5, 100.0, 300),
    (5, 0.8, 300.0, 1.0, 0.0, 300),
    (12, 0.95, 720.0, 1.0, 0.0, 400),
]


@pytest.mark.parametrize(("vehicles", "load", "running", "back", "turnaround", "days"), FLEET,
                         ids=[f"M/D/{k}-fleet-load{r}-return{b}" for k, r, _, b, _, _ in FLEET])
def test_a_fleet_of_single_container_vehicles_is_m_d_k(vehicles, load, running, back, turnaround,
                                                       days) -> None:
    # a container forms a vehicle at once (capacity 1, cut-off 0) and waits for one of the
    # fleet's; that one is back return_factor x the running time + the turnaround after it
    # was unloaded at the far end: the fleet is K servers of a fixed service time, the round trip
    round_trip = running * (1 + back) + turnaround
    lam = load * vehicles / round_trip
    fleet = (f"fleets: [{{id: FL, vehicles: {vehicles}, return_factor: {back!r}, "
             f"turnaround_min: {turnaround!r}}}]")
    s = dispatch_scenario(lam, "{cutoff_min: 0, fleet: FL}", 1, running, days=days,
                          seed=500 + vehicles, fleet=fleet)
    result = simulate(s, workers=2)
    want = mdc_by_chain(vehicles, lam, round_trip)
    waits = unit_waits(result)
    fl = [k["fleets"]["FL"] for k in result.kpis]
    width = 0.35 if load >= 0.95 else 0.25
    fails = [check([float(w.mean()) for w in waits], want["wait"], "mean wait for a vehicle (min)",
                   width=width),
             check([f["mean_wait_h"] * 60.0 for f in fl], want["wait"], "fleet KPI mean_wait_h x 60",
                   width=width),
             check([f["waited_share"] for f in fl], want["p_wait"], "fleet KPI waited_share", width=0.1),
             check([f["busy"] for f in fl], load, "fleet KPI busy", width=0.05)]
    fails = [f for f in fails if f]
    assert not fails, "\n".join(fails)


CUTOFF = [  # capacity, units a minute, cut-off (min), days
    (2, 1 / 30, 100.0, 200),
    (5, 1 / 60, 240.0, 300),
    (10, 0.1, 60.0, 60),
    (40, 0.05, 600.0, 150),
]


@pytest.mark.parametrize(("capacity", "lam", "cutoff", "days"), CUTOFF,
                         ids=[f"C{c}-cutoff{x:.0f}" for c, _, x, _ in CUTOFF])
def test_full_or_at_the_cutoff(capacity, lam, cutoff, days) -> None:
    s = dispatch_scenario(lam, f"{{cutoff_min: {cutoff!r}}}", capacity, 60.0, days=days,
                          seed=600 + capacity)
    result = simulate(s, workers=2)
    want = cutoff_wait(lam, capacity, cutoff)
    waits = unit_waits(result)
    loads = []
    for rec in result.records:
        trips = rec.trips
        assert trips is not None
        loads.append(float(trips["boarded"][trips["scheduled_min"] >= rec.warmup_min].mean()))
        assert trips["boarded"].max() <= capacity
    fails = [check([float(w.mean()) for w in waits], want["wait"], "mean wait (min)", width=0.05),
             check([float(np.max(w)) for w in waits], cutoff, "no wait beyond the cut-off", width=math.inf)
             if any(float(np.max(w)) > cutoff + 1e-6 for w in waits) else "",
             check(loads, want["load"], "containers a vehicle", width=0.05)]
    fails = [f for f in fails if f]
    assert not fails, "\n".join(fails)


PATHS = [  # paths a day, load, days, width of the mean wait's interval
    (1, 0.8, 3650, 0.2),
    (3, 0.9, 3650, 0.25),
    (10, 0.7, 1500, 0.2),
    (24, 0.9, 1000, 0.3),
]


@pytest.mark.parametrize(("per_day", "load", "days", "width"), PATHS,
                         ids=[f"{n}-paths-a-day-load{r}" for n, r, _, _ in PATHS])
def test_daily_departure_paths_against_the_backlog_chain(per_day, load, days, width) -> None:
    # single-container vehicles that leave at once, each on one of the day's paths (UTC days):
    # when they are taken, at the start of the first day with one left
    lam = load * per_day / 1440.0
    s = dispatch_scenario(lam, f"{{cutoff_min: 0, paths_per_day: {per_day}}}", 1, 60.0, days=days,
                          seed=550 + per_day)
    result = simulate(s, workers=2)
    want = paths_wait(per_day, lam)
    waits = unit_waits(result)
    util = [k["paths"]["SHUTTLE"]["utilisation"] for k in result.kpis]
    fails = [check([float(w.mean()) for w in waits], want["wait"], "mean wait (min)", width=width),
             check([float(np.mean(w > 0)) for w in waits], want["waited"], "share that wait", width=0.15),
             check(util, load, "paths utilisation", width=0.05)]
    fails = [f for f in fails if f]
    assert not fails, "\n".join(fails)


def test_the_cutoff_formula_against_a_plain_loop() -> None:
    rng = np.random.default_rng(7)
    for lam, capacity, cutoff in [(1 / 60, 5, 240.0), (0.1, 10, 60.0), (1 / 30, 2, 100.0)]:
        runs = [cutoff_plain_loop(lam, capacity, cutoff, 20_000, rng) for _ in range(12)]
        assert not check(runs, cutoff_wait(lam, capacity, cutoff)["wait"], "plain loop", width=0.05)
        assert check(runs, cutoff_wait(lam * 1.05, capacity, cutoff)["wait"], "5% more arrivals",
                     width=0.05)


CLOSED = [  # servers, utilisation, service, days
    (1, 0.6, "exponential", 300),
    (2, 0.75, "fixed", 200),
    (3, 0.7, "exponential", 150),
]


def draw(kind: str):  # noqa: ANN201
    if kind == "fixed":
        return lambda rng, n: np.full(n, 60.0)
    return lambda rng, n: rng.exponential(60.0, n)


@pytest.mark.parametrize(("servers", "rho", "kind", "days"), CLOSED,
                         ids=[f"{k}-c{c}-rho{r}-shut-4h-a-day" for c, r, k, _ in CLOSED])
def test_a_station_shut_four_hours_every_day(servers, rho, kind, days) -> None:
    lam = rho * servers / 60.0
    service = "{dist: fixed, value_min: 60}" if kind == "fixed" else "{dist: exponential, mean_min: 60}"
    base = station_scenario(servers, lam, service, days=days, replications=REPS, seed=700 + servers)
    epoch = base.run.epoch
    shut = [Disruption(id=f"NIGHT{d}", target="B", start=epoch + dt.timedelta(days=d),
                       end=epoch + dt.timedelta(days=d, hours=4), capacity_factor=0.0)
            for d in range(base.run.horizon_days + base.run.drain_days + 1)]
    result = simulate(base.model_copy(update={"disruptions": shut}), workers=2)
    rng = np.random.default_rng(servers)
    refs = [closed_station_plain_loop(servers, lam, draw(kind), (0.0, 240.0), 150_000, rng)
            for _ in range(10)]
    ref_wait = np.array([r["wait"] for r in refs])
    st = [k["stations"]["B"] for k in result.kpis]
    sim = np.array([s["mean_wait_min"] for s in st])
    # the difference of two independent means, Welch's interval at 99.9%
    v1, v2 = sim.var(ddof=1) / sim.size, ref_wait.var(ddof=1) / ref_wait.size
    se = math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1**2 / (sim.size - 1) + v2**2 / (ref_wait.size - 1))
    diff = float(sim.mean() - ref_wait.mean())
    z = stats.t.ppf(0.9995, df)
    assert abs(diff) <= z * se, (f"mean wait: engine {sim.mean():.4g} {t_interval(sim)}, plain loop "
                                 f"{ref_wait.mean():.4g} (se {math.sqrt(v2):.2g})")
    assert z * se < 0.25 * ref_wait.mean()
    fails = [check([s["utilisation"] for s in st], rho, "utilisation", width=0.05)]
    span = (base.run.horizon_days - base.run.warmup_days) * 1440.0
    little = [s["mean_queue"] - s["vehicles"] / span * s["mean_wait_min"] for s in st]
    size = float(np.mean([s["mean_queue"] for s in st]))
    if check(little, 0.0, "Little", width=math.inf) and abs(float(np.mean(little))) > 0.01 * size:
        fails.append(check(little, 0.0, "Little: L - lambda W", width=math.inf))
    # nothing starts while shut
    for rec in result.records:
        start = rec.stations["B"]["start_min"]
        assert not np.any(np.mod(start, 1440.0) < 240.0 - 1e-9)
    fails = [f for f in fails if f]
    assert not fails, "\n".join(fails)
