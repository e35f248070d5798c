"""Gateway choice on a two-route toy network against the closed-form logit split, and the
split moving when a gateway closes."""

from __future__ import annotations

import textwrap

import numpy as np
import yaml
from scipy import stats

from corridor import simulate
from corridor.scenario.schema import Scenario

TOY = """\
name: toy
run: {start: 2027-03-01, horizon_days: DAYS, warmup_days: 0, drain_days: 10, replications: 1, seed: 9}
places:
  - {id: O, name: O, kind: rail_terminal, country: KZ, lat: 50, lon: 30, tz: UTC}
  - {id: G1, name: G1, kind: gauge_change_station, country: PL, lat: 51, lon: 29, tz: UTC,
     servers: 50, service_time: {dist: fixed, value_min: 1}}
  - {id: G2, name: G2, kind: gauge_change_station, country: PL, lat: 49, lon: 29, tz: UTC,
     servers: 50, service_time: {dist: fixed, value_min: 1}}
  - {id: D, name: D, kind: rail_terminal, country: DE, lat: 50, lon: 28, tz: UTC}
links:
  - {id: O-G1, from: O, to: G1, duration_min: 1440, cost_usd: 1000, bidirectional: false, units: [feu]}
  - {id: G1-D, from: G1, to: D, duration_min: 1440, cost_usd: 500, bidirectional: false, units: [feu]}
  - {id: O-G2, from: O, to: G2, duration_min: 2880, cost_usd: 900, bidirectional: false, units: [feu]}
  - {id: G2-D, from: G2, to: D, duration_min: 1440, cost_usd: 400, bidirectional: false, units: [feu]}
demand:
  - {id: F, kind: cargo, from: O, to: D, per_week: 700,
     gateways: {via: [G1, G2], value_of_time_usd_per_day: 100, scale_usd: 150}}
"""


def toy(days: int = 60, disruptions: str = "") -> Scenario:
    text = TOY.replace("DAYS", str(days)) + disruptions
    return Scenario.model_validate(yaml.safe_load(textwrap.dedent(text)))


def closed_form_share_g1() -> float:
    # G1: USD 1,500 + 2 d x 100 = 1,700; G2: USD 1,300 + 3 d x 100 = 1,600 (no queues: 50 servers
    # of 1 min each); logit on -cost / 150
    c = np.array([1700.0, 1600.0]) / 150.0
    e = np.exp(-c - np.max(-c))
    return float(e[0] / e.sum())


def test_two_route_split_is_the_closed_form_logit() -> None:
    result = simulate(toy(), replications=1)
    rec = result.records[0]
    u = rec.units
    g1, g2 = rec.places.index("G1"), rec.places.index("G2")
    assert set(np.unique(u["gateway"]).tolist()) == {g1, g2}
    n, k = u["gateway"].size, int(np.sum(u["gateway"] == g1))
    p = closed_form_share_g1()  # 0.3392
    assert n > 5000
    assert stats.binomtest(k, n, p).pvalue > 0.001  # the split is the logit's
    assert abs(k / n - p) < 0.02
    # the KPI says the same from the records (no warm-up here: every container counts)
    share = result.kpis[0]["flows"]["F"]["gateway_share"]
    assert share["G1"] == k / n and share["G1"] + share["G2"] == 1.0
    # each container crossed the gateway it chose, and paid that route's tariff
    delivered = u["status"] == 4
    chose_g1 = u["gateway"] == g1
    np.testing.assert_allclose(u["cost_usd"][delivered & chose_g1], 1500.0)
    np.testing.assert_allclose(u["cost_usd"][delivered & ~chose_g1], 1300.0)


def test_closing_a_gateway_moves_the_split() -> None:
    # G1 shut from day 20 to day 40: containers created then see a wait until it reopens
    closure = """\
disruptions:
  - {id: SHUT, target: G1, start: 2027-03-21T00:00Z, end: 2027-04-10T00:00Z}
"""
    rec = simulate(toy(disruptions=closure), replications=1).records[0]
    u = rec.units
    g1 = rec.places.index("G1")
    day = u["created_min"] / 1440
    before = np.mean(u["gateway"][day < 18] == g1)
    during = np.mean(u["gateway"][(day >= 20) & (day < 36)] == g1)
    after = np.mean(u["gateway"][day >= 42] == g1)
    assert during < 0.02 < before - 0.2  # almost nobody heads for a shut gateway
    assert abs(after - closed_form_share_g1()) < 0.05  # and the split comes back
    # those already on the way when it shut wait there, and the books balance (checked inside)
    assert np.all(np.isfinite(u["arrival_min"][u["status"] == 4]))
