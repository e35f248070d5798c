"""``RoutePlanner`` against an independent planner written from the docs alone
(``independent_brute.py``), on random small scenarios drawn from the whole rule space: zones
with half- and three-quarter-hour offsets and summer time (runs starting beside a change of
clocks), check-in and connection times (fractional, larger than some gaps), weekday calendars,
headways, validity periods (the service's and the scenario's), multi-stop services calling twice
at a place, trips over midnight and over days, twin services landing at the same minute, fares
by distance and by boarding, CO2, links with modes, units, costs and CO2.

Compared: the earliest arrival and the Pareto set (arrival, transfers, cost, CO2) of ``plan``,
with ``max_transfers`` and ``modes``, from ready times in UTC, local (autumn fold, refused in the
spring gap), fractional and years away; that of journeys equal in all four ``plan`` shows one
whose traveller may be ready latest; the week ``profile`` at every ready time of its grid, which
starts on the local Monday and spans the origin's clock days; the 60-day window's edge. On
scenarios that add dispatched services (cut-offs, departure paths on some UTC weekdays only) and
services for containers: the earliest arrival and the Pareto set for either unit, with
``direct_only`` and with ``modes`` over services and links, and the week ``profile`` for either
unit (48 scenarios, the first 16 of which ask 15,061 ready times; a cut-off a minute late in
the profile's vectorised rule fails 10 of them, path days read a day off 5).
"""

from __future__ import annotations

import datetime as dt
import random
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from planning.independent_brute import UTC, random_scenario, with_dispatch_and_units, world_for

from corridor.errors import NoRouteError, PlanningError
from corridor.planning import RoutePlanner
from corridor.scenario.schema import Scenario

#: seeds whose questions the planner answers in well under a second each
PLAN_SEEDS = range(0, 150)
PROFILE_SEEDS = range(0, 12)


def _key(t: float, transfers: int, cost: float, co2: float) -> tuple[float, int, float, float]:
    return (round(float(t), 3), transfers, round(float(cost) + 1e-7, 3), round(float(co2) + 1e-7, 3))


def _epoch(data: dict[str, Any]) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(data["run"]["start"]), dt.time(), tzinfo=UTC)


def _without(data: dict[str, Any], modes: tuple[str, ...]) -> dict[str, Any]:
    """The scenario with only services of ``modes`` and links of them or walks (transfer)."""
    return {**data, "services": [s for s in data["services"] if s["mode"] in modes],
            "links": [lk for lk in data["links"] if lk.get("mode", "transfer") in (*modes, "transfer")]}


@pytest.mark.parametrize("seed", PLAN_SEEDS)
def test_plan_matches_independent_planner(seed: int) -> None:
    rng = random.Random(seed)
    data = random_scenario(rng)
    planner = RoutePlanner(Scenario.model_validate(data))
    ids = [p["id"] for p in data["places"]]
    epoch = _epoch(data)
    for _ in range(4):
        o, d = rng.sample(ids, 2)
        ready: float = rng.randint(-3 * 1440, 10 * 1440)
        world = world_for(data, ready)
        boards = world.boards[o]
        if boards and rng.random() < 0.5:  # just when a departure can still be made, or just not
            s, i = rng.choice(boards)
            near = [t for t in s.starts if abs(t - ready) < 3 * 1440]
            if near:
                ready = int(rng.choice(near) + s.dep[i] - world.checkin[o]) + rng.choice([-1, 0, 1])
        if rng.random() < 0.2:
            ready += rng.choice([-1, 2]) * 365 * 1440
        modes = None
        if rng.random() < 0.3:
            modes = tuple(rng.sample(["rail", "road", "ferry"], rng.randint(1, 2)))
        world = world_for(data if modes is None else _without(data, modes), ready)
        ready += rng.choice([0, 0, 0.5, 0.25])
        when: str | dt.datetime = epoch + dt.timedelta(minutes=ready)
        if rng.random() < 0.25:  # a local clock time, in the autumn fold now and then
            tz = ZoneInfo(data["places"][ids.index(o)]["tz"])
            naive = when.astimezone(tz).replace(tzinfo=None) + dt.timedelta(minutes=rng.choice([0, 60, -60]))
            back = naive.replace(tzinfo=tz, fold=0)
            if back.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
                with pytest.raises(PlanningError, match="does not exist"):
                    planner.plan(o, d, naive.isoformat(), unit="pax")
                continue
            ready, when = (back - epoch).total_seconds() / 60, naive.isoformat()
        most = rng.choice([None, None, None, 0, 1, 2])
        try:
            found = planner.plan(o, d, when, unit="pax", max_transfers=most, modes=modes).itineraries
        except NoRouteError:
            found = []
        except PlanningError as exc:  # only links for containers leave the origin
            assert "nothing carries passengers" in str(exc)
            continue
        expected = world.pareto(o, d, Fraction(ready), max_transfers=most)
        assert {_key(*x) for x in expected} == {
            _key(it.arrive_min, it.transfers, it.cost_usd, it.co2_kg) for it in found}, (seed, o, d, when)
        if not found:
            assert world.earliest(o, d, Fraction(ready)) is None or most is not None
            continue
        if most is None:
            assert float(world.earliest(o, d, Fraction(ready))) == found[0].arrive_min
        # of equal journeys, the one its traveller may be ready for latest
        for it in found[:3]:
            if modes is not None or most is not None or all(leg.kind == "link" for leg in it.legs):
                continue
            first = it.legs[0]
            latest = first.dep_min if first.kind == "link" else first.dep_min - float(world.checkin[o])
            key = _key(it.arrive_min, it.transfers, it.cost_usd, it.co2_kg)
            assert key in {_key(*x) for x in world.pareto(o, d, Fraction(latest))}
            assert key not in {_key(*x) for x in world.pareto(o, d, Fraction(latest) + Fraction(1, 100))}


