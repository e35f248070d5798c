"""Queue kernels against plain Python loops on random inputs."""

from __future__ import annotations

import heapq

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from corridor.kernels import fifo_waits, multi_server_waits

times = st.floats(0, 100, allow_nan=False)


def loop_fifo(a, s):
    waits, free = [], 0.0
    for arrival, service in zip(a, s, strict=True):
        start = max(arrival, free)
        waits.append(start - arrival)
        free = start + service
    return waits


def loop_multi(a, s, c):
    free = [0.0] * c
    heapq.heapify(free)
    waits = []
    for arrival, service in zip(a, s, strict=True):
        earliest = heapq.heappop(free)
        start = max(arrival, earliest)
        waits.append(start - arrival)
        heapq.heappush(free, start + service)
    return waits


@st.composite
def queue_input(draw, max_n=60):
    n = draw(st.integers(1, max_n))
    gaps = draw(arrays(np.float64, n, elements=times))
    service = draw(arrays(np.float64, n, elements=times))
    return np.cumsum(gaps), service


@settings(max_examples=300)
@given(queue_input())
def test_fifo_equals_loop(data) -> None:
    a, s = data
    np.testing.assert_allclose(fifo_waits(a, s), loop_fifo(a, s), rtol=1e-9, atol=1e-9)


@settings(max_examples=300)
@given(queue_input(), st.integers(1, 5))
def test_multi_server_equals_loop(data, c) -> None:
    a, s = data
    np.testing.assert_allclose(multi_server_waits(a, s, c), loop_multi(a, s, c), rtol=1e-9, atol=1e-9)


@st.composite
def queue_pair(draw, max_n=30):
    """Two replications of the same length (drawn once: a filter on equal lengths threw away
    most inputs, and hypothesis's health check failed the test at random)."""
    n = draw(st.integers(1, max_n))
    pair = []
    for _ in range(2):
        gaps = draw(arrays(np.float64, n, elements=times))
        pair.append((np.cumsum(gaps), draw(arrays(np.float64, n, elements=times))))
    return pair


@settings(max_examples=100)
@given(queue_pair(), st.integers(1, 4))
def test_replications_are_independent(pair, c) -> None:
    (a1, s1), (a2, s2) = pair
    both = multi_server_waits(np.stack([a1, a2]), np.stack([s1, s2]), c)
    np.testing.assert_allclose(both[0], loop_multi(a1, s1, c), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(both[1], loop_multi(a2, s2, c), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fifo_waits(np.stack([a1, a2]), np.stack([s1, s2]))[1],
                               loop_fifo(a2, s2), rtol=1e-9, atol=1e-9)


def test_errors() -> None:
    with pytest.raises(ValueError):
        fifo_waits([0.0, 1.0], [1.0])
    with pytest.raises(ValueError):
        multi_server_waits([0.0], [1.0], 0)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4), st.lists(st.tuples(st.sampled_from([0.0, 0.5, 1.0, 7.0, 30.0]),
                                              st.sampled_from([0.0, 1.0, 2.5, 60.0])),
                                    min_size=1, max_size=60))
def test_station_step_equals_vectorised_kernel(servers, gaps_and_services) -> None:
    # the engine admits vehicles one at a time (Station.visit -> kernels.admit); the kernel does
    # the same rule over arrays: ties (gap 0), zero service and idle spells included
    from corridor.simulation.stations import Station

    gaps, service = (np.array(x) for x in zip(*gaps_and_services, strict=True))
    arrive = np.cumsum(gaps)
    station = Station(0, servers, None, None, [], draws=service)
    for t in arrive.tolist():
        station.visit(t, 1)
    stepped = np.array(station.start) - np.array(station.arrive)
    np.testing.assert_allclose(stepped, multi_server_waits(arrive, service, servers), rtol=0, atol=1e-9)
    np.testing.assert_allclose(np.array(station.end) - np.array(station.start), service, atol=1e-9)


def test_a_cut_to_almost_nothing_holds_a_service_only_while_it_lasts() -> None:
    # a factor of 1e-300 for a day: the service begun in it does next to no work there, then
    # its 40 minutes once the cut ends, not 40 / 1e-300 minutes (a station blocked for good)
    from corridor.simulation.stations import Station

    station = Station(0, 1, None, None, [(0.0, 1440.0, 1e-300)], draws=np.array([40.0, 40.0]))
    assert [station.visit(t, 1) for t in (60.0, 70.0)] == [1480.0, 1520.0]


def test_station_step_waits_out_a_closure() -> None:
    # closed 100-200; at half capacity 200-300. The first service (40 min, from 90) goes on
    # through the closure: 130. The second waits for the opening and runs at half speed: 280.
    # The third does 10 min of work at half speed to 300, its other 30 at full speed: 330.
    from corridor.simulation.stations import Station

    station = Station(0, 1, None, None, [(100.0, 200.0, 0.0), (200.0, 300.0, 0.5)],
                      draws=np.array([40.0, 40.0, 40.0]))
    assert [station.visit(t, 1) for t in (90.0, 120.0, 150.0)] == [130.0, 280.0, 330.0]
    assert station.start == [90.0, 200.0, 280.0]
