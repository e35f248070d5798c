"""Seasonal demand: a time-varying Poisson process by thinning, against the expected monthly
counts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from scipy import stats

from corridor.kernels.arrivals import piecewise_poisson
from corridor.scenario.schema import Demand
from corridor.simulation.demand import arrival_times, month_edges
from corridor.simulation.streams import Streams
from corridor.units import MIN_PER_WEEK

FACTORS = [0.85, 0.8, 0.95, 1.1, 1.15, 1.1, 0.95, 0.95, 0.95, 1.1, 1.0, 1.1]


def test_month_edges_follow_the_calendar() -> None:
    epoch = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)
    edges, months = month_edges(epoch, 365 * 1440.0)
    assert months.tolist() == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0, 1]
    days = np.diff(edges) / 1440
    # cut at 365 days: 29 Feb 2028 is left out
    assert days.tolist() == [31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 31, 28]


@pytest.mark.parametrize("kind", ["cargo", "passenger"])
def test_seasonal_counts_match_the_expected_monthly_counts(kind: str) -> None:
    # Over 200 replications, each month's count is Poisson with mean per_week / week x factor x
    # the month's minutes: the total over replications is Poisson with 200 times that mean.
    flow = Demand.model_validate({"id": "F", "kind": kind, "from": "A", "to": "B", "per_week": 50.0,
                                  "seasonality": FACTORS})
    epoch = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    horizon = 365 * 1440.0
    edges, months = month_edges(epoch, horizon)
    reps = 200
    counts = np.zeros(months.size)
    for r in range(reps):
        t = arrival_times(flow, horizon, Streams(11, r)(f"demand:{flow.id}"), epoch=epoch)
        assert np.all(np.diff(t) >= 0) and t.min() >= 0 and t.max() < horizon
        counts += np.histogram(t, bins=edges)[0]
    expected = reps * flow.per_week / MIN_PER_WEEK * np.array(FACTORS)[months] * np.diff(edges)
    # each month against its Poisson mean (two-sided, 0.1% each), and the whole by chi-square
    for c, e in zip(counts, expected, strict=True):
        assert stats.poisson.cdf(c, e) > 0.0005 and stats.poisson.sf(c - 1, e) > 0.0005
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    assert stats.chi2.sf(chi2, months.size) > 0.001
    # the peaks show: May (1.15) above February (0.8) per minute, by far more than noise
    per_min = counts / np.diff(edges)
    assert per_min[4] / per_min[1] == pytest.approx(1.15 / 0.8, rel=0.03)


def test_piecewise_poisson_equals_a_plain_loop_on_its_own_draws() -> None:
    # thinning written as a loop over the same numbers keeps exactly the same arrivals
    rates, edges = np.array([0.5, 0.0, 2.0]), np.array([0.0, 10.0, 15.0, 40.0])
    got = piecewise_poisson(rates, edges, np.random.default_rng(3))
    rng = np.random.default_rng(3)
    n = rng.poisson(2.0 * 40.0)
    times = np.sort(rng.uniform(0.0, 40.0, n))
    u = rng.random(n)
    kept = []
    for t, x in zip(times.tolist(), u.tolist(), strict=True):
        k = max(i for i in range(3) if edges[i] <= t)
        if x * 2.0 < rates[k]:
            kept.append(t)
    np.testing.assert_array_equal(got, kept)
    assert not np.any((got >= 10.0) & (got < 15.0))


def test_a_flow_without_seasonality_draws_as_before() -> None:
    # common random numbers with earlier runs: no factors, the same numbers as a plain Poisson
    flow = Demand.model_validate({"id": "F", "kind": "cargo", "from": "A", "to": "B", "per_week": 70.0})
    t = arrival_times(flow, 10 * 1440.0, np.random.default_rng(4))
    rng = np.random.default_rng(4)
    n = rng.poisson(70.0 / MIN_PER_WEEK * 10 * 1440.0)
    np.testing.assert_array_equal(t, np.sort(rng.uniform(0.0, 10 * 1440.0, n)))


def test_sources_whose_names_share_a_crc32_draw_different_numbers() -> None:
    """Streams were keyed by CRC-32 of the source's name: 32 bits, so two flows FCRJD and
    FBBAAA (ids any scenario may hold) drew the very same arrivals, a perfect correlation no one
    wrote. Every name now has a stream of its own."""
    import zlib

    assert zlib.crc32(b"demand:FCRJD") == zlib.crc32(b"demand:FBBAAA")
    streams = Streams(0, 0)
    assert not np.array_equal(streams("demand:FCRJD").random(8), streams("demand:FBBAAA").random(8))
    # and a stream stays the same from run to run (common random numbers)
    assert np.array_equal(Streams(0, 0)("demand:FCRJD").random(8), Streams(0, 0)("demand:FCRJD").random(8))
