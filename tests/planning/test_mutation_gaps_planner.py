"""Planner rules that hand-made mutants of src/corridor/planning showed no test held, each on a
small case worked out by hand and checked against the brute force (brute_reference.py) or a
plain loop."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from planning.brute_reference import World

from corridor.network.timetable import build_timetable
from corridor.planning.itinerary import chain_legs
from corridor.scenario.schema import Scenario


def place(pid: str, lon: float = 0.0, **extra: Any) -> dict[str, Any]:
    return {"id": pid, "name": pid, "kind": "junction", "country": "KZ", "lat": 0.0, "lon": lon,
            "tz": "UTC", **extra}


def service(sid: str, stops: list[str], times: list[str], duration_min: float,
            **extra: Any) -> dict[str, Any]:
    return {"id": sid, "mode": "rail", "unit": "pax", "stops": stops,
            "timetable": {"days": "daily", "times": times}, "duration_min": duration_min,
            "capacity": 100, **extra}


def link(lid: str, a: str, b: str, minutes: float, cost: float = 0.0, **extra: Any) -> dict[str, Any]:
    return {"id": lid, "from": a, "to": b, "duration_min": minutes, "cost_usd": cost,
            "bidirectional": False, **extra}


def dispatched(sid: str, a: str, b: str, cutoff: float, minutes: float, **extra: Any) -> dict[str, Any]:
    return {"id": sid, "mode": "road", "unit": "pax", "stops": [a, b], "dispatch": {"cutoff_min": cutoff},
            "duration_min": minutes, "capacity": 8, **extra}


def data(places: list[dict], services: list[dict], links: list[dict] | None = None,
         horizon_days: int = 14) -> dict[str, Any]:
    return {"name": "gap", "run": {"start": "2027-03-22", "horizon_days": horizon_days},
            "places": places, "services": services, "links": links or []}


def brute(d: dict[str, Any]) -> World:
    return World(d, dt.date(2027, 3, 14), dt.date(2027, 4, 12))


# ---------------------------------------------------------------- chain_legs, leg by leg
# O: check-in 60; X: check-in 120, connection 15; Y: check-in 45, connection 0.
CHAIN_PLACES = [place("O", checkin_min=60), place("X", 6, checkin_min=120, min_connection_min=15),
                place("Y", 12, checkin_min=45), place("T", 18)]
CHAIN_ROWS = {"L1": link("L1", "O", "X", 10), "L2": link("L2", "X", "Y", 20), "L3": link("L3", "X", "Y", 20),
              "L4": link("L4", "Y", "T", 10), "D1": dispatched("D1", "O", "X", 30, 30),
              "D2": dispatched("D2", "Y", "T", 0, 30), "D3": dispatched("D3", "X", "Y", 0, 30)}


@pytest.mark.parametrize(("chain", "want"), [
    # ready 08:00 (480). A link leaves the origin at the ready time, not after check-in: L1
    # 480 -> 490; off a link another link leaves at once: L2 490 -> 510; D2 is joined after
    # Y's larger of check-in 45 and connection 0: 510 + 45 = 555, cut-off 0, lands 585.
    (["L1", "L2", "D2"], [("L1", 480, 490), ("L2", 490, 510), ("D2", 555, 585)]),
    # D1 is joined after O's check-in: 480 + 60 = 540, leaves at its 30-min cut-off 570, lands
    # 600; off a vehicle a link waits X's connection time: L3 615 -> 635; D2 joined 635 + 45.
    (["D1", "L3", "D2"], [("D1", 570, 600), ("L3", 615, 635), ("D2", 680, 710)]),
    # off a vehicle, the next vehicle is joined after the connection time (15), not X's
    # check-in: D3 615 -> 645; the link L4 leaves Y after its connection time 0: 645 -> 655.
    (["D1", "D3", "L4"], [("D1", 570, 600), ("D3", 615, 645), ("L4", 645, 655)]),
])
def test_chain_legs_time_every_kind_of_step_as_the_brute_force(chain: list[str], want: list[tuple]) -> None:
    # Mutants lived: at_origin boarding at the ready time (no check-in) or a link waiting for
    # check-in; landing() off a link delaying the next link, or off a vehicle letting a link
    # leave at once; chain_legs landing every step as if by link.
    d = data(CHAIN_PLACES, [CHAIN_ROWS[r] for r in chain if r.startswith("D")],
             [CHAIN_ROWS[r] for r in chain if r.startswith("L")], horizon_days=2)
    tt = build_timetable(Scenario.model_validate(d))
    rows = tuple(tt.links.ids.index(r) for r in chain)
    got = [(leg.name, leg.dep_min, leg.arr_min) for leg in chain_legs(tt, tt.index["O"], rows, 480.0)]
    assert got == want
    world = World(d, dt.date(2027, 3, 21), dt.date(2027, 3, 24))
    (found,) = world.search(world.index["O"], world.index["T"], 480, unit="pax")  # the one way there
    assert [(m[1], m[4], m[5]) for m in found.moves] == want
