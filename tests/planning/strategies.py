"""Hypothesis strategies: small random scenarios with real time zones and connection times.

Zones include half- and three-quarter-hour offsets, both hemispheres' summer time and zones
that change at local midnight; the run starts a day or so before one of its places changes
its clocks, so departures, connections and ready times fall either side of the change. Clock
times are often round (and near the changes), so arrivals meet departures to the minute and
connection times are met exactly or missed by a minute.
"""

from __future__ import annotations

from hypothesis import strategies as st

from corridor.scenario.schema import Scenario

ZONES = ["UTC", "Asia/Almaty", "Europe/Vilnius", "Europe/Istanbul", "Asia/Kolkata", "Asia/Kathmandu",
         "America/St_Johns", "Australia/Lord_Howe", "America/Santiago", "Africa/Cairo"]
# run start -> zones that change their clocks a day or two later (tzdata): the EU in spring and
# autumn, Lord Howe by half an hour and Santiago at local midnight in April, Newfoundland in
# November, Cairo at local midnight in April, Santiago again in September
CHANGES = {
    "2027-03-25": ["Europe/Vilnius"], "2027-03-27": ["Europe/Vilnius"], "2027-10-30": ["Europe/Vilnius"],
    "2027-04-03": ["Australia/Lord_Howe", "America/Santiago"], "2027-11-06": ["America/St_Johns"],
    "2027-04-29": ["Africa/Cairo"], "2027-09-04": ["America/Santiago"],
}
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
# round times, and those either side of midnight and of the changes (02:00-03:00 in spring)
CLOCK_MIN = [0, 30, 90, 120, 150, 165, 180, 210, 1410, 1439]


def clock_min() -> st.SearchStrategy[int]:
    return st.one_of(st.integers(0, 1439), st.sampled_from(CLOCK_MIN),
                     st.integers(0, 47).map(lambda k: 30 * k))


