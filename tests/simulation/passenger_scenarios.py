"""Random small passenger scenarios, and their comparison with passenger_reference.py.

Every scenario is deterministic but for the demand's phase (evenly spaced arrivals) and the
trips' delays: each passenger's creation time is read from corridor's records, each trip's
delay drawn as corridor draws it (:func:`drawn_delays`), and both given to the reference.
"""

from __future__ import annotations

import datetime as dt
import math
import random

import numpy as np
from simulation.passenger_reference import Reference

from corridor import great_circle_km
from corridor.scenario import Scenario
from corridor.simulation import run_replication, run_timetable
from corridor.simulation.engine import trip_delays
from corridor.simulation.streams import Streams

# three clocks in March 2027 (no change before the 28th): UTC+5, UTC+3, UTC+2
PLACES = [
    ("AAA", "KZ", 51.17, 71.45, "Asia/Almaty"),
    ("BBB", "TR", 41.01, 28.98, "Europe/Istanbul"),
    ("CCC", "LT", 54.69, 25.28, "Europe/Vilnius"),
    ("DDD", "KZ", 43.24, 76.89, "Asia/Almaty"),
    ("EEE", "TR", 39.93, 32.86, "Europe/Istanbul"),
]


OLD_FEATURES = ("clock_change", "capacity_cut", "links", "cut_over_closure")
#: drawn from a third stream, after the others: a seed's scenario with only the old features
#: is the one it was before these were added
NEW_FEATURES = ("random_delay", "link_closure", "more_closures", "dwell")
FEATURES = OLD_FEATURES + NEW_FEATURES


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
    extra = random.Random(rng.random())
    if "random_delay" in features:
        _random_delays(scn, extra)
    if "link_closure" in features:
        _link_closures(scn, disruptions, extra)
    if "more_closures" in features:
        _more_closures(scn, disruptions, extra)
    if "dwell" in features:
        for svc in scn["services"]:
            if len(svc["stops"]) > 2 and extra.random() < 0.5:
                svc["dwell_min"] = extra.choice([5, 20, 45, 2.5, 0.5])
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


def _delay_dist(rng: random.Random) -> dict:
    """A delay of any kind docs/scenarios.md allows ("Distributions"), with means of 30 to 300
    minutes (and a few small ones) so that connections are missed often."""
    mean = rng.choice([5, 30, 60, 90, 120, 180, 300])
    kind = rng.choice(["fixed", "exponential", "uniform", "triangular", "lognormal", "gamma", "empirical"])
    if kind == "fixed":
        return {"dist": "fixed", "value_min": mean}
    if kind == "exponential":
        return {"dist": "exponential", "mean_min": mean}
    if kind == "uniform":
        return {"dist": "uniform", "low_min": rng.choice([0, mean // 2]), "high_min": 2 * mean}
    if kind == "triangular":
        return {"dist": "triangular", "low_min": 0, "mode_min": rng.choice([0, mean // 2]),
                "high_min": 3 * mean}
    if kind in ("lognormal", "gamma"):
        return {"dist": kind, "mean_min": mean, "sd_min": mean * rng.choice([0.3, 1, 2])}
    values = sorted(rng.sample([0, 0, 5, 15, 30, 60, 120, 240, 480], rng.randint(1, 4)))
    out = {"dist": "empirical", "values_min": values}
    if rng.random() < 0.5:
        out["weights"] = [rng.choice([1, 2, 5]) for _ in values]
    return out


def _random_delays(scn: dict, rng: random.Random):
    """Most services get a random delay (each trip draws its own: corridor's draws are read as
    inputs), some padding."""
    for svc in scn["services"]:
        if rng.random() < 0.8:
            svc["delay"] = _delay_dist(rng)
        elif rng.random() < 0.5:
            svc.pop("delay", None)
        if rng.random() < 0.4:
            svc["schedule_padding"] = rng.choice([0.05, 0.1, 0.2, 0.35, 0.5])


def _link_closures(scn: dict, disruptions: list, rng: random.Random):
    """Links (some long, so that a passenger may be on one when it closes) with one to three
    closures, short and long, some over each other, some of a place the link touches."""
    if "links" not in scn or rng.random() < 0.3:
        _links(scn, rng)
        if rng.random() < 0.5:
            for link in scn["links"]:
                link["duration_min"] = rng.choice([90, 180, 400, 700])
                link.pop("units", None)
    end = (scn["run"]["horizon_days"] + scn["run"]["drain_days"]) * 1440
    links = scn["links"]
    for _ in range(rng.randint(1, 3)):
        link = rng.choice(links)
        s = rng.randint(-300, end - 30)
        e = s + rng.choice([30, 120, 400, 900, 2000])
        disruptions.append({"id": f"D{len(disruptions)}", "target": link["id"], "start": s, "end": e,
                            "capacity_factor": 0})
        if rng.random() < 0.3:  # one over it
            s2 = rng.randint(s - 200, e)
            target = rng.choice([link["id"], link["from"], link["to"]])
            disruptions.append({"id": f"D{len(disruptions)}", "target": target,
                                "start": s2, "end": s2 + rng.choice([60, 300, 1000]), "capacity_factor": 0})
    scn["disruptions"] = disruptions


def _more_closures(scn: dict, disruptions: list, rng: random.Random):
    """Closures of services and places over one another (and over those drawn already)."""
    if rng.random() < 0.4:
        return
    end = (scn["run"]["horizon_days"] + scn["run"]["drain_days"]) * 1440
    targets = [s["id"] for s in scn["services"]] + [p["id"] for p in scn["places"]]
    for _ in range(rng.randint(1, 3)):
        near = [d for d in disruptions if d["capacity_factor"] == 0]
        if near and rng.random() < 0.6:
            d = rng.choice(near)
            target = rng.choice([d["target"], rng.choice(targets)])
            s = rng.randint(d["start"] - 300, d["end"])
        else:
            target, s = rng.choice(targets), rng.randint(-300, end - 30)
        disruptions.append({"id": f"D{len(disruptions)}", "target": target, "start": s,
                            "end": s + rng.choice([30, 120, 400, 900, 1500]), "capacity_factor": 0})
    scn["disruptions"] = disruptions


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
    ref_options.setdefault("delays", drawn_delays(sc))
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


def drawn_delays(sc: Scenario) -> dict:
    """Each trip's delay as corridor draws it (an input, as creation times are): per service,
    its scheduled start (minutes, to 3 places) to the delay, from the service's own stream
    (``delay:SERVICE``, docs/simulation.md "Randomness"), one draw per trip in order of start."""
    tt = run_timetable(sc)
    streams = Streams(sc.run.seed, 0)
    out = {}
    for service in sc.services:
        if service.delay is None or service.id not in tt.services:
            continue
        starts = tt.service_starts[tt.services.index(service.id)]
        draws = trip_delays(service, streams, starts.size)
        out[service.id] = {round(float(t), 3): float(x) for t, x in zip(starts, draws, strict=True)}
    return out


def _same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        a, b = float(a), float(b)
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return bool(np.isclose(a, b, rtol=0, atol=1e-6))
    return a == b
