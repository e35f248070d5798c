"""Edges of the replication statistics, against plain loops and the textbook (mutation gaps).

``mean_ci`` leaves out replications that did not finish (NaN, inf), says nothing about the spread
of a single one, and its interval holds its own ends; ``paired_difference`` zeroes only
differences within rounding (1e-12 of the values), not small real ones.
"""

from __future__ import annotations

import math
import statistics

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from corridor.kernels import Estimate, mean_ci, paired_difference


def test_replications_that_did_not_finish_are_left_out() -> None:
    est = mean_ci([1.0, float("nan"), 2.0, float("inf"), 3.0, -float("inf")])
    plain = mean_ci([1.0, 2.0, 3.0])
    assert est.n == 3 and est.mean == 2.0
    assert est.half_width == plain.half_width
    # t(0.975, 2) = 4.303 (tables), sd 1, n 3
    assert est.half_width == pytest.approx(4.303 / math.sqrt(3), abs=1e-3)


def test_one_replication_has_no_interval() -> None:
    est = mean_ci([5.0])
    assert est.mean == 5.0 and est.n == 1 and est.half_width == math.inf
    assert est.contains(-1e9) and est.contains(1e9)
    none = mean_ci([float("nan")])
    assert none.n == 0 and math.isnan(none.mean)


def test_an_interval_holds_its_ends() -> None:
    est = Estimate(mean=10.0, half_width=2.0, n=5, level=0.95)
    assert est.contains(8.0) and est.contains(12.0) and est.contains(10.0)
    assert not est.contains(7.999) and not est.contains(12.001)
    assert Estimate(3.0, 0.0, 4, 0.95).contains(3.0)  # replications all alike


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e3, 1e3)), min_size=2, max_size=12))
def test_a_paired_difference_is_the_mean_of_the_differences(pairs) -> None:
    a = [x for x, _ in pairs]
    b = [x + dx for x, dx in pairs]
    diffs = []
    for x, y in zip(a, b, strict=True):  # plain loop: zero only within rounding of the values
        d = y - x
        diffs.append(0.0 if abs(d) <= 1e-12 * max(abs(x), abs(y)) else d)
    est = paired_difference(a, b)
    assert est.n == len(pairs)
    assert est.mean == pytest.approx(statistics.fmean(diffs), rel=1e-9, abs=1e-9)
    sd = statistics.stdev(diffs)
    assert est.half_width == pytest.approx(
        {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571, 7: 2.447, 8: 2.365, 9: 2.306,
         10: 2.262, 11: 2.228, 12: 2.201}[len(pairs)] * sd / math.sqrt(len(pairs)), rel=2e-3, abs=1e-9)


def test_a_small_real_difference_is_kept() -> None:
    # a thousandth of a minute on values of a thousand minutes is far beyond rounding (1e-12)
    a = [1000.0, 2000.0, 1500.0]
    b = [1000.001, 2000.002, 1500.0015]
    est = paired_difference(a, b)
    assert est.mean == pytest.approx((0.001 + 0.002 + 0.0015) / 3, rel=1e-6)
    assert est.mean > 0 and est.half_width > 0
