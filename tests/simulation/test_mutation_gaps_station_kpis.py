"""Station KPIs at edges mutation testing found unguarded: tiny hand-made visit logs, every
figure worked by hand in the comments from the rules (docs/simulation.md, KPIs): the window is
[warm-up, horizon), a vehicle is queued over [arrive, start), growing needs a vehicle queued when
demand stops, and the trend reads waits as admission fixed them, past the end of the run too.
Each test names the mutant it kills."""

from __future__ import annotations

import numpy as np
import pytest

from corridor.analysis.kpis import _growing, _never_empty, _rise, station_kpis


def _log(visits: list[tuple[float, float, float]], servers: int = 1, **extra: np.ndarray) -> dict:
    a, b, e = (np.array(x) for x in zip(*visits, strict=True))
    return {"servers": servers, "arrive_min": a, "start_min": b, "end_min": e,
            "units": np.ones(a.size, dtype=np.int64)} | extra


def test_a_vehicle_arriving_at_the_horizon_is_not_in_the_window() -> None:
    # warm-up 100, horizon 200, end 400. One vehicle 150-250 in service; a second arrives at
    # exactly 200 and waits to 250. Demand stops at 200: the second is not of the window, so
    # the window's largest queue is 0 and nobody arrived before 200 to be queued then (kills:
    # queue changes at the horizon itself counted for the largest queue; arrive <= horizon for
    # the queue when demand stops)
    got = station_kpis(_log([(150.0, 150.0, 250.0), (200.0, 250.0, 260.0)]), 100.0, 200.0, 400.0)
    assert got["max_queue"] == 0.0
    assert got["queue_at_horizon"] == 0 and got["backlog_days"] == 0.0
    assert got["vehicles"] == 1 and got["mean_wait_min"] == 0.0


def test_units_at_the_station_count_until_they_leave_and_only_inside_the_window() -> None:
    # warm-up 100, horizon 200. Vehicle A: 2 units, arrives 150, served to 160, customs hold
    # it to 180: 2 x 30 = 60 unit-minutes. Vehicle B: 3 units arriving in the drain at 250,
    # leaving 300: none inside the window. L = 60 / 100 = 0.6; the units' own records say
    # 2 arrivals in 100 min staying 30: lambda W = 0.02 x 30 = 0.6 (kills: the hold left out,
    # A's 10 min of service alone giving 0.2; arrivals not clipped at the horizon, B's
    # 3 x (200 - 250) = -150 unit-minutes giving -0.9)
    log = _log([(150.0, 150.0, 160.0), (250.0, 250.0, 290.0)], leave_min=np.array([180.0, 300.0]))
    log["units"] = np.array([2, 3], dtype=np.int64)
    units = {"arrive_min": np.array([150.0, 150.0, 250.0, 250.0, 250.0]),
             "station_min": np.array([30.0, 30.0, 50.0, 50.0, 50.0])}
    got = station_kpis(log, 100.0, 200.0, 400.0, units)
    assert got["little_L_units"] == pytest.approx(0.6, abs=1e-12)
    assert got["little_lambda_W_units"] == pytest.approx(0.6, abs=1e-12)


def test_a_burst_cleared_before_demand_stops_is_not_growing() -> None:
    # window [0, 1000), one server of 10 min, always busy: a vehicle every 10 min from 0 to
    # 740 (no wait), then 25 at once at 750, served back to back 750-1000 (waits 0 to 240,
    # mean 120). The last quarter waits 120 more than the first, over the hour the trend
    # asks, but the queue is empty when demand stops: not growing (kills: growing without a
    # vehicle queued at the horizon)
    visits = [(t, t, t + 10.0) for t in np.arange(0.0, 750.0, 10.0)]
    visits += [(750.0, 750.0 + 10.0 * k, 760.0 + 10.0 * k) for k in range(25)]
    got = station_kpis(_log(visits), 0.0, 1000.0, 1440.0)
    assert got["utilisation"] == 1.0 and got["queue_at_horizon"] == 0
    assert _growing(np.array([a for a, _, _ in visits]), np.array([b - a for a, b, _ in visits]),
                    0.0, 1000.0, 1.0)  # the trend alone says growing
    assert got["growing"] == 0.0


