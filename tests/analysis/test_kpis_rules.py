"""The growing-queue rule's edges (docs/simulation.md, KPIs), on waits written by hand: it needs
at least 8 vehicles, a rise of at least an hour however short the window, and counts a vehicle
that never got what it asked for as still queued when demand stops; and the door-to-door rise
leaves out a stuck flow of up to 5% of the window's containers; a gateway at place 0 is one."""

from __future__ import annotations

import numpy as np
import pytest

from corridor.analysis.kpis import _gateway_shares, _growing, _queue_grows, _rise_units


def test_seven_vehicles_are_too_few_to_call_a_trend() -> None:
    # window [0, 1000), always busy; 7 vehicles: 3 in the first quarter waiting 0, 4 in the last
    # waiting 500. The rise (500) is far over max(0.02 x 500, 60) = 60, but 7 < 8 vehicles
    arrive = np.array([0.0, 100.0, 200.0, 500.0, 800.0, 850.0, 900.0])
    waits = np.array([0.0, 0.0, 0.0, 100.0, 500.0, 500.0, 500.0])
    assert not _growing(arrive, waits, 0.0, 1000.0, 1.0)
    # one more in the last quarter, 8 in all: growing
    assert _growing(np.r_[arrive, 950.0], np.r_[waits, 500.0], 0.0, 1000.0, 1.0)


def test_a_rise_under_an_hour_is_no_trend_in_a_short_window() -> None:
    # window [0, 1000): 0.02 x 1000 / 2 = 10 min is the rate's part; the rule asks an hour at
    # least. 4 vehicles in the first quarter wait 0, 4 in the last wait 45: a rise of 45 min
    arrive = np.array([0.0, 50.0, 100.0, 150.0, 800.0, 850.0, 900.0, 950.0])
    waits = np.r_[np.zeros(4), np.full(4, 45.0)]
    assert not _growing(arrive, waits, 0.0, 1000.0, 1.0)
    assert _growing(arrive, np.r_[np.zeros(4), np.full(4, 60.0)], 0.0, 1000.0, 1.0)  # an hour: growing


def test_a_vehicle_that_never_got_its_resource_is_queued_when_demand_stops() -> None:
    # window [0, 1000), run ends at 2000, busy 1.0. Four trains ask in the first quarter and
    # get at once; four ask in the last and never get (NaN): each waits to the end of the run,
    # 2000 - asked >= 1050, far over the hour, and they are still queued at the horizon
    asked = np.array([0.0, 50.0, 100.0, 150.0, 800.0, 850.0, 900.0, 950.0])
    got = np.r_[asked[:4], np.full(4, np.nan)]
    assert _queue_grows(asked, got, 0.0, 1000.0, 1.0, 2000.0) == 1.0
    # the same trains all served by the horizon: nobody queued when demand stops, not growing
    assert _queue_grows(asked, np.r_[asked[:4], np.full(4, 999.0)], 0.0, 1000.0, 1.0, 2000.0) == 0.0


def test_the_rise_leaves_out_a_stuck_flow_of_up_to_five_percent() -> None:
    # window [0, 100): flow 0 has 19 containers, all delivered; flow 1 has one, created in the
    # first quarter and still on the way. Leaving flow 1 out leaves out 1 of 20 = 5%, not more
    # than STUCK_SHARE: the rise is over flow 0's 19
    flow = np.r_[np.zeros(19, dtype=np.int64), 1]
    created = np.r_[np.linspace(0.0, 95.0, 19), 10.0]
    delivered = np.r_[np.ones(19, dtype=bool), False]
    moving = _rise_units(flow, created, np.ones(20, dtype=bool), delivered, 0.0, 100.0)
    assert moving.tolist() == [True] * 19 + [False]
    # one more stuck container of flow 1 (2 of 21, over 5%): no rise at all
    moving = _rise_units(np.r_[flow, 1], np.r_[created, 20.0], np.ones(21, dtype=bool),
                         np.r_[delivered, False], 0.0, 100.0)
    assert not moving.any()


def test_a_gateway_that_is_the_first_place_is_a_gateway_like_any() -> None:
    # four containers of the flow: two took place 1, one place 0 (the scenario's first place),
    # one has not chosen yet (-1): of the three that chose, 1/3 and 2/3
    u = {"gateway": np.array([0, 1, 1, -1])}
    every = np.ones(4, dtype=bool)
    got = _gateway_shares(u, every, every, ("G0", "G1"))
    assert got == {"gateway_share": {"G0": 1 / 3, "G1": 2 / 3}}


def test_a_stations_units_a_week_are_its_vehicles_loads_in_the_window() -> None:
    # two witnesses: the per-unit station records the KPI counts, and the station's vehicle log
    # (each visit's units), over arrivals in [warm-up, horizon) of a 5-week baseline
    from conftest import SCENARIOS
    from corridor.analysis.kpis import replication_kpis
    from corridor.scenario import load_scenario
    from corridor.simulation import run_replication
    from corridor.units import MIN_PER_WEEK

    s = load_scenario(SCENARIOS / "baseline.yaml")
    s = s.model_copy(update={"run": s.run.model_copy(update={"horizon_days": 35, "warmup_days": 7,
                                                             "drain_days": 14})})
    rec = run_replication(s, 0)
    stations = replication_kpis(rec)["stations"]
    weeks = (rec.horizon_min - rec.warmup_min) / MIN_PER_WEEK
    seen = 0
    for name, log in rec.stations.items():
        inside = (log["arrive_min"] >= rec.warmup_min) & (log["arrive_min"] < rec.horizon_min)
        want = float(sum(int(n) for n in log["units"][inside])) / weeks
        assert stations[name]["units_per_week"] == pytest.approx(want, rel=1e-12, abs=1e-12), name
        seen += want > 0
    assert seen >= 10  # the corridor's border and gauge-change stations carry its containers
