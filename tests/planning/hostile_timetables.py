"""Random hostile scenarios (as YAML dicts) and questions for the brute-force reference.

One generator serves both a plain ``random.Random`` (long runs from a seed) and Hypothesis
(``Draws``, so failures shrink). It draws from the whole rule space: zones whose clocks change
during the week asked about (spring and autumn, both hemispheres, at local midnight, by half an
hour), zero, fractional and large connection times and check-ins, services over several days
and after midnight, multi-stop services that come back to a place, headways, weekday lists and
validity periods, several services at the same clock times (vehicles landing in the same
minute), dispatched vehicles, links with modes, units, fractional durations and costs, and
questions with ready times on departures (less check-in), ``max_transfers``, ``--modes``,
``--direct-only`` and the other unit; and a place left by link to a train that rides back
through it (its check-in long), as the journeys that pass a place twice.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hypothesis import strategies as st

ZONES = ["UTC", "Europe/Vilnius", "Europe/London", "America/New_York", "America/St_Johns",
         "Asia/Almaty", "Asia/Kathmandu", "Australia/Lord_Howe", "America/Santiago",
         "Pacific/Chatham", "Africa/Cairo", "Asia/Kolkata"]
# starts a day or two before a change of clocks in the zones listed
CHANGES = {
    "2027-03-26": ["Europe/Vilnius", "Europe/London"],
    "2027-10-29": ["Europe/Vilnius", "Europe/London"],
    "2027-03-12": ["America/New_York", "America/St_Johns"],
    "2027-11-05": ["America/New_York", "America/St_Johns"],
    "2027-04-02": ["Australia/Lord_Howe", "America/Santiago"],
    "2027-09-03": ["America/Santiago"],
    "2027-09-24": ["Pacific/Chatham"],
    "2027-04-28": ["Africa/Cairo"],
}
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
MODES = ["air", "rail", "road", "sea", "ferry"]
CLOCKS = [0, 1, 59, 60, 90, 120, 150, 180, 210, 240, 720, 1380, 1410, 1438, 1439]


class Rand:
    """The draws the generator makes, from ``random.Random``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def int(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def pick(self, xs: list[Any]) -> Any:
        return self.rng.choice(xs)

    def coin(self) -> bool:
        return self.rng.random() < 0.5


class Draws(Rand):
    """The same draws from Hypothesis' ``data``, so failures shrink."""

    def __init__(self, data: Any) -> None:
        self.data = data

    def int(self, lo: int, hi: int) -> int:
        return self.data.draw(st.integers(lo, hi))

    def pick(self, xs: list[Any]) -> Any:
        return self.data.draw(st.sampled_from(xs))

    def coin(self) -> bool:
        return self.data.draw(st.booleans())


def hhmm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


def clock(r: Rand, shared: list[int]) -> int:
    k = r.int(0, 3)
    if k == 0:
        return r.int(0, 1439)
    if k == 1:
        return r.pick(CLOCKS)
    if k == 2 and shared:
        return r.pick(shared)  # another service's time: same-minute departures and landings
    return 30 * r.int(0, 47)


def scenario(r: Rand, *, max_places: int = 5, max_services: int = 6, max_stops: int = 4,
             max_times: int = 3, max_links: int = 4, max_dispatch: int = 2) -> dict[str, Any]:
    start = r.pick(sorted(CHANGES))
    n = r.int(3, max_places)
    places = [{
        "id": f"P{i}", "name": f"P{i}", "kind": "junction", "country": "KZ",
        "lat": 0.0, "lon": 6.0 * i, "tz": r.pick(ZONES),
        "min_connection_min": r.pick([0, 0, 1, 15, 30, 45.5, 120, 600]),
        "checkin_min": r.pick([0, 0, 1, 20, 60, 90.5, 240]),
    } for i in range(n)]
    for _ in range(r.int(0, 2)):  # places whose clocks change in the week
        places[r.int(0, n - 1)]["tz"] = r.pick(CHANGES[start])
    services: list[dict[str, Any]] = []
    shared: list[int] = []
    for k in range(r.int(1, max_services)):
        size = r.int(2, max_stops)
        stops = [r.int(0, n - 1)]
        while len(stops) < size:
            nxt = r.int(0, n - 1)
            if nxt != stops[-1]:
                stops.append(nxt)
        dwell = r.pick([0, 0, 5, 10])
        running = r.pick([1, 2, 29, 30, 60, 61, 95, 181, 600, 1439, 1440, 1470, 2900, r.int(1, 3000)])
        running = max(running, len(stops) - 1)
        if r.int(0, 3) == 0:
            tt: dict[str, Any] = {"headway_min": r.pick([7.5, 45, 90, 240, 360, 719]),
                                  "first": hhmm(r.pick([0, 30, 90, 1200])),
                                  "last": hhmm(r.pick([1439, 1380, 600]))}
            if tt["last"] < tt["first"]:
                tt["last"] = "23:59"
        else:
            times = sorted({clock(r, shared) for _ in range(r.int(1, max_times))})
            shared.extend(times)
            tt = {"times": [hhmm(t) for t in times]}
        if r.coin():
            tt["days"] = sorted({r.pick(DAYS) for _ in range(r.int(1, 4))}, key=DAYS.index)
        svc: dict[str, Any] = {
            "id": f"S{k}", "mode": r.pick(MODES[:3] if r.coin() else MODES),
            "unit": "feu" if r.int(0, 5) == 0 else "pax",
            "stops": [f"P{s}" for s in stops], "timetable": tt,
            "duration_min": running + dwell * (len(stops) - 2), "dwell_min": dwell, "capacity": 10,
            "cost_usd": r.pick([0, 0, 10, 99, r.int(0, 500)]), "co2_kg": r.pick([0, 7, r.int(0, 300)]),
            "fare_basis": r.pick(["distance", "boarding"]),
        }
        if r.int(0, 4) == 0:
            offset = r.int(-2, 5)
            day = (dt.date.fromisoformat(start) + dt.timedelta(days=offset)).isoformat()
            svc["valid_from" if r.coin() else "valid_to"] = day
        services.append(svc)
    for k in range(r.int(0, max_dispatch)):
        a = r.int(0, n - 1)
        b = (a + r.int(1, n - 1)) % n
        # departure paths on some weekdays only, one in three
        days = r.pick([["Mon"], ["Tue", "Sat"], ["Wed", "Thu", "Sun"]])
        paths = r.pick([{}, {}, {"paths_per_day": 1, "days": days}])
        services.append({
            "id": f"D{k}", "mode": r.pick(["road", "rail"]), "unit": "pax" if r.int(0, 3) else "feu",
            "stops": [f"P{a}", f"P{b}"], "dispatch": {"cutoff_min": r.pick([0, 0, 30, 90.5, 1500]), **paths},
            "duration_min": r.pick([1, 30, 60, 181]), "capacity": 8,
            "cost_usd": r.pick([0, 15, r.int(0, 80)]), "co2_kg": r.pick([0, 3]),
        })
    links = []
    pairs = set()
    for k in range(r.int(0, max_links)):
        a, b = r.int(0, n - 1), r.int(0, n - 1)
        if a == b or (a, b) in pairs:
            continue
        pairs.add((a, b))
        link: dict[str, Any] = {
            "id": f"L{k}", "from": f"P{a}", "to": f"P{b}", "bidirectional": r.coin(),
            "mode": r.pick(["transfer", "transfer", "road", "rail"]),
            "duration_min": r.pick([1, 5, 30, 60, 12.5, r.int(1, 400)]),
            "cost_usd": r.pick([0, 0, 7, 20.25, r.int(0, 60)]), "co2_kg": r.pick([0, 2]),
        }
        if r.int(0, 3) == 0:
            link["units"] = [r.pick(["pax", "feu"])]
        links.append(link)
    if r.int(0, 3) == 0:  # leave P0 by link and ride back through it (its check-in is long)
        places[0]["checkin_min"] = r.pick([120, 240, 600])
        links.append({"id": "LOOP", "from": "P0", "to": "P1", "bidirectional": False, "mode": "transfer",
                      "duration_min": r.pick([5, 20, 60]), "cost_usd": r.pick([0, 5])})
        times = sorted({clock(r, shared) for _ in range(r.int(1, max_times))})
        services.append({"id": "BACK", "mode": "rail", "unit": "pax",
                         "stops": ["P1", "P0", f"P{r.int(1, n - 1)}"],
                         "timetable": {"times": [hhmm(t) for t in times]},
                         "duration_min": r.pick([30, 61, 300, 1500]), "capacity": 10,
                         "cost_usd": r.pick([0, 40])})
    data: dict[str, Any] = {"name": "hostile", "run": {"start": start, "horizon_days": 7},
                            "places": places, "services": services, "links": links}
    if r.int(0, 6) == 0:
        data["valid_to"] = (dt.date.fromisoformat(start) + dt.timedelta(days=r.int(1, 6))).isoformat()
    return data


def question(r: Rand, data: dict[str, Any], departures: list[tuple[int, int]]) -> dict[str, Any]:
    """Origin, target, ready minute since the epoch and options; ``departures`` are
    (place, minute) pairs of trips to aim the ready time at."""
    n = len(data["places"])
    loop = any(link["id"] == "LOOP" for link in data["links"])
    origin = 0 if r.int(0, 2) < (2 if loop else 1) else r.int(0, n - 1)  # P0: where LOOP leaves
    target = (origin + r.int(1, n - 1)) % n
    pick = r.int(0, 3)
    at_origin = [t for p, t in departures if p == origin]
    if pick and at_origin:
        ck = data["places"][origin]["checkin_min"]
        ready = r.pick(at_origin) - ck + r.pick([0, 0, -1, 1, -0.5])
        if pick == 3:
            ready -= r.pick([1, 5, 30, 60, 12.5])
    else:
        ready = r.int(-1440, 6 * 1440)
    q: dict[str, Any] = {"origin": origin, "target": target, "ready": ready, "unit": "pax",
                         "modes": None, "max_transfers": None, "direct_only": False}
    if r.int(0, 5) == 0:
        q["unit"] = "feu"
    if r.int(0, 3) == 0:
        q["modes"] = tuple(sorted({r.pick(MODES) for _ in range(r.int(1, 3))}))
    k = r.int(0, 5)
    if k in (1, 2):
        q["max_transfers"] = r.int(0, 2)
    elif k == 3:
        q["direct_only"] = True
    return q
