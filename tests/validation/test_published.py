"""The shipped baseline against published figures (../shared/FACTS.md gives each source),
and disruptions that build queues which then recover."""

from __future__ import annotations

import numpy as np
import pytest
from validation.corridor_figures import PUBLISHED, figures
from validation.gateway_forecast import block_errors

from conftest import SCENARIOS
from corridor import simulate
from corridor.kernels import step_levels, time_weighted_mean
from corridor.kernels.stats import mean_ci
from corridor.scenario import load_scenario


@pytest.fixture(scope="module")
def baseline():
    s = load_scenario(SCENARIOS / "baseline.yaml")
    return s, simulate(s, replications=5)  # as the table in docs/simulation.md


# The issue-11 table: each figure's 95% interval over replications must meet the published
# range (corridor_figures.PUBLISHED names each source). Figures the model still misses are
# marked xfail, strict, with the reason docs/simulation.md gives: a miss is shown, not hidden,
# and the mark must go when the model comes to meet the range.
MISSES = {
    "xian_duisburg": "Xi'an trains run by the rules of all others (14.7 d); the published 12-14 d "
                     "does not square with Chongqing's 16-18 d over 1,271 km more, nor with China -> "
                     "Germany 18-21 d terminal to terminal (2024): docs/simulation.md, Known limits",
    "xian_vilnius": "Xi'an -> Vilnius takes 10.2 d: 2.7 d in China, 1.3 d at the border, 5.9 d on "
                    "1520 mm to Kena at the section times of 2024 (ERAI 7.31 d to the EU border); the "
                    "~8 d of 2020 needs the older 4.9-d 1520 mm average: docs/simulation.md, Known limits",
}


@pytest.mark.parametrize("key", list(PUBLISHED))
def test_baseline_meets_the_published_range(baseline_figures, key: str) -> None:
    meets = _meets(baseline_figures, key)
    if key in MISSES:
        assert not meets, f"{key} now meets its range: take it out of MISSES and docs/simulation.md"
        pytest.xfail(MISSES[key])
    assert meets, (key, PUBLISHED[key], baseline_figures[key].tolist())


def _meets(values_by_key, key: str) -> bool:
    pub = PUBLISHED[key]
    est = mean_ci(values_by_key[key][np.isfinite(values_by_key[key])])
    return bool(est.high >= pub.low and est.low <= pub.high)


@pytest.fixture(scope="module")
def baseline_figures(baseline):
    _, result = baseline
    return figures(result)


def test_malaszewicze_carries_most_trains_into_poland(baseline) -> None:
    # FACTS (silkroadsummit.eu): Malaszewicze handled 79% (2020) and 68% (2021) of westbound
    # China-EU trains. The outside traffic at the smaller gateways is set for ~70% (calibrated),
    # so this checks the containers' own choice does not undo it: more than half, and the bulk.
    _, result = baseline
    for k in result.kpis:
        st = k["stations"]
        gateways = ("MALASZEWICZE", "KUZNICA", "SIEMIANOWKA", "BRANIEWO", "SESTOKAI")
        into_eu = sum(st[g]["vehicles"] for g in gateways)
        assert 0.5 <= st["MALASZEWICZE"]["vehicles"] / into_eu <= 0.85


def test_hours_of_processing_at_dostyk(baseline) -> None:
    # FACTS (index1520.com): train processing at Dostyk cut from 9 h to 4 h 15 min.
    _, result = baseline
    for rec in result.records:
        log = rec.stations["DOSTYK"]
        hours = (log["end_min"] - log["start_min"]) / 60
        in_station = (log["end_min"] - log["arrive_min"]) / 60
        assert np.nanmean(hours) == pytest.approx(4.25, rel=0.05)
        assert 4.25 <= np.nanmean(in_station) <= 9.0


def stationary(s):
    """The scenario without seasonality: Little's law L = lambda W is a law of stationary
    queues, and a seasonal ramp (the baseline's March to May) leaves more units in the station
    at the window's end than at its start, an edge effect of several percent at Malaszewicze."""
    places = [p.model_copy(update={"background_seasonality": None}) for p in s.places]
    demand = [f.model_copy(update={"seasonality": None}) for f in s.demand]
    return s.model_copy(update={"places": places, "demand": demand})


