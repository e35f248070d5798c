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
