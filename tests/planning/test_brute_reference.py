"""``RoutePlanner.plan`` and ``profile`` against a brute-force label search written from the
docs (``brute_reference``) on hostile random scenarios (``hostile_timetables``).

``plan``: the Pareto set over (arrival, transfers, cost, CO2) equals the reference's, with
``max_transfers``, ``modes``, ``direct_only`` and either unit, and every itinerary it prints is
replayed leg by leg against the rules (boarding only when allowed, a dispatched vehicle leaving
its cut-off after the moment it is joined, fares and CO2 summed). ``profile``: the earliest
arrival at sampled ready times (every departure less check-in among them) equals the
reference's. Each runs on Hypothesis' draws (they shrink) and on plain seeded draws (they reach
further: Hypothesis favours small values).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from planning.brute_reference import LINK, START, VEHICLE, Found, World
from planning.hostile_timetables import Draws, Rand, question, scenario

from corridor.errors import NoRouteError, PlanningError
from corridor.planning import RoutePlanner
from corridor.scenario.schema import Scenario

WINDOW_DAYS = 3.0


def world_for(data: dict[str, Any]) -> World:
    """The reference's trips: from eight days before the run to twenty after. Questions are
    asked at departures up to eight days in (:func:`departures`), a profile runs up to seven
    days from there and looks :data:`WINDOW_DAYS` ahead (18 days), and a first stop's local
    date may be a day past UTC's. (With sixteen, a Monday trip on day 17 that the planner
    rightly found was missing from the reference: seed 20113 of the profile test.)"""
    start = dt.date.fromisoformat(data["run"]["start"])
    return World(data, start - dt.timedelta(days=8), start + dt.timedelta(days=20))


def departures(world: World) -> list[tuple[int, int]]:
    """(place, minute) of the departures two days before the run to eight days into it: the
    ready times aimed at them leave the reference's trips (:func:`world_for`) room on both
    sides."""
    return [(p, t) for p, lst in world.departures.items() for t, _, _ in lst if -2880 <= t <= 8 * 1440]


def same_criteria(got: list[tuple], want: list[tuple]) -> bool:
    if len(got) != len(want):
        return False
    for a, b in zip(sorted(got), sorted(want), strict=True):
        if a[0] != b[0] or a[1] != b[1] or abs(a[2] - b[2]) > 1e-5 or abs(a[3] - b[3]) > 1e-5:
            return False
    return True


def replay(world: World, q: dict[str, Any], itinerary: Any) -> None:
    """Walk an itinerary's legs by the rules; its criteria must be what the legs add up to."""
    ready = Fraction(q["ready"])
    place, how, t = q["origin"], START, ready
    vehicles, cost, co2 = 0, Fraction(0), Fraction(0)
    for leg in itinerary.legs:
        assert leg.origin == place, (leg, place)
        board, leave = world.board_leave(place, how, t)
        dep, arr = Fraction(leg.dep_min), Fraction(leg.arr_min)
        if leg.kind == "link":
            arc = next(a for a in world.arcs
                       if a.link == leg.name and a.origin == place and a.dest == leg.dest)
            assert q["unit"] in arc.units and not q["direct_only"]
            assert q["modes"] is None or arc.mode == "transfer" or arc.mode in q["modes"]
            assert dep >= leave and arr == dep + arc.minutes, (leg, leave)
            cost, co2, how = cost + arc.cost, co2 + arc.co2, LINK
        elif leg.kind == "dispatch":
            d = next(d for d in world.dispatched if d.service == leg.name)
            assert (d.origin, d.dest) == (place, leg.dest) and d.unit == q["unit"]
            assert dep == world.path_day(board + d.cutoff, d.path_weekdays), (leg, board)
            assert arr == dep + d.ride, leg
            vehicles, cost, co2, how = vehicles + 1, cost + d.cost, co2 + d.co2, VEHICLE
        else:
            assert leg.kind == "service"
            # (two trips of a service that comes back to a place may leave it in the same minute)
            trip, i, j = next((tr, i, j) for tr in world.trips if tr.service == leg.name
                              for i in range(len(tr.stops) - 1) if tr.stops[i] == place and tr.dep[i] == dep
                              for j in range(i + 1, len(tr.stops))
                              if tr.stops[j] == leg.dest and tr.arr[j] == arr)
            assert trip.unit == q["unit"] and (q["modes"] is None or trip.mode in q["modes"])
            assert dep >= board, (leg, board)
            cost += trip.board + sum(trip.cost[i:j], Fraction(0))
            co2 += sum(trip.co2[i:j], Fraction(0))
            vehicles, how = vehicles + 1, VEHICLE
        place, t = leg.dest, arr
    assert place == q["target"]
    assert itinerary.transfers == max(0, vehicles - 1)
    assert abs(itinerary.cost_usd - float(cost)) < 1e-6 and abs(itinerary.co2_kg - float(co2)) < 1e-6


def ask(planner: RoutePlanner, world: World, q: dict[str, Any]) -> list[Any] | None:
    """The planner's itineraries, or None when it refuses the unit (nothing carries it)."""
    when = world.epoch + dt.timedelta(minutes=float(q["ready"]))
    try:
        res = planner.plan(world.names[q["origin"]], world.names[q["target"]], when, modes=q["modes"],
                           unit=q["unit"], max_transfers=q["max_transfers"], direct_only=q["direct_only"],
                           window_days=WINDOW_DAYS)
    except NoRouteError:
        return []
    except PlanningError as exc:
        assert "nothing carries" in str(exc), exc
        return None
    return res.itineraries


