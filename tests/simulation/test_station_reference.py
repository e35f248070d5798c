"""A station under closures and capacity cuts against a plain loop written from the docs.

test_queues.py checks the station's step against the vectorised kernel with no disruption and
on one fixed closure. Here closures and cuts are drawn (overlapping, back to back, starting or
ending at the very minute a vehicle arrives or a server frees), with ties, zero service times
and one to four servers. The rule (docs/simulation.md, stations and disruptions): a vehicle
takes the server that frees first; it starts at the first moment at or after max(arrival,
that server free) when the place is open (no window of factor 0 in force: a window holds from
its start, included, to its end, excluded); its service's work goes at f, the lowest factor of
the cuts (windows of a factor above 0) in force at each moment, so a cut that begins or ends
during it slows it for that part only, and a closure does not stop it. A place without servers
holds a vehicle only while it is closed.
"""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from corridor.scenario.distributions import Distribution
from corridor.scenario.schema import CustomsHold
from corridor.simulation.stations import Station

GRID = st.sampled_from([0.0, 10.0, 20.0, 30.0, 45.0, 60.0, 90.0, 100.0, 120.0])


def factor(windows: list[tuple[float, float, float]], t: float) -> float:
    return min([f for a, b, f in windows if a <= t < b], default=1.0)


def first_open(windows: list[tuple[float, float, float]], t: float) -> float:
    """The first moment at or after ``t`` with a factor above 0: ``t`` or the end of a window."""
    for moment in sorted({t, *(b for _, b, _ in windows if b > t)}):
        if factor(windows, moment) > 0:
            return moment
    raise AssertionError("never open")  # every window ends


def served_until(windows: list[tuple[float, float, float]], start: float, work: float) -> float:
    """When ``work`` minutes of service begun at ``start`` are done: over each stretch between
    the windows' edges the factor is fixed, and the work done there is its length x the factor."""
    cuts = [w for w in windows if w[2] > 0]
    edges = sorted({e for a, b, _ in cuts for e in (a, b) if e > start})
    t = start
    for edge in [*edges, math.inf]:
        f = factor(cuts, t)
        if work <= (edge - t) * f:
            return t + work / f
        work -= (edge - t) * f
        t = edge
    raise AssertionError("unreachable: after the last edge the factor is 1")


def plain_station(windows, servers, arrivals, services):  # noqa: ANN001, ANN201
    """(start, end) of each vehicle, and when each server is free after the last."""
    free = [-math.inf] * servers
    out = []
    for a, s in zip(arrivals, services, strict=True):
        if servers == 0:
            t = first_open(windows, a)
            out.append((t, t))
            continue
        k = min(range(servers), key=lambda j: free[j])  # the server that frees first
        start = first_open(windows, max(a, free[k]))
        end = served_until(windows, start, s)
        free[k] = end
        out.append((start, end))
    return out, free


windows_st = st.lists(
    st.tuples(GRID, st.sampled_from([5.0, 10.0, 30.0, 60.0]), st.sampled_from([0.0, 0.0, 0.25, 0.5, 1.0]))
    .map(lambda x: (x[0], x[0] + x[1], x[2])), max_size=4)


@settings(max_examples=400, deadline=None)
@given(windows_st, st.integers(0, 4),
       st.lists(st.tuples(st.sampled_from([0.0, 0.0, 5.0, 10.0, 15.0]),
                          st.sampled_from([0.0, 1.0, 2.5, 10.0, 40.0])), min_size=1, max_size=25))
def test_station_under_closures_and_cuts_equals_a_plain_loop(windows, servers, gaps_and_services) -> None:
    gaps, service = (np.array(x) for x in zip(*gaps_and_services, strict=True))
    arrive = np.cumsum(gaps)
    station = Station(0, servers or None, None, None, list(windows), draws=service)
    for t in arrive.tolist():
        station.visit(t, 1)
    want, free = plain_station(windows, servers, arrive.tolist(), service.tolist())
    np.testing.assert_allclose(station.start, [s for s, _ in want], rtol=0, atol=1e-9)
    np.testing.assert_allclose(station.end, [e for _, e in want], rtol=0, atol=1e-9)
    if servers:  # what a vehicle arriving now would wait, as gateway choice reads it
        t = float(arrive[-1])
        assert station.expected_wait(t) == first_open(windows, max(t, min(free))) - t


