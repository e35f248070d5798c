"""Gateway choice on a two-route toy network against the closed-form logit split, and the
split moving when a gateway closes."""

from __future__ import annotations

import itertools
import textwrap

import numpy as np
import pytest
import yaml
from scipy import stats

from corridor import simulate
from corridor.planning.search import Planner
from corridor.scenario.schema import Scenario
from corridor.simulation import Records, Replication, run_timetable
from corridor.simulation.gateways import Commitments, forecast_path_wait
from corridor.simulation.stations import PathPool

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


TRAINS = """\
name: trains
run: {start: 2027-03-01, horizon_days: 60, warmup_days: 0, drain_days: 10, replications: 1, seed: 4}
places:
  - {id: O, name: O, kind: rail_terminal, country: KZ, lat: 50, lon: 30, tz: UTC, checkin_min: 240}
  - {id: H, name: H, kind: gauge_change_station, country: KZ, lat: 50, lon: 29.5, tz: UTC}
  - {id: G1, name: G1, kind: gauge_change_station, country: PL, lat: 51, lon: 29, tz: UTC}
  - {id: G2, name: G2, kind: gauge_change_station, country: PL, lat: 49, lon: 29, tz: UTC}
  - {id: D, name: D, kind: rail_terminal, country: DE, lat: 50, lon: 28, tz: UTC}
services:
  - {id: BLK, mode: rail, unit: feu, stops: [O, H], dispatch: {cutoff_min: 720}, capacity: 10,
     duration_min: 60, distance_km: 40}
  - {id: BLK-G1, mode: rail, unit: feu, stops: [H, G1], dispatch: {cutoff_min: 0}, capacity: 50,
     duration_min: 1440, distance_km: 100, cost_usd: 1000}
  - {id: BLK-G2, mode: rail, unit: feu, stops: [H, G2], dispatch: {cutoff_min: 0}, capacity: 50,
     duration_min: 2880, distance_km: 100, cost_usd: 900}
links:
  - {id: G1-D, from: G1, to: D, duration_min: 1440, cost_usd: 500, bidirectional: false, units: [feu]}
  - {id: G2-D, from: G2, to: D, duration_min: 1440, cost_usd: 400, bidirectional: false, units: [feu]}
demand:
  - {id: F, kind: cargo, from: O, to: D, per_week: 350,
     gateways: {via: [G1, G2], value_of_time_usd_per_day: 100, scale_usd: 150, block_feu: 41}}
  - {id: F2, kind: cargo, from: O, to: D, per_week: 70,
     gateways: {via: [G2], value_of_time_usd_per_day: 100, scale_usd: 150, block_feu: 41}}
"""


def test_a_block_train_from_the_origin_chooses_its_gateway_and_runs_through() -> None:
    # Two flows share the block train from O (10 FEU, 12-hour cut-off); every gateway's route
    # starts with it, so each train's containers of a flow choose together when it leaves (not
    # 41 consecutive containers, which would straddle trains): a train's part of a flow goes to
    # one gateway and leaves H as one train with whatever else on board goes there. Witnesses:
    # the containers' departures (who left O on which train), the trips of the onward blocks,
    # and the closed-form logit over the trains' decisions.
    rec = simulate(Scenario.model_validate(yaml.safe_load(TRAINS)), replications=1).records[0]
    u, dep = rec.units, rec.departures
    o, f = rec.places.index("O"), rec.flows.index("F")
    trains: dict[float, list[int]] = {}
    for unit, place, minute in zip(dep["unit"].tolist(), dep["place"].tolist(), dep["depart_min"].tolist(),
                                   strict=True):
        if place == o:
            trains.setdefault(minute, []).append(unit)
    parts, onward, g1 = 0, 0, 0
    for units in trains.values():
        ours = [k for k in units if u["flow"][k] == f]
        chosen = set(u["gateway"][units].tolist())
        assert len(set(u["gateway"][ours].tolist())) <= 1  # one gateway per train and flow
        parts += bool(ours)
        g1 += bool(ours) and u["gateway"][ours[0]] == rec.places.index("G1")
        onward += len(chosen)  # a train for each gateway its containers chose, no more
    trips = rec.trips
    sent = np.isin(trips["service"], [rec.services.index("BLK-G1"), rec.services.index("BLK-G2")])
    assert int(sent.sum()) == onward
    assert parts > 300 and stats.binomtest(g1, parts, closed_form_share_g1()).pvalue > 0.001


def test_gateway_shares_are_of_the_containers_that_chose() -> None:
    # with no drain, the containers created in the last hours still wait for their train at O
    # when the run ends, with no gateway yet: the shares are of those that chose, and add to 1
    s = Scenario.model_validate(yaml.safe_load(TRAINS.replace("drain_days: 10", "drain_days: 0")))
    result = simulate(s, replications=1)
    u = result.records[0].units
    f = result.records[0].flows.index("F")
    waiting = (u["flow"] == f) & (u["gateway"] < 0)
    assert waiting.any()
    share = result.kpis[0]["flows"]["F"]["gateway_share"]
    assert sum(share.values()) == pytest.approx(1.0)
    g1 = result.records[0].places.index("G1")
    chose = (u["flow"] == f) & (u["gateway"] >= 0)
    assert share["G1"] == np.sum(chose & (u["gateway"] == g1)) / np.sum(chose)