def test_the_trend_reads_waits_past_the_end_of_the_run() -> None:
    # window [0, 1000), no drain (the run ends at 1000), one server. Fifteen vehicles every 50
    # min from 0 to 700, 50 min each (no wait); one at 750 of 240 min (to 990); ten at 990 of
    # 100 min each, starting 990, 1090, ..., 1890. Busy all window: 750 + 240 + 10 = 1000.
    # First quarter's mean wait 0; last quarter's (the one at 750 and the ten) as admitted:
    # (0 + 0 + 100 + ... + 900) / 11 = 4500 / 11 = 409, growing. Cut at the run's end the ten
    # wait 0, 10, ..., 10: 90 / 11 = 8.2, under the hour (kills: the trend on cut waits)
    visits = [(t, t, t + 50.0) for t in np.arange(0.0, 750.0, 50.0)] + [(750.0, 750.0, 990.0)]
    visits += [(990.0, 990.0 + 100.0 * k, 1090.0 + 100.0 * k) for k in range(10)]
    got = station_kpis(_log(visits), 0.0, 1000.0, 1000.0)
    assert got["utilisation"] == 1.0 and got["queue_at_horizon"] == 9 and got["unserved"] == 9
    assert got["mean_wait_min"] == pytest.approx(90.0 / 26)  # the KPI's waits are cut
    assert got["growing"] == 1.0


def test_growing_at_its_thresholds() -> None:
    # window [0, 100): threshold max(2% x 50, 60) = 60. Seven vehicles at 0-6 wait 0, one at
    # 75 waits exactly 60: the rise is 60, which the rule's "at least" takes (kills: > for >=);
    # at exactly 95% busy it is busy enough (kills: <= for <)
    arrive, waits = np.array([0, 1, 2, 3, 4, 5, 6, 75.0]), np.array([0.0] * 7 + [60.0])
    assert _growing(arrive, waits, 0.0, 100.0, 0.95)
    assert not _growing(arrive, waits - np.r_[[0.0] * 7, 1e-9], 0.0, 100.0, 0.95)  # just under
    # a vehicle at 25, the second quarter's first minute, is not of the first quarter: its
    # wait of 1000 stays out of the first quarter's mean, 0 (kills: arrive <= warm-up + span/4)
    arrive, waits = np.array([0, 1, 2, 3, 4, 5, 25, 75.0]), np.array([0.0] * 6 + [1000.0, 60.0])
    assert _growing(arrive, waits, 0.0, 100.0, 1.0)


def test_a_queue_just_saturated_with_an_idle_spell_before_the_last_quarter() -> None:
    # window [0, 100), run to 200, one server. (arrive, start, end): (0, 0, 50), (51, 51, 99),
    # (75, 99, 150), (80, 150, 200). Busy inside the window 50 + 48 + 1 = 99: 0.99, the
    # saturation the rule takes (kills: > for >=). Queue: 0 until 75, 1 on [75, 80), 2 on
    # [80, 99), 1 on [99, 150): never empty over the last quarter [75, 100) though empty in the
    # third (kills: never-empty asked over the last half), and its mean there, 44 / 25 = 1.76,
    # above the first two quarters' 0. Four waits are too few for the trend, and the one
    # arriving at 80 is queued when demand stops: growing, by the saturated rule alone
    visits = [(0.0, 0.0, 50.0), (51.0, 51.0, 99.0), (75.0, 99.0, 150.0), (80.0, 150.0, 200.0)]
    got = station_kpis(_log(visits), 0.0, 100.0, 200.0)
    assert got["utilisation"] == 0.99 and got["queue_at_horizon"] == 1
    assert got["mean_queue"] == pytest.approx(44.0 / 100.0)
    assert got["growing"] == 1.0


