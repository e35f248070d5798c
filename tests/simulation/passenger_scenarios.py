"""Random small passenger scenarios, and their comparison with passenger_reference.py.

Every scenario is deterministic but for the demand's phase (evenly spaced arrivals): each
passenger's creation time is read from corridor's records and given to the reference.
"""

from __future__ import annotations

import datetime as dt
import math
import random

import numpy as np
from simulation.passenger_reference import Reference

from corridor import great_circle_km
from corridor.scenario import Scenario
from corridor.simulation import run_replication

# three clocks in March 2027 (no change before the 28th): UTC+5, UTC+3, UTC+2
PLACES = [
    ("AAA", "KZ", 51.17, 71.45, "Asia/Almaty"),
    ("BBB", "TR", 41.01, 28.98, "Europe/Istanbul"),
    ("CCC", "LT", 54.69, 25.28, "Europe/Vilnius"),
    ("DDD", "KZ", 43.24, 76.89, "Asia/Almaty"),
    ("EEE", "TR", 39.93, 32.86, "Europe/Istanbul"),
]


FEATURES = ("clock_change", "capacity_cut", "links", "cut_over_closure")


def random_scenario(rng: random.Random, features=FEATURES) -> dict:
    """A scenario of the original space, then (from a second stream, so the original draws
    stay those of the same seed) the ``features`` asked for, each with some probability."""
    n_places = rng.randint(3, 5)
    places = []
    for pid, country, lat, lon, tz in PLACES[:n_places]:
        places.append({"id": pid, "name": pid, "kind": "city", "country": country, "lat": lat, "lon": lon,
                       "tz": tz, "checkin_min": rng.choice([0, 0, 30, 60]),
                       "min_connection_min": rng.choice([0, 15, 30, 45, 60, 90])})
    ids = [p["id"] for p in places]
    services = []
    for i in range(rng.randint(3, 8)):
        n_stops = rng.choice([2, 2, 2, 3, 3, 4])
        stops = [rng.choice(ids)]
        while len(stops) < n_stops:
            stops.append(rng.choice([x for x in ids if x != stops[-1]]))
        hours, minutes = [0, 1, 2, 3, 5, 6, 8, 9, 12, 15, 18, 21, 23], [0, 0, 30, 15]
        times = sorted({f"{rng.choice(hours):02d}:{rng.choice(minutes):02d}"
                        for _ in range(rng.randint(1, 3))})
        svc = {"id": f"S{i}", "mode": "air", "unit": "pax", "stops": stops,
               "timetable": {"days": "daily" if rng.random() < 0.7 else rng.sample(
                   ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], rng.randint(1, 5)), "times": times},
               "duration_min": rng.choice([60, 90, 120, 150, 180, 240, 300]) * (n_stops - 1),
               "capacity": rng.randint(1, 3)}
        if rng.random() < 0.6:
            svc["delay"] = {"dist": "fixed", "value_min": rng.choice([0, 5, 20, 45, 90, 180])}
        if rng.random() < 0.25:
            svc["schedule_padding"] = rng.choice([0.05, 0.1, 0.2])
        services.append(svc)
    demand = []
    for i in range(rng.randint(1, 3)):
        a, b = rng.sample(ids, 2)
        demand.append({"id": f"F{i}", "kind": "passenger", "from": a, "to": b,
                       "per_week": rng.choice([7, 14, 35, 56, 112]), "arrivals": "uniform"})
    horizon = rng.randint(2, 4)
    drain = rng.choice([0, 1, 1, 2])
    disruptions = []
    for i in range(rng.choice([0, 0, 1, 1, 2])):
        target = rng.choice([s["id"] for s in services] + ids) if rng.random() < 0.4 else rng.choice(
            [s["id"] for s in services])
        s = rng.randint(-600, (horizon + drain) * 1440 - 60)
        e = s + rng.randint(60, 2000)
        disruptions.append({"id": f"D{i}", "target": target, "start": s, "end": e, "capacity_factor": 0})
    scn = {"name": "paxref", "run": {"start": "2027-03-01", "horizon_days": horizon, "drain_days": drain,
                                     "replications": 1, "seed": rng.randrange(2**32)},
           "places": places, "services": services, "demand": demand}
    if disruptions:
        scn["disruptions"] = disruptions
    more = random.Random(rng.random())
    if "clock_change" in features and more.random() < 0.4:
        _clock_change(scn, more)
    if "capacity_cut" in features:
        _capacity_cuts(disruptions, more, over_closures="cut_over_closure" in features)
    if "links" in features and more.random() < 0.6:
        _links(scn, more)
    for d in disruptions:  # minutes since the start, as instants
        d["start"], d["end"] = _instant(d["start"], scn), _instant(d["end"], scn)
    return scn