def test_a_gateway_nobody_takes_reads_0_and_one_not_the_flows_reads_nothing() -> None:
    # a share of 0 was left out of each replication's KPIs and printed "-", which the tables
    # use for undefined, while the summary counted it 0 (an independent KPI check, 2026-12-04)
    from corridor.report.run_text import cargo_tables

    text = (TOY.replace("DAYS", "14").replace("cost_usd: 1000", "cost_usd: 1000000")
            + "  - {id: F2, kind: cargo, from: O, to: D, per_week: 70,\n"
              "     gateways: {via: [G2], value_of_time_usd_per_day: 100, scale_usd: 150}}\n")
    result = simulate(Scenario.model_validate(yaml.safe_load(textwrap.dedent(text))), replications=2)
    for rec, kpis in zip(result.records, result.kpis, strict=True):
        u = rec.units
        for flow, via in (("F", ["G1", "G2"]), ("F2", ["G2"])):
            chose = (u["flow"] == rec.flows.index(flow)) & (u["gateway"] >= 0)
            assert chose.any(), "precondition"
            want = {g: np.sum(chose & (u["gateway"] == rec.places.index(g))) / np.sum(chose) for g in via}
            assert kpis["flows"][flow]["gateway_share"] == want
        assert kpis["flows"]["F"]["gateway_share"]["G1"] == 0.0  # USD 1 million by G1
    table = "\n".join(cargo_tables(result)).splitlines()
    assert table[-4].split() == ["flow", "G1", "G2"]
    assert table[-2].split()[:2] == ["F", "0"] and table[-1].split()[:2] == ["F2", "-"], table


def test_containers_still_checking_in_at_the_end_are_counted_at_their_origin() -> None:
    # A container of a flow whose routes all start with the block train from O is made when its
    # 4-hour check-in ends (one event, not two). With no drain the run ends while the last
    # arrivals still check in: they must exist all the same, waiting at O with no gateway yet,
    # one unit for each arrival the flow's own demand stream draws before the end.
    from corridor.simulation.demand import arrival_times
    from corridor.simulation.streams import Streams

    s = Scenario.model_validate(yaml.safe_load(TRAINS.replace("drain_days: 10", "drain_days: 0")))
    rec = simulate(s, replications=1).records[0]
    u = rec.units
    end = 60 * 1440
    o = rec.places.index("O")
    checking_in = 0
    for f, flow in enumerate(s.demand):
        times = arrival_times(flow, end, Streams(4, 0)(f"demand:{flow.id}"), epoch=s.run.epoch)
        mine = u["flow"] == f
        np.testing.assert_array_equal(np.sort(u["created_min"][mine]), times)
        late = mine & (u["created_min"] >= end - 240)
        assert late.sum() == np.sum(times >= end - 240)
        checking_in += int(late.sum())
        assert np.all(u["status"][late] == 0) and np.all(u["place"][late] == o)  # waiting at O
        assert np.all(u["gateway"][late] < 0)
        # the others joined their train's queue: moving only on a train, with a gateway chosen
        assert not np.any((u["status"] == 2) & (u["gateway"] < 0) & mine & ~late)
    assert checking_in > 0


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


# ---- the wait for departure paths, forecast behind the blocks already heading for a gateway

