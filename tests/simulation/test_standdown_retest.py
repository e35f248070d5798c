"""Dispatched services sharing a fleet, with paths, cuts and closures: a formed vehicle the
first-come rule leaves empty stands down (f8c2290). Plain checks over the records of small
random scenarios, and the case of a vehicle stood down after a closure had already made it give
its path back (it gave the path back twice)."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter, defaultdict

import numpy as np
import pytest
import yaml

from corridor import simulate
from corridor.scenario.schema import Scenario

EPOCH = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
WEEK = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

TWICE = """\
name: twice
run: {start: 2027-03-01, horizon_days: 1, warmup_days: 0, drain_days: 6, replications: 1, seed: 1}
places:
  - {id: O1, name: O1, kind: rail_terminal, country: KZ, lat: 45, lon: 80, tz: UTC}
  - {id: O2, name: O2, kind: rail_terminal, country: KZ, lat: 46, lon: 80, tz: UTC}
  - {id: G, name: G, kind: border_station, country: PL, lat: 52, lon: 23, tz: UTC}
  - {id: Z0, name: Z0, kind: rail_terminal, country: DE, lat: 51, lon: 7, tz: UTC}
services:
  - {id: R0, mode: rail, unit: feu, stops: [O1, G], duration_min: 120, capacity: 1,
     timetable: {days: [Mon], times: ["05:00", "08:00", "09:00"]}}
  - {id: R1, mode: rail, unit: feu, stops: [O2, G], duration_min: 120, capacity: 1,
     timetable: {days: [Wed], times: ["12:00"]}}
  - {id: S0, mode: rail, unit: feu, stops: [G, Z0], dispatch: {cutoff_min: 0, paths_per_day: 1},
     duration_min: 600, capacity: 2}
demand:
  - {id: FO10, kind: cargo, from: O1, to: Z0, per_week: 100}
  - {id: FO20, kind: cargo, from: O2, to: Z0, per_week: 100}
disruptions:
  - {id: HALF, target: S0, capacity_factor: 0.5, start: 2027-03-01T00:00:00+00:00,
     end: 2027-03-02T00:00:00+00:00}
  - {id: SHUT, target: S0, capacity_factor: 0.0, start: 2027-03-02T00:00:00+00:00,
     end: 2027-03-03T12:00:00+00:00}
