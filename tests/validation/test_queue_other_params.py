"""Stations against queueing theory on parameters and cases the other queue tests leave out,
with references written in other_queue_refs.py (none of corridor's kernels or formulas).

* M/M/c with 7, 10 and 12 servers (up to utilisation 0.95; the others have c = 1-6 and 8):
  the mean wait, the probability of waiting and the tail P(W > t) against Erlang C computed
  from its defining sum.
* M/G/1 near saturation with a skewed triangular and a low-variance gamma service, against
  Pollaczek-Khinchine, with a KS test of the service times drawn.
* Exact witnesses: the start of every vehicle at single- and multi-server stations (1, 4 and
  12 servers, up to utilisation 0.97, non-exponential service) equals the Lindley /
  Kiefer-Wolfowitz recursion on the station's own arrival and service times; a closure and two
  capacity cuts equal a plain event loop fed the same arrivals and the service times of the
  same seed without them (common random numbers).
* Tandem stations: M/M/1 into a fixed-service station is M/D/1 at the second (Burke's
  theorem), Little's law at each from the records, and the second station's arrivals are the
  first's ends plus the drive.
* Two trains that reach a station at the same minute, listed in the other order than they
  leave: the one that left first is admitted first (docs/simulation.md, "One engine").
* A run that ends with vehicles queued: ``at_end``, ``unserved``, ``queue_at_end``,
  ``queue_at_horizon``, the waits, utilisation and Little's law of the KPIs against plain sums
  over the CSV records; the records byte for byte the same with one worker and with two.

Statistical checks are Student-t intervals over 20 independent replications at 99.9% (each
test makes several comparisons; at 99.9% a correct engine fails one about once in a thousand
per comparison) with no other slack; where the interval is asserted narrow as well, that says
the check could fail. Exact checks hold to 1e-9 minutes (float rounding of sums of minutes).
"""

from __future__ import annotations

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats
from validation.other_queue_refs import (
    MMc,
    erlang_c,
    fcfs_with_windows,
    kiefer_wolfowitz,
    lindley_single,
    pk_wait,
    scenario_from,
    station_scenario,
    station_yaml,
    t_interval,
    within,
)

from corridor import simulate

MEAN = 60.0
REPS = 20
LEVEL = 0.999
EXP = "{dist: exponential, mean_min: 60}"


def window(log: dict, rec) -> np.ndarray:  # noqa: ANN001
    a = log["arrive_min"]
    return (a >= rec.warmup_min) & (a < rec.horizon_min)


# ------------------------------------------------------------------------------ M/M/c

MMC = [  # servers, utilisation, days, warm-up days
    (7, 0.9, 20, 2),
    (10, 0.8, 15, 1),
    (12, 0.95, 30, 2),
]


def test_erlang_c_reference_against_closed_forms() -> None:
    for rho in (0.1, 0.5, 0.95):
        assert math.isclose(erlang_c(1, rho), rho, rel_tol=1e-12)
        assert math.isclose(erlang_c(2, 2 * rho), 2 * rho**2 / (1 + rho), rel_tol=1e-12)
    # M/M/12 at 0.95 by the Erlang B recursion, written out here as a cross-check
    b = 1.0
    for k in range(1, 13):
        b = 11.4 * b / (k + 11.4 * b)
    assert math.isclose(erlang_c(12, 11.4), b / (1 - 0.95 * (1 - b)), rel_tol=1e-12)


@pytest.mark.parametrize(("servers", "rho", "days", "warmup"), MMC,
                         ids=[f"M/M/{c}-rho{r}" for c, r, _, _ in MMC])
