"""Runs that end with units everywhere, and two trains that reach a station at the same minute:
every unit is counted once, in one place, and every time KPI says how many it leaves out.

Two services, T1 from A1 and T2 from A2, leave every three hours at the same minutes and
reach station B (one server, 200 minutes a train, so trains queue there without end) at the
same minute. F1's containers go on from B to C by road; F2's end at B. Demand outruns the
trains too, so when the run ends (no drain, or a short one) containers are waiting at the
origins, on board, queued at B, on the road and delivered.
Everything is checked against plain sums over the records written here.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
import yaml

from corridor import simulate
from corridor.scenario.schema import Scenario
from corridor.simulation.entities import STATUS_NAMES, Status

TEXT = """\
name: censored
run: {{start: 2027-01-04, horizon_days: {days}, warmup_days: {warmup}, drain_days: {drain},
      replications: 4, seed: {seed}}}
places:
  - {{id: A1, name: A1, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}}
  - {{id: A2, name: A2, kind: rail_terminal, country: KZ, lat: 46, lon: 80, tz: UTC}}
  - {{id: B, name: B, kind: border_station, country: KZ, lat: 45, lon: 81, tz: UTC,
     servers: 1, service_time: {{dist: fixed, value_min: {service}}}}}
  - {{id: C, name: C, kind: rail_terminal, country: KZ, lat: 45, lon: 82, tz: UTC}}
services:
  - {{id: T1, mode: rail, unit: feu, stops: [A1, B], duration_min: 300, capacity: 5,
     timetable: {{days: daily, headway_min: 180, first: "00:00", last: "23:59"}}}}
  - {{id: T2, mode: rail, unit: feu, stops: [A2, B], duration_min: 300, capacity: 5,
     timetable: {{days: daily, headway_min: 180, first: "00:00", last: "23:59"}}}}
links:
  - {{id: BC, from: B, to: C, mode: road, duration_min: 240}}
demand:
  - {{id: F1, kind: cargo, from: A1, to: C, per_week: 350}}
  - {{id: F2, kind: cargo, from: A2, to: B, per_week: 200}}