def reference_plan(world: World, q: dict[str, Any], **kw: Any) -> list[Found]:
    return world.search(q["origin"], q["target"], Fraction(q["ready"]), unit=q["unit"], modes=q["modes"],
                        max_transfers=q["max_transfers"], direct_only=q["direct_only"],
                        limit=Fraction(q["ready"]) + int(WINDOW_DAYS * 1440), **kw)


def check_plan(data: dict[str, Any], q: dict[str, Any], planner: RoutePlanner | None = None,
               world: World | None = None) -> None:
    planner = planner or RoutePlanner(Scenario.model_validate(data))
    world = world or world_for(data)
    want = reference_plan(world, q)
    got = ask(planner, world, q)
    if got is None:
        assert not want, "the planner refused a unit the reference carried"
        return
    got_c = [it.criteria() for it in got]
    want_c = [f.criteria() for f in want]
    assert same_criteria(got_c, want_c), (q, sorted(got_c), sorted(want_c),
                                          [f.moves for f in sorted(want, key=Found.criteria)])
    for it in got:
        replay(world, q, it)


def check_profile(data: dict[str, Any], q: dict[str, Any], draw_index: Any,
                  planner: RoutePlanner | None = None, world: World | None = None,
                  days: float = 1.0, samples: int = 12) -> int:
    """The profile from the question's ready time over ``days`` against the reference at
    ``samples`` ready times (ready times just before a departure less check-in among them);
    returns how many were compared."""
    planner = planner or RoutePlanner(Scenario.model_validate(data))
    world = world or world_for(data)
    start = world.epoch + dt.timedelta(minutes=float(q["ready"]))
    try:
        prof = planner.profile(world.names[q["origin"]], world.names[q["target"]], start=start, days=days,
                               modes=q["modes"], unit=q["unit"], max_transfers=q["max_transfers"]).profile
    except NoRouteError:
        return 0
    except PlanningError as exc:
        assert "nothing carries" in str(exc), exc
        return 0
    ready = prof.ready_min
    ck = world.checkin[q["origin"]]
    aimed = [float(t - ck) for p, t in departures(world) if p == q["origin"]]
    idx = {int(k) for t in aimed for k in np.searchsorted(ready, [t, t + 1], side="left") if k < ready.size}
    picks = sorted(idx)[:samples] + [draw_index(ready.size) for _ in range(samples)]
    for k in picks:
        r = Fraction(float(ready[k]))
        limit = r + int(WINDOW_DAYS * 1440)
        want = world.earliest(q["origin"], q["target"], r, unit=q["unit"], modes=q["modes"],
                              max_transfers=q["max_transfers"], limit=limit)
        got = prof.arrival_min[k]
        if got <= limit:
            assert got == want, (q, float(r), got, want)
        else:
            assert want == math.inf, (q, float(r), got, want)
    return len(picks)


def seeded(seed: int, **kw: Any) -> tuple[Rand, dict[str, Any], World, list[tuple[int, int]]]:
    r = Rand(random.Random(seed))
    sc = scenario(r, **kw)
    world = world_for(sc)
    return r, sc, world, departures(world)


def test_plan_equals_brute_force_on_seeded_scenarios() -> None:
    # plain random draws reach further into the rule space than Hypothesis' (which favours
    # small values); a failure names its seed, and ``seeded(seed)`` rebuilds the case
    for seed in range(250):
        r, sc, world, deps = seeded(seed)
        planner = RoutePlanner(Scenario.model_validate(sc))
        for _ in range(4):
            q = question(r, sc, deps)
            try:
                check_plan(sc, q, planner, world)
            except AssertionError as exc:
                raise AssertionError(f"seed {seed}: {exc}") from None


def test_profile_equals_brute_force_on_seeded_scenarios() -> None:
    # 20113 asks for a trip on day 17, which the reference lacked when its trips ended on day 16
    for seed in [*range(10_000, 10_100), 20_113]:
        r, sc, world, deps = seeded(seed, max_services=5)
        planner = RoutePlanner(Scenario.model_validate(sc))
        for k in range(4):
            q = question(r, sc, deps)
            try:
                check_profile(sc, q, lambda n, r=r: r.int(0, n - 1), planner, world, days=1.0 + 6 * (k % 2),
                              samples=8)
            except AssertionError as exc:
                raise AssertionError(f"seed {seed}: {exc}") from None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large,
                                                                  HealthCheck.large_base_example])
@given(st.data())
def test_plan_equals_brute_force(data) -> None:
    r = Draws(data)
    sc = scenario(r)
    world = world_for(sc)
    check_plan(sc, question(r, sc, departures(world)), world=world)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.data_too_large,
                                                                  HealthCheck.large_base_example])
@given(st.data())
def test_profile_equals_brute_force(data) -> None:
    r = Draws(data)
    sc = scenario(r, max_services=4)
    world = world_for(sc)
    q = question(r, sc, departures(world))
    check_profile(sc, q, lambda n: r.int(0, n - 1), world=world, samples=6)