def test_mmc_wait_probability_of_waiting_and_tail(servers, rho, days, warmup) -> None:
    lam = rho * servers / MEAN
    q = MMc(servers, lam, 1.0 / MEAN)
    s = station_scenario(servers=servers, per_min=lam, service=EXP, days=days, replications=REPS,
                         seed=4000 + servers, warmup_days=warmup, drain_days=2)
    result = simulate(s, workers=1)
    st = [k["stations"]["S1"] for k in result.kpis]
    waits = []
    for rec in result.records:
        log = rec.stations["S1"]
        waits.append((log["start_min"] - log["arrive_min"])[window(log, rec)])
    t1, t3 = 1.0 / q.drain, 3.0 / q.drain
    fails = [
        within([x["mean_wait_min"] for x in st], q.wait, LEVEL, "mean wait"),
        within([np.mean(w > 0) for w in waits], q.p_wait, LEVEL, "P(wait > 0)"),
        within([np.mean(w > t1) for w in waits], q.tail(t1), LEVEL, "P(W > 1/(c mu - lambda))"),
        within([np.mean(w > t3) for w in waits], q.tail(t3), LEVEL, "P(W > 3/(c mu - lambda))"),
        within([x["utilisation"] for x in st], rho, LEVEL, "utilisation"),
    ]
    assert not [f for f in fails if f], "\n".join(f for f in fails if f)
    # narrow enough to mean something: the wait's interval within +-60% of it, P(wait)'s +-15%
    m, lo, hi = t_interval([x["mean_wait_min"] for x in st], LEVEL)
    assert hi - lo < 1.2 * q.wait, (m, lo, hi)
    m, lo, hi = t_interval([np.mean(w > 0) for w in waits], LEVEL)
    assert hi - lo < 0.3 * q.p_wait, (m, lo, hi)
    if servers == 12:
        # and the check rejects a wrong answer: Erlang C at 0.9 instead of 0.95
        assert not lo <= erlang_c(12, 0.9 * 12) <= hi


# ---------------------------------------------------------------- M/G/1, heavy traffic

TRI = stats.triang(c=(20 - 10) / (150 - 10), loc=10, scale=140)  # mean 60, skewed right
GAM = stats.gamma(a=9.0, scale=60.0 / 9.0)  # mean 60, sd 20
MG1 = [  # service YAML, scipy distribution, utilisation, days
    ("{dist: triangular, low_min: 10, mode_min: 20, high_min: 150}", TRI, 0.9, 150),
    ("{dist: gamma, mean_min: 60, sd_min: 20}", GAM, 0.93, 150),
]


@pytest.mark.parametrize(("service", "dist", "rho", "days"), MG1,
                         ids=["triangular-rho0.9", "gamma-cv1/3-rho0.93"])
