"""Disruption windows answer the factor in force by bisection (``Windows``): the same factor
and the same next change as a scan of every window (the plain loops below), for windows that
overlap, share a start or an end, nest, close (factor 0) or cut, asked at their bounds and
between them; and the opening and service-finish times built on them agree with loops over
that scan."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.simulation.stations import Windows, finish, opening

bound = st.integers(0, 40).map(float)
factor = st.sampled_from([0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.5])
window = st.tuples(bound, st.integers(1, 15).map(float), factor).map(lambda w: (w[0], w[0] + w[1], w[2]))


def scan(windows: list[tuple[float, float, float]], t: float) -> tuple[float, float]:
    factor, until = 1.0, math.inf
    for start, end, f in windows:
        if start <= t < end:
            factor, until = min(factor, f), min(until, end)
        elif start > t:
            until = min(until, start)
    return factor, until


def scan_opening(windows: list[tuple[float, float, float]], t: float) -> float:
    factor, until = scan(windows, t)
    while factor == 0.0:
        t = until
        factor, until = scan(windows, t)
    return t


def scan_finish(windows: list[tuple[float, float, float]], t: float, work: float) -> float:
    cuts = [w for w in windows if w[2] > 0.0]
    while True:
        factor, until = scan(cuts, t)
        if t + work / factor <= until:
            return t + work / factor
        work -= (until - t) * factor
        t = until


@settings(max_examples=300, deadline=None)
@given(st.lists(window, max_size=12), st.lists(st.integers(-2, 120).map(lambda k: k / 2), max_size=30))
def test_windows_answer_as_a_scan_of_every_window(windows, times) -> None:
    w = Windows(windows)
    assert bool(w) == bool(windows) and len(w) == len(windows)
    for t in [*times, *(x for s, e, _ in windows for x in (s, e))]:
        assert w.factor_at(t) == scan(windows, t), t
        assert opening(w, t) == scan_opening(windows, t), t
        assert finish(w, t, 7.0) == scan_finish(windows, t, 7.0), t
