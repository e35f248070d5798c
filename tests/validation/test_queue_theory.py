"""The engine against queueing theory, and against the NumPy kernels on identical inputs.

Each scenario is a textbook queue (queue_scenarios.py). Mean waits in queue over replications
must contain the formula in their 99% confidence interval, or lie within 3% of it; the
interval must be narrow enough (here under 25% of the formula) for that to mean something.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from validation.queue_scenarios import SERVICE_MEAN_MIN, queue_scenario

from corridor import simulate
from corridor.kernels import mean_ci, multi_server_waits
from corridor.kernels.theory import md1_wait, mg1_wait, mm1_wait, mmc_wait
from corridor.scenario.schema import Disruption

MU = 1.0 / SERVICE_MEAN_MIN

# Run lengths sized with the kernels so that 20 replications give a 99% interval of about
# 5-15% of the formula; fewer replications make the t-interval unreliable for these
# heavy-tailed means (a small sample standard deviation understates the spread). Heavy
# traffic (M/M/1, M/M/4, M/D/1 and M/D/4 at 0.95; M/M/2, M/M/6 and M/D/2 at 0.9) is checked
# in test_queue_independent.py and test_queue_formulas.py, against references that do not
# share ``kernels.theory``.
CASES = [
    # model, servers, rho, days, replications
    ("M/M", 1, 0.3, 120, 20),
    ("M/M", 1, 0.6, 250, 20),
    ("M/M", 3, 0.3, 60, 20),
    ("M/M", 3, 0.6, 120, 20),
    ("M/D", 1, 0.3, 120, 20),
    ("M/D", 1, 0.6, 250, 20),
]


def theory(model: str, servers: int, rho: float) -> float:
    lam = rho * servers * MU
    if model == "M/D":
        return md1_wait(lam, SERVICE_MEAN_MIN)
    return mm1_wait(lam, MU) if servers == 1 else mmc_wait(lam, MU, servers)


@pytest.mark.parametrize(("model", "servers", "rho", "days", "reps"), CASES,
                         ids=[f"{m}/{c}-rho{r}" for m, c, r, _, _ in CASES])
def test_mean_wait_matches_theory(model, servers, rho, days, reps) -> None:
    result = simulate(queue_scenario(model, servers, rho, days=days, replications=reps))
    waits = [k["stations"]["B"]["mean_wait_min"] for k in result.kpis]
    est = mean_ci(waits, level=0.99)
    want = theory(model, servers, rho)
    assert est.contains(want) or abs(est.mean - want) <= 0.03 * want, (est, want)
    assert est.half_width < 0.25 * want, f"interval too wide to test anything: {est}"
    # Little's law, two witnesses: L from the vehicle log's time integral, lambda x W from
    # the per-unit records; they differ by edge effects only, which average out
    little = [(k["stations"]["B"]["little_L_units"], k["stations"]["B"]["little_lambda_W_units"])
              for k in result.kpis]
    diff = mean_ci([a - b for a, b in little], level=0.99)
    size = np.mean([a for a, _ in little])
    assert diff.contains(0.0) or abs(diff.mean) <= 0.01 * size, (diff, size)


# Corners the cases above leave out, against exact results: Pollaczek-Khinchine for M/G/1 with
# service CV 2 (gamma), 0.5 (lognormal) and 0.58 (uniform), variances written from the YAML's
# numbers; Erlang C with eight servers.
GENERAL = [
    # service time (mean 60 min), its variance, servers, rho, days
    ("{dist: gamma, mean_min: 60, sd_min: 120}", 120.0**2, 1, 0.6, 400),
    ("{dist: lognormal, mean_min: 60, sd_min: 30}", 30.0**2, 1, 0.85, 300),
    ("{dist: uniform, low_min: 0, high_min: 120}", 120.0**2 / 12, 1, 0.8, 300),
    ("{dist: exponential, mean_min: 60}", 60.0**2, 8, 0.7, 40),
]


@pytest.mark.parametrize(("service", "variance", "servers", "rho", "days"), GENERAL,
                         ids=["M/G/1-gamma-cv2", "M/G/1-lognormal-cv0.5", "M/G/1-uniform", "M/M/8"])
def test_mean_wait_matches_theory_beyond_exponential_and_three_servers(service, variance, servers, rho,
                                                                        days) -> None:
    result = simulate(queue_scenario("M/G", servers, rho, days=days, replications=20, service=service))
    lam = rho * servers * MU
    want = mg1_wait(lam, SERVICE_MEAN_MIN, variance) if servers == 1 else mmc_wait(lam, MU, servers)
    est = mean_ci([k["stations"]["B"]["mean_wait_min"] for k in result.kpis], level=0.99)
    assert est.contains(want) or abs(est.mean - want) <= 0.03 * want, (est, want)
    assert est.half_width < 0.25 * want, f"interval too wide to test anything: {est}"
    util = mean_ci([k["stations"]["B"]["utilisation"] for k in result.kpis], level=0.99)
    assert util.contains(rho) or abs(util.mean - rho) <= 0.01 * rho, (util, rho)


@pytest.mark.parametrize("servers", [1, 2, 3])
def test_engine_equals_kernel_on_identical_inputs(servers) -> None:
    """Same arrival and service times -> the same waits, to 1e-9, in every replication."""
    result = simulate(queue_scenario("M/M", servers, 0.85, days=60, replications=3))
    for rec in result.records:
        log = rec.stations["B"]
        arrive, start, end = log["arrive_min"], log["start_min"], log["end_min"]
        done = np.isfinite(end)
        assert done.all()
        order = np.argsort(arrive, kind="stable")
        a, service = arrive[order], (end - start)[order]
        expected = multi_server_waits(a, service, servers)
        np.testing.assert_allclose((start - arrive)[order], expected, rtol=0, atol=1e-9)
        assert expected.max() > 0  # the queue really formed


def test_the_largest_queue_counts_the_queue_carried_into_the_window() -> None:
    """A closure in the warm-up leaves a queue that drains after it: the largest queue of the
    window [warm-up, horizon) is the one there when the window opens. Brute force: the vehicles
    waiting (arrived, not started) at the window's start and after every arrival or start in it."""
    s = queue_scenario("M/D", 1, 0.3, days=40, replications=6)  # warm-up: the first two days
    shut = Disruption(id="SHUT", target="B", start=s.run.epoch + dt.timedelta(hours=2),
                      end=s.run.epoch + dt.timedelta(hours=45.5), capacity_factor=0.0)
    result = simulate(s.model_copy(update={"disruptions": [shut]}))
    warmup, horizon = s.run.warmup_days * 1440.0, s.run.horizon_days * 1440.0
    carried = 0
    for rec, kpis in zip(result.records, result.kpis, strict=True):
        log = rec.stations["B"]
        arrive, start = log["arrive_min"], log["start_min"]
        moments = np.r_[arrive, start]
        moments = np.r_[warmup, moments[(moments >= warmup) & (moments < horizon)]]
        waiting = [int(np.sum((arrive <= t) & (start > t))) for t in moments]
        assert kpis["stations"]["B"]["max_queue"] == max(waiting)
        carried += waiting[0] > max(waiting[1:])
    assert carried > 0  # the queue at the window's start was the largest in some replication