def test_never_empty_reads_the_level_set_at_the_first_moment() -> None:
    # levels 0 from 0, 2 from 5, 1 from 8: from 5 (included) to 8 it always held 2 vehicles
    # (kills: the level in force at the start taken as the one before a change at that minute)
    t, q = np.array([0.0, 5.0, 8.0]), np.array([0.0, 2.0, 1.0])
    assert _never_empty(t, q, 5.0, 8.0) and not _never_empty(t, q, 4.0, 8.0)


def test_the_rise_takes_quarters_as_half_open_intervals() -> None:
    # window [0, 100), quarters [0, 25) and [75, 100). Containers created at 0 (1 day door to
    # door), 25 (100 days: the second quarter's, left out), 75 (3 days: the last quarter's
    # first minute) and 90 (2 days): rise (3 + 2) / 2 - 1 = 1.5 days (kills: the first
    # quarter closed at 25, -49 days; the last quarter open at 75, 1.0)
    created = np.array([0.0, 25.0, 75.0, 90.0])
    door = np.array([1.0, 100.0, 3.0, 2.0]) * 1440.0
    ones = np.ones(4, dtype=bool)
    assert _rise(door, created, ones, ones, 0.0, 100.0, 1e6) == 1.5


def test_fleet_and_path_queues_censor_at_the_end_and_count_the_still_queued() -> None:
    from corridor.analysis.kpis import _queue_grows, fleet_kpis

    # a fleet of one vehicle that never came back: a train asking at 10 still waits when the
    # run ends at 200, so its wait is 190 min, 3.17 h (kills: the wait cut at the horizon, 90)
    log = {"asked_min": np.array([10.0]), "got_min": np.array([np.nan]), "back_min": np.array([]),
           "vehicles": 1}
    assert fleet_kpis(log, 0.0, 100.0, 200.0)["mean_wait_h"] == pytest.approx(190.0 / 60.0)
    # window [0, 100), always busy: seven ask at 0-6 and get at once; one asking at 75 has
    # nothing when the run ends at 200: still queued when demand stops (NaN is not "got by
    # then"), waiting 125 >= the hour: growing (kills: NaN read as not queued)
    asked = np.array([0, 1, 2, 3, 4, 5, 6, 75.0])
    assert _queue_grows(asked, np.r_[asked[:7], np.nan], 0.0, 100.0, 1.0, 200.0) == 1.0
    # window [0, 1000): one asking at 750 gets at exactly 1000, when demand stops: it is no
    # longer queued then, so nothing is, and its wait of 250 does not make it growing
    # (kills: got < horizon for got <= horizon)
    asked = np.array([0, 1, 2, 3, 4, 5, 6, 750.0])
    assert _queue_grows(asked, np.r_[asked[:7], 1000.0], 0.0, 1000.0, 1.0) == 0.0
    assert _queue_grows(asked, np.r_[asked[:7], 1000.5], 0.0, 1000.0, 1.0) == 1.0


def test_the_rise_keeps_its_containers_when_exactly_the_stuck_share_is_left_out() -> None:
    # window [0, 100), first quarter [0, 25). Flow 0: 19 containers, all delivered; flow 1: one
    # created at 10 and still on the way, so flow 1 is left out: 1 of 20 = 5%, not more than
    # the 5% allowed, so the rise is taken over flow 0's 19. With a second stuck container
    # (2 of 21, 9.5%) the rise has no containers (kills: >= in place of >)
    from corridor.analysis.kpis import STUCK_SHARE, _rise_units

    assert STUCK_SHARE == 0.05
    flow = np.array([0] * 19 + [1])
    created = np.r_[np.linspace(0.0, 95.0, 19), 10.0]
    delivered = np.r_[np.ones(19, bool), False]
    kept = _rise_units(flow, created, np.ones(20, bool), delivered, 0.0, 100.0)
    assert kept.tolist() == [True] * 19 + [False]
    none = _rise_units(np.r_[flow, 1], np.r_[created, 12.0], np.ones(21, bool), np.r_[delivered, False],
                       0.0, 100.0)
    assert not none.any()
