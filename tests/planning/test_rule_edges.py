"""Rules at their edges, each against a brute force, a plain loop or a worked-out answer.

Written from mutation testing: each case failed on a small change to the planner that the
other tests let through (a window's end excluded, a quantile read wrong, ...).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from fractions import Fraction
from typing import Any

import numpy as np
import pytest
from planning.brute_reference import World
from planning.builders import link, place, service

from corridor.errors import NoRouteError
from corridor.planning import RoutePlanner
from corridor.planning.profile import Profile
from corridor.scenario.schema import Scenario


def data(places: list[dict], services: list[dict], links: list[dict] | None = None) -> dict[str, Any]:
    return {"name": "edge", "run": {"start": "2027-03-22", "horizon_days": 14},
            "places": places, "services": services, "links": links or []}


def brute(d: dict[str, Any]) -> World:
    return World(d, dt.date(2027, 3, 14), dt.date(2027, 4, 12))


def minutes(world: World, utc: str) -> int:
    return world.minutes(dt.datetime.fromisoformat(utc + "+00:00"))


def plan_criteria(d: dict[str, Any], origin: str, target: str, utc: str, **kw: Any) -> list[tuple]:
    planner = RoutePlanner(Scenario.model_validate(d))
    try:
        found = planner.plan(origin, target, dt.datetime.fromisoformat(utc + "+00:00"), unit="pax", **kw)
    except NoRouteError:
        return []
    return sorted(it.criteria() for it in found.itineraries)


def brute_criteria(d: dict[str, Any], origin: str, target: str, utc: str, window_days: float,
                   **kw: Any) -> list[tuple]:
    world = brute(d)
    ready = minutes(world, utc)
    found = world.search(world.index[origin], world.index[target], ready, unit="pax",
                         limit=ready + Fraction(window_days) * 1440, **kw)
    return sorted(f.criteria() for f in found)


# ---------------------------------------------------------------- the window's end is inside it
@pytest.mark.parametrize("last", ["ride", "link", "through"])
def test_a_journey_arriving_at_the_very_end_of_the_window_is_kept(last: str) -> None:
    # ready 08:00 with a one-day window: the window ends at 08:00 the next day, and a journey
    # arriving then is "within" it (docs/planning.md; the profile's window keeps both ends)
    # - ride: A -> B -> T rides 22 h + 2 h (a multi-stop trip: the scan's general case)
    # - link: A -> B by a 10:00 train (60 min), then a 1260-min road into T: 08:00 + 1 day
    # - through: two riders on one trip (a cheap slow link to B and the train from A both board it)
    if last == "ride":
        d = data([place("A"), place("B", 6), place("T", 12)],
                 [service("S", ["A", "B", "T"], ["08:00"], 1440)])
    elif last == "link":
        d = data([place("A"), place("B", 6), place("T", 12)],
                 [service("S", ["A", "B"], ["10:00"], 60)], [link("BT", "B", "T", 1260)])
    else:
        d = data([place("A"), place("B", 6), place("T", 12)],
                 [service("S", ["A", "B", "T"], ["09:00"], 1380, cost_usd=100),
                  service("F", ["A", "B"], ["08:00"], 30, cost_usd=10)])
    want = brute_criteria(d, "A", "T", "2027-03-24T08:00", 1.0)
    assert want and max(c[0] for c in want) == minutes(brute(d), "2027-03-25T08:00")
    assert plan_criteria(d, "A", "T", "2027-03-24T08:00", window_days=1.0) == want


# ---------------------------------------------------------------- a profile's summary
def test_profile_summary_against_plain_statistics() -> None:
    rng = np.random.default_rng(5)
    ready = np.arange(0.0, 500.0)
    total = rng.integers(30, 3000, ready.size).astype(float)
    arrival = ready + total
    arrival[rng.choice(ready.size, 57, replace=False)] = np.inf
    prof = Profile(0, 1, ready, arrival, np.zeros(ready.size, dtype=np.int64))
    kept = [t for t, a in zip(total.tolist(), arrival.tolist(), strict=True) if math.isfinite(a)]
    got = prof.summary()
    assert got["reachable_share"] == pytest.approx(len(kept) / 500)
    assert got["mean_min"] == pytest.approx(statistics.fmean(kept))
    assert got["median_min"] == pytest.approx(statistics.median(kept))
    # the 95th percentile by linear interpolation between order statistics
    assert got["p95_min"] == pytest.approx(statistics.quantiles(kept, n=20, method="inclusive")[18])
    assert got["min_min"] == min(kept) and got["max_min"] == max(kept)
    none = Profile(0, 1, ready[:3], np.full(3, np.inf), np.full(3, -1, dtype=np.int64))
    assert none.summary() == {"reachable_share": 0.0}


# ---------------------------------------------------------------- clock times asked in a change
def test_a_ready_time_in_the_spring_gap_is_refused_and_in_the_autumn_fold_reads_the_first_offset() -> None:
    from corridor.errors import PlanningError

    d = data([place("V", tz="Europe/Vilnius"), place("T", 6)], [service("S", ["V", "T"], ["08:00"], 60)])
    d["run"]["start"] = "2027-03-01"
    planner = RoutePlanner(Scenario.model_validate(d))
    epoch = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    # 03:30 on 28 March 2027 does not exist in Vilnius (03:00 EET jumps to 04:00 EEST)
    with pytest.raises(PlanningError, match="does not exist at V"):
        planner.when("2027-03-28T03:30", "V")
    with pytest.raises(PlanningError, match="does not exist"):
        planner.plan("V", "T", "2027-03-28T03:30", unit="pax")
    # with an offset it is an instant: 03:30+03:00 is 00:30 UTC
    assert planner.when("2027-03-28T03:30+03:00", "V") == (27 * 1440 + 30)
    # either side of the gap: 02:59 EET is 00:59 UTC, 04:00 EEST is 01:00 UTC
    assert planner.when("2027-03-28T02:59", "V") == 27 * 1440 + 59
    assert planner.when("2027-03-28T04:00", "V") == 27 * 1440 + 60
    # 03:30 on 31 October 2027 happens twice (EEST, then EET): the first, +03:00, is 00:30 UTC
    oct31 = (dt.datetime(2027, 10, 31, tzinfo=dt.UTC) - epoch).days * 1440
    assert planner.when("2027-10-31T03:30", "V") == oct31 + 30
    assert planner.when(dt.datetime(2027, 10, 31, 3, 30), "V") == oct31 + 30
    assert planner.when("2027-10-31T04:30", "V") == oct31 + 150  # after the fold: EET, 02:30 UTC


# ---------------------------------------------------------------- limits, at their edge
def test_a_bag_holds_max_bag_journeys_and_is_refused_past_it(monkeypatch) -> None:
    from corridor.errors import PlanningError
    from corridor.planning import search
    from corridor.planning.search import START, Label, insert

    monkeypatch.setattr(search, "MAX_BAG", 4)
    # each arrives later than the one before and costs less: none beats another
    labels = [Label(float(10 * k), 1, float(100 - k), 0.0, True, START) for k in range(5)]
    bag: list[Label] = []
    for lab in labels[:4]:
        assert insert(bag, lab)
    assert bag == labels[:4]  # exactly the bound: kept
    with pytest.raises(PlanningError, match="more than 4 journeys"):
        insert(bag, labels[4])


def test_a_ready_time_at_the_end_of_the_timetable_is_outside_it() -> None:
    from corridor.errors import PlanningError
    from corridor.network.timetable import build_timetable
    from corridor.planning.search import Planner

    d = data([place("A"), place("B", 6)], [service("S", ["A", "B"], ["08:00"], 60)])
    tt = build_timetable(Scenario.model_validate(d))
    planner = Planner(tt)
    assert planner.earliest(0, 1, tt.start_min) is not None
    for ready in (tt.horizon_min, tt.start_min - 1):
        with pytest.raises(PlanningError, match="outside the timetable window"):
            planner.earliest(0, 1, ready)
        with pytest.raises(PlanningError, match="outside the timetable window"):
            planner.pareto(0, 1, ready)


# ---------------------------------------------------------------- a later landing may board sooner
def hub_case(walk: int, checkin: int, mct: int, cutoff: int, ride: int, onward: str) -> dict[str, Any]:
    """O -> X by a walk and by a dispatched vehicle; X -> T by a timetabled train. At X boarding
    after the walk waits the larger of check-in and connection time, after the vehicle only the
    connection time: the vehicle lands later than the walk yet may board sooner."""
    return data([place("O"), place("X", 6, checkin_min=checkin, min_connection_min=mct), place("T", 12)],
                [{"id": "D", "mode": "road", "unit": "pax", "stops": ["O", "X"], "duration_min": ride,
                  "capacity": 8, "dispatch": {"cutoff_min": cutoff}},
                 service("S", ["X", "T"], [onward], 60)],
                [link("W", "O", "X", walk)])


def earliest_both(d: dict[str, Any], utc: str) -> tuple[float, float]:
    from corridor.network.timetable import build_timetable
    from corridor.planning.search import Planner

    world = brute(d)
    ready = minutes(world, utc)
    want = world.earliest(world.index["O"], world.index["T"], ready, unit="pax")
    tt = build_timetable(Scenario.model_validate(d))
    got = Planner(tt, unit="pax").earliest(tt.index["O"], tt.index["T"], float(ready))
    return (math.inf if got is None else got.arrive_min), float(want)


def test_earliest_keeps_a_dispatched_landing_that_may_board_sooner_than_an_earlier_walk() -> None:
    # ready 08:00: the walk reaches X at 08:10, boarding from 10:10 (check-in 120); the vehicle
    # leaves at its 0-min cut-off, lands 08:30 and may board at 08:30: the 09:00 train, at T 10:00
    d = hub_case(walk=10, checkin=120, mct=0, cutoff=0, ride=30, onward="09:00")
    got, want = earliest_both(d, "2027-03-24T08:00")
    assert want == minutes(brute(d), "2027-03-24T10:00")
    assert got == want


@pytest.mark.parametrize("seed", range(40))
def test_earliest_through_a_walk_or_a_dispatched_vehicle_equals_the_brute_force(seed: int) -> None:
    import random

    rng = random.Random(seed)
    d = hub_case(walk=rng.choice([5, 10, 30, 60]), checkin=rng.choice([0, 30, 120, 240]),
                 mct=rng.choice([0, 15, 45]), cutoff=rng.choice([0, 15, 30]), ride=rng.choice([10, 30, 90]),
                 onward=f"{rng.randint(8, 11):02d}:{rng.choice([0, 15, 30, 45]):02d}")
    got, want = earliest_both(d, f"2027-03-24T{rng.randint(7, 9):02d}:{rng.choice([0, 30]):02d}")
    assert got == want, d


# ---------------------------------------------------------------- boarding at the exact boundary
@pytest.mark.parametrize(("checkin", "mct", "ready", "second"), [
    (0, 0, "08:00", "09:00"),  # no check-in: the train leaving at the ready minute is boarded
    (30, 0, "07:30", "09:00"),  # check-in ends as the train leaves
    (0, 45, "08:00", "09:45"),  # the connection time ends as the second train leaves
    (0, 45, "08:00", "09:44"),  # ... and a minute short of it
])
def test_earliest_boards_when_check_in_or_the_connection_time_ends_as_the_train_leaves(
        checkin: int, mct: int, ready: str, second: str) -> None:
    from corridor.network.timetable import build_timetable
    from corridor.planning.search import Planner

    d = data([place("A", checkin_min=checkin), place("B", 6, min_connection_min=mct), place("T", 12)],
             [service("S1", ["A", "B"], ["08:00"], 60), service("S2", ["B", "T"], [second], 60)])
    world = brute(d)
    t0 = minutes(world, f"2027-03-24T{ready}")
    want = world.earliest(world.index["A"], world.index["T"], t0, unit="pax")
    tt = build_timetable(Scenario.model_validate(d))
    planner = Planner(tt, unit="pax")
    got = planner.earliest(tt.index["A"], tt.index["T"], float(t0))
    assert got is not None and got.arrive_min == want
    made = second != "09:44"
    assert (want - t0 < 1440) == made  # the same day's second train, or the next day's
    assert [it.arrive_min for it in planner.pareto(tt.index["A"], tt.index["T"], float(t0))] == [want]
    prof = compute_profile_at(tt, t0)
    assert prof == want


def compute_profile_at(tt: Any, t0: float) -> float:
    from corridor.planning.profile import compute_profile

    return float(compute_profile(tt, tt.index["A"], tt.index["T"], np.array([float(t0)])).arrival_min[0])


# ---------------------------------------------------------------- profiles: bounds and transfers
def profile_equals_brute(d: dict[str, Any], origin: str, target: str, start: str, hours: int,
                         **kw: Any) -> np.ndarray:
    """The profile every 15 minutes over ``hours`` from ``start`` (UTC) against the brute force's
    earliest arrival at each ready time; returns the arrivals."""
    from corridor.network.timetable import build_timetable
    from corridor.planning.profile import compute_profile

    world = brute(d)
    tt = build_timetable(Scenario.model_validate(d))
    t0 = minutes(world, start)
    ready = np.arange(t0, t0 + 60 * hours, 15, dtype=float)
    mt = kw.get("max_transfers")
    prof = compute_profile(tt, tt.index[origin], tt.index[target], ready, max_transfers=mt)
    for r, got in zip(ready.tolist(), prof.arrival_min.tolist(), strict=True):
        want = world.earliest(world.index[origin], world.index[target], int(r), unit="pax", max_transfers=mt)
        assert got == want, (r, got, want)
    return prof.arrival_min


def test_profile_bound_of_a_ride_boarded_mid_trip_counts_from_where_it_is_boarded() -> None:
    # A -> P by S1 (07:00, 60 min); from P, R rides on to T (R leaves X 04:00, P 09:00, T 10:00);
    # F runs A -> T directly 07:30 -> 11:00. From 07:00: S1, then R from P, at T 10:00, though
    # R's whole run from X takes six hours, more than F's
    d = data([place("A"), place("X", -6), place("P", 6), place("T", 12)],
             [service("S1", ["A", "P"], ["07:00"], 60), service("F", ["A", "T"], ["07:30"], 210),
              service("R", ["X", "P", "T"], ["04:00"], 360)])
    world = brute(d)
    assert world.earliest(world.index["A"], world.index["T"], minutes(world, "2027-03-24T07:00"),
                          unit="pax") == minutes(world, "2027-03-24T10:00")
    profile_equals_brute(d, "A", "T", "2027-03-24T05:00", 30)


@pytest.mark.parametrize("max_transfers", [0, 1, None])
def test_profile_keeps_to_the_transfers_allowed(max_transfers: int | None) -> None:
    # A -> B -> C -> T by three trains (two changes), or A -> T direct the next day
    d = data([place("A"), place("B", 6), place("C", 12), place("T", 18)],
             [service("S1", ["A", "B"], ["08:00"], 60), service("S2", ["B", "C"], ["09:30"], 60),
              service("S3", ["C", "T"], ["11:00"], 60), service("D", ["A", "T"], ["06:00"], 600),
              service("E", ["A", "C"], ["08:30"], 120)])
    arrivals = profile_equals_brute(d, "A", "T", "2027-03-24T07:00", 24, max_transfers=max_transfers)
    assert np.isfinite(arrivals).all()


# ---------------------------------------------------------------- fares paid at boarding decide
@pytest.mark.parametrize("stops", [["A", "T"], ["A", "M", "T"]])
def test_a_fare_by_boarding_counts_when_journeys_are_compared(stops: list[str]) -> None:
    # S charges 100 whole at boarding, Q 60 by distance; both reach T at 10:00 with no change:
    # Q beats S, and the plan is Q alone (one segment, or several: the scan's two ways to board)
    d = data([place("A"), place("M", 6), place("T", 12)],
             [service("S", stops, ["08:00"], 120, cost_usd=100, fare_basis="boarding"),
              service("Q", ["A", "T"], ["08:30"], 90, cost_usd=60)])
    want = brute_criteria(d, "A", "T", "2027-03-24T07:00", 3.0)
    assert [c[2] for c in want] == [60.0]
    assert plan_criteria(d, "A", "T", "2027-03-24T07:00", window_days=3.0) == want


# ---------------------------------------------------------------- chains of links that trade CO2
def test_a_slower_chain_of_links_that_emits_less_is_kept() -> None:
    # O -> T by road, 30 min, 5 kg; or walks O -> X -> T, 40 min, 0 kg; same cost: both are kept
    d = data([place("O"), place("X", 6), place("T", 12)], [service("S", ["O", "T"], ["23:00"], 600)],
             [link("R", "O", "T", 30, co2_kg=5, mode="road"), link("W1", "O", "X", 20, mode="transfer"),
              link("W2", "X", "T", 20, mode="transfer")])
    want = brute_criteria(d, "O", "T", "2027-03-24T08:00", 1.0)
    assert sorted((c[0] % 1440, c[3]) for c in want) == [(8 * 60 + 30, 5.0), (8 * 60 + 40, 0.0)]
    assert plan_criteria(d, "O", "T", "2027-03-24T08:00", window_days=1.0) == want