def _clock_change(scn: dict, rng: random.Random):
    """Start two days before Europe/Vilnius changes its clocks (Sunday 28 March or 31 October
    2027, 01:00 UTC; Asia/Almaty and Europe/Istanbul keep theirs), and give some services a
    time in the hour the change skips or repeats at CCC, or the hour after it."""
    scn["run"]["start"] = rng.choice(["2027-03-26", "2027-10-29"])
    for svc in scn["services"]:
        if rng.random() < 0.5:
            m = rng.choice([0, 30])
            hours = rng.choice([[3], [4], [3, 4]])
            times = {*svc["timetable"]["times"], *(f"{h:02d}:{m:02d}" for h in hours)}
            svc["timetable"]["times"] = sorted(times)


def _capacity_cuts(disruptions: list, rng: random.Random, over_closures: bool = False):
    """Make some disruptions cuts: of a service (a trip carries the whole seats the factor
    leaves, none: cancelled) or of a place without servers (no effect). Unless
    ``over_closures``, a cut does not overlap a closure of its target (corridor read a closure
    over a cut that leaves no seat as known from the cut's start until 2026-12-04)."""
    for d in disruptions:
        if rng.random() < 0.6:
            f = rng.choice([0.2, 0.34, 0.5, 0.67, 0.7, 0.9])
            if over_closures or not any(_overlap(o, d) for o in disruptions if o["capacity_factor"] == 0):
                d["capacity_factor"] = f


def _overlap(a: dict, b: dict) -> bool:
    return a is not b and a["target"] == b["target"] and a["start"] < b["end"] and b["start"] < a["end"]


def _links(scn: dict, rng: random.Random):
    """One to three links between places: walks, roads, rails; one way or both; some for
    containers only (no passenger takes them)."""
    ids = [p["id"] for p in scn["places"]]
    links = []
    for i in range(rng.choice([1, 1, 2, 3])):
        a, b = rng.sample(ids, 2)
        link = {"id": f"L{i}", "from": a, "to": b, "mode": rng.choice(["transfer", "road", "rail"]),
                "duration_min": rng.choice([5, 20, 45, 90, 180, 400])}
        if rng.random() < 0.3:
            link["bidirectional"] = False
        if rng.random() < 0.2:
            link["units"] = rng.choice([["pax"], ["feu"]])
        links.append(link)
    scn["links"] = links


def _instant(minute: int, scn: dict) -> str:
    epoch = dt.datetime.fromisoformat(scn["run"]["start"]).replace(tzinfo=dt.UTC)
    return (epoch + dt.timedelta(minutes=minute)).isoformat()


FIELDS = ("status", "arrival", "missed", "rebooked", "first_dep", "planned")


def compare(scn: dict, **ref_options):
    """Run corridor and the reference; return (rows, disagreements, ambiguous uids)."""
    sc = Scenario.model_validate(scn)
    rec = run_replication(sc, 0)
    u = rec.units
    flows = rec.flows
    units = [(int(i), flows[int(f)], float(c))
             for i, f, c in zip(u["id"], u["flow"], u["created_min"], strict=True)]
    ref = Reference(scn, units, great_circle_km, **ref_options).run()
    rows, bad = [], []
    for n, uid in enumerate(u["id"]):
        p = ref[int(uid)]
        mine = {"status": p.status, "arrival": p.arrival, "missed": p.missed, "rebooked": p.rebooked,
                "first_dep": p.first_dep, "planned": p.planned}
        theirs = {"status": int(u["status"][n]), "arrival": float(u["arrival_min"][n]),
                  "missed": int(u["missed"][n]), "rebooked": int(u["rebooked"][n]),
                  "first_dep": float(u["first_departure_min"][n]),
                  "planned": float(u["planned_arrival_min"][n])}
        diff = [k for k in FIELDS if not _same(mine[k], theirs[k])]
        rows.append((int(uid), mine, theirs, diff, p.ambiguous))
        if diff:
            bad.append(rows[-1])
    return rows, bad


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return bool(np.isclose(a, b, rtol=0, atol=1e-6))
    return a == b