"""


def test_a_vehicle_stood_down_after_a_closure_took_its_path_gives_it_back_once() -> None:
    # Containers reach G at 07:00, 10:00 and 11:00 on Monday (day 0) while S0 is cut to 1 of
    # its 2: the first leaves on day 0's path; the second forms B1 on day 1's path, the third B2
    # on day 2's. S0 is closed from day 1 00:00 to day 2 12:00: at 00:00 of day 1 B1 gives its
    # path back, at 00:00 of day 2 B2 does, and both wait for the closure to lift. At 12:00 of
    # day 2 B1 wakes first, takes day 2's path (given back by B2) and leaves with both
    # containers (first come, room 2); B2, left empty, stands down and gave day 2's path back
    # a second time: day 2 counted 0 paths taken with B1 on it, and the container that reached
    # G at 14:00 on Wednesday (day 2) left at once on a second day-2 path of a service with one.
    # It should wait for day 3's path (00:00 on day 3, 4320), as it did before f8c2290
    rec = simulate(Scenario.model_validate(yaml.safe_load(TWICE)), workers=1).records[0]
    dep = rec.departures
    at_g = sorted(dep["depart_min"][dep["place"] == rec.places.index("G")].tolist())
    assert at_g == [420.0, 3600.0, 3600.0, 4320.0]
    paths = rec.paths["S0"]
    used = dict(zip(paths["day"].tolist(), paths["used"].tolist(), strict=True))
    assert min(used.values()) >= 0
    ran = Counter((rec.trips["scheduled_min"][rec.trips["service"] == rec.services.index("S0")] // 1440)
                  .astype(int).tolist())
    assert {d: n for d, n in used.items() if n} == dict(ran)
    assert paths["asked_min"].size == sum(ran.values())


def _iso(minute: float) -> str:
    return (EPOCH + dt.timedelta(minutes=minute)).isoformat()


def _shared(seed: int) -> dict:
    """Two or three dispatched services from G sharing a fleet of 1-3 vehicles, some with daily
    paths (on some weekdays), fed by containers created at G and by two timetabled feeders that
    land at G (often at one minute); cuts and closures of the services, of the feeders' origin
    and of the far ends. No closure of G, so a container's ready time at G is plain."""
    rng = random.Random(seed)
    n = rng.choice([2, 3])
    horizon = rng.choice([1, 2, 4, 8])
    drain = rng.choice([0, 2, 6])
    names = ["O1", "O2", "G", *[f"Z{k}" for k in range(n)]]
    places = [{"id": p, "name": p, "kind": "rail_terminal", "country": "KZ", "lat": 40 + i, "lon": 80,
               "tz": "UTC"} for i, p in enumerate(names)]
    land = rng.choice([600, 720, 1440])
    services = []
    for k, origin in enumerate(["O1", "O2"]):
        ride = rng.choice([60, 120])
        leave = (land - ride) % 1440 if rng.random() < 0.7 else rng.randrange(0, 1440, 60)
        services.append({"id": f"R{k}", "mode": "rail", "unit": "feu", "stops": [origin, "G"],
                         "duration_min": ride, "capacity": rng.choice([1, 2, 100]),
                         "timetable": {"days": sorted(rng.sample(WEEK, rng.choice([2, 7])), key=WEEK.index),
                                       "times": [f"{leave // 60:02d}:{leave % 60:02d}"]}})
    for k in range(n):
        dispatch: dict = {"cutoff_min": rng.choice([0, 0, 180, 3000]), "fleet": "F"}
        if rng.random() < 0.7:
            dispatch["paths_per_day"] = rng.choice([1, 2])
            if rng.random() < 0.3:
                dispatch["days"] = sorted(rng.sample(WEEK, rng.choice([2, 5])), key=WEEK.index)
        services.append({"id": f"S{k}", "mode": "rail", "unit": "feu", "stops": ["G", f"Z{k}"],
                         "duration_min": rng.choice([60, 600, 1440]), "capacity": rng.choice([2, 3, 4]),
                         "dispatch": dispatch})
    demand = [{"id": f"F{o}{k}", "kind": "cargo", "from": o, "to": f"Z{k}",
               "per_week": rng.choice([10, 40, 120]), "arrivals": rng.choice(["poisson", "uniform"])}
              for k in range(n) for o in ("G", "O1", "O2") if rng.random() < 0.6 or (o == "G" and k == 0)]
    end = (horizon + drain) * 1440
    disruptions = []
    for j in range(rng.choice([1, 2, 3, 4])):
        target = rng.choice([f"S{k}" for k in range(n)] * 3 + ["O1", *[f"Z{k}" for k in range(n)]])
        start = rng.randrange(0, max(end, 1440), 20)
        if rng.random() < 0.4:
            start -= start % 1440  # over a day's paths
        factor = rng.choice([0.0, 0.0, 0.25, 0.5, 0.75]) if target.startswith("S") else 0.0
        disruptions.append({"id": f"D{j}", "target": target, "capacity_factor": factor, "start": _iso(start),
                            "end": _iso(start + rng.choice([300, 1440, 2000, 4000]))})
    return {"name": f"shared{seed}", "run": {"start": "2027-03-01", "horizon_days": horizon, "warmup_days": 0,
            "drain_days": drain, "replications": 1, "seed": seed}, "places": places,
            "fleets": [{"id": "F", "vehicles": rng.choice([1, 2, 3]),
                        "return_factor": rng.choice([0.5, 1.0, 2.0]), "turnaround_min": rng.choice([0, 60])}],
            "services": services, "demand": demand, "disruptions": disruptions}


