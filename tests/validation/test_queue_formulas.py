"""The simulated station against queueing formulas written here, on parameters the other
queue tests leave out.

test_queue_theory.py checks M/M/1, M/M/3, M/M/8 and M/D/1 against corridor's own
``kernels.theory``, and accepts a mean within 3% of it. Here the formulas are written again
another way (Erlang C through the Erlang B recursion; Pollaczek-Khinchine with the second
moment written from the YAML's numbers), and each check is a 99.9% t-interval over 20
independent replications (scipy's t quantile), with no other slack: M/M/c for c = 2, 4, 5
and 6 at utilisation up to 0.9, the probability of waiting (Erlang C itself) and the tail
P(W > t) from every vehicle's own record, M/G/1 with triangular and heavy lognormal
service, a capacity cut in force all run long (a service takes 1/f as long), outside
traffic sharing the station with the modelled vehicles, and evenly spaced arrivals (D/M/1,
G/M/1's root).

A run starts empty and ends cut at the horizon plus a day: the first is why each run drops a
twentieth as warm-up, the second is why a wait cut at the end is one of a handful at most.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from scipy import optimize, stats
from validation.queue_scenarios import SERVICE_MEAN_MIN, queue_scenario

from corridor import simulate
from corridor.scenario.schema import Disruption

LEVEL = 0.999
REPS = 20


def erlang_c(c: int, offered: float) -> float:
    """P(an arrival waits) in M/M/c with ``offered`` Erlangs, by the Erlang B recursion."""
    b = 1.0
    for k in range(1, c + 1):
        b = offered * b / (k + offered * b)
    rho = offered / c
    return b / (1.0 - rho * (1.0 - b))


def interval(values: list[float]) -> tuple[float, float]:
    x = np.asarray(values, dtype=float)
    half = stats.t.ppf(0.5 + LEVEL / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
    return float(x.mean() - half), float(x.mean() + half)


def assert_within(values: list[float], want: float, what: str, *, width: float = 0.25) -> None:
    lo, hi = interval(values)
    assert lo <= want <= hi, f"{what}: {want:.4g} outside [{lo:.4g}, {hi:.4g}]"
    # an interval this narrow says something: under a quarter of the formula either side
    assert hi - lo < 2 * width * want, f"{what}: interval [{lo:.4g}, {hi:.4g}] too wide for {want:.4g}"


def window_waits(result, scenario) -> list[np.ndarray]:  # noqa: ANN001
    """Per replication, the waits of the vehicles that reached the station in [warm-up, horizon)."""
    warmup, horizon = scenario.run.warmup_days * 1440.0, scenario.run.horizon_days * 1440.0
    out = []
    for rec in result.records:
        log = rec.stations["B"]
        seen = (log["arrive_min"] >= warmup) & (log["arrive_min"] < horizon)
        out.append(log["start_min"][seen] - log["arrive_min"][seen])
    return out


MMC = [  # servers, utilisation, days
    (2, 0.9, 200),
    (4, 0.8, 80),
    (5, 0.5, 100),
    (6, 0.9, 100),
]


@pytest.mark.parametrize(("servers", "rho", "days"), MMC, ids=[f"M/M/{c}-rho{r}" for c, r, _ in MMC])
def test_mmc_waits_probability_of_waiting_and_tail(servers, rho, days) -> None:
    scenario = queue_scenario("M/M", servers, rho, days=days, replications=REPS, seed=11)
    result = simulate(scenario, workers=2)
    mu = 1.0 / SERVICE_MEAN_MIN
    lam = rho * servers * mu
    c_wait = erlang_c(servers, lam / mu)
    drain = servers * mu - lam  # the rate of the wait's exponential tail
    assert_within([k["stations"]["B"]["mean_wait_min"] for k in result.kpis], c_wait / drain, "mean wait")
    waits = window_waits(result, scenario)
    assert_within([float(np.mean(w > 0)) for w in waits], c_wait, "P(wait > 0)")
    t = 1.0 / drain
    assert_within([float(np.mean(w > t)) for w in waits], c_wait * math.exp(-1.0), f"P(wait > {t:.0f} min)")
    assert_within([k["stations"]["B"]["utilisation"] for k in result.kpis], rho, "utilisation", width=0.05)


# second moments written from the YAML: triangular (a^2 + b^2 + c^2 + ab + ac + bc) / 6;
# lognormal by mean and sd, E[S^2] = sd^2 + mean^2
SIGMA2 = math.log(1.0 + (90.0 / 60.0) ** 2)  # the lognormal's log-variance from its mean and sd
MG1 = [  # service time (mean 60 min), E[S^2], the same distribution in scipy, utilisation, days
    ("{dist: triangular, low_min: 20, mode_min: 30, high_min: 130}",
     (20**2 + 30**2 + 130**2 + 20 * 30 + 20 * 130 + 30 * 130) / 6,
     stats.triang(c=(30 - 20) / (130 - 20), loc=20, scale=130 - 20), 0.85, 300),
    ("{dist: lognormal, mean_min: 60, sd_min: 90}", 90.0**2 + 60.0**2,
     stats.lognorm(s=math.sqrt(SIGMA2), scale=60.0 * math.exp(-SIGMA2 / 2)), 0.7, 400),
]


@pytest.mark.parametrize(("service", "second_moment", "dist", "rho", "days"), MG1,
                         ids=["M/G/1-triangular", "M/G/1-lognormal-cv1.5"])
def test_mg1_by_pollaczek_khinchine(service, second_moment, dist, rho, days) -> None:
    scenario = queue_scenario("M/G", 1, rho, days=days, replications=REPS, seed=12, service=service)
    result = simulate(scenario, workers=2)
    lam = rho / SERVICE_MEAN_MIN
    want = lam * second_moment / (2.0 * (1.0 - rho))
    assert_within([k["stations"]["B"]["mean_wait_min"] for k in result.kpis], want, "mean wait")
    # P(wait > 0) in M/G/1 is rho, whatever the service time
    assert_within([float(np.mean(w > 0)) for w in window_waits(result, scenario)], rho, "P(wait > 0)",
                  width=0.05)
    # the wait's interval with a heavy tail is wide (+-17% for the lognormal): the service times
    # themselves, every one the station served, against the distribution the YAML describes
    for rec in result.records[:3]:
        log = rec.stations["B"]
        assert stats.kstest(log["end_min"] - log["start_min"], dist.cdf).pvalue > 1 - LEVEL


def test_a_capacity_cut_all_run_long_is_a_slower_server() -> None:
    # fixed 30-minute service at half capacity: M/D/1 with 60 minutes, at utilisation 0.8
    # (the arrivals are those of 0.4 on the 30-minute service)
    scenario = queue_scenario("M/D", 1, 0.8, days=250, replications=REPS, seed=13,
                              service="{dist: fixed, value_min: 30}")
    epoch = scenario.run.epoch
    cut = Disruption(id="HALF", target="B", start=epoch - dt.timedelta(days=1),
                     end=epoch + dt.timedelta(days=scenario.run.horizon_days + scenario.run.drain_days + 1),
                     capacity_factor=0.5)
    scenario = scenario.model_copy(update={"disruptions": [cut]})
    result = simulate(scenario, workers=2)
    lam, service = 0.8 / SERVICE_MEAN_MIN, 2 * 30.0
    rho = lam * service
    want = lam * service**2 / (2.0 * (1.0 - rho))
    assert_within([k["stations"]["B"]["mean_wait_min"] for k in result.kpis], want, "mean wait")
    assert_within([k["stations"]["B"]["utilisation"] for k in result.kpis], rho, "utilisation", width=0.05)
    for rec in result.records:
        log = rec.stations["B"]
        np.testing.assert_allclose(log["end_min"] - log["start_min"], 60.0)


@pytest.mark.parametrize(("servers", "rho", "outside", "days"), [(2, 0.85, 0.5, 150), (1, 0.8, 0.75, 200)],
                         ids=["M/M/2-half-outside", "M/M/1-three-quarters-outside"])
def test_outside_traffic_joins_the_poisson_stream(servers, rho, outside, days) -> None:
    # outside vehicles (background_per_day, drawn in advance, admitted just before the next
    # modelled vehicle) and the modelled trucks are two Poisson streams: together one, at the
    # sum of their rates, so the station is M/M/c at the total load, and by PASTA the modelled
    # vehicles alone wait as long on average as all of them
    base = queue_scenario("M/M", servers, rho * (1 - outside), days=days, replications=REPS, seed=14)
    mu = 1.0 / SERVICE_MEAN_MIN
    per_day = rho * outside * servers * mu * 1440.0
    places = [p.model_copy(update={"background_per_day": per_day}) if p.id == "B" else p for p in base.places]
    scenario = base.model_copy(update={"places": places})
    result = simulate(scenario, workers=2)
    lam = rho * servers * mu
    want = erlang_c(servers, lam / mu) / (servers * mu - lam)
    warmup, horizon = scenario.run.warmup_days * 1440.0, scenario.run.horizon_days * 1440.0
    every, modelled, share = [], [], []
    for rec in result.records:
        log = rec.stations["B"]
        seen = (log["arrive_min"] >= warmup) & (log["arrive_min"] < horizon)
        wait = (log["start_min"] - log["arrive_min"])[seen]
        every.append(float(wait.mean()))
        modelled.append(float(wait[log["units"][seen] > 0].mean()))
        share.append(float(np.mean(log["units"][seen] == 0)))
    assert_within(every, want, "mean wait, every vehicle")
    assert_within(modelled, want, "mean wait, modelled vehicles")
    assert_within(share, outside, "share of outside vehicles", width=0.05)
    assert_within([k["stations"]["B"]["utilisation"] for k in result.kpis], rho, "utilisation", width=0.05)


def dm1_sigma(rho: float) -> float:
    """The root in (0, 1) of sigma = exp(-(1 - sigma) / rho): D/M/1's probability of waiting
    (G/M/1 with the deterministic gap's transform exp(-s T), s = mu (1 - sigma), mu T = 1 / rho)."""
    return float(optimize.brentq(lambda x: x - math.exp(-(1.0 - x) / rho), 1e-12, 1.0 - 1e-12))


@pytest.mark.parametrize(("rho", "days"), [(0.7, 200), (0.9, 400)], ids=["D/M/1-rho0.7", "D/M/1-rho0.9"])
def test_evenly_spaced_arrivals_are_d_m_1(rho, days) -> None:
    # arrivals: uniform (evenly spaced) single-container trucks into one exponential server:
    # P(wait > 0) = sigma and the mean wait sigma / (mu (1 - sigma))
    base = queue_scenario("M/M", 1, rho, days=days, replications=REPS, seed=15)
    demand = [d.model_copy(update={"arrivals": "uniform"}) for d in base.demand]
    scenario = base.model_copy(update={"demand": demand})
    result = simulate(scenario, workers=2)
    sigma = dm1_sigma(rho)
    want = sigma * SERVICE_MEAN_MIN / (1.0 - sigma)
    assert_within([k["stations"]["B"]["mean_wait_min"] for k in result.kpis], want, "mean wait")
    waits = window_waits(result, scenario)
    assert_within([float(np.mean(w > 0)) for w in waits], sigma, "P(wait > 0)", width=0.05)
    gaps = np.diff(np.sort(result.records[0].stations["B"]["arrive_min"]))
    np.testing.assert_allclose(gaps, SERVICE_MEAN_MIN / rho, rtol=1e-9)  # evenly spaced indeed