def test_mg1_near_saturation_by_pollaczek_khinchine(service, dist, rho, days) -> None:
    lam = rho / MEAN
    second = dist.var() + dist.mean() ** 2
    assert math.isclose(dist.mean(), MEAN, rel_tol=1e-12)
    want = pk_wait(lam, MEAN, second)
    s = station_scenario(servers=1, per_min=lam, service=service, days=days, replications=REPS,
                         seed=4100 + days, warmup_days=days // 10, drain_days=3)
    result = simulate(s, workers=1)
    st = [k["stations"]["S1"] for k in result.kpis]
    waits, drawn = [], []
    for rec in result.records:
        log = rec.stations["S1"]
        waits.append((log["start_min"] - log["arrive_min"])[window(log, rec)])
        drawn.append(log["end_min"] - log["start_min"])
    fails = [
        within([x["mean_wait_min"] for x in st], want, LEVEL, "mean wait"),
        within([np.mean(w > 0) for w in waits], rho, LEVEL, "P(wait > 0) = rho"),
        within([x["utilisation"] for x in st], rho, LEVEL, "utilisation"),
    ]
    assert not [f for f in fails if f], "\n".join(f for f in fails if f)
    m, lo, hi = t_interval([x["mean_wait_min"] for x in st], LEVEL)
    assert hi - lo < want, (m, lo, hi)
    # the service times are the distribution's (one replication's, a few thousand draws)
    assert stats.kstest(drawn[0], dist.cdf).pvalue > 1e-3


# ------------------------------------------------------------------- exact witnesses

EXACT = [  # servers, service, utilisation, days
    (1, "{dist: lognormal, mean_min: 60, sd_min: 45}", 0.97, 120),
    (4, "{dist: uniform, low_min: 30, high_min: 90}", 0.95, 40),
    (12, "{dist: empirical, values_min: [20, 50, 200], weights: [0.5, 0.4, 0.1]}", 0.95, 10),
]


@pytest.mark.parametrize(("servers", "service", "rho", "days"), EXACT,
                         ids=[f"G/{c}-rho{r}" for c, _, r, _ in EXACT])
def test_every_start_is_the_recursion_on_the_stations_own_times(servers, service, rho, days) -> None:
    mean = 50.0 if servers == 12 else MEAN  # the empirical's weighted mean: 10 + 20 + 20
    lam = rho * servers / mean
    s = station_scenario(servers=servers, per_min=lam, service=service, days=days, replications=2,
                         seed=4200 + servers, warmup_days=1, drain_days=5)
    for rec in simulate(s, workers=1).records:
        log = rec.stations["S1"]
        a, start, end = log["arrive_min"], log["start_min"], log["end_min"]
        assert np.all(np.diff(a) >= 0) and np.isfinite(end).all()
        want = lindley_single(a, end - start) if servers == 1 else kiefer_wolfowitz(a, end - start, servers)
        np.testing.assert_allclose(start, want, rtol=0, atol=1e-9)
        assert np.mean(start > a) > 0.5  # the queue really formed


DISRUPTIONS = """\
  - {id: SHUT, target: S1, start: 2027-01-07T10:00:00+00:00, end: 2027-01-08T02:00:00+00:00}
  - {id: HALF, target: S1, start: 2027-01-10T00:00:00+00:00, end: 2027-01-12T00:00:00+00:00,
     capacity_factor: 0.5}
  - {id: QUARTER, target: S1, start: 2027-01-13T05:17:00+00:00, end: 2027-01-13T20:00:00+00:00,
     capacity_factor: 0.25}
"""
WINDOWS = [(3 * 1440 + 600, 4 * 1440 + 120, 0.0), (6 * 1440, 8 * 1440, 0.5),
           (9 * 1440 + 317, 9 * 1440 + 1200, 0.25)]


@pytest.mark.parametrize(("servers", "outside"), [(1, 0), (3, 0), (2, 20)], ids=["1", "3", "2-outside"])
def test_a_closure_and_cuts_against_a_plain_loop(servers, outside) -> None:
    """Arrivals during the closure wait for it to lift; work under a cut goes at its factor.
    The loop gets the arrivals of the disrupted run and the service times of the same seed
    without disruptions (a station draws them in order of admission, which is FIFO in both);
    ``outside``: outside vehicles a day among them (a third of the load with two servers)."""
    extra = f"background_per_day: {outside}" if outside else ""
    kw = dict(servers=servers, per_min=0.8 * servers / MEAN - outside / 1440.0,
              service="{dist: gamma, mean_min: 60, sd_min: 30}", days=14, replications=3,
              seed=4300 + servers, warmup_days=1, drain_days=4, first_station=extra)
    base = simulate(station_scenario(**kw), workers=1)
    cut = simulate(station_scenario(**kw, disruptions=DISRUPTIONS), workers=1)
    held = 0
    for b, c in zip(base.records, cut.records, strict=True):
        lb, lc = b.stations["S1"], c.stations["S1"]
        np.testing.assert_array_equal(lb["arrive_min"], lc["arrive_min"])
        assert np.all(np.diff(lc["arrive_min"]) >= 0)
        assert outside == 0 or np.sum(lc["units"] == 0) > 100  # the outside vehicles are in the log
        start, end = fcfs_with_windows(lc["arrive_min"], lb["end_min"] - lb["start_min"], servers, WINDOWS)
        np.testing.assert_allclose(lc["start_min"], start, rtol=0, atol=1e-9)
        np.testing.assert_allclose(lc["end_min"], end, rtol=0, atol=1e-9)
        a0, a1, _ = WINDOWS[0]
        during = (lc["arrive_min"] >= a0) & (lc["arrive_min"] < a1)
        assert during.sum() >= servers and np.all(lc["start_min"][during] >= a1)
        held += int(np.sum(lc["start_min"] == a1))
    assert held == 3 * servers  # every server took a vehicle that waited as the closure lifted


EDGES = """\
name: edges
run: {start: 2027-01-04, horizon_days: 8, warmup_days: 0, drain_days: 2, replications: 1, seed: 3}
places:
  - {id: A, name: A, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}
  - {id: B, name: B, kind: border_station, country: KZ, lat: 45, lon: 81, tz: UTC, servers: 1,
     service_time: {dist: fixed, value_min: 45}}
services:
  - {id: T, mode: rail, unit: feu, stops: [A, B], duration_min: 120, capacity: 50,
     timetable: {days: daily, times: ["10:00"]}}
demand:
  - {id: F, kind: cargo, from: A, to: B, per_week: 140}
disruptions:
  - {id: SHUT_AS_IT_COMES, target: B, start: 2027-01-05T12:00:00+00:00, end: 2027-01-05T14:00:00+00:00}
  - {id: OPEN_AS_IT_COMES, target: B, start: 2027-01-06T10:00:00+00:00, end: 2027-01-06T12:00:00+00:00}
  - {id: HALF_AS_IT_COMES, target: B, start: 2027-01-07T12:00:00+00:00, end: 2027-01-07T20:00:00+00:00,
     capacity_factor: 0.5}
  - {id: HALF_ENDS_AS_IT_COMES, target: B, start: 2027-01-08T04:00:00+00:00, end: 2027-01-08T12:00:00+00:00,
     capacity_factor: 0.5}
  - {id: QUARTER_INSIDE, target: B, start: 2027-01-09T12:20:00+00:00, end: 2027-01-09T12:30:00+00:00,
     capacity_factor: 0.25}
  - {id: SHUT_INSIDE, target: B, start: 2027-01-10T12:20:00+00:00, end: 2027-01-10T12:30:00+00:00}
"""


def test_disruptions_that_begin_or_end_at_the_minute_a_train_arrives() -> None:
    """A train reaches B at 12:00 every day (45 minutes' service). A closure from 12:00 holds
    it to its end; one ending at 12:00 does not hold it (open at its end); a half cut from 12:00
    doubles the service, one ending then leaves it; a quarter cut of 10 of its minutes makes it
    20 + 10 + (45 - 20 - 2.5) = 52.5; a closure during it changes nothing."""
    log = simulate(scenario_from(EDGES), workers=1).records[0].stations["B"]
    np.testing.assert_allclose(log["arrive_min"], 720.0 + 1440.0 * np.arange(9))
    np.testing.assert_allclose(log["start_min"] - log["arrive_min"], [0, 120, 0, 0, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(log["end_min"] - log["start_min"], [45, 45, 45, 90, 45, 52.5, 45, 45, 45])


# ---------------------------------------------------------------- tandem and Little


def units_time(arrive: np.ndarray, there: np.ndarray, lo: float, hi: float) -> float:
    """Unit-minutes spent inside [lo, hi) by units that arrived at ``arrive`` and stayed ``there``."""
    return float(np.sum(np.clip(np.minimum(arrive + there, hi) - np.maximum(arrive, lo), 0.0, None)))


def test_tandem_stations_burke_and_littles_law() -> None:
    """M/M/1 into a station of fixed service: the first's departures are Poisson (Burke), so the
    second is M/D/1 and Pollaczek-Khinchine gives its wait exactly; the drive between them is
    30 minutes, so the second's arrivals are the first's ends plus 30."""
    rho = 0.75
    lam = rho / MEAN
    s = station_scenario(servers=[1, 1], per_min=lam, service=[EXP, "{dist: fixed, value_min: 60}"], days=150,
                         replications=REPS, seed=4400, warmup_days=10, drain_days=3)
    result = simulate(s, workers=1)
    want = {"S1": rho * MEAN / (1 - rho), "S2": pk_wait(lam, MEAN, MEAN**2)}
    little = {"S1": [], "S2": []}
    for rec, k in zip(result.records, result.kpis, strict=True):
        l1, l2 = rec.stations["S1"], rec.stations["S2"]
        np.testing.assert_allclose(np.sort(l2["arrive_min"]), np.sort(l1["leave_min"]) + 30.0,
                                   rtol=0, atol=1e-9)
        np.testing.assert_allclose(l2["start_min"],
                                   lindley_single(l2["arrive_min"], l2["end_min"] - l2["start_min"]),
                                   rtol=0, atol=1e-9)
        span = rec.horizon_min - rec.warmup_min
        sw = rec.station_waits
        for name in ("S1", "S2"):
            at = sw["place"] == rec.places.index(name)
            arrive, there = sw["arrive_min"][at], sw["station_min"][at]
            seen = (arrive >= rec.warmup_min) & (arrive < rec.horizon_min)
            L = units_time(arrive, there, rec.warmup_min, rec.horizon_min) / span
            lam_w = seen.sum() / span * there[seen].mean()
            kp = k["stations"][name]
            # the KPIs are these sums (one witness each)
            assert math.isclose(kp["little_L_units"], L, rel_tol=1e-9)
            assert math.isclose(kp["little_lambda_W_units"], lam_w, rel_tol=1e-9)
            little[name].append((L, lam_w))
    fails = []
    for name in ("S1", "S2"):
        fails.append(within([k["stations"][name]["mean_wait_min"] for k in result.kpis], want[name], LEVEL,
                            f"{name} mean wait"))
        # Little: L = lambda W over each run, up to edge effects; and both = lambda (Wq + 60)
        pairs = np.array(little[name])
        fails.append(within(pairs[:, 0] - pairs[:, 1], 0.0, LEVEL, f"{name} L - lambda W"))
        fails.append(within(pairs[:, 0], lam * (want[name] + MEAN), LEVEL, f"{name} L"))
    assert not [f for f in fails if f], "\n".join(f for f in fails if f)


# ---------------------------------------------------------------- same minute


TIE = """\
name: tie
run: {start: 2027-01-04, horizon_days: 30, warmup_days: 0, drain_days: 2, replications: 2, seed: 45}
places:
  - {id: A1, name: A1, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}
  - {id: A2, name: A2, kind: rail_terminal, country: KZ, lat: 46, lon: 80, tz: UTC}
  - {id: B, name: B, kind: border_station, country: KZ, lat: 45, lon: 81, tz: UTC,
     servers: 1, service_time: {dist: fixed, value_min: 45}}
services:
  - {id: LATE, mode: rail, unit: feu, stops: [A2, B], duration_min: 60, capacity: 50,
     timetable: {days: daily, times: ["11:00"]}}
  - {id: EARLY, mode: rail, unit: feu, stops: [A1, B], duration_min: 180, capacity: 50,
     timetable: {days: daily, times: ["09:00"]}}
demand:
  - {id: F2, kind: cargo, from: A2, to: B, per_week: 40}
  - {id: F1, kind: cargo, from: A1, to: B, per_week: 40}
"""


def test_the_train_that_left_first_is_admitted_first_at_a_shared_minute() -> None:
    """EARLY leaves at 09:00 and LATE at 11:00, both reach B at 12:00; LATE is listed first (a
    lower trip number). The one that left first scheduled its arrival first, so EARLY's
    containers are served 12:00-12:45 and LATE's 12:45-13:30."""
    result = simulate(scenario_from(TIE), workers=1)
    pairs = 0
    for rec in result.records:
        log, sw, u = rec.stations["B"], rec.station_waits, rec.units
        np.testing.assert_allclose(log["arrive_min"] % 1440.0, 720.0)
        f1 = rec.flows.index("F1")
        for t in np.unique(log["arrive_min"]):
            k = np.flatnonzero(log["arrive_min"] == t)
            if k.size != 2:
                continue
            pairs += 1
            rows = sw["arrive_min"] == t
            first = u["flow"][sw["unit"][rows]] == f1
            there = sw["station_min"][rows]
            np.testing.assert_allclose(there[first], 45.0)
            np.testing.assert_allclose(there[~first], 90.0)
    assert pairs > 40


# ------------------------------------------------- a run that ends with vehicles queued


def read_visits(path: Path) -> dict[str, np.ndarray]:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = {key: np.array([float(r[key]) if r[key] else np.nan for r in rows])
           for key in ("arrive_min", "start_min", "end_min", "leave_min", "units")}
    out["at_end"] = np.array([r["at_end"] for r in rows])
    return out


def run_cli(scenario: Path, out: Path, workers: int) -> None:
    subprocess.run([sys.executable, "-m", "corridor", "run", str(scenario), "--quiet",
                    "--workers", str(workers), "--out", str(out)], check=True, capture_output=True)


def test_a_run_ending_with_a_queue_books_and_byte_identical_records(tmp_path) -> None:
    """Two servers offered 1.3 times what they serve for six days, and a day's drain: the run
    ends with a queue, shorter than when demand stopped, and with vehicles in service and held
    by customs. From the CSV records alone (times to the millisecond): at_end, queue_at_end
    (every vehicle queued at the end), unserved (those of them that came in the window),
    queue_at_horizon, backlog_days, the mean and largest wait (cut at the end), utilisation and
    the time-average queue over [warm-up, horizon), Little's two witnesses, and the units'
    status. The same seed writes the same bytes with one worker and with two."""
    text = station_yaml(servers=2, per_min=1.3 * 2 / MEAN, service="{dist: gamma, mean_min: 60, sd_min: 40}",
                        days=6, replications=3, seed=4500, warmup_days=1, drain_days=1,
                        first_station="customs: {probability: 0.5, hold: {dist: exponential, mean_min: 600}}")
    path = tmp_path / "overload.yaml"
    path.write_text(text, encoding="utf-8")
    one, two = tmp_path / "w1", tmp_path / "w2"
    run_cli(path, one, 1)
    run_cli(path, two, 2)
    files = sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    for f in files:
        assert (one / f).read_bytes() == (two / f).read_bytes(), f
    summary = json.loads((one / "summary.json").read_text(encoding="utf-8"))
    warmup, horizon = 1440.0, 6 * 1440.0
    end = horizon + 1440.0  # a day's drain clears some of the queue, not all
    span = horizon - warmup
    tol = 2e-3  # the CSV's times are rounded to 0.001 min
    for r, kp in enumerate(summary["per_replication"]):
        st = kp["stations"]["S1"]
        v = read_visits(one / f"station_visits_rep{r}.csv")
        a, s, e, leave = v["arrive_min"], v["start_min"], v["end_min"], v["leave_min"]
        queued = v["at_end"] == "queued"
        np.testing.assert_array_equal(queued, s >= end)
        np.testing.assert_array_equal(v["at_end"] == "in service", (s < end) & (e >= end))
        np.testing.assert_array_equal(v["at_end"] == "held", (e < end) & (leave >= end))
        np.testing.assert_array_equal(v["at_end"] == "", leave < end)
        assert np.sum(v["at_end"] == "held") > 0 and np.all(leave >= e)
        seen = (a >= warmup) & (a < horizon)
        assert st["queue_at_end"] == int(queued.sum()) > 10
        assert st["queue_at_horizon"] > st["queue_at_end"]
        assert st["unserved"] == int((queued & seen).sum())
        assert st["queue_at_horizon"] == int(((a < horizon) & (s >= horizon)).sum())
        assert st["vehicles"] == int(seen.sum())
        # the backlog: the vehicles queued when demand stops, at the mean service time of the
        # visits (all admitted, so all timed), over the servers, in days
        assert math.isclose(st["backlog_days"], st["queue_at_horizon"] * float(np.mean(e - s)) / 2 / 1440.0,
                            rel_tol=1e-4)
        wait = np.minimum(s, end) - a
        assert math.isclose(st["mean_wait_min"], float(wait[seen].mean()), abs_tol=tol)
        assert math.isclose(st["max_wait_min"], float(wait[seen].max()), abs_tol=tol)
        busy = np.clip(np.minimum(e, horizon) - np.maximum(s, warmup), 0.0, None).sum()
        assert math.isclose(st["utilisation"], busy / (2 * span), abs_tol=1e-6)
        waiting = np.clip(np.minimum(s, horizon) - np.maximum(a, warmup), 0.0, None).sum()
        assert math.isclose(st["mean_queue"], waiting / span, abs_tol=1e-5)
        # units at the station: a vehicle's units from arrival to leaving (cut at the end)
        inside = np.clip(np.minimum(leave, horizon) - np.maximum(a, warmup), 0.0, None)
        L = float(np.sum(v["units"] * inside)) / span
        assert math.isclose(st["little_L_units"], L, rel_tol=1e-5)
        with (one / f"station_waits_rep{r}.csv").open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        ua = np.array([float(x["arrive_min"]) for x in rows])
        there = np.array([float(x["station_min"]) for x in rows])
        useen = (ua >= warmup) & (ua < horizon)
        # each unit's pass is its vehicle's, from arrival to leaving or the end (the rows come in
        # another order than the visits: compare as sorted lists)
        units = v["units"].astype(int)
        np.testing.assert_allclose(np.sort(ua), np.sort(np.repeat(a, units)), rtol=0, atol=tol)
        np.testing.assert_allclose(np.sort(ua + there), np.sort(np.repeat(np.minimum(leave, end), units)),
                                   rtol=0, atol=tol)
        lam_w = useen.sum() / span * there[useen].mean()
        assert math.isclose(st["little_lambda_W_units"], lam_w, rel_tol=1e-5)
        # the units' books: those of every vehicle still there (queued, in service or held)
        # are at_station at S1; the others are delivered, or on the road from A (the last half hour's)
        with (one / f"units_rep{r}.csv").open(newline="", encoding="utf-8") as fh:
            status = [(x["status"], x["place"]) for x in csv.DictReader(fh) if x["status"] != "delivered"]
        assert set(status) <= {("at_station", "S1"), ("moving", "A")}
        there_now = status.count(("at_station", "S1"))
        assert there_now == int(v["units"][v["at_end"] != ""].sum()) == kp["status"]["at_station"]
    # the same seed in this process gives the same arrays
    again = simulate(scenario_from(text), workers=1)
    with (one / "station_visits_rep0.csv").open(newline="", encoding="utf-8") as fh:
        first = [float(x["start_min"]) for x in csv.DictReader(fh)]
    np.testing.assert_allclose(again.records[0].stations["S1"]["start_min"], first, rtol=0, atol=1e-3)