def test_little_law_at_every_station(baseline) -> None:
    # L, the time-average of units at the station from the vehicle log, against lambda x W
    # from the per-unit records, over the statistics window: equal up to edge effects
    # over a window of 22 weeks: at Alat a week's block stays ~8 days, so units present at the
    # window's edges (counted in L for part of their stay, in lambda W for all or none of it)
    # weigh ~1/7 of a 56-day window, and ~1/20 of this one
    s, _ = baseline
    s = stationary(s)
    s = s.model_copy(update={"run": s.run.model_copy(update={"horizon_days": 168})})
    result = simulate(s, replications=3)
    for name in result.kpis[0]["stations"]:
        ls = [k["stations"][name]["little_L_units"] for k in result.kpis]
        lws = [k["stations"][name]["little_lambda_W_units"] for k in result.kpis]
        if np.mean(ls) == 0:
            continue
        assert np.mean(ls) == pytest.approx(np.mean(lws), rel=0.05), name


def signed_error_d(records, gateways: tuple[str, ...]) -> float:
    """The blocks' mean error at these gateways, days (positive: they left later than told)."""
    errors = [e[g] for e in map(block_errors, records) for g in gateways if g in e]
    return float(np.mean(np.concatenate(errors)))


def test_gateway_forecasts_learn_what_they_leave_out(baseline) -> None:
    # Set against when each block's last container left its gateway, the forecast alone is late
    # by about half a day on the Duisburg flows' five gateways (the queues on the way grow, later
    # choosers overtake): learning from the blocks that went before (experience_weight 0.2)
    # leaves a quarter of it (2026-12-02, 5 replications: 0.54 -> 0.14 d; 1.06 -> 0.27 before
    # formed trains took on what came while they waited for a path)
    s, result = baseline
    gateways = ("MALASZEWICZE", "KUZNICA", "SIEMIANOWKA", "SESTOKAI", "BRANIEWO")
    duisburg = [f.gateways for f in s.demand if f.gateways and f.gateways.via[0] in gateways]
    assert {g.experience_weight for g in duisburg} == {0.2}
    unlearnt = simulate(s.model_copy(update={"demand": [
        f.model_copy(update={"gateways": f.gateways.model_copy(update={"experience_weight": 0.0})})
        if f.gateways else f for f in s.demand]}), replications=5)
    bare = signed_error_d(unlearnt.records, gateways)
    learnt = signed_error_d(result.records, gateways)
    assert bare > 0.5
    assert abs(learnt) < 0.5 * bare


def queue_series(rec, name: str, step_min: float = 1440.0):
    log = rec.stations[name]
    started = np.isfinite(log["start_min"])
    t, q = step_levels(np.r_[log["arrive_min"], log["start_min"][started]],
                       np.r_[np.ones(log["arrive_min"].size), -np.ones(started.sum())])
    edges = np.arange(0.0, rec.end_min + step_min, step_min)
    return time_weighted_mean(t, q, edges)


def window_days(scenario) -> tuple[int, int]:
    (d,) = scenario.disruptions
    return tuple(int((t - scenario.run.epoch).total_seconds() // 86400) for t in (d.start, d.end))


def test_malaszewicze_works_build_a_queue_that_recovers() -> None:
    s = load_scenario(SCENARIOS / "malaszewicze_works.yaml")
    base = simulate(load_scenario(SCENARIOS / "baseline.yaml"), replications=1).records[0]
    works = simulate(s, replications=1).records[0]
    daily_base, daily = queue_series(base, "MALASZEWICZE"), queue_series(works, "MALASZEWICZE")
    start, end = window_days(s)  # days 21 to 42
    during = daily[start:end]
    # a backlog builds, several times the baseline's own (which queues up to about a day's
    # trains at its peaks: its waits are set to the published 2-3 days)
    assert during.max() > 3 * max(1.0, daily_base[start:end].max())
    assert start + int(np.argmax(during)) >= end - 7  # and keeps growing while the works last
    # and drains in the drain, once demand and outside traffic stop: after the works
    # Malaszewicze has under a train a day to spare (outside traffic alone takes 92% of it),
    # too little to drain the backlog while they run (README)
    assert daily[-7:].mean() < 0.25 * during.max()


def test_kena_closure_holds_trains_then_releases_them() -> None:
    s = load_scenario(SCENARIOS / "kena_closure.yaml")
    rec = simulate(s, replications=1).records[0]
    daily = queue_series(rec, "KENA")
    start, end = window_days(s)  # days 28 to 35
    assert daily[start:end].max() >= 3  # trains pile up while it is closed
    assert daily[end + 5:].max() < 1  # and are released
    vilnius = rec.flows.index("FEU-XIAN-VILNIUS")
    u = rec.units
    stuck = (u["flow"] == vilnius) & (u["station_min"] > 24 * 60)
    assert stuck.any()