"""

CASES = [  # days, warm-up, drain, service at B (min), seed
    (10, 2, 0, 200, 9),
    (10, 0, 0, 200, 10),
    (12, 3, 2, 200, 11),
    (12, 3, 0, 85, 12),  # B keeps up (two trains in 170 of every 180 minutes): a short queue
]


def scenario(days: int, warmup: int, drain: int, service: int, seed: int) -> Scenario:
    text = TEXT.format(days=days, warmup=warmup, drain=drain, service=service, seed=seed)
    return Scenario.model_validate(yaml.safe_load(textwrap.dedent(text)))


@pytest.mark.parametrize(("days", "warmup", "drain", "service", "seed"), CASES,
                         ids=[f"{d}d-warmup{w}-drain{r}-service{s}" for d, w, r, s, _ in CASES])
def test_every_unit_counted_once_and_censoring_reported(days, warmup, drain, service, seed) -> None:
    s = scenario(days, warmup, drain, service, seed)
    result = simulate(s, workers=1)
    places = result.records[0].places
    B = places.index("B")
    seen_status = set()
    for rec, k in zip(result.records, result.kpis, strict=True):
        u = rec.units
        n = u["id"].size
        np.testing.assert_array_equal(u["id"], np.arange(n))  # one record per unit
        status = u["status"]
        seen_status.update(status.tolist())
        # delivered + waiting + on board + moving + at a station = created, in the KPIs too
        counts = np.bincount(status, minlength=len(Status))
        assert counts.sum() == n
        assert k["status"] == {STATUS_NAMES[j]: int(counts[j]) for j in range(len(Status))}
        delivered = status == Status.DELIVERED
        assert np.isfinite(u["arrival_min"][delivered]).all()
        assert np.all(u["arrival_min"][delivered] <= rec.end_min)
        assert np.isnan(u["arrival_min"][~delivered]).all()
        # containers left on no vehicle yet are waiting at their origin
        origin = np.where(u["flow"] == rec.flows.index("F1"), places.index("A1"), places.index("A2"))
        never_left = np.isnan(u["first_departure_min"])
        assert np.all(status[never_left] == Status.WAITING)
        np.testing.assert_array_equal(u["place"][never_left], origin[never_left])
        # every container on at most one train, counted once in the departures and in the trips
        dep = rec.departures
        assert dep is not None
        assert np.unique(dep["unit"]).size == dep["unit"].size == int(np.sum(~never_left))
        np.testing.assert_array_equal(np.sort(dep["unit"]), np.flatnonzero(~never_left))
        assert rec.trips is not None and int(rec.trips["boarded"].sum()) == dep["unit"].size
        # station B: each unit that reached it once in the per-unit log; the vehicle log carries
        # the same units; those whose vehicle has not left by the end are at the station
        sw = rec.station_waits
        at_b = sw["place"] == B
        assert np.unique(sw["unit"][at_b]).size == int(at_b.sum())
        log = rec.stations["B"]
        assert int(log["units"].sum()) == int(at_b.sum())
        still = log["leave_min"] > rec.end_min
        assert int(log["units"][still].sum()) == int(counts[Status.AT_STATION])
        at_station = status == Status.AT_STATION
        assert np.all(u["place"][at_station] == B)
        assert set(np.flatnonzero(at_station)) <= set(sw["unit"][at_b].tolist())
        cut = np.isin(sw["unit"], np.flatnonzero(at_station)) & at_b
        np.testing.assert_allclose(sw["station_min"][cut], rec.end_min - sw["arrive_min"][cut])
        # F2 ends at B: delivered there when its train's service ends, never on the road
        f2 = u["flow"] == rec.flows.index("F2")
        assert not np.any(f2 & (status == Status.MOVING))
        # censoring, as the KPIs report it: created in the window = delivered (n) + undelivered
        window = u["created_min"] >= rec.warmup_min
        created = window & ~u["pax"]
        undelivered = int(np.sum(created & ~delivered))
        cargo = k["cargo"]
        assert cargo["created"] == int(created.sum())
        assert cargo["undelivered"] == undelivered
        assert cargo["undelivered_share"] == pytest.approx(undelivered / created.sum())
        for name in ("door_to_door_days", "transit_days", "station_h"):
            assert cargo[name]["undelivered"] == undelivered, name
            assert cargo[name].get("n", 0) + undelivered == created.sum(), name
        for flow in rec.flows:
            mine = created & (u["flow"] == rec.flows.index(flow))
            kf = k["flows"][flow]
            assert kf["created"] == int(mine.sum())
            assert kf["undelivered"] == int(np.sum(mine & ~delivered))
            assert kf["door_to_door_days"].get("n", 0) + kf["undelivered"] == kf["created"]
        # the station: vehicles of the window not started by the end are unserved
        seen = (log["arrive_min"] >= rec.warmup_min) & (log["arrive_min"] < rec.horizon_min)
        assert k["stations"]["B"]["unserved"] == int(np.sum(seen & (log["start_min"] >= rec.end_min)))
        assert k["stations"]["B"]["queue_at_end"] == int(np.sum(log["start_min"] >= rec.end_min))
        if drain == 0:
            # Little's two witnesses at a run cut at the horizon: they differ by exactly the
            # unit-minutes in the window of the vehicles that came before it (the queue carried in)
            span = rec.horizon_min - rec.warmup_min
            carried = log["arrive_min"] < rec.warmup_min
            inside = np.clip(log["leave_min"], rec.warmup_min, rec.horizon_min) - rec.warmup_min
            gap = float(np.sum(log["units"][carried] * inside[carried])) / span
            st = k["stations"]["B"]
            assert st["little_L_units"] - st["little_lambda_W_units"] == pytest.approx(gap, abs=1e-6)
    if service == 200:
        assert seen_status == set(range(len(Status)))  # the run ended with units everywhere


def test_two_trains_at_one_minute_are_admitted_in_the_documented_order() -> None:
    """T1 and T2 leave at the same minutes and reach B at the same minute: every such pair is
    two vehicles in B's log, both loaded, T1's (listed first: lower trip numbers, leaves first)
    admitted first; each carries its own flow's containers, and each container is in one."""
    s = scenario(10, 2, 0, 200, 9)
    result = simulate(s, workers=1)
    for rec in result.records:
        u, sw, log = rec.units, rec.station_waits, rec.stations["B"]
        B = rec.places.index("B")
        at_b = sw["place"] == B
        arrive = log["arrive_min"]
        values, counts = np.unique(arrive, return_counts=True)
        pairs = values[counts == 2]
        assert pairs.size > 20 and counts.max() == 2
        for t in pairs:
            k = np.flatnonzero(arrive == t)
            assert np.all(log["units"][k] > 0)
            assert log["start_min"][k[0]] < log["start_min"][k[1]]  # admitted in log order
            rows = at_b & (sw["arrive_min"] == t)
            flows = u["flow"][sw["unit"][rows]]
            minutes = sw["station_min"][rows]
            f1, f2 = rec.flows.index("F1"), rec.flows.index("F2")
            assert set(flows.tolist()) == {f1, f2}
            # every container of T1's vehicle spends less time at B than T2's: admitted first
            # (both cut at the end when neither has left by then)
            if log["leave_min"][k[0]] <= rec.end_min:
                assert minutes[flows == f1].max() < minutes[flows == f2].min()
            else:
                np.testing.assert_allclose(minutes, rec.end_min - t)
            assert np.sum(flows == f1) == log["units"][k[0]] and np.sum(flows == f2) == log["units"][k[1]]


