"""Single stations against references written in tests/validation/independent_refs.py (Markov
chains solved with NumPy, Pollaczek-Khinchine from the moments), on parameters the other queue
tests leave out: M/M/c for c = 1..6 up to utilisation 0.95, M/D/c (exact, Crommelin's chain)
for c = 1..6, M/E_k/1 (gamma service of shape k) and a station shut a fixed part of every day
against a plain loop written here.

For every case, over 20 independent replications, each a 99.9% t-interval with no other slack:
the mean wait (the ``mean_wait_min`` KPI), the share of vehicles that wait (from the vehicle
log), utilisation, the time-average number of vehicles waiting (``mean_queue``) against
lambda Wq of the formula, and Little's law inside each run: ``mean_queue`` against the run's
own arrival rate x its own mean wait. Runs drop a tenth as warm-up (they start empty) and
drain five days (so hardly a wait is cut at the end).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from validation.independent_refs import (
    bulk_wait,
    check,
    mdc_by_chain,
    mmc_by_chain,
    pk_wait,
    station_scenario,
)
from validation.test_queue_formulas import window_waits

from corridor import simulate

MEAN = 60.0  # minutes of service, on average
REPS = 20


def station_failures(servers: int, rho: float, service: str, want: dict[str, float], days: int,
                     seed: int, *, wait_width: float = 0.25) -> list[str]:
    lam = rho * servers / MEAN
    scenario = station_scenario(servers, lam, service, days=days, replications=REPS, seed=seed)
    result = simulate(scenario, workers=2)
    st = [k["stations"]["B"] for k in result.kpis]
    span = (scenario.run.horizon_days - scenario.run.warmup_days) * 1440.0
    waits = window_waits(result, scenario)
    fails = [
        check([s["mean_wait_min"] for s in st], want["wait"], "mean wait (min)", width=wait_width),
        check([s["utilisation"] for s in st], rho, "utilisation", width=0.05),
        check([s["mean_queue"] for s in st], lam * want["wait"], "time-average vehicles waiting",
              width=wait_width),
    ]
    if "p_wait" in want:
        fails.append(check([float(np.mean(w > 0)) for w in waits], want["p_wait"], "P(wait > 0)",
                           width=0.1))
    # the KPI's mean wait is the mean of the vehicle log's waits (a run that drains cuts none)
    for s, w in zip(st, waits, strict=True):
        assert s["unserved"] == 0
        assert math.isclose(s["mean_wait_min"], float(w.mean()), rel_tol=1e-9)
    # Little inside each run: L (time average) - (arrivals / span) x W; edge effects only
    diff = [s["mean_queue"] - s["vehicles"] / span * s["mean_wait_min"] for s in st]
    size = float(np.mean([s["mean_queue"] for s in st]))
    little = check(diff, 0.0, "Little: L - lambda W", width=math.inf)
    if little and abs(float(np.mean(diff))) > 0.01 * size:
        fails.append(little + f" (L about {size:.4g})")
    return [f for f in fails if f]


# At utilisation 0.95 a run of ~20 s holds the mean wait to +-25-35% only (99.9%, 20
# replications): the width allowed there says so; elsewhere it is 25%.
HEAVY = 0.35

MMC = [  # servers, utilisation, days, width (the other queue tests have 1: .3 .6, 2: .9,
    # 3: .3 .6, 4: .8, 5: .5, 6: .9, 8: .7). Heavy traffic once with one server and once with
    # several: each case at 0.95 costs about a minute and a half of CI
    (1, 0.45, 150, 0.25),
    (1, 0.75, 300, 0.25),
    (1, 0.95, 1000, HEAVY),
    (2, 0.3, 300, 0.25),
    (3, 0.8, 150, 0.25),
    (4, 0.35, 250, 0.25),
    (4, 0.95, 300, HEAVY),
    (5, 0.85, 120, 0.25),
    (6, 0.6, 60, 0.25),
]


@pytest.mark.parametrize(("servers", "rho", "days", "width"), MMC,
                         ids=[f"M/M/{c}-rho{r}" for c, r, _, _ in MMC])
def test_mmc_against_its_birth_death_chain(servers, rho, days, width) -> None:
    want = mmc_by_chain(servers, rho * servers / MEAN, 1.0 / MEAN)
    fails = station_failures(servers, rho, "{dist: exponential, mean_min: 60}", want, days,
                             seed=100 + 10 * servers + int(100 * rho), wait_width=width)
    assert not fails, "\n".join(fails)


MDC = [  # servers, utilisation, days, width (M/D/1 at .3 .6 .9 is in test_queue_theory.py)
    (1, 0.95, 600, HEAVY),
    (2, 0.5, 80, 0.25),
    (2, 0.9, 200, 0.25),
    (3, 0.75, 100, 0.25),
    (4, 0.95, 250, HEAVY),
    (6, 0.85, 80, 0.25),
]


@pytest.mark.parametrize(("servers", "rho", "days", "width"), MDC,
                         ids=[f"M/D/{c}-rho{r}" for c, r, _, _ in MDC])
def test_mdc_against_crommelins_chain(servers, rho, days, width) -> None:
    want = mdc_by_chain(servers, rho * servers / MEAN, MEAN)
    fails = station_failures(servers, rho, "{dist: fixed, value_min: 60}", want, days,
                             seed=200 + 10 * servers + int(100 * rho), wait_width=width)
    assert not fails, "\n".join(fails)


MEK1 = [  # Erlang phases k, utilisation, days
    (2, 0.8, 250),
    (4, 0.9, 400),
    (9, 0.5, 120),
]


@pytest.mark.parametrize(("k", "rho", "days"), MEK1, ids=[f"M/E{k}/1-rho{r}" for k, r, _ in MEK1])
def test_erlang_service_by_pollaczek_khinchine(k, rho, days) -> None:
    # gamma of mean m and sd m / sqrt(k) is Erlang-k: E[S^2] = (1 + 1/k) m^2; P(wait > 0) = rho
    sd = MEAN / math.sqrt(k)
    want = {"wait": pk_wait(rho / MEAN, MEAN, (1.0 + 1.0 / k) * MEAN**2), "p_wait": rho}
    fails = station_failures(1, rho, f"{{dist: gamma, mean_min: 60.0, sd_min: {sd!r}}}", want, days,
                             seed=300 + k)
    assert not fails, "\n".join(fails)


GENERAL = [  # service (YAML), mean, E[S^2], utilisation, days
    ("{dist: empirical, values_min: [10.0, 60.0, 200.0], weights: [0.5, 0.3, 0.2]}", 63.0,
     0.5 * 10.0**2 + 0.3 * 60.0**2 + 0.2 * 200.0**2, 0.75, 500),
    ("{dist: uniform, low_min: 40.0, high_min: 80.0}", 60.0, 60.0**2 + 40.0**2 / 12, 0.9, 300),
]


@pytest.mark.parametrize(("service", "mean", "second", "rho", "days"), GENERAL,
                         ids=["M/G/1-empirical-rho0.75", "M/G/1-uniform40-80-rho0.9"])
def test_other_service_times_by_pollaczek_khinchine(service, mean, second, rho, days) -> None:
    lam = rho / mean
    want = {"wait": pk_wait(lam, mean, second), "p_wait": rho}
    scenario = station_scenario(1, lam, service, days=days, replications=REPS, seed=350 + days)
    result = simulate(scenario, workers=2)
    st = [k["stations"]["B"] for k in result.kpis]
    waits = window_waits(result, scenario)
    fails = [check([s["mean_wait_min"] for s in st], want["wait"], "mean wait (min)"),
             check([s["utilisation"] for s in st], rho, "utilisation", width=0.05),
             check([float(np.mean(w > 0)) for w in waits], rho, "P(wait > 0)", width=0.1)]
    fails = [f for f in fails if f]
    assert not fails, "\n".join(fails)


@pytest.mark.parametrize(("servers", "rho", "days"), [(1, 0.8, 300), (2, 0.7, 150)],
                         ids=["M/M/1-rho0.8-customs", "M/M/2-rho0.7-customs"])
def test_customs_holds_and_littles_law_for_units(servers, rho, days) -> None:
    # a loaded vehicle is held after its service with probability 0.3 for an exponential time
    # of mean 120 min, off the servers: the queue is M/M/c still, and a container spends
    # Wq + 60 + 0.3 x 120 minutes at the station on average, so L (units there) = lambda x that
    lam = rho * servers / MEAN
    scenario = station_scenario(servers, lam, "{dist: exponential, mean_min: 60}", days=days,
                                replications=REPS, seed=800 + servers,
                                customs="{probability: 0.3, hold: {dist: exponential, mean_min: 120}}")
    result = simulate(scenario, workers=2)
    wq = mmc_by_chain(servers, lam, 1.0 / MEAN)["wait"]
    there = wq + MEAN + 0.3 * 120.0
    st = [k["stations"]["B"] for k in result.kpis]
    fails = [
        check([s["mean_wait_min"] for s in st], wq, "mean wait (min)"),
        check([s["utilisation"] for s in st], rho, "utilisation", width=0.05),
        check([s["little_L_units"] for s in st], lam * there, "L: units at the station", width=0.1),
        check([s["little_lambda_W_units"] for s in st], lam * there, "lambda W: units at the station",
              width=0.1),
        check([k["cargo"]["station_h"]["mean"] * 60.0 for k in result.kpis], there,
              "cargo station_h (min)", width=0.1),
        check([k["cargo"]["door_to_door_days"]["mean"] * 1440.0 for k in result.kpis], 30.0 + there,
              "door to door (min): 30 min drive + station", width=0.1),
    ]
    fails = [f for f in fails if f]
    assert not fails, "\n".join(fails)


def test_references_catch_a_wrong_answer() -> None:
    """Each reference, broken on purpose, lands outside a real run's interval: the checks above
    can fail."""
    lam = 0.9 / MEAN
    result = simulate(station_scenario(1, lam, "{dist: exponential, mean_min: 60}", days=400,
                                       replications=REPS, seed=5), workers=2)
    waits = [k["stations"]["B"]["mean_wait_min"] for k in result.kpis]
    assert not check(waits, mmc_by_chain(1, lam, 1 / MEAN)["wait"], "right")
    assert check(waits, mmc_by_chain(1, lam * 1.02, 1 / MEAN)["wait"], "rho 0.918 for 0.9")
    assert check(waits, mdc_by_chain(1, lam, MEAN)["wait"], "M/D/1 for M/M/1")
    assert check(waits, pk_wait(lam, MEAN, 1.5 * MEAN**2), "E2 for M")
    # the chains agree with the textbook where it has closed forms
    assert math.isclose(mmc_by_chain(1, lam, 1 / MEAN)["wait"], 0.9 * MEAN / 0.1, rel_tol=1e-9)
    assert math.isclose(mdc_by_chain(1, lam, MEAN)["wait"], 0.9 * MEAN / 0.2, rel_tol=1e-9)
    assert math.isclose(bulk_wait(1.0, 50, 0.5)["wait"], 0.5, rel_tol=1e-9)  # never full


def test_seasonal_arrivals_count_as_a_poisson_process_per_month() -> None:
    """Demand and outside traffic with twelve monthly factors: the units made (and the outside
    vehicles at B) in each calendar month, over 20 replications, against Poisson counts of
    rate x factor x the month's minutes inside the run (a chi-square over months, and every
    month's z under 4.5)."""
    factors = [0.2, 0.5, 1.0, 1.5, 2.0, 3.0, 2.5, 1.2, 0.8, 0.4, 0.1, 1.0]
    base = station_scenario(2, 0.3 / MEAN, "{dist: exponential, mean_min: 60}", days=700, replications=REPS,
                            seed=900)
    demand = [d.model_copy(update={"seasonality": factors}) for d in base.demand]
    places = [p.model_copy(update={"background_per_day": 3.0, "background_seasonality": factors[::-1]})
              if p.id == "B" else p for p in base.places]
    scenario = base.model_copy(update={"demand": demand, "places": places})
    result = simulate(scenario, workers=2)
    epoch = scenario.run.epoch
    horizon = scenario.run.horizon_days * 1440.0
    # month edges (minutes since the epoch) by the calendar, written here
    edges, months = [0.0], []
    y, m = epoch.year, epoch.month
    while edges[-1] < horizon:
        months.append(m - 1)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        edges.append(min(horizon, (epoch.replace(year=y, month=m, day=1) - epoch).total_seconds() / 60.0))
    minutes = np.diff(edges)
    lam = 0.3 / MEAN
    made = np.zeros(len(months))
    outside = np.zeros(len(months))
    for rec in result.records:
        made += np.histogram(rec.units["created_min"], bins=edges)[0]
        log = rec.stations["B"]
        outside += np.histogram(log["arrive_min"][log["units"] == 0], bins=edges)[0]
    for what, counts, rate, fs in (("demand", made, lam, factors), ("outside", outside, 3.0 / 1440.0,
                                                                     factors[::-1])):
        expected = REPS * rate * minutes * np.array([fs[k] for k in months])
        z = (counts - expected) / np.sqrt(expected)
        assert np.all(np.abs(z) < 4.5), (what, z.round(2))
        chi2 = float(np.sum(z**2))
        assert stats.chi2.sf(chi2, len(months)) > 1e-3, (what, chi2, len(months))
    # broken on purpose: factors a month late are far off
    late = REPS * lam * minutes * np.array([factors[(k + 1) % 12] for k in months])
    assert stats.chi2.sf(float(np.sum((made - late) ** 2 / late)), len(months)) < 1e-6