@pytest.mark.parametrize("seed", range(24))
def test_shared_fleets_and_paths_keep_their_books(seed: int) -> None:
    data = _shared(seed)
    rec = simulate(Scenario.model_validate(data), workers=1).records[0]
    spec = {s["id"]: s for s in data["services"]}
    flows = {f["id"]: f for f in data["demand"]}
    u, dep, trips = rec.units, rec.departures, rec.trips
    g = rec.places.index("G")
    left = defaultdict(list)  # (unit, place) -> minutes it left there
    for unit, place, t in zip(dep["unit"].tolist(), dep["place"].tolist(), dep["depart_min"].tolist(),
                              strict=True):
        left[(unit, place)].append(t)
    assert all(len(ts) == 1 for ts in left.values()), "a container left a place twice"
    # each container's service at G, its ready time there and when it left G
    service = np.array([rec.services.index("S" + flows[rec.flows[f]]["to"][1:]) for f in u["flow"].tolist()])
    ready = np.full(u["id"].size, np.inf)
    for i, (unit, f) in enumerate(zip(u["id"].tolist(), u["flow"].tolist(), strict=True)):
        origin = flows[rec.flows[f]]["from"]
        if origin == "G":
            ready[i] = u["created_min"][i]
        elif (unit, rec.places.index(origin)) in left:
            feeder = spec[f"R{int(origin[1:]) - 1}"]
            ready[i] = left[(unit, rec.places.index(origin))][0] + feeder["duration_min"] * 1.0
    gone = np.array([left.get((unit, g), [np.inf])[0] for unit in u["id"].tolist()])
    for k in range(sum(1 for s in data["services"] if "dispatch" in s)):
        s = rec.services.index(f"S{k}")
        mine = np.where((service == s) & (ready < rec.end_min))[0]
        order = mine[np.lexsort((u["id"][mine], ready[mine]))]
        assert np.all(gone[order][1:] >= gone[order][:-1]), f"S{k}: a container passed one ready before it"
        runs = trips["service"] == s
        when, boarded, room = trips["scheduled_min"][runs], trips["boarded"][runs], trips["capacity"][runs]
        assert np.all((boarded > 0) & (boarded <= room))
        for t, b, r in zip(when, boarded, room, strict=True):
            if b < r:  # a vehicle with room leaves no container behind that was ready before it
                assert not np.any((ready[mine] < t) & (gone[mine] > t)), (k, t, b, r)
        dispatch = spec[f"S{k}"]["dispatch"]
        if "paths_per_day" in dispatch:
            paths = rec.paths[f"S{k}"]
            used = dict(zip(paths["day"].tolist(), paths["used"].tolist(), strict=True))
            ran = Counter((when // 1440).astype(int).tolist())
            assert all(0 <= n <= dispatch["paths_per_day"] for n in used.values()), used
            assert all(n <= used.get(d, 0) for d, n in ran.items()), (ran, used)
            assert all(paths["open"][d % 7] for d in ran)
            assert paths["asked_min"].size >= len(when)
            got = paths["got_min"]  # NaN: a closure took its path back and it waits for one again
            assert np.all(np.isnan(got) | (got >= paths["asked_min"]))
    # the fleet: one ask per vehicle that ran (and the formed ones still waiting at the end),
    # first asked first served, and each vehicle back its running time x return_factor +
    # turnaround after unloading
    fleet, log = data["fleets"][0], rec.fleets["F"]
    mine = np.isin(trips["service"], [rec.services.index(s) for s in spec if s.startswith("S")])
    asked, got = log["asked_min"], log["got_min"]
    ours = [rec.services.index(s) for s in spec if s.startswith("S")]
    waiting = int(np.sum(np.isin(service, ours) & np.isinf(gone) & (ready < rec.end_min)))
    assert mine.sum() <= asked.size <= mine.sum() + waiting
    assert np.all(got[np.isfinite(got)] >= asked[np.isfinite(got)])
    served = got[np.isfinite(got)]
    assert np.all(np.diff(served) >= 0) and np.all(np.isnan(got[served.size:]))
    if not any(d["target"].startswith("Z") for d in data["disruptions"]):
        want = []
        for s, t in zip(trips["service"][mine].tolist(), trips["scheduled_min"][mine].tolist(), strict=True):
            ride = spec[rec.services[s]]["duration_min"]
            back = t + ride + ride * fleet["return_factor"] + fleet["turnaround_min"]
            if t + ride < rec.end_min and back < rec.end_min:
                want.append(back)
        assert sorted(want) == sorted(log["back_min"].tolist())
    # the books: every container created is in one status (the run checks the places)
    assert np.all(np.isin(u["status"], np.arange(7)))
    assert math.isfinite(rec.end_min)
