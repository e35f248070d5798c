"""EU-gateway operations: customs holds, a daily pool of departure paths, and the located
errors their scenario fields give."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats

from corridor import simulate
from corridor.errors import ScenarioError
from corridor.scenario import load_scenario
from corridor.scenario.schema import Scenario
from corridor.simulation.stations import PathPool

GATE = """\
name: gate
run: {start: 2027-03-01, horizon_days: DAYS, warmup_days: 0, drain_days: 30, replications: 1, seed: 5}
places:
  - {id: A, name: A, kind: rail_terminal, country: BY, lat: 52, lon: 24, tz: UTC}
  - {id: G, name: G, kind: gauge_change_station, country: PL, lat: 52, lon: 23, tz: UTC,
     servers: 2, service_time: {dist: fixed, value_min: 60}CUSTOMS}
  - {id: Z, name: Z, kind: rail_terminal, country: DE, lat: 51, lon: 7, tz: UTC}
services:
  - {id: IN, mode: road, unit: feu, stops: [A, G], dispatch: {cutoff_min: 0}, duration_min: 30, capacity: 1}
  - {id: EU, mode: rail, unit: feu, stops: [G, Z], dispatch: DISPATCH, duration_min: 600, capacity: 10}
demand:
  - {id: F, kind: cargo, from: A, to: Z, per_week: PERWEEK}
