"""The shipped baseline against published figures (../shared/FACTS.md gives each source),
and disruptions that build queues which then recover."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import SCENARIOS
from corridor import simulate
from corridor.kernels import step_levels, time_weighted_mean
from corridor.scenario import load_scenario


@pytest.fixture(scope="module")
def baseline():
    s = load_scenario(SCENARIOS / "baseline.yaml")
    return s, simulate(s, replications=3)


def test_xian_duisburg_transit_inside_published_range(baseline) -> None:
    # FACTS: Xi'an-Duisburg express 9,908 km in 9 d 19 h; standard transit 12-14 days;
    # Chongqing-Duisburg 16 days average. The model's trains sit between express and standard.
    _, result = baseline
    days = [k["flows"]["FEU-XIAN-DUISBURG"]["transit_days"]["mean"] for k in result.kpis]
    assert min(days) >= 9 + 19 / 24 and max(days) <= 16


def test_chinese_border_to_eu_border_about_five_days(baseline) -> None:
    # FACTS (index1520.com): Chinese border to EU border over 1520 mm, 4.9 days on average.
    s, result = baseline
    dostyk, brest = s.places.index(s.place("DOSTYK")), s.places.index(s.place("BREST"))
    spans = []
    for rec in result.records:
        sw = rec.station_waits
        at_d, at_b = ({u: t for u, t, p in zip(sw["unit"].tolist(), sw["arrive_min"].tolist(),
                                                sw["place"].tolist(), strict=True) if p == place}
                      for place in (dostyk, brest))
        spans += [(at_b[u] - at_d[u]) / 1440 for u in at_d.keys() & at_b.keys()]
    assert len(spans) > 500
    assert 4.9 * 0.8 <= np.mean(spans) <= 4.9 * 1.25


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
    s, _ = baseline
    result = simulate(stationary(s), replications=3)
    for name in result.kpis[0]["stations"]:
        ls = [k["stations"][name]["little_L_units"] for k in result.kpis]
        lws = [k["stations"][name]["little_lambda_W_units"] for k in result.kpis]
        if np.mean(ls) == 0:
            continue
        assert np.mean(ls) == pytest.approx(np.mean(lws), rel=0.05), name


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
    assert during.max() > 5 * max(1.0, daily_base[start:end].max())  # a backlog builds
    assert start + int(np.argmax(during)) >= end - 7  # and keeps growing while the works last
    assert daily[-7:].mean() < 0.25 * during.max()  # and drains once they end


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