@pytest.mark.parametrize("seed", PROFILE_SEEDS)
def test_profile_matches_independent_planner(seed: int) -> None:
    rng = random.Random(10_000 + seed)
    data = random_scenario(rng)
    planner = RoutePlanner(Scenario.model_validate(data))
    ids = [p["id"] for p in data["places"]]
    epoch = _epoch(data)
    for _ in range(2):
        o, d = rng.sample(ids, 2)
        step = rng.choice([7, 13, 30])
        start = None
        if rng.random() < 0.5:
            day = dt.date.fromisoformat(data["run"]["start"]) + dt.timedelta(days=rng.randint(-4, 4))
            start = f"{day.isoformat()}T{rng.choice(['00:00', '05:17', '13:30'])}"
        try:
            prof = planner.profile(o, d, start=start, step_min=step, days=7, unit="pax").profile
        except NoRouteError:
            continue
        except PlanningError as exc:
            assert "nothing carries passengers" in str(exc)
            continue
        tz = ZoneInfo(data["places"][ids.index(o)]["tz"])
        if start is None:  # Monday 00:00 at the origin, of the week the run starts in
            first = dt.date.fromisoformat(data["run"]["start"])
            begin = dt.datetime.combine(first - dt.timedelta(days=first.weekday()), dt.time(), tzinfo=tz)
        else:
            begin = dt.datetime.fromisoformat(start).replace(tzinfo=tz)
        end = (begin.replace(tzinfo=None) + dt.timedelta(days=7)).replace(tzinfo=tz)
        t0 = (begin - epoch).total_seconds() / 60
        t1 = (end - epoch).total_seconds() / 60  # 167, 168 or 169 hours on
        assert prof.ready_min[0] == pytest.approx(t0)
        assert t1 - step - 1e-9 <= prof.ready_min[-1] <= t1 + 1e-9
        world = world_for(data, t0, days_after=70)
        for ready, arrive in zip(prof.ready_min, prof.arrival_min, strict=True):
            ea = world.earliest(o, d, Fraction(float(ready)))
            assert (None if not np.isfinite(arrive) else float(arrive)) == (
                None if ea is None else float(ea)), (seed, o, d, float(ready))


@pytest.mark.parametrize("duration", [60, 1439, 1440, 1441])
def test_window_edge_matches_independent_planner(duration: int) -> None:
    """A trip that arrives 60 days after the ready time exactly is found; a minute later, not."""
    def place(pid: str, lon: float) -> dict[str, Any]:
        return {"id": pid, "name": pid, "kind": "junction", "country": "KZ", "lat": 0.0, "lon": lon,
                "tz": "Asia/Kathmandu"}
    data = {"name": "edge", "run": {"start": "2027-03-01", "horizon_days": 14},
            "places": [place("A", 0.0), place("B", 1.0)],
            "services": [{"id": "S", "mode": "rail", "unit": "pax", "stops": ["A", "B"],
                          "timetable": {"times": ["00:00"]}, "duration_min": duration,
                          "capacity": 10, "valid_from": "2027-04-29"}]}
    planner = RoutePlanner(Scenario.model_validate(data))
    world = world_for(data, 0, days_after=70)
    arrive = world.earliest("A", "B", Fraction(-10**6)) or 0  # nothing within 60 days of then
    assert arrive == 0
    first = min(world.services[0].starts) + duration
    for ready in (first - 60 * 1440 - 1, first - 60 * 1440, first - 60 * 1440 + 1):
        expected = world.earliest("A", "B", Fraction(ready))
        when = _epoch(data) + dt.timedelta(minutes=ready)
        try:
            got = planner.plan("A", "B", when, unit="pax").itineraries[0].arrive_min
        except NoRouteError:
            got = None
        assert got == (None if expected is None else float(expected))
        assert (expected is None) == (ready < first - 60 * 1440)


