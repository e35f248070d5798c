"""The airline view of a flight with an intermediate stop, against a plain count of who rode
which part of it.

A daily A - B - C flight carries three markets (A-B, B-C, A-C) and nothing else runs, so each
passenger's ride is their flow's part of the route, and the trip they took is the last 08:00
departure from A before they left. Passenger-km are then each rider's own great-circle km,
and the flight's market share counts only A - C travellers. Before the trip log carried
passenger-km and through riders, the yield took every boarding over the whole route, and the
share counted A-B and B-C riders as A - C's, up to 2.9 times the market here.
"""

from __future__ import annotations

import math

import numpy as np

from corridor.analysis.airline import airline_kpis
from corridor.scenario.schema import Scenario
from corridor.simulation import run_replication

PLACES = {"A": (51.0, 71.4), "B": (55.0, 50.0), "C": (54.6, 25.3)}
FLOWS = {"AB": ("A", "B", 60.0), "BC": ("B", "C", 45.0), "AC": ("A", "C", 30.0)}


def _km(a: str, b: str) -> float:
    (p1, l1), (p2, l2) = (tuple(math.radians(x) for x in PLACES[p]) for p in (a, b))
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin((l2 - l1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _scenario() -> Scenario:
    return Scenario.model_validate({
        "name": "three stops",
        "run": {"start": "2027-03-01", "horizon_days": 28, "warmup_days": 7, "drain_days": 3, "seed": 5},
        "places": [{"id": p, "name": p, "kind": "airport", "country": "KZ", "lat": lat, "lon": lon,
                    "tz": "UTC", "min_connection_min": 0, "checkin_min": 0}
                   for p, (lat, lon) in PLACES.items()],
        "services": [{"id": "F", "mode": "air", "unit": "pax", "stops": ["A", "B", "C"],
                      "timetable": {"times": ["08:00"], "days": "daily"}, "speed_kph": 800,
                      "capacity": 400, "cost_usd": 300, "co2_kg": 0,
                      "economics": {"cost_per_block_hour_usd": 5000, "cost_per_trip_usd": 1000}}],
        "demand": [{"id": k, "kind": "passenger", "from": a, "to": b, "per_week": w}
                   for k, (a, b, w) in FLOWS.items()],
    })


def test_a_flight_with_a_stop_counts_each_riders_own_km_and_only_through_riders_as_its_market() -> None:
    scenario = _scenario()
    rec = run_replication(scenario, 0)
    u = rec.units
    flows = list(FLOWS)
    pkm, riders, through = 0.0, 0, 0
    for flow, left in zip(u["flow"].tolist(), u["first_departure_min"].tolist(), strict=True):
        if not math.isfinite(left):
            continue
        trip_start = math.floor((left - 480) / 1440) * 1440 + 480  # the 08:00 from A it rode
        if rec.warmup_min <= trip_start < rec.horizon_min:
            a, b, _ = FLOWS[flows[flow]]
            pkm += _km(a, b)
            riders += 1
            through += flows[flow] == "AC"
    window = (u["created_min"] >= rec.warmup_min) & (u["created_min"] < rec.horizon_min)
    made_ac = int(np.count_nonzero(window & (u["flow"] == flows.index("AC"))))
    assert riders > 100 and 0 < through < riders  # every market flew, and it could go wrong

    got = airline_kpis(rec, scenario)["F"]
    assert got["passengers"] == riders
    # the engine measures a segment along its sampled path: within 1e-5 of the great circle
    assert math.isclose(got["yield_usd_per_pkm"], got["revenue_usd"] / pkm, rel_tol=1e-5)
    assert math.isclose(got["share_of_market"], through / made_ac, rel_tol=1e-12)
    assert got["share_of_market"] <= 1.2  # a ratio of rates: those created before the window fly in it


def test_travellers_connecting_onto_it_are_no_share_of_its_market() -> None:
    # Z -> C travellers take a train Z -> A at 04:00 and ride F from A to C end to end: they were
    # counted as A - C's market, and its share read 200% where all of A - C flew
    base = _scenario().model_dump(mode="json", by_alias=True, exclude_none=True)
    base["places"].append({"id": "Z", "name": "Z", "kind": "airport", "country": "KZ", "lat": 50.0,
                           "lon": 73.0, "tz": "UTC", "min_connection_min": 0, "checkin_min": 0})
    base["services"].append({"id": "T", "mode": "rail", "unit": "pax", "stops": ["Z", "A"],
                             "timetable": {"times": ["04:00"], "days": "daily"}, "duration_min": 120,
                             "capacity": 400})
    base["demand"].append({"id": "ZC", "kind": "passenger", "from": "Z", "to": "C", "per_week": 60.0})
    scenario = Scenario.model_validate(base)
    rec = run_replication(scenario, 0)
    u = rec.units
    flows = [f.id for f in scenario.demand]
    through = 0
    for flow, left in zip(u["flow"].tolist(), u["first_departure_min"].tolist(), strict=True):
        trip_start = math.floor((left - 480) / 1440) * 1440 + 480 if math.isfinite(left) else -1
        through += flows[flow] == "AC" and rec.warmup_min <= trip_start < rec.horizon_min
    window = (u["created_min"] >= rec.warmup_min) & (u["created_min"] < rec.horizon_min)
    made_ac = int(np.count_nonzero(window & (u["flow"] == flows.index("AC"))))
    zc_flew = int(np.count_nonzero(window & (u["flow"] == flows.index("ZC")) & np.isfinite(u["arrival_min"])))
    assert zc_flew > 50 and through > 50
    got = airline_kpis(rec, scenario)["F"]
    assert math.isclose(got["share_of_market"], through / made_ac, rel_tol=1e-12)
    assert got["share_of_market"] <= 1.2


def test_a_flight_closed_all_run_gets_no_verdict_of_nan() -> None:
    # closed for the whole run: the verdict read "F is about at break-even: load nan% (no
    # break-even load: its fares earn nothing a traveller)"
    from corridor import simulate
    from corridor.report.run_text import airline_table

    data = _scenario().model_dump(by_alias=True, exclude_none=True)
    data["disruptions"] = [{"id": "X", "target": "F", "start": "2027-02-01T00:00:00+00:00",
                            "end": "2027-05-01T00:00:00+00:00"}]
    text = airline_table(simulate(Scenario.model_validate(data), replications=2, workers=1))
    assert "nan" not in text.lower() and "break-even:" not in text
    assert "Verdict: F flew no flight after the warm-up" in text