@settings(max_examples=200, deadline=None)
@given(windows_st, st.integers(1, 3),
       st.lists(st.tuples(st.sampled_from([0.0, 0.0, 5.0, 10.0, 15.0]),
                          st.sampled_from([0.0, 1.0, 2.5, 10.0, 40.0])), min_size=1, max_size=15),
       st.lists(GRID, max_size=8), st.sampled_from([0.0, 5.0, 30.0, 200.0]))
def test_station_with_outside_vehicles_equals_a_plain_loop(windows, servers, gaps_and_services, outside,
                                                            later) -> None:
    # outside (background) vehicles join the same plain loop, each just before the first
    # modelled vehicle arriving at or after it (first at equal times), the service times
    # drawn in that order. A vehicle asking at ``later`` after the last one what it would
    # wait sees the outside vehicles arrived by then admitted first. Guards expected_wait
    # admitting them: without, it read the servers as the last modelled visit left them
    gaps, service = (np.array(x) for x in zip(*gaps_and_services, strict=True))
    arrive = np.cumsum(gaps).tolist()
    outside = sorted(outside)
    t = arrive[-1] + later
    draws = np.arange(len(arrive) + len(outside)) % 7 * 5.0  # 0 to 30 min, in order of admission
    station = Station(0, servers, None, None, list(windows), background_min=np.array(outside), draws=draws)
    for a in arrive:
        station.visit(a, 1)
    wait = station.expected_wait(t)
    # the plain loop: every vehicle admitted by t, by (time, outside first), in that order
    merged = sorted([(b, 0) for b in outside if b <= t] + [(a, 1) for a in arrive])
    want, free = plain_station(windows, servers, [m for m, _ in merged], draws[:len(merged)].tolist())
    np.testing.assert_allclose(station.start, [s for s, _ in want], rtol=0, atol=1e-9)
    np.testing.assert_allclose(station.end, [e for _, e in want], rtol=0, atol=1e-9)
    assert station.units == [kind for _, kind in merged]
    assert wait == first_open(windows, max(t, min(free))) - t


def test_expected_wait_sees_the_outside_vehicles_arrived_before_it() -> None:
    # one server, 10 min each; outside vehicles at 0, 1, 2 and 3 take it to 40 (plain FCFS:
    # 0-10, 10-20, 20-30, 30-40), so a vehicle arriving at 5 would wait 40 - 5 = 35 (0 if the
    # outside vehicles were not admitted first)
    station = Station(0, 1, None, None, [], background_min=np.array([0.0, 1.0, 2.0, 3.0]),
                      draws=np.full(8, 10.0))
    assert station.expected_wait(5.0) == 35.0


def _fixed(minutes: float) -> Distribution:
    return TypeAdapter(Distribution).validate_python({"dist": "fixed", "value_min": minutes})


def test_mean_stay_is_the_service_and_the_hold_times_its_probability() -> None:
    # what gateway choice adds per station: the mean service, 10, and the mean customs hold,
    # held with probability 0.25 for 600: 10 + 0.25 x 600 = 160 (610 if every vehicle were held)
    customs = CustomsHold.model_validate({"probability": 0.25, "hold": {"dist": "fixed", "value_min": 600}})
    station = Station(0, 1, _fixed(10.0), np.random.default_rng(0), [], customs=customs,
                      customs_rng=np.random.default_rng(1))
    assert station.mean_stay_min == 10.0 + 0.25 * 600.0


def test_customs_hold_only_vehicles_with_units_on_board() -> None:
    # customs hold every loaded vehicle 600 min after its service (probability 1); outside
    # vehicles, with nothing of the model on board, leave when served. Guards the hold being
    # for loaded vehicles only
    customs = CustomsHold.model_validate({"probability": 1.0, "hold": {"dist": "fixed", "value_min": 600}})
    station = Station(0, 1, _fixed(10.0), np.random.default_rng(0), [],
                      background_min=np.array([0.0, 15.0, 40.0]), customs=customs,
                      customs_rng=np.random.default_rng(1))
    for t in (5.0, 50.0):
        station.visit(t, 2)
    log = station.log()
    # plain FCFS, 10 min each: outside 0-10, loaded 10-20, outside 20-30, outside 40-50, loaded 50-60
    assert log["units"].tolist() == [0, 2, 0, 0, 2]
    assert log["end_min"].tolist() == [10.0, 20.0, 30.0, 50.0, 60.0]
    assert log["leave_min"].tolist() == [10.0, 620.0, 30.0, 50.0, 660.0]
