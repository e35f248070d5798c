"""Kernel behaviour that mutation testing found unguarded: each test names the mutant it kills.

The witnesses are hand-worked numbers (in the comments), Poisson counts, or the rule of the
docstring written again; never the kernels' own output.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from corridor.kernels import admit, fifo_waits, multi_server_waits, time_weighted_mean
from corridor.kernels.arrivals import piecewise_poisson

# --- queues ---------------------------------------------------------------------------------


def test_a_customer_finding_the_server_free_waits_exactly_zero() -> None:
    # arrivals 0.05, 0.75, 1.45, services 0.2, 0.2, 0.1: each leaves (0.25, 0.95) before the
    # next arrives, so every wait is 0. The closed form B_n = C_n + max(A_j - C_j) gives the
    # third start as 0.4 + (1.45 - 0.4) = 1.4499999999999997, a wait of -2.2e-16 unless
    # clamped (kills: dropping np.maximum(start - a, 0.0) in fifo_waits; a negative wait
    # turns a "waited" share or a log's sign check wrong)
    a, s = np.cumsum([0.05, 0.7, 0.7]), np.array([0.2, 0.2, 0.1])
    assert a.tolist() == [0.05, 0.75, 1.45]
    assert fifo_waits(a, s).tolist() == [0.0, 0.0, 0.0]
    assert multi_server_waits(a, s, 1).tolist() == [0.0, 0.0, 0.0]


def test_servers_are_free_from_the_start_even_before_minute_zero() -> None:
    # two servers, arrivals at -30, -20, -10 (minutes before an epoch), services 25, 25, 5.
    # By hand, as admit's rule (every server free from -inf): the first takes a server
    # -30 to -5, the second the other -20 to 5, the third the one free at -5: waits 0, 0, 5.
    # The loop started its servers free at 0 instead, so the first waited 30 (kills: free
    # initialised to 0, where the one-server closed form and Station start at -inf)
    a, s = np.array([-30.0, -20.0, -10.0]), np.array([25.0, 25.0, 5.0])
    assert multi_server_waits(a, s, 2).tolist() == [0.0, 0.0, 5.0]
    free = [-np.inf, -np.inf]
    assert [st - x for x, (st, _) in zip(a, (admit(free, x, w) for x, w in zip(a, s, strict=True)),
                                        strict=True)] == [0.0, 0.0, 5.0]
    # one server: -30 to -5, then -20 waits 15 (to 20), -10 waits 30: the same either way
    assert multi_server_waits(a, s, 1).tolist() == [0.0, 15.0, 30.0]
    assert fifo_waits(a, s).tolist() == [0.0, 15.0, 30.0]


def test_no_servers_is_refused_with_its_reason_even_without_customers() -> None:
    # kills: `servers < 1` loosened to `servers < 0` (NumPy's argmin of no servers still raised
    # a ValueError, about an empty sequence, and no customers passed silently)
    with pytest.raises(ValueError, match="servers must be 1 or more"):
        multi_server_waits([0.0, 1.0], [1.0, 1.0], 0)
    with pytest.raises(ValueError, match="servers must be 1 or more"):
        multi_server_waits(np.empty(0), np.empty(0), 0)


# --- arrivals -------------------------------------------------------------------------------


def test_pieces_that_start_after_zero_draw_only_inside_them() -> None:
    # rate 0.5/min on [1000, 1100) and 0.1/min on [1100, 1300): over 400 draws the counts are
    # Poisson with means 400 x 50 = 20,000 and 400 x 20 = 8,000 (kills: the count drawn over
    # [0, end), top x 1300 = 650 a draw; times drawn uniform on [0, end), some before 1000.
    # Every caller so far starts at 0, where both are right by chance)
    rng = np.random.default_rng(7)
    counts = np.zeros(2)
    for _ in range(400):
        t = piecewise_poisson([0.5, 0.1], [1000.0, 1100.0, 1300.0], rng)
        assert t.size == 0 or (t.min() >= 1000.0 and t.max() < 1300.0)
        assert np.all(np.diff(t) >= 0)
        counts += np.histogram(t, bins=[1000.0, 1100.0, 1300.0])[0]
    for c, mean in zip(counts, (20_000.0, 8_000.0), strict=True):
        assert stats.poisson.cdf(c, mean) > 0.0005 and stats.poisson.sf(c - 1, mean) > 0.0005, (c, mean)


def test_an_empty_piece_is_allowed_and_draws_nothing() -> None:
    # [0, 10) at 1/min, [10, 10) (empty) at 5/min, [10, 20) at 1/min: a month cut to nothing
    # is a piece of no length (kills: edges required strictly increasing)
    t = piecewise_poisson([1.0, 5.0, 1.0], [0.0, 10.0, 10.0, 20.0], np.random.default_rng(2))
    assert t.size > 0 and t.min() >= 0.0 and t.max() < 20.0


@pytest.mark.parametrize(("rates", "edges"), [
    ([1.0, 1.0], [0.0, 10.0]),  # two rates need three edges (kills: the shape check dropped)
    ([1.0], [0.0, 10.0, 20.0]),
    ([1.0, 1.0], [0.0, 20.0, 10.0]),  # edges going back
    # kills: the negative-rate check dropped (the piece was thinned to nothing, silently)
    ([1.0, -0.5], [0.0, 10.0, 20.0]),
    ([1.0, np.nan], [0.0, 10.0, 20.0]),  # NaN and inf: NumPy's poisson refuses them too
    ([1.0, np.inf], [0.0, 10.0, 20.0]),
], ids=["too-few-edges", "too-many-edges", "edges-back", "negative", "nan", "inf"])
def test_rates_and_edges_that_make_no_process_are_refused(rates, edges) -> None:
    with pytest.raises(ValueError):
        piecewise_poisson(rates, edges, np.random.default_rng(0))


# --- time series ----------------------------------------------------------------------------


def test_the_level_before_the_first_step_is_the_initial_one() -> None:
    # level 2 until a step to 5 at minute 10 (initial=2): by hand, over [0, 10) the mean is 2,
    # over [10, 20) 5, over [0, 20) (20 + 50) / 20 = 3.5, over [4, 12) (12 + 10) / 8 = 2.75.
    # No caller passes ``initial`` (their queues start empty), so nothing checked it (kills:
    # the area before the first step taken at 0 instead of ``initial``)
    got = time_weighted_mean([10.0], [5.0], [0.0, 10.0, 20.0], initial=2.0)
    assert got.tolist() == [2.0, 5.0]
    assert time_weighted_mean([10.0], [5.0], [0.0, 20.0], initial=2.0).tolist() == [3.5]
    assert time_weighted_mean([10.0], [5.0], [4.0, 12.0], initial=2.0).tolist() == [2.75]
    # no step at all: the initial level throughout (kills: area 0 without steps)
    assert time_weighted_mean([], [], [0.0, 4.0, 10.0], initial=3.0).tolist() == [3.0, 3.0]


def test_steps_out_of_order_and_bins_of_no_width_are_refused() -> None:
    # kills: the sorted-steps check dropped (a cumulative area over unsorted knots is garbage),
    # and bins required only not to go back (a bin of no width divides 0 by 0)
    with pytest.raises(ValueError):
        time_weighted_mean([5.0, 1.0], [1.0, 2.0], [0.0, 10.0])
    with pytest.raises(ValueError):
        time_weighted_mean([1.0, 5.0], [1.0, 2.0], [0.0, 5.0, 5.0, 10.0])