def plain_path_wait(used: dict[int, int], ahead: list[tuple[float, int]], eta: float, feu: int,
                    per_day: int, capacity: int, now: float, weekdays: set[int] | None = None) -> float:
    """The forecast by hand: containers queue for paths in order of arrival (their blocks'
    expected arrival), a train of ``capacity`` leaves on each path, at most ``per_day`` a day
    (on the days whose number mod 7 is in ``weekdays``; all when None); when does this block's
    last container leave?"""
    queue = [max(e, now) for e, size in sorted(ahead) if e <= eta for _ in range(size)]
    queue += [max(eta, now)] * feu
    taken = dict(used)
    day, leave = 0, 0.0
    for k in range(0, len(queue), capacity):  # every ``capacity`` containers fill a train
        ready = queue[min(k + capacity, len(queue)) - 1]
        day = max(day, int(ready // 1440))
        while taken.get(day, 0) >= per_day or (weekdays is not None and day % 7 not in weekdays):
            day += 1
        taken[day] = taken.get(day, 0) + 1
        leave = max(ready, day * 1440.0)
    return min(leave - max(eta, now), 90 * 1440.0)  # as the forecast: counted up to 90 days


@pytest.mark.parametrize("seed", range(40))
def test_forecast_path_wait_against_a_plain_queue(seed: int) -> None:
    rng = np.random.default_rng(seed)
    capacity = int(rng.integers(5, 40))
    per_day = int(rng.integers(1, 4))
    now = float(rng.uniform(0, 3 * 1440))
    used = {int(d): int(rng.integers(0, per_day + 1)) for d in rng.integers(0, 6, 4)}
    # blocks that fill whole trains (the plain queue does not share a train between blocks
    # that arrive apart), some already there (arrival before now), two at the same minute
    sizes = rng.integers(1, 4, int(rng.integers(0, 6))) * capacity
    etas = rng.uniform(0, 8 * 1440, sizes.size).round(-1)
    if sizes.size > 1:
        etas[1] = etas[0]
    ahead = sorted((float(e), int(s)) for e, s in zip(etas, sizes, strict=True))  # as Commitments.ahead
    eta = float(rng.uniform(0, 8 * 1440))
    feu = int(rng.integers(1, 4)) * capacity
    before = dict(used)
    got = forecast_path_wait(used, ahead, eta, feu, per_day, capacity, now)
    assert got == pytest.approx(plain_path_wait(before, ahead, eta, feu, per_day, capacity, now))
    assert used == before  # a forecast takes no path
    # the engine hands over its pool (with its pointers past full days): the same answer, and
    # the pool's paths as they were
    pool = PathPool(per_day)
    for day, n in sorted(used.items()):
        for _ in range(min(n, per_day)):
            pool.take(day * 1440.0)
    pool_before = dict(pool.used)
    assert forecast_path_wait(pool, ahead, eta, feu, per_day, capacity, now) == got
    assert pool.used == pool_before



@pytest.mark.parametrize("seed", range(40))
def test_forecast_through_a_long_backlog_against_a_plain_queue(seed: int) -> None:
    # a jammed gateway: tens of blocks of any size (trains shared between blocks), many there
    # already and handed over as one sum of containers, paths taken days apart up to four
    # months out, and waits past the 90-day cap
    rng = np.random.default_rng(1000 + seed)
    capacity, per_day = int(rng.integers(5, 40)), int(rng.integers(1, 5))
    now = float(rng.uniform(0, 20 * 1440))
    used = {int(d): int(rng.integers(0, per_day + 1)) for d in rng.integers(0, 120, int(rng.integers(0, 60)))}
    n = int(rng.integers(0, 50))
    ahead = sorted((float(e), int(s)) for e, s in zip(rng.uniform(0, 40 * 1440, n).round(-1),
                                                      rng.integers(1, 4 * capacity, n), strict=True))
    eta = now + float(rng.choice([0.0, rng.uniform(0, 25 * 1440)]))  # as the engine's: not before now
    feu = int(rng.integers(1, 3 * capacity))
    expected = plain_path_wait(used, ahead, eta, feu, per_day, capacity, now)
    pool = PathPool(per_day, used)
    assert forecast_path_wait(pool, ahead, eta, feu, per_day, capacity, now) == pytest.approx(expected)
    due = [size for e, size in ahead if e <= now]
    pending = [(e, size) for e, size in ahead if e > now]
    got = forecast_path_wait(pool, pending, eta, feu, per_day, capacity, now, due_feu=float(sum(due)))
    assert got == pytest.approx(expected)
    assert pool.used == used


@pytest.mark.parametrize("seed", range(40))
def test_a_pool_with_paths_on_some_weekdays_against_a_plain_queue(seed: int) -> None:
    # paths on one to six weekdays only (a service three times a week, say), the run starting
    # on any weekday: the pool's own takes, and the forecast behind a backlog of any blocks
    rng = np.random.default_rng(2000 + seed)
    capacity, per_day = int(rng.integers(5, 40)), int(rng.integers(1, 4))
    weekdays = tuple(sorted(rng.choice(7, int(rng.integers(1, 7)), replace=False).tolist()))
    first = int(rng.integers(0, 7))  # the weekday of day 0
    open_mod = {k for k in range(7) if (first + k) % 7 in weekdays}  # day numbers mod 7 with paths
    pool = PathPool(per_day, weekdays=weekdays, first_weekday=first)
    plain: dict[int, int] = {}
    for t in np.sort(rng.uniform(0, 30 * 1440, int(rng.integers(0, 40)))).tolist():
        day = int(t // 1440)
        while plain.get(day, 0) >= per_day or day % 7 not in open_mod:
            day += 1
        plain[day] = plain.get(day, 0) + 1
        assert pool.take(t) == max(t, day * 1440.0)
    assert pool.used == plain
    now = float(rng.uniform(0, 20 * 1440))
    n = int(rng.integers(0, 30))
    ahead = sorted((float(e), int(size)) for e, size in zip(rng.uniform(0, 40 * 1440, n).round(-1),
                                                            rng.integers(1, 4 * capacity, n), strict=True))
    eta = now + float(rng.choice([0.0, rng.uniform(0, 25 * 1440)]))
    feu = int(rng.integers(1, 3 * capacity))
    expected = plain_path_wait(plain, ahead, eta, feu, per_day, capacity, now, open_mod)
    due = [size for e, size in ahead if e <= now]
    pending = [(e, size) for e, size in ahead if e > now]
    got = forecast_path_wait(pool, pending, eta, feu, per_day, capacity, now, due_feu=float(sum(due)))
    assert got == pytest.approx(expected)
    assert pool.used == plain  # a forecast takes no path


@pytest.mark.parametrize("seed", range(20))
def test_commitments_keep_the_blocks_due_and_the_rest_in_order(seed: int) -> None:
    # blocks opened, joined and leaving in any order as time goes on: what the ledger hands a
    # forecast against a plain list of the blocks still owed paths
    rng = np.random.default_rng(seed)
    ledger = Commitments()
    plain: dict[int, list[float]] = {}  # block -> [eta, FEU still without a path]
    block_of: dict[int, int] = {}  # container -> its block
    units: list[int] = []  # containers still without a path
    ids = itertools.count()
    now = 0.0
    for _ in range(400):
        now += float(rng.exponential(300.0))
        action = rng.random()
        if action < 0.25:
            eta = now + float(rng.choice([0.0, rng.uniform(0, 5 * 1440)]))
            feu = int(rng.integers(1, 6))
            block = ledger.open(7, eta, feu)
            plain[block] = [eta, feu]
            for _ in range(feu):
                unit = next(ids)
                units.append(unit)
                ledger.join(unit, 7, block)
                block_of[unit] = block
        elif action < 0.8 and units:
            unit = units.pop(int(rng.integers(0, len(units))))
            ledger.left(unit, 7)
            block = block_of.pop(unit)
            plain[block][1] -= 1
            if plain[block][1] == 0:
                del plain[block]
        due_feu, pending = ledger.ahead(7, now)
        blocks = sorted((eta, b, left) for b, (eta, left) in plain.items())
        assert due_feu == sum(left for eta, _, left in blocks if eta <= now)
        # (blocks done are read with 0 left until the ledger forgets them)
        owed = [(eta, left) for eta, _, left in blocks if eta > now]
        assert [(e[0], e[-1]) for e in pending if e[-1]] == owed


JAM = """\
name: jam
run: {start: 2027-03-01, horizon_days: 90, warmup_days: 0, drain_days: 60, replications: 1, seed: 3}
places:
  - {id: O, name: O, kind: rail_terminal, country: KZ, lat: 50, lon: 30, tz: UTC}
  - {id: G1, name: G1, kind: gauge_change_station, country: PL, lat: 51, lon: 29, tz: UTC}
  - {id: G2, name: G2, kind: gauge_change_station, country: PL, lat: 49, lon: 29, tz: UTC}
  - {id: D, name: D, kind: rail_terminal, country: DE, lat: 50, lon: 28, tz: UTC}
services:
  - {id: EU1, mode: rail, unit: feu, stops: [G1, D], dispatch: {cutoff_min: 1440, paths_per_day: 1},
     duration_min: 1440, capacity: 28, cost_usd: 0}
  - {id: EU2, mode: rail, unit: feu, stops: [G2, D], dispatch: {cutoff_min: 1440, paths_per_day: 10},
     duration_min: 1440, capacity: 28, cost_usd: 300}
links:
  - {id: O-G1, from: O, to: G1, duration_min: 14400, bidirectional: false, units: [feu]}
  - {id: O-G2, from: O, to: G2, duration_min: 14400, bidirectional: false, units: [feu]}
demand:
  - {id: F, kind: cargo, from: O, to: D, per_week: 280,
     gateways: {via: [G1, G2], value_of_time_usd_per_day: 100, scale_usd: 50, block_feu: 28}}
"""


def test_blocks_see_the_queue_they_will_meet_at_a_gateway() -> None:
    # G1 is USD 300 cheaper but lets out one train of 28 a day (196 FEU a week) against 280 a
    # week offered, ten days' ride away. Blocks that saw only the trains already at G1 herd to
    # it while its queue looks short, and starve it while it looks long: the wait swings (sd
    # 3.5-3.8 d, up to 12.5 d, seeds 3-5). Seeing also the blocks on the way, G1's expected wait
    # holds near the ~3 days that cost the USD 300 it saves, where the logit splits evenly.
    rec = simulate(Scenario.model_validate(yaml.safe_load(JAM)), replications=1).records[0]
    u, dep = rec.units, rec.departures
    g1 = rec.places.index("G1")
    created = u["created_min"] / 1440
    to_g1 = u["gateway"] == g1
    assert 0.35 < np.mean(to_g1[created >= 30]) < 0.8
    left_g1 = {int(k): t for k, p, t in zip(dep["unit"], dep["place"], dep["depart_min"], strict=True)
               if p == g1}
    wait = np.array([left_g1[int(k)] / 1440 - c - 10  # days at G1 (the ride is 10)
                     for k, c in zip(u["id"][to_g1], created[to_g1], strict=True)])
    late = created[to_g1] >= 60
    # days at G1: 1.97-2.0 at seeds 3-5 (1.97-2.46 before a train waiting for its path took on
    # what came; G1's trains now leave full, 27.7-28 FEU): below the 3 days, as the logit
    # leaves some blocks on G2 at any wait
    assert 1.5 < np.mean(wait[late]) < 6.0
    assert np.std(wait[late]) < 2.0  # steady, not swinging (0.8-1.2 d, seeds 3-5)
    assert np.all(u["status"] == 4)



def test_a_blocks_eta_counts_the_stations_up_to_its_gateway_only() -> None:
    # JAM with a fixed 600-min service at G1 and at D (one server each, both empty at time 0).
    # A block choosing G1 at 0 rides 14,400 min to it; the calls it expects are G1 then D, and
    # only G1 (the first, up to the gateway) lies before the gateway's exit paths. Hand
    # calculation: wait = 600 (G1) + 600 (D) + 0 (no block ahead for EU1's paths) = 1,200;
    # eta at the gateway = 14,400 + 600 = 15,000; from the gateway to its exit = 600. Via G2
    # (no station there) the wait is D's 600, the eta the ride alone, 14,400, and 0 to its
    # exit. Guards the index that
    # closes the stations before the gateway (k + 1 == calls_to_gateway): with k == it, D's
    # service was counted before the gateway too (15,600 and 1,200)
    service = ", servers: 1, service_time: {dist: fixed, value_min: 600}}"
    text = JAM  # G1 and D get the service
    for place in ("country: PL, lat: 51, lon: 29, tz: UTC", "country: DE, lat: 50, lon: 28, tz: UTC"):
        text = text.replace(place + "}", place + service)
    scenario = Scenario.model_validate(yaml.safe_load(text))
    tt = run_timetable(scenario)
    rep = Replication(scenario, tt, {u: Planner(tt, unit=u) for u in ("pax", "feu")}, 0)
    options = {tt.places[o.gateway]: o for o in rep.gateways.options[0]}
    assert [tt.places[c] for c in options["G1"].calls] == ["G1", "D"]
    assert rep.gateways.expected_wait(options["G1"], 0.0, 28) == (1200.0, 15000.0, 600.0)
    assert rep.gateways.expected_wait(options["G2"], 0.0, 28) == (600.0, 14400.0, 0.0)

def test_a_gateway_no_route_can_cross_is_named(tmp_path, capsys) -> None:
    from conftest import SCENARIOS
    from corridor.cli import main
    from corridor.scenario import load_scenario
    from corridor.simulation.gateways import gateways_left_out

    # G3 is listed but nothing reaches it: the choice leaves it out, and validate says so
    g3 = "  - {id: G3, name: G3, kind: border_station, country: PL, lat: 48, lon: 29, tz: UTC}\n"
    text = (TOY.replace("DAYS", "20").replace("  - {id: D, name: D,", g3 + "  - {id: D, name: D,")
            .replace("via: [G1, G2]", "via: [G1, G2, G3]"))
    scenario = Scenario.model_validate(yaml.safe_load(text))
    assert gateways_left_out(scenario) == [("F", "G3")]
    assert gateways_left_out(load_scenario(SCENARIOS / "baseline.yaml")) == []
    path = tmp_path / "toy.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 0
    assert "F: no route crosses gateway G3 alone" in capsys.readouterr().err


def test_a_gateway_a_faster_and_cheaper_route_avoids_is_still_its_flows(tmp_path, capsys) -> None:
    from corridor.cli import main
    from corridor.simulation.gateways import gateways_left_out

    # G2's route (3 days, USD 1,600) is beaten in time and cost by G1's (2 days, USD 1,500);
    # a flow that lists G2 alone crosses it all the same (the route through a gateway is the
    # fastest chain that reaches it). It was left out as "no route crosses G2 alone", and the
    # flow's containers went by G1, which it does not list
    text = (TOY.replace("DAYS", "20").replace("2880, cost_usd: 900", "2880, cost_usd: 1200")
            .replace("via: [G1, G2]", "via: [G2]"))
    scenario = Scenario.model_validate(yaml.safe_load(text))
    assert gateways_left_out(scenario) == []
    rec = simulate(scenario, replications=1).records[0]
    u = rec.units
    delivered = u["status"] == 4
    assert delivered.sum() > 1000 and np.all(u["gateway"] == rec.places.index("G2"))
    np.testing.assert_allclose(u["cost_usd"][delivered], 1600.0)  # O-G2 1,200 + G2-D 400
    path = tmp_path / "toy.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 0
    assert "no route crosses gateway" not in capsys.readouterr().err


def test_a_gateway_shut_all_run_is_no_choice_and_validate_says_so(tmp_path, capsys) -> None:
    from corridor.cli import main
    from corridor.simulation.gateways import gateways_left_out, gateways_shut

    # the only way on from G1 is closed for the whole run (horizon and drain): blocks sent to
    # G1 would wait there to the end (the choice forecast the station's queues, not the link's
    # closure: 34% of the containers were stranded)
    closure = """
disruptions:
  - {id: SHUT, target: G1-D, start: 2027-02-01T00:00Z, end: 2027-06-01T00:00Z}
"""
    scenario = toy(days=20, disruptions=closure)
    rec = simulate(scenario, replications=1).records[0]
    u = rec.units
    assert not np.any(u["gateway"] == rec.places.index("G1"))
    assert np.all(u["status"] == 4)  # every container delivered, by G2
    assert gateways_shut(scenario) == [("F", "G1", ["SHUT"])]
    assert gateways_left_out(scenario) == []  # G1 is reachable: it is the closure that removes it
    assert gateways_shut(toy(days=20)) == []
    path = tmp_path / "toy.yaml"
    path.write_text(TOY.replace("DAYS", "20") + closure)
    assert main(["validate", str(path)]) == 0
    assert ("F: every route through gateway G1 takes what SHUT holds shut for the whole run"
            in capsys.readouterr().err)


def test_a_gateway_flow_to_a_place_shut_all_run_waits_at_its_origin(tmp_path, capsys) -> None:
    # the destination shut for the whole run: nothing reaches it, by the docs, and validate
    # says the flow's containers wait at their origin; the gateway routes still took them in,
    # to be held at D (a re-test)
    from corridor.cli import main

    closure = """
disruptions:
  - {id: SHUT, target: D, start: 2027-02-01T00:00Z, end: 2027-06-01T00:00Z}
"""
    rec = simulate(toy(days=20, disruptions=closure), replications=1).records[0]
    u = rec.units
    assert np.all(u["status"] == 0) and np.all(u["place"] == rec.places.index("O"))  # waiting
    assert np.all(u["gateway"] < 0)
    # with a place nobody uses shut beside it: each warning names the closure in the way only
    unused = "  - {id: Z, name: Z, kind: rail_terminal, country: DE, lat: 52, lon: 28, tz: UTC}\nlinks:"
    closure += "  - {id: ELSE, target: Z, start: 2027-02-01T00:00Z, end: 2027-06-01T00:00Z}\n"
    path = tmp_path / "toy.yaml"
    path.write_text(TOY.replace("DAYS", "20").replace("links:", unused, 1) + closure)
    assert main(["validate", str(path)]) == 0
    err = capsys.readouterr().err
    assert "F: every route through gateway G1 takes what SHUT holds shut" in err and "ELSE" not in err, err


def test_run_text_shows_gateway_shares_counting_a_gateway_nobody_took_as_zero() -> None:
    from types import SimpleNamespace

    from corridor.analysis.kpis import summarise
    from corridor.report.run_text import cargo_tables

    # replication 1 sent nobody through G2: its share there is 0, not left out of the mean
    kpis = [{"flows": {"F": {"gateway_share": {"G1": 0.6, "G2": 0.4}}}},
            {"flows": {"F": {"gateway_share": {"G1": 1.0}}}}]
    text = "\n".join(cargo_tables(SimpleNamespace(summary=summarise(kpis), kpis=kpis)))
    row = next(line for line in text.splitlines() if line.startswith("F "))
    # t(0.975, 1) = 12.706: 80 ± 254 and 20 ± 254, cut at 0 and 100
    assert row.split()[1:] == ["80", "(0-100)%", "20", "(0-100)%"]
    assert "Departure paths" not in text


def test_a_gateway_nobody_chose_in_a_replication_counts_0_there() -> None:
    # a replication reports the gateways its containers chose; the summary (run --json,
    # summary.json, sweep tables) averaged each share over the replications that chose it, so a
    # gateway taken by half the containers of one replication in two read 50%, not 25%, and the
    # shares added up to more than 1; a replication where no container chose says nothing
    from corridor.analysis.kpis import summarise

    reps = [{"flows": {"F": {"created": 2, "gateway_share": {"G1": 1.0}}}},
            {"flows": {"F": {"created": 2, "gateway_share": {"G1": 0.5, "G2": 0.5}}}},
            {"flows": {"F": {"created": 0}}}]
    s = summarise(reps)
    assert s["flows.F.gateway_share.G1"]["mean"] == 0.75 and s["flows.F.gateway_share.G1"]["n"] == 2
    assert s["flows.F.gateway_share.G2"]["mean"] == 0.25 and s["flows.F.gateway_share.G2"]["n"] == 2


LEARN = """\
name: learn
run: {start: 2027-03-01, horizon_days: 720, warmup_days: 0, drain_days: 20, replications: 1, seed: 6}
places:
  - {id: O, name: O, kind: rail_terminal, country: KZ, lat: 50, lon: 30, tz: UTC}
  - {id: H, name: H, kind: gauge_change_station, country: KZ, lat: 50, lon: 29.5, tz: UTC}
  - {id: G1, name: G1, kind: gauge_change_station, country: PL, lat: 51, lon: 29, tz: UTC}
  - {id: G2, name: G2, kind: gauge_change_station, country: PL, lat: 49, lon: 29, tz: UTC}
  - {id: D, name: D, kind: rail_terminal, country: DE, lat: 50, lon: 28, tz: UTC}
services:
  - {id: BLK, mode: rail, unit: feu, stops: [O, H], dispatch: {cutoff_min: 2880}, capacity: 10,
     duration_min: 60, distance_km: 40}
  - {id: BLK-G1, mode: rail, unit: feu, stops: [H, G1], dispatch: {cutoff_min: 0}, capacity: 50,
     duration_min: 1440, distance_km: 100, cost_usd: 1000}
  - {id: BLK-G2, mode: rail, unit: feu, stops: [H, G2], dispatch: {cutoff_min: 0}, capacity: 50,
     duration_min: 1440, distance_km: 100, cost_usd: 1000}
  - {id: EU1, mode: rail, unit: feu, stops: [G1, D], dispatch: {cutoff_min: 0}, capacity: 50,
     duration_min: 1440, distance_km: 100, cost_usd: 500}
  - {id: EU2, mode: rail, unit: feu, stops: [G2, D], dispatch: {cutoff_min: 1440}, capacity: 50,
     duration_min: 1440, distance_km: 100, cost_usd: 500}
demand:
  - {id: F, kind: cargo, from: O, to: D, per_week: 7, arrivals: uniform,
     gateways: {via: [G1, G2], value_of_time_usd_per_day: 150, scale_usd: 150, experience_weight: WEIGHT}}
"""


def replicated(scenario: Scenario) -> Replication:
    """Replication 0 of ``scenario``, run: its gateways' learnt corrections are read off it."""
    tt = run_timetable(scenario)
    rep = Replication(scenario, tt, {u: Planner(tt, unit=u) for u in ("pax", "feu")}, 0,
                      seed=scenario.run.seed)
    rep.run()
    return rep


@pytest.mark.parametrize("weight", [0.0, 0.3, 1.0])
def test_blocks_learn_what_the_forecast_leaves_out(weight: float) -> None:
    # G1 and G2 cost and ride the same, but EU2 out of G2 waits a day for its cut-off, which the
    # forecast (queues and paths) does not see; the block trains from O leave three days apart
    # (a container a day, and the third lands at the minute of the first's two-day cut-off, which
    # it leaves with), so every block at G2 waits exactly 1,440 minutes there. After n blocks
    # have left G2, its correction is 1,440 x (1 - (1 - weight)^n); with weight 1 the first
    # teaches it all, and the blocks that choose after that go to G2 by the logit on one day's
    # value of time, USD 150 at a scale of 150: 1 / (1 + e).
    rep = replicated(Scenario.model_validate(yaml.safe_load(LEARN.replace("WEIGHT", str(weight)))))
    rec = Records.of(rep, 0)
    g2, eu2 = rec.places.index("G2"), rec.services.index("EU2")
    blocks_at_g2 = int(np.sum(rec.trips["service"] == eu2))
    assert blocks_at_g2 > 45
    expected = 1440.0 * (1.0 - (1.0 - weight) ** blocks_at_g2)
    assert rep.gateways.experience.get(g2, 0.0) == pytest.approx(expected, abs=1e-6)
    assert rep.gateways.experience.get(rec.places.index("G1"), 0.0) == pytest.approx(0.0, abs=1e-6)
    # the blocks' split, each train's containers counted once, after the first block left G2
    u, dep = rec.units, rec.departures
    first_left_g2 = min(t for p, t in zip(dep["place"].tolist(), dep["depart_min"].tolist(), strict=True)
                        if p == g2)
    o = rec.places.index("O")
    trains = {t: int(u["gateway"][k]) for k, p, t in zip(dep["unit"].tolist(), dep["place"].tolist(),
                                                          dep["depart_min"].tolist(), strict=True)
              if p == o and t > first_left_g2}
    n, k = len(trains), sum(1 for g in trains.values() if g == g2)
    assert n > 230  # a train every three days over 720
    p = 0.5 if weight == 0.0 else 1.0 / (1.0 + np.e)
    if weight in (0.0, 1.0):
        assert stats.binomtest(k, n, p).pvalue > 0.001
    else:  # the correction reaches a day within a few blocks: the split is nearly the one-day logit
        assert abs(k / n - 1.0 / (1.0 + np.e)) < 0.08


def test_a_block_of_consecutive_containers_is_judged_by_its_last() -> None:
    # Routes start with links, so each 3 consecutive containers (one a day) decide together and
    # travel apart; each waits 600 minutes alone for EU2's cut-off out of G2. A block's error is
    # its last container's leaving against that container's own forecast: 600, not the two days
    # between the first container's choice and the last one's.
    text = (LEARN.replace("WEIGHT", "0.5").replace("experience_weight", "block_feu: 3, experience_weight")
            .replace("EU2, mode: rail, unit: feu, stops: [G2, D], dispatch: {cutoff_min: 1440}",
                     "EU2, mode: rail, unit: feu, stops: [G2, D], dispatch: {cutoff_min: 600}")
            .replace("horizon_days: 720", "horizon_days: 240"))
    services = yaml.safe_load(text)
    services["services"] = [s for s in services["services"] if s["id"].startswith("EU")]
    services["links"] = [{"id": f"O-{g}", "from": "O", "to": g, "duration_min": 2880, "cost_usd": 1000,
                          "bidirectional": False, "units": ["feu"]} for g in ("G1", "G2")]
    rep = replicated(Scenario.model_validate(services))
    rec = Records.of(rep, 0)
    g2 = rec.places.index("G2")
    through_g2 = int(np.sum((rec.units["gateway"] == g2) & (rec.units["status"] == 4)))
    assert through_g2 % 3 == 0 and through_g2 > 60
    assert rep.gateways.experience[g2] == pytest.approx(600.0 * (1.0 - 0.5 ** (through_g2 // 3)), abs=1e-6)


def test_gateway_forecast_kpis_from_the_containers_departures() -> None:
    # each block's leaving found again from the records of its containers: a block is a flow's
    # containers that left O on one train (the choice is made as it leaves), and it left the
    # gateway when the last of them did; the KPI is the mean of those against the forecasts
    # EU trains of one container on one path a day: a block's containers leave apart
    text = (LEARN.replace("WEIGHT", "0.3").replace("warmup_days: 0", "warmup_days: 30")
            .replace("stops: [G1, D], dispatch: {cutoff_min: 0}, capacity: 50",
                     "stops: [G1, D], dispatch: {cutoff_min: 0, paths_per_day: 1}, capacity: 1")
            .replace("stops: [G2, D], dispatch: {cutoff_min: 1440}, capacity: 50",
                     "stops: [G2, D], dispatch: {cutoff_min: 1440, paths_per_day: 1}, capacity: 1"))
    scenario = Scenario.model_validate(yaml.safe_load(text))
    result = simulate(scenario, replications=1)
    rec, kpis = result.records[0], result.kpis[0]["gateways"]
    u, dep, b = rec.units, rec.departures, rec.gateway_blocks
    o = rec.places.index("O")
    left_o: dict[int, float] = {}
    left_at: dict[tuple[int, int], float] = {}
    for k, p, t in zip(dep["unit"].tolist(), dep["place"].tolist(), dep["depart_min"].tolist(), strict=True):
        if p == o:
            left_o[k] = t
        left_at.setdefault((k, p), t)
    blocks: dict[tuple[float, int], list[int]] = {}
    for k in left_o:
        blocks.setdefault((left_o[k], int(u["gateway"][k])), []).append(k)
    errors: dict[str, list[float]] = {}
    for chose, g, forecast in zip(b["chose_min"].tolist(), b["gateway"].tolist(), b["forecast_min"].tolist(),
                                  strict=True):
        members = blocks[(chose, g)]
        times = [left_at.get((k, g)) for k in members]
        if chose < rec.warmup_min or chose >= rec.horizon_min or None in times:
            continue
        errors.setdefault(rec.places[g], []).append((max(times) - forecast) / 1440.0)  # type: ignore[type-var]
    assert set(kpis) == set(errors) == {"G1", "G2"}
    for g, e in errors.items():
        assert kpis[g]["blocks"] == len(e) > 20
        assert kpis[g]["forecast_error_days"] == pytest.approx(np.mean(e), abs=1e-9)
    g1 = rec.places.index("G1")
    assert any(len({left_at[(k, g1)] for k in m if (k, g1) in left_at}) > 1
               for m in blocks.values())  # blocks did leave apart


def test_kaunas_gateway_takes_blocks_on_its_three_days_a_week() -> None:
    # the shipped scenario: Kaunas Intermodal Terminal is a sixth gateway whose Rail Baltica
    # trains leave on one path each Tuesday, Thursday and Saturday (UTC)
    import datetime as dt

    from conftest import SCENARIOS
    from corridor.scenario import load_scenario

    s = load_scenario(SCENARIOS / "kaunas_gateway.yaml")
    flow = next(f for f in s.demand if f.id == "FEU-XIAN-DUISBURG")
    assert flow.gateways is not None and "KAUNAS_KIT" in flow.gateways.via
    result = simulate(s, replications=2)
    kaunas = s.places[[p.id for p in s.places].index("KAUNAS_KIT")]
    for rec, kpis in zip(result.records, result.kpis, strict=True):
        k = rec.places.index(kaunas.id)
        chose = np.mean(rec.units["gateway"][rec.units["flow"] == rec.flows.index("FEU-XIAN-DUISBURG")] == k)
        assert 0.0 < chose < 0.2  # a few blocks: dearer and rarer than Braniewo's daily path
        dep = rec.departures
        leaves = np.unique(dep["depart_min"][dep["place"] == k])
        days = (leaves // 1440).astype(int)
        assert days.size and np.bincount(days).max() == 1
        assert {(s.run.start + dt.timedelta(days=int(d))).weekday() for d in days} <= {1, 3, 5}
        assert kpis["paths"]["EU-KAUNAS-DUISBURG"]["per_day"] == 1