DISPATCH_SEEDS = range(0, 200)


def _dispatch_case(seed: int) -> tuple[random.Random, dict[str, Any], RoutePlanner, list[str], dt.datetime]:
    """A random scenario with dispatched services and container units drawn from ``seed``: the
    stream (to draw the questions from next), the scenario, its planner, place ids and epoch."""
    rng = random.Random(seed)
    data = with_dispatch_and_units(rng, random_scenario(rng))
    ids = [p["id"] for p in data["places"]]
    return rng, data, RoutePlanner(Scenario.model_validate(data)), ids, _epoch(data)


@pytest.mark.parametrize("seed", DISPATCH_SEEDS)
def test_dispatch_units_direct_modes_match_independent_planner(seed: int) -> None:
    """Dispatched services (cut-offs, weekday paths), either unit, ``direct_only`` and
    ``modes`` with links: the earliest arrival and the Pareto set."""
    rng, data, planner, ids, epoch = _dispatch_case(20_000 + seed)
    for _ in range(4):
        o, d = rng.sample(ids, 2)
        ready: float = rng.randint(-3 * 1440, 10 * 1440) + rng.choice([0, 0, 0.5])
        unit = rng.choice(["pax", "feu"])
        modes = None
        if rng.random() < 0.3:
            modes = tuple(rng.sample(["rail", "road", "ferry"], rng.randint(1, 2)))
        direct = rng.random() < 0.2
        world = world_for(data if modes is None else _without(data, modes), ready, unit=unit)
        when = epoch + dt.timedelta(minutes=ready)
        try:
            found = planner.plan(o, d, when, unit=unit, modes=modes, direct_only=direct).itineraries
        except NoRouteError:
            found = []
        except PlanningError as exc:  # nothing carries that unit from the origin
            assert "nothing carries" in str(exc), exc
            continue
        expected = world.pareto(o, d, Fraction(ready), direct_only=direct)
        assert {_key(*x) for x in expected} == {
            _key(it.arrive_min, it.transfers, it.cost_usd, it.co2_kg) for it in found}, (
            seed, o, d, ready, unit, modes, direct)
        if found and not direct:
            assert float(world.earliest(o, d, Fraction(ready))) == found[0].arrive_min


DISPATCH_PROFILE_SEEDS = range(0, 48)


@pytest.mark.parametrize("seed", DISPATCH_PROFILE_SEEDS)
def test_profile_with_dispatch_and_units_matches_independent_planner(seed: int) -> None:
    """The week ``profile`` on scenarios with dispatched services (a vehicle to join at any
    minute, a cut-off, paths on some weekdays) and services for containers, either unit: at
    every ready time of its grid, the earliest arrival."""
    rng, data, planner, ids, epoch = _dispatch_case(30_000 + seed)
    for _ in range(3):
        o, d = rng.sample(ids, 2)
        unit = rng.choice(["pax", "feu"])
        step = rng.choice([11, 30, 47])
        day = dt.date.fromisoformat(data["run"]["start"]) + dt.timedelta(days=rng.randint(-2, 6))
        start = f"{day.isoformat()}T{rng.choice(['00:00', '06:41', '23:59'])}"
        try:
            prof = planner.profile(o, d, start=start, step_min=step, days=7, unit=unit).profile
        except NoRouteError:
            continue
        except PlanningError as exc:  # nothing carries that unit from the origin
            assert "nothing carries" in str(exc), exc
            continue
        begin = dt.datetime.fromisoformat(start).replace(tzinfo=ZoneInfo(data["places"][ids.index(o)]["tz"]))
        t0 = (begin - epoch).total_seconds() / 60
        assert prof.ready_min[0] == pytest.approx(t0)
        world = world_for(data, t0, days_after=70, unit=unit)
        for ready, arrive in zip(prof.ready_min, prof.arrival_min, strict=True):
            ea = world.earliest(o, d, Fraction(float(ready)))
            assert (None if not np.isfinite(arrive) else float(arrive)) == (
                None if ea is None else float(ea)), (seed, o, d, unit, float(ready))
