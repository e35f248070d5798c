"""A throughput step's judgement at the edges of the rules of docs/sweeps.md, on steps written by
hand: a mean transit equal to its bound is within it, and a step with no container created in
its window has nothing that shows it sustainable."""

from __future__ import annotations

import math

from corridor.analysis.throughput import Step, _judged
from corridor.kernels.stats import Estimate


def _step(transit: Estimate | None, undelivered: float) -> Step:
    return Step(1.0, 100.0, Estimate(99.0, 1.0, 3, 0.95), transit, Estimate(0.0, 0.1, 3, 0.95),
                undelivered, {"B": Estimate(0.5, 0.01, 3, 0.95)})


def test_a_transit_equal_to_its_bound_stays_within_it() -> None:
    # "the mean transit stays within a stated bound": 10.0 days against a bound of 10.0
    at = _judged(_step(Estimate(10.0, 0.5, 3, 0.95), 0.0), 10.0)
    assert at.sustainable and at.failed_tests == ()
    over = _judged(_step(Estimate(10.001, 0.5, 3, 0.95), 0.0), 10.0)
    assert not over.sustainable and over.failed_tests == ("transit",)


def test_a_step_with_no_container_created_in_its_window_is_not_sustainable() -> None:
    # no container created in the window (0 of 0: the undelivered share is undefined) and no
    # transit: nothing was carried, so the step is no evidence of a sustainable throughput
    judged = _judged(_step(None, math.nan), 10.0)
    assert not judged.sustainable
    assert judged.why == "no container created in the window delivered"


def test_too_many_to_tell_from_most_is_scipys_binomial_tail() -> None:
    # k of n replications grew: not told from "most" when, at a growth chance of 1/2, k or
    # fewer has a chance above 2.5% (scipy's binomial CDF). 2 of 11: (1 + 11 + 55) / 2048 =
    # 3.3%, too many; 1 of 9: 10 / 512 = 2.0%, few enough
    from scipy.stats import binom

    from corridor.analysis.throughput import _could_be_most

    assert _could_be_most(2, 11) and not _could_be_most(1, 9)
    for n in range(1, 21):
        for k in range(n + 1):
            assert _could_be_most(k, n) == (binom.cdf(k, n, 0.5) > 0.025), (k, n)