"""


def gate(*, days: int = 60, per_week: float = 70.0, customs: str = "",
         dispatch: str = "{cutoff_min: 0}") -> Scenario:
    text = (GATE.replace("DAYS", str(days)).replace("PERWEEK", str(per_week))
            .replace("CUSTOMS", customs).replace("DISPATCH", dispatch))
    return Scenario.model_validate(yaml.safe_load(textwrap.dedent(text)))


def gate_problem(folder: Path, *, dispatch: str = "{cutoff_min: 0}", customs: str = "",
                 per_week: str = "7") -> str:
    """The error loading GATE over ten days, written as ``bad.yaml``, gives (it must give one)."""
    text = (GATE.replace("DAYS", "10").replace("PERWEEK", per_week).replace("CUSTOMS", customs)
            .replace("DISPATCH", dispatch))
    path = folder / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    return str(err.value)


def test_path_pool_against_a_plain_count() -> None:
    # vehicles ready at random moments over ten days, 3 paths a day: the k-th vehicle of the
    # queue (in order of readiness) leaves on the first day whose paths are not all taken
    rng = np.random.default_rng(7)
    ready = np.sort(rng.uniform(0, 10 * 1440, 60))
    pool = PathPool(3)
    got = [pool.take(t) for t in ready.tolist()]
    taken: dict[int, int] = {}
    for t, leave in zip(ready.tolist(), got, strict=True):
        day = int(t // 1440)
        while taken.get(day, 0) >= 3:
            day += 1
        taken[day] = taken.get(day, 0) + 1
        assert leave == max(t, day * 1440.0)
    assert all(v <= 3 for v in pool.used.values()) and sum(pool.used.values()) == 60


def test_path_pool_skips_full_days_as_a_walk_over_them_does() -> None:
    # out of order, a long backlog, and looks that take nothing: the skips over full days
    # give the day a plain walk gives
    rng = np.random.default_rng(11)
    pool, taken = PathPool(2), {}
    for t in rng.uniform(0, 30 * 1440, 400).tolist():
        day = int(t // 1440)
        while taken.get(day, 0) >= 2:
            day += 1
        assert pool.next_day(t) == day
        if rng.random() < 0.8:
            assert pool.take(t) == max(t, day * 1440.0)
            taken[day] = taken.get(day, 0) + 1
    assert pool.used == taken


def test_customs_holds_every_vehicle_for_its_fixed_time() -> None:
    s = gate(customs=", customs: {probability: 1.0, hold: {dist: fixed, value_min: 600}}")
    rec = simulate(s, replications=1).records[0]
    sw = rec.station_waits
    # one container a truck: each spends its queue, its 60-min service and the 600-min hold
    log = rec.stations["G"]
    assert sw["station_min"].size > 400
    np.testing.assert_allclose(log["leave_min"] - log["end_min"], 600.0)
    np.testing.assert_allclose(log["end_min"] - log["start_min"], 60.0)
    order = np.argsort(sw["arrive_min"], kind="stable")
    np.testing.assert_allclose(sw["station_min"][order], (log["leave_min"] - log["arrive_min"]))
    # the hold is off the servers: the queue is that of 60-min services alone
    assert np.mean(log["start_min"] - log["arrive_min"]) < 10


def test_customs_hold_share_is_the_probability() -> None:
    s = gate(days=200, customs=", customs: {probability: 0.25, hold: {dist: fixed, value_min: 600}}")
    result = simulate(s, replications=1)
    log = result.records[0].stations["G"]
    held = int(np.sum(log["leave_min"] > log["end_min"]))
    n = log["leave_min"].size
    assert n > 1500
    # a two-sided binomial test at 1%: the share held is the probability
    assert stats.binomtest(held, n, 0.25).pvalue > 0.01
    # Little's law with the hold: L from the vehicle log, lambda W from the unit records
    st = result.kpis[0]["stations"]["G"]
    assert st["little_L_units"] == pytest.approx(st["little_lambda_W_units"], rel=0.02)


def test_paths_per_day_cap_departures_and_the_books_balance() -> None:
    # 20 containers a day, EU trains of 10 leave when full: 2 a day wanted, 1 path a day given.
    # Every day's departures are at most the pool; the backlog waits (the books check runs inside)
    s = gate(days=20, per_week=140.0, dispatch="{cutoff_min: 0, paths_per_day: 1}")
    rec = simulate(s, replications=1).records[0]
    dep = rec.departures
    g = rec.places.index("G")
    leaves = np.unique(dep["depart_min"][dep["place"] == g])  # one time per EU train
    per_day = np.bincount((leaves // 1440).astype(int))
    assert per_day.max() == 1 and per_day.sum() >= 20
    # without the pool the same trains leave as they fill, two a day or more
    free = simulate(gate(days=20, per_week=140.0, dispatch="{cutoff_min: 0}"), replications=1).records[0]
    leaves_free = np.unique(free.departures["depart_min"][free.departures["place"] == g])
    assert np.bincount((leaves_free // 1440).astype(int)).max() >= 2


@pytest.mark.parametrize(("per_week", "cutoff_min"), [(35.0, 1440), (14.0, 1440), (140.0, 0)])
def test_path_utilisation_is_trains_left_over_paths_given(per_week: float, cutoff_min: int) -> None:
    # the KPI against a count of the EU trains leaving G on the whole days of the window, over
    # the paths those days held; one path a day, so each train has a departure minute of its own
    s = gate(days=20, per_week=per_week, dispatch=f"{{cutoff_min: {cutoff_min}, paths_per_day: 1}}")
    result = simulate(s, replications=1)
    rec = result.records[0]
    dep = rec.departures
    leaves = np.unique(dep["depart_min"][dep["place"] == rec.places.index("G")])
    days = leaves // 1440
    trains = np.sum((days >= 0) & (days < 20))
    assert result.kpis[0]["paths"]["EU"]["utilisation"] == pytest.approx(trains / 20)
    assert 0.2 < trains / 20 <= 1.0


@pytest.mark.parametrize(("per_week", "start"),
                         [(14.0, "2027-03-01"), (140.0, "2027-03-01"), (140.0, "2027-03-04")])
def test_paths_on_some_weekdays_leave_only_on_those_days(per_week: float, start: str) -> None:
    # one path on Tuesdays, Thursdays and Saturdays (UTC; the run starts on a Monday or a
    # Thursday): every EU train leaves on one of them, one a day at most, and the KPI counts
    # the trains of the window's whole days over the paths those days held (9 of its 20 days)
    import datetime as dt
    s = gate(days=20, per_week=per_week, dispatch="{cutoff_min: 0, paths_per_day: 1, days: [Tue, Thu, Sat]}")
    s = s.model_copy(update={"run": s.run.model_copy(update={"start": dt.date.fromisoformat(start)})})
    result = simulate(s, replications=1)
    rec = result.records[0]
    dep = rec.departures
    leaves = np.unique(dep["depart_min"][dep["place"] == rec.places.index("G")])
    days = (leaves // 1440).astype(int)
    weekdays = {(s.run.start + dt.timedelta(days=int(d))).weekday() for d in days}
    assert weekdays <= {1, 3, 5} and np.bincount(days).max() == 1
    path_days = [d for d in range(20) if (s.run.start + dt.timedelta(days=d)).weekday() in (1, 3, 5)]
    trains = np.sum((days >= 0) & (days < 20))
    assert len(path_days) == 9 and 3 <= trains <= 9
    assert result.kpis[0]["paths"]["EU"]["utilisation"] == pytest.approx(trains / 9)


@pytest.mark.parametrize(("dispatch", "needle"), [
    ("{cutoff_min: 0, days: [Tue]}", "give paths_per_day too"),
    ("{cutoff_min: 0, paths_per_day: 1, days: [Tue, Tue]}", "day 'Tue' is given twice"),
    ("{cutoff_min: 0, paths_per_day: 1, days: [Tuesday]}", "Tuesday"),
])
def test_bad_path_days_give_located_errors(tmp_path: Path, dispatch: str, needle: str) -> None:
    message = gate_problem(tmp_path, dispatch=dispatch)
    assert "bad.yaml:10:" in message and needle in message and "services[1].dispatch.days" in message, message


@pytest.mark.parametrize(("customs", "dispatch", "needle"), [
    (", customs: {probability: 1.5, hold: {dist: fixed, value_min: 60}}", "{cutoff_min: 0}", "probability"),
    ("", "{cutoff_min: 0, paths_per_day: 0}", "paths_per_day"),
])
def test_bad_gateway_fields_give_located_errors(tmp_path: Path, customs: str, dispatch: str,
                                                needle: str) -> None:
    message = gate_problem(tmp_path, dispatch=dispatch, customs=customs)
    assert "bad.yaml:" in message and needle in message


@pytest.mark.parametrize(("flow_extra", "needle"), [
    (", gateways: {via: [G, NOWHERE], value_of_time_usd_per_day: 100, scale_usd: 100}", "NOWHERE"),
    (", gateways: {via: [G, G], value_of_time_usd_per_day: 100, scale_usd: 100}", "repeat"),
    (", seasonality: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]", "seasonality"),
    (", seasonality: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1]", "seasonality"),
])
def test_bad_flow_fields_give_located_errors(tmp_path: Path, flow_extra: str, needle: str) -> None:
    message = gate_problem(tmp_path, per_week="7" + flow_extra)
    assert "bad.yaml:" in message and needle in message and "demand" in message