@st.composite
def scenarios(draw, *, max_places: int = 5, max_services: int = 6, links: bool = True,
              link_cost: bool = True, max_times: int = 3, max_stops: int = 4,
              max_links: int = 3, loop: bool = False, dispatch: bool = False,
              twice: bool = False, path_days: bool = False, hub: bool = False) -> Scenario:
    n = draw(st.integers(3, max_places))
    start = draw(st.sampled_from(sorted(CHANGES)))
    places = [
        {
            "id": f"P{i}", "name": f"P{i}", "kind": "junction", "country": "KZ",
            "lat": 40.0 + i, "lon": 20.0 + 3 * i, "tz": draw(st.sampled_from(ZONES)),
            "min_connection_min": draw(st.sampled_from([0, 15, 30, 45, 90])),
            "checkin_min": draw(st.sampled_from([0, 30, 60, 120, 240])),
        }
        for i in range(n)
    ]
    if draw(st.booleans()):  # a place whose clocks change soon after the start
        places[draw(st.integers(0, n - 1))]["tz"] = draw(st.sampled_from(CHANGES[start]))
    services = []
    for k in range(draw(st.integers(1, max_services))):
        # stops may come back to a place (A -> B -> A), never twice in a row
        stops = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=max_stops)
                     .filter(lambda xs: all(a != b for a, b in zip(xs, xs[1:], strict=False))))
        times = draw(st.lists(clock_min(), min_size=1, max_size=max_times, unique=True))
        days = draw(st.one_of(st.just("daily"),
                              st.lists(st.sampled_from(DAYS), min_size=1, max_size=4, unique=True)))
        dwell = draw(st.sampled_from([0, 10]))
        running = draw(st.one_of(st.integers(30, 2000), st.sampled_from([60, 90, 120, 1440, 1470])))
        services.append({
            "id": f"S{k}", "mode": draw(st.sampled_from(["air", "rail"])), "unit": "pax",
            "stops": [f"P{s}" for s in stops],
            "timetable": {"days": days, "times": [f"{t // 60:02d}:{t % 60:02d}" for t in times]},
            "duration_min": running + dwell * (len(stops) - 2),
            "dwell_min": dwell,
            "capacity": 10,
            "cost_usd": draw(st.integers(0, 500)),
            "fare_basis": draw(st.sampled_from(["distance", "boarding"])),
            "co2_kg": draw(st.integers(0, 300)),
        })
    link_items = []
    if links:
        pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1))
                              .filter(lambda p: p[0] != p[1]), max_size=max_links, unique=True))
        for k, (a, b) in enumerate(pairs):
            link_items.append({
                "id": f"L{k}", "from": f"P{a}", "to": f"P{b}", "bidirectional": draw(st.booleans()),
                "duration_min": draw(st.one_of(st.integers(10, 300), st.sampled_from([30, 60]))),
                "cost_usd": draw(st.integers(0, 50)) if link_cost else 0,
                "co2_kg": draw(st.sampled_from([0, 5])),
            })
    # vehicles that leave at their cut-off, joined where one may board: none, one, or two (one
    # after the other, or after a link, or before one)
    for k in range(draw(st.integers(0, 2)) if dispatch else 0):
        a, b = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
        services.append({
            "id": f"DISPATCH{k}", "mode": "road", "unit": "pax", "stops": [f"P{a}", f"P{b}"],
            "dispatch": {"cutoff_min": draw(st.sampled_from([0, 30])),  # paths some days only, or every day
                         **draw(st.sampled_from([{}, {"paths_per_day": 1, "days": ["Tue", "Sat"]}]
                                                if path_days else [{}]))},
            "duration_min": draw(st.sampled_from([30, 60, 90])), "capacity": 8,
            "cost_usd": draw(st.integers(0, 50)),
        })
    if loop:  # P0 -> P1 by link, then a service back through P0: a journey passing P0 twice
        places[0]["checkin_min"] = draw(st.sampled_from([120, 240]))
        link_items.append({"id": "LOOP", "from": "P0", "to": "P1", "bidirectional": False,
                           "duration_min": draw(st.integers(5, 60)), "cost_usd": draw(st.integers(0, 50))})
        times = draw(st.lists(clock_min(), min_size=1, max_size=max_times, unique=True))
        services.append({
            "id": "BACK", "mode": "rail", "unit": "pax", "stops": ["P1", "P0", "P2"],
            "timetable": {"days": "daily", "times": [f"{t // 60:02d}:{t % 60:02d}" for t in times]},
            "duration_min": draw(st.integers(30, 600)), "dwell_min": draw(st.sampled_from([0, 10])),
            "capacity": 10, "cost_usd": draw(st.integers(0, 500)),
            "fare_basis": draw(st.sampled_from(["distance", "boarding"])),
        })
    if twice:  # P0 -> P1 twice a day into one P1 -> P2 a day: two journeys equal but for when they leave
        first = draw(clock_min())
        times = [first, (first + draw(st.integers(30, 720))) % 1440]
        onward = [draw(clock_min())]
        for sid, stops, when in (("TWICE", ["P0", "P1"], times), ("ONWARD", ["P1", "P2"], onward)):
            services.append({
                "id": sid, "mode": draw(st.sampled_from(["air", "rail"])), "unit": "pax", "stops": stops,
                "timetable": {"days": "daily", "times": [f"{t // 60:02d}:{t % 60:02d}" for t in when]},
                "duration_min": draw(st.integers(30, 600)), "capacity": 10,
                "cost_usd": draw(st.integers(0, 500)), "co2_kg": draw(st.integers(0, 300)),
            })
    if hub:  # P0 -> P1 by a walk and by a shuttle (every half hour), on from P1 to P2: boarding
        # at P1 after the walk waits its long check-in, after the shuttle only its connection
        # time, so a landing later than the walk's may board sooner
        places[0]["checkin_min"] = 0
        places[1]["checkin_min"] = draw(st.sampled_from([120, 240]))
        places[1]["min_connection_min"] = draw(st.sampled_from([0, 15]))
        link_items.append({"id": "WALK", "from": "P0", "to": "P1", "bidirectional": False,
                           "duration_min": draw(st.integers(5, 60)), "cost_usd": draw(st.integers(0, 50))})
        onward = draw(st.lists(clock_min(), min_size=1, max_size=max_times, unique=True))
        for sid, stops, running, timetable in (
                ("SHUTTLE", ["P0", "P1"], draw(st.integers(10, 90)), {"headway_min": 30}),
                ("ONWARD", ["P1", "P2"], draw(st.integers(30, 600)),
                 {"times": [f"{t // 60:02d}:{t % 60:02d}" for t in onward]})):
            services.append({"id": sid, "mode": "rail", "unit": "pax", "stops": stops, "timetable": timetable,
                             "duration_min": running, "capacity": 10, "cost_usd": draw(st.integers(0, 500))})
    return Scenario.model_validate({
        "name": "random", "run": {"start": start, "horizon_days": 6},
        "places": places, "services": services, "links": link_items,
    })