def test_station_visits_say_where_a_vehicle_stood_when_the_run_ended(tmp_path) -> None:
    # a vehicle still queued at the end keeps the times its admission set, past the end: the
    # file now says so, and what it says holds the units the records count at the station
    import csv

    result = simulate(scenario(10, 2, 0, 200, 9), workers=1)
    rec = result.records[0]
    rec.write_csv(tmp_path)
    with (tmp_path / "station_visits_rep0.csv").open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["station"] == "B"]
    end = rec.end_min
    states = [r["at_end"] for r in rows]
    assert {"queued", "in service"} <= set(states) <= {"", "queued", "in service", "held"}
    assert states.count("in service") == 1  # one server, busy without end
    for r in rows:  # plain comparisons with the run's end, one visit at a time
        start, leave = float(r["start_min"]), float(r["leave_min"])
        assert (r["at_end"] == "") == (leave < end)
        assert (r["at_end"] == "queued") == (start >= end)
    still = sum(int(r["units"]) for r in rows if r["at_end"])
    assert still == int(np.sum(rec.units["status"] == Status.AT_STATION)) > 0


def test_a_visit_due_to_start_at_the_runs_last_minute_is_queued_in_the_file_and_the_kpis() -> None:
    # the run stops before the events of its last minute: a vehicle due to start, finish or
    # leave then has not, in the station_visits file as in queue_at_end
    from corridor.analysis.kpis import station_kpis
    from corridor.simulation.records import _at_end

    end = 300.0
    visits = [(100.0, 300.0, 400.0), (120.0, 250.0, 300.0), (130.0, 200.0, 260.0), (140.0, 310.0, 350.0)]
    log = {"arrive_min": np.array([v[0] for v in visits]), "start_min": np.array([v[1] for v in visits]),
           "end_min": np.array([v[2] for v in visits]), "servers": 1, "units": np.ones(4, dtype=int)}
    states = [_at_end(s, e, e, end) for _, s, e in visits]
    assert states == ["queued", "in service", "", "queued"]
    assert station_kpis(log, 0.0, end, end)["queue_at_end"] == states.count("queued")
